"""API Gateway REST API emulation of api/routes.json: authorizer, request model, VTL, Step Functions.

The same route file and template files the CDK app deploys are read here, so what is tested locally
is what is deployed. Per request, as API Gateway does: match the route (unknown -> 403 "Missing
Authentication Token"), run the TOKEN authorizer on the identity source (missing -> 401; policy
cached per token for `resultsCacheTtlSeconds` and evaluated against each request's method ARN;
explicit Deny / no Allow -> 403), validate the body against the route's request model (JSON Schema
draft 4 -> 400 "Invalid request body"), render the request template, call the Step Functions action,
pick the integration response by `selectionPattern` on the integration's HTTP status, render the
response template and honour `$context.responseOverride.status`.
"""
from __future__ import annotations

import fnmatch
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from . import vtl
from .lambdas import LambdaRegistry
from .moto_services import status_line

Integration = Callable[[str, bytes], "tuple[int, dict[str, Any]]"]


@dataclass
class Route:
    method: str
    path: str
    action: str
    state_machine: str
    request_template: str
    response_template: str
    groups: list[str]
    request_model: dict[str, Any] | None
    integration_responses: list[dict[str, Any]]
    pattern: re.Pattern[str] = field(repr=False, default=re.compile(""))
    body_validator: Any = field(repr=False, default=None)  # jsonschema Draft4Validator of request_model

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if method != self.method:
            return None
        found = self.pattern.fullmatch(path)
        return found.groupdict() if found else None


def load_routes(api_dir: Path, placeholders: dict[str, Callable[[str], str]]) -> tuple[dict[str, Any], list[Route]]:
    """(authorizer config, routes) from `api_dir`/routes.json, templates read and placeholders filled.

    `placeholders` maps a placeholder name to a function of the route's state machine name.
    """
    spec = json.loads((api_dir / "routes.json").read_text())
    routes = []
    for raw in spec["routes"]:
        machine = raw["stateMachine"]

        def fill(text: str, machine: str = machine) -> str:
            for name, value in placeholders.items():
                text = text.replace("${" + name + "}", value(machine))
            return text

        model = raw.get("requestModel")
        schema = json.loads((api_dir / model).read_text()) if model else None
        pattern = "^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(raw["path"])) + "$"
        routes.append(Route(
            method=raw["method"].upper(), path=raw["path"], action=raw["action"], state_machine=machine,
            request_template=fill((api_dir / raw["requestTemplate"]).read_text()),
            response_template=fill((api_dir / raw["responseTemplate"]).read_text()),
            groups=list(raw.get("groups") or []),
            request_model=schema,
            integration_responses=list(raw.get("integrationResponses") or [{"statusCode": "200"}]),
            pattern=re.compile(pattern), body_validator=_validator(schema) if schema is not None else None))
    return spec.get("authorizer") or {}, routes


