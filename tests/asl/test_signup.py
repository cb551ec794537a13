"""signup on the embedded engine with moto's DynamoDB and Cognito (issue 4, "Must show")."""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from .conftest import AwsFixture, deploy, entered_states, history_events

MACHINE = "signup"  # the machine the conftest fixtures sfn/arn/mocked deploy


def signup(sfn: Any, arn: str, body: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, Any]]:
    response = sfn.start_sync_execution(stateMachineArn=arn, input=json.dumps(body))
    assert response["status"] == "SUCCEEDED", response
    output = json.loads(response["output"])
    return output["statusCode"], json.loads(output["body"]), response


def assert_nothing_left_for(aws: AwsFixture, user_id: int, email: str, reason: str, error: str) -> None:
    """Compensation complete: no profile, no reservation owned by the id, no Cognito user, one tombstone."""
    assert aws.item(f"USER#{user_id}", "PROFILE") is None
    reservation = aws.item(f"EMAIL#{email}", "EMAIL")
    assert reservation is None or reservation["userId"]["N"] != str(user_id)
    assert str(user_id) not in {u["Username"] for u in aws.cognito_users()}
    tombstones = aws.items("TOMBSTONE#")
    assert [t["pk"]["S"] for t in tombstones] == [f"TOMBSTONE#{user_id}"]
    tombstone = tombstones[0]
    assert tombstone["reason"]["S"] == reason
    assert tombstone["error"]["S"] == error
    assert tombstone["cause"]["S"] and tombstone["at"]["S"]


def test_signup_creates_profile_reservation_and_cognito_user(sfn: Any, arn: str, aws: AwsFixture) -> None:
    status, body, _ = signup(sfn, arn, {"email": "ada@example.com", "displayName": "Ada", "groups": ["User", "Registrar"],
                                        "emailVerified": True})
    assert status == 201
    assert body == {"userId": 1, "email": "ada@example.com", "groups": ["User", "Registrar"]}
    profile = aws.item("USER#1", "PROFILE")
    assert profile["userId"] == {"N": "1"} and profile["email"] == {"S": "ada@example.com"}
    assert profile["displayName"] == {"S": "Ada"} and profile["tenantId"] == {"S": "default"}
    assert profile["plan"] == {"S": "free"} and profile["createdAt"]["S"]
    assert profile["groups"] == {"L": [{"S": "User"}, {"S": "Registrar"}]}
    assert aws.item("EMAIL#ada@example.com", "EMAIL")["userId"] == {"N": "1"}
    (user,) = aws.cognito_users()
    assert user["Username"] == "1"
    attributes = {a["Name"]: a["Value"] for a in user["Attributes"]}
    assert attributes["email"] == "ada@example.com" and attributes["email_verified"] == "true"
    assert aws.groups_of("1") == {"User", "Registrar"}
    assert aws.items("TOMBSTONE#") == []


def test_defaults_apply_when_fields_are_absent(sfn: Any, arn: str, aws: AwsFixture) -> None:
    status, body, _ = signup(sfn, arn, {"email": "bo@example.com"})
    assert status == 201 and body["groups"] == ["User"]
    assert aws.item("USER#1", "PROFILE")["displayName"] == {"S": "bo@example.com"}
    attributes = {a["Name"]: a["Value"] for a in aws.cognito_users()[0]["Attributes"]}
    assert attributes["email_verified"] == "false"


def test_64_concurrent_signups_get_64_consecutive_ids_without_retries(sfn: Any, arn: str, aws: AwsFixture) -> None:
    emails = [f"user{i}@example.com" for i in range(64)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda e: signup(sfn, arn, {"email": e}), emails))
    assert [status for status, _, _ in results] == [201] * 64
    ids = sorted(body["userId"] for _, body, _ in results)
    assert ids == list(range(1, 65))
    # one atomic UpdateItem allocates each id (and one more releases its allocation record once the
    # id is a user): no read-then-write loop, no retry
    assert aws.calls[("dynamodb", "update_item")] == 2 * 64
    assert aws.calls[("dynamodb", "transact_write_items")] == 64
    assert aws.calls[("dynamodb", "get_item")] == 0
    assert len(aws.cognito_users()) == 64
    assert len(aws.items("USER#")) == 64 and len(aws.items("EMAIL#")) == 64
    assert aws.item("COUNTER#userId", "COUNTER") == {"pk": {"S": "COUNTER#userId"}, "sk": {"S": "COUNTER"},
                                                     "value": {"N": "64"}}  # every record released
    for _, _, response in results[:4]:
        events = history_events(sfn, response["executionArn"])
        assert not [e for e in events if e["type"] == "TaskFailed"], "a signup task failed and was retried"


def test_duplicate_email_is_409_and_leaves_nothing_behind(sfn: Any, arn: str, aws: AwsFixture) -> None:
    assert signup(sfn, arn, {"email": "dup@example.com"})[0] == 201
    status, body, _ = signup(sfn, arn, {"email": "dup@example.com", "displayName": "Second"})
    assert status == 409 and body["error"] == "EmailAlreadyRegistered"
    # the first user is untouched: its reservation is NOT released by the second's compensation
    assert aws.item("EMAIL#dup@example.com", "EMAIL")["userId"] == {"N": "1"}
    assert aws.item("USER#1", "PROFILE") is not None
    assert [u["Username"] for u in aws.cognito_users()] == ["1"]
    # the burned id 2 is a tombstone and nothing else
    assert_nothing_left_for(aws, 2, "dup@example.com", "DuplicateEmail", "DynamoDb.TransactionCanceledException")
    assert aws.calls[("cognito-idp", "admin_create_user")] == 1


