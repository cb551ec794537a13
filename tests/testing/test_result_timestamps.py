"""Timestamps in a mocked result: what the integration returns (mock configs) vs AWS's TestState rule.

The optimized states:startExecution integration hands the state epoch-millisecond numbers for
StartDate/StopDate (Java SDK v1), while AWS's TestState mock validation demands strings (recorded:
"Field 'StartDate' must be a string"). One validator serves both, told which rule applies.
"""
from __future__ import annotations

import json

import pytest

from workflows.engine import StepFunctions
from workflows.testing import result_shapes
from workflows.testing.mock_config import MockValidationError, load

ROLE = "arn:aws:iam::123456789012:role/test"
SYNC2 = "arn:aws:states:::states:startExecution.sync:2"
SDK_START = "arn:aws:states:::aws-sdk:sfn:startExecution"
CHILD_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:child"
PARENT = {"StartAt": "RunChild", "States": {"RunChild": {
    "Type": "Task", "Resource": SYNC2, "End": True,
    "Parameters": {"StateMachineArn": CHILD_ARN, "Input": {"n": 1}}}}}
SYNC2_RESULT = {
    "ExecutionArn": "arn:aws:states:us-east-1:123456789012:execution:child:run-1",
    "StateMachineArn": CHILD_ARN, "Status": "SUCCEEDED", "Output": {"ok": True},
    "StartDate": 1700000000000, "StopDate": 1700000001000,
}


def mock_config(resource: str, returned: dict) -> tuple[object, dict]:
    definition = json.loads(json.dumps(PARENT))
    definition["States"]["RunChild"]["Resource"] = resource
    raw = {"StateMachines": {"parent": {"TestCases": {"Happy": {"RunChild": "Child"}}}},
           "MockedResponses": {"Child": {"0": {"Return": returned}}}}
    return load(raw), definition


def real_sync2_result() -> dict:
    """What the engine's startExecution.sync:2 really returns for a child execution."""
    sfn = StepFunctions(region_name="us-east-1", account_id="123456789012")
    sfn.create_state_machine(name="child", roleArn=ROLE, definition=json.dumps(
        {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "Result": {"ok": True}, "End": True}}}))
    parent = sfn.create_state_machine(name="parent", roleArn=ROLE, definition=json.dumps(PARENT))
    run = sfn.start_execution(stateMachineArn=parent["stateMachineArn"], input="{}")
    described = sfn.describe_execution(executionArn=run["executionArn"])
    assert described["status"] == "SUCCEEDED", described
    return json.loads(described["output"])


def test_the_real_sync2_result_has_epoch_millis_and_passes_mock_config_validation():
    result = real_sync2_result()
    assert isinstance(result["StartDate"], int) and isinstance(result["StopDate"], int)
    schema = result_shapes.schema_for(SYNC2)
    assert result_shapes.validate(schema, result, result_shapes.STRICT, reject_unknown=True,
                                  timestamps=result_shapes.INTEGRATION) == []
    # the same value under AWS's TestState rule is rejected, as AWS rejects it
    violations = result_shapes.validate(schema, result, result_shapes.STRICT)
    assert [v.message for v in violations] == ["Field 'StartDate' must be a string",
                                               "Field 'StopDate' must be a string"]


def test_mock_config_accepts_epoch_millis_for_sync2_and_still_accepts_strings():
    mocker, definition = mock_config(SYNC2, SYNC2_RESULT)
    mocker.check_definition("parent", definition)
    as_text = {**SYNC2_RESULT, "StartDate": "2023-11-14T22:13:20.000Z", "StopDate": "2023-11-14T22:13:21.000Z"}
    mocker, definition = mock_config(SYNC2, as_text)
    mocker.check_definition("parent", definition)


@pytest.mark.parametrize("bad", [True, 1.7e12, {"ms": 1}])
def test_mock_config_rejects_a_timestamp_that_is_neither_naming_state_and_field(bad):
    mocker, definition = mock_config(SYNC2, {**SYNC2_RESULT, "StopDate": bad})
    with pytest.raises(MockValidationError, match="state 'RunChild'.*'StopDate' must be epoch milliseconds"):
        mocker.check_definition("parent", definition)


def test_mock_config_keeps_iso_strings_for_aws_sdk_integrations():
    # aws-sdk tasks use the Java SDK v2, which writes timestamps as ISO-8601 strings
    returned = {"ExecutionArn": SYNC2_RESULT["ExecutionArn"], "StartDate": 1700000000000}
    mocker, definition = mock_config(SDK_START, returned)
    with pytest.raises(MockValidationError, match="'StartDate' must be a string"):
        mocker.check_definition("parent", definition)


def test_test_state_keeps_aws_recorded_strictness_for_sync2():
    sfn = StepFunctions()
    state = {"Type": "Task", "Resource": SYNC2, "End": True,
             "Parameters": {"StateMachineArn": CHILD_ARN}}
    with pytest.raises(sfn.exceptions.ValidationException) as info:
        sfn.test_state(definition=json.dumps(state), mock={"result": json.dumps(SYNC2_RESULT)})
    assert info.value.response["Error"]["Message"] == \
        "Mock result schema validation error: Field 'StartDate' must be a string"
    as_text = {**SYNC2_RESULT, "StartDate": "2023-11-14T22:13:20.000Z", "StopDate": "2023-11-14T22:13:21.000Z"}
    ok = sfn.test_state(definition=json.dumps(state), mock={"result": json.dumps(as_text)})
    assert ok["status"] == "SUCCEEDED"


def test_unknown_timestamp_rule_is_rejected():
    with pytest.raises(ValueError, match="timestamps 'java'"):
        result_shapes.validate(result_shapes.schema_for(SYNC2), {}, result_shapes.STRICT, timestamps="java")
