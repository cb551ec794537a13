"""In-process Lambda handlers, re-entrant calls from inside a task, and many threads at once."""
from __future__ import annotations

import json
import re
import threading

import pytest

from .conftest import create, history_types, output, run

FN = "arn:aws:lambda:us-east-1:123456789012:function:"


def test_plain_lambda_arn_returns_handler_result_and_history(sfn):
    sfn.register_lambda("double", lambda event, context: {"v": event["v"] * 2,
                                                          "fn": context.function_name})
    arn = create(sfn, {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": FN + "double", "End": True}}})
    execution = sfn.start_execution(stateMachineArn=arn, input='{"v": 21}')["executionArn"]
    assert output(sfn.describe_execution(executionArn=execution)) == {"v": 42, "fn": "double"}
    assert history_types(sfn, execution)[2:5] == ["LambdaFunctionScheduled", "LambdaFunctionStarted",
                                                  "LambdaFunctionSucceeded"]


def test_optimized_invoke_wraps_payload(sfn):
    sfn.register_lambda(FN + "echo", lambda event, context: event)
    described = run(sfn, {"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "echo", "Payload.$": "$"}, "OutputPath": "$.Payload", "End": True}}},
        {"k": "v"})
    assert output(described) == {"k": "v"}


class UserNotFound(Exception):
    pass


def test_exception_becomes_error_named_by_class_with_aws_cause(sfn):
    def handler(event, context):
        raise UserNotFound("no such user")

    sfn.register_lambda("lookup", handler)
    failed = run(sfn, {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": FN + "lookup", "End": True}}})
    assert failed["error"] == "UserNotFound"
    cause = json.loads(failed["cause"])
    assert cause["errorMessage"] == "no such user" and cause["errorType"] == "UserNotFound"
    assert set(cause) == {"errorMessage", "errorType", "requestId", "stackTrace"}
    assert any("in handler" in line for line in cause["stackTrace"])


def test_reentrant_start_execution_and_callback_from_a_lambda(sfn):
    child = create(sfn, {"StartAt": "W", "States": {"W": {"Type": "Task",
                                                           "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                                                           "Parameters": {"FunctionName": "park",
                                                                          "Payload": {"t.$": "$$.Task.Token"}},
                                                           "End": True}}}, name="child")
    parked: list[str] = []
    sfn.register_lambda("park", lambda event, context: parked.append(event["t"]) or {})

    def trigger(event, context):  # like the post-confirmation trigger: starts a workflow in-process
        started = sfn.start_execution(stateMachineArn=child, name="from-trigger", input="{}")
        sfn.send_task_success(taskToken=parked[0], output='"done"') if parked else None
        return started["executionArn"]

    sfn.register_lambda("trigger", trigger)
    parent = run(sfn, {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": FN + "trigger", "End": True}}},
                 name="parent")
    child_arn = output(parent)
    described = sfn.describe_execution(executionArn=child_arn)
    assert described["status"] == "RUNNING"  # the child runs after the trigger returned
    sfn.send_task_success(taskToken=parked[0], output='"done"')
    assert sfn.describe_execution(executionArn=child_arn)["status"] == "SUCCEEDED"


def test_concurrent_start_execution_from_threads(sfn):
    counter = {"n": 0}

    def count(event, context):
        counter["n"] += 1
        return counter["n"]

    sfn.register_lambda("count", count)
    arn = create(sfn, {"StartAt": "W", "States": {
        "W": {"Type": "Wait", "Seconds": 5, "Next": "T"},
        "T": {"Type": "Task", "Resource": FN + "count", "End": True}}})
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            for j in range(10):
                sfn.start_execution(stateMachineArn=arn, name=f"t{i}-{j}", input="{}")
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    executions = sfn.list_executions(stateMachineArn=arn)["executions"]
    assert len(executions) == 80 and {e["status"] for e in executions} == {"SUCCEEDED"}
    assert counter["n"] == 80
    results = sorted(output(sfn.describe_execution(executionArn=e["executionArn"])) for e in executions)
    assert results == list(range(1, 81))


def test_child_execution_sync2_and_failure(sfn):
    child = create(sfn, {"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [
        {"Variable": "$.ok", "BooleanEquals": True, "Next": "Y"}], "Default": "N"},
        "Y": {"Type": "Pass", "Result": {"r": 1}, "End": True}, "N": {"Type": "Fail", "Error": "ChildFailed"}}},
        name="child")
    guard = {"StartAt": "S", "States": {"S": {
        "Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
        "Parameters": {"StateMachineArn": child, "Input.$": "$"},
        "Catch": [{"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.err", "Next": "Rec"}], "End": True},
        "Rec": {"Type": "Pass", "End": True}}}
    good = output(run(sfn, guard, {"ok": True}, name="guard"))
    assert good["Output"] == {"r": 1} and good["Status"] == "SUCCEEDED"
    bad = output(run(sfn, guard, {"ok": False}, name="guard"))
    assert bad["err"]["Error"] == "States.TaskFailed"
    assert json.loads(bad["err"]["Cause"])["Error"] == "ChildFailed"


def test_a_sync_task_has_a_task_token_that_can_complete_it(sfn):
    """AWS (recorded test_sync_with_task_token): a .sync task's $$.Task.Token resolves, and a
    SendTaskSuccess on it completes the task with that output while the child still runs; the token
    closes with the task."""
    sfn.register_lambda("park", lambda event, context: {})  # the child waits for a callback of its own
    child = create(sfn, {"StartAt": "W", "States": {"W": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Parameters": {"FunctionName": "park", "Payload": {"t.$": "$$.Task.Token"}}, "End": True}}},
        name="slow-child")
    parent = create(sfn, {"StartAt": "S", "States": {"S": {
        "Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync",
        "Parameters": {"StateMachineArn": child, "Input": {"token.$": "$$.Task.Token"}}, "End": True}}},
        name="parent")
    execution = sfn.start_execution(stateMachineArn=parent, input="{}")["executionArn"]
    [child_run] = sfn.list_executions(stateMachineArn=child)["executions"]
    token = json.loads(sfn.describe_execution(executionArn=child_run["executionArn"])["input"])["token"]
    sfn.send_task_success(taskToken=token, output='"answered"')
    assert output(sfn.describe_execution(executionArn=execution)) == "answered"
    assert sfn.describe_execution(executionArn=child_run["executionArn"])["status"] == "RUNNING"
    with pytest.raises(sfn.exceptions.TaskTimedOut):
        sfn.send_task_success(taskToken=token, output="{}")


def test_a_sync_task_token_closes_when_the_child_finishes(sfn):
    child = create(sfn, {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, name="quick-child")
    parent = create(sfn, {"StartAt": "S", "States": {"S": {
        "Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
        "Parameters": {"StateMachineArn": child, "Input": {"token.$": "$$.Task.Token"}}, "End": True}}},
        name="parent2")
    execution = sfn.start_execution(stateMachineArn=parent, input="{}")["executionArn"]
    result = output(sfn.describe_execution(executionArn=execution))
    assert result["Status"] == "SUCCEEDED"
    with pytest.raises(sfn.exceptions.TaskTimedOut):
        sfn.send_task_success(taskToken=result["Output"]["token"], output="{}")


def test_starting_a_missing_machine_fails_with_the_java_sdk_cause(sfn):
    """AWS (recorded test_start_execution_no_such_arn): the Java SDK v1 text, request id and all."""
    missing = "arn:aws:states:us-east-1:123456789012:stateMachine:nowhere"
    failed = run(sfn, {"StartAt": "S", "States": {"S": {
        "Type": "Task", "Resource": "arn:aws:states:::states:startExecution",
        "Parameters": {"StateMachineArn": missing}, "End": True}}}, name="starter")
    assert failed["error"] == "StepFunctions.StateMachineDoesNotExistException"
    assert re.fullmatch(rf"State Machine Does Not Exist: '{missing}' \(Service: AWSStepFunctions; Status Code: 400; "
                        r"Error Code: StateMachineDoesNotExist; Request ID: [0-9a-f-]{36}; Proxy: null\)",
                        failed["cause"])
