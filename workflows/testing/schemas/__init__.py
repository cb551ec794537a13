"""JSON schemas of the harness's files, and one way to check a document against them.

- `mock_config.schema.json`: AWS's MockConfigFile, written from AWS's documentation (the pages are
  cited in the file). Its top-level `properties` are the only keys Step Functions Local documents;
  `workflows.testing.mock_config` warns about any other.
- `mock_sidecar.schema.json`: the harness's own `<config>.expect.json` (inputs, expectations,
  definitions, validation mode) - see docs/testing.md.

jsonschema (a dependency already) does the checking; `problems` turns its errors into lines that
name the file and the JSON path of the offending field.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema

MOCK_CONFIG = "mock_config"
SIDECAR = "mock_sidecar"
_DIR = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def schema(name: str) -> dict[str, Any]:
    """The parsed schema `name` (MOCK_CONFIG or SIDECAR)."""
    return json.loads((_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def _validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema(name))


def top_level_keys(name: str) -> tuple[str, ...]:
    """The top-level fields the schema defines (for MOCK_CONFIG: StateMachines, MockedResponses)."""
    return tuple(schema(name)["properties"])


def json_path(parts: Any) -> str:
    """"StateMachines.signup.TestCases" for jsonschema's deque of path parts ("$" for the root)."""
    return ".".join(str(part) for part in parts) or "$"


def problems(document: Any, name: str, source: str = "<document>") -> list[str]:
    """Every way `document` breaks schema `name`, one line each: "<source>: <json path>: <why>"."""
    errors = sorted(_validator(name).iter_errors(document), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    return [f"{source}: {json_path(error.absolute_path)}: {error.message}" for error in errors]
