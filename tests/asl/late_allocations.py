"""Fault injection for issue 10 item 3, shared by every machine that allocates user ids.

`LateAllocations` wraps the test's DynamoDB client: a chosen allocation call (the counter's
`ADD #value` UpdateItem) sleeps past the Task's TimeoutSeconds - virtual time, so the engine's timer
wins, as on AWS - and either writes first ("landed": it applied, the answer was lost) or writes only
when the test delivers it ("in-flight": still on its way while the workflow fences it). Each call
takes the next plan from `plans` ("prompt" once they run out).

`assert_every_id_is_a_user_or_a_tombstone` is the promise itself: the counter's ids 1..value are
each a profile's userId or a tombstone's, never both, never neither.
"""
from __future__ import annotations

import threading
from typing import Any

from workflows.engine import virtual_sleep

from .conftest import AwsFixture

PLANS = ("prompt", "landed", "in-flight")


class LateAllocations:
    """Wraps the test's DynamoDB client: chosen allocation calls time out; `plans` say how."""

    def __init__(self, aws: AwsFixture, plans: list[str] | None = None) -> None:
        self.aws, self.plans, self.in_flight = aws, list(plans or []), []
        self.taken: list[str] = []  # the plan each allocation call took, in call order
        self.lock = threading.Lock()

    def client_factory(self, service: str) -> Any:
        client = self.aws.client_factory(service)
        if service != "dynamodb":
            return client
        late = self

        class Client:
            def __getattr__(self, name: str) -> Any:
                return getattr(client, name)

            def update_item(self, **kwargs: Any) -> Any:
                if not kwargs.get("UpdateExpression", "").startswith("ADD #value"):
                    return client.update_item(**kwargs)
                with late.lock:
                    plan = late.plans.pop(0) if late.plans else "prompt"
                    late.taken.append(plan)
                if plan == "prompt":
                    return client.update_item(**kwargs)
                if plan == "landed":  # the write happens; its answer comes after the task's deadline
                    client.update_item(**kwargs)
                else:  # "in-flight": the write is still on its way when the workflow settles
                    with late.lock:
                        late.in_flight.append(kwargs)
                virtual_sleep(30)
                return {"Attributes": {"value": {"N": "999999"}}}  # never seen: the task timed out

        return Client()

    def land_in_flight(self) -> list[str]:
        """Deliver the writes still in flight; each one's outcome (error code or 'applied')."""
        outcomes = []
        for kwargs in self.in_flight:
            try:
                self.aws.client_factory("dynamodb").update_item(**kwargs)
                outcomes.append("applied")
            except Exception as error:  # noqa: BLE001 - the code is the assertion
                outcomes.append(error.response["Error"]["Code"])  # type: ignore[attr-defined]
        self.in_flight.clear()
        return outcomes


def assert_every_id_is_a_user_or_a_tombstone(aws: AwsFixture) -> int:
    """The counter's ids are each a user (a profile's userId) or a tombstone; returns how many."""
    counter = aws.item("COUNTER#userId", "COUNTER")
    allocated = int(counter["value"]["N"]) if counter and "value" in counter else 0
    users = [int(i["userId"]["N"]) for i in aws.items("USER#")]
    tombstones = [int(i["userId"]["N"]) for i in aws.items("TOMBSTONE#")]
    assert len(users) == len(set(users)), sorted(users)  # one profile per id
    assert set(users).isdisjoint(tombstones)
    assert set(users) | set(tombstones) == set(range(1, allocated + 1)), (allocated, sorted(users), sorted(tombstones))
    return allocated


def allocation_records(aws: AwsFixture) -> dict[str, str]:
    """The counter item's alloc-<md5 of an execution id> attributes (name -> id, "0" = nothing taken)."""
    counter = aws.item("COUNTER#userId", "COUNTER") or {}
    return {name: value["N"] for name, value in counter.items() if name.startswith("alloc-")}
