"""Which moto state one request touches, and the locks that serialize exactly that.

moto's backends mutate plain dicts and objects without locking: two concurrent UpdateItem calls with
``ADD #value :one`` on one item can both read the old value and lose an increment. So requests that
touch the same state must not overlap - but a signup's DynamoDB write has no reason to wait for a
Cognito sign-in, nor one table's writes for another table's reads.

The unit of serialization is what moto keeps one object for: a DynamoDB table (``Table``: its items,
its stream), a Cognito user pool (``CognitoIdpUserPool``: users, groups, clients, tokens), an SQS
queue. A request that names its resources (``TableName``, the tables of a transaction or batch,
``UserPoolId``, a ``ClientId`` resolved to its pool, ``QueueUrl``) holds those resources' locks, taken
in sorted order so two multi-table requests cannot deadlock, and its service's lock *shared*. A request
that changes or reads the service as a whole (CreateTable, DeleteUserPool, ListTables, anything this
module does not know to be resource-scoped) holds its service's lock *exclusively*. A request for a
service this module does not know (moto serves many) holds every lock: one lock for all of moto, as before.

Only actions known to stay inside their resource are resource-scoped; the lists below were read off
moto 5.2.5's backends (moto_services pins the version). Backend-level dicts these actions also touch
(Cognito's ``sessions``, keyed by a fresh random id per sign-in) see only single-key sets and
deletes, which CPython performs atomically.
"""
from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator

DYNAMODB_ITEM_ACTIONS = frozenset({
    "GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "DescribeTable",
    "BatchGetItem", "BatchWriteItem", "TransactGetItems", "TransactWriteItems",
    "DescribeTimeToLive", "UpdateTimeToLive", "DescribeContinuousBackups",
})
COGNITO_POOL_ACTIONS = frozenset({
    "AdminAddUserToGroup", "AdminConfirmSignUp", "AdminCreateUser", "AdminDeleteUser",
    "AdminDeleteUserAttributes", "AdminDisableUser", "AdminEnableUser", "AdminGetUser",
    "AdminInitiateAuth", "AdminListGroupsForUser", "AdminRemoveUserFromGroup", "AdminResetUserPassword",
    "AdminRespondToAuthChallenge", "AdminSetUserMFAPreference", "AdminSetUserPassword",
    "AdminUpdateUserAttributes", "AdminUserGlobalSignOut", "CreateGroup", "DeleteGroup", "DescribeUserPool",
    "DescribeUserPoolClient", "GetGroup", "ListGroups", "ListUserPoolClients", "ListUsers", "ListUsersInGroup",
    "UpdateGroup", "CreateUserPoolClient", "UpdateUserPoolClient", "GetSigningCertificate",
})
COGNITO_CLIENT_ACTIONS = frozenset({
    "InitiateAuth", "RespondToAuthChallenge", "SignUp", "ConfirmSignUp", "ForgotPassword",
    "ConfirmForgotPassword", "ResendConfirmationCode",
})
SQS_QUEUE_ACTIONS = frozenset({
    "SendMessage", "SendMessageBatch", "ReceiveMessage", "DeleteMessage", "DeleteMessageBatch",
    "ChangeMessageVisibility", "ChangeMessageVisibilityBatch", "GetQueueAttributes", "PurgeQueue",
})


@dataclass(frozen=True)
class LockPlan:
    """What one request holds: `service` None = all of moto; `resources` None = the whole service."""

    service: str | None
    resources: tuple[str, ...] | None = None


EVERYTHING = LockPlan(None)


