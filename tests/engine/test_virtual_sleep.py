"""`virtual_sleep`: an in-process handler's sleep is virtual time charged to its task."""
from __future__ import annotations

import json
import time

import pytest

from workflows.engine import StepFunctions, virtual_sleep
from workflows.engine.virtual_time import current_meter, metered

from .conftest import create, output, run

FN = "arn:aws:lambda:us-east-1:123456789012:function:"


def one_task(function: str, timeout: int | None = None) -> dict:
    """A machine of one Task calling the in-process Lambda `function` (with TimeoutSeconds if given)."""
    task = {"Type": "Task", "Resource": FN + function, "End": True}
    if timeout is not None:
        task["TimeoutSeconds"] = timeout
    return {"StartAt": "T", "States": {"T": task}}


def slow(seconds: float):
    def handler(event, context):
        virtual_sleep(seconds)
        return event

    return handler


def _events(sfn: StepFunctions, execution: str) -> list[dict]:
    return sfn.get_execution_history(executionArn=execution)["events"]


def test_plain_lambda_sleeping_past_timeout_times_out_without_wall_time(sfn):
    sfn.register_lambda("slow", slow(60))
    arn = create(sfn, one_task("slow", 5))
    started_wall = time.monotonic()
    execution = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    assert time.monotonic() - started_wall < 5
    described = sfn.describe_execution(executionArn=execution)
    assert described["status"] == "FAILED" and described["error"] == "States.Timeout"
    assert "cause" not in described
    events = _events(sfn, execution)
    assert [e["type"] for e in events] == ["ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled",
                                           "LambdaFunctionStarted", "LambdaFunctionTimedOut", "ExecutionFailed"]
    assert events[4]["lambdaFunctionTimedOutEventDetails"] == {"error": "States.Timeout"}
    # The task timed out after 5 virtual seconds, not after the handler's 60.
    assert (events[4]["timestamp"] - events[3]["timestamp"]).total_seconds() == pytest.approx(5, abs=0.01)


def test_optimized_invoke_timeout_is_caught_with_empty_cause(sfn):
    sfn.register_lambda("slow", slow(60))
    described = run(sfn, {"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": 5,
              "Parameters": {"FunctionName": "slow", "Payload": {}},
              "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "Handled"}], "End": True},
        "Handled": {"Type": "Pass", "End": True}}})
    assert described["status"] == "SUCCEEDED"
    assert output(described) == {"Error": "States.Timeout", "Cause": ""}
    types = [e["type"] for e in _events(sfn, described["executionArn"])]
    assert "TaskTimedOut" in types and "TaskSucceeded" not in types


def test_sleep_within_timeout_succeeds_and_moves_the_virtual_clock(sfn):
    sfn.register_lambda("slow", slow(3))
    arn = create(sfn, one_task("slow", 5))
    execution = sfn.start_execution(stateMachineArn=arn, input='{"a": 1}')["executionArn"]
    described = sfn.describe_execution(executionArn=execution)
    assert described["status"] == "SUCCEEDED" and output(described) == {"a": 1}
    events = _events(sfn, execution)
    succeeded = next(e for e in events if e["type"] == "LambdaFunctionSucceeded")
    started = next(e for e in events if e["type"] == "LambdaFunctionStarted")
    assert (succeeded["timestamp"] - started["timestamp"]).total_seconds() == pytest.approx(3, abs=0.01)


def test_context_sleep_and_remaining_time_count_virtual_seconds(sfn):
    seen: list[int] = []

    def handler(event, context):
        before = context.get_remaining_time_in_millis()
        context.sleep(2)
        seen.append(before - context.get_remaining_time_in_millis())
        return {}

    sfn.register_lambda("ctx", handler)
    described = run(sfn, one_task("ctx"))
    assert described["status"] == "SUCCEEDED"
    assert 2000 <= seen[0] < 2500


def test_handler_sleep_lets_an_outstanding_callback_time_out(sfn):
    """A busy handler lets time pass for every execution, as wall time would."""
    waiting = create(sfn, {"StartAt": "W", "States": {"W": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken", "TimeoutSeconds": 10,
        "Parameters": {"FunctionName": "park", "Payload": {"t.$": "$$.Task.Token"}}, "End": True}}}, name="cb")
    sfn.register_lambda("park", lambda event, context: {})
    sfn.register_lambda("slow", slow(30))
    parked = sfn.start_execution(stateMachineArn=waiting, input="{}")["executionArn"]
    assert sfn.describe_execution(executionArn=parked)["status"] == "RUNNING"
    busy = run(sfn, one_task("slow"), name="busy")
    assert busy["status"] == "SUCCEEDED"
    assert sfn.describe_execution(executionArn=parked)["status"] == "FAILED"


