"""moto's server-mode WSGI app for DynamoDB, Cognito-idp and SQS, with request handling serialized
per table, user pool and queue.

Why locks: moto's backends mutate plain dicts without locking, so two concurrent UpdateItem calls
with ``ADD #value :one`` on the same item can both read the old value and one increment is lost
(measured: a shared counter under 8 threads ends short). Real DynamoDB serializes writes per item;
here each request holds the lock of every table (pool, queue) it names while moto handles it, and
requests that touch a service as a whole hold that service exclusively (moto_locks.py says which is
which). A lock is held only while moto handles one request, never while a Cognito trigger or a state
machine runs, so re-entrant calls (trigger -> Step Functions -> DynamoDB) cannot deadlock.

This module is pinned to moto 5.2.5 (asserted at import): the Cognito adapter relies on the shape of
moto's user-pool objects (token registries, signing key), the lock plans on which actions stay inside
one resource, and moto_patches on moto's TransactWriteItems; moto promises none of these.
"""
from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass
from typing import Any, Iterable

import moto
from moto.core import DEFAULT_ACCOUNT_ID
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from . import moto_patches
from .moto_locks import EVERYTHING, LockPlan, MotoLocks, plan_for

PINNED_MOTO_VERSION = "5.2.5"
if moto.__version__ != PINNED_MOTO_VERSION:  # pragma: no cover - exercised only on a wrong install
    raise ImportError(
        f"workflows.local needs moto=={PINNED_MOTO_VERSION} (its Cognito adapter reads moto internals); "
        f"found moto=={moto.__version__}"
    )

ACCOUNT_ID = DEFAULT_ACCOUNT_ID
# Credential scope service names as botocore signs them (moto routes signed requests by them).
SIGNING_NAMES = {"dynamodb": "dynamodb", "cognito-idp": "cognito-idp", "sqs": "sqs"}
TARGET_PREFIXES = {
    "dynamodb": "DynamoDB_20120810",
    "cognito-idp": "AWSCognitoIdentityProviderService",
    "sqs": "AmazonSQS",
}


@dataclass
class ServiceResponse:
    """One moto answer: status, headers, raw body; `json()` decodes AWS JSON protocol bodies."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def json(self) -> dict[str, Any]:
        return json.loads(self.body) if self.body else {}

    @property
    def error_code(self) -> str | None:
        """AWS JSON error code (``__type`` without its namespace), or None on success."""
        if self.status < 400:
            return None
        try:
            error_type = str(self.json().get("__type", ""))
        except ValueError:
            return f"HTTP{self.status}"
        return error_type.rsplit("#", 1)[-1] or f"HTTP{self.status}"


class MotoServices:
    """moto's DomainDispatcherApplication behind one lock; a WSGI app plus an in-process JSON call."""

    def __init__(self, region_name: str = "us-east-1") -> None:
        self.region_name = region_name
        moto_patches.apply()  # TransactWriteItems without a copy of the whole table
        self._locks = MotoLocks()
        self._pools_by_client: dict[str, str] = {}
        self._app = DomainDispatcherApplication(create_backend_app)
        # moto's dispatcher re-lists its backend modules on disk for every request; the JSON
        # services we serve name themselves in X-Amz-Target, so their apps are looked up directly.
        self._service_apps = {prefix: (service, create_backend_app(service))  # type: ignore[arg-type]
                              for service, prefix in TARGET_PREFIXES.items()}

    @property
    def account_id(self) -> str:
        """The account moto files requests under: $MOTO_ACCOUNT_ID wins (moto reads it per request)."""
        return os.environ.get("MOTO_ACCOUNT_ID") or DEFAULT_ACCOUNT_ID

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        response = self.dispatch(environ)
        start_response(status_line(response.status), response.headers)
        return [response.body]

    def dispatch(self, environ: dict[str, Any]) -> ServiceResponse:
        """Run one request through moto, holding its locks until its whole body is produced."""
        captured: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"] = int(status.split(" ", 1)[0])
            captured["headers"] = [(k, v) for k, v in headers if k.lower() != "content-length"]
            return lambda _data: None

        target = environ.get("HTTP_X_AMZ_TARGET", "")
        prefix, _, action = target.partition(".")
        service, app = self._service_apps.get(prefix, (None, self._app)) if target else (None, self._app)
        plan = EVERYTHING
        if service is not None:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            environ = dict(environ, **{"wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))})
            plan = plan_for(service, action, body, self._pool_of_client)
        with self._locks.holding(plan):
            chunks = app(environ, start_response)
            try:
                body = b"".join(chunks)
            finally:
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()
        headers = captured.get("headers", []) + [("Content-Length", str(len(body)))]
        return ServiceResponse(captured.get("status", 500), headers, body)

    def call(self, service: str, action: str, payload: dict[str, Any]) -> ServiceResponse:
        """An AWS JSON 1.x call straight into moto (no socket): how the adapters reach moto."""
        body = json.dumps(payload).encode()
        environ = json_request_environ(
            target=f"{TARGET_PREFIXES[service]}.{action}",
            body=body,
            signing_name=SIGNING_NAMES[service],
            region_name=self.region_name,
        )
        return self.dispatch(environ)

    def locked(self, service: str | None = None, resource: str | None = None) -> Any:
        """A context holding moto's locks, for the few adapter steps that touch moto's objects
        directly: one resource of one service, a whole service, or (no arguments) all of moto."""
        if service is None:
            return self._locks.holding(EVERYTHING)
        return self._locks.holding(LockPlan(service, (resource,) if resource else None))

    def _pool_of_client(self, client_id: str) -> str | None:
        """The user pool an app client belongs to (cached: client ids are unique and never move)."""
        pool_id = self._pools_by_client.get(client_id)
        if pool_id is None:
            from moto.cognitoidp.models import cognitoidp_backends

            pools = cognitoidp_backends[self.account_id][self.region_name].user_pools
            for pool in list(pools.values()):  # list(): one atomic copy, pools may be created meanwhile
                if client_id in pool.clients:
                    pool_id = self._pools_by_client[client_id] = pool.id
                    break
        return pool_id


def json_request_environ(*, target: str, body: bytes, signing_name: str | None,
                         region_name: str, content_type: str = "application/x-amz-json-1.1") -> dict[str, Any]:
    """A minimal WSGI environ for a POST / AWS JSON request (what botocore would send)."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "localhost",
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_X_AMZ_TARGET": target,
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if signing_name:
        environ["HTTP_AUTHORIZATION"] = (
            "AWS4-HMAC-SHA256 Credential=testing/20250101/"
            f"{region_name}/{signing_name}/aws4_request, SignedHeaders=host, Signature=0"
        )
    return environ


def status_line(status: int) -> str:
    from http import HTTPStatus

    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"