@pytest.mark.parametrize("body, field", [
    ({}, "email"),
    ({"email": 42}, "email"),
    ({"email": "not-an-address"}, "email"),
    ({"email": "two@@example.com"}, "email"),
    ({"email": "spa ce@example.com"}, "email"),
    ({"email": "Upper@Example.com"}, "email"),
    ({"email": "ok@example.com", "emailVerified": "yes"}, "emailVerified"),
    ({"email": "ok@example.com", "displayName": 7}, "displayName|tenantId|plan"),
    ({"email": "ok@example.com", "groups": ["Root"]}, "groups"),
    ({"email": "ok@example.com", "groups": "User"}, "groups"),
])
def test_invalid_input_is_400_without_allocating(sfn: Any, arn: str, aws: AwsFixture,
                                                 body: dict[str, Any], field: str) -> None:
    status, response_body, _ = signup(sfn, arn, body)
    assert status == 400
    assert response_body["error"] == "InvalidRequest" and response_body["field"] == field
    assert aws.item("COUNTER#userId", "COUNTER") is None
    assert aws.calls[("dynamodb", "update_item")] == 0


# ---- failure injection through tests/mocks/signup.json (Step Functions Local MockConfigFile) ----

@pytest.mark.parametrize("case, status, reason, error", [
    ("UsernameExists", 409, "CognitoConflict", "CognitoIdentityProvider.UsernameExistsException"),
    ("AliasExists", 409, "CognitoConflict", "CognitoIdentityProvider.AliasExistsException"),
    ("InvalidParameter", 400, "CognitoRejected", "CognitoIdentityProvider.InvalidParameterException"),
    ("TooManyRequests", 503, "Unavailable", "CognitoIdentityProvider.TooManyRequestsException"),
    ("CognitoTimeout", 503, "Unavailable", "States.Timeout"),
    ("GroupNotFound", 500, "InternalError", "CognitoIdentityProvider.ResourceNotFoundException"),
    ("TransactionTimeout", 503, "Unavailable", "States.Timeout"),
])
def test_failure_after_allocation_is_compensated(mocked: tuple[Any, str], aws: AwsFixture,
                                                 case: str, status: int, reason: str, error: str) -> None:
    sfn, arn = mocked
    got_status, body, response = signup(sfn, f"{arn}#{case}", {"email": "comp@example.com", "groups": ["User"]})
    assert got_status == status, body
    assert_nothing_left_for(aws, 1, "comp@example.com", reason, error)
    assert aws.item("EMAIL#comp@example.com", "EMAIL") is None
    assert aws.cognito_users() == []
    path = entered_states(sfn, response["executionArn"])
    assert path[-6:] == ["RetireUserId", "ShouldReleaseAllocation", "ReleaseAllocation", "RespondToCaller",
                         "FailureBody", "RespondFailure"], path


def test_too_many_requests_is_retried_before_compensating(mocked: tuple[Any, str], aws: AwsFixture) -> None:
    sfn, arn = mocked
    _, _, response = signup(sfn, f"{arn}#TooManyRequests", {"email": "t@example.com"})
    events = history_events(sfn, response["executionArn"])
    scheduled = [e for e in events if e["type"] == "TaskScheduled"
                 and e["taskScheduledEventDetails"]["resource"] == "adminCreateUser"]
    assert len(scheduled) == 4  # the first attempt and MaxAttempts=3 retries, then compensation


def test_throttling_that_clears_succeeds(mocked: tuple[Any, str], aws: AwsFixture) -> None:
    sfn, arn = mocked
    status, body, _ = signup(sfn, f"{arn}#CognitoThrottledThenCreated", {"email": "late@example.com"})
    assert status == 201 and body["userId"] == 1
    assert aws.items("TOMBSTONE#") == []
    assert aws.item("USER#1", "PROFILE") is not None


def test_a_timed_out_create_deletes_the_user_it_may_have_made(mocked: tuple[Any, str], aws: AwsFixture) -> None:
    sfn, arn = mocked
    _, _, response = signup(sfn, f"{arn}#CognitoTimeout", {"email": "maybe@example.com"})
    assert "DeleteCognitoUser" in entered_states(sfn, response["executionArn"])
    _, _, response = signup(sfn, f"{arn}#UsernameExists", {"email": "other@example.com"})
    # UsernameExists: the user is not ours to delete
    assert "DeleteCognitoUser" not in entered_states(sfn, response["executionArn"])


def test_group_failure_deletes_the_created_cognito_user(mocked: tuple[Any, str], aws: AwsFixture) -> None:
    sfn, arn = mocked
    _, _, response = signup(sfn, f"{arn}#GroupNotFound", {"email": "g@example.com"})
    assert aws.calls[("cognito-idp", "admin_create_user")] == 1
    assert aws.calls[("cognito-idp", "admin_delete_user")] == 1
    assert aws.cognito_users() == []


def test_allocation_failure_is_503_with_nothing_to_compensate(mocked: tuple[Any, str], aws: AwsFixture) -> None:
    sfn, arn = mocked
    status, body, response = signup(sfn, f"{arn}#AllocationThrottled", {"email": "a@example.com"})
    assert status == 503 and body["error"] == "ServiceUnavailable"
    assert aws.items("") == []
    events = history_events(sfn, response["executionArn"])
    assert len([e for e in events if e["type"] == "TaskScheduled"]) == 5  # 1 + MaxAttempts 4


def test_fully_mocked_happy_path(mocked: tuple[Any, str], aws: AwsFixture) -> None:
    sfn, arn = mocked
    status, body, _ = signup(sfn, f"{arn}#HappyPathMocked", {"email": "mocked@example.com"})
    assert status == 201 and body["userId"] == 7
    assert aws.items("") == [] and aws.cognito_users() == []
