"""One test module for every target: embedded engine, an HTTP Step Functions endpoint, AWS.

Uses only the plugin's fixtures and the boto3 stepfunctions API. When WORKFLOWS_PORTABLE_RESULTS
names a file, each test appends what it observed (status, error, output, path) so
tests/testing/test_targets.py can check that two targets saw the same thing. The mock-config test
declares tests/testing/portable/mock_config.json; a remote target must have loaded it (Step
Functions Local reads SFN_MOCK_CONFIG).
"""
from __future__ import annotations

import json
import os

import pytest

from workflows.testing.helpers import assert_path

PUT = "arn:aws:states:::dynamodb:putItem"
USERS = {
    "StartAt": "Save",
    "States": {
        "Save": {"Type": "Task", "Resource": PUT, "Parameters": {"TableName": "users", "Item": {}},
                 "Retry": [{"ErrorEquals": ["DynamoDB.ProvisionedThroughputExceededException"],
                            "MaxAttempts": 2, "IntervalSeconds": 1}],
                 "Catch": [{"ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"], "Next": "Duplicate"}],
                 "ResultPath": "$.saved", "Next": "Done"},
        "Duplicate": {"Type": "Fail", "Error": "DuplicateEmail", "Cause": "email taken"},
        "Done": {"Type": "Succeed"},
    },
}
ROUTE = {
    "StartAt": "Classify",
    "States": {
        "Classify": {"Type": "Choice", "Choices": [
            {"Variable": "$.plan", "StringEquals": "pro", "Next": "Pro"}], "Default": "Free"},
        "Pro": {"Type": "Pass", "Result": {"seats": 10}, "ResultPath": "$.limits", "Next": "Fanout"},
        "Free": {"Type": "Fail", "Error": "PlanRequired", "Cause": "free plan"},
        "Fanout": {"Type": "Parallel", "ResultPath": "$.branches", "End": True, "Branches": [
            {"StartAt": "Upper", "States": {"Upper": {"Type": "Pass", "Parameters": {
                "name.$": "States.Format('USER-{}', $.id)"}, "End": True}}},
            {"StartAt": "Each", "States": {"Each": {"Type": "Map", "ItemsPath": "$.tags", "End": True,
                "ItemProcessor": {"StartAt": "Tag", "States": {"Tag": {"Type": "Pass", "End": True}}}}}},
        ]},
    },
}


@pytest.fixture
def record(request):
    def write(**observed):
        target = os.environ.get("WORKFLOWS_PORTABLE_RESULTS")
        if target:
            with open(target, "a") as handle:
                handle.write(json.dumps({"test": request.node.name, **observed}, sort_keys=True) + "\n")
    return write


def observe(sfn, sfn_wait, sfn_path, arn, record):
    described = sfn_wait(arn)
    output = json.loads(described["output"]) if described.get("output") else None
    seen = {"status": described["status"], "error": described.get("error"),
            "cause": described.get("cause"), "output": output, "path": sfn_path(arn)}
    record(**seen)
    return seen


def test_choice_parallel_and_map(sfn, state_machine, sfn_wait, sfn_path, record):
    arn = state_machine(ROUTE, type="STANDARD")
    run = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"plan": "pro", "id": 7, "tags": ["a", "b"]}))
    seen = observe(sfn, sfn_wait, sfn_path, run["executionArn"], record)
    assert seen["status"] == "SUCCEEDED"
    assert seen["output"]["branches"] == [{"name": "USER-7"}, ["a", "b"]]
    assert seen["path"][:2] == ["Classify", "Pro"]


def test_fail_state_error_and_cause(sfn, state_machine, sfn_wait, sfn_path, record):
    arn = state_machine(ROUTE, type="STANDARD")
    run = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"plan": "free"}))
    seen = observe(sfn, sfn_wait, sfn_path, run["executionArn"], record)
    assert (seen["status"], seen["error"], seen["cause"]) == ("FAILED", "PlanRequired", "free plan")
    assert seen["path"] == ["Classify", "Free"]


def test_start_sync_execution_on_express(sfn, state_machine, record):
    arn = state_machine({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, type="EXPRESS")
    response = sfn.start_sync_execution(stateMachineArn=arn, input=json.dumps({"x": 1}))
    record(status=response["status"], output=json.loads(response["output"]))
    assert response["status"] == "SUCCEEDED" and json.loads(response["output"]) == {"x": 1}


@pytest.mark.parametrize("case, status, path", [
    ("Happy", "SUCCEEDED", ["Save", "Done"]),
    ("Throttled", "SUCCEEDED", ["Save", "Done"]),
    ("Duplicate", "FAILED", ["Save", "Duplicate"]),
])
@pytest.mark.sfn_mock_config("mock_config.json")
def test_mock_config_test_cases(sfn, state_machine, sfn_wait, sfn_path, record, case, status, path):
    arn = state_machine(USERS, name="users", type="STANDARD")
    run = sfn.start_execution(stateMachineArn=f"{arn}#{case}", input="{}")
    seen = observe(sfn, sfn_wait, sfn_path, run["executionArn"], record)
    assert seen["status"] == status
    assert_path(sfn, run["executionArn"], path)


@pytest.mark.embedded_only(reason="advances the virtual clock through a one-day Wait")
def test_one_day_wait_is_instant(sfn, state_machine, record):
    arn = state_machine({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 86400, "End": True}}},
                        type="STANDARD")
    run = sfn.start_execution(stateMachineArn=arn, input="{}")
    described = sfn.describe_execution(executionArn=run["executionArn"])
    assert described["status"] == "SUCCEEDED"  # the virtual clock jumped over the Wait
    assert (described["stopDate"] - described["startDate"]).total_seconds() == 86400
    record(status=described["status"])
