"""RedriveExecution: which executions may be redriven, what runs again, what history and
DescribeExecution show."""
from __future__ import annotations

import collections
import json

import pytest

from workflows.engine import StepFunctions

from .conftest import ROLE, create, history_types, output

FN = "arn:aws:lambda:us-east-1:123456789012:function:"


class Flaky:
    """A Lambda handler that fails the first `failures` calls for a key, then echoes its event."""

    def __init__(self, failures: int = 1) -> None:
        self.failures = failures
        self.calls: collections.Counter = collections.Counter()

    def __call__(self, event, context):
        key = json.dumps(event, sort_keys=True)
        self.calls[key] += 1
        if self.calls[key] <= self.failures:
            raise RuntimeError(f"flaky failure {self.calls[key]}")
        return event


def task(name: str, then: str | None = None, **fields) -> dict:
    body = {"Type": "Task", "Resource": FN + name, **fields}
    return {**body, "Next": then} if then else {**body, "End": True}


def error(caught: pytest.ExceptionInfo) -> tuple[str, str]:
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def start(sfn, definition, value=None, name="machine") -> str:
    arn = create(sfn, definition, name)
    return sfn.start_execution(stateMachineArn=arn, input=json.dumps(value or {}))["executionArn"]


def test_redrive_resumes_at_the_failed_state_and_keeps_what_succeeded(sfn):
    flaky = Flaky()
    sfn.register_lambda("flaky", flaky)
    definition = {"StartAt": "Prepare", "States": {
        "Prepare": {"Type": "Pass", "Result": {"n": 1}, "Assign": {"prepared": True}, "Next": "Call"},
        "Call": task("flaky", "Finish"),
        "Finish": {"Type": "Pass", "Parameters": {"prepared.$": "$prepared", "n.$": "$.n",
                                                  "redrives.$": "$$.Execution.RedriveCount"}, "End": True}}}
    execution = start(sfn, definition)
    failed = sfn.describe_execution(executionArn=execution)
    assert failed["status"] == "FAILED" and failed["redriveStatus"] == "REDRIVABLE"
    assert failed["redriveCount"] == 0 and "redriveStatusReason" not in failed
    redriven = sfn.redrive_execution(executionArn=execution)
    described = sfn.describe_execution(executionArn=execution)
    assert described["status"] == "SUCCEEDED"
    assert output(described) == {"prepared": True, "n": 1, "redrives": 1}
    assert described["redriveCount"] == 1 and described["redriveDate"] == redriven["redriveDate"]
    assert described["redriveStatus"] == "NOT_REDRIVABLE"
    assert described["redriveStatusReason"] == "Execution is SUCCEEDED and cannot be redriven"
    types = history_types(sfn, execution)
    assert types.count("PassStateEntered") == 2  # Prepare once, Finish once
    assert types[types.index("ExecutionFailed") + 1] == "ExecutionRedriven"
    assert types[types.index("ExecutionRedriven") + 1] == "TaskStateEntered"
    events = sfn.get_execution_history(executionArn=execution)["events"]
    redriven_event = next(e for e in events if e["type"] == "ExecutionRedriven")
    assert redriven_event["executionRedrivenEventDetails"] == {"redriveCount": 1}
    assert redriven_event["previousEventId"] == redriven_event["id"] - 1
    assert events[redriven_event["id"]]["previousEventId"] == redriven_event["id"]
    assert sum(flaky.calls.values()) == 2


def waiting_machine(sfn, before: dict | None = None) -> dict:
    """A machine that stays RUNNING in an activity task until a worker answers."""
    activity = sfn.create_activity(name="worker")["activityArn"]
    wait = {"Type": "Task", "Resource": activity, "End": True}
    if before is None:
        return {"StartAt": "Wait", "States": {"Wait": wait}}
    return {"StartAt": "Before", "States": {"Before": {**before, "Next": "Wait"}, "Wait": wait}}


