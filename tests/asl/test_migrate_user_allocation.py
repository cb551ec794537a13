"""Issue 10, item 3 for migrate_user (and the batch that starts it): every id the counter hands out
ends as a user or a tombstone, also when the allocating UpdateItem times out and lands later.

migrate_user allocates with the same shared states as signup (workflows/user_id_allocation.py); the
late landing is injected below the engine by late_allocations.LateAllocations, shared with the
signup tests. Without the shared allocation, migrate_user failed on the timeout (AllocationFailed)
while the write landed anyway: an id that is neither a user nor a tombstone.
"""
from __future__ import annotations

import hashlib
import json
import random
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from .conftest import ACCOUNT, REGION, AwsFixture, deploy, entered_states
from .late_allocations import LateAllocations, allocation_records, assert_every_id_is_a_user_or_a_tombstone

DAYS_180 = 180 * 24 * 3600
USER = {"legacyUserId": "legacy-1", "email": "m@example.com"}


@pytest.fixture()
def late(aws: AwsFixture) -> tuple[Any, LateAllocations]:
    from workflows.engine import StepFunctions

    wrapper = LateAllocations(aws)
    return StepFunctions(region_name=REGION, account_id=ACCOUNT, clock="virtual",
                         client_factory=wrapper.client_factory), wrapper


def record_name(execution_arn: str) -> str:
    return "alloc-" + hashlib.md5(execution_arn.encode()).hexdigest()


def fall_back(sfn: Any, arn: str, body: dict[str, Any], name: str = "m1") -> tuple[str, dict[str, Any]]:
    execution_arn = sfn.start_execution(stateMachineArn=arn, name=name, input=json.dumps(body))["executionArn"]
    sfn.advance(DAYS_180 + 1)
    sfn.advance(600)  # the allocation's 30 s answer, retries' backoff
    return execution_arn, sfn.describe_execution(executionArn=execution_arn)


def test_a_fallback_allocation_that_timed_out_but_landed_is_adopted(late: tuple[Any, LateAllocations],
                                                                    aws: AwsFixture) -> None:
    sfn, wrapper = late
    wrapper.plans = ["landed"]
    execution_arn, result = fall_back(sfn, deploy(sfn, aws, "migrate_user"), USER)
    assert result["status"] == "SUCCEEDED", (result.get("error"), result.get("cause"))
    assert json.loads(result["output"]) == {"status": "FALLBACK", "username": "m@example.com", "userId": "1"}
    path = entered_states(sfn, execution_arn)
    start = path.index("AllocateUserId")
    assert path[start:start + 5] == ["AllocateUserId", "FenceAllocation", "ReadSettledAllocation",
                                     "JudgeSettledAllocation", "AdoptSettledId"]
    assert "ReleaseAllocation" not in path  # a settled record stays: the fence
    assert [u["Username"] for u in aws.cognito_users()] == ["1"]
    assert assert_every_id_is_a_user_or_a_tombstone(aws) == 1
    assert allocation_records(aws) == {record_name(execution_arn): "1"}


def test_a_fallback_allocation_still_in_flight_is_fenced_and_changes_nothing_when_it_lands(
        late: tuple[Any, LateAllocations], aws: AwsFixture) -> None:
    sfn, wrapper = late
    wrapper.plans = ["in-flight"]
    execution_arn, result = fall_back(sfn, deploy(sfn, aws, "migrate_user"), USER)
    assert result["status"] == "FAILED" and result["error"] == "MigrateUser.AllocationFailed"
    record = aws.item("MIGRATION#m@example.com", "MIGRATION")
    assert record["provisionError"] == {"S": "States.Timeout"} and "userId" not in record
    assert wrapper.land_in_flight() == ["ConditionalCheckFailedException"]  # the fence holds
    assert assert_every_id_is_a_user_or_a_tombstone(aws) == 0
    assert allocation_records(aws) == {record_name(execution_arn): "0"}
    assert aws.items("USER#") == [] and aws.cognito_users() == []


def test_a_sign_in_allocation_that_timed_out_but_landed_is_adopted(late: tuple[Any, LateAllocations],
                                                                   aws: AwsFixture) -> None:
    sfn, wrapper = late
    wrapper.plans = ["landed"]
    arn = deploy(sfn, aws, "migrate_user")
    execution_arn = sfn.start_execution(stateMachineArn=arn, name="m1", input=json.dumps(USER))["executionArn"]
    token = aws.item("MIGRATION#m@example.com", "MIGRATION")["taskToken"]["S"]
    sfn.send_task_success(taskToken=token, output=json.dumps({**USER, "migratedVia": "operator"}))
    sfn.advance(600)
    result = sfn.describe_execution(executionArn=execution_arn)
    assert result["status"] == "SUCCEEDED", (result.get("error"), result.get("cause"))
    assert json.loads(result["output"])["userId"] == "1"
    assert aws.item("USER#m@example.com", "PROFILE")["userId"] == {"N": "1"}
    assert assert_every_id_is_a_user_or_a_tombstone(aws) == 1


