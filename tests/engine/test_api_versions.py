"""Revisions, versions, aliases with weighted routing, and executions started on them."""
from __future__ import annotations

import collections
import json

import pytest

from .conftest import ROLE, create, output

R1 = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": "r1", "End": True}}}
R2 = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": "r2", "End": True}}}
WAIT = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": True}}}


def error(caught: pytest.ExceptionInfo) -> tuple[str, str]:
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def run_output(sfn, arn: str, **kwargs) -> tuple[str, dict]:
    execution = sfn.start_execution(stateMachineArn=arn, **kwargs)["executionArn"]
    described = sfn.describe_execution(executionArn=execution)
    return output(described), described


# ---- revisions -----------------------------------------------------------------------------------
def test_updates_make_revisions_only_when_something_changes(sfn):
    arn = create(sfn, R1)
    assert "revisionId" not in sfn.describe_state_machine(stateMachineArn=arn)  # none until the first update
    first = sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(R2))
    assert sfn.describe_state_machine(stateMachineArn=arn)["revisionId"] == first["revisionId"]
    same = sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(R2))
    assert same["revisionId"] == first["revisionId"]
    role = sfn.update_state_machine(stateMachineArn=arn, roleArn=ROLE + "-2")
    assert role["revisionId"] != first["revisionId"]


def test_running_executions_keep_their_revision(sfn):
    arn = create(sfn, WAIT)
    running = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(R2), roleArn=ROLE + "-new")
    for_old = sfn.describe_state_machine_for_execution(executionArn=running)
    assert json.loads(for_old["definition"]) == WAIT and for_old["roleArn"] == ROLE and "revisionId" not in for_old
    assert sfn.describe_state_machine(stateMachineArn=arn)["roleArn"] == ROLE + "-new"
    sfn.advance(60)
    assert sfn.describe_execution(executionArn=running)["status"] == "SUCCEEDED"
    new = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    for_new = sfn.describe_state_machine_for_execution(executionArn=new)
    assert json.loads(for_new["definition"]) == R2 and for_new["roleArn"] == ROLE + "-new"
    assert for_new["revisionId"] == sfn.describe_state_machine(stateMachineArn=arn)["revisionId"]
    assert set(for_new) >= {"stateMachineArn", "name", "updateDate", "loggingConfiguration", "tracingConfiguration"}
    assert len(sfn.list_executions(stateMachineArn=arn)["executions"]) == 2


def test_describe_state_machine_for_execution_errors(sfn):
    with pytest.raises(sfn.exceptions.ExecutionDoesNotExist):
        sfn.describe_state_machine_for_execution(executionArn="arn:aws:states:us-east-1:123456789012:execution:m:e")
    with pytest.raises(sfn.exceptions.InvalidArn) as caught:
        sfn.describe_state_machine_for_execution(executionArn="nope")
    assert error(caught)[1] == "Invalid Arn: 'Invalid ARN prefix: nope'"


# ---- versions ------------------------------------------------------------------------------------
def test_publish_on_create_and_update_numbers_versions(sfn):
    created = sfn.create_state_machine(name="m", definition=json.dumps(R1), roleArn=ROLE, publish=True,
                                       versionDescription="first")
    arn = created["stateMachineArn"]
    assert created["stateMachineVersionArn"] == arn + ":1"
    updated = sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(R2), publish=True)
    assert updated["stateMachineVersionArn"] == arn + ":2"
    again = sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(R2), publish=True)
    assert again["stateMachineVersionArn"] == arn + ":2"  # the current revision is published already
    assert [v["stateMachineVersionArn"] for v in sfn.list_state_machine_versions(stateMachineArn=arn)[
        "stateMachineVersions"]] == [arn + ":2", arn + ":1"]
    v1 = sfn.describe_state_machine(stateMachineArn=arn + ":1")
    assert v1["stateMachineArn"] == arn + ":1" and v1["description"] == "first"
    assert json.loads(v1["definition"]) == R1 and "revisionId" not in v1
    v2 = sfn.describe_state_machine(stateMachineArn=arn + ":2")
    assert v2["revisionId"] == updated["revisionId"] and "description" not in v2


def test_publish_is_idempotent_and_checks_the_revision(sfn):
    arn = create(sfn, R1)
    first = sfn.publish_state_machine_version(stateMachineArn=arn)
    assert sfn.publish_state_machine_version(stateMachineArn=arn) == first
    revision = sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(R2))["revisionId"]
    with pytest.raises(sfn.exceptions.ConflictException) as caught:
        sfn.publish_state_machine_version(stateMachineArn=arn, revisionId="not-the-current-one")
    assert revision in error(caught)[1]
    second = sfn.publish_state_machine_version(stateMachineArn=arn, revisionId=revision, description="r2")
    assert second["stateMachineVersionArn"] == arn + ":2"


