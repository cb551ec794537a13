"""signup's group grants and input limits (issue 10, items 1-2), on the engine with moto.

The request template puts the caller's groups (from the authorizer) in `caller.groups`; the workflow
grants the new user only what those groups may grant (api/routes.json groupGrants, rendered into the
definition), and refuses everything else before an id is allocated: nothing is written.
tests/local/test_security_grants.py runs the same through the API of the local stack.
"""
from __future__ import annotations

import json
from typing import Any

import pytest

from workflows import definitions, group_grants

from .conftest import AwsFixture, deploy

MACHINE = "signup"


def signup(sfn: Any, arn: str, body: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, Any]]:
    response = sfn.start_sync_execution(stateMachineArn=arn, input=json.dumps(body))
    assert response["status"] == "SUCCEEDED", response
    output = json.loads(response["output"])
    return output["statusCode"], json.loads(output["body"]), response


def as_caller(*groups: str, **body: Any) -> dict[str, Any]:
    return {**body, "caller": {"groups": list(groups)}}


def assert_nothing_written(aws: AwsFixture) -> None:
    assert aws.items("") == []  # no COUNTER#, no EMAIL#, no USER#, no TOMBSTONE#
    assert aws.calls[("dynamodb", "update_item")] == 0
    assert aws.cognito_users() == []


@pytest.mark.parametrize("caller, groups", [
    (["Admin"], ["Admin", "Registrar", "User"]),
    (["Registrar"], ["User"]),
    (["User", "Registrar"], ["User"]),
    (["Registrar"], []),
])
def test_granted_groups_are_given(sfn: Any, arn: str, aws: AwsFixture, caller: list[str], groups: list[str]) -> None:
    status, body, _ = signup(sfn, arn, as_caller(*caller, email="ok@example.com", groups=groups))
    assert status == 201 and body["groups"] == groups
    assert aws.groups_of(str(body["userId"])) == set(groups)


def test_default_group_is_checked_too(sfn: Any, arn: str, aws: AwsFixture) -> None:
    status, body, _ = signup(sfn, arn, as_caller("User", email="d@example.com"))
    assert (status, body["group"]) == (403, "User") and aws.items("") == []
    assert signup(sfn, arn, as_caller("Registrar", email="d@example.com"))[1]["groups"] == ["User"]


def test_without_a_caller_the_operator_may_grant_every_known_group(sfn: Any, arn: str, aws: AwsFixture) -> None:
    """A direct StartSyncExecution (IAM-guarded, e.g. bootstrapping the first Admin) has no caller;
    the API's request template always sets one, so this path is never reachable from POST /users."""
    status, body, _ = signup(sfn, arn, {"email": "op@example.com", "groups": ["Admin"]})
    assert status == 201 and aws.groups_of(str(body["userId"])) == {"Admin"}


def test_groups_are_deduplicated_in_order(sfn: Any, arn: str, aws: AwsFixture) -> None:
    status, body, _ = signup(sfn, arn, as_caller("Admin", email="dd@example.com",
                                                 groups=["Registrar", "User", "Registrar", "User"]))
    assert status == 201 and body["groups"] == ["Registrar", "User"]
    assert aws.item(f"USER#{body['userId']}", "PROFILE")["groups"] == {"L": [{"S": "Registrar"}, {"S": "User"}]}


def test_limits_at_their_edges_pass(sfn: Any, arn: str, aws: AwsFixture) -> None:
    email = "e" * 242 + "@example.com"
    status, body, _ = signup(sfn, arn, as_caller("Admin", email=email, displayName="ü" * 256,
                                                 tenantId="Ab_-9" * 25 + "xyz", groups=["User"] * 10))
    assert status == 201 and body["email"] == email


def test_the_grant_table_is_data_rendered_from_routes_json(make_sfn: Any, aws: AwsFixture) -> None:
    table = group_grants.load()
    assert table.grants == {"Admin": ("Admin", "Registrar", "User"), "Registrar": ("User",)}
    assert table.known == ("Admin", "Registrar", "User")
    rendered = json.loads(definitions.render(MACHINE, aws.params()))
    assert rendered["States"]["ApplyDefaults"]["Parameters"]["grantTable"] == table.placeholder_value()
    # another table, another answer: nothing about who grants what is written in the workflow itself
    generous = group_grants.parse({"knownGroups": ["Admin", "Registrar", "User"],
                                   "groupGrants": {"Registrar": ["Admin", "User"]}})
    sfn = make_sfn()
    arn = deploy(sfn, aws, MACHINE, GroupGrants=generous.placeholder_value())
    assert signup(sfn, arn, as_caller("Registrar", email="r@example.com", groups=["Admin"]))[0] == 201
    assert signup(sfn, arn, as_caller("Admin", email="a@example.com", groups=["User"]))[0] == 403


@pytest.mark.parametrize("document, words", [
    ({"groupGrants": {}}, "knownGroups must be"),
    ({"knownGroups": ["A", "A"], "groupGrants": {}}, "distinct"),
    ({"knownGroups": ["A"], "groupGrants": []}, "groupGrants must be an object"),
    ({"knownGroups": ["A"], "groupGrants": {"B": ["A"]}}, "groupGrants.B"),
    ({"knownGroups": ["A"], "groupGrants": {"A": ["B"]}}, "names ['B']"),
    ({"knownGroups": ["A"], "groupGrants": {"A": "A"}}, "must be a list"),
])
def test_a_malformed_grant_table_is_refused_by_name(document: dict[str, Any], words: str) -> None:
    with pytest.raises(group_grants.GroupGrantsError, match=words.replace("[", r"\[").replace("]", r"\]")):
        group_grants.parse(document)

