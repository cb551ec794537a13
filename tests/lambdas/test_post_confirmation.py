"""Post-confirmation trigger against the documented event: one idempotent create_profile execution."""

from __future__ import annotations

import copy
import json
import re
from typing import Any, Iterator

import boto3
import pytest
from botocore.stub import ANY, Stubber

from lambdas.post_confirmation import handler as module

ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:create_profile"
# Shape printed in the Cognito developer guide ("Post confirmation Lambda trigger").
EVENT: dict[str, Any] = {
    "version": "1",
    "region": "us-east-1",
    "userPoolId": "us-east-1_EXAMPLE",
    "userName": "1001",
    "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "1example23456789"},
    "triggerSource": "PostConfirmation_ConfirmSignUp",
    "request": {
        "userAttributes": {
            "sub": "b2c3d4e5-0000-4000-8000-000000000001",
            "cognito:user_status": "CONFIRMED",
            "email_verified": "true",
            "email": "ada@example.com",
            "name": "Ada",
            "custom:tenant_id": "acme",
        }
    },
    "response": {},
}


@pytest.fixture
def sfn(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubber]:
    client = boto3.client("stepfunctions", region_name="us-east-1")
    monkeypatch.setenv("PROFILE_STATE_MACHINE_ARN", ARN)
    module.set_client_factory({"stepfunctions": client}.__getitem__)
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()
    module.set_client_factory(None)


def test_confirm_sign_up_starts_named_execution_and_returns_event(sfn: Stubber) -> None:
    name = module.execution_name("us-east-1_EXAMPLE", "1001")
    expected_input = {"userPoolId": "us-east-1_EXAMPLE", "userName": "1001", "userId": "1001", "email": "ada@example.com",
                      "displayName": "Ada", "tenantId": "acme", "sub": "b2c3d4e5-0000-4000-8000-000000000001",
                      "clientId": "1example23456789"}
    sfn.add_response("start_execution", {"executionArn": f"{ARN}:{name}", "startDate": "2024-01-01T00:00:00Z"},
                     {"stateMachineArn": ARN, "name": name, "input": json.dumps(expected_input)})
    event = copy.deepcopy(EVENT)
    assert module.handler(event, None) == EVENT


class RecordingStepFunctions:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def start_execution(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        return {"executionArn": f"{ARN}:{kwargs['name']}", "startDate": "2024-01-01T00:00:00Z"}


@pytest.mark.parametrize("email", ["Ada@Example.COM", "  ADA@EXAMPLE.COM\t", "ada@example.com"])
def test_workflow_input_email_is_lower_cased(monkeypatch: pytest.MonkeyPatch, email: str) -> None:
    """create_profile rejects any upper-case letter in the email (JSONPath cannot lower-case it)."""
    client = RecordingStepFunctions()
    monkeypatch.setenv("PROFILE_STATE_MACHINE_ARN", ARN)
    module.set_client_factory(lambda service: client)
    try:
        event = copy.deepcopy(EVENT)
        event["request"]["userAttributes"]["email"] = email
        module.handler(event, None)
    finally:
        module.set_client_factory(None)
    (call,) = client.calls
    assert json.loads(call["input"])["email"] == "ada@example.com"


def test_profile_input_without_an_email_attribute_is_empty_not_an_error() -> None:
    event = copy.deepcopy(EVENT)
    del event["request"]["userAttributes"]["email"]
    assert module.profile_input(event)["email"] == ""


def test_already_existing_execution_is_success(sfn: Stubber) -> None:
    sfn.add_client_error("start_execution", "ExecutionAlreadyExists", "exists", 400,
                         expected_params={"stateMachineArn": ARN, "name": ANY, "input": ANY})
    assert module.handler(copy.deepcopy(EVENT)) == EVENT


def test_other_errors_propagate_so_cognito_retries(sfn: Stubber) -> None:
    from botocore.exceptions import ClientError

    sfn.add_client_error("start_execution", "StateMachineDoesNotExist", "gone", 400)
    with pytest.raises(ClientError, match="StateMachineDoesNotExist"):
        module.handler(copy.deepcopy(EVENT))


def test_forgot_password_confirmation_does_nothing(sfn: Stubber) -> None:
    event = {**copy.deepcopy(EVENT), "triggerSource": "PostConfirmation_ConfirmForgotPassword"}
    assert module.handler(event) == event  # the stubber has no response queued: any call would fail


def test_missing_state_machine_arn_is_named(sfn: Stubber, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROFILE_STATE_MACHINE_ARN")
    with pytest.raises(RuntimeError, match="PROFILE_STATE_MACHINE_ARN"):
        module.handler(copy.deepcopy(EVENT))


@pytest.mark.parametrize("user", ["1001", "ada@example.com", "名前 with spaces/and#odd:chars", "x" * 200, ""])
def test_execution_names_are_valid_deterministic_and_distinct(user: str) -> None:
    name = module.execution_name("us-east-1_EXAMPLE", user)
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,80}", name)
    assert name == module.execution_name("us-east-1_EXAMPLE", user)
    assert name != module.execution_name("us-east-1_OTHER", user)
    assert name != module.execution_name("us-east-1_EXAMPLE", user + "1")


@pytest.mark.parametrize("missing", ["userPoolId", "userName"])
def test_an_event_without_pool_or_user_is_refused_by_name(missing: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from lambdas.post_confirmation import handler as module

    monkeypatch.setenv("PROFILE_STATE_MACHINE_ARN", "arn:aws:states:us-east-1:123456789012:stateMachine:create_profile")
    event = {"triggerSource": "PostConfirmation_ConfirmSignUp", "userPoolId": "us-east-1_x", "userName": "1001",
             "request": {"userAttributes": "not an object"}}
    del event[missing]
    with pytest.raises(ValueError, match="no userPoolId or userName"):
        module.handler(event)
    assert module.profile_input({"userName": 7, "request": None}) == {
        "userPoolId": "", "userName": "", "userId": "", "email": "", "displayName": "", "tenantId": "", "sub": "",
        "clientId": ""}