class ApiGateway:
    """WSGI app serving the routes under `/<stage>`."""

    def __init__(self, *, api_dir: Path, lambdas: LambdaRegistry, integration: Integration,
                 placeholders: dict[str, Callable[[str], str]], stage: str = "local", api_id: str = "local",
                 region_name: str = "us-east-1", account_id: str = "123456789012") -> None:
        self.authorizer, self.routes = load_routes(api_dir, placeholders)
        source = self.authorizer.get("identitySource", "method.request.header.Authorization")
        self._identity_header = source.rsplit(".", 1)[-1].lower()  # the header the token comes in
        self._policy_ttl = float(self.authorizer.get("resultsCacheTtlSeconds", 300))
        self.lambdas = lambdas
        self.integration = integration
        self.stage, self.api_id = stage, api_id
        self.region_name, self.account_id = region_name, account_id
        self._cache: dict[str, tuple[float, dict[str, Any]]] = {}
        self._cache_lock = threading.Lock()

    @property
    def prefix(self) -> str:
        return f"/{self.stage}"

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"].upper()
        path = environ.get("PATH_INFO", "")[len(self.prefix):] or "/"
        headers = {k[5:].replace("_", "-").title(): v for k, v in environ.items() if k.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length).decode() if length else ""
        query = dict(_parse_qs(environ.get("QUERY_STRING", "")))
        status, payload, request_id = self.handle(method, path, headers, body, query,
                                                  source_ip=environ.get("REMOTE_ADDR", "127.0.0.1"))
        data = payload.encode()
        start_response(status_line(status), [("Content-Type", "application/json"),
                                              ("Content-Length", str(len(data))),
                                              ("x-amzn-RequestId", request_id)])
        return [data]

    def handle(self, method: str, path: str, headers: dict[str, str], body: str,
               query: dict[str, str] | None = None, source_ip: str = "127.0.0.1") -> tuple[int, str, str]:
        """(status, body, request id) for one request to `path` (relative to the stage)."""
        request_id = str(uuid.uuid4())
        for route in self.routes:
            params = route.match(method, path)
            if params is not None:
                break
        else:
            return 403, json.dumps({"message": "Missing Authentication Token"}), request_id
        method_arn = (f"arn:aws:execute-api:{self.region_name}:{self.account_id}:{self.api_id}/"
                      f"{self.stage}/{method}{path}")
        denied, authorizer_context = self._authorize(headers, method_arn)
        if denied:
            return denied[0], denied[1], request_id
        if route.body_validator is not None and not _valid_body(body, route.body_validator):
            return 400, json.dumps({"message": "Invalid request body"}), request_id
        now = time.time()
        context: dict[str, Any] = {
            "requestId": request_id, "extendedRequestId": request_id, "accountId": self.account_id,
            "apiId": self.api_id, "stage": self.stage, "httpMethod": method, "path": f"{self.prefix}{path}",
            "resourcePath": route.path, "protocol": "HTTP/1.1", "domainName": "127.0.0.1",
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "requestTimeEpoch": int(now * 1000),
            "identity": {"sourceIp": source_ip, "userAgent": headers.get("User-Agent", "")},
            "authorizer": authorizer_context, "requestOverride": {"header": {}, "path": {}, "querystring": {}},
            "responseOverride": {"header": {}},
        }
        request_input = vtl.Input(body, path=params, querystring=query or {}, header=headers)
        integration_body = vtl.render(route.request_template, input=request_input, context=context)
        status, result = self.integration(route.action, integration_body.encode())
        method_status = _select_status(route.integration_responses, status)
        response_body = vtl.render(route.response_template, input=vtl.Input(json.dumps(result)),
                                   context=context)
        override = context["responseOverride"].get("status")
        return int(str(override)) if override not in (None, "") else method_status, response_body.strip(), request_id

    # -- authorizer -------------------------------------------------------------------------------
    def _authorize(self, headers: dict[str, str], method_arn: str) -> tuple[tuple[int, str] | None, dict[str, Any]]:
        token = next((v for k, v in headers.items() if k.lower() == self._identity_header), "")
        if not token:
            return (401, json.dumps({"message": "Unauthorized"})), {}
        result = self._cached_policy(token)
        if result is None:
            try:
                result = self.lambdas.invoke(self.authorizer.get("function", "authorizer"),
                                             {"type": "TOKEN", "authorizationToken": token, "methodArn": method_arn})
            except Exception as error:
                if str(error) == "Unauthorized":
                    return (401, json.dumps({"message": "Unauthorized"})), {}
                return (500, json.dumps({"message": None})), {}
            if not isinstance(result, dict) or "policyDocument" not in result:
                return (500, json.dumps({"message": None})), {}
            self._store_policy(token, result)
        effect = evaluate_policy(result.get("policyDocument") or {}, method_arn)
        if effect == "Deny":
            return (403, json.dumps({"Message": "User is not authorized to access this resource with an explicit deny"})), {}
        if effect != "Allow":
            return (403, json.dumps({"Message": "User is not authorized to access this resource"})), {}
        context = {k: v for k, v in (result.get("context") or {}).items()}
        context["principalId"] = result.get("principalId", "")
        return None, context

    def _cached_policy(self, token: str) -> dict[str, Any] | None:
        with self._cache_lock:
            hit = self._cache.get(token)
            if hit and hit[0] > time.monotonic():
                return hit[1]
        return None

    def _store_policy(self, token: str, result: dict[str, Any]) -> None:
        if self._policy_ttl > 0:
            with self._cache_lock:
                self._cache[token] = (time.monotonic() + self._policy_ttl, result)


def evaluate_policy(document: dict[str, Any], method_arn: str) -> str | None:
    """"Deny" if any Deny statement matches, else "Allow" if any Allow does, else None."""
    statements = document.get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]
    effects = set()
    for statement in statements:
        actions = _as_list(statement.get("Action"))
        resources = _as_list(statement.get("Resource"))
        if not any(_wildcard(a, "execute-api:Invoke") for a in actions):
            continue
        if any(_wildcard(r, method_arn) for r in resources):
            effects.add(statement.get("Effect"))
    return "Deny" if "Deny" in effects else ("Allow" if "Allow" in effects else None)


def _wildcard(pattern: str, value: str) -> bool:
    return fnmatch.fnmatchcase(value, pattern.replace("[", "[[]"))


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def _select_status(responses: list[dict[str, Any]], integration_status: int) -> int:
    default = 200
    for response in responses:
        pattern = response.get("selectionPattern")
        if not pattern:
            default = int(response["statusCode"])
        elif re.fullmatch(pattern, str(integration_status)):
            return int(response["statusCode"])
    return default


def _validator(schema: dict[str, Any]) -> Any:
    """A JSON Schema draft 4 validator (API Gateway's model language), built once per route."""
    import jsonschema

    return jsonschema.Draft4Validator(schema)


def _valid_body(body: str, validator: Any) -> bool:
    try:
        data = json.loads(body) if body.strip() else None
    except ValueError:
        return False
    return bool(validator.is_valid(data))


def _parse_qs(query: str) -> Iterable[tuple[str, str]]:
    from urllib.parse import parse_qsl

    return parse_qsl(query, keep_blank_values=True)
