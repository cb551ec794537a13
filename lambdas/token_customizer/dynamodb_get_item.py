"""One signed DynamoDB GetItem over http.client: the token customizer's only AWS call.

Why hand-written: importing boto3 and creating a client costs ~150 ms of CPU on a cold start, on a
trigger that runs inside every sign-in and has a 5-second budget. This module does exactly one
operation, signs it with AWS Signature Version 4 exactly as botocore's ``SigV4Auth`` does (the tests
compare the ``Authorization`` header byte for byte), and honours the same configuration boto3 would:
``AWS_ENDPOINT_URL_DYNAMODB`` / ``AWS_ENDPOINT_URL`` (unless ``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS``),
``AWS_REGION`` / ``AWS_DEFAULT_REGION``, and the ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` /
``AWS_SESSION_TOKEN`` credentials the Lambda runtime puts in the environment.

Time budget: a socket timeout bounds each operation, not the whole read (DNS resolution has no
timeout at all, and a server that drips bytes resets the timer on every one), so the exchange runs
on a worker thread and ``get_item`` waits for it at most ``timeout_seconds`` in total. An exchange
that misses the deadline is abandoned with its connection (its own socket timeouts end it).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
import http.client
import json
import os
import threading
from collections import namedtuple
from typing import Any, Mapping
from urllib.parse import quote, urlsplit

SERVICE = "dynamodb"
TARGET = "DynamoDB_20120810.GetItem"
CONTENT_TYPE = "application/x-amz-json-1.0"
_DEFAULT_PORTS = {"http": 80, "https": 443}


class DynamoDBError(Exception):
    """DynamoDB answered with an error, or could not be reached in time."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class Credentials(namedtuple("Credentials", ("access_key", "secret_key", "token"), defaults=(None,))):
    """Immutable signing credentials (a namedtuple: ``dataclasses`` would slow every cold start)."""

    __slots__ = ()

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "Credentials":
        access, secret = env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_SECRET_ACCESS_KEY")
        if not access or not secret:
            raise DynamoDBError("NoCredentials", "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are not set")
        return cls(access, secret, env.get("AWS_SESSION_TOKEN") or None)


def resolve_endpoint(env: Mapping[str, str], region: str) -> str:
    if env.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() != "true":
        configured = env.get("AWS_ENDPOINT_URL_DYNAMODB") or env.get("AWS_ENDPOINT_URL")
        if configured:
            return configured
    return f"https://dynamodb.{region}.amazonaws.com"


