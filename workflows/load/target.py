"""The stack a load runs against: a loopback endpoint, and what its /_local/health says it holds.

A load test writes thousands of users, so it only ever runs against a local stack: the endpoint's
host must be a loopback name or address (localhost, 127.0.0.0/8, ::1), checked by name before any
request is sent - `--endpoint aws` or a remote host is refused, never resolved. The stack's control
endpoints may require the per-start token (`X-Workflows-Local-Token`, the value of
$WORKFLOWS_LOCAL_TOKEN), which every control request here sends when it is set.
"""
from __future__ import annotations

import ipaddress
import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from workflows.local.control_client import HEALTH_PATH
from workflows.local.loopback_guard import TOKEN_ENV as TOKEN_VARIABLE
from workflows.local.loopback_guard import TOKEN_HEADER
from workflows.testing.clients import endpoint_kwargs

__all__ = ["HEALTH_PATH", "TOKEN_HEADER", "TOKEN_VARIABLE", "StackTarget", "TargetError", "control_headers",
           "require_loopback"]
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


class TargetError(ValueError):
    """The endpoint is not a local stack this load may run against; the message says why."""


def require_loopback(url: str) -> str:
    """`url` without a trailing slash if its host is loopback by name; TargetError otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetError(f"endpoint {url!r} is not an http:// URL of a local stack (e.g. http://127.0.0.1:4599)")
    host = parts.hostname
    if host != "localhost" and not host.endswith(".localhost"):
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise TargetError(f"endpoint host {host!r} is not loopback: load runs only against a local stack "
                              "(localhost, 127.0.0.1, ::1)")
    return url.rstrip("/")


def control_headers() -> dict[str, str]:
    token = os.environ.get(TOKEN_VARIABLE)
    return {TOKEN_HEADER: token} if token else {}


@dataclass(frozen=True)
class StackTarget:
    """A running local stack's endpoint and the resources signup uses there."""

    endpoint: str
    api_url: str
    region: str
    users_table: str
    user_pool_id: str
    client_id: str
    signup_arn: str

    @classmethod
    def discover(cls, url: str) -> "StackTarget":
        """Ask the stack at `url` (loopback only) what it holds (GET /_local/health)."""
        endpoint = require_loopback(url)
        request = urllib.request.Request(endpoint + HEALTH_PATH, headers=control_headers())
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                info: dict[str, Any] = json.load(response)
        except urllib.error.HTTPError as error:
            hint = (f" (set ${TOKEN_VARIABLE} to the token `workflows up` printed)"
                    if error.code in (401, 403) else "")
            raise TargetError(f"{endpoint}{HEALTH_PATH} answered HTTP {error.code}{hint}") from None
        except OSError as error:
            raise TargetError(f"no local stack answers at {endpoint} ({error.__class__.__name__}); "
                              "start one with `workflows up` or pass --endpoint") from None
        except ValueError:
            raise TargetError(f"{endpoint} is not a workflows local stack ({HEALTH_PATH} is no JSON)") from None
        machines = info.get("stateMachines") or {}
        missing = [key for key in ("usersTable", "userPoolId", "userPoolClientId") if not info.get(key)]
        if "signup" not in machines or missing:
            raise TargetError(f"the stack at {endpoint} has no signup workflow set up "
                              f"(missing: {', '.join(missing + ([] if 'signup' in machines else ['signup']))})")
        return cls(endpoint=endpoint, api_url=str(info.get("apiUrl") or endpoint + "/local"),
                   region=str(info.get("region") or "us-east-1"), users_table=str(info["usersTable"]),
                   user_pool_id=str(info["userPoolId"]), client_id=str(info["userPoolClientId"]),
                   signup_arn=str(machines["signup"]))

    def client(self, service: str, *, pool_size: int = 10, read_timeout: float = 60.0) -> Any:
        """A boto3 client on the stack: no retries (a load reports what happened), `pool_size` connections."""
        import boto3
        from botocore.config import Config

        kwargs = endpoint_kwargs(self.endpoint, region_name=self.region, credentials=CREDENTIALS,
                                 retries={"mode": "standard", "max_attempts": 1})
        kwargs["config"] = kwargs["config"].merge(Config(max_pool_connections=pool_size, read_timeout=read_timeout))
        return boto3.client(service, **kwargs)