def test_version_numbers_are_never_reused(sfn):
    arn = sfn.create_state_machine(name="m", definition=json.dumps(R1), roleArn=ROLE, publish=True)["stateMachineArn"]
    sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(R2), publish=True)
    sfn.delete_state_machine_version(stateMachineVersionArn=arn + ":1")
    sfn.delete_state_machine_version(stateMachineVersionArn=arn + ":2")
    sfn.delete_state_machine_version(stateMachineVersionArn=arn + ":2")  # gone already: fine, as on AWS
    sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(R1))
    assert sfn.publish_state_machine_version(stateMachineArn=arn)["stateMachineVersionArn"] == arn + ":3"


def test_version_misuse_errors(sfn):
    with pytest.raises(sfn.exceptions.ValidationException) as caught:
        sfn.create_state_machine(name="m", definition=json.dumps(R1), roleArn=ROLE, versionDescription="x")
    assert error(caught)[1] == "Version description can only be set when publish is true"
    arn = sfn.create_state_machine(name="m", definition=json.dumps(R1), roleArn=ROLE, publish=True)["stateMachineArn"]
    with pytest.raises(sfn.exceptions.StateMachineDoesNotExist) as caught:
        sfn.update_state_machine(stateMachineArn=arn + ":1", definition=json.dumps(R2))
    assert error(caught)[1] == f"State Machine Does Not Exist: '{arn}:1'"
    with pytest.raises(sfn.exceptions.StateMachineDoesNotExist):
        sfn.describe_state_machine(stateMachineArn=arn + ":9")
    with pytest.raises(sfn.exceptions.StateMachineDoesNotExist):
        sfn.publish_state_machine_version(stateMachineArn=arn + "-missing")
    with pytest.raises(sfn.exceptions.InvalidArn) as caught:
        sfn.publish_state_machine_version(stateMachineArn="invalid_arn")
    assert error(caught)[1] == "Invalid Arn: 'Invalid ARN prefix: invalid_arn'"


def test_executions_on_a_version_run_it_and_say_so(sfn):
    arn = sfn.create_state_machine(name="m", definition=json.dumps(R1), roleArn=ROLE, publish=True)["stateMachineArn"]
    sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(R2))
    result, described = run_output(sfn, arn + ":1")
    assert result == "r1"
    assert described["stateMachineArn"] == arn and described["stateMachineVersionArn"] == arn + ":1"
    assert "stateMachineAliasArn" not in described
    latest, plain = run_output(sfn, arn)
    assert latest == "r2" and "stateMachineVersionArn" not in plain
    on_version = sfn.list_executions(stateMachineArn=arn + ":1")["executions"]
    assert [e["executionArn"] for e in on_version] == [described["executionArn"]]
    assert on_version[0]["stateMachineVersionArn"] == arn + ":1"
    assert len(sfn.list_executions(stateMachineArn=arn)["executions"]) == 2
    with pytest.raises(sfn.exceptions.StateMachineDoesNotExist):
        sfn.start_execution(stateMachineArn=arn + ":7")


def test_deleting_the_machine_deletes_versions_and_aliases(sfn):
    arn = sfn.create_state_machine(name="m", definition=json.dumps(R1), roleArn=ROLE, publish=True)["stateMachineArn"]
    sfn.create_state_machine_alias(name="live", routingConfiguration=[
        {"stateMachineVersionArn": arn + ":1", "weight": 100}])
    sfn.delete_state_machine(stateMachineArn=arn)
    create(sfn, R2, name="m")
    assert sfn.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"] == []
    assert sfn.list_state_machine_aliases(stateMachineArn=arn)["stateMachineAliases"] == []


# ---- aliases -------------------------------------------------------------------------------------
@pytest.fixture
def two_versions(sfn) -> str:
    arn = sfn.create_state_machine(name="m", definition=json.dumps(R1), roleArn=ROLE, publish=True)["stateMachineArn"]
    sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(R2), publish=True)
    return arn


def test_alias_lifecycle(sfn, two_versions):
    arn = two_versions
    created = sfn.create_state_machine_alias(name="PROD", description="live", routingConfiguration=[
        {"stateMachineVersionArn": arn + ":1", "weight": 100}])
    assert created["stateMachineAliasArn"] == arn + ":PROD"
    assert sfn.create_state_machine_alias(name="PROD", description="live", routingConfiguration=[
        {"stateMachineVersionArn": arn + ":1", "weight": 100}]) == created  # idempotent
    described = sfn.describe_state_machine_alias(stateMachineAliasArn=arn + ":PROD")
    assert described["name"] == "PROD" and described["description"] == "live"
    assert described["routingConfiguration"] == [{"stateMachineVersionArn": arn + ":1", "weight": 100}]
    sfn.update_state_machine_alias(stateMachineAliasArn=arn + ":PROD", routingConfiguration=[
        {"stateMachineVersionArn": arn + ":1", "weight": 50}, {"stateMachineVersionArn": arn + ":2", "weight": 50}])
    assert len(sfn.describe_state_machine_alias(stateMachineAliasArn=arn + ":PROD")["routingConfiguration"]) == 2
    sfn.create_state_machine_alias(name="beta", routingConfiguration=[
        {"stateMachineVersionArn": arn + ":2", "weight": 100}])
    listed = sfn.list_state_machine_aliases(stateMachineArn=arn)["stateMachineAliases"]
    assert [a["stateMachineAliasArn"] for a in listed] == [arn + ":PROD", arn + ":beta"]
    by_version = sfn.list_state_machine_aliases(stateMachineArn=arn + ":1")["stateMachineAliases"]
    assert [a["stateMachineAliasArn"] for a in by_version] == [arn + ":PROD"]
    sfn.delete_state_machine_alias(stateMachineAliasArn=arn + ":beta")
    sfn.delete_state_machine_alias(stateMachineAliasArn=arn + ":beta")  # gone already: fine
    with pytest.raises(sfn.exceptions.ResourceNotFound) as caught:
        sfn.describe_state_machine_alias(stateMachineAliasArn=arn + ":beta")
    assert error(caught)[1] == "Request references a resource that does not exist."


