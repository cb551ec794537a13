"""A mock that does not fit its integration reaches the caller: at create time, or named mid-run."""
from __future__ import annotations

import json

import pytest

from workflows.engine import StepFunctions
from workflows.testing.mock_config import MockValidationError

ROLE = "arn:aws:iam::123456789012:role/engine-tests"
DEFINITION = {"StartAt": "Read", "States": {"Read": {
    "Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
    "Parameters": {"TableName": "users", "Key": {"pk": {"S": "u"}}}, "End": True}}}
BAD_MOCKS = {
    "StateMachines": {"reader": {"TestCases": {"Happy": {"Read": "BadItem"}}}},
    "MockedResponses": {"BadItem": {"0": {"Return": {"Item": "not-a-map"}}}},
}


def test_create_state_machine_rejects_mocks_that_do_not_fit_the_definition():
    sfn = StepFunctions(region_name="us-east-1", account_id="123456789012", mock_config=BAD_MOCKS)
    with pytest.raises(MockValidationError) as raised:
        sfn.create_state_machine(name="reader", definition=json.dumps(DEFINITION), roleArn=ROLE)
    message = str(raised.value)
    assert "'Read'" in message and "Item" in message and "BadItem" in message
    # Machines the mock config does not mention are unaffected.
    sfn.create_state_machine(name="other", definition=json.dumps(DEFINITION), roleArn=ROLE)


class _RejectingMocker:
    """A TaskMocker whose check only fails at invocation time (e.g. a resource built at run time)."""

    def mocked_result(self, **kwargs):
        raise ValueError(f"Return field 'Item' must be an object (state {kwargs['state_name']})")


def test_mid_run_mock_error_fails_the_execution_naming_state_and_field():
    sfn = StepFunctions(region_name="us-east-1", account_id="123456789012", mock_config=_RejectingMocker())
    arn = sfn.create_state_machine(name="reader", definition=json.dumps(DEFINITION), roleArn=ROLE)["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn + "#Happy", input="{}")["executionArn"]
    described = sfn.describe_execution(executionArn=execution)
    assert described["status"] == "FAILED" and described["error"] == "States.Runtime"
    assert described["cause"].startswith("The mocked response for state 'Read' (test case 'Happy') is invalid: "
                                         "ValueError: Return field 'Item' must be an object")
    assert "Internal error" not in described["cause"]
