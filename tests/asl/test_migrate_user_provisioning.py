"""A migrated user ends complete, as after signup: numeric userId, EMAIL# reservation, profile.

Both ways a migration finishes are run end to end on the embedded engine (virtual clock) with moto:
- sign-in: the REAL user-migration trigger (lambdas/user_migration) authenticates against a legacy
  table and calls SendTaskSuccess on the engine; the profile is keyed by the name Cognito creates the
  user under (the event's userName);
- deadline: after 180 days the fallback invites a Cognito user named by a freshly allocated id.
Then the REAL token customizer (lambdas/token_customizer) reads those profiles from a moto server and
must put the userId claim in the tokens.
"""
from __future__ import annotations

import copy
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from .conftest import ACCOUNT, REGION, TABLE, AwsFixture, SerializedClient, deploy, mock_file

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from lambdas.user_migration import handler as trigger  # noqa: E402
from lambdas.user_migration.legacy_store import DynamoDBLegacyStore, put_legacy_user  # noqa: E402
from workflows.engine import virtual_sleep  # noqa: E402

DAYS_180 = 180 * 24 * 3600
LEGACY_TABLE = "legacy"
ADA = {"legacyUserId": "L-42", "email": "ada@example.com"}
LINUS = {"legacyUserId": "L-7", "email": "linus@example.com", "displayName": "Linus T", "tenantId": "kernel"}
AUTH_EVENT: dict[str, Any] = {  # Cognito developer guide, "Migrate user Lambda trigger"
    "version": "1", "triggerSource": "UserMigration_Authentication", "region": REGION,
    "userPoolId": "us-east-1_EXAMPLE", "userName": "ada@example.com",
    "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "1example23456789"},
    "request": {"password": "legacy-Secret-1", "validationData": None, "clientMetadata": None},
    "response": {"userAttributes": None, "forceAliasCreation": None, "enableSMSMFA": None,
                 "finalUserStatus": None, "messageAction": None, "desiredDeliveryMediums": None},
}


def create_legacy_table(ddb: Any) -> Any:
    ddb.create_table(TableName=LEGACY_TABLE, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "username", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "username", "KeyType": "HASH"}])
    legacy = boto3.resource("dynamodb", region_name=REGION, endpoint_url=ddb.meta.endpoint_url).Table(LEGACY_TABLE)
    put_legacy_user(legacy, email="Ada@Example.com", password="legacy-Secret-1", legacy_user_id="L-42",
                    display_name="Ada Lovelace", tenant_id="acme", iterations=1000)
    return legacy


def wire_trigger(monkeypatch: pytest.MonkeyPatch, ddb: Any, sfn: Any, legacy: Any) -> None:
    """The trigger talks to moto's DynamoDB and to the engine (a stepfunctions-client-shaped facade)."""
    monkeypatch.setenv("LEGACY_TABLE_NAME", LEGACY_TABLE)
    monkeypatch.setenv("TABLE_NAME", TABLE)
    trigger.set_client_factory({"dynamodb": ddb, "stepfunctions": sfn}.__getitem__)
    trigger.set_legacy_store(DynamoDBLegacyStore(legacy, dummy_iterations=1000))