def test_outside_the_engine_virtual_sleep_really_sleeps():
    assert current_meter() is None
    started = time.monotonic()
    virtual_sleep(0.02)
    assert time.monotonic() - started >= 0.015


def test_meters_nest_and_restore():
    with metered() as outer:
        virtual_sleep(1)
        with metered() as inner:
            virtual_sleep(5)
        virtual_sleep(2)
    assert (outer.charged, inner.charged) == (3, 5)
    assert current_meter() is None


@pytest.mark.parametrize("bad", [-1, "5", True])
def test_bad_durations_are_rejected(bad):
    with pytest.raises((TypeError, ValueError), match="virtual_sleep"):
        virtual_sleep(bad)


def test_real_clock_handler_sleep_is_wall_time():
    sfn = StepFunctions(region_name="us-east-1", account_id="123456789012", clock="real")
    sfn.register_lambda("slow", slow(0.05))
    arn = create(sfn, one_task("slow"))
    started = time.monotonic()
    execution = sfn.start_execution(stateMachineArn=arn, input='{"x": 1}')["executionArn"]
    while sfn.describe_execution(executionArn=execution)["status"] == "RUNNING":
        assert time.monotonic() - started < 10
        time.sleep(0.01)
    assert time.monotonic() - started >= 0.04
    described = sfn.describe_execution(executionArn=execution)
    assert described["status"] == "SUCCEEDED" and json.loads(described["output"]) == {"x": 1}


def blocking(seconds: float):
    def handler(event, context):
        time.sleep(seconds)  # a real blocking call, not virtual_sleep
        return event

    return handler


def test_a_call_that_really_takes_longer_than_timeout_seconds_times_out_on_the_virtual_clock(sfn):
    sfn.register_lambda("blocking", blocking(1.2))
    arn = create(sfn, one_task("blocking", 1))
    execution = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    described = sfn.describe_execution(executionArn=execution)
    assert described["status"] == "FAILED" and described["error"] == "States.Timeout"


def test_calls_queued_behind_each_other_are_no_slow_call(sfn):
    """40 Tasks whose calls take 40 ms each all start in one instant of virtual time and run one
    after another (~1.6 s in all): each call is quick, so none times out at its TimeoutSeconds of 1 -
    only a call's own time counts, not the time it waited for the others (a thousand migrations
    reaching their deadline at once used to time out their quick DynamoDB calls)."""
    sfn.register_lambda("quick", blocking(0.04))
    arn = create(sfn, {"StartAt": "M", "States": {"M": {
        "Type": "Map", "ItemsPath": "$.items", "End": True, "ItemProcessor": {
            "ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "T", "States": {"T": {
                "Type": "Task", "Resource": FN + "quick", "TimeoutSeconds": 1, "End": True}}}}}})
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"items": list(range(40))}))
    described = sfn.describe_execution(executionArn=execution["executionArn"])
    assert described["status"] == "SUCCEEDED", described.get("error")
    assert json.loads(described["output"]) == list(range(40))


def test_a_full_garbage_collection_during_a_call_is_no_slow_call(sfn):
    """The emulator's own heap pauses (seconds long with thousands of executions in memory) do not
    count against the Task's TimeoutSeconds; here a 1.2 s pause is reported to the gc callback."""
    from workflows.engine.gc_pauses import PROCESS

    def collected(event, context):
        PROCESS("start", {"generation": 2})
        time.sleep(1.2)
        PROCESS("stop", {"generation": 2})
        return event

    sfn.register_lambda("collected", collected)
    arn = create(sfn, one_task("collected", 1))
    execution = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    assert sfn.describe_execution(executionArn=execution)["status"] == "SUCCEEDED"


def test_other_executions_run_inside_a_call_do_not_count_against_its_timeout(sfn):
    """A handler's re-entrant StartExecution: the child's 1.2 s call is the child's, not the parent's
    (whose own call is quick); the child still times out on its own."""
    sfn.register_lambda("blocking", blocking(1.2))
    child = create(sfn, one_task("blocking", 1), name="child")
    started: list[str] = []

    def starter(event, context):
        started.append(sfn.start_execution(stateMachineArn=child, input="{}")["executionArn"])
        return event

    sfn.register_lambda("starter", starter)
    parent = create(sfn, one_task("starter", 1), name="parent")
    execution = sfn.start_execution(stateMachineArn=parent, input="{}")["executionArn"]
    assert sfn.describe_execution(executionArn=execution)["status"] == "SUCCEEDED"
    assert sfn.describe_execution(executionArn=started[0])["error"] == "States.Timeout"
