"""Tags, activities, logging/tracing/encryption settings and ValidateStateMachineDefinition on the
engine's client, with AWS's answers and errors (wording from AWS recordings where one exists)."""
from __future__ import annotations

import json

import pytest

from .conftest import ROLE, create

PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
LOG_GROUP = "arn:aws:logs:us-east-1:123456789012:log-group:sfn-logs:*"
DESTINATION = [{"cloudWatchLogsLogGroup": {"logGroupArn": LOG_GROUP}}]


def error(caught: pytest.ExceptionInfo) -> tuple[str, str]:
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


# ---- tags ----------------------------------------------------------------------------------------
def test_tags_on_create_tag_untag_and_list_keep_order_and_replace_values(sfn):
    arn = sfn.create_state_machine(name="tagged", definition=json.dumps(PASS), roleArn=ROLE,
                                   tags=[{"key": "team", "value": "id"}, {"key": "env", "value": "dev"}])["stateMachineArn"]
    sfn.tag_resource(resourceArn=arn, tags=[{"key": "env", "value": "prod"}, {"key": "cost", "value": ""}])
    assert sfn.list_tags_for_resource(resourceArn=arn)["tags"] == [
        {"key": "team", "value": "id"}, {"key": "env", "value": "prod"}, {"key": "cost", "value": ""}]
    sfn.untag_resource(resourceArn=arn, tagKeys=["team", "not-there"])
    assert [t["key"] for t in sfn.list_tags_for_resource(resourceArn=arn)["tags"]] == ["env", "cost"]


def test_tags_belong_to_machines_and_activities_only(sfn):
    arn = sfn.create_state_machine(name="m", definition=json.dumps(PASS), roleArn=ROLE, publish=True)
    with pytest.raises(sfn.exceptions.ResourceNotFound) as caught:
        sfn.tag_resource(resourceArn=arn["stateMachineVersionArn"], tags=[{"key": "k", "value": "v"}])
    assert error(caught) == ("ResourceNotFound", f"Resource not found: '{arn['stateMachineVersionArn']}'")
    activity = sfn.create_activity(name="worker", tags=[{"key": "k", "value": "v"}])["activityArn"]
    assert sfn.list_tags_for_resource(resourceArn=activity)["tags"] == [{"key": "k", "value": "v"}]
    with pytest.raises(sfn.exceptions.InvalidArn) as caught:
        sfn.list_tags_for_resource(resourceArn="not-an-arn")
    assert error(caught) == ("InvalidArn", "Invalid Arn: 'Invalid ARN prefix: not-an-arn'")
    sfn.delete_activity(activityArn=activity)
    with pytest.raises(sfn.exceptions.ResourceNotFound):
        sfn.list_tags_for_resource(resourceArn=activity)


def test_more_than_fifty_tags_is_too_many_and_changes_nothing(sfn):
    arn = create(sfn, PASS, name="many")
    sfn.tag_resource(resourceArn=arn, tags=[{"key": f"k{i}", "value": "v"} for i in range(50)])
    with pytest.raises(sfn.exceptions.TooManyTags):
        sfn.tag_resource(resourceArn=arn, tags=[{"key": "one-more", "value": "v"}])
    assert len(sfn.list_tags_for_resource(resourceArn=arn)["tags"]) == 50
    sfn.tag_resource(resourceArn=arn, tags=[{"key": "k0", "value": "replaced"}])  # replacing is fine


def test_deleting_a_machine_drops_its_tags(sfn):
    arn = sfn.create_state_machine(name="gone", definition=json.dumps(PASS), roleArn=ROLE,
                                   tags=[{"key": "k", "value": "v"}])["stateMachineArn"]
    sfn.delete_state_machine(stateMachineArn=arn)
    create(sfn, PASS, name="gone")
    assert sfn.list_tags_for_resource(resourceArn=arn)["tags"] == []


# ---- activities ----------------------------------------------------------------------------------
def test_activities_describe_list_and_idempotent_create(sfn):
    first = sfn.create_activity(name="a1")
    assert sfn.create_activity(name="a1") == first
    sfn.create_activity(name="a2")
    described = sfn.describe_activity(activityArn=first["activityArn"])
    assert described == {"activityArn": first["activityArn"], "name": "a1",
                         "creationDate": first["creationDate"], "encryptionConfiguration": {"type": "AWS_OWNED_KEY"}}
    assert [a["name"] for a in sfn.list_activities()["activities"]] == ["a1", "a2"]
    page = sfn.list_activities(maxResults=1)
    assert [a["name"] for a in page["activities"]] == ["a1"]
    assert [a["name"] for a in sfn.list_activities(nextToken=page["nextToken"])["activities"]] == ["a2"]


