"""Issue 10, items 1-2, end to end: POST /users through the real authorizer, VTL templates, signup
workflow, moto's DynamoDB and Cognito of the local stack.

A Registrar must not create Admins (or Registrars) whatever the body says - groups once, groups twice
in either order (JSON's last key wins), a forged `caller` - and a refused request allocates nothing.
Input limits are refused by name before an id is allocated; the email is trimmed and lower-cased
before the reservation, so "A@x.example\\t" is the same account as "a@x.example".
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from workflows.local.stack import LocalStack

PASSWORD = "Grant-Tests-Pass-1!"


@pytest.fixture(scope="module")
def stack():
    with LocalStack(clock="virtual") as running:
        yield running


def member(stack: LocalStack, username: str, *groups: str) -> str:
    """A Cognito user in `groups`, signed in: its access token."""
    idp = stack.client("cognito-idp")
    idp.admin_create_user(UserPoolId=stack.user_pool_id, Username=username, MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=stack.user_pool_id, Username=username, Password=PASSWORD,
                                Permanent=True)
    for group in groups:
        idp.admin_add_user_to_group(UserPoolId=stack.user_pool_id, Username=username, GroupName=group)
    return idp.initiate_auth(ClientId=stack.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={
        "USERNAME": username, "PASSWORD": PASSWORD})["AuthenticationResult"]["AccessToken"]


@pytest.fixture(scope="module")
def tokens(stack: LocalStack) -> dict[str, str]:
    return {"Registrar": member(stack, "registrar-1", "Registrar"), "Admin": member(stack, "admin-1", "Admin"),
            "User": member(stack, "user-1", "User"), "Both": member(stack, "both-1", "Registrar", "User")}


def post_users(stack: LocalStack, token: str, raw_body: str) -> tuple[int, Any]:
    request = urllib.request.Request(stack.api_url + "/users", data=raw_body.encode(), method="POST",
                                     headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, text = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode()
    return status, json.loads(text)


def table_items(stack: LocalStack) -> list[dict[str, Any]]:
    return stack.client("dynamodb").scan(TableName=stack.users_table, ConsistentRead=True)["Items"]


def cognito_usernames(stack: LocalStack) -> set[str]:
    users = stack.client("cognito-idp").list_users(UserPoolId=stack.user_pool_id)["Users"]
    return {u["Username"] for u in users}


def groups_of(stack: LocalStack, username: str) -> set[str]:
    listed = stack.client("cognito-idp").admin_list_groups_for_user(UserPoolId=stack.user_pool_id, Username=username)
    return {g["GroupName"] for g in listed["Groups"]}


def assert_refused_without_writing(stack: LocalStack, token: str, raw_body: str, status: int,
                                   **expected: Any) -> dict[str, Any]:
    items, users = table_items(stack), cognito_usernames(stack)
    got_status, body = post_users(stack, token, raw_body)
    assert got_status == status, body
    for key, value in expected.items():
        assert body[key] == value, body
    assert table_items(stack) == items  # no id allocated (the counter is unchanged), nothing written
    assert cognito_usernames(stack) == users
    return body


@pytest.mark.parametrize("raw_body", [
    '{"email": "esc1@example.com", "groups": ["Admin"]}',
    '{"email": "esc2@example.com", "groups": ["User", "Admin"]}',
    '{"email": "esc3@example.com", "groups": ["User"], "groups": ["Admin"]}',  # the last key wins
    '{"email": "esc4@example.com", "groups": ["Admin"], "caller": {"groups": ["Admin"]}}',  # forged caller
    '{"email": "esc5@example.com", "caller": {"groups": ["Admin"]}, "groups": ["Admin"], "caller": {"groups": ["Admin"]}}',
])
def test_a_registrar_cannot_create_an_admin(stack: LocalStack, tokens: dict[str, str], raw_body: str) -> None:
    body = assert_refused_without_writing(stack, tokens["Registrar"], raw_body, 403,
                                          error="Forbidden", field="groups", group="Admin")
    assert "Admin" in body["message"]


def test_a_registrar_cannot_create_a_registrar(stack: LocalStack, tokens: dict[str, str]) -> None:
    assert_refused_without_writing(stack, tokens["Both"], '{"email": "esc6@example.com", "groups": ["Registrar"]}',
                                   403, group="Registrar")


def test_the_final_groups_key_is_the_one_granted(stack: LocalStack, tokens: dict[str, str]) -> None:
    status, body = post_users(stack, tokens["Registrar"],
                              '{"email": "last-key@example.com", "groups": ["Admin"], "groups": ["User"]}')
    assert status == 201 and body["groups"] == ["User"], body
    assert groups_of(stack, str(body["userId"])) == {"User"}


def test_a_registrar_creates_users_and_an_admin_creates_admins(stack: LocalStack, tokens: dict[str, str]) -> None:
    status, body = post_users(stack, tokens["Registrar"], '{"email": "plain@example.com"}')
    assert status == 201 and body["groups"] == ["User"]
    status, body = post_users(stack, tokens["Admin"],
                              '{"email": "new-admin@example.com", "groups": ["Admin", "Registrar", "Admin"]}')
    assert status == 201 and body["groups"] == ["Admin", "Registrar"], body  # de-duplicated
    assert groups_of(stack, str(body["userId"])) == {"Admin", "Registrar"}


def test_a_user_cannot_call_post_users_at_all(stack: LocalStack, tokens: dict[str, str]) -> None:
    assert_refused_without_writing(stack, tokens["User"], '{"email": "u@example.com", "groups": ["User"]}', 403)


@pytest.mark.parametrize("raw_body, field", [
    (json.dumps({"email": "eleven@example.com", "groups": ["User"] * 11}), "groups"),
    (json.dumps({"email": "unknown@example.com", "groups": ["Root"]}), "groups"),
    (json.dumps({"email": "obj@example.com", "groups": {"0": "User"}}), "groups"),
    (json.dumps({"email": "x" * 243 + "@example.com"}), "email"),  # 255 characters
    (json.dumps({"email": 'quo"te@example.com'}), "email"),
    (json.dumps({"email": "back\\slash@example.com"}), "email"),
    (json.dumps({"email": "tab\tinside@example.com"}), "email"),
    (json.dumps({"email": "ok1@example.com", "displayName": "d" * 257}), "displayName"),
    (json.dumps({"email": "ok2@example.com", "tenantId": "t" * 129}), "tenantId"),
    (json.dumps({"email": "ok3@example.com", "tenantId": "acme corp"}), "tenantId"),
])
def test_input_limits_are_400_naming_the_field_before_allocating(stack: LocalStack, tokens: dict[str, str],
                                                                 raw_body: str, field: str) -> None:
    assert_refused_without_writing(stack, tokens["Admin"], raw_body, 400, error="InvalidRequest", field=field)


def test_limits_at_their_edges_are_accepted(stack: LocalStack, tokens: dict[str, str]) -> None:
    email = "e" * 242 + "@example.com"  # 254 characters
    status, body = post_users(stack, tokens["Admin"], json.dumps({
        "email": email, "displayName": "d" * 256, "tenantId": "T_-9" * 32, "groups": ["User"] * 10}))
    assert status == 201 and body["email"] == email and body["groups"] == ["User"], body


def test_a_trailing_tab_or_upper_case_cannot_register_a_second_account(stack: LocalStack,
                                                                        tokens: dict[str, str]) -> None:
    status, first = post_users(stack, tokens["Registrar"], '{"email": "same@example.com"}')
    assert status == 201
    for variant in ("same@example.com\t", " Same@Example.COM", "SAME@example.com\n"):
        status, body = post_users(stack, tokens["Registrar"], json.dumps({"email": variant}))
        assert status == 409 and body["error"] == "EmailAlreadyRegistered", (variant, body)
    reservation = stack.client("dynamodb").get_item(TableName=stack.users_table, ConsistentRead=True, Key={
        "pk": {"S": "EMAIL#same@example.com"}, "sk": {"S": "EMAIL"}})["Item"]
    assert reservation["userId"] == {"N": str(first["userId"])}
