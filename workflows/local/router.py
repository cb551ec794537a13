"""One loopback port for everything: route each request to Step Functions, Cognito, the API or moto.

AWS clients say which service they want in the X-Amz-Target header (JSON protocols) or in the
SigV4 credential scope; API Gateway requests come under the stage path (`/local/...`); the
stack's own control endpoints (health, the virtual clock) under `/_local/`, a prefix no AWS API
uses (see control.py); Lambda's Invoke under `/2015-03-31/functions/` (lambdas.py); the Step Functions
console under `/console/` (workflows/console). A pool's JWKS (`/<pool>/.well-known/jwks.json`) is the
stack's own signing key (token_signing.py), never moto's. moto's own API (`/moto-api/`: a dump of every
password and token, and a reset) is answered 404 unless the stack was started with `moto_api=True`
(`workflows up --moto-api`). Anything else is moto's (DynamoDB, SQS, EventBridge).
One port keeps `AWS_ENDPOINT_URL` a single value for every SDK and Lambda in the stack.
Every request has passed loopback_guard.LoopbackGuard before it gets here.
"""
from __future__ import annotations

import json
from typing import Any, Callable, Iterable

from .cognito_triggers import TARGET_PREFIX as COGNITO_TARGET
from .control import PREFIX as CONTROL_PREFIX
from .lambdas import INVOKE_PREFIX as LAMBDA_PREFIX
from .sfn_api import TARGET_PREFIX as SFN_TARGET
from .token_signing import is_jwks_path

CONSOLE_PREFIX = "/console"

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
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        path = environ.get("PATH_INFO", "")
        if target.startswith(SFN_TARGET) or "/states/aws4_request" in environ.get("HTTP_AUTHORIZATION", ""):
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
        if (path == MOTO_API_PREFIX or path.startswith(MOTO_API_PREFIX + "/")) and not self.moto_api:
            return not_found(start_response, f"{path} is not served: moto's own API (every password and token, "
                                             "and a reset) is off unless the stack is started with "
                                             "`workflows up --moto-api`")
        return self.aws(environ, start_response)


def not_found(start_response: Any, message: str) -> Iterable[bytes]:
    body = json.dumps({"message": message}).encode()
    start_response("404 Not Found", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
