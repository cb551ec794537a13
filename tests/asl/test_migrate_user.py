"""migrate_user (callback with a deadline) and migrate_batch (one deterministic execution per user)."""
from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from workflows.definitions import ASL_DIR as ASL

from .conftest import ACCOUNT, REGION, AwsFixture, deploy, entered_states, mock_file

MACHINE = "migrate_user"  # the machine the conftest fixtures sfn/arn/mocked deploy

DAYS_180 = 180 * 24 * 3600
USER = {"legacyUserId": "legacy-1", "email": "m@example.com"}


def start(sfn: Any, arn: str, body: dict[str, Any], name: str = "m1") -> str:
    return sfn.start_execution(stateMachineArn=arn, name=name, input=json.dumps(body))["executionArn"]


def migration(aws: AwsFixture, email: str = "m@example.com") -> dict[str, Any] | None:
    return aws.item(f"MIGRATION#{email}", "MIGRATION")


def test_registers_a_pending_migration_with_token_and_deadline(sfn: Any, arn: str, aws: AwsFixture) -> None:
    execution_arn = start(sfn, arn, USER)
    assert sfn.describe_execution(executionArn=execution_arn)["status"] == "RUNNING"
    item = migration(aws)
    assert item["status"] == {"S": "PENDING"} and item["legacyUserId"] == {"S": "legacy-1"}
    assert item["executionArn"] == {"S": execution_arn} and item["taskToken"]["S"]
    assert item["deadline"]["S"].endswith(f"/PT{DAYS_180}S")
    assert item["timeoutSeconds"] == {"N": str(DAYS_180)}


def test_callback_in_time_marks_migrated(sfn: Any, arn: str, aws: AwsFixture) -> None:
    execution_arn = start(sfn, arn, USER)
    sfn.advance(3600)
    token = migration(aws)["taskToken"]["S"]
    sfn.send_task_success(taskToken=token, output=json.dumps({**USER, "migratedVia": "UserMigrationTrigger"}))
    result = sfn.describe_execution(executionArn=execution_arn)
    assert result["status"] == "SUCCEEDED"
    assert json.loads(result["output"])["status"] == "MIGRATED"
    item = migration(aws)
    assert item["status"] == {"S": "MIGRATED"} and item["migratedVia"] == {"S": "UserMigrationTrigger"}
    assert "taskToken" not in item
    assert aws.cognito_users() == []  # the trigger created the user; the workflow invites nobody
    sfn.advance(DAYS_180)
    assert migration(aws)["status"] == {"S": "MIGRATED"}


def test_no_callback_falls_back_once_after_180_days(sfn: Any, arn: str, aws: AwsFixture) -> None:
    execution_arn = start(sfn, arn, USER)
    sfn.advance(DAYS_180 - 60)
    assert sfn.describe_execution(executionArn=execution_arn)["status"] == "RUNNING"
    sfn.advance(120)
    result = sfn.describe_execution(executionArn=execution_arn)
    assert result["status"] == "SUCCEEDED", result
    assert json.loads(result["output"]) == {"status": "FALLBACK", "username": "m@example.com", "userId": "1"}
    item = migration(aws)
    assert item["status"] == {"S": "FALLBACK"} and item["userId"] == {"N": "1"}
    assert item["fallbackReason"] == {"S": "States.Timeout"} and "taskToken" not in item
    (user,) = aws.cognito_users()
    assert user["Username"] == "1" and user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert {a["Name"]: a["Value"] for a in user["Attributes"]}["email"] == "m@example.com"
    sfn.advance(DAYS_180)
    assert len(aws.cognito_users()) == 1
    assert aws.calls[("cognito-idp", "admin_create_user")] == 1


def test_callback_after_the_deadline_is_rejected_and_changes_nothing(sfn: Any, arn: str, aws: AwsFixture) -> None:
    start(sfn, arn, USER)
    token = migration(aws)["taskToken"]["S"]
    sfn.advance(DAYS_180 + 1)
    before = migration(aws)
    with pytest.raises(ClientError) as info:
        sfn.send_task_success(taskToken=token, output=json.dumps({**USER, "migratedVia": "late"}))
    assert info.value.response["Error"]["Code"] == "TaskTimedOut"
    assert migration(aws) == before and before["status"] == {"S": "FALLBACK"}
    assert len(aws.cognito_users()) == 1


