"""Fixtures for running asl/ machines on the embedded engine against moto's DynamoDB and Cognito.

`aws` opens moto's in-process mock, creates the users table, a user pool (email alias, the three
groups) and hands out boto3 clients through a factory that:
- serializes calls with one lock, because moto's backends are not thread-safe (concurrent ADDs on
  one item lose increments in moto, never on DynamoDB), and
- counts calls per (service, operation), so tests can prove "one UpdateItem per signup".
"""
from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from workflows.definitions import MACHINE_TYPES, render

REGION = "us-east-1"
ACCOUNT = "123456789012"
TABLE = "users"
# Fault injection: mock configs that mock only the failing state, the rest runs on moto (so tests
# can prove compensation left nothing behind). tests/mocks/ holds the fully mocked, portable ones.
MOCKS_DIR = Path(__file__).resolve().parent / "fault_injection"
PORTABLE_MOCKS_DIR = Path(__file__).resolve().parent.parent / "mocks"
GROUPS = ("Admin", "Registrar", "User")


class SerializedClient:
    """A boto3 client whose API calls run one at a time and are counted."""

    def __init__(self, client: Any, service: str, lock: threading.Lock, calls: Counter) -> None:
        self._client, self._service, self._lock, self._calls = client, service, lock, calls

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if name.startswith("_") or name in {"meta", "exceptions"} or not callable(attr):
            return attr
        if name in {"get_paginator", "get_waiter", "can_paginate", "close"}:
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                self._calls[(self._service, name)] += 1
                return attr(*args, **kwargs)

        return call


@dataclass
class AwsFixture:
    ddb: Any
    cognito: Any
    pool_id: str
    calls: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def client_factory(self, service: str) -> Any:
        return SerializedClient(boto3.client(service, region_name=REGION), service, self.lock, self.calls)

    def params(self, **extra: str) -> dict[str, str]:
        return {"UsersTable": TABLE, "UserPoolId": self.pool_id, "EventBusName": "default",
                "AccountId": ACCOUNT, "Region": REGION, "Partition": "aws", **extra}

    def item(self, pk: str, sk: str) -> dict[str, Any] | None:
        with self.lock:
            return self.ddb.get_item(TableName=TABLE, Key={"pk": {"S": pk}, "sk": {"S": sk}},
                                     ConsistentRead=True).get("Item")

    def items(self, prefix: str) -> list[dict[str, Any]]:
        with self.lock:
            pages = self.ddb.get_paginator("scan").paginate(TableName=TABLE)
            return [i for page in pages for i in page["Items"] if i["pk"]["S"].startswith(prefix)]

    def cognito_users(self) -> list[dict[str, Any]]:
        with self.lock:
            pages = self.cognito.get_paginator("list_users").paginate(UserPoolId=self.pool_id)
            return [u for page in pages for u in page["Users"]]

    def groups_of(self, username: str) -> set[str]:
        with self.lock:
            groups = self.cognito.admin_list_groups_for_user(UserPoolId=self.pool_id, Username=username)
            return {g["GroupName"] for g in groups["Groups"]}


@contextmanager
def moto_aws() -> Iterator[AwsFixture]:
    """moto's in-process mock with the users table and a user pool with the three groups."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        for var in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
                    "SFN_MOCK_CONFIG"):
            monkeypatch.delenv(var, raising=False)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
        with mock_aws():
            ddb = boto3.client("dynamodb", region_name=REGION)
            ddb.create_table(
                TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                      {"AttributeName": "sk", "AttributeType": "S"}],
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            )
            cognito = boto3.client("cognito-idp", region_name=REGION)
            pool_id = cognito.create_user_pool(PoolName="users", AliasAttributes=["email"])["UserPool"]["Id"]
            for group in GROUPS:
                cognito.create_group(UserPoolId=pool_id, GroupName=group)
            yield AwsFixture(ddb=ddb, cognito=cognito, pool_id=pool_id)


@pytest.fixture
def aws() -> Iterator[AwsFixture]:
    with moto_aws() as fixture:
        yield fixture


@pytest.fixture
def make_sfn(aws: AwsFixture) -> Callable[..., Any]:
    """StepFunctions on the virtual clock wired to moto; pass mock_config= for failure injection."""
    from workflows.engine import StepFunctions

    def make(mock_config: Any = None) -> Any:
        return StepFunctions(region_name=REGION, account_id=ACCOUNT, clock="virtual",
                             client_factory=aws.client_factory, mock_config=mock_config)

    return make


@pytest.fixture
def sfn(make_sfn: Callable[..., Any]) -> Any:
    """The engine with no mock config: every Task runs against moto."""
    return make_sfn()


@pytest.fixture
def arn(request: pytest.FixtureRequest, sfn: Any, aws: AwsFixture) -> str:
    """ARN of the test module's ``MACHINE`` deployed on ``sfn``."""
    return deploy(sfn, aws, request.module.MACHINE)


@pytest.fixture
def mocked(request: pytest.FixtureRequest, make_sfn: Callable[..., Any], aws: AwsFixture) -> tuple[Any, str]:
    """(engine with fault_injection/<MACHINE>.json, ARN of the module's ``MACHINE`` on it): only the
    states a test case names are mocked, the rest runs against moto."""
    sfn = make_sfn(mock_config=str(mock_file(request.module.MACHINE)))
    return sfn, deploy(sfn, aws, request.module.MACHINE)


def deploy(sfn: Any, aws: AwsFixture, name: str, **extra: str) -> str:
    """Create asl/<name> (named <name>, so mock configs can address it) and return its ARN."""
    response = sfn.create_state_machine(
        name=name, definition=render(name, aws.params(**extra)), type=MACHINE_TYPES[name],
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/workflows-{name}",
    )
    return response["stateMachineArn"]


def mock_file(name: str) -> Path:
    return MOCKS_DIR / f"{name}.json"


def output_of(response: dict[str, Any]) -> Any:
    return json.loads(response["output"]) if response.get("output") is not None else None


def history_events(sfn: Any, execution_arn: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    token = None
    while True:
        kwargs = {"executionArn": execution_arn, "maxResults": 1000}
        if token:
            kwargs["nextToken"] = token
        page = sfn.get_execution_history(**kwargs)
        events.extend(page["events"])
        token = page.get("nextToken")
        if not token:
            return events


def entered_states(sfn: Any, execution_arn: str) -> list[str]:
    return [e["stateEnteredEventDetails"]["name"] for e in history_events(sfn, execution_arn)
            if "stateEnteredEventDetails" in e]
