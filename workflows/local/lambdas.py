"""In-process Lambda functions: a registry from name/ARN to a Python handler, invoked as Lambda does.

Lambda passes JSON in and out, so an invocation round-trips the event and the result through
`json` (a handler that returns a datetime fails here as it would on AWS), and hands the handler a
context object with the attributes AWS's Python runtime provides.

The same registry serves the stack's own functions (lambdas/), the user's (`workflows up --lambda
NAME=package.module:function`, loaded by `load_handler`) and Lambda's Invoke REST call over HTTP
(`LambdaInvokeApi`), so a state machine's Task, a Cognito trigger and `aws lambda invoke` all reach
the same handler.
"""
from __future__ import annotations

import importlib
import json
import logging
import os
import re
import sys
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

logger = logging.getLogger(__name__)

Handler = Callable[[Any, Any], Any]


@dataclass
class LambdaContext:
    """The attributes of AWS's Python runtime context object that handlers use."""

    function_name: str
    invoked_function_arn: str
    timeout_seconds: float = 5.0
    memory_limit_in_mb: int = 128
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = f"local/{self.aws_request_id}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class LambdaRegistry:
    """Functions by name; resolved from a bare name, a function ARN or a qualified ARN."""

    def __init__(self, region_name: str, account_id: str) -> None:
        self.region_name = region_name
        self.account_id = account_id
        self._handlers: dict[str, Handler] = {}

    def arn(self, name: str) -> str:
        return f"arn:aws:lambda:{self.region_name}:{self.account_id}:function:{name}"

    def register(self, name: str, handler: Handler) -> str:
        """Register `handler` under `name`; returns the function ARN to configure triggers with."""
        self._handlers[name] = handler
        return self.arn(name)

    def names(self) -> list[str]:
        return sorted(self._handlers)

    def function_name(self, name_or_arn: str) -> str:
        if name_or_arn.startswith("arn:"):
            parts = name_or_arn.split(":")
            if len(parts) < 7 or parts[5] != "function":
                raise KeyError(f"not a Lambda function ARN: {name_or_arn!r}")
            return parts[6]
        return name_or_arn

    def handler(self, name_or_arn: str) -> Handler:
        name = self.function_name(name_or_arn)
        try:
            return self._handlers[name]
        except KeyError:
            raise KeyError(f"no local Lambda function named {name!r} (registered: {self.names()})") from None

    def invoke(self, name_or_arn: str, event: Any, timeout_seconds: float = 5.0) -> Any:
        """Call the handler with a JSON copy of `event`; return a JSON copy of its result."""
        name = self.function_name(name_or_arn)
        handler = self.handler(name)
        context = LambdaContext(function_name=name, invoked_function_arn=self.arn(name),
                                timeout_seconds=timeout_seconds)
        result = handler(json.loads(json.dumps(event)), context)
        return json.loads(json.dumps(result)) if result is not None else None


# -- user handlers: `workflows up --lambda NAME=package.module:function` ----------------------------
_FUNCTION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class HandlerSpecError(ValueError):
    """A --lambda NAME=package.module:function that cannot be served (names what is wrong)."""


def parse_handler_spec(spec: str) -> tuple[str, str, str]:
    """'greet=app.handlers:hello' -> ('greet', 'app.handlers', 'hello'), or a HandlerSpecError."""
    name, eq, target = spec.partition("=")
    module, colon, attribute = target.partition(":")
    if not eq or not colon or not name or not module or not attribute:
        raise HandlerSpecError(f"--lambda {spec!r}: expected NAME=package.module:function "
                               "(e.g. greet=app.handlers:hello)")
    if not _FUNCTION_NAME.match(name):
        raise HandlerSpecError(f"--lambda {spec!r}: {name!r} is not a Lambda function name "
                               "(1-64 letters, digits, '-' or '_')")
    return name, module, attribute


def load_handler(spec: str, search_path: str | None = None) -> tuple[str, Handler]:
    """Import the handler a --lambda spec names; `search_path` (the user's project, default the
    current directory) goes first on sys.path so `package.module` resolves as `python -m` would."""
    name, module_name, attribute = parse_handler_spec(spec)
    root = os.path.abspath(search_path or os.getcwd())
    if root not in sys.path:
        sys.path.insert(0, root)
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise HandlerSpecError(f"--lambda {spec!r}: cannot import {module_name!r} from {root}: {error}") from None
    except Exception as error:  # noqa: BLE001 - the user's module failed at import (Lambda's Runtime.ImportModuleError)
        raise HandlerSpecError(f"--lambda {spec!r}: importing {module_name!r} raised "
                               f"{type(error).__name__}: {error}") from None
    handler = getattr(module, attribute, None)
    if handler is None:
        raise HandlerSpecError(f"--lambda {spec!r}: module {module_name!r} has no attribute {attribute!r}")
    if not callable(handler):
        raise HandlerSpecError(f"--lambda {spec!r}: {module_name}.{attribute} is not callable")
    return name, handler