def test_repeated_callback_is_rejected(sfn: Any, arn: str, aws: AwsFixture) -> None:
    start(sfn, arn, USER)
    token = migration(aws)["taskToken"]["S"]
    sfn.send_task_success(taskToken=token, output=json.dumps({**USER, "migratedVia": "operator"}))
    before = migration(aws)
    with pytest.raises(ClientError) as info:
        sfn.send_task_success(taskToken=token, output=json.dumps({**USER, "migratedVia": "again"}))
    assert info.value.response["Error"]["Code"] in {"TaskTimedOut", "InvalidToken"}
    assert migration(aws) == before


def test_missed_heartbeat_falls_back(sfn: Any, arn: str, aws: AwsFixture) -> None:
    execution_arn = start(sfn, arn, {**USER, "timeoutSeconds": 1000, "heartbeatSeconds": 100})
    token = migration(aws)["taskToken"]["S"]
    sfn.advance(60)
    sfn.send_task_heartbeat(taskToken=token)
    sfn.advance(60)
    assert sfn.describe_execution(executionArn=execution_arn)["status"] == "RUNNING"
    sfn.advance(120)
    # fell back at the heartbeat deadline (t=160), long before the 1000 s task timeout
    assert sfn.describe_execution(executionArn=execution_arn)["status"] == "SUCCEEDED"
    # the engine reports a heartbeat expiry as States.Timeout (as recorded on AWS); the ASL spec
    # names States.HeartbeatTimeout. The Catch names both, so either lands in the fallback.
    assert migration(aws)["fallbackReason"]["S"] in {"States.Timeout", "States.HeartbeatTimeout"}
    assert migration(aws)["status"] == {"S": "FALLBACK"}


def test_second_execution_for_the_same_email_changes_nothing(sfn: Any, arn: str, aws: AwsFixture) -> None:
    start(sfn, arn, USER, "first")
    before = migration(aws)
    second = start(sfn, arn, USER, "second")
    result = sfn.describe_execution(executionArn=second)
    assert result["status"] == "SUCCEEDED" and json.loads(result["output"])["status"] == "ALREADY_REGISTERED"
    assert migration(aws) == before


@pytest.mark.parametrize("body, cause", [
    ({"email": "m@example.com"}, "legacyUserId"),
    ({**USER, "email": "M@Example.com"}, "lower-cased"),
    ({**USER, "timeoutSeconds": 0}, "timeoutSeconds"),
    ({**USER, "heartbeatSeconds": "soon"}, "heartbeatSeconds"),
])
def test_bad_input_fails_clearly(sfn: Any, arn: str, aws: AwsFixture, body: dict[str, Any], cause: str) -> None:
    result = sfn.describe_execution(executionArn=start(sfn, arn, body))
    assert result["status"] == "FAILED" and result["error"] == "MigrateUser.InvalidInput"
    assert cause in result["cause"]
    assert aws.items("") == []


# ---- mock configs ----

MIGRATED_9 = {"status": "MIGRATED", "username": "m@example.com", "userId": "9"}
FALLBACK_9 = {"status": "FALLBACK", "username": "m@example.com", "userId": "9"}