def test_alias_routing_splits_executions_by_weight(sfn, two_versions):
    arn = two_versions
    sfn.create_state_machine_alias(name="canary", routingConfiguration=[
        {"stateMachineVersionArn": arn + ":1", "weight": 80}, {"stateMachineVersionArn": arn + ":2", "weight": 20}])
    counts = collections.Counter()
    for _ in range(400):
        result, described = run_output(sfn, arn + ":canary")
        counts[result] += 1
        assert described["stateMachineAliasArn"] == arn + ":canary"
        assert described["stateMachineVersionArn"] == arn + (":1" if result == "r1" else ":2")
    assert 260 <= counts["r1"] <= 380 and counts["r1"] + counts["r2"] == 400  # 80/20, seeded RNG
    through_alias = sfn.list_executions(stateMachineArn=arn + ":canary", maxResults=1000)["executions"]
    assert len(through_alias) == 400 and all(e["stateMachineAliasArn"] == arn + ":canary" for e in through_alias)


@pytest.mark.parametrize("routing, message", [
    ([{"v": 1, "weight": 70}, {"v": 2, "weight": 29}],
     "Sum of routing configuration weights must equal 100. Received: [70, 29]"),
    ([{"v": 1, "weight": 70}, {"v": 2, "weight": 31}],
     "Sum of routing configuration weights must equal 100. Received: [70, 31]"),
    ([{"v": 1, "weight": 50}, {"v": 1, "weight": 50}],
     "Routing configuration must contain distinct state machine version ARNs. Received: [{1}, {1}]"),
    ([{"v": None, "weight": 100}], "Routing configuration must contain state machine version ARNs. Received: [{None}]"),
    ([{"v": 1, "weight": 101}], "1 validation error detected: Value '101' at 'routingConfiguration.1.member.weight' "
                                "failed to satisfy constraint: Member must have value less than or equal to 100"),
])
def test_alias_routing_misuse_is_a_validation_error(sfn, two_versions, routing, message):
    arn = two_versions

    def version(v):
        return arn if v is None else f"{arn}:{v}"

    config = [{"stateMachineVersionArn": version(r["v"]), "weight": r["weight"]} for r in routing]
    with pytest.raises(sfn.exceptions.ValidationException) as caught:
        sfn.create_state_machine_alias(name="bad", routingConfiguration=config)
    expected = message.replace("{1}", f"{arn}:1").replace("{None}", arn)
    assert error(caught) == ("ValidationException", expected)


def test_alias_conflicts_and_version_protection(sfn, two_versions):
    arn = two_versions
    sfn.create_state_machine_alias(name="live", routingConfiguration=[
        {"stateMachineVersionArn": arn + ":1", "weight": 100}])
    with pytest.raises(sfn.exceptions.ConflictException) as caught:
        sfn.create_state_machine_alias(name="live", routingConfiguration=[
            {"stateMachineVersionArn": arn + ":2", "weight": 100}])
    assert error(caught)[1] == ("Failed to create alias because an alias with the same name and a different "
                                "routing configuration already exists.")
    with pytest.raises(sfn.exceptions.ConflictException) as caught:
        sfn.delete_state_machine_version(stateMachineVersionArn=arn + ":1")
    assert error(caught)[1] == ("Version to be deleted must not be referenced by an alias. Current list of "
                                "aliases referencing this version: [live]")
    with pytest.raises(sfn.exceptions.ResourceNotFound):
        sfn.create_state_machine_alias(name="ghost", routingConfiguration=[
            {"stateMachineVersionArn": arn + ":9", "weight": 100}])
    with pytest.raises(sfn.exceptions.ResourceNotFound):
        sfn.update_state_machine_alias(stateMachineAliasArn=arn + ":nope", description="x")
    with pytest.raises(sfn.exceptions.ValidationException):
        sfn.create_state_machine_alias(name="123", routingConfiguration=[
            {"stateMachineVersionArn": arn + ":1", "weight": 100}])
