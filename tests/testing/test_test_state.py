"""`StepFunctions.test_state` through the engine facade: rejections, un-mocked tasks, inspection."""
from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError, ParamValidationError

from workflows.engine import StepFunctions

ROLE = "arn:aws:iam::123456789012:role/test"


@pytest.fixture
def sfn():
    return StepFunctions()


def call(sfn, state, **kwargs):
    return sfn.test_state(definition=json.dumps(state), **kwargs)


def test_wrong_mock_raises_the_facades_validation_exception_naming_the_field(sfn):
    state = {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem", "End": True}
    with pytest.raises(sfn.exceptions.ValidationException) as info:
        call(sfn, state, mock={"result": json.dumps({"Item": []})})
    assert info.value.response["Error"]["Message"] == \
        "Mock result schema validation error: Field 'Item' must be an object"


def test_present_mode_allows_missing_required_fields_strict_does_not(sfn):
    state = {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution", "End": True}
    with pytest.raises(ClientError, match="Required field 'ExecutionArn' is missing"):
        call(sfn, state, mock={"result": "{}"})
    ok = call(sfn, state, mock={"result": "{}", "fieldValidationMode": "PRESENT"})
    assert ok["status"] == "SUCCEEDED" and ok["output"] == "{}"


def test_client_side_parameter_validation_like_boto3(sfn):
    with pytest.raises(ParamValidationError, match="stateName"):
        call(sfn, {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}, stateName="")


def test_unmocked_task_calls_the_in_process_lambda(sfn):
    sfn.register_lambda("greet", lambda event, context: {"hello": event["name"]})
    state = {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:greet",
             "ResultPath": "$.greeting", "Next": "After"}
    response = call(sfn, state, input=json.dumps({"name": "ada"}), roleArn=ROLE, inspectionLevel="DEBUG")
    assert response["status"] == "SUCCEEDED" and response["nextState"] == "After"
    assert json.loads(response["output"]) == {"name": "ada", "greeting": {"hello": "ada"}}
    assert json.loads(response["inspectionData"]["result"]) == {"hello": "ada"}


def test_retry_count_decides_retriable_then_caught(sfn):
    state = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True,
             "Retry": [{"ErrorEquals": ["Lambda.TooManyRequestsException"], "MaxAttempts": 2,
                        "IntervalSeconds": 3, "BackoffRate": 2}],
             "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Compensate"}]}
    mock = {"errorOutput": {"error": "Lambda.TooManyRequestsException", "cause": "slow"}}
    first = call(sfn, state, mock=mock, inspectionLevel="DEBUG", stateConfiguration={"retrierRetryCount": 1})
    assert first["status"] == "RETRIABLE"
    assert first["inspectionData"]["errorDetails"] == {"retryIndex": 0, "retryBackoffIntervalSeconds": 6}
    last = call(sfn, state, mock=mock, stateConfiguration={"retrierRetryCount": 2})
    assert (last["status"], last["nextState"]) == ("CAUGHT_ERROR", "Compensate")
    assert json.loads(last["output"]) == {"Error": "Lambda.TooManyRequestsException", "Cause": "slow"}


def test_task_without_mock_needs_a_role(sfn):
    with pytest.raises(sfn.exceptions.ValidationException, match="RoleArn must be specified"):
        call(sfn, {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True})


def test_invalid_definition_is_invalid_definition(sfn):
    with pytest.raises(sfn.exceptions.InvalidDefinition, match="SCHEMA_VALIDATION_FAILED"):
        call(sfn, {"StartAt": "A", "States": {"A": {"Type": "Nope", "End": True}}}, stateName="A")
