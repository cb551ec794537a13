"""An execution's history as state visits: statuses, retries, Map iterations, Parallel branches."""
from __future__ import annotations

import json
from typing import Any

from workflows.console.trace import build_trace
from workflows.engine import StepFunctions
from workflows.testing.helpers import history

ROLE = "arn:aws:iam::123456789012:role/r"


def _run(definition: dict[str, Any], payload: Any, handler: Any = None, stop: bool = False) -> tuple[Any, str]:
    sfn = StepFunctions()
    if handler:
        sfn.register_lambda("f", handler)
    arn = sfn.create_state_machine(name="t", definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps(payload))["executionArn"]
    if stop:
        sfn.stop_execution(executionArn=execution, error="Stopped", cause="by the test")
    status = sfn.describe_execution(executionArn=execution)["status"]
    return build_trace(history(sfn, execution), status), status


def _task(**more: Any) -> dict[str, Any]:
    return {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "f", "Payload.$": "$"}, **more}


def test_caught_failed_retries_and_not_run() -> None:
    calls = []

    def handler(event: Any, context: Any) -> Any:
        calls.append(event)
        raise RuntimeError("boom")

    definition = {"StartAt": "Try", "States": {
        "Try": _task(Retry=[{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2, "IntervalSeconds": 1}],
                     Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Again"}],
                     Next="Never"),
        "Again": _task(Next="Never"),
        "Never": {"Type": "Pass", "End": True}}}
    trace, status = _run(definition, {}, handler)
    assert status == "FAILED" and len(calls) == 4
    try_visit, again = trace.visits
    assert (try_visit.status, try_visit.retries, try_visit.error[0]) == ("caught", 2, "RuntimeError")
    assert again.status == "failed" and again.error[0] == "RuntimeError"
    assert trace.status_of("Never") == "not-run"
    assert ("Try", "Again") in trace.taken and ("Try", "Never") not in trace.taken


def test_map_iterations_and_parallel_branches() -> None:
    def handler(event: Any, context: Any) -> Any:
        if event.get("n") == 1:
            raise ValueError("no")
        return {"ok": True}

    definition = {"StartAt": "Each", "States": {
        "Each": {"Type": "Map", "ItemsPath": "$.items", "Next": "Both", "ResultPath": None, "ItemProcessor": {
            "StartAt": "Work", "States": {
                "Work": _task(Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Handled"}], End=True),
                "Handled": {"Type": "Pass", "End": True}}}},
        "Both": {"Type": "Parallel", "End": True, "Branches": [
            {"StartAt": "Left", "States": {"Left": {"Type": "Wait", "Seconds": 5, "End": True}}},
            {"StartAt": "Right", "States": {"Right": {"Type": "Pass", "End": True}}}]}}}
    trace, status = _run(definition, {"items": [{"n": 0}, {"n": 1}, {"n": 2}]}, handler)
    assert status == "SUCCEEDED"
    assert [(i.index, i.status) for i in trace.iterations["Each"]] == [(0, "succeeded"), (1, "succeeded"),
                                                                      (2, "succeeded")]
    works = trace.visits_of("Work")
    assert sorted((v.iteration, v.status) for v in works) == [
        ((("Each", 0),), "succeeded"), ((("Each", 1),), "caught"), ((("Each", 2),), "succeeded")]
    assert trace.status_of("Work") == "caught"  # over all iterations: the most telling
    assert trace.status_of("Work", ("Each", 0)) == "succeeded"
    assert trace.status_of("Handled", ("Each", 0)) == "not-run"
    assert trace.status_of("Handled", ("Each", 1)) == "succeeded"
    assert [trace.status_of(s) for s in ("Both", "Left", "Right")] == ["succeeded"] * 3
    # every event of the inner states belongs to their visits, not to the Map's
    each = trace.visits_of("Each")[0]
    assert {e["type"] for e in each.events} <= {"MapStateEntered", "MapStateStarted", "MapStateSucceeded",
                                                "MapStateExited"}


def test_running_then_cancelled() -> None:
    definition = {"StartAt": "Hold", "States": {
        "Hold": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                 "Parameters": {"FunctionName": "f", "Payload": {"token.$": "$$.Task.Token"}}, "Next": "After"},
        "After": {"Type": "Pass", "End": True}}}
    trace, status = _run(definition, {}, lambda event, context: {})
    assert status == "RUNNING" and trace.status_of("Hold") == "running"
    trace, status = _run(definition, {}, lambda event, context: {}, stop=True)
    assert status == "ABORTED" and trace.status_of("Hold") == "cancelled" and trace.status_of("After") == "not-run"
