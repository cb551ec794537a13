"""The signup invariant after a concurrent load whose DynamoDB calls are slow (issue "The local stack
at scale": a test, not timed, that the invariant holds after a concurrent run with injected slow
DynamoDB calls).

What is injected, on the stack's own DynamoDB client (the one the engine's tasks call), with
botocore's event hooks so the requests still go through moto and the stack's locks:
- every call waits 0-20 ms before it is sent (seeded), so concurrent signups interleave differently
  from an unloaded run;
- some of the counter allocations (the `ADD #value` UpdateItem) are slower than the Task's
  TimeoutSeconds: "landed" ones are applied at once and answered late (the workflow has timed out,
  the id is taken), "in-flight" ones are sent only after the timeout (the workflow fences them first).
  That is the case where, before issue #10's idempotent allocation, ids were lost.

The load is `workflows load signup`'s own driver (StartSyncExecution over HTTP, 16 callers) and the
verdict is its own invariant check, read after every late call has finished. (Checked by hand: with
AllocateUserId's States.Timeout caught as "not allocated", the pre-#10 rule, it reports the landed
ids as lost.)
"""
from __future__ import annotations

import random
import threading
import time
from typing import Any

import pytest

from workflows.load import driver, invariant
from workflows.load.target import StackTarget
from workflows.local.stack import LocalStack
from workflows.user_id_allocation import TIMEOUT_SECONDS

SIGNUPS, CONCURRENCY = 96, 16
LATE_SECONDS = TIMEOUT_SECONDS + 1.5
LATE_PLANS = ["landed", "in-flight"] * 3  # the first allocation calls that draw a late plan


class SlowDynamoDB:
    """botocore hooks that slow the client's calls; counts what it did so the test can tell."""

    def __init__(self, client: Any, seed: int = 15) -> None:
        self.rng, self.lock = random.Random(seed), threading.Lock()
        self.pending = threading.Condition(self.lock)
        self.plans = list(LATE_PLANS)
        self.allocations = 0
        self.taken: list[str] = []
        self.late_answers: list[str] = []  # what each late call got: "ok" or its error code
        self.in_flight_now = 0
        events = client.meta.events
        events.register_first("before-send.dynamodb", self.jitter)  # ahead of the in-process transport
        events.register("before-parameter-build.dynamodb.UpdateItem", self.plan)
        events.register("before-call.dynamodb.UpdateItem", self.hold_in_flight)
        events.register("after-call.dynamodb.UpdateItem", self.answer_late)

    def jitter(self, **_: Any) -> None:
        with self.lock:
            pause = self.rng.uniform(0, 0.02)
        time.sleep(pause)

    def plan(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        if not str(params.get("UpdateExpression", "")).startswith("ADD #value"):
            return
        with self.lock:
            self.allocations += 1
            # every third allocation from the 4th on takes the next late plan, until they run out
            if self.plans and self.allocations > 3 and self.allocations % 3 == 0:
                context["slow_plan"] = self.plans.pop(0)
                self.taken.append(context["slow_plan"])
                self.in_flight_now += 1

    def hold_in_flight(self, context: dict[str, Any], **_: Any) -> None:
        if context.get("slow_plan") == "in-flight":
            time.sleep(LATE_SECONDS)  # sent only after the Task's TimeoutSeconds has passed

    def answer_late(self, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        plan = context.get("slow_plan")
        if plan is None:
            return
        if plan == "landed":
            time.sleep(LATE_SECONDS)  # applied already; the answer comes after the deadline
        with self.pending:
            self.late_answers.append(parsed.get("Error", {}).get("Code", "ok"))
            self.in_flight_now -= 1
            self.pending.notify_all()

    def wait_for_late_calls(self, timeout: float) -> bool:
        with self.pending:
            return self.pending.wait_for(lambda: self.in_flight_now == 0, timeout)


@pytest.fixture(scope="module")
def stack():
    with LocalStack(clock="real") as running:
        yield running


def test_the_invariant_holds_after_a_concurrent_load_with_slow_dynamodb_calls(stack: LocalStack) -> None:
    slow = SlowDynamoDB(stack.client("dynamodb"))  # the engine's tasks call this very client
    target = StackTarget.discover(stack.url)
    before = invariant.read_counter(target)
    signup = driver.SfnSignups(target, CONCURRENCY, tag="slow")
    result = driver.run_signups(signup, users=SIGNUPS, concurrency=CONCURRENCY, time_limit=300,
                                tag="slow", via="sfn")
    assert slow.wait_for_late_calls(timeout=60), "a late DynamoDB call never finished"

    assert slow.taken == LATE_PLANS, "the late allocations were not all injected"
    assert len(slow.late_answers) == len(LATE_PLANS)
    assert len(result.outcomes) == SIGNUPS
    report = invariant.check(target, result, before)
    assert report.ok, report.violations
    # every id the counter handed out is accounted for: a user per created signup, the rest tombstones
    assert report.users == len(result.created)
    assert report.users + report.tombstones == report.last_id - report.first_id + 1
    # real work was done (an unloaded run creates all but the fenced ones; a loaded machine may add
    # 503s, which the invariant still covers): a run where nothing was allocated proves nothing
    assert len(result.created) >= SIGNUPS // 2, result.errors_by_type()
