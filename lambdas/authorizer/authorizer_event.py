"""The events API Gateway sends a Lambda authorizer, read through typed accessors.

- REST TOKEN: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-input.html
- REST REQUEST: the same page ("REQUEST" input)
- HTTP API (payload format 2.0):
  https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html

Nothing here raises for a missing or mistyped field except `route_of`, whose InvalidToken turns into a
deny: the authorizer never answers a malformed event with a 500.
"""

from __future__ import annotations

from typing import Any, TypedDict

try:
    from .cognito_jwt import InvalidToken
except ImportError:  # deployed: the folder is the code root
    from cognito_jwt import InvalidToken  # type: ignore[no-redef]


class AuthorizerEventShape(TypedDict, total=False):
    """The fields this authorizer reads (REST TOKEN, REST REQUEST, HTTP API 2.0). A TypedDict, not a
    wrapper object: the authorizer's cache-hit path is ~2 us, and an object per call is a tenth of it."""

    type: str  # "TOKEN" | "REQUEST"
    authorizationToken: str  # TOKEN
    methodArn: str  # REST
    routeArn: str  # HTTP API
    version: str  # "2.0" for HTTP API payload format 2.0
    headers: dict[str, str]  # REQUEST / HTTP API
    identitySource: list[str]  # HTTP API
    rawPath: str  # HTTP API
    routeKey: str  # HTTP API, "GET /executions/{executionId}"
    requestContext: dict[str, Any]  # HTTP API: {"stage", "http": {"method", "path"}}


def is_http_v2(event: AuthorizerEventShape) -> bool:
    return event.get("version") == "2.0"


def method_arn(event: AuthorizerEventShape) -> Any:
    """methodArn (REST) or routeArn (HTTP API) as sent: the policy decides what a non-string means."""
    return event.get("methodArn") or event.get("routeArn") or ""


def token_of(event: AuthorizerEventShape) -> Any:
    """The bearer token as sent (any type; the verifier refuses what is not a string)."""
    if event.get("type") == "TOKEN":
        return event.get("authorizationToken")
    return _request_token(event)


def _request_token(event: AuthorizerEventShape) -> Any:
    """The Authorization header of a REQUEST event (any case), else HTTP API's first identity source."""
    raw = None
    headers = event.get("headers") or {}
    if isinstance(headers, dict):
        for name, value in headers.items():
            if isinstance(name, str) and name.lower() == "authorization":
                raw = value
                break
    if raw is None and event.get("version") == "2.0":
        sources = event.get("identitySource") or []
        raw = sources[0] if isinstance(sources, list) and sources else None
    return raw

def route_of(event: AuthorizerEventShape) -> tuple[str, str]:
    """(method, path) of an HTTP API request: ``requestContext.http.method`` and ``rawPath`` (without
    the stage prefix a named stage adds), else the parts of ``routeKey``; a missing or mistyped field
    is a deny (InvalidToken), never a crash. A custom domain's base path mapping also stays in rawPath
    and is not stripped: put such APIs on the $default stage or use policy responses."""
    request_context = event.get("requestContext")
    http = request_context.get("http") if isinstance(request_context, dict) else None
    if not isinstance(http, dict):
        http = {}
    method, path = http.get("method"), event.get("rawPath")
    stage = request_context.get("stage") if isinstance(request_context, dict) else None
    if isinstance(path, str) and isinstance(stage, str) and stage and stage != "$default":
        # On a named stage rawPath carries the stage ("/dev/users"); grants name the route's path.
        prefix = "/" + stage
        if path == prefix or path.startswith(prefix + "/"):
            path = path[len(prefix):] or "/"
    route_key = event.get("routeKey")
    if isinstance(route_key, str) and " " in route_key:
        key_method, key_path = route_key.split(" ", 1)
        method, path = method or key_method, path or key_path
    if not (isinstance(method, str) and method and isinstance(path, str) and path):
        raise InvalidToken("HTTP API event without a usable route (requestContext.http.method, rawPath, routeKey)")
    return method, path