def plan_for(service: str | None, action: str, body: bytes,
             pool_of_client: Callable[[str], str | None] = lambda _client: None) -> LockPlan:
    """The lock plan of one AWS JSON request (`service` as in TARGET_PREFIXES, None if unknown)."""
    if service is None:
        return EVERYTHING
    try:
        payload = json.loads(body) if body else {}
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        return LockPlan(service)  # moto answers the bad body; nothing is changed meanwhile
    resources: set[str] | None = None
    if service == "dynamodb" and action in DYNAMODB_ITEM_ACTIONS:
        resources = _tables(payload)
    elif service == "cognito-idp" and action in COGNITO_POOL_ACTIONS:
        resources = _one(payload.get("UserPoolId"))
    elif service == "cognito-idp" and action in COGNITO_CLIENT_ACTIONS:
        client = payload.get("ClientId")
        resources = _one(pool_of_client(client)) if isinstance(client, str) else None
    elif service == "sqs" and action in SQS_QUEUE_ACTIONS:
        resources = _one(_queue_name(payload.get("QueueUrl")))
    return LockPlan(service, tuple(sorted(resources)) if resources else None)


def _one(name: Any) -> set[str] | None:
    return {name} if isinstance(name, str) and name else None


def _table_name(name: Any) -> str | None:
    """A table's name, also when given as its ARN (…:table/NAME), so both spellings share a lock."""
    if not isinstance(name, str) or not name:
        return None
    if name.startswith("arn:") and ":table/" in name:
        return name.split(":table/", 1)[1].split("/", 1)[0]
    return name


def _tables(payload: dict[str, Any]) -> set[str] | None:
    names: list[Any] = [payload.get("TableName")] if "TableName" in payload else []
    if isinstance(payload.get("RequestItems"), dict):
        names.extend(payload["RequestItems"])
    for entry in payload.get("TransactItems") or ():
        for op in (entry.values() if isinstance(entry, dict) else ()):
            names.append(op.get("TableName") if isinstance(op, dict) else None)
    tables = {_table_name(name) for name in names}
    if not names or None in tables:
        return None  # a malformed request: the whole service, to be safe
    return tables  # type: ignore[return-value]


def _queue_name(url: Any) -> str | None:
    if not isinstance(url, str):
        return None
    return url.rstrip("/").rsplit("/", 1)[-1] or None


class SharedExclusiveLock:
    """Many shared holders or one exclusive holder; waiting exclusive holders go first (no starvation)."""

    def __init__(self) -> None:
        self._condition = threading.Condition(threading.Lock())
        self._shared = 0
        self._exclusive = False
        self._waiting_exclusive = 0

    def acquire(self, exclusive: bool) -> None:
        with self._condition:
            if exclusive:
                self._waiting_exclusive += 1
                while self._exclusive or self._shared:
                    self._condition.wait()
                self._waiting_exclusive -= 1
                self._exclusive = True
            else:
                while self._exclusive or self._waiting_exclusive:
                    self._condition.wait()
                self._shared += 1

    def release(self, exclusive: bool) -> None:
        with self._condition:
            if exclusive:
                self._exclusive = False
            else:
                self._shared -= 1
            self._condition.notify_all()


class MotoLocks:
    """The locks of one moto: all of moto > one service > one resource, always taken in that order."""

    def __init__(self) -> None:
        self._moto = SharedExclusiveLock()
        self._services: dict[str, SharedExclusiveLock] = {}
        self._resources: dict[tuple[str, str], threading.Lock] = {}
        self._guard = threading.Lock()

    def _service(self, name: str) -> SharedExclusiveLock:
        with self._guard:
            return self._services.setdefault(name, SharedExclusiveLock())

    def _resource(self, service: str, name: str) -> threading.Lock:
        with self._guard:
            return self._resources.setdefault((service, name), threading.Lock())

    @contextmanager
    def holding(self, plan: LockPlan) -> Iterator[None]:
        self._moto.acquire(exclusive=plan.service is None)
        try:
            if plan.service is None:
                yield
                return
            service = self._service(plan.service)
            service.acquire(exclusive=plan.resources is None)
            try:
                locks = [self._resource(plan.service, name) for name in plan.resources or ()]
                for lock in locks:
                    lock.acquire()
                try:
                    yield
                finally:
                    for lock in reversed(locks):
                        lock.release()
            finally:
                service.release(exclusive=plan.resources is None)
        finally:
            self._moto.release(exclusive=plan.service is None)
