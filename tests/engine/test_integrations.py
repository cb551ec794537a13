"""The integration registry, request-response modules, the mock hook and the client cache."""
from __future__ import annotations

import json
import sys
import types
from typing import Any

import pytest

from workflows.engine import StepFunctions
from workflows.engine.integrations import ModuleIntegration, parse_resource
from workflows.engine.integrations.clients import ClientProvider

from .conftest import create, history_types, output, run


def test_parse_resource_shapes():
    ref = parse_resource("arn:aws:states:::aws-sdk:dynamodb:getItem.waitForTaskToken")
    assert (ref.service, ref.action, ref.pattern, ref.history_resource) == (
        "aws-sdk:dynamodb", "getItem", "waitForTaskToken", "getItem.waitForTaskToken")
    assert parse_resource("arn:aws:states:::states:startExecution.sync:2").pattern == "sync:2"
    assert parse_resource("arn:aws:lambda:eu-west-1:1:function:f:live").kind == "lambda-function"


def test_client_provider_creates_each_client_once():
    made: list[str] = []
    provider = ClientProvider("us-east-1", lambda name: made.append(name) or object())
    assert provider.get("dynamodb") is provider.get("dynamodb")
    assert made == ["dynamodb"]


def test_request_response_module_contract(sfn, monkeypatch):
    calls: list[Any] = []
    module = types.ModuleType("workflows.engine.integrations.fakeservice")

    def call(action: str, parameters: dict, clients: ClientProvider) -> Any:
        calls.append((action, parameters, clients.region_name))
        if parameters.get("fail"):
            from workflows.engine.errors import StatesError
            raise StatesError("DynamoDB.ConditionalCheckFailedException", "The conditional request failed")
        return {"Item": {"pk": {"S": "x"}}}

    module.call = call
    monkeypatch.setitem(sys.modules, "workflows.engine.integrations.fakeservice", module)
    sfn.engine.registry.register("fakeservice", ModuleIntegration("fakeservice"))
    definition = {"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:states:::fakeservice:getItem",
              "Parameters": {"fail.$": "$.fail"}, "ResultSelector": {"pk.$": "$.Item.pk.S"},
              "Catch": [{"ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"], "Next": "Dup"}], "End": True},
        "Dup": {"Type": "Pass", "Result": "duplicate", "End": True}}}
    assert output(run(sfn, definition, {"fail": False})) == {"pk": "x"}
    assert calls[0] == ("getItem", {"fail": False}, "us-east-1")
    assert output(run(sfn, definition, {"fail": True})) == "duplicate"


class _Mocker:
    def __init__(self) -> None:
        self.asked: list[dict] = []

    def mocked_result(self, **kwargs: Any):
        self.asked.append(kwargs)
        if kwargs["state_name"] != "T":
            return None
        return types.SimpleNamespace(kind="throw", error="Mocked.Error", cause="from mock")


def test_mock_hook_is_consulted_only_for_test_cases():
    mocker = _Mocker()
    sfn = StepFunctions(mock_config=mocker)
    sfn.register_lambda("real", lambda e, c: "real")
    arn = create(sfn, {"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:real", "End": True}}})
    plain = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    assert output(sfn.describe_execution(executionArn=plain)) == "real" and mocker.asked == []
    mocked = sfn.start_execution(stateMachineArn=arn + "#Failing")["executionArn"]
    described = sfn.describe_execution(executionArn=mocked)
    assert (described["error"], described["cause"]) == ("Mocked.Error", "from mock")
    assert mocker.asked[0]["test_case"] == "Failing" and mocker.asked[0]["state_machine_name"] == "machine"


def test_task_timeout_on_request_response(sfn):
    class Never:
        patterns = frozenset({""})

        async def invoke(self, ref, parameters, env):
            from workflows.engine.scheduler import Future
            return await Future()

    sfn.engine.registry.register("slow", Never())
    arn = create(sfn, {"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": "arn:aws:states:::slow:call", "TimeoutSeconds": 30, "End": True}}})
    execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    assert sfn.describe_execution(executionArn=execution)["error"] == "States.Timeout"
    assert "TaskTimedOut" in history_types(sfn, execution)


def test_unknown_service_fails_with_states_runtime(sfn):
    failed = run(sfn, {"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": "arn:aws:states:::nosuch:thing", "End": True}}})
    assert failed["status"] == "FAILED" and "nosuch" in failed["cause"]


def test_aws_sdk_sfn_calls_of_a_plain_engine_reach_that_engine_in_process(sfn, monkeypatch):
    """No client factory: aws-sdk:sfn runs against this engine (never real AWS), so a machine that
    starts and describes another through the SDK integration works offline."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_SFN", "http://127.0.0.1:9")  # would refuse a connection
    child = create(sfn, {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": "child ran", "End": True}}},
                   "child")
    parent = create(sfn, {"StartAt": "Start", "States": {
        "Start": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:startExecution",
                  "Parameters": {"StateMachineArn": child, "Input": {"from": "parent"}}, "Next": "Describe"},
        "Describe": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:describeExecution",
                     "Parameters": {"ExecutionArn.$": "$.ExecutionArn"},
                     "ResultSelector": {"Input.$": "$.Input", "StateMachineArn.$": "$.StateMachineArn"},
                     "End": True}}}, "parent")
    execution = sfn.start_execution(stateMachineArn=parent, input="{}")["executionArn"]
    described = sfn.describe_execution(executionArn=execution)
    assert described["status"] == "SUCCEEDED", described.get("cause")
    result = json.loads(described["output"])
    assert result == {"Input": '{"from":"parent"}', "StateMachineArn": child}
    [run_of_child] = sfn.list_executions(stateMachineArn=child)["executions"]
    assert run_of_child["status"] == "SUCCEEDED"
