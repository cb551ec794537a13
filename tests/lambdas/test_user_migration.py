"""User-migration trigger against the documented events, the pbkdf2 legacy store and the migration callback."""

from __future__ import annotations

import copy
import json
from typing import Any, Iterator

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from lambdas.user_migration import handler as module
from lambdas.user_migration.legacy_store import (
    DynamoDBLegacyStore,
    LegacyUser,
    hash_password,
    put_legacy_user,
    verify_password,
)

TOKEN = "AAAAKgAAAAIAAAAAAAAAAQ-task-token"
# Shape printed in the Cognito developer guide ("Migrate user Lambda trigger").
AUTH_EVENT: dict[str, Any] = {
    "version": "1",
    "triggerSource": "UserMigration_Authentication",
    "region": "us-east-1",
    "userPoolId": "us-east-1_EXAMPLE",
    "userName": "Ada@Example.com",
    "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "1example23456789"},
    "request": {"password": "legacy-Secret-1", "validationData": None, "clientMetadata": None},
    "response": {"userAttributes": None, "forceAliasCreation": None, "enableSMSMFA": None,
                 "finalUserStatus": None, "messageAction": None, "desiredDeliveryMediums": None},
}
FORGOT_EVENT: dict[str, Any] = {
    **copy.deepcopy(AUTH_EVENT),
    "triggerSource": "UserMigration_ForgotPassword",
    "request": {"validationData": None, "clientMetadata": None},
}


@pytest.fixture
def stack(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        ddb.create_table(TableName="legacy", BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "username", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "username", "KeyType": "HASH"}])
        ddb.create_table(TableName="users", BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}])
        legacy = boto3.resource("dynamodb", region_name="us-east-1").Table("legacy")
        put_legacy_user(legacy, email="Ada@Example.com", password="legacy-Secret-1", legacy_user_id="L-42",
                        display_name="Ada Lovelace", tenant_id="acme", iterations=1000)
        sfn = boto3.client("stepfunctions", region_name="us-east-1")
        monkeypatch.setenv("LEGACY_TABLE_NAME", "legacy")
        monkeypatch.setenv("TABLE_NAME", "users")
        module.set_client_factory({"dynamodb": ddb, "stepfunctions": sfn}.__getitem__)
        module.set_legacy_store(DynamoDBLegacyStore(legacy, dummy_iterations=1000))
        with Stubber(sfn) as stubber:
            yield {"ddb": ddb, "sfn": stubber, "legacy": legacy}
            stubber.assert_no_pending_responses()
        module.set_client_factory(None)


def pending(ddb: Any, status: str = "PENDING") -> None:
    ddb.put_item(TableName="users", Item={
        "pk": {"S": "MIGRATION#ada@example.com"}, "sk": {"S": "MIGRATION"}, "legacyUserId": {"S": "L-42"},
        "email": {"S": "ada@example.com"}, "taskToken": {"S": TOKEN}, "deadline": {"S": "2030-01-01T00:00:00Z"},
        "status": {"S": status}, "executionArn": {"S": "arn:aws:states:us-east-1:123456789012:execution:migrate_user:x"},
    })


def test_authentication_migrates_and_completes_the_waiting_execution(stack: dict[str, Any]) -> None:
    pending(stack["ddb"])
    output = json.dumps({"legacyUserId": "L-42", "email": "ada@example.com", "migratedVia": "sign-in",
                         "username": "Ada@Example.com", "displayName": "Ada Lovelace", "tenantId": "acme"})
    stack["sfn"].add_response("send_task_success", {}, {"taskToken": TOKEN, "output": output})
    event = module.handler(copy.deepcopy(AUTH_EVENT), None)
    assert event["response"]["userAttributes"] == {
        "email": "ada@example.com", "email_verified": "true", "custom:legacy_user_id": "L-42",
        "custom:tenant_id": "acme", "name": "Ada Lovelace",
    }
    assert event["response"]["finalUserStatus"] == "CONFIRMED"
    assert event["response"]["messageAction"] == "SUPPRESS"


def test_wrong_password_is_refused_without_callback(stack: dict[str, Any]) -> None:
    pending(stack["ddb"])
    event = {**copy.deepcopy(AUTH_EVENT), "request": {"password": "legacy-Secret-2"}}
    with pytest.raises(module.MigrationRefused, match="Bad password"):
        module.handler(event)


def test_unknown_user_is_refused(stack: dict[str, Any]) -> None:
    with pytest.raises(module.MigrationRefused):
        module.handler({**copy.deepcopy(AUTH_EVENT), "userName": "nobody@example.com"})


def test_forgot_password_migrates_with_reset_required(stack: dict[str, Any]) -> None:
    pending(stack["ddb"])
    output = json.dumps({"legacyUserId": "L-42", "email": "ada@example.com", "migratedVia": "forgot-password",
                         "username": "Ada@Example.com", "displayName": "Ada Lovelace", "tenantId": "acme"})
    stack["sfn"].add_response("send_task_success", {}, {"taskToken": TOKEN, "output": output})
    response = module.handler(copy.deepcopy(FORGOT_EVENT))["response"]
    assert response["finalUserStatus"] == "RESET_REQUIRED"
    assert response["messageAction"] == "SUPPRESS"
    assert response["desiredDeliveryMediums"] == ["EMAIL"]
    assert response["userAttributes"]["email_verified"] == "true"


