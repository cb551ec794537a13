"""The Step Functions HTTP API: boto3's stepfunctions client against the engine over AWS JSON 1.0."""
from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request

import boto3
import pytest

from workflows.engine import StepFunctions
from workflows.local.server import LoopbackServer
from workflows.local.sfn_api import StepFunctionsApi

PASS_MACHINE = json.dumps({"StartAt": "Greet", "States": {
    "Greet": {"Type": "Pass", "Parameters": {"greeting.$": "States.Format('hi {}', $.name)"}, "Next": "Wait"},
    "Wait": {"Type": "Wait", "Seconds": 3600, "End": True}}})
ROLE = "arn:aws:iam::123456789012:role/r"


@pytest.fixture(scope="module")
def sfn():
    server = LoopbackServer(StepFunctionsApi(StepFunctions(clock="virtual"))).start()
    client = boto3.client("stepfunctions", endpoint_url=server.url, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    client.url = server.url  # type: ignore[attr-defined]
    yield client
    server.close()


def test_execution_round_trip_with_boto3_shapes(sfn) -> None:
    arn = sfn.create_state_machine(name="greet", definition=PASS_MACHINE, roleArn=ROLE)["stateMachineArn"]
    assert arn == "arn:aws:states:us-east-1:123456789012:stateMachine:greet"
    execution = sfn.start_execution(stateMachineArn=arn, name="e1", input=json.dumps({"name": "ada"}))
    assert isinstance(execution["startDate"], dt.datetime) and execution["startDate"].tzinfo is not None
    described = sfn.describe_execution(executionArn=execution["executionArn"])
    assert described["status"] == "SUCCEEDED"  # virtual clock: the hour-long Wait cost nothing
    assert json.loads(described["output"]) == {"greeting": "hi ada"}
    events = sfn.get_execution_history(executionArn=execution["executionArn"])["events"]
    assert [e["type"] for e in events][0] == "ExecutionStarted"
    assert [e["type"] for e in events][-1] == "ExecutionSucceeded"
    assert [e["executionArn"] for e in sfn.list_executions(stateMachineArn=arn)["executions"]] == [
        execution["executionArn"]]


def test_errors_come_back_as_boto3_exceptions(sfn) -> None:
    arn = sfn.create_state_machine(name="dupe", definition=PASS_MACHINE, roleArn=ROLE)["stateMachineArn"]
    sfn.start_execution(stateMachineArn=arn, name="same", input='{"name": "a"}')
    with pytest.raises(sfn.exceptions.ExecutionAlreadyExists):
        sfn.start_execution(stateMachineArn=arn, name="same", input='{"name": "b"}')
    with pytest.raises(sfn.exceptions.StateMachineDoesNotExist):
        sfn.describe_state_machine(stateMachineArn=arn + "-missing")
    with pytest.raises(sfn.exceptions.InvalidDefinition) as caught:
        sfn.create_state_machine(name="bad", roleArn=ROLE,
                                 definition='{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}}')
    assert "B" in caught.value.response["Error"]["Message"]
    with pytest.raises(sfn.exceptions.InvalidToken):  # malformed, as AWS answers
        sfn.send_task_success(taskToken="no-such-token", output="{}")


def test_unknown_action_and_bad_json_are_refused_by_name(sfn) -> None:
    def post(target: str, body: bytes) -> tuple[int, dict]:
        request = urllib.request.Request(sfn.url, data=body, method="POST", headers={
            "X-Amz-Target": f"AWSStepFunctions.{target}", "Content-Type": "application/x-amz-json-1.0"})
        try:
            with urllib.request.urlopen(request) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            return error.code, json.load(error)

    assert post("StartExecutionz", b"{}") == (400, {"__type": "UnknownOperationException",
                                                    "message": "Unknown operation 'StartExecutionz'"})
    status, body = post("ListStateMachines", b"{not json")
    assert status == 400 and body["__type"] == "SerializationException"