def test_prompt_allocations_release_their_record_also_when_the_id_is_tombstoned(sfn: Any, aws: AwsFixture) -> None:
    arn = deploy(sfn, aws, "migrate_user")
    aws.ddb.put_item(TableName="users", Item={"pk": {"S": "EMAIL#b@example.com"}, "sk": {"S": "EMAIL"},
                                              "userId": {"N": "77"}})  # b's email belongs to someone else
    for i, email in enumerate(("a@example.com", "b@example.com")):
        sfn.start_execution(stateMachineArn=arn, name=f"m{i}",
                            input=json.dumps({"legacyUserId": f"l{i}", "email": email}))
    sfn.advance(DAYS_180 + 1)
    outputs = sorted(json.loads(sfn.describe_execution(executionArn=x["executionArn"])["output"])["status"]
                     for x in sfn.list_executions(stateMachineArn=arn)["executions"])
    assert outputs == ["CONFLICT", "FALLBACK"]
    assert assert_every_id_is_a_user_or_a_tombstone(aws) == 2
    assert len(aws.items("TOMBSTONE#")) == 1  # the conflict's id
    assert allocation_records(aws) == {}  # both records released: the counter item stays small


def test_a_concurrent_batch_with_late_landing_allocations_loses_no_id(late: tuple[Any, LateAllocations],
                                                                      aws: AwsFixture) -> None:
    """60 users through migrate_batch: a third signs in (operator callbacks from 6 threads at once), the
    rest fall back at the deadline; a random third of the allocations time out and land late or stay in
    flight until after the workflows settled them."""
    sfn, wrapper = late
    rng = random.Random(10)
    wrapper.plans = [rng.choice(["prompt", "prompt", "landed", "in-flight"]) for _ in range(60)]
    user_arn = deploy(sfn, aws, "migrate_user")
    batch_arn = deploy(sfn, aws, "migrate_batch", MigrateUserStateMachineArn=user_arn)
    users = [{"legacyUserId": f"legacy-{i}", "email": f"u{i}@example.com"} for i in range(60)]
    batch = sfn.start_execution(stateMachineArn=batch_arn, input=json.dumps({"users": users}))["executionArn"]
    assert sfn.describe_execution(executionArn=batch)["status"] == "SUCCEEDED"
    tokens = [aws.item(f"MIGRATION#u{i}@example.com", "MIGRATION")["taskToken"]["S"] for i in range(0, 60, 3)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda t: sfn.send_task_success(taskToken=t, output=json.dumps({"migratedVia": "operator"})),
                      tokens))
    sfn.advance(DAYS_180 + 1)
    sfn.advance(600)

    executions = sfn.list_executions(stateMachineArn=user_arn, maxResults=1000)["executions"]
    assert len(executions) == 60
    results = [sfn.describe_execution(executionArn=e["executionArn"]) for e in executions]
    failed = [r for r in results if r["status"] == "FAILED"]
    assert {r["error"] for r in failed} <= {"MigrateUser.AllocationFailed"}
    assert wrapper.taken.count("in-flight") == len(failed) > 0  # each in-flight one failed cleanly ...
    assert wrapper.land_in_flight() == ["ConditionalCheckFailedException"] * len(failed)  # ... and stays fenced
    assert wrapper.taken.count("landed") > 0
    done = [json.loads(r["output"]) for r in results if r["status"] == "SUCCEEDED"]
    assert {o["status"] for o in done} == {"MIGRATED", "FALLBACK"} and len(done) + len(failed) == 60
    allocated = assert_every_id_is_a_user_or_a_tombstone(aws)
    ids = sorted(int(o["userId"]) for o in done)
    assert ids == list(range(1, allocated + 1))  # every id went to exactly one migration
    assert sorted(u["Username"] for u in aws.cognito_users()) == sorted(
        o["userId"] for o in done if o["status"] == "FALLBACK")
    # prompt allocations released their record; the settled ones keep theirs as the fence
    settled = {record_name(r["executionArn"]) for r in results
               if "FenceAllocation" in entered_states(sfn, r["executionArn"])}
    assert set(allocation_records(aws)) == settled and len(settled) == len(wrapper.taken) - wrapper.taken.count("prompt")