def test_activity_errors_are_aws_s(sfn):
    arn = sfn.create_activity(name="a")["activityArn"]
    sfn.delete_activity(activityArn=arn)
    sfn.delete_activity(activityArn=arn)  # deleting twice succeeds, as on AWS
    with pytest.raises(sfn.exceptions.ActivityDoesNotExist) as caught:
        sfn.describe_activity(activityArn=arn)
    assert error(caught) == ("ActivityDoesNotExist", f"Activity Does Not Exist: '{arn}'")
    with pytest.raises(sfn.exceptions.InvalidArn) as caught:
        sfn.describe_activity(activityArn="no_an_activity_arn")
    assert error(caught)[1] == "Invalid Arn: 'Invalid ARN prefix: no_an_activity_arn'"
    with pytest.raises(sfn.exceptions.InvalidName) as caught:
        sfn.create_activity(name="activity name")
    assert error(caught)[1] == "Invalid Name: 'activity name'"
    sfn.create_activity(name="keyed")
    with pytest.raises(sfn.exceptions.ActivityAlreadyExists):
        sfn.create_activity(name="keyed", encryptionConfiguration={"type": "CUSTOMER_MANAGED_KMS_KEY",
                                                                   "kmsKeyId": "alias/mine"})


# ---- logging / tracing / encryption ---------------------------------------------------------------
def test_logging_and_tracing_are_stored_and_returned(sfn):
    arn = sfn.create_state_machine(
        name="logged", definition=json.dumps(PASS), roleArn=ROLE,
        loggingConfiguration={"level": "ERROR", "includeExecutionData": True, "destinations": DESTINATION},
        tracingConfiguration={"enabled": True})["stateMachineArn"]
    described = sfn.describe_state_machine(stateMachineArn=arn)
    assert described["loggingConfiguration"] == {"level": "ERROR", "includeExecutionData": True,
                                                 "destinations": DESTINATION}
    assert described["tracingConfiguration"] == {"enabled": True}
    plain = sfn.describe_state_machine(stateMachineArn=create(sfn, PASS, name="plain"))
    assert plain["loggingConfiguration"] == {"level": "OFF", "includeExecutionData": False}
    assert plain["tracingConfiguration"] == {"enabled": False}
    sfn.update_state_machine(stateMachineArn=arn, loggingConfiguration={"level": "OFF"},
                             tracingConfiguration={"enabled": False})
    described = sfn.describe_state_machine(stateMachineArn=arn)
    assert described["loggingConfiguration"] == {"level": "OFF", "includeExecutionData": False}
    assert described["tracingConfiguration"] == {"enabled": False}


@pytest.mark.parametrize("config", [{"level": "ALL"}, {"level": "ERROR", "destinations": []},
                                    {"level": "OFF", "destinations": DESTINATION * 2}])
def test_logging_needs_exactly_one_destination(sfn, config):
    with pytest.raises(sfn.exceptions.InvalidLoggingConfiguration) as caught:
        sfn.create_state_machine(name="x", definition=json.dumps(PASS), roleArn=ROLE, loggingConfiguration=config)
    assert error(caught)[1] == "Invalid Logging Configuration: Must specify exactly one Log Destination."


def test_encryption_configuration_is_checked_and_described(sfn):
    with pytest.raises(sfn.exceptions.InvalidEncryptionConfiguration):
        sfn.create_state_machine(name="k", definition=json.dumps(PASS), roleArn=ROLE,
                                 encryptionConfiguration={"type": "CUSTOMER_MANAGED_KMS_KEY"})
    key = {"type": "CUSTOMER_MANAGED_KMS_KEY", "kmsKeyId": "alias/sfn", "kmsDataKeyReusePeriodSeconds": 300}
    arn = sfn.create_state_machine(name="k", definition=json.dumps(PASS), roleArn=ROLE,
                                   encryptionConfiguration=key)["stateMachineArn"]
    assert sfn.describe_state_machine(stateMachineArn=arn)["encryptionConfiguration"] == key


def test_update_needs_something_to_change(sfn):
    arn = create(sfn, PASS)
    with pytest.raises(sfn.exceptions.MissingRequiredParameter) as caught:
        sfn.update_state_machine(stateMachineArn=arn)
    assert error(caught)[1] == ("Either the definition, the role ARN, the LoggingConfiguration, "
                                "or the TracingConfiguration must be specified")


# ---- ValidateStateMachineDefinition --------------------------------------------------------------
def test_validate_reports_ok_and_the_checkers_diagnostics(sfn):
    assert sfn.validate_state_machine_definition(definition=json.dumps(PASS)) == {
        "result": "OK", "diagnostics": [], "truncated": False}
    report = sfn.validate_state_machine_definition(definition=json.dumps({"States": PASS["States"]}))
    assert report["result"] == "FAIL" and report["truncated"] is False
    assert report["diagnostics"] == [{"severity": "ERROR", "code": "SCHEMA_VALIDATION_FAILED",
                                      "message": "These fields are required: [StartAt]", "location": "/"}]
    broken = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "C": {"Type": "Pass", "Next": "D"}}}
    everything = sfn.validate_state_machine_definition(definition=json.dumps(broken))
    assert len(everything["diagnostics"]) >= 2
    capped = sfn.validate_state_machine_definition(definition=json.dumps(broken), maxResults=1)
    assert len(capped["diagnostics"]) == 1 and capped["truncated"] is True and capped["result"] == "FAIL"


def test_validate_does_not_create_anything(sfn):
    sfn.validate_state_machine_definition(definition=json.dumps(PASS))
    assert sfn.list_state_machines()["stateMachines"] == []
