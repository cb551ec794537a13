"""Fill the users table with M items shaped like the ones signup writes, before a load.

A table "with 100,000 users" is only realistic if its items are what signup leaves behind, with ids
the counter really handed out: so the ids come from ONE atomic ADD of M // 2 on `COUNTER#userId`
(as if that many users had signed up before), and each id gets its email reservation and its profile
(the two items signup's transaction writes). An odd M ends with one tombstone, a burned id as signup's
compensation writes it. Prefilled users have no Cognito user: the table is what is loaded here, and
the invariant check covers the ids a load run allocates.

Items go in by BatchWriteItem (25 a request, unprocessed items resent) from a few threads.
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from .target import StackTarget

BATCH = 25
COUNTER_KEY = {"pk": {"S": "COUNTER#userId"}, "sk": {"S": "COUNTER"}}
CREATED_AT = "2020-01-01T00:00:00.000Z"


@dataclass(frozen=True)
class Prefilled:
    items: int
    first_id: int
    last_id: int
    seconds: float


def user_items(user_id: int, email: str) -> list[dict[str, Any]]:
    """The email reservation and the profile signup writes for one user (docs/contracts.md)."""
    uid = {"N": str(user_id)}
    return [
        {"pk": {"S": f"EMAIL#{email}"}, "sk": {"S": "EMAIL"}, "userId": uid},
        {"pk": {"S": f"USER#{user_id}"}, "sk": {"S": "PROFILE"}, "userId": uid, "email": {"S": email},
         "displayName": {"S": f"Prefilled {user_id}"}, "tenantId": {"S": "default"}, "plan": {"S": "free"},
         "groups": {"L": [{"S": "User"}]}, "createdAt": {"S": CREATED_AT}},
    ]


def tombstone_item(user_id: int) -> dict[str, Any]:
    return {"pk": {"S": f"TOMBSTONE#{user_id}"}, "sk": {"S": "TOMBSTONE"}, "userId": {"N": str(user_id)},
            "reason": {"S": "Prefilled"}, "error": {"S": "Prefill"}, "cause": {"S": "a burned id, for a realistic table"},
            "at": {"S": CREATED_AT}}


def allocate(ddb: Any, table: str, count: int) -> int:
    """Take `count` ids from the counter in one atomic ADD; the first of them."""
    got = ddb.update_item(TableName=table, Key=COUNTER_KEY, UpdateExpression="ADD #value :n",
                          ExpressionAttributeNames={"#value": "value"},
                          ExpressionAttributeValues={":n": {"N": str(count)}}, ReturnValues="UPDATED_NEW")
    return int(got["Attributes"]["value"]["N"]) - count + 1


def prefill(target: StackTarget, count: int, *, tag: str, threads: int = 8,
            on_progress: Callable[[int], None] = lambda _n: None) -> Prefilled:
    """Put `count` items into the users table; `tag` keeps the emails apart from other runs'."""
    if count <= 0:
        return Prefilled(0, 0, 0, 0.0)
    started = time.perf_counter()
    ddb = target.client("dynamodb", pool_size=threads)
    users, tombstones = divmod(count, 2)
    first = allocate(ddb, target.users_table, users + tombstones)

    def items() -> Iterator[dict[str, Any]]:
        for offset in range(users):
            yield from user_items(first + offset, f"prefill-{tag}-{first + offset}@example.com")
        if tombstones:
            yield tombstone_item(first + users)

    def write(batch: list[dict[str, Any]]) -> None:
        requests = [{"PutRequest": {"Item": item}} for item in batch]
        for attempt in range(10):
            unprocessed = ddb.batch_write_item(RequestItems={target.users_table: requests}).get("UnprocessedItems")
            requests = (unprocessed or {}).get(target.users_table) or []
            if not requests:
                break
            time.sleep(min(0.05 * 2 ** attempt, 1.0))
        else:
            raise RuntimeError(f"prefill: {len(requests)} items stayed unprocessed after 10 attempts")
        on_progress(len(batch))

    with ThreadPoolExecutor(max_workers=threads) as pool:
        for group in _batches(_batches(items(), BATCH), threads * 8):  # bounded: never all items at once
            list(pool.map(write, group))
    return Prefilled(count, first, first + users + tombstones - 1, time.perf_counter() - started)


def _batches(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
