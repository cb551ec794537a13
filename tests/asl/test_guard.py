"""guard: runs a child with startExecution.sync:2 and records what went wrong with it."""
from __future__ import annotations

import json
from typing import Any

import pytest
from .conftest import ACCOUNT, AwsFixture, deploy, entered_states

MACHINE = "guard"  # the machine the conftest fixtures sfn/arn/mocked deploy

SLOW_CHILD = {"StartAt": "Sleep", "TimeoutSeconds": 5,
              "States": {"Sleep": {"Type": "Wait", "Seconds": 60, "End": True}}}
UNBOUNDED_CHILD = {"StartAt": "Sleep", "States": {"Sleep": {"Type": "Wait", "Seconds": 3600, "End": True}}}
FAILING_CHILD = {"StartAt": "Break", "States": {"Break": {"Type": "Fail", "Error": "Child.Broken", "Cause": "boom"}}}
GOOD_CHILD = {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": True}}}


def child(sfn: Any, name: str, definition: dict[str, Any]) -> str:
    return sfn.create_state_machine(name=name, definition=json.dumps(definition),
                                    roleArn=f"arn:aws:iam::{ACCOUNT}:role/child")["stateMachineArn"]


def guard_run(sfn: Any, arn: str, body: dict[str, Any], advance: float = 0) -> dict[str, Any]:
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps(body))
    if advance:
        sfn.advance(advance)
    return sfn.describe_execution(executionArn=execution["executionArn"])


def only_child_execution(sfn: Any, machine_arn: str) -> dict[str, Any]:
    (execution,) = sfn.list_executions(stateMachineArn=machine_arn)["executions"]
    return execution


def test_child_exceeding_its_timeout_is_recorded_timed_out(sfn: Any, arn: str, aws: AwsFixture) -> None:
    child_arn = child(sfn, "slow_child", SLOW_CHILD)
    result = guard_run(sfn, arn, {"stateMachineArn": child_arn, "input": {"x": 1}}, advance=120)
    assert result["status"] == "SUCCEEDED"
    execution = only_child_execution(sfn, child_arn)
    assert execution["status"] == "TIMED_OUT"
    output = json.loads(result["output"])
    assert output["status"] == "TIMED_OUT" and output["childExecutionArn"] == execution["executionArn"]
    record = aws.item(f"GUARD#{execution['executionArn']}", "RESULT")
    assert record["status"] == {"S": "TIMED_OUT"}
    assert record["error"] == {"S": "States.Timeout"}
    assert record["guardExecutionArn"] == {"S": result["executionArn"]} and record["at"]["S"]


def test_failing_child_is_recorded_failed_with_cause(sfn: Any, arn: str, aws: AwsFixture) -> None:
    child_arn = child(sfn, "failing_child", FAILING_CHILD)
    result = guard_run(sfn, arn, {"stateMachineArn": child_arn})
    assert result["status"] == "SUCCEEDED"
    execution = only_child_execution(sfn, child_arn)
    record = aws.item(f"GUARD#{execution['executionArn']}", "RESULT")
    assert record["status"] == {"S": "FAILED"}
    assert record["error"] == {"S": "Child.Broken"} and record["cause"] == {"S": "boom"}
    assert "Notify" in entered_states(sfn, result["executionArn"])
    assert aws.calls[("events", "put_events")] == 1


def test_guard_own_timeout_records_the_child_arn_it_chose(sfn: Any, arn: str, aws: AwsFixture) -> None:
    child_arn = child(sfn, "unbounded_child", UNBOUNDED_CHILD)
    result = guard_run(sfn, arn, {"stateMachineArn": child_arn, "timeoutSeconds": 10}, advance=30)
    assert result["status"] == "SUCCEEDED"
    execution = only_child_execution(sfn, child_arn)
    output = json.loads(result["output"])
    assert output["childExecutionArn"] == execution["executionArn"]
    record = aws.item(f"GUARD#{execution['executionArn']}", "RESULT")
    assert record["status"] == {"S": "TIMED_OUT"} and record["error"] == {"S": "States.Timeout"}


def test_succeeding_child_records_nothing(sfn: Any, arn: str, aws: AwsFixture) -> None:
    child_arn = child(sfn, "good_child", GOOD_CHILD)
    result = guard_run(sfn, arn, {"stateMachineArn": child_arn, "input": {"hello": "world"}})
    output = json.loads(result["output"])
    assert output["status"] == "SUCCEEDED" and output["output"] == {"hello": "world"}
    assert aws.items("GUARD#") == []
    assert aws.calls[("events", "put_events")] == 0


def test_invalid_input_fails_naming_the_field(sfn: Any, arn: str) -> None:
    result = guard_run(sfn, arn, {"stateMachineArn": "not-an-arn"})
    assert result["status"] == "FAILED" and result["error"] == "Guard.InvalidInput"
    assert "stateMachineArn" in result["cause"]


MOCK_CHILD = "arn:aws:states:us-east-1:123456789012:execution:child:mocked"


@pytest.mark.parametrize("case, status, error", [
    ("ChildFailedMocked", "FAILED", "Child.Broken"),
    ("ChildTimedOutMocked", "TIMED_OUT", "States.Timeout"),
    ("NotifyFails", "FAILED", "Child.Broken"),
])
def test_mock_config_failures_are_recorded(mocked: tuple[Any, str], aws: AwsFixture, case: str,
                                           status: str, error: str) -> None:
    sfn, arn = mocked
    result = guard_run(sfn, f"{arn}#{case}", {"stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:child"})
    assert result["status"] == "SUCCEEDED"
    output = json.loads(result["output"])
    # keyed by the ARN of the execution the guard named and started, not by what the mock says
    assert output["childExecutionArn"].startswith("arn:aws:states:us-east-1:123456789012:execution:child:")
    record = aws.item(f"GUARD#{output['childExecutionArn']}", "RESULT")
    assert record["status"] == {"S": status} and record["error"] == {"S": error}
    assert output["status"] == status


def test_mock_config_guard_task_timeout_uses_the_chosen_name(mocked: tuple[Any, str], aws: AwsFixture) -> None:
    sfn, arn = mocked
    result = guard_run(sfn, f"{arn}#GuardTaskTimedOut", {"stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:child"})
    output = json.loads(result["output"])
    assert output["status"] == "TIMED_OUT"
    assert output["childExecutionArn"].startswith("arn:aws:states:us-east-1:123456789012:execution:child:")
    assert aws.item(f"GUARD#{output['childExecutionArn']}", "RESULT")["status"] == {"S": "TIMED_OUT"}


def test_mock_config_success(mocked: tuple[Any, str], aws: AwsFixture) -> None:
    sfn, arn = mocked
    result = guard_run(sfn, f"{arn}#ChildSucceededMocked", {"stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:child"})
    assert result["status"] == "SUCCEEDED", (result.get("error"), result.get("cause"))
    assert json.loads(result["output"]) == {"status": "SUCCEEDED", "childExecutionArn": MOCK_CHILD, "output": {"ok": True}}
    assert aws.items("") == []
