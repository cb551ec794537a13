"""Callback tasks (.waitForTaskToken) under the virtual clock: deadlines far in the future cost no
wall time, advance() moves past them, late or duplicate callbacks are rejected as on AWS."""
from __future__ import annotations

import json

import pytest

from workflows.engine import StepFunctions

from .conftest import create, history_types

DAY = 24 * 3600


def _machine(sfn: StepFunctions, timeout: int = 180 * DAY, heartbeat: int | None = None) -> str:
    task = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {"FunctionName": "register", "Payload": {"token.$": "$$.Task.Token"}},
            "TimeoutSeconds": timeout, "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "Fallback"}],
            "Next": "Done"}
    if heartbeat:
        task["HeartbeatSeconds"] = heartbeat
    return create(sfn, {"StartAt": "Wait", "States": {
        "Wait": task, "Done": {"Type": "Succeed"},
        "Fallback": {"Type": "Pass", "Result": "fallback", "End": True}}})


@pytest.fixture
def tokens(sfn: StepFunctions) -> list[str]:
    seen: list[str] = []
    sfn.register_lambda("register", lambda event, context: seen.append(event["token"]) or {"ok": True})
    return seen


def test_180_day_callback_times_out_through_advance(sfn, tokens):
    arn = _machine(sfn)
    execution = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    assert sfn.describe_execution(executionArn=execution)["status"] == "RUNNING"
    sfn.advance(180 * DAY - 1)
    assert sfn.describe_execution(executionArn=execution)["status"] == "RUNNING"
    sfn.advance(1)
    described = sfn.describe_execution(executionArn=execution)
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == "fallback"
    types = history_types(sfn, execution)
    assert "TaskSubmitted" in types and "TaskTimedOut" in types
    with pytest.raises(sfn.exceptions.TaskTimedOut):
        sfn.send_task_success(taskToken=tokens[0], output="{}")


def test_callback_arriving_in_time_wins(sfn, tokens):
    arn = _machine(sfn)
    execution = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    sfn.advance(179 * DAY)
    sfn.send_task_success(taskToken=tokens[0], output=json.dumps({"migrated": True}))
    described = sfn.describe_execution(executionArn=execution)
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"migrated": True}
    with pytest.raises(sfn.exceptions.TaskTimedOut):  # duplicate callbacks are never applied twice
        sfn.send_task_success(taskToken=tokens[0], output="{}")


def _catching(sfn: StepFunctions, error: str) -> str:
    """A callback task whose Catch on `error` puts the error object at $.err."""
    return create(sfn, {"StartAt": "W", "States": {
        "W": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
              "Parameters": {"FunctionName": "register", "Payload": {"token.$": "$$.Task.Token"}},
              "Catch": [{"ErrorEquals": [error], "ResultPath": "$.err", "Next": "End"}],
              "End": True},
        "End": {"Type": "Pass", "End": True}}}, name=error.replace(".", "-"))


def test_send_task_failure_is_caught_by_error_name(sfn, tokens):
    arn = _catching(sfn, "Legacy.Rejected")
    execution = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    sfn.send_task_failure(taskToken=tokens[0], error="Legacy.Rejected", cause="bad password")
    described = sfn.describe_execution(executionArn=execution)
    assert json.loads(described["output"])["err"] == {"Error": "Legacy.Rejected", "Cause": "bad password"}


def test_send_task_failure_without_error_records_no_error_and_hands_on_nulls(sfn, tokens):
    """AWS (recorded): TaskFailed without an `error` key (not ""), and a Catch on States.ALL hands on
    {"Error": null, "Cause": null}."""
    arn = _catching(sfn, "States.ALL")
    execution = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    sfn.send_task_failure(taskToken=tokens[0])
    described = sfn.describe_execution(executionArn=execution)
    assert json.loads(described["output"])["err"] == {"Error": None, "Cause": None}
    failed = next(e for e in sfn.get_execution_history(executionArn=execution)["events"] if e["type"] == "TaskFailed")
    assert failed["taskFailedEventDetails"] == {"resource": "invoke.waitForTaskToken", "resourceType": "lambda"}


def test_heartbeat_keeps_task_alive_and_missing_heartbeat_times_out(sfn, tokens):
    arn = _machine(sfn, timeout=3600, heartbeat=60)
    execution = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    for _ in range(5):
        sfn.advance(50)
        sfn.send_task_heartbeat(taskToken=tokens[0])
    assert sfn.describe_execution(executionArn=execution)["status"] == "RUNNING"
    sfn.advance(61)
    assert json.loads(sfn.describe_execution(executionArn=execution)["output"]) == "fallback"


def test_unknown_and_malformed_tokens(sfn):
    with pytest.raises(sfn.exceptions.InvalidToken):
        sfn.send_task_success(taskToken="", output="{}")
    with pytest.raises(sfn.exceptions.InvalidToken):
        sfn.send_task_success(taskToken="AQBnot-a-token", output="{}")


def test_invalid_output_is_rejected_and_token_stays_open(sfn, tokens):
    arn = _machine(sfn)
    execution = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    with pytest.raises(sfn.exceptions.InvalidOutput):
        sfn.send_task_success(taskToken=tokens[0], output="{not json")
    sfn.send_task_success(taskToken=tokens[0], output="1")
    assert sfn.describe_execution(executionArn=execution)["status"] == "SUCCEEDED"


def test_clock_does_not_jump_while_a_token_is_outstanding(sfn, tokens):
    arn = _machine(sfn, timeout=10)
    execution = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    sfn.start_execution(stateMachineArn=create(sfn, {"StartAt": "W", "States": {
        "W": {"Type": "Wait", "Seconds": 3600, "End": True}}}, name="waiter"), input="{}")
    assert sfn.describe_execution(executionArn=execution)["status"] == "RUNNING"