@pytest.fixture
def signed_in(aws: AwsFixture, make_sfn: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """An engine with migrate_user deployed and the real trigger wired to it; yields a sign-in function."""
    sfn = make_sfn()
    arn = deploy(sfn, aws, "migrate_user")
    legacy = create_legacy_table(aws.ddb)
    wire_trigger(monkeypatch, aws.client_factory("dynamodb"), sfn, legacy)

    def sign_in(body: dict[str, Any] = ADA, user_name: str = "ada@example.com") -> tuple[str, dict[str, Any]]:
        execution_arn = sfn.start_execution(stateMachineArn=arn, name="m-" + body["legacyUserId"],
                                            input=json.dumps(body))["executionArn"]
        sfn.advance(3600)
        event = trigger.handler({**copy.deepcopy(AUTH_EVENT), "userName": user_name})
        assert event["response"]["finalUserStatus"] == "CONFIRMED"  # the sign-in itself goes on
        return execution_arn, sfn.describe_execution(executionArn=execution_arn)

    yield sign_in
    trigger.set_client_factory(None)


def n(item: dict[str, Any] | None, name: str) -> str | None:
    return None if item is None or name not in item else next(iter(item[name].values()))


def counter(aws: AwsFixture) -> str | None:
    return n(aws.item("COUNTER#userId", "COUNTER"), "value")


# ---- migrated by signing in ----

def test_sign_in_gives_a_profile_with_a_numeric_id_and_an_email_reservation(signed_in: Any, aws: AwsFixture) -> None:
    aws.ddb.put_item(TableName=TABLE, Item={"pk": {"S": "COUNTER#userId"}, "sk": {"S": "COUNTER"}, "value": {"N": "41"}})
    _, result = signed_in(ADA, user_name="ada@example.com")
    assert result["status"] == "SUCCEEDED", (result.get("error"), result.get("cause"))
    assert json.loads(result["output"]) == {"status": "MIGRATED", "username": "ada@example.com", "migratedVia": "sign-in",
                                            "userId": "42", "cognitoUsername": "ada@example.com"}
    profile = aws.item("USER#ada@example.com", "PROFILE")  # keyed by the name Cognito created the user under
    assert profile is not None
    assert profile["userId"] == {"N": "42"} and profile["email"] == {"S": "ada@example.com"}
    assert profile["displayName"] == {"S": "Ada Lovelace"} and profile["tenantId"] == {"S": "acme"}
    assert profile["legacyUserId"] == {"S": "L-42"} and profile["migratedVia"] == {"S": "sign-in"}
    assert aws.item("EMAIL#ada@example.com", "EMAIL") == {
        "pk": {"S": "EMAIL#ada@example.com"}, "sk": {"S": "EMAIL"}, "userId": {"N": "42"}}
    record = aws.item("MIGRATION#ada@example.com", "MIGRATION")
    assert n(record, "status") == "MIGRATED" and n(record, "userId") == "42" and "taskToken" not in record
    assert counter(aws) == "42"  # one atomic ADD
    assert aws.items("TOMBSTONE#") == [] and aws.cognito_users() == []  # Cognito (not the workflow) creates the user


def test_sign_in_name_as_typed_keys_the_profile(signed_in: Any, aws: AwsFixture) -> None:
    """Cognito creates the migrated user under the event's userName, so the profile is keyed by it."""
    _, result = signed_in(ADA, user_name="Ada@Example.com")
    assert result["status"] == "SUCCEEDED", result
    assert n(aws.item("USER#Ada@Example.com", "PROFILE"), "userId") == "1"
    assert aws.item("USER#ada@example.com", "PROFILE") is None
    assert n(aws.item("EMAIL#ada@example.com", "EMAIL"), "userId") == "1"


def test_late_and_repeated_callbacks_change_nothing_after_provisioning(signed_in: Any, aws: AwsFixture) -> None:
    signed_in(ADA)
    before = aws.items("")
    # the trigger again (the user signs in again before Cognito knows them, or a retry): no token, no change
    trigger.handler(copy.deepcopy(AUTH_EVENT))
    assert aws.items("") == before


def test_email_owned_by_another_user_is_a_recorded_conflict_on_sign_in(signed_in: Any, aws: AwsFixture) -> None:
    owner = {"pk": {"S": "EMAIL#ada@example.com"}, "sk": {"S": "EMAIL"}, "userId": {"N": "7"}}
    aws.ddb.put_item(TableName=TABLE, Item=owner)
    _, result = signed_in(ADA)
    assert result["status"] == "SUCCEEDED", result
    assert json.loads(result["output"])["status"] == "CONFLICT"
    assert aws.item("EMAIL#ada@example.com", "EMAIL") == owner  # not overwritten
    assert aws.item("USER#ada@example.com", "PROFILE") is None
    record = aws.item("MIGRATION#ada@example.com", "MIGRATION")
    assert n(record, "status") == "MIGRATED" and n(record, "conflictReason") == "EmailAlreadyRegistered"
    assert "userId" not in record
    (tombstone,) = aws.items("TOMBSTONE#")
    assert tombstone["pk"] == {"S": "TOMBSTONE#1"} and tombstone["reason"] == {"S": "EmailAlreadyRegistered"}


# ---- deadline fallback ----

class CommitThenTimeOut:
    """Client wrapper: the FIRST call of `operation` really happens, then takes 30 virtual seconds -
    past the state's TimeoutSeconds - so the engine times the task out and its Retry runs it again
    against what the first call committed. That is a re-run of the step (as a redrive would be)."""

    def __init__(self, client: Any, operation: str) -> None:
        self._client, self._operation, self.calls = client, operation, 0

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if name != self._operation:
            return attr

        def call(**kwargs: Any) -> Any:
            self.calls += 1
            result = attr(**kwargs)
            if self.calls == 1:
                virtual_sleep(30)
            return result

        return call


def start_fallback(aws: AwsFixture, make_sfn: Any, body: dict[str, Any], name: str = "m1",
                   wrap: dict[str, str] | None = None, mock_config: Any = None) -> tuple[Any, str, str]:
    from workflows.engine import StepFunctions

    wrappers: dict[str, CommitThenTimeOut] = {}

    def factory(service: str) -> Any:
        client = aws.client_factory(service)
        if wrap and service in wrap:
            wrappers[service] = wrappers.get(service) or CommitThenTimeOut(client, wrap[service])
            return wrappers[service]
        return client

    sfn = StepFunctions(region_name=REGION, account_id=ACCOUNT, clock="virtual", client_factory=factory,
                        mock_config=mock_config)
    arn = deploy(sfn, aws, "migrate_user")
    target = f"{arn}#InviteRejectedOnMoto" if mock_config else arn
    execution_arn = sfn.start_execution(stateMachineArn=target, name=name, input=json.dumps(body))["executionArn"]
    sfn.advance(DAYS_180 + 1)
    sfn.advance(600)  # retries' backoff and the 30 s calls of CommitThenTimeOut
    sfn.wrappers = wrappers
    return sfn, arn, execution_arn


def test_fallback_after_180_days_gives_profile_reservation_and_invited_user(aws: AwsFixture, make_sfn: Any) -> None:
    sfn, _, execution_arn = start_fallback(aws, make_sfn, LINUS)
    result = sfn.describe_execution(executionArn=execution_arn)
    assert result["status"] == "SUCCEEDED", (result.get("error"), result.get("cause"))
    assert json.loads(result["output"]) == {"status": "FALLBACK", "username": "linus@example.com", "userId": "1"}
    profile = aws.item("USER#1", "PROFILE")  # the invited user's Cognito username is the numeric id
    assert profile is not None and profile["userId"] == {"N": "1"} and profile["email"] == {"S": "linus@example.com"}
    assert profile["displayName"] == {"S": "Linus T"} and profile["tenantId"] == {"S": "kernel"}
    assert profile["migratedVia"] == {"S": "fallback"}
    assert n(aws.item("EMAIL#linus@example.com", "EMAIL"), "userId") == "1"
    (user,) = aws.cognito_users()
    assert user["Username"] == "1" and user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    record = aws.item("MIGRATION#linus@example.com", "MIGRATION")
    assert n(record, "status") == "FALLBACK" and n(record, "userId") == "1" and "invitedAt" in record


def test_fallback_happens_exactly_once_when_its_steps_are_re_run(aws: AwsFixture, make_sfn: Any) -> None:
    """The profile transaction and AdminCreateUser each commit and then time out, so each runs twice;
    then the workflow is started again for the same user. Still one id, one reservation, one profile,
    one invited user, no tombstone."""
    sfn, arn, execution_arn = start_fallback(
        aws, make_sfn, LINUS, wrap={"dynamodb": "transact_write_items", "cognito-idp": "admin_create_user"})
    result = sfn.describe_execution(executionArn=execution_arn)
    assert result["status"] == "SUCCEEDED", (result.get("error"), result.get("cause"))
    assert json.loads(result["output"])["userId"] == "1"
    assert sfn.wrappers["dynamodb"].calls == 2 and sfn.wrappers["cognito-idp"].calls == 2  # both really re-ran
    assert counter(aws) == "1"
    assert [i["pk"]["S"] for i in aws.items("USER#")] == ["USER#1"]
    assert [n(i, "userId") for i in aws.items("EMAIL#")] == ["1"]
    assert [u["Username"] for u in aws.cognito_users()] == ["1"]
    assert aws.items("TOMBSTONE#") == []
    before = aws.items("")
    again = sfn.start_execution(stateMachineArn=arn, name="m1-again", input=json.dumps(LINUS))["executionArn"]
    sfn.advance(DAYS_180 + 1)
    assert json.loads(sfn.describe_execution(executionArn=again)["output"])["status"] == "ALREADY_REGISTERED"
    assert aws.items("") == before and len(aws.cognito_users()) == 1


def test_email_owned_by_another_user_is_a_recorded_conflict_on_fallback(aws: AwsFixture, make_sfn: Any) -> None:
    owner = {"pk": {"S": "EMAIL#linus@example.com"}, "sk": {"S": "EMAIL"}, "userId": {"N": "7"}}
    aws.ddb.put_item(TableName=TABLE, Item=owner)
    sfn, _, execution_arn = start_fallback(aws, make_sfn, LINUS)
    result = sfn.describe_execution(executionArn=execution_arn)
    assert result["status"] == "SUCCEEDED", result
    assert json.loads(result["output"]) == {"status": "CONFLICT", "username": "linus@example.com",
                                            "conflict": "EmailAlreadyRegistered", "migratedVia": "fallback"}
    assert aws.item("EMAIL#linus@example.com", "EMAIL") == owner
    assert aws.items("USER#") == [] and aws.cognito_users() == []  # nobody invited
    record = aws.item("MIGRATION#linus@example.com", "MIGRATION")
    assert n(record, "status") == "FALLBACK" and n(record, "conflictReason") == "EmailAlreadyRegistered"
    assert "[ConditionalCheckFailed, None, None]" in n(record, "conflictCause")
    assert [n(t, "reason") for t in aws.items("TOMBSTONE#")] == ["EmailAlreadyRegistered"]


def test_invitation_rejected_leaves_no_half_written_user(aws: AwsFixture, make_sfn: Any) -> None:
    """AdminCreateUser fails (mocked: InvalidParameter) after the profile transaction ran on moto."""
    sfn, _, execution_arn = start_fallback(aws, make_sfn, LINUS, mock_config=str(mock_file("migrate_user")))
    result = sfn.describe_execution(executionArn=execution_arn)
    assert result["status"] == "FAILED" and result["error"] == "MigrateUser.InviteFailed"
    assert aws.items("USER#") == [] and aws.items("EMAIL#") == [] and aws.cognito_users() == []
    (tombstone,) = aws.items("TOMBSTONE#")
    assert n(tombstone, "reason") == "InviteFailed"
    assert n(tombstone, "error") == "CognitoIdentityProvider.InvalidParameterException"
    record = aws.item("MIGRATION#linus@example.com", "MIGRATION")
    assert n(record, "provisionError") == "CognitoIdentityProvider.InvalidParameterException"
    assert "userId" not in record and n(record, "status") == "FALLBACK"


# ---- the token customizer sees migrated users ----

@pytest.fixture
def moto_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    for var in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "SFN_MOCK_CONFIG", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def test_token_customizer_adds_the_user_id_claim_for_migrated_users(moto_server: str,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    from collections import Counter

    from lambdas.token_customizer import handler as customizer
    from workflows.engine import StepFunctions

    lock, calls = threading.Lock(), Counter()

    def factory(service: str) -> Any:
        return SerializedClient(boto3.client(service, region_name=REGION, endpoint_url=moto_server), service, lock, calls)

    ddb = factory("dynamodb")
    ddb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                           {"AttributeName": "sk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}])
    pool_id = factory("cognito-idp").create_user_pool(PoolName="users", AliasAttributes=["email"])["UserPool"]["Id"]
    legacy = create_legacy_table(boto3.client("dynamodb", region_name=REGION, endpoint_url=moto_server))
    sfn = StepFunctions(region_name=REGION, account_id=ACCOUNT, clock="virtual", client_factory=factory)
    fixture = AwsFixture(ddb=ddb, cognito=None, pool_id=pool_id)
    arn = deploy(sfn, fixture, "migrate_user")
    wire_trigger(monkeypatch, ddb, sfn, legacy)
    try:
        sfn.start_execution(stateMachineArn=arn, name="ada", input=json.dumps(ADA))
        sfn.start_execution(stateMachineArn=arn, name="linus", input=json.dumps(LINUS))
        trigger.handler(copy.deepcopy(AUTH_EVENT))  # Ada signs in: migrated by the trigger
        sfn.advance(DAYS_180 + 1)  # Linus never does: invited as user "2"
    finally:
        trigger.set_client_factory(None)

    for name, value in {"TABLE_NAME": TABLE, "AWS_ENDPOINT_URL_DYNAMODB": moto_server, "AWS_REGION": REGION,
                        "MISSING_PROFILE_POLICY": "closed"}.items():
        monkeypatch.setenv(name, value)
    customizer.reset()
    try:
        claims = {}
        for user_name in ("ada@example.com", "2"):
            event = {"version": "2", "triggerSource": "TokenGeneration_Authentication", "region": REGION,
                     "userPoolId": pool_id, "userName": user_name,
                     "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "c"},
                     "request": {"userAttributes": {}, "groupConfiguration": {"groupsToOverride": []}, "scopes": []},
                     "response": {"claimsAndScopeOverrideDetails": None}}
            details = customizer.handler(event)["response"]["claimsAndScopeOverrideDetails"]
            claims[user_name] = (details["idTokenGeneration"]["claimsToAddOrOverride"],
                                 details["accessTokenGeneration"]["claimsToAddOrOverride"])
    finally:
        customizer.reset()
    ada_id, ada_access = claims["ada@example.com"]
    assert ada_id["userId"] == 1 and ada_access["userId"] == 1
    assert ada_id["tenantId"] == "acme" and ada_id["displayName"] == "Ada Lovelace"
    linus_id, linus_access = claims["2"]
    assert linus_id["userId"] == 2 and linus_access["userId"] == 2 and linus_id["tenantId"] == "kernel"
