"""Cognito groups -> the API routes an identity may call -> an API Gateway IAM policy.

The role model is a JSON file (``ROLE_MODEL_PATH``; default ``role_model.json`` beside this file):

    {"model": "hierarchical" | "lateral",
     "hierarchy": ["Admin", "Registrar", "User"],          # most permissive first (hierarchical only)
     "roles": {"Admin": ["* *"], "User": ["GET /me"]},     # grants as "METHOD /path" ("*" wildcards,
                                                           #  "{param}" matches exactly one segment,
                                                           #  a trailing "*" or "{proxy+}" one or more)
     "authenticated": ["GET /me"],                         # every valid token, even with no group
     "routes": [{"method": "POST", "path": "/users", "groups": ["Registrar"]}]}   # api/routes.json shape

``hierarchical``: the most permissive role the user holds wins and includes every role below it
(a route granted to ``Registrar`` is callable by ``Admin``). ``lateral``: the union of the grants of
every group the user holds. Unknown groups grant nothing.

Cache safety: API Gateway caches the authorizer's answer by identity source (the token) and reuses
it for every route, so the policy lists EVERY route the identity may call, never just the route of
the current request.
"""

from __future__ import annotations

import json
from collections import namedtuple
from typing import Any, Iterable, Iterator

_HTTP_METHODS = frozenset({"*", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"})
PARAM = "{}"  # a "{name}" path segment: exactly one non-empty segment (API Gateway's path parameter)


class RoleModelError(ValueError):
    """The role model file is malformed (message names the field and value)."""


class NotAnApiArn(ValueError):
    """The event's methodArn/routeArn is not an execute-api ARN (the request is denied)."""


class Grant(namedtuple("Grant", ("method", "path"))):
    """``method``: "*" for any method; ``path``: "/executions/{}" (path parameters as PARAM; in the IAM
    policy they widen to "*", which API Gateway's own route matching keeps to one segment).
    An immutable, hashable pair (a namedtuple: ``dataclasses`` would slow every cold start)."""

    __slots__ = ()

    def resource(self, api_prefix: str) -> str:
        """``arn:...:api/stage`` + ``/METHOD/path`` in execute-api ARN syntax."""
        method = "*" if self.method in ("*", "ANY") else self.method
        path = self.path.lstrip("/").replace(PARAM, "*")
        return f"{api_prefix}/{method}/{path}" if path != "*" else f"{api_prefix}/{method}/*"

    def matches(self, method: str, path: str) -> bool:
        if self.method not in ("*", "ANY") and self.method != method.upper():
            return False
        return _path_matches(self.path.strip("/").split("/"), path.strip("/").split("/"))


def _path_matches(pattern: list[str], actual: list[str]) -> bool:
    """A trailing ``*`` (or ``{proxy+}``) stands for one or more segments, as ``.../GET/files/*`` in
    the IAM policy does; a ``{param}`` segment for exactly one non-empty segment, as API Gateway's
    route matching does: a grant for ``/executions/{id}`` reaches neither the collection
    ``/executions`` nor ``/executions/a/b`` (HTTP API simple responses decide on this alone)."""
    if pattern == ["*"]:
        return True
    if pattern and pattern[-1] == "*" and len(actual) >= len(pattern):
        return all(_segment_matches(p, a) for p, a in zip(pattern[:-1], actual))
    return len(pattern) == len(actual) and all(_segment_matches(p, a) for p, a in zip(pattern, actual))


def _segment_matches(pattern: str, actual: str) -> bool:
    return pattern == actual or pattern == "*" or (pattern == PARAM and actual != "")


def parse_grant(text: Any, where: str) -> Grant:
    if not isinstance(text, str) or " " not in text.strip():
        raise RoleModelError(f"{where}: grant must be 'METHOD /path', got {text!r}")
    method, path = text.strip().split(None, 1)
    return _grant(method, path, where)


def _grant(method: Any, path: Any, where: str) -> Grant:
    if not isinstance(method, str) or method.upper() not in _HTTP_METHODS:
        raise RoleModelError(f"{where}: method must be one of {sorted(_HTTP_METHODS)}, got {method!r}")
    if not isinstance(path, str) or not (path == "*" or path.startswith("/")):
        raise RoleModelError(f"{where}: path must start with '/' (or be '*'), got {path!r}")
    segments = [PARAM if s.startswith("{") and s.endswith("}") else s for s in path.strip("/").split("/")]
    raw = path.strip("/").split("/")
    if raw and raw[-1].startswith("{") and raw[-1].endswith("+}"):
        segments[-1] = "*"
    widened = "*" if path == "*" else "/" + "/".join(segments)
    return Grant(method.upper(), widened)


class RoleModel:
    def __init__(self, document: Any) -> None:
        if not isinstance(document, dict):
            raise RoleModelError("role model must be a JSON object")
        self.model = document.get("model", "hierarchical")
        if self.model not in ("hierarchical", "lateral"):
            raise RoleModelError(f"role model field 'model' must be hierarchical or lateral, got {self.model!r}")
        roles = document.get("roles", {})
        if not isinstance(roles, dict):
            raise RoleModelError("role model field 'roles' must be an object of group -> grants")
        self.grants: dict[str, list[Grant]] = {}
        for group, grants in roles.items():
            if not isinstance(grants, list):
                raise RoleModelError(f"role model roles.{group} must be a list of 'METHOD /path'")
            self.grants[group] = [parse_grant(g, f"roles.{group}") for g in grants]
        authenticated = document.get("authenticated", [])
        if not isinstance(authenticated, list):
            raise RoleModelError("role model field 'authenticated' must be a list")
        self.authenticated = [parse_grant(g, "authenticated") for g in authenticated]
        for index, route in enumerate(document.get("routes", []) or []):
            where = f"routes[{index}]"
            if not isinstance(route, dict):
                raise RoleModelError(f"{where} must be an object")
            grant = _grant(route.get("method"), route.get("path"), where)
            groups = route.get("groups", [])
            if not isinstance(groups, list):
                raise RoleModelError(f"{where}.groups must be a list, got {groups!r}")
            if not groups:
                self.authenticated.append(grant)
            for group in groups:
                self.grants.setdefault(group, []).append(grant)
        hierarchy = document.get("hierarchy", [])
        if not isinstance(hierarchy, list) or not all(isinstance(h, str) for h in hierarchy):
            raise RoleModelError("role model field 'hierarchy' must be a list of group names")
        if self.model == "hierarchical" and not hierarchy:
            raise RoleModelError("a hierarchical role model needs a 'hierarchy' (most permissive first)")
        self.hierarchy = hierarchy
        self._memo: dict[frozenset[str], GrantSet] = {}

    @classmethod
    def load(cls, path: str) -> "RoleModel":
        with open(path, encoding="utf-8") as handle:
            try:
                document = json.load(handle)
            except ValueError as error:
                raise RoleModelError(f"role model {path} is not JSON: {error}") from None
        return cls(document)

    def effective_roles(self, groups: Iterable[str]) -> list[str]:
        """The roles whose grants apply, most permissive first."""
        held = set(groups)
        if self.model == "lateral":
            return sorted(g for g in held if g in self.grants)
        for rank, role in enumerate(self.hierarchy):
            if role in held:
                return self.hierarchy[rank:]
        return []

    def grants_for(self, groups: Iterable[str]) -> "GrantSet":
        key = frozenset(groups)
        found = self._memo.get(key)
        if found is None:
            found = GrantSet(self._grants_for(key))
            if len(self._memo) < 1024:
                self._memo[key] = found
        return found

    def _grants_for(self, groups: Iterable[str]) -> tuple[Grant, ...]:
        seen: dict[Grant, None] = dict.fromkeys(self.authenticated)
        for role in self.effective_roles(groups):
            seen.update(dict.fromkeys(self.grants.get(role, [])))
        if any(g.method in ("*", "ANY") and g.path == "*" for g in seen):
            return (Grant("*", "*"),)
        return tuple(seen)


def api_prefix(method_arn: str) -> str:
    """``arn:aws:execute-api:r:acct:apiId/stage/GET/a/b`` -> ``arn:aws:execute-api:r:acct:apiId/stage``."""
    if type(method_arn) is not str:
        raise NotAnApiArn(f"methodArn must be a string, got {type(method_arn).__name__}")
    arn_head, _, resource = method_arn.partition(":execute-api:")
    if not arn_head.startswith("arn:") or not resource:
        raise NotAnApiArn(f"not an execute-api ARN: {method_arn[:200]!r}")
    region_account_api, *rest = resource.split("/")
    if not rest or not rest[0]:  # no stage: a policy for it would cover every stage of the API
        raise NotAnApiArn(f"execute-api ARN without a stage: {method_arn[:200]!r}")
    return f"{arn_head}:execute-api:{region_account_api}/{rest[0]}"


class GrantSet:
    """The grants of one combination of groups, with its policy documents built once per API stage."""

    __slots__ = ("grants", "_documents", "_by_method_arn")

    def __init__(self, grants: tuple[Grant, ...]) -> None:
        self.grants = grants
        self._documents: dict[str, dict[str, Any]] = {}
        # method ARN -> its stage's document: the warm path is then one dict lookup per request
        self._by_method_arn: dict[str, dict[str, Any]] = {}

    def __iter__(self) -> Iterator[Grant]:
        return iter(self.grants)

    def __len__(self) -> int:
        return len(self.grants)

    def document(self, prefix: str) -> dict[str, Any]:
        """Shared between calls: callers must not mutate the returned policy document."""
        document = self._documents.get(prefix)
        if document is None:
            document = {
                "Version": "2012-10-17",
                "Statement": [
                    {"Action": "execute-api:Invoke", "Effect": "Allow",
                     "Resource": [g.resource(prefix) for g in self.grants]}
                ],
            }
            if len(self._documents) < 64:
                self._documents[prefix] = document
        return document


    def document_for(self, method_arn: str) -> dict[str, Any]:
        """The document of ``method_arn``'s API stage (NotAnApiArn if it is not an execute-api ARN)."""
        document = self._by_method_arn.get(method_arn) if type(method_arn) is str else None
        if document is None:
            document = self.document(api_prefix(method_arn))
            if len(self._by_method_arn) < 256:
                self._by_method_arn[method_arn] = document
        return document


def allow_policy(principal_id: str, grants: GrantSet, method_arn: str, context: dict[str, Any]) -> dict[str, Any]:
    if not grants.grants:
        return deny_policy(principal_id, method_arn, context)
    return {"principalId": principal_id, "policyDocument": grants.document_for(method_arn), "context": context}


def deny_policy(principal_id: str, method_arn: str, context: dict[str, Any] | None = None) -> dict[str, Any]:
    """Deny everything of this API stage (cache-safe: the denial holds for every route)."""
    try:
        resource = api_prefix(method_arn) + "/*"
    except ValueError:
        resource = "*"
    response: dict[str, Any] = {
        "principalId": principal_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": resource}],
        },
    }
    if context:
        response["context"] = context
    return response