@pytest.mark.parametrize("case, status, expected", [
    ("MigratedByCallback", "SUCCEEDED", {**MIGRATED_9, "migratedVia": "UserMigrationTrigger",
                                         "cognitoUsername": "M@Example.com"}),
    # an operator's callback without username/displayName/tenantId: the request's values
    ("OperatorCallbackDefaults", "SUCCEEDED", {**MIGRATED_9, "migratedVia": "unknown",
                                               "cognitoUsername": "m@example.com"}),
    ("MalformedCallback", "FAILED", "MigrateUser.InvalidCallback"),
    ("CallbackAfterSettlement", "SUCCEEDED", {"status": "ALREADY_SETTLED", "username": "m@example.com"}),
    ("CallbackEmailTaken", "SUCCEEDED", {"status": "CONFLICT", "username": "m@example.com",
                                         "conflict": "EmailAlreadyRegistered", "migratedVia": "UserMigrationTrigger"}),
    ("CallbackWriteFails", "FAILED", "MigrateUser.ProvisionFailed"),
    ("DeadlineFallback", "SUCCEEDED", FALLBACK_9),
    ("HeartbeatFallback", "SUCCEEDED", FALLBACK_9),
    # ClaimFallback returns a userId bound by an earlier run: no allocation, UsernameExists = ours
    ("FallbackReusesBoundId", "SUCCEEDED", {**FALLBACK_9, "userId": "5"}),
    ("FallbackAlreadyClaimed", "SUCCEEDED", {"status": "ALREADY_SETTLED", "username": "m@example.com"}),
    ("FallbackEmailTaken", "SUCCEEDED", {"status": "CONFLICT", "username": "m@example.com",
                                         "conflict": "EmailAlreadyRegistered", "migratedVia": "fallback"}),
    ("FallbackUserExists", "SUCCEEDED", {"status": "FALLBACK", "username": "m@example.com", "existingUser": True}),
    ("FallbackInviteFails", "FAILED", "MigrateUser.InviteFailed"),
    ("FallbackAllocationFails", "FAILED", "MigrateUser.AllocationFailed"),
    # the allocation timed out: settled by the shared fence + read-back (workflows/user_id_allocation.py)
    ("FallbackAllocationTimedOutButLanded", "SUCCEEDED", FALLBACK_9),
    ("FallbackAllocationTimedOutNothingLanded", "FAILED", "MigrateUser.AllocationFailed"),
    ("FallbackAllocationUnsettled", "FAILED", "MigrateUser.AllocationUnsettled"),
    ("AlreadyRegistered", "SUCCEEDED", {"status": "ALREADY_REGISTERED", "username": "m@example.com"}),
])
def test_mock_config_cases(mocked: tuple[Any, str], aws: AwsFixture, case: str, status: str, expected: Any) -> None:
    sfn, arn = mocked
    result = sfn.describe_execution(executionArn=start(sfn, f"{arn}#{case}", USER, case))
    assert result["status"] == status, (result.get("error"), result.get("cause"))
    if status == "SUCCEEDED":
        assert json.loads(result["output"]) == expected
    else:
        assert result["error"] == expected
    assert aws.items("") == [] and aws.cognito_users() == []


# ---- batch ----

def test_batch_of_100_rerun_twice_starts_100_executions(sfn: Any, aws: AwsFixture) -> None:
    user_arn = deploy(sfn, aws, "migrate_user")
    batch_arn = deploy(sfn, aws, "migrate_batch", MigrateUserStateMachineArn=user_arn)
    users = [{"legacyUserId": f"legacy-{i}", "email": f"u{i}@example.com"} for i in range(100)]
    outputs = []
    for run in range(3):
        execution = sfn.start_execution(stateMachineArn=batch_arn, name=f"batch-{run}", input=json.dumps({"users": users}))
        result = sfn.describe_execution(executionArn=execution["executionArn"])
        assert result["status"] == "SUCCEEDED", result
        outputs.append(json.loads(result["output"]))
    executions = sfn.list_executions(stateMachineArn=user_arn, maxResults=1000)["executions"]
    assert len(executions) == 100
    assert {e["name"] for e in executions} == {f"migrate-legacy-{i}" for i in range(100)}
    assert [o["status"] for o in outputs[0]] == ["STARTED"] * 100
    assert [o["status"] for o in outputs[1]] == ["ALREADY_STARTED"] * 100
    assert [o["status"] for o in outputs[2]] == ["ALREADY_STARTED"] * 100
    assert len(aws.items("MIGRATION#")) == 100


def test_batch_passes_its_deadline_to_each_migration(sfn: Any, aws: AwsFixture) -> None:
    user_arn = deploy(sfn, aws, "migrate_user")
    batch_arn = deploy(sfn, aws, "migrate_batch", MigrateUserStateMachineArn=user_arn)
    sfn.start_execution(stateMachineArn=batch_arn, input=json.dumps({"users": [USER], "timeoutSeconds": 3600}))
    assert migration(aws)["timeoutSeconds"] == {"N": "3600"}
    sfn.advance(3601)
    assert migration(aws)["status"] == {"S": "FALLBACK"}


