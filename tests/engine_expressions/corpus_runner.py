"""A deliberately small walker over Pass/Choice/Succeed/Fail states, used only to feed the
conformance corpus's expression cases straight through the expressions API (no engine needed).

It applies InputPath -> Parameters/Arguments -> Result -> ResultPath -> OutputPath, JSONata Output,
Assign and Choice rules, and compares the result with AWS's recorded output using the corpus's
placeholder rules. It is not an interpreter: anything beyond those states is reported as unsupported.
"""
from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

from workflows.engine.expressions import (
    EvaluationError,
    compile_choice,
    evaluate_intrinsic,
    looks_like_intrinsic,
    jsonpath_get,
    jsonpath_set,
    render_jsonata,
    render_payload,
)

CORPUS = Path("/work/shared/conformance/cases.jsonl")


class Unsupported(Exception):
    pass


def load_cases() -> list[dict]:
    if not CORPUS.exists():
        return []
    return [json.loads(line) for line in CORPUS.read_text().splitlines() if line.strip()]


def context_object(case: dict, state_name: str) -> dict:
    ctx = case.get("context") or {}
    execution = {
        "Id": ctx.get("executionArn", "arn:aws:states:us-east-1:111111111111:execution:sm:ex"),
        "Input": case["input"],
        "Name": ctx.get("executionName", "ex"),
        "RoleArn": ctx.get("roleArn", "sfn_role_arn"),
        "StartTime": "2024-01-01T00:00:00.000Z",
    }
    if case.get("state_machine_type", "STANDARD") == "STANDARD":
        execution["RedriveCount"] = 0  # AWS shows RedriveCount only for Standard executions
    return {
        "Execution": execution,
        "StateMachine": {"Id": ctx.get("stateMachineArn", "arn"), "Name": ctx.get("stateMachineName", "sm")},
        "State": {"Name": state_name, "EnteredTime": "2024-01-01T00:00:00.000Z"},
    }


def run_case(case: dict) -> dict:
    """Return {status, output} or {status: FAILED, error, cause}."""
    definition = case["definition"]
    top_ql = definition.get("QueryLanguage", "JSONPath")
    states = definition["States"]
    name = definition["StartAt"]
    data = case["input"]
    variables: dict = {}
    for _ in range(100):
        state = states[name]
        ql = state.get("QueryLanguage", top_ql)
        ctx = context_object(case, name)
        kind = state["Type"]
        if kind not in ("Pass", "Choice", "Succeed", "Fail"):
            raise Unsupported(kind)
        try:
            if kind == "Fail":
                return _fail_state(state, ql, data, ctx, variables)
            if ql == "JSONata":
                jstates = {"input": data, "context": ctx}
                nxt = state.get("Next")
                output_tpl = state.get("Output", data)
                assign_tpl = state.get("Assign")
                if kind == "Choice":
                    nxt = state.get("Default")
                    for rule_def in state["Choices"]:
                        rule = compile_choice(rule_def, query_language="JSONata", state_name=name)
                        if rule.matches(data, context=ctx, variables=variables, states=jstates):
                            nxt = rule.next
                            output_tpl = rule.output if rule.output is not None else output_tpl
                            assign_tpl = rule.assign if rule.assign is not None else assign_tpl
                            break
                    else:
                        if nxt is None:
                            return {"status": "FAILED", "error": "States.NoChoiceMatched", "cause": None}
                output = render_jsonata(output_tpl, states=jstates, variables=variables, field="Output")
                if assign_tpl is not None:
                    variables = {**variables, **render_jsonata(assign_tpl, states=jstates, variables=variables, field="Assign")}
                data = output
            else:
                effective = data if "InputPath" not in state else (
                    {} if state["InputPath"] is None else jsonpath_get(state["InputPath"], data, context=ctx, variables=variables)
                )
                nxt = state.get("Next")
                assign_tpl = state.get("Assign")
                if kind == "Choice":
                    nxt = state.get("Default")
                    for rule_def in state["Choices"]:
                        rule = compile_choice(rule_def, query_language="JSONPath", state_name=name)
                        if rule.matches(effective, context=ctx, variables=variables):
                            nxt = rule.next
                            assign_tpl = rule.assign if rule.assign is not None else assign_tpl
                            break
                    else:
                        if nxt is None:
                            return {"status": "FAILED", "error": "States.NoChoiceMatched", "cause": None}
                    output = effective
                result = effective
                if kind == "Pass":
                    if "Parameters" in state:
                        effective = render_payload(state["Parameters"], effective, context=ctx, variables=variables)
                    result = state["Result"] if "Result" in state else effective
                    output = jsonpath_set(data, state.get("ResultPath", "$"), result) if "ResultPath" in state else result
                else:
                    output = effective
                if assign_tpl is not None:
                    # In JSONPath states, "$" inside Assign is the state's result (Choice: its input).
                    assign_input = result if kind == "Pass" else effective
                    variables = {**variables, **render_payload(assign_tpl, assign_input, context=ctx, variables=variables, field="Assign")}
                if "OutputPath" in state:
                    output = {} if state["OutputPath"] is None else jsonpath_get(state["OutputPath"], output, context=ctx, variables=variables, field="OutputPath")
                data = output
        except EvaluationError as exc:
            return {"status": "FAILED", "error": exc.error, "cause": exc.cause}
        if kind == "Succeed" or state.get("End") or nxt is None:
            return {"status": "SUCCEEDED", "output": data}
        name = nxt
    raise Unsupported("loop")


