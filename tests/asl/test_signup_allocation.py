"""Issue 10, item 3: every allocated id ends as a user or a tombstone, also when the allocation's
UpdateItem times out and its write lands anyway - before the workflow settles it, or after.

The late landing is injected below the engine (late_allocations.LateAllocations, shared with the
migrate_user tests): a DynamoDB client whose allocation call sleeps past the Task's TimeoutSeconds
(virtual time: the engine's timer wins, as on AWS) and either writes first (it landed, the answer
was lost) or writes only when the test says so (still in flight when the workflow fenced it).
"""
from __future__ import annotations

import json
import random
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from .conftest import ACCOUNT, REGION, AwsFixture, deploy, entered_states
from .late_allocations import LateAllocations, assert_every_id_is_a_user_or_a_tombstone

MACHINE = "signup"


@pytest.fixture()
def late(aws: AwsFixture) -> tuple[Any, str, LateAllocations]:
    from workflows.engine import StepFunctions

    wrapper = LateAllocations(aws)
    sfn = StepFunctions(region_name=REGION, account_id=ACCOUNT, clock="virtual", client_factory=wrapper.client_factory)
    return sfn, deploy(sfn, aws, MACHINE), wrapper


def signup(sfn: Any, arn: str, email: str) -> tuple[int, dict[str, Any], str]:
    response = sfn.start_sync_execution(stateMachineArn=arn, input=json.dumps({"email": email, "groups": ["User"]}))
    assert response["status"] == "SUCCEEDED", response
    output = json.loads(response["output"])
    return output["statusCode"], json.loads(output["body"]), response["executionArn"]


def test_an_allocation_that_timed_out_but_landed_is_adopted(late: tuple[Any, str, LateAllocations],
                                                           aws: AwsFixture) -> None:
    sfn, arn, wrapper = late
    wrapper.plans = ["landed"]
    status, body, execution = signup(sfn, arn, "landed@example.com")
    assert status == 201 and body["userId"] == 1, body
    path = entered_states(sfn, execution)
    assert path[path.index("AllocateUserId"):path.index("AllocateUserId") + 5] == [
        "AllocateUserId", "FenceAllocation", "ReadSettledAllocation", "JudgeSettledAllocation", "AdoptSettledId"]
    assert [u["Username"] for u in aws.cognito_users()] == ["1"]
    assert assert_every_id_is_a_user_or_a_tombstone(aws) == 1


def test_an_allocation_still_in_flight_is_fenced_and_changes_nothing_when_it_lands(
        late: tuple[Any, str, LateAllocations], aws: AwsFixture) -> None:
    sfn, arn, wrapper = late
    wrapper.plans = ["in-flight"]
    status, body, _ = signup(sfn, arn, "fenced@example.com")
    assert status == 503 and body["error"] == "ServiceUnavailable"
    assert wrapper.land_in_flight() == ["ConditionalCheckFailedException"]  # the fence holds
    assert assert_every_id_is_a_user_or_a_tombstone(aws) == 0
    status, body, _ = signup(sfn, arn, "fenced@example.com")  # a retry by the client: a fresh id 1
    assert status == 201 and body["userId"] == 1


def test_under_load_with_late_landings_no_id_is_lost(late: tuple[Any, str, LateAllocations], aws: AwsFixture) -> None:
    sfn, arn, wrapper = late
    rng = random.Random(10)
    wrapper.plans = [rng.choice(["prompt", "prompt", "landed", "in-flight"]) for _ in range(60)]
    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(lambda i: signup(sfn, arn, f"load{i}@example.com")[:2], range(60)))
    assert {status for status, _ in results} <= {201, 503}
    assert wrapper.land_in_flight() == ["ConditionalCheckFailedException"] * len(
        [status for status, _ in results if status == 503])
    allocated = assert_every_id_is_a_user_or_a_tombstone(aws)
    assert allocated == len([1 for status, _ in results if status == 201])
    ids = sorted(body["userId"] for status, body in results if status == 201)
    assert ids == list(range(1, allocated + 1))


def test_prompt_allocations_release_their_record(sfn: Any, arn: str, aws: AwsFixture) -> None:
    assert signup(sfn, arn, "a@example.com")[0] == 201
    assert signup(sfn, arn, "a@example.com")[0] == 409  # a tombstone, then released too
    counter = aws.item("COUNTER#userId", "COUNTER")
    assert set(counter) == {"pk", "sk", "value"} and counter["value"] == {"N": "2"}


def test_an_allocation_that_cannot_be_settled_fails_the_execution_by_name(mocked: tuple[Any, str],
                                                                         aws: AwsFixture) -> None:
    sfn, arn = mocked
    response = sfn.start_sync_execution(stateMachineArn=f"{arn}#AllocationUnsettled",
                                        input=json.dumps({"email": "u@example.com"}))
    assert response["status"] == "FAILED" and response["error"] == "Signup.AllocationUnsettled"