def _batch_events(sfn: Any, batch_arn: str, users: list[dict[str, str]], name: str) -> tuple[dict[str, Any], int]:
    execution = sfn.start_execution(stateMachineArn=batch_arn, name=name, input=json.dumps({"users": users}))
    events = sfn.get_execution_history(executionArn=execution["executionArn"], maxResults=1000)["events"]
    return sfn.describe_execution(executionArn=execution["executionArn"]), len(events)


def test_batch_maximum_fits_the_output_limit_and_the_history_quota(sfn: Any, aws: AwsFixture) -> None:
    """The maximum in CheckBatchSize (and the Comment) is measured: one user's result with the
    longest legacyUserId (72 characters), with 80 characters to spare for a longer region, account or
    deployed machine name, times the maximum fits the 256 KiB state output; and the inline Map's
    events per user and the batch's own stay far below the 25,000-event quota."""
    from workflows.load.migration import max_users_per_batch

    user_arn = deploy(sfn, aws, "migrate_user")
    batch_arn = deploy(sfn, aws, "migrate_batch", MigrateUserStateMachineArn=user_arn)
    longest = [{"legacyUserId": "x" * 72, "email": "long@example.com"}]
    result, one = _batch_events(sfn, batch_arn, longest, "q1")
    (entry,) = json.loads(result["output"])
    users = [{"legacyUserId": f"q-{i}", "email": f"q{i}@example.com"} for i in range(3)]
    _, three = _batch_events(sfn, batch_arn, users, "q3")
    per_user, own = (three - one) // 2, one - (three - one) // 2
    maximum = max_users_per_batch()
    entry_bytes = len(json.dumps(entry, separators=(",", ":"))) + 1  # its comma in the list
    assert maximum * (entry_bytes + 80) <= 256 * 1024 < (maximum * 2) * entry_bytes
    assert (per_user, own) == (7, 14) and own + per_user * maximum <= 25_000
    comment = json.loads((ASL / "migrate_batch.asl.json").read_text())["Comment"]
    assert f"At most {maximum:,} users per batch" in comment and f"{per_user} history events per user" in comment


def test_batch_over_the_maximum_fails_before_starting_any_migration(sfn: Any, aws: AwsFixture) -> None:
    from workflows.load.migration import max_users_per_batch

    user_arn = deploy(sfn, aws, "migrate_user")
    batch_arn = deploy(sfn, aws, "migrate_batch", MigrateUserStateMachineArn=user_arn)
    maximum = max_users_per_batch()
    users = [{"legacyUserId": f"big-{i}", "email": f"big{i}@example.com"} for i in range(maximum + 1)]
    result, events = _batch_events(sfn, batch_arn, users, "too-big")
    assert (result["status"], result["error"]) == ("FAILED", "MigrateBatch.TooManyUsers")
    assert result["cause"].startswith(f"users has more than {maximum} entries; a migrate_batch execution takes at most {maximum} ")
    assert events < 20
    assert sfn.list_executions(stateMachineArn=user_arn)["executions"] == []
    assert aws.items("MIGRATION#") == []


@pytest.mark.parametrize("case, status", [("AllAlreadyStarted", "ALREADY_STARTED"), ("ThrottledThenStarted", "STARTED")])
def test_batch_mock_config_cases(make_sfn: Any, aws: AwsFixture, case: str, status: str) -> None:
    sfn = make_sfn(mock_config=str(mock_file("migrate_batch")))
    user_arn = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:migrate_user"
    batch_arn = deploy(sfn, aws, "migrate_batch", MigrateUserStateMachineArn=user_arn)
    execution = sfn.start_execution(stateMachineArn=f"{batch_arn}#{case}", input=json.dumps({"users": [USER]}))
    result = sfn.describe_execution(executionArn=execution["executionArn"])
    assert result["status"] == "SUCCEEDED", (result.get("error"), result.get("cause"))
    assert [o["status"] for o in json.loads(result["output"])] == [status]