def host_header(url: str) -> str:
    """botocore's ``_host_from_url``: hostname, plus the port only when it is not the default."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if parts.port is not None and parts.port != _DEFAULT_PORTS.get(parts.scheme):
        host = f"{host}:{parts.port}"
    return host


def _canonical_path(path: str) -> str:
    if not path:
        return "/"
    segments: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if segments:
                segments.pop()
        else:
            segments.append(segment)
    normalized = "/" + "/".join(segments)
    if path.endswith("/") and normalized != "/":
        normalized += "/"
    return quote(normalized, safe="/~")


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


def sign_headers(
    *,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    region: str,
    credentials: Credentials,
    now: _dt.datetime,
    service: str = SERVICE,
) -> dict[str, str]:
    """Headers to send: the given ones + X-Amz-Date (+ X-Amz-Security-Token) + Authorization (SigV4)."""
    timestamp = now.astimezone(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = {name: value for name, value in headers.items() if name.lower() not in ("authorization", "x-amz-date")}
    out["X-Amz-Date"] = timestamp
    if credentials.token:
        out["X-Amz-Security-Token"] = credentials.token
    to_sign: dict[str, list[str]] = {}
    for name, value in out.items():
        if name.lower() not in ("user-agent", "expect", "connection", "x-amzn-trace-id"):
            to_sign.setdefault(name.lower(), []).append(" ".join(value.split()))
    to_sign.setdefault("host", [host_header(url)])
    names = sorted(to_sign)
    signed_headers = ";".join(names)
    parts = urlsplit(url)
    query = "&".join(sorted(f"{k}={v}" for k, _, v in (p.partition("=") for p in parts.query.split("&")))) if parts.query else ""
    canonical_request = "\n".join(
        [
            method.upper(),
            _canonical_path(parts.path),
            query,
            "\n".join(f"{name}:{','.join(to_sign[name])}" for name in names) + "\n",
            signed_headers,
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{timestamp[:8]}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", timestamp, scope, hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()]
    )
    key = _hmac(f"AWS4{credentials.secret_key}".encode("utf-8"), timestamp[:8])
    for part in (region, service, "aws4_request"):
        key = _hmac(key, part)
    signature = hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    out["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={credentials.access_key}/{scope}, "
        f"SignedHeaders={signed_headers}, Signature={signature}"
    )
    return out


def deserialize(value: Mapping[str, Any]) -> Any:
    """DynamoDB AttributeValue -> Python (numbers as int when integral, else float)."""
    (kind, inner), = value.items()
    if kind == "S":
        return inner
    if kind == "N":
        return int(inner) if inner.lstrip("-").isdigit() else float(inner)
    if kind == "BOOL":
        return bool(inner)
    if kind == "NULL":
        return None
    if kind == "L":
        return [deserialize(item) for item in inner]
    if kind == "M":
        return {key: deserialize(item) for key, item in inner.items()}
    if kind == "SS":
        return list(inner)
    if kind == "NS":
        return [int(n) if n.lstrip("-").isdigit() else float(n) for n in inner]
    if kind == "B":
        return inner
    if kind == "BS":
        return list(inner)
    raise DynamoDBError("SerializationException", f"unknown attribute type {kind!r}")


class GetItemClient:
    """Keeps one keep-alive connection across warm invocations; every call has a hard timeout."""

    def __init__(self, env: Mapping[str, str] | None = None, timeout_seconds: float = 1.0) -> None:
        env = os.environ if env is None else env
        self.env = env
        self.region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"
        self.endpoint = resolve_endpoint(env, self.region)
        self.timeout = timeout_seconds
        self._connection: http.client.HTTPConnection | None = None

    def _connect(self) -> http.client.HTTPConnection:
        parts = urlsplit(self.endpoint)
        if parts.scheme == "https":
            return http.client.HTTPSConnection(parts.hostname or "", parts.port, timeout=self.timeout)
        if parts.scheme == "http":
            return http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=self.timeout)
        raise DynamoDBError("InvalidEndpoint", f"endpoint must be http(s), got {self.endpoint!r}")

    def request_body(self, table: str, key: Mapping[str, Any], consistent: bool = False) -> bytes:
        return json.dumps({"TableName": table, "Key": key, "ConsistentRead": consistent}, separators=(",", ":")).encode()

    def signed(self, body: bytes, now: _dt.datetime | None = None) -> dict[str, str]:
        """Headers for a GetItem body (http.client adds Host and Content-Length, as botocore's do unsigned)."""
        headers = {"Content-Type": CONTENT_TYPE, "X-Amz-Target": TARGET}
        return sign_headers(
            method="POST",
            url=self.endpoint,
            headers=headers,
            body=body,
            region=self.region,
            credentials=Credentials.from_env(self.env),
            now=now or _dt.datetime.now(_dt.timezone.utc),
        )

    def get_item(self, table: str, key: Mapping[str, Any], consistent: bool = False) -> dict[str, Any] | None:
        """The item as plain Python values, or None when it does not exist; DynamoDBError on any
        failure, ``RequestTimeout`` when the whole exchange takes longer than ``timeout_seconds``."""
        body = self.request_body(table, key, consistent)
        headers = self.signed(body)
        connection, self._connection = self._connection, None  # owned by the exchange while it runs
        outcome: dict[str, Any] = {}
        worker = threading.Thread(target=self._exchange, args=(connection, body, headers, outcome), daemon=True)
        worker.start()
        worker.join(self.timeout)
        if worker.is_alive() or not outcome:
            raise DynamoDBError("RequestTimeout", f"no complete answer within {self.timeout:.3f} s")
        if "error" in outcome:
            raise outcome["error"]
        self._connection = outcome["connection"]
        return _parse_response(outcome["status"], outcome["payload"])

    def _exchange(
        self, connection: http.client.HTTPConnection | None, body: bytes, headers: dict[str, str], outcome: dict[str, Any]
    ) -> None:
        """One request (one retry on a stale keep-alive connection); the result goes into ``outcome``."""
        try:
            path = urlsplit(self.endpoint).path or "/"
            for attempt in (1, 2):
                reused = connection is not None
                if connection is None:
                    connection = self._connect()
                try:
                    connection.request("POST", path, body=body, headers=headers)
                    response = connection.getresponse()
                    payload = response.read()
                    outcome.update(connection=connection, status=response.status, payload=payload)
                    return
                except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as error:
                    connection.close()
                    connection = None
                    if not reused or attempt == 2:  # only a stale keep-alive connection earns one retry
                        raise DynamoDBError("ConnectionError", str(error)) from None
                except (TimeoutError, OSError, http.client.HTTPException) as error:
                    connection.close()
                    code = "RequestTimeout" if isinstance(error, TimeoutError) else "ConnectionError"
                    raise DynamoDBError(code, str(error)) from None
        except DynamoDBError as error:
            outcome["error"] = error
        except Exception as error:  # noqa: BLE001 - anything else is a failed read too, never a crash
            outcome["error"] = DynamoDBError("ConnectionError", f"{type(error).__name__}: {error}")


def _parse_response(status: int, payload: bytes) -> dict[str, Any] | None:
    """DynamoDB's JSON answer -> the item; a malformed answer is a DynamoDBError, not a crash."""
    try:
        document = json.loads(payload)
    except ValueError:
        document = None
    if status != 200:
        detail = document if isinstance(document, dict) else {}
        code = str(detail.get("__type", f"HTTP{status}")).rpartition("#")[2]
        raise DynamoDBError(code, str(detail.get("message", detail.get("Message", payload[:200]))))
    if not isinstance(document, dict):
        raise DynamoDBError("SerializationException", f"GetItem answer is not a JSON object: {payload[:200]!r}")
    item = document.get("Item")
    if item is None:
        return None
    try:
        return {name: deserialize(value) for name, value in item.items()}
    except DynamoDBError:
        raise
    except (AttributeError, TypeError, ValueError) as error:
        raise DynamoDBError("SerializationException", f"malformed item in the GetItem answer: {error}") from None
