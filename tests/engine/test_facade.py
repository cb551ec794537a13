"""The boto3-shaped public face: response shapes, ARNs, error codes, paging."""
from __future__ import annotations

import datetime
import json

import botocore.exceptions
import pytest

from .conftest import ROLE, create, history_types

PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}


def test_create_and_describe_state_machine(sfn):
    arn = create(sfn, PASS, name="signup")
    assert arn == "arn:aws:states:us-east-1:123456789012:stateMachine:signup"
    described = sfn.describe_state_machine(stateMachineArn=arn)
    assert described["name"] == "signup" and described["type"] == "STANDARD"
    assert json.loads(described["definition"]) == PASS
    assert isinstance(described["creationDate"], datetime.datetime) and described["creationDate"].tzinfo


def test_errors_are_client_errors_with_aws_codes(sfn):
    with pytest.raises(sfn.exceptions.StateMachineDoesNotExist) as caught:
        sfn.start_execution(stateMachineArn="arn:aws:states:us-east-1:123456789012:stateMachine:nope")
    assert isinstance(caught.value, botocore.exceptions.ClientError)
    assert caught.value.response["Error"]["Code"] == "StateMachineDoesNotExist"
    with pytest.raises(sfn.exceptions.InvalidArn):
        sfn.describe_execution(executionArn="not-an-arn")
    with pytest.raises(sfn.exceptions.ExecutionDoesNotExist):
        sfn.describe_execution(executionArn="arn:aws:states:us-east-1:123456789012:execution:m:x")
    with pytest.raises(sfn.exceptions.InvalidName):
        sfn.create_state_machine(name="bad name", definition=json.dumps(PASS), roleArn=ROLE)
    with pytest.raises(sfn.exceptions.StateMachineAlreadyExists):
        create(sfn, PASS, name="twice")
        create(sfn, {"StartAt": "Q", "States": {"Q": {"Type": "Succeed"}}}, name="twice")


def test_execution_names_are_idempotent_like_aws(sfn):
    arn = create(sfn, {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 10, "End": True}}})
    first = sfn.start_execution(stateMachineArn=arn, name="user-42", input='{"a":1}')
    assert first["executionArn"].endswith(":execution:machine:user-42")
    with pytest.raises(sfn.exceptions.ExecutionAlreadyExists):
        sfn.start_execution(stateMachineArn=arn, name="user-42", input='{"a":2}')
    with pytest.raises(sfn.exceptions.InvalidExecutionInput):
        sfn.start_execution(stateMachineArn=arn, input="{nope")


def test_describe_execution_shape(sfn):
    arn = create(sfn, {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E", "Cause": "C"}}})
    execution = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    described = sfn.describe_execution(executionArn=execution)
    assert described["status"] == "FAILED" and described["error"] == "E" and described["cause"] == "C"
    assert described["stopDate"] >= described["startDate"]
    assert described["input"] == "{}" and "output" not in described


def test_history_paging_and_reverse_order(sfn):
    chain = {f"S{i}": {"Type": "Pass", "Next": f"S{i + 1}"} for i in range(9)}
    chain["S9"] = {"Type": "Pass", "End": True}
    arn = create(sfn, {"StartAt": "S0", "States": chain})
    execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    events, token = [], None
    while True:
        page = sfn.get_execution_history(executionArn=execution, maxResults=7,
                                         **({"nextToken": token} if token else {}))
        events += page["events"]
        token = page.get("nextToken")
        if not token:
            break
    assert [e["id"] for e in events] == list(range(1, 23))
    assert events[1]["previousEventId"] == 0 and events[2]["previousEventId"] == 2
    reverse = sfn.get_execution_history(executionArn=execution, reverseOrder=True, maxResults=1)["events"]
    assert reverse[0]["type"] == "ExecutionSucceeded"
    bare = sfn.get_execution_history(executionArn=execution, includeExecutionData=False)["events"]
    assert "input" not in bare[1]["stateEnteredEventDetails"]


def test_list_executions_pages_and_filters(sfn):
    arn = create(sfn, {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 5, "End": True}}})
    for i in range(5):
        sfn.start_execution(stateMachineArn=arn, name=f"e{i}")
    page = sfn.list_executions(stateMachineArn=arn, maxResults=2)
    assert len(page["executions"]) == 2 and page["nextToken"]
    rest = sfn.list_executions(stateMachineArn=arn, nextToken=page["nextToken"])
    assert len(rest["executions"]) == 3
    assert sfn.list_executions(stateMachineArn=arn, statusFilter="SUCCEEDED")["executions"]


def test_stop_execution_aborts(sfn):
    arn = create(sfn, {"StartAt": "W", "States": {"W": {"Type": "Task",
                                                         "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                                                         "End": True}}})
    sfn.engine.registry.register("sqs", _FakeSqs())
    execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    sfn.stop_execution(executionArn=execution, error="Operator", cause="cancelled")
    described = sfn.describe_execution(executionArn=execution)
    assert described["status"] == "ABORTED" and described["error"] == "Operator"
    assert history_types(sfn, execution)[-1] == "ExecutionAborted"


class _FakeSqs:
    patterns = frozenset({"", "waitForTaskToken"})

    async def invoke(self, ref, parameters, env):
        return {"MessageId": "m-1"}


def test_express_sync_execution(sfn):
    arn = create(sfn, {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 30, "Next": "P"},
                                                   "P": {"Type": "Pass", "Result": {"ok": 1}, "End": True}}},
                 type_="EXPRESS")
    response = sfn.start_sync_execution(stateMachineArn=arn, input="{}")
    assert response["status"] == "SUCCEEDED" and json.loads(response["output"]) == {"ok": 1}
    assert ":express:machine:" in response["executionArn"]
    with pytest.raises(sfn.exceptions.StateMachineTypeNotSupported):
        sfn.start_sync_execution(stateMachineArn=create(sfn, PASS, name="std"))


def test_execution_timeout_seconds(sfn):
    arn = create(sfn, {"TimeoutSeconds": 60, "StartAt": "W",
                       "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": True}}})
    execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    described = sfn.describe_execution(executionArn=execution)
    assert described["status"] == "TIMED_OUT"
    assert (described["stopDate"] - described["startDate"]).total_seconds() == pytest.approx(60)
    assert history_types(sfn, execution)[-1] == "ExecutionTimedOut"


def test_test_state_is_delegated_lazily(sfn, monkeypatch):
    import sys
    import types

    module = types.ModuleType("workflows.testing.test_state")
    module.test_state = lambda client, **kwargs: {"status": "SUCCEEDED", "got": kwargs}
    monkeypatch.setitem(sys.modules, "workflows.testing.test_state", module)
    assert sfn.test_state(definition="{}")["got"] == {"definition": "{}"}


def test_errors_name_the_operation_like_boto3(sfn):
    """boto3 says "when calling the StartExecution operation"; so must we, for logs to read the same."""
    arn = create(sfn, {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, name="ops")
    sfn.start_execution(stateMachineArn=arn, name="once", input="{}")
    with pytest.raises(sfn.exceptions.ExecutionAlreadyExists) as raised:
        sfn.start_execution(stateMachineArn=arn, name="once", input='{"other": 1}')
    assert raised.value.operation_name == "StartExecution"
    assert "when calling the StartExecution operation" in str(raised.value)
    with pytest.raises(sfn.exceptions.InvalidToken) as raised:
        sfn.send_task_success(taskToken="garbage", output="{}")
    assert raised.value.operation_name == "SendTaskSuccess"
