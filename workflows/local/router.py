"""One loopback port for everything: route each request to Step Functions, Cognito, the API or moto.

AWS clients say which service they want in the X-Amz-Target header (JSON protocols) or in the
SigV4 credential scope; API Gateway requests come under the stage path (`/local/...`); the
stack's own control endpoints (health, the virtual clock) under `/_local/`, a prefix no AWS API
uses (see control.py); Lambda's Invoke under `/2015-03-31/functions/` (lambdas.py); the Step Functions
console under `/console/` (workflows/console). A pool's JWKS (`/<pool>/.well-known/jwks.json`) is the
stack's own signing key (token_signing.py), never moto's. moto's own API (`/moto-api/`: a dump of every
password and token, and a reset) is answered 404 unless the stack was started with `moto_api=True`
(`workflows up --moto-api`). Signed requests (SigV4) for other services are moto's (DynamoDB, SQS,
EventBridge). What matches nothing is answered in JSON, never by moto's S3 default: an
X-Amz-Target no service here knows is UnknownOperationException (400); a path under a different
spelling of the stage (`/LOCAL/...`) is the API's own unknown-route 403 (API Gateway's stages are
case-sensitive); any other unsigned request is 404. An app that raises is a 500 InternalFailure in
JSON, its traceback only in the log.
One port keeps `AWS_ENDPOINT_URL` a single value for every SDK and Lambda in the stack.
Every request has passed loopback_guard.LoopbackGuard before it gets here.
"""
from __future__ import annotations

import json
import logging
from typing import Any, Callable, Iterable

from .cognito_triggers import TARGET_PREFIX as COGNITO_TARGET
from .control import PREFIX as CONTROL_PREFIX
from .lambdas import INVOKE_PREFIX as LAMBDA_PREFIX
from .sfn_api import TARGET_PREFIX as SFN_TARGET
from .token_signing import is_jwks_path

logger = logging.getLogger(__name__)
CONSOLE_PREFIX = "/console"
# X-Amz-Target prefixes of the JSON-protocol services this port answers (the rest of moto's are
# reached by signed requests only, which name their service in the SigV4 scope).
MOTO_TARGETS = ("DynamoDB_20120810", "DynamoDBStreams_20120810", "AmazonSQS", "AWSEvents")

WsgiApp = Callable[[dict[str, Any], Any], Iterable[bytes]]
MOTO_API_PREFIX = "/moto-api"


class Router:
    """WSGI dispatcher over the stack's apps."""

    def __init__(self, *, stepfunctions: WsgiApp, cognito: WsgiApp, api: WsgiApp, api_prefix: str,
                 aws: WsgiApp, control: WsgiApp, lambdas: WsgiApp | None = None,
                 console: WsgiApp | None = None, jwks: WsgiApp | None = None, moto_api: bool = False) -> None:
        self.stepfunctions, self.cognito, self.api, self.aws = stepfunctions, cognito, api, aws
        self.api_prefix = api_prefix.rstrip("/")
        self.control = control
        self.lambdas = lambdas  # Lambda's Invoke REST call (POST /2015-03-31/functions/{name}/invocations)
        self.console = console
        self.jwks, self.moto_api = jwks, moto_api

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        started: list[bool] = []

        def tracking_start_response(*args: Any) -> Any:
            started.append(True)
            return start_response(*args)

        try:
            return self.route(environ, tracking_start_response)
        except Exception:  # noqa: BLE001 - an app's bug must not become werkzeug's HTML page
            logger.exception("%s %s failed", environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"))
            if started:
                raise
            return json_error(start_response, 500, {"__type": "InternalFailure",
                                                    "message": "internal error (the stack's log has the details)"})

    def route(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        path = environ.get("PATH_INFO", "")
        authorization = environ.get("HTTP_AUTHORIZATION", "")
        if target.split(".", 1)[0] == SFN_TARGET.rstrip(".") or "/states/aws4_request" in authorization:
            return self.stepfunctions(environ, start_response)
        if target.startswith(COGNITO_TARGET):
            return self.cognito(environ, start_response)
        if path == self.api_prefix or path.startswith(self.api_prefix + "/"):
            return self.api(environ, start_response)
        if path.startswith(CONTROL_PREFIX) and not target:
            return self.control(environ, start_response)
        if self.lambdas is not None and path.startswith(LAMBDA_PREFIX):
            return self.lambdas(environ, start_response)
        if self.console is not None and not target and (path == CONSOLE_PREFIX or path.startswith(CONSOLE_PREFIX + "/")):
            return self.console(environ, start_response)
        if self.jwks is not None and not target and is_jwks_path(path):
            return self.jwks(environ, start_response)
        if path == MOTO_API_PREFIX or path.startswith(MOTO_API_PREFIX + "/"):
            if self.moto_api:
                return self.aws(environ, start_response)
            return not_found(start_response, f"{path} is not served: moto's own API (every password and token, "
                                             "and a reset) is off unless the stack is started with "
                                             "`workflows up --moto-api`")
        if target and not target.startswith(MOTO_TARGETS) and "aws4_request" not in authorization:
            return json_error(start_response, 400, {"__type": "UnknownOperationException",
                                                    "message": f"Unknown operation {target!r}"},
                              content_type="application/x-amz-json-1.0")
        lowered = path.lower()
        if lowered == self.api_prefix.lower() or lowered.startswith(self.api_prefix.lower() + "/"):
            return json_error(start_response, 403, {"message": "Missing Authentication Token"})
        if not target and not _signed(environ):
            return not_found(start_response, f"no route for {environ.get('REQUEST_METHOD', 'GET')} {path} "
                                             f"(the API is under {self.api_prefix}/, the control endpoints under "
                                             "/_local/, the console under /console/; AWS SDK requests are signed)")
        return self.aws(environ, start_response)


def _signed(environ: dict[str, Any]) -> bool:
    """SigV4 in the Authorization header or in the query (a presigned URL)."""
    return environ.get("HTTP_AUTHORIZATION", "").startswith("AWS4-") or "X-Amz-Signature=" in environ.get("QUERY_STRING", "")


def not_found(start_response: Any, message: str) -> Iterable[bytes]:
    return json_error(start_response, 404, {"message": message})


def json_error(start_response: Any, status: int, payload: dict[str, Any],
               content_type: str = "application/json") -> Iterable[bytes]:
    from http import HTTPStatus

    body = json.dumps(payload).encode()
    start_response(f"{status} {HTTPStatus(status).phrase}", [("Content-Type", content_type),
                                                             ("Content-Length", str(len(body)))])
    return [body]
