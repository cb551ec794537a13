"""Replays ../shared/conformance/teststate.jsonl (TestState calls recorded on AWS) through `test_state`.

Each case's request is rebuilt as boto3 would send it (JSON text for definition, input, context,
variables; `arn:<partition>:` stays literal since the matcher binds it), the response or the raised
exception is compared with what AWS returned: status, output, error, cause, nextState, and the
rejection type. Placeholders are matched by the conformance area's matcher.
"""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError, ParamValidationError

from workflows.testing import test_state as teststate

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "conformance" / "teststate.jsonl"
EXPECTED_DIFFERENCES = Path(__file__).with_name("teststate_expected_differences.json")


def _matcher():
    spec = importlib.util.spec_from_file_location("_conformance_matcher",
                                                  ROOT / "tests" / "conformance" / "matcher.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module.match


def load_cases(pure_only: bool = True) -> list[dict[str, Any]]:
    cases = [json.loads(line) for line in CORPUS.read_text().splitlines() if line.strip()]
    return [c for c in cases if not pure_only or not c["needs"]]


def request_of(case: dict[str, Any]) -> dict[str, Any]:
    request: dict[str, Any] = {"definition": json.dumps(case["definition"])}
    if "roleArn" in case:
        request["roleArn"] = case["roleArn"]
    if "input" in case:
        request["input"] = json.dumps(case["input"])
    for key in ("stateName", "inspectionLevel", "mock", "stateConfiguration", "revealSecrets"):
        if key in case:
            request[key] = case[key]
    for key in ("context", "variables"):
        if key in case:
            request[key] = json.dumps(case[key])
    return request


def run_case(case: dict[str, Any]) -> dict[str, Any]:
    """The call's outcome in the corpus's `expected` vocabulary."""
    try:
        response = teststate.test_state(region_name="<region>", account_id="111111111111",
                                        partition="<partition>", **request_of(case))
    except ParamValidationError as error:
        return {"exception": {"type": "ParamValidationError", "message": str(error)}}
    except ClientError as error:
        return {"exception": {"type": error.response["Error"]["Code"],
                              "message": error.response["Error"]["Message"]}}
    return response


def compare(case: dict[str, Any], actual: dict[str, Any], match=None) -> str | None:
    """None when the compared fields match, else the first difference."""
    match = match or _matcher()
    expected = case["expected"]
    if "exception" in expected:
        want = expected["exception"]["type"]
        got = actual.get("exception", {}).get("type")
        if got != want:
            return f"expected {want} rejection, got {got or actual.get('status')}: {actual}"
        return None
    if "exception" in actual:
        return f"expected status {expected['status']}, got {actual['exception']}"
    bindings: dict[str, str] = {}
    for key in ("status", "error", "cause", "nextState"):
        if expected.get(key) != actual.get(key):
            if key == "cause" and expected.get(key) is not None and actual.get(key) is not None:
                diff = match(expected[key], actual[key], bindings, "$.cause", json_text=True)
                if diff is None:
                    continue
            return f"{key}: expected {expected.get(key)!r}, got {actual.get(key)!r}"
    if "output" in expected:
        if "output" not in actual:
            return "output: missing"
        diff = match(expected["output"], json.loads(actual["output"]), bindings, "$.output")
        if diff:
            return diff
    elif "output" in actual and expected["status"] != "SUCCEEDED":
        pass  # AWS omits some outputs the snapshot did not record; not compared
    return None


def expected_differences() -> dict[str, str]:
    return json.loads(EXPECTED_DIFFERENCES.read_text())["cases"]
