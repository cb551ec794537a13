"""An SDK integration that names its region and account: `arn:aws:states:<region>:<account>:aws-sdk:...`.

AWS accepts and runs it: aws-samples/step-functions-workflows-collection script-generator (and
word-filtering-script-generator) deploy their Task Resources through SAM as
`!Sub arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:aws-sdk:transcribe:startTranscriptionJob` (and
s3:getObject, s3:putObject, transcribe:getTranscriptionJob), and the README shows the results the machine wrote;
the published statemachine.asl.json is that definition with the author's region and account filled in (both are
in the corpus). The engine accepts the form at create time and runs it like the `:::` form.
"""
from __future__ import annotations

import json
from typing import Any

import pytest

from workflows.engine import StepFunctions, validate_definition
from workflows.engine.integrations.resources import parse_resource

ROLE = "arn:aws:iam::123456789012:role/sdk-tests"


def task(resource: str) -> dict:
    return {"StartAt": "Get", "States": {"Get": {
        "Type": "Task", "Resource": resource, "Parameters": {"Bucket": "b", "Key": "k"}, "End": True}}}


def problems(definition: dict, machine_type: str = "STANDARD") -> list[tuple[str, str]]:
    return [(d.message, d.location) for d in validate_definition(json.dumps(definition), machine_type)]


@pytest.mark.parametrize("resource", [
    "arn:aws:states:us-east-1:776177632559:aws-sdk:s3:getObject",
    "arn:aws:states:eu-west-1:123456789012:aws-sdk:transcribe:startTranscriptionJob",
    "arn:aws:states:us-east-1:123456789012:aws-sdk:sqs:sendMessage.waitForTaskToken",
    "arn:aws:states:::aws-sdk:s3:getObject"])
def test_sdk_resource_with_or_without_region_and_account_is_accepted(resource: str) -> None:
    assert problems(task(resource)) == []


@pytest.mark.parametrize(("resource", "message"), [
    ("arn:aws:states:us-east-1:123456789012:aws-sdk:s3",
     "Resource 'arn:aws:states:us-east-1:123456789012:aws-sdk:s3' is missing the aws-sdk service or action"),
    ("arn:aws:states:us-east-1:123456789012:aws-sdk",
     "Resource 'arn:aws:states:us-east-1:123456789012:aws-sdk' is missing the aws-sdk service or action"),
])
def test_sdk_resource_without_service_or_action_is_refused(resource: str, message: str) -> None:
    assert problems(task(resource)) == [(message, "/States/Get/Resource")]


def test_express_rules_read_the_regional_form_too() -> None:
    definition = task("arn:aws:states:us-east-1:123456789012:aws-sdk:sqs:sendMessage.waitForTaskToken")
    assert problems(definition, "EXPRESS") == [
        ("Express state machine does not support '.waitForTaskToken' service integration ", "/States/Get/Resource")]


def test_the_regional_form_parses_as_the_same_integration() -> None:
    regional = parse_resource("arn:aws:states:eu-west-1:123456789012:aws-sdk:s3:getObject", "us-east-1")
    plain = parse_resource("arn:aws:states:::aws-sdk:s3:getObject", "us-east-1")
    assert (regional.kind, regional.service, regional.action, regional.pattern) == (
        plain.kind, plain.service, plain.action, plain.pattern) == ("service", "aws-sdk:s3", "getObject", "")
    assert (regional.region, plain.region) == ("eu-west-1", "us-east-1")


class _FakeSdk:
    patterns = frozenset({"", "waitForTaskToken"})

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, Any]] = []

    async def invoke(self, ref: Any, parameters: Any, env: Any) -> Any:
        self.calls.append((ref.service, ref.action, parameters))
        return {"Body": "hello"}


def test_the_regional_form_runs() -> None:
    sfn = StepFunctions(region_name="us-east-1", account_id="123456789012", seed=7)
    sdk = _FakeSdk()
    sfn.engine.registry.register("aws-sdk", sdk)
    arn = sfn.create_state_machine(name="m", roleArn=ROLE, definition=json.dumps(
        task("arn:aws:states:us-east-1:123456789012:aws-sdk:s3:getObject")))["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    described = sfn.describe_execution(executionArn=execution)
    assert described["status"] == "SUCCEEDED" and json.loads(described["output"]) == {"Body": "hello"}
    assert sdk.calls == [("aws-sdk:s3", "getObject", {"Bucket": "b", "Key": "k"})]
    [scheduled] = [e for e in sfn.get_execution_history(executionArn=execution)["events"]
                   if e["type"] == "TaskScheduled"]
    details = scheduled["taskScheduledEventDetails"]
    assert (details["resourceType"], details["resource"], details["region"]) == ("aws-sdk:s3", "getObject", "us-east-1")