@pytest.mark.parametrize("code", ["TaskTimedOut", "InvalidToken", "TaskDoesNotExist"])
def test_late_callback_is_logged_and_sign_in_proceeds(stack: dict[str, Any], code: str, caplog: Any) -> None:
    pending(stack["ddb"])
    stack["sfn"].add_client_error("send_task_success", code, "too late", 400)
    event = module.handler(copy.deepcopy(AUTH_EVENT))
    assert event["response"]["finalUserStatus"] == "CONFIRMED"
    assert f"late/duplicate ({code})" in caplog.text


def test_no_pending_migration_means_no_callback(stack: dict[str, Any]) -> None:
    assert module.handler(copy.deepcopy(AUTH_EVENT))["response"]["finalUserStatus"] == "CONFIRMED"


def test_mixed_case_sign_in_name_and_legacy_email_use_lower_cased_keys(stack: dict[str, Any]) -> None:
    """Typed as ' GRACE@Example.COM ', stored with a mixed-case email: the legacy key, the MIGRATION#
    key, the callback's email and the Cognito email attribute are all the lower-cased email."""
    put_legacy_user(stack["legacy"], email="Grace.Hopper@Example.COM", password="pw-Grace-1", legacy_user_id="L-7",
                    iterations=1000)
    stack["ddb"].put_item(TableName="users", Item={
        "pk": {"S": "MIGRATION#grace.hopper@example.com"}, "sk": {"S": "MIGRATION"}, "legacyUserId": {"S": "L-7"},
        "email": {"S": "grace.hopper@example.com"}, "taskToken": {"S": TOKEN + "-7"}, "status": {"S": "PENDING"},
    })
    # no displayName/tenantId in the legacy record: left out, so the workflow's defaults apply
    output = json.dumps({"legacyUserId": "L-7", "email": "grace.hopper@example.com", "migratedVia": "sign-in",
                         "username": " GRACE.HOPPER@Example.COM "})
    stack["sfn"].add_response("send_task_success", {}, {"taskToken": TOKEN + "-7", "output": output})
    event = {**copy.deepcopy(AUTH_EVENT), "userName": " GRACE.HOPPER@Example.COM ", "request": {"password": "pw-Grace-1"}}
    response = module.handler(event)["response"]
    assert response["userAttributes"]["email"] == "grace.hopper@example.com"
    assert response["finalUserStatus"] == "CONFIRMED"


def test_pending_migration_is_keyed_by_the_legacy_username(stack: dict[str, Any]) -> None:
    """migrate_user keys MIGRATION# by its ``username`` (the legacy store's key), which wins over the email."""
    stack["ddb"].put_item(TableName="users", Item={
        "pk": {"S": "MIGRATION#legacy-login@example.com"}, "sk": {"S": "MIGRATION"}, "taskToken": {"S": TOKEN},
        "status": {"S": "MIGRATED"},
    })
    user = LegacyUser("Legacy-Login@Example.com", "L-9", "Other.Address@Example.com")
    assert module.complete_migration(user, "sign-in") == "already-migrated"


def test_already_migrated_is_not_completed_twice(stack: dict[str, Any]) -> None:
    pending(stack["ddb"], status="MIGRATED")
    user = LegacyUser("ada@example.com", "L-42", "ada@example.com")
    assert module.complete_migration(user, "sign-in") == "already-migrated"


def test_other_trigger_sources_pass_through(stack: dict[str, Any]) -> None:
    event = {**copy.deepcopy(AUTH_EVENT), "triggerSource": "PreSignUp_SignUp"}
    assert module.handler(event) == event


def test_default_store_reads_the_legacy_table_through_the_injected_client(stack: dict[str, Any]) -> None:
    module.set_legacy_store(None)
    assert module.legacy_store().authenticate("ADA@example.com ", "legacy-Secret-1") == LegacyUser(
        "ada@example.com", "L-42", "Ada@Example.com", "Ada Lovelace", "acme"
    )


def test_password_hashing_round_trip_and_malformed_records() -> None:
    record = hash_password("pw", iterations=1000)
    assert record["algorithm"] == "pbkdf2_sha256" and verify_password("pw", record)
    assert not verify_password("pW", record)
    assert hash_password("pw", iterations=1000)["salt"] != record["salt"]  # salted
    for broken in ({**record, "algorithm": "md5"}, {**record, "salt": "***"}, {**record, "iterations": "x"},
                   {k: v for k, v in record.items() if k != "hash"}, {**record, "iterations": 0}):
        assert verify_password("pw", broken) is False


