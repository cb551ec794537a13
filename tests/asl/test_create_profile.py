"""create_profile: idempotent profile creation, only for PostConfirmation_ConfirmSignUp."""
from __future__ import annotations

import json
from typing import Any

import pytest
from .conftest import AwsFixture, deploy, entered_states

MACHINE = "create_profile"  # the machine the conftest fixtures sfn/arn/mocked deploy


def run(sfn: Any, arn: str, body: dict[str, Any], name: str) -> dict[str, Any]:
    execution = sfn.start_execution(stateMachineArn=arn, name=name, input=json.dumps(body))
    return sfn.describe_execution(executionArn=execution["executionArn"])


LAMBDA_INPUT = {"userPoolId": "us-east-1_X", "userName": "42", "userId": "42", "email": "p@example.com",
                "displayName": "", "tenantId": "", "sub": "abc", "clientId": "client"}


def test_writes_profile_and_reservation_in_one_transaction(sfn: Any, arn: str, aws: AwsFixture) -> None:
    result = run(sfn, arn, {**LAMBDA_INPUT, "displayName": "Pat", "tenantId": "acme"}, "first")
    assert result["status"] == "SUCCEEDED"
    assert json.loads(result["output"]) == {"status": "CREATED", "userId": "42"}
    profile = aws.item("USER#42", "PROFILE")
    assert profile["userId"] == {"N": "42"} and profile["displayName"] == {"S": "Pat"}
    assert profile["tenantId"] == {"S": "acme"} and profile["plan"] == {"S": "free"}
    assert profile["groups"] == {"L": [{"S": "User"}]}
    assert aws.item("EMAIL#p@example.com", "EMAIL")["userId"] == {"N": "42"}
    assert aws.calls[("dynamodb", "transact_write_items")] == 1
    assert aws.calls[("dynamodb", "put_item")] == 0


def test_empty_attributes_from_the_trigger_get_defaults(sfn: Any, arn: str, aws: AwsFixture) -> None:
    assert run(sfn, arn, LAMBDA_INPUT, "defaults")["status"] == "SUCCEEDED"
    profile = aws.item("USER#42", "PROFILE")
    assert profile["displayName"] == {"S": "p@example.com"} and profile["tenantId"] == {"S": "default"}


def test_running_twice_leaves_one_unchanged_profile(sfn: Any, arn: str, aws: AwsFixture) -> None:
    assert run(sfn, arn, LAMBDA_INPUT, "once")["status"] == "SUCCEEDED"
    before = aws.item("USER#42", "PROFILE")
    sfn.advance(60)
    second = run(sfn, arn, {**LAMBDA_INPUT, "displayName": "Changed"}, "twice")
    assert second["status"] == "SUCCEEDED"
    assert json.loads(second["output"]) == {"status": "ALREADY_EXISTS", "userId": "42"}
    assert aws.item("USER#42", "PROFILE") == before  # createdAt and displayName untouched
    assert len(aws.items("USER#")) == 1 and len(aws.items("EMAIL#")) == 1


def test_confirm_forgot_password_is_ignored(sfn: Any, arn: str, aws: AwsFixture) -> None:
    result = run(sfn, arn, {**LAMBDA_INPUT, "triggerSource": "PostConfirmation_ConfirmForgotPassword"}, "forgot")
    assert result["status"] == "SUCCEEDED"
    assert entered_states(sfn, result["executionArn"]) == ["CheckTriggerSource", "IgnoreTriggerSource"]
    assert aws.items("") == []


def test_raw_cognito_event_is_accepted(sfn: Any, arn: str, aws: AwsFixture) -> None:
    event = {"version": "1", "triggerSource": "PostConfirmation_ConfirmSignUp", "userPoolId": "us-east-1_X",
             "userName": "7", "request": {"userAttributes": {"email": "raw@example.com", "sub": "s"}}, "response": {}}
    assert run(sfn, arn, event, "raw")["status"] == "SUCCEEDED"
    assert aws.item("USER#7", "PROFILE")["email"] == {"S": "raw@example.com"}


def test_email_reserved_by_another_user_fails_without_a_profile(sfn: Any, arn: str, aws: AwsFixture) -> None:
    assert run(sfn, arn, LAMBDA_INPUT, "owner")["status"] == "SUCCEEDED"
    result = run(sfn, arn, {**LAMBDA_INPUT, "userName": "43", "userId": "43"}, "intruder")
    assert result["status"] == "FAILED" and result["error"] == "CreateProfile.EmailAlreadyRegistered"
    assert aws.item("USER#43", "PROFILE") is None
    assert aws.item("EMAIL#p@example.com", "EMAIL")["userId"] == {"N": "42"}


@pytest.mark.parametrize("body, cause", [
    ({"email": "p@example.com"}, "userId"),
    ({"userId": "1"}, "userId"),
    ({"userId": "1", "email": "P@Example.com"}, "lower-cased"),
])
def test_bad_input_fails_with_a_clear_error(sfn: Any, arn: str, body: dict[str, Any], cause: str) -> None:
    result = run(sfn, arn, body, "bad")
    assert result["status"] == "FAILED" and result["error"] == "CreateProfile.InvalidInput"
    assert cause in result["cause"]


@pytest.mark.parametrize("case, status, output_or_error", [
    ("HappyPathMocked", "SUCCEEDED", {"status": "CREATED", "userId": "42"}),
    ("AlreadyCreated", "SUCCEEDED", {"status": "ALREADY_EXISTS", "userId": "42"}),
    ("EmailTakenByAnotherUser", "FAILED", "CreateProfile.EmailAlreadyRegistered"),
    ("ThrottledThenCommitted", "SUCCEEDED", {"status": "CREATED", "userId": "42"}),
])
def test_mock_config_cases(mocked: tuple[Any, str], aws: AwsFixture, case: str, status: str,
                           output_or_error: Any) -> None:
    sfn, arn = mocked
    result = run(sfn, f"{arn}#{case}", LAMBDA_INPUT, case)
    assert result["status"] == status
    if status == "SUCCEEDED":
        assert json.loads(result["output"]) == output_or_error
    else:
        assert result["error"] == output_or_error
    assert aws.items("") == []  # every write was mocked
