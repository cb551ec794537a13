"""Load test of the local API: 200 signups from 16 threads through POST /users.

Asserts correctness only (every request 201, 200 unique consecutive ids, the counter, profiles,
email reservations and Cognito users all at exactly 200, no tombstones) and prints signups/s; the
rate is information, never a pass/fail criterion here.
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from workflows.local.demo import api_call
from workflows.local.stack import LocalStack

SIGNUPS, THREADS = 200, 16


@pytest.fixture(scope="module")
def stack():
    with LocalStack(clock="real") as running:
        yield running


def scan_count(stack: LocalStack, prefix: str) -> int:
    ddb, count, kwargs = stack.client("dynamodb"), 0, {}
    while True:
        page = ddb.scan(TableName=stack.users_table, FilterExpression="begins_with(pk, :p)",
                        ExpressionAttributeValues={":p": {"S": prefix}}, Select="COUNT", **kwargs)
        count += page["Count"]
        if "LastEvaluatedKey" not in page:
            return count
        kwargs = {"ExclusiveStartKey": page["LastEvaluatedKey"]}


def test_200_signups_from_16_threads(stack: LocalStack, capsys: pytest.CaptureFixture[str]) -> None:
    idp = stack.client("cognito-idp")
    idp.admin_create_user(UserPoolId=stack.user_pool_id, Username="load-admin", MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=stack.user_pool_id, Username="load-admin",
                                Password="Load-Admin-Pass-1!", Permanent=True)
    idp.admin_add_user_to_group(UserPoolId=stack.user_pool_id, Username="load-admin", GroupName="Registrar")
    token = idp.initiate_auth(ClientId=stack.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={
        "USERNAME": "load-admin", "PASSWORD": "Load-Admin-Pass-1!"})["AuthenticationResult"]["AccessToken"]

    def signup(i: int) -> tuple[int, Any]:
        return api_call(stack.api_url, "POST", "/users", token,
                        {"email": f"load{i:04d}@example.com", "displayName": f"Load {i}", "groups": ["User"]})

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = list(pool.map(signup, range(SIGNUPS)))
    elapsed = time.perf_counter() - started

    errors = [(status, body) for status, body in results if status != 201]
    assert errors == []
    ids = sorted(body["userId"] for _, body in results)
    assert ids == list(range(1, SIGNUPS + 1))  # unique and consecutive: no id lost or reused
    counter = stack.client("dynamodb").get_item(TableName=stack.users_table, ConsistentRead=True, Key={
        "pk": {"S": "COUNTER#userId"}, "sk": {"S": "COUNTER"}})["Item"]["value"]["N"]
    assert int(counter) == SIGNUPS
    assert scan_count(stack, "USER#") == SIGNUPS
    assert scan_count(stack, "EMAIL#") == SIGNUPS
    assert scan_count(stack, "TOMBSTONE#") == 0
    users = [u for page in idp.get_paginator("list_users").paginate(UserPoolId=stack.user_pool_id)
             for u in page["Users"] if u["Username"] != "load-admin"]
    assert sorted(int(u["Username"]) for u in users) == ids
    with capsys.disabled():
        print(f"\nlocal API load: {SIGNUPS} signups from {THREADS} threads in {elapsed:.2f} s = "
              f"{SIGNUPS / elapsed:.1f} signups/s, 0 errors")
