"""Loading the recorded corpus and deciding which cases this suite can run.

The corpus lives outside the repository (`CONFORMANCE_CASES`, default
/work/shared/conformance/cases.jsonl); without it the conformance tests skip rather than pass.
"""
from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any

DEFAULT_CASES = Path("/work/shared/conformance/cases.jsonl")
# Services the harness can serve beyond in-process Lambda handlers: moto runs them in-process.
MOTO_NEEDS = {"sqs", "sns", "dynamodb", "events", "aws-sdk:dynamodb",
              "aws-sdk:secretsmanager", "aws-sdk:s3"}


def cases_path() -> Path:
    return Path(os.environ.get("CONFORMANCE_CASES", str(DEFAULT_CASES)))


@functools.lru_cache(maxsize=1)
def load_cases() -> tuple[dict[str, Any], ...]:
    path = cases_path()
    if not path.exists():
        return ()
    with path.open(encoding="utf-8") as handle:
        return tuple(json.loads(line) for line in handle if line.strip())


def group(case: dict[str, Any]) -> str:
    """'pure', 'lambda' (the two groups with acceptance thresholds) or 'services'."""
    needs = case["needs"]
    if not needs:
        return "pure"
    if needs == ["lambda"]:
        return "lambda"
    return "services"


def runnable(case: dict[str, Any]) -> str | None:
    """None if the harness can run the case, else why not."""
    needs = set(case["needs"]) - {"lambda"}
    blocked = sorted(needs - MOTO_NEEDS)
    if blocked:
        return "needs " + ", ".join(blocked)
    return None


def folder(case: dict[str, Any]) -> str:
    """The template folder the case came from (the README's grouping)."""
    templates = case["source"].get("templates") or []
    folders = sorted({t.split("/templates/")[1].split("/")[0] for t in templates if "/templates/" in t})
    return "+".join(folders) if folders else "(built in test code)"