# -- Lambda's Invoke REST operation over HTTP ------------------------------------------------------
INVOKE_PREFIX = "/2015-03-31/functions/"
_INVOKE_PATH = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/invocations/?$")


class LambdaInvokeApi:
    """WSGI app for ``POST /2015-03-31/functions/{FunctionName}/invocations`` (what boto3's lambda
    client and `aws lambda invoke` send with AWS_ENDPOINT_URL_LAMBDA) over the in-process registry.

    As Lambda answers: RequestResponse -> 200 with the handler's JSON result (an exception -> 200
    with ``X-Amz-Function-Error: Unhandled`` and the runtime's errorMessage/errorType/stackTrace
    document), Event -> 202 (the handler runs on a thread), DryRun -> 204; an unknown function ->
    404 ResourceNotFoundException, a body that is no JSON -> 400 InvalidRequestContentException.
    Only Invoke is served: other Lambda operations get a 400 naming what is supported.
    """

    def __init__(self, registry: LambdaRegistry) -> None:
        self.registry = registry

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        status, headers, body = self.handle(environ)
        start_response(_status_line(status), [*headers, ("Content-Length", str(len(body)))])
        return [body]

    def handle(self, environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
        match = _INVOKE_PATH.match(environ.get("PATH_INFO", ""))
        if match is None or environ.get("REQUEST_METHOD") != "POST":
            return _lambda_error(400, "InvalidRequestContentException",
                                 f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}: the local stack serves "
                                 "only Lambda's Invoke (POST /2015-03-31/functions/{name}/invocations)")
        name_or_arn = urllib.parse.unquote(match.group("name"))
        try:
            name = self.registry.function_name(name_or_arn)
            self.registry.handler(name)
        except KeyError:
            arn = name_or_arn if name_or_arn.startswith("arn:") else self.registry.arn(name_or_arn)
            return _lambda_error(404, "ResourceNotFoundException", f"Function not found: {arn}")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        try:
            event = json.loads(raw) if raw.strip() else {}
        except ValueError as error:
            return _lambda_error(400, "InvalidRequestContentException",
                                 f"Could not parse request body into json: {error}")
        invocation = environ.get("HTTP_X_AMZ_INVOCATION_TYPE", "RequestResponse")
        version = [("X-Amz-Executed-Version", "$LATEST")]
        if invocation == "DryRun":
            return 204, version, b""
        if invocation == "Event":
            threading.Thread(target=self._invoke_quietly, args=(name, event), daemon=True,
                             name=f"lambda-event-{name}").start()
            return 202, [], b""
        if invocation != "RequestResponse":
            return _lambda_error(400, "InvalidParameterValueException",
                                 f"X-Amz-Invocation-Type {invocation!r} is not RequestResponse, Event or DryRun")
        try:
            result = self.registry.invoke(name, event, timeout_seconds=900)
        except Exception as error:  # noqa: BLE001 - the handler's own error, reported as Lambda does
            from workflows.engine.integrations.lambda_invoke import lambda_error

            document = lambda_error(error, str(uuid.uuid4())).document
            body = json.dumps(document).encode()
            return 200, [*version, ("X-Amz-Function-Error", "Unhandled"),
                         ("Content-Type", "application/json")], body
        return 200, [*version, ("Content-Type", "application/json")], json.dumps(result).encode()

    def _invoke_quietly(self, name: str, event: Any) -> None:
        try:
            self.registry.invoke(name, event, timeout_seconds=900)
        except Exception:  # noqa: BLE001 - an Event invocation's error goes nowhere, as on Lambda without a DLQ
            logger.exception("asynchronous invocation of %s failed", name)


def _lambda_error(status: int, code: str, message: str) -> tuple[int, list[tuple[str, str]], bytes]:
    return status, [("x-amzn-ErrorType", code), ("Content-Type", "application/json")], \
        json.dumps({"Type": "User", "message": message}).encode()


def _status_line(status: int) -> str:
    from http import HTTPStatus

    return f"{status} {HTTPStatus(status).phrase}"
