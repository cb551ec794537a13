"""moto's server-mode WSGI app for DynamoDB, Cognito-idp and SQS, with request handling serialized.

Why a lock: moto's backends mutate plain dicts without locking, so two concurrent UpdateItem calls
with ``ADD #value :one`` on the same item can both read the old value and one increment is lost
(measured: a shared counter under 8 threads ends short). Real DynamoDB serializes writes per item;
one process-wide lock around moto's dispatch gives the same guarantee for our scale. The lock is held
only while moto handles one request, never while a Cognito trigger or a state machine runs, so
re-entrant calls (trigger -> Step Functions -> DynamoDB) cannot deadlock.

This module is pinned to moto 5.2.5 (asserted at import): the Cognito adapter relies on the shape of
moto's user-pool objects (token registries, signing key), which moto does not promise to keep.
"""
from __future__ import annotations

import io
import json
import os
import threading
from dataclasses import dataclass
from typing import Any, Iterable

import moto
from moto.core import DEFAULT_ACCOUNT_ID
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from . import moto_patches

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
        self._lock = threading.Lock()
        self._app = DomainDispatcherApplication(create_backend_app)
        # moto's dispatcher re-lists its backend modules on disk for every request; the JSON
        # services we serve name themselves in X-Amz-Target, so their apps are looked up directly.
        self._service_apps = {prefix: create_backend_app(service)  # type: ignore[arg-type]
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
        """Run one request through moto, holding the lock until its whole body is produced."""
        captured: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"] = int(status.split(" ", 1)[0])
            captured["headers"] = [(k, v) for k, v in headers if k.lower() != "content-length"]
            return lambda _data: None

        target = environ.get("HTTP_X_AMZ_TARGET", "")
        app = self._service_apps.get(target.split(".", 1)[0], self._app) if target else self._app
        with self._lock:
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

    def locked(self) -> threading.Lock:
        """The dispatch lock, for the few adapter steps that touch moto's objects directly."""
        return self._lock


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
