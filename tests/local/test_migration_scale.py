"""migrate_batch at scale on the virtual clock (issue: the local stack at scale), at test size: 120
users in batches under the maximum, every deadline reached in one advance, then the same checks
bench/migrate.py makes at 10,000 (workflows/load/migration.py): every batch and migration SUCCEEDED
(fell back), no States.Timeout but the deadlines, every id a profile's userId or a tombstone."""
from __future__ import annotations

import json

import pytest

from workflows.load import migration
from workflows.local.stack import LocalStack

DEADLINE = 180 * 86400  # migrate_user's default timeoutSeconds


@pytest.fixture(scope="module")
def stack():
    with LocalStack(clock="virtual") as local:
        yield local


def test_120_users_in_three_batches_all_fall_back_and_keep_the_invariant(stack: LocalStack) -> None:
    target = migration.MigrationStack.of(stack)
    users = migration.legacy_users(120)
    before = target.counter()
    arns = migration.start_batches(target, users, batch_size=40, tag="scale")
    assert len(arns) == 3
    stack.advance(DEADLINE + 60 * len(arns))
    report = migration.check(target, users, arns, before)
    assert report.batches == {"SUCCEEDED": 3}
    assert report.migrations == {"SUCCEEDED": 120}, report.summary()
    assert (report.deadlines, report.timeouts, report.violations) == (120, 0, []), report.summary()
    assert target.counter() - before == 120 and report.ok


def test_the_check_sees_a_lost_id(stack: LocalStack) -> None:
    """An id the counter handed out that is neither a profile's nor a tombstone is reported."""
    target = migration.MigrationStack.of(stack)
    before = target.counter()
    target.ddb.update_item(TableName=stack.users_table, Key={"pk": {"S": "COUNTER#userId"}, "sk": {"S": "COUNTER"}},
                           UpdateExpression="ADD #v :one", ExpressionAttributeNames={"#v": "value"},
                           ExpressionAttributeValues={":one": {"N": "1"}})
    report = migration.check(target, [], [], before)
    assert report.violations == [f"id {before + 1} lost: neither a profile's userId nor a tombstone"]


def test_batches_above_the_maximum_are_not_started(stack: LocalStack) -> None:
    target = migration.MigrationStack.of(stack)
    with pytest.raises(ValueError, match=f"outside 1..{migration.max_users_per_batch()}"):
        migration.start_batches(target, migration.legacy_users(2), batch_size=migration.max_users_per_batch() + 1,
                                tag="too-big")


def test_migrate_batch_refuses_a_batch_over_the_maximum_before_starting_any(stack: LocalStack) -> None:
    sfn, limit = stack.client("stepfunctions"), migration.max_users_per_batch()
    users = migration.legacy_users(limit + 1, start=50_000)
    arn = sfn.start_execution(stateMachineArn=stack.state_machines["migrate_batch"],
                              input=json.dumps({"users": users}))["executionArn"]
    result = sfn.describe_execution(executionArn=arn)
    assert (result["status"], result["error"]) == ("FAILED", "MigrateBatch.TooManyUsers")
    assert f"users has more than {limit} entries" in result["cause"] and f"at most {limit}" in result["cause"]
    started = sfn.list_executions(stateMachineArn=stack.state_machines["migrate_user"], maxResults=1000)["executions"]
    assert not any(e["name"] == "migrate-L-50000" for e in started)
