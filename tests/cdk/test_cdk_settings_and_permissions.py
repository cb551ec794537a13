"""Pure-Python parts of cdk/: context settings and IAM needs read from ASL (no synth)."""
from __future__ import annotations

import pytest

from cdk.asl_permissions import DYNAMIC_CHILD, SYNC_RULE, Need, UnsupportedIntegration, needs_of, needs_of_definition
from cdk.stacks.settings import Settings


def task(resource: str, parameters: dict) -> dict:
    return {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": resource, "Parameters": parameters, "End": True}}}


def test_transact_write_items_needs_one_action_per_item_kind() -> None:
    definition = task("arn:aws:states:::aws-sdk:dynamodb:transactWriteItems", {"TransactItems": [
        {"Put": {"TableName": "${UsersTable}"}}, {"Delete": {"TableName": "${UsersTable}"}},
        {"ConditionCheck": {"TableName": "${UsersTable}"}}]})
    assert needs_of_definition(definition) == {Need("dynamodb:PutItem", "UsersTable"), Need("dynamodb:DeleteItem", "UsersTable"),
                                               Need("dynamodb:ConditionCheckItem", "UsersTable")}


def test_callback_and_sync_patterns_map_to_their_base_actions() -> None:
    put = task("arn:aws:states:::aws-sdk:dynamodb:putItem.waitForTaskToken", {"TableName": "${UsersTable}"})
    assert needs_of_definition(put) == {Need("dynamodb:PutItem", "UsersTable")}
    sync = task("arn:aws:states:::states:startExecution.sync:2", {"StateMachineArn.$": "$.arn"})
    needs = needs_of_definition(sync)
    assert Need("states:StartExecution", DYNAMIC_CHILD) in needs and Need("events:PutRule", SYNC_RULE) in needs


def test_nested_map_and_parallel_states_are_read() -> None:
    inner = task("arn:aws:states:::dynamodb:getItem", {"TableName": "${UsersTable}"})
    definition = {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemProcessor": inner, "Next": "P"},
                                             "P": {"Type": "Parallel", "Branches": [
                                                 task("arn:aws:states:::aws-sdk:cognitoidentityprovider:adminGetUser",
                                                      {"UserPoolId": "${UserPoolId}"})], "End": True}}}
    assert needs_of_definition(definition) == {Need("dynamodb:GetItem", "UsersTable"),
                                               Need("cognito-idp:AdminGetUser", "UserPoolId")}


@pytest.mark.parametrize(("definition", "message"), [
    (task("arn:aws:states:::sqs:sendMessage", {}), "no IAM mapping"),
    (task("arn:aws:lambda:us-east-1:1:function:f", {}), "not a known integration"),
    (task("arn:aws:states:::dynamodb:getItem", {"TableName": "literal-table"}), "Parameters.TableName"),
    (task("arn:aws:states:::dynamodb:query", {"TableName": "${UsersTable}"}), "not an optimized integration"),
])
def test_unknown_integrations_are_refused_naming_the_state(definition, message) -> None:
    with pytest.raises(UnsupportedIntegration, match=message) as error:
        needs_of_definition(definition)
    assert "state 'T'" in str(error.value)


def test_every_asl_machine_is_understood() -> None:
    from workflows import definitions

    for name in definitions.MACHINES:
        assert needs_of(name), name


def test_settings_reject_bad_context_values_by_name() -> None:
    for kwargs, key in [({"token_use": "both"}, "tokenUse"), ({"missing_profile_policy": "maybe"}, "missingProfilePolicy"),
                        ({"profile_read_timeout_ms": 5000}, "profileReadTimeoutMs"), ({"prefix": "a b"}, "prefix"),
                        ({"log_retention_days": 31}, "logRetentionDays")]:
        with pytest.raises(ValueError, match=key):
            Settings(**kwargs)


def test_log_retention_is_the_cloudwatch_period_of_the_context_days() -> None:
    from aws_cdk import aws_logs as logs

    assert Settings().log_retention == logs.RetentionDays.ONE_MONTH
    assert Settings(log_retention_days=365).log_retention == logs.RetentionDays.ONE_YEAR