def test_compare_is_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    import hmac

    from lambdas.user_migration import legacy_store

    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest
    monkeypatch.setattr(legacy_store.hmac, "compare_digest", lambda a, b: calls.append((a, b)) or real(a, b))
    verify_password("pw", hash_password("pw", iterations=1000))
    assert len(calls) == 1


def pbkdf2_iterations(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The iteration count of every PBKDF2 the legacy store runs, in order."""
    from lambdas.user_migration import legacy_store

    calls: list[int] = []
    real = legacy_store.hashlib.pbkdf2_hmac
    monkeypatch.setattr(legacy_store.hashlib, "pbkdf2_hmac", lambda *a: calls.append(a[3]) or real(*a))
    return calls


def test_unknown_user_still_pays_for_a_hash(stack: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEGACY_HASH_ITERATIONS", "1200")
    store = DynamoDBLegacyStore(stack["legacy"])
    calls = pbkdf2_iterations(monkeypatch)
    assert store.authenticate("ghost@example.com", "x") is None
    assert store.authenticate("ghost2@example.com", "y") is None
    # exactly one check per unknown user, the first included (no extra hash to build the decoy)
    assert calls == [1200, 1200]
    # a 1000-iteration record costs its own check plus 200 more: the same work as an unknown user
    assert store.authenticate("ada@example.com", "wrong") is None
    assert calls == [1200, 1200, 1000, 200]


@pytest.mark.parametrize("stored", [1, 1000, 599_999])
def test_every_check_costs_the_work_factor_whatever_the_records_carry(stack: dict[str, Any], stored: int,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 10 item 4: 1,000-iteration records used to answer in 0.3 ms, unknown users in 404 ms."""
    put_legacy_user(stack["legacy"], email="low@example.com", password="pw-Low-1", legacy_user_id="L-1",
                    iterations=stored)
    stack["legacy"].put_item(Item={"username": "broken@example.com", "algorithm": "md5", "salt": "x", "hash": "y",
                                   "iterations": 1})
    store = DynamoDBLegacyStore(stack["legacy"], dummy_iterations=600_000)
    calls = pbkdf2_iterations(monkeypatch)
    for username, password in (("ghost@example.com", "pw-Low-1"), ("low@example.com", "wrong"),
                               ("low@example.com", "pw-Low-1"), ("broken@example.com", "x")):
        calls.clear()
        store.authenticate(username, password)
        assert sum(calls) == 600_000, (username, calls)


def test_a_record_with_more_iterations_raises_the_work_factor(stack: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
                                                              caplog: Any) -> None:
    put_legacy_user(stack["legacy"], email="high@example.com", password="pw-High-1", legacy_user_id="L-9",
                    iterations=3000)
    store = DynamoDBLegacyStore(stack["legacy"], dummy_iterations=2000)
    calls = pbkdf2_iterations(monkeypatch)
    assert store.authenticate("high@example.com", "pw-High-1") is not None
    assert store.authenticate("ghost@example.com", "x") is None
    assert calls == [3000, 3000] and "raising the work factor" in caplog.text


@pytest.mark.parametrize("typed", ["ada@example.com", " Ada@Example.COM ", "ADA@EXAMPLE.COM\t", "\u00a0ada@example.com"])
def test_usernames_are_trimmed_and_case_normalized_before_lookup(stack: dict[str, Any], typed: str) -> None:
    store = DynamoDBLegacyStore(stack["legacy"], dummy_iterations=1000)
    user = store.authenticate(typed, "legacy-Secret-1")
    assert user is not None and user.legacy_user_id == "L-42"
    assert store.lookup(typed) == user


@pytest.mark.parametrize("user_name", [None, "", "   ", 42])
def test_an_event_without_a_usable_user_name_is_refused(stack: dict[str, Any], user_name: Any) -> None:
    event = {**copy.deepcopy(AUTH_EVENT), "userName": user_name, "request": {"password": "legacy-Secret-1"}}
    with pytest.raises(module.MigrationRefused):
        module.handler(event)


def test_the_local_stack_writes_legacy_records_as_production_does(monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    from lambdas.user_migration import legacy_store
    from workflows.local.stack import LocalStack

    written: list[dict[str, Any]] = []
    monkeypatch.setattr(legacy_store.hashlib, "pbkdf2_hmac", lambda *a: b"\0" * 32)  # no 600k hash in a unit test

    class Table:
        def put_item(self, Item: dict[str, Any]) -> None:  # noqa: N803
            written.append(Item)

    monkeypatch.setattr("boto3.resource", lambda *a, **k: SimpleNamespace(Table=lambda name: Table()))
    fake = SimpleNamespace(url="http://127.0.0.1:1", region_name="us-east-1", legacy_table="legacy")
    LocalStack.put_legacy_user(fake, email="Ada@Example.com", password="pw", legacy_user_id="L-1")  # type: ignore[arg-type]
    assert written[0]["iterations"] == legacy_store.DEFAULT_ITERATIONS == 600_000
    assert written[0]["username"] == "ada@example.com"
