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
# Services moto runs in-process for the cases that call them.
MOTO_NEEDS = {"sqs", "sns", "dynamodb", "events", "aws-sdk:dynamodb",
              "aws-sdk:secretsmanager", "aws-sdk:s3", "s3"}
# What else a case may need, and what serves it: the engine itself (states:startExecution targets
# rebuilt by `sub_machines`, aws-sdk:sfn through an in-process boto3 client), the recorded
# interactions played by `driver` (callbacks, activity workers, StopExecution), the virtual clock
# (long waits), the runner (run-time timestamps).
HARNESS_NEEDS = {"lambda", "sfn", "sync", "aws-sdk:sfn", "callback", "activity", "activity-worker",
                 "api:send_task_success", "api:send_task_failure", "api:stop_execution", "wait>5s",
                 "input:runtime-timestamp"}


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
    blocked = sorted(set(case["needs"]) - MOTO_NEEDS - HARNESS_NEEDS)
    if blocked:
        return "needs " + ", ".join(blocked)
    return None


def need_group(case: dict[str, Any]) -> str:
    """The corpus group a case is counted in: 'pure', 'lambda', or what else it needs most."""
    needs = set(case["needs"])
    for name, members in NEED_GROUPS:
        if needs & members:
            return name
    return group(case)


NEED_GROUPS: tuple[tuple[str, set[str]], ...] = (
    ("sub-executions (sfn)", {"sfn", "aws-sdk:sfn"}),
    ("callbacks", {"callback"}),
    ("activities", {"activity"}),
    ("s3 (ItemReader/ResultWriter, aws-sdk:s3)", {"s3", "aws-sdk:s3"}),
    ("dynamodb", {"dynamodb", "aws-sdk:dynamodb"}),
    ("sqs/sns/events", {"sqs", "sns", "events"}),
    ("secretsmanager", {"aws-sdk:secretsmanager"}),
    ("time (timestamps, long waits, stop)", {"input:runtime-timestamp", "wait>5s", "api:stop_execution"}),
)


def folder(case: dict[str, Any]) -> str:
    """The template folder the case came from (the README's grouping)."""
    templates = case["source"].get("templates") or []
    folders = sorted({t.split("/templates/")[1].split("/")[0] for t in templates if "/templates/" in t})
    return "+".join(folders) if folders else "(built in test code)"
