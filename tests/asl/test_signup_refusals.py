"""signup refuses, before anything is allocated, what the caller may not grant and what breaks the
input limits (issue 10, items 1-2). Every test here shares one engine and one moto and asserts they
are still empty afterwards: a refused request writes nothing, whatever ran before it.
"""
from __future__ import annotations

from typing import Any

import pytest

from .conftest import ACCOUNT, REGION, deploy, entered_states, moto_aws
from .test_signup_grants import as_caller, assert_nothing_written, signup

MACHINE = "signup"


@pytest.fixture(scope="module")
def refusing() -> Any:
    """(engine, signup ARN, moto) shared by the tests whose requests must all be refused: each of
    them asserts the table and the pool are still empty, so sharing them proves more, not less."""
    from workflows.engine import StepFunctions

    with moto_aws() as aws:
        sfn = StepFunctions(region_name=REGION, account_id=ACCOUNT, clock="virtual", client_factory=aws.client_factory)
        yield sfn, deploy(sfn, aws, MACHINE), aws


@pytest.mark.parametrize("caller, groups, denied", [
    (["Registrar"], ["Admin"], "Admin"),
    (["Registrar"], ["User", "Registrar"], "Registrar"),
    (["Registrar", "User"], ["User", "Admin"], "Admin"),
    (["User"], ["User"], "User"),  # User grants nothing
    ([], ["User"], "User"),
])
def test_groups_beyond_the_callers_grants_are_403_naming_the_group(refusing: Any, caller: list[str],
                                                                  groups: list[str], denied: str) -> None:
    sfn, arn, aws = refusing
    status, body, response = signup(sfn, arn, as_caller(*caller, email="g@example.com", groups=groups))
    assert status == 403, body
    assert body["error"] == "Forbidden" and body["field"] == "groups" and body["group"] == denied
    assert denied in body["message"]
    assert_nothing_written(aws)
    assert "AllocateUserId" not in entered_states(sfn, response["executionArn"])


@pytest.mark.parametrize("caller", [{}, {"groups": None}, {"groups": "Admin"}, {"groups": {"Admin": True}}, None])
def test_a_caller_without_a_list_of_groups_may_grant_nothing(refusing: Any, caller: Any) -> None:
    sfn, arn, aws = refusing
    status, body, _ = signup(sfn, arn, {"email": "c@example.com", "groups": ["User"], "caller": caller})
    assert status == 403 and body["error"] == "Forbidden", body
    assert_nothing_written(aws)


@pytest.mark.parametrize("body, field, words", [
    ({"email": "n@example.com", "groups": ["User"] * 11}, "groups", "more than 10"),
    ({"email": "n@example.com", "groups": ["User", "Root"]}, "groups", '"Root" is not a known group'),
    ({"email": "n@example.com", "groups": [7]}, "groups", "7 is not a known group"),
    ({"email": "n@example.com", "groups": {"Admin": 1}}, "groups", "list"),
    ({"email": "e" * 243 + "@example.com"}, "email", "254"),
    ({"email": "a\"b@example.com"}, "email", "quotes"),
    ({"email": "o'b@example.com"}, "email", "quotes"),
    ({"email": "a\\b@example.com"}, "email", "backslashes"),
    ({"email": "a@example.com\t"}, "email", "control characters"),
    ({"email": "a\u0000@example.com"}, "email", "control characters"),
    ({"email": "a\u0085@example.com"}, "email", "control characters"),
    ({"email": "a\u200b@example.com"}, "email", "control characters"),
    ({"email": "a@example.com", "displayName": "x" * 257}, "displayName", "256"),
    ({"email": "a@example.com", "tenantId": "x" * 129}, "tenantId", "128"),
    ({"email": "a@example.com", "tenantId": ""}, "tenantId", "128"),
    ({"email": "a@example.com", "tenantId": "a/b"}, "tenantId", "A-Z"),
    ({"email": "a@example.com", "tenantId": "ü"}, "tenantId", "A-Z"),
])
def test_limits_are_400_naming_the_field_before_anything_is_allocated(refusing: Any, body: dict[str, Any],
                                                                      field: str, words: str) -> None:
    sfn, arn, aws = refusing
    status, response_body, _ = signup(sfn, arn, as_caller("Admin", **body))
    assert status == 400, response_body
    assert response_body["error"] == "InvalidRequest" and response_body["field"] == field
    assert words in response_body["message"]
    assert_nothing_written(aws)
