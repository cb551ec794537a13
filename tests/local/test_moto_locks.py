"""moto's requests are serialized per table / pool / queue (workflows/local/moto_locks.py).

Two kinds of checks: which locks a request takes (plan_for), and, through MotoServices, that a
request waits exactly for the requests touching the same state - and that concurrent writers to
one table still lose nothing.
"""
from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from workflows.local.moto_locks import EVERYTHING, LockPlan, SharedExclusiveLock, plan_for
from workflows.local.moto_services import MotoServices

ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/"


def plan(service: str | None, action: str, payload: Any, pools: dict[str, str] | None = None) -> LockPlan:
    return plan_for(service, action, json.dumps(payload).encode(), (pools or {}).get)


@pytest.mark.parametrize(("action", "payload", "tables"), [
    ("UpdateItem", {"TableName": "users", "Key": {}}, ("users",)),
    ("GetItem", {"TableName": ARN + "users"}, ("users",)),  # an ARN shares the name's lock
    ("TransactWriteItems", {"TransactItems": [{"Put": {"TableName": "b"}}, {"Update": {"TableName": ARN + "a"}},
                                              {"ConditionCheck": {"TableName": "b"}}]}, ("a", "b")),
    ("BatchWriteItem", {"RequestItems": {"z": [], "y": []}}, ("y", "z")),
    ("TransactGetItems", {"TransactItems": [{"Get": {"TableName": "t"}}]}, ("t",)),
])
def test_item_actions_lock_the_tables_they_name_in_sorted_order(action: str, payload: Any, tables: tuple[str, ...]) -> None:
    assert plan("dynamodb", action, payload) == LockPlan("dynamodb", tables)


@pytest.mark.parametrize(("action", "payload"), [
    ("CreateTable", {"TableName": "new"}),       # changes the backend's table list
    ("DeleteTable", {"TableName": "users"}),
    ("ListTables", {}),
    ("TransactWriteItems", {"TransactItems": [{"Put": {}}]}),  # a table it does not name: be safe
])
def test_service_wide_or_malformed_dynamodb_requests_hold_the_whole_service(action: str, payload: Any) -> None:
    assert plan("dynamodb", action, payload) == LockPlan("dynamodb", None)


def test_cognito_requests_lock_their_pool_also_when_named_by_client() -> None:
    assert plan("cognito-idp", "AdminCreateUser", {"UserPoolId": "p1"}) == LockPlan("cognito-idp", ("p1",))
    assert plan("cognito-idp", "InitiateAuth", {"ClientId": "c1"}, {"c1": "p1"}) == LockPlan("cognito-idp", ("p1",))
    assert plan("cognito-idp", "InitiateAuth", {"ClientId": "unknown"}) == LockPlan("cognito-idp", None)
    assert plan("cognito-idp", "CreateUserPool", {"PoolName": "x"}) == LockPlan("cognito-idp", None)
    assert plan("cognito-idp", "DeleteUserPool", {"UserPoolId": "p1"}) == LockPlan("cognito-idp", None)
    assert plan("cognito-idp", "GetUser", {"AccessToken": "t"}) == LockPlan("cognito-idp", None)  # any pool's token


def test_sqs_requests_lock_their_queue_and_unknown_services_lock_everything() -> None:
    assert plan("sqs", "SendMessage", {"QueueUrl": "http://x/123456789012/jobs"}) == LockPlan("sqs", ("jobs",))
    assert plan("sqs", "CreateQueue", {"QueueName": "jobs"}) == LockPlan("sqs", None)
    assert plan(None, "PutEvents", {}) == EVERYTHING
    assert plan_for("dynamodb", "GetItem", b"not json") == LockPlan("dynamodb", None)


# -- MotoServices: who waits for whom --------------------------------------------------------------------
@pytest.fixture
def moto() -> MotoServices:
    services = MotoServices()
    for name in ("a", "b"):
        created = services.call("dynamodb", "CreateTable", {
            "TableName": name, "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]})
        assert created.status in (200, 400)  # 400: made by an earlier test in this process
    return services


def _get(moto: MotoServices, table: str) -> int:
    return moto.call("dynamodb", "GetItem", {"TableName": table, "Key": {"pk": {"S": "x"}}}).status


def test_a_request_waits_only_for_its_own_table(moto: MotoServices) -> None:
    with ThreadPoolExecutor(2) as pool, moto.locked("dynamodb", "b"):
        other_table = pool.submit(_get, moto, "a")
        same_table = pool.submit(_get, moto, ARN + "b")
        assert other_table.result(timeout=30) == 200  # not blocked by b's lock
        assert not same_table.done()
    assert same_table.result(timeout=30) == 200  # ran once b was released


def test_a_service_wide_request_waits_for_every_table_request(moto: MotoServices) -> None:
    with ThreadPoolExecutor(1) as pool, moto.locked("dynamodb", "a"):
        listing = pool.submit(moto.call, "dynamodb", "ListTables", {})
        cognito = moto.call("cognito-idp", "ListUserPools", {"MaxResults": 1})  # another service: not blocked
        assert cognito.status == 200
        assert not listing.done()
    assert listing.result(timeout=30).status == 200


def test_concurrent_writers_lose_nothing_across_tables_and_transactions(moto: MotoServices) -> None:
    key = {"pk": {"S": "COUNTER"}}
    add = {"UpdateExpression": "ADD #v :one", "ExpressionAttributeNames": {"#v": "v"},
           "ExpressionAttributeValues": {":one": {"N": "1"}}}
    moto.call("dynamodb", "DeleteItem", {"TableName": "a", "Key": key})

    def worker(n: int) -> None:
        for i in range(20):
            if n % 2:
                response = moto.call("dynamodb", "UpdateItem", {"TableName": "a", "Key": key, **add})
            else:  # one transaction over both tables: counter in a, one item in b
                response = moto.call("dynamodb", "TransactWriteItems", {"TransactItems": [
                    {"Update": {"TableName": ARN + "a", "Key": key, **add}},
                    {"Put": {"TableName": "b", "Item": {"pk": {"S": f"w{n}-{i}"}}}}]})
            assert response.status == 200, response.body

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(worker, range(8)))
    got = moto.call("dynamodb", "GetItem", {"TableName": "a", "Key": key, "ConsistentRead": True}).json()
    assert got["Item"]["v"] == {"N": "160"}


def test_waiting_exclusive_holders_go_before_new_shared_ones() -> None:
    lock, order = SharedExclusiveLock(), []
    lock.acquire(exclusive=False)
    writer = threading.Thread(target=lambda: (lock.acquire(True), order.append("exclusive"), lock.release(True)))
    writer.start()
    while not lock._waiting_exclusive:  # the writer is queued behind the shared holder
        threading.Event().wait(0.001)
    reader = threading.Thread(target=lambda: (lock.acquire(False), order.append("shared"), lock.release(False)))
    reader.start()
    lock.release(exclusive=False)
    writer.join(30)
    reader.join(30)
    assert order == ["exclusive", "shared"]