@pytest.mark.parametrize("status", ["SUCCEEDED", "RUNNING"])
def test_only_unsuccessful_stopped_executions_can_be_redriven(sfn, status):
    definition = (waiting_machine(sfn) if status == "RUNNING"
                  else {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    execution = start(sfn, definition)
    assert sfn.describe_execution(executionArn=execution)["status"] == status
    with pytest.raises(sfn.exceptions.ExecutionNotRedrivable) as caught:
        sfn.redrive_execution(executionArn=execution)
    assert error(caught) == ("ExecutionNotRedrivable", f"Execution is {status} and cannot be redriven")


def test_redrive_errors_for_what_is_no_standard_execution(sfn):
    express = create(sfn, {"StartAt": "F", "States": {"F": {"Type": "Fail"}}}, name="fast", type_="EXPRESS")
    arn = sfn.start_execution(stateMachineArn=express)["executionArn"]
    with pytest.raises(sfn.exceptions.InvalidArn) as caught:
        sfn.redrive_execution(executionArn=arn)
    assert error(caught)[1] == "Invalid Arn: 'Resource type not valid in this context: express'"
    with pytest.raises(sfn.exceptions.ExecutionDoesNotExist):
        sfn.redrive_execution(executionArn="arn:aws:states:us-east-1:123456789012:execution:m:nope")


def test_the_redrivable_period_is_fourteen_days(sfn):
    execution = start(sfn, {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E"}}})
    sfn.advance(14 * 86400 - 1)
    assert sfn.describe_execution(executionArn=execution)["redriveStatus"] == "REDRIVABLE"
    sfn.advance(2)
    described = sfn.describe_execution(executionArn=execution)
    assert described["redriveStatus"] == "NOT_REDRIVABLE"
    assert described["redriveStatusReason"] == "Execution redrivable period exceeded"
    with pytest.raises(sfn.exceptions.ExecutionNotRedrivable) as caught:
        sfn.redrive_execution(executionArn=execution)
    assert error(caught)[1] == "Execution redrivable period exceeded"


def test_a_fail_state_fails_again_and_stays_redrivable(sfn):
    execution = start(sfn, {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E", "Cause": "C"}}})
    sfn.redrive_execution(executionArn=execution)
    sfn.redrive_execution(executionArn=execution)
    described = sfn.describe_execution(executionArn=execution)
    assert described["status"] == "FAILED" and described["redriveCount"] == 2
    assert described["error"] == "E" and described["redriveStatus"] == "REDRIVABLE"
    assert history_types(sfn, execution).count("ExecutionRedriven") == 2


def test_retry_counters_start_again(sfn):
    flaky = Flaky(failures=3)
    sfn.register_lambda("flaky", flaky)
    definition = {"StartAt": "Call", "States": {"Call": task(
        "flaky", Retry=[{"ErrorEquals": ["States.ALL"], "MaxAttempts": 1, "IntervalSeconds": 1}])}}
    execution = start(sfn, definition)
    assert sfn.describe_execution(executionArn=execution)["status"] == "FAILED"  # calls 1, 2
    sfn.redrive_execution(executionArn=execution)  # calls 3 (fails), 4 (succeeds)
    assert sfn.describe_execution(executionArn=execution)["status"] == "SUCCEEDED"
    assert sum(flaky.calls.values()) == 4


def test_parallel_reruns_only_the_failed_branch(sfn):
    steady, flaky = Flaky(failures=0), Flaky()
    sfn.register_lambda("steady", steady)
    sfn.register_lambda("flaky", flaky)
    definition = {"StartAt": "Both", "States": {"Both": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "A1", "States": {"A1": task("steady", "A2", Parameters={"step": "a1"}),
                                     "A2": task("steady", Parameters={"step": "a2"})}},
        {"StartAt": "B1", "States": {"B1": task("steady", "B2", Parameters={"step": "b1"}),
                                     "B2": task("flaky", Parameters={"step": "b2"})}}]}}}
    execution = start(sfn, definition)
    assert sfn.describe_execution(executionArn=execution)["status"] == "FAILED"
    sfn.redrive_execution(executionArn=execution)
    described = sfn.describe_execution(executionArn=execution)
    assert described["status"] == "SUCCEEDED"
    assert output(described) == [{"step": "a2"}, {"step": "b2"}]
    assert steady.calls == {'{"step": "a1"}': 1, '{"step": "a2"}': 1, '{"step": "b1"}': 1}  # none ran again
    assert sum(flaky.calls.values()) == 2


def test_inline_map_reruns_only_unsuccessful_iterations(sfn):
    flaky = Flaky()
    calls = collections.Counter()

    def handler(event, context):
        calls[event["i"]] += 1
        return flaky(event, context) if event["i"] == 3 else event

    sfn.register_lambda("item", handler)
    definition = {"StartAt": "Each", "States": {"Each": {
        "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 1, "End": True,
        "ItemProcessor": {"StartAt": "Work", "States": {"Work": task("item")}}}}}
    execution = start(sfn, definition, {"items": [{"i": i} for i in range(6)]})
    assert sfn.describe_execution(executionArn=execution)["status"] == "FAILED"
    assert calls == {0: 1, 1: 1, 2: 1, 3: 1}  # 4 and 5 never started
    sfn.redrive_execution(executionArn=execution)
    described = sfn.describe_execution(executionArn=execution)
    assert described["status"] == "SUCCEEDED" and output(described) == [{"i": i} for i in range(6)]
    assert calls == {0: 1, 1: 1, 2: 1, 3: 2, 4: 1, 5: 1}
    types = history_types(sfn, execution)
    after = types[types.index("ExecutionRedriven"):]
    assert after.count("MapIterationStarted") == 3  # 3, 4 and 5


def test_aborted_and_timed_out_executions_go_on(sfn):
    definition = waiting_machine(sfn, before={"Type": "Pass"})
    execution = start(sfn, definition)
    sfn.stop_execution(executionArn=execution, error="Stop", cause="operator")
    assert sfn.describe_execution(executionArn=execution)["redriveStatus"] == "REDRIVABLE"
    sfn.redrive_execution(executionArn=execution)
    assert sfn.describe_execution(executionArn=execution)["status"] == "RUNNING"
    task = sfn.get_activity_task(activityArn=definition["States"]["Wait"]["Resource"])
    sfn.send_task_success(taskToken=task["taskToken"], output='"done"')
    described = sfn.describe_execution(executionArn=execution)
    assert described["status"] == "SUCCEEDED" and output(described) == "done"
    assert history_types(sfn, execution).count("PassStateEntered") == 1

    wait = {"StartAt": "Before", "States": {"Before": {"Type": "Pass", "Next": "W"},
                                            "W": {"Type": "Wait", "Seconds": 100, "End": True}}}
    slow = start(sfn, {"TimeoutSeconds": 50, **wait}, name="slow")
    assert sfn.describe_execution(executionArn=slow)["status"] == "TIMED_OUT"
    sfn.redrive_execution(executionArn=slow)  # the Wait starts over and times out again after 50 s
    assert sfn.describe_execution(executionArn=slow)["status"] == "TIMED_OUT"
    assert history_types(sfn, slow)[-3:] == ["ExecutionRedriven", "WaitStateEntered", "ExecutionTimedOut"]


def test_redrive_status_reasons_and_filters(sfn):
    failing = {"StartAt": "F", "States": {"F": {"Type": "Fail"}}}
    arn = create(sfn, failing)
    first = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    second = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    sfn.redrive_execution(executionArn=first)
    redriven = sfn.list_executions(stateMachineArn=arn, redriveFilter="REDRIVEN")["executions"]
    assert [e["executionArn"] for e in redriven] == [first] and redriven[0]["redriveCount"] == 1
    assert "redriveDate" in redriven[0]
    assert [e["executionArn"] for e in sfn.list_executions(stateMachineArn=arn, redriveFilter="NOT_REDRIVEN")[
        "executions"]] == [second]
    sfn.delete_state_machine(stateMachineArn=arn)
    assert sfn.describe_execution(executionArn=second)["redriveStatusReason"] == "State machine is in DELETING status"


def test_executions_before_the_launch_of_redrive_are_not_redrivable():
    old = StepFunctions(aws_behaviour_as_of="2023-10-01")
    arn = old.create_state_machine(name="m", roleArn=ROLE, definition=json.dumps(
        {"StartAt": "F", "States": {"F": {"Type": "Fail"}}}))["stateMachineArn"]
    execution = old.start_execution(stateMachineArn=arn)["executionArn"]
    assert old.describe_execution(executionArn=execution)["redriveStatusReason"] == (
        "Execution was started before the launch of RedriveExecution")


def test_a_client_token_makes_redrive_idempotent(sfn):
    execution = start(sfn, {"StartAt": "F", "States": {"F": {"Type": "Fail"}}})
    first = sfn.redrive_execution(executionArn=execution, clientToken="once")
    sfn.advance(5)
    assert sfn.redrive_execution(executionArn=execution, clientToken="once") == first
    assert sfn.describe_execution(executionArn=execution)["redriveCount"] == 1
    sfn.advance(16 * 60)  # a token is honoured for 15 minutes
    sfn.redrive_execution(executionArn=execution, clientToken="once")
    assert sfn.describe_execution(executionArn=execution)["redriveCount"] == 2