def _fail_state(state: dict, ql: str, data: Any, ctx: dict, variables: dict) -> dict:
    out = {"status": "FAILED"}
    for key in ("Error", "Cause"):
        value = state.get(key)
        if ql == "JSONata" and value is not None:
            value = render_jsonata(value, states={"input": data, "context": ctx}, variables=variables, field=key)
        elif f"{key}Path" in state:
            path = state[f"{key}Path"]
            if looks_like_intrinsic(path):
                value = evaluate_intrinsic(path, data, context=ctx, variables=variables)
            else:
                value = jsonpath_get(path, data, context=ctx, variables=variables, field=f"{key}Path")
        out[key.lower()] = value
    return out


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_BOUND = re.compile(r"<[a-z0-9_-]+:\d+>")


def matches(expected: Any, actual: Any, bound: dict | None = None) -> bool:
    """Placeholder-aware equality (see the corpus README): `<uuid:N>`-style placeholders bind once."""
    bound = {} if bound is None else bound
    if isinstance(expected, str) and _BOUND.fullmatch(expected):
        return bound.setdefault(expected, actual) == actual
    if expected in ("date", "start-time", "entered-time"):
        return isinstance(actual, str) and _DATE.match(actual) is not None
    if expected == "RandomNumberGenerated":
        return isinstance(actual, (int, float)) and not isinstance(actual, bool)
    if expected == "generated-uuid":
        return isinstance(actual, str) and _UUID.fullmatch(actual) is not None
    if isinstance(expected, dict):
        return isinstance(actual, dict) and expected.keys() == actual.keys() and all(
            matches(expected[k], actual[k], bound) for k in expected
        )
    if isinstance(expected, list):
        return isinstance(actual, list) and len(expected) == len(actual) and all(
            matches(e, a, bound) for e, a in zip(expected, actual)
        )
    if type(expected) is not type(actual) and not (
        isinstance(expected, (int, float)) and isinstance(actual, (int, float)) and not isinstance(actual, bool)
    ):
        return False
    return expected == actual


def _text_matches(expected: Any, actual: Any) -> bool:
    """Equality where `<json-input:N>`-style placeholders inside a string match any text."""
    if not isinstance(expected, str) or not isinstance(actual, str):
        return expected == actual
    pattern = "".join(
        "(.+)" if _BOUND.fullmatch(part) else re.escape(part) for part in re.split(r"(<[a-z0-9_-]+:\d+>)", expected)
    )
    return re.fullmatch(pattern, actual, re.DOTALL) is not None


def strip_prefix(cause: Any) -> Any:
    if isinstance(cause, str) and cause.startswith("An error occurred while executing the state"):
        return cause.split("). ", 1)[1]
    return cause


def compare(case: dict, result: dict) -> str | None:
    """None when the result matches AWS, else a description of the difference."""
    expected = case["expected"]
    if result["status"] != expected["status"]:
        return f"status {result['status']} != {expected['status']} ({result})"
    if expected["status"] == "SUCCEEDED":
        if not matches(expected.get("output"), result.get("output")):
            return f"output {result.get('output')!r} != {expected.get('output')!r}"
        return None
    if expected.get("error") != result.get("error"):
        return f"error {result.get('error')!r} != {expected.get('error')!r}"
    if "cause" in expected and not _text_matches(strip_prefix(expected["cause"]), result.get("cause")):
        return f"cause {result.get('cause')!r} != {strip_prefix(expected['cause'])!r}"
    return None


def folder_cases(cases: list[dict], folder: str) -> list[dict]:
    return [c for c in cases if any(f"templates/{folder}/" in t for t in c["source"]["templates"])]


__all__ = ["Unsupported", "compare", "folder_cases", "load_cases", "matches", "run_case", "uuid"]
