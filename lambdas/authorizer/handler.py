"""API Gateway Lambda authorizer for Cognito user-pool JWTs (REST TOKEN/REQUEST, HTTP API).

Entry point: ``handler.handler`` (alias ``lambda_handler``).

Environment:
- ``AWS_REGION``        region of the pool (the pool id's own ``<region>_`` prefix wins when present).
- ``USER_POOL_ID``      e.g. ``us-east-1_AbCdEf123``; issuer is accepted in both the
                        ``https://cognito-idp.<region>.amazonaws.com/<pool>`` and the
                        ``https://issuer-cognito-idp.<region>.amazonaws.com/<pool>`` forms.
- ``CLIENT_IDS``        comma-separated app client ids (``client_id`` of access tokens, ``aud`` of ID tokens).
- ``TOKEN_USE``         ``access`` | ``id`` | ``any`` (default ``access``).
- ``JWKS_PATH``         JWKS file bundled with the function (init then needs no network).
- ``JWKS_URL``          optional override of the pool's JWKS URL (the local stack points it at moto).
- ``ROLE_MODEL_PATH``   groups -> routes model (default: ``role_model.json`` next to this file).
- ``REQUIRED_SCOPES``   optional, space/comma-separated scopes every access token must carry.
- ``CLOCK_LEEWAY_SECONDS`` (default 30), ``JWKS_REFRESH_COOLDOWN_SECONDS`` (default 300),
  ``TOKEN_CACHE_SIZE`` (default 10000), ``HTTP_API_RESPONSE`` (``simple`` | ``policy``, default simple).

Responses: REST TOKEN/REQUEST (and HTTP API with ``HTTP_API_RESPONSE=policy``) get an IAM policy that
lists every route the identity may call, so API Gateway's per-token cache is safe for all routes.
An HTTP API simple response (``isAuthorized``) is an answer for ONE route: deploy it with caching off
or with ``$context.routeKey`` in the identity sources. Invalid anything -> Deny / ``isAuthorized:
false``; the reason is logged, never returned, and no exception escapes.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

try:
    from .authorizer_event import AuthorizerEventShape, is_http_v2, method_arn, route_of, token_of
    from .cognito_jwt import CognitoVerifier, InvalidToken, VerifierConfig, pool_region
    from .iam_policy import GrantSet, NotAnApiArn, RoleModel, allow_policy, deny_policy
    from .jwks_keys import KeySet, fetch_jwks_document, parse_jwks
except ImportError:  # deployed: the folder is the code root
    from authorizer_event import AuthorizerEventShape, is_http_v2, method_arn, route_of, token_of  # type: ignore[no-redef]
    from cognito_jwt import CognitoVerifier, InvalidToken, VerifierConfig, pool_region  # type: ignore[no-redef]
    from iam_policy import GrantSet, NotAnApiArn, RoleModel, allow_policy, deny_policy  # type: ignore[no-redef]
    from jwks_keys import KeySet, fetch_jwks_document, parse_jwks  # type: ignore[no-redef]

logger = logging.getLogger(__name__)
logger.setLevel(logging.INFO)

HERE = os.path.dirname(os.path.abspath(__file__))
ANONYMOUS = "anonymous"
_NO_GROUPS: list[str] = []  # read only


_GROUPS_TEXT: dict[tuple[str, ...], str] = {}
_to_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _groups_text(groups: list[str]) -> str:
    """JSON array text of the groups (context values are scalars): a group named "User,Admin" stays
    one group. Memoized per combination of groups (few), so the warm path pays a dict lookup."""
    key = tuple(groups)
    text = _GROUPS_TEXT.get(key)
    if text is None:
        text = _to_json(list(key))
        if len(_GROUPS_TEXT) < 1024:
            _GROUPS_TEXT[key] = text
    return text


def _csv(value: str) -> frozenset[str]:
    return frozenset(part for part in value.replace(",", " ").split() if part)


def jwks_url(user_pool_id: str, region: str) -> str:
    region = pool_region(user_pool_id) or region
    return f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}/.well-known/jwks.json"


class Authorizer:
    """Everything built at init (keys, role model, caches); ``__call__`` is the per-request path."""

    def __init__(self, env: dict[str, str] | os._Environ[str] | None = None) -> None:
        env = os.environ if env is None else env
        region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"
        self.config = VerifierConfig(
            user_pool_id=env.get("USER_POOL_ID", ""),
            region=region,
            client_ids=_csv(env.get("CLIENT_IDS", "")),
            token_use=env.get("TOKEN_USE", "access"),
            leeway_seconds=int(env.get("CLOCK_LEEWAY_SECONDS", "30")),
            required_scopes=_csv(env.get("REQUIRED_SCOPES", "")),
        )
        url = env.get("JWKS_URL") or jwks_url(self.config.user_pool_id, region)
        fetch = lambda: fetch_jwks_document(url)  # noqa: E731
        cooldown = float(env.get("JWKS_REFRESH_COOLDOWN_SECONDS", "300"))
        path = env.get("JWKS_PATH")
        if path:
            with open(path, "rb") as handle:
                keys = KeySet(parse_jwks(handle.read()), fetch, cooldown)
        else:
            try:
                initial = parse_jwks(fetch())
            except Exception as error:  # start anyway; the first unknown kid retries the fetch
                logger.error("JWKS fetch from %s failed at init: %s", url, error)
                initial = {}
            keys = KeySet(initial, fetch, cooldown, fetched_now=bool(initial))
        self.keys = keys
        self.roles = RoleModel.load(env.get("ROLE_MODEL_PATH") or os.path.join(HERE, "role_model.json"))
        self.verifier = CognitoVerifier(
            self.config, keys, cache_size=int(env.get("TOKEN_CACHE_SIZE", "10000")), derive=self.identity
        )
        self.http_api_response = env.get("HTTP_API_RESPONSE", "simple")
        if self.http_api_response not in ("simple", "policy"):
            raise ValueError(f"HTTP_API_RESPONSE must be simple or policy, got {self.http_api_response!r}")

    def identity(self, claims: dict[str, Any]) -> tuple[str, GrantSet, dict[str, Any]]:
        """principalId, grants and flat scalar context; cached with the verified token."""
        get = claims.get
        groups = get("cognito:groups") or _NO_GROUPS  # the verifier checked: absent or a list of strings
        username = get("username") or get("cognito:username") or ""
        user_id = get("userId", username)
        tenant = get("tenantId", get("custom:tenant_id", ""))
        sub = get("sub")
        context: dict[str, Any] = {
            "userId": user_id if type(user_id) is str else str(user_id),
            "username": username if type(username) is str else str(username),
            "sub": sub,
            "tenantId": tenant if type(tenant) is str else str(tenant) if type(tenant) is int else "",
            "groups": _groups_text(groups),
            "tokenUse": get("token_use"),
        }
        return sub, self.roles.grants_for(groups), context

    def __call__(self, event: AuthorizerEventShape) -> dict[str, Any]:
        if not isinstance(event, dict):
            return deny_policy(ANONYMOUS, "")
        http_v2 = is_http_v2(event)
        arn = method_arn(event)
        try:
            raw = token_of(event)
            if type(raw) is not str:
                raise InvalidToken("no bearer token in the request")
            if raw[:7].lower() == "bearer ":
                raw = raw[7:]
            principal, grants, context = self.verifier.verify(raw.strip())
            if http_v2 and self.http_api_response == "simple":
                method, path = route_of(event)
                allowed = any(g.matches(method, path) for g in grants)
                return {"isAuthorized": allowed, "context": dict(context)}
            return allow_policy(principal, grants, arn, dict(context))
        except InvalidToken as error:
            logger.info("deny: %s", error.reason)
        except NotAnApiArn as error:  # API Gateway always sends one; anything else is denied, not a 500
            logger.info("deny: %s", error)
        except Exception:  # never let a malformed event become a 500: deny and keep the trace in logs
            logger.exception("deny: unexpected error while authorizing")
        if http_v2 and self.http_api_response == "simple":
            return {"isAuthorized": False}
        return deny_policy(ANONYMOUS, arn if isinstance(arn, str) else "")


_authorizer: Authorizer | None = None


def get_authorizer() -> Authorizer:
    global _authorizer
    if _authorizer is None:
        _authorizer = Authorizer()
    return _authorizer


if os.environ.get("USER_POOL_ID"):  # on Lambda: build during the init phase, not the first request
    try:
        _authorizer = Authorizer()
    except Exception:  # retried (and logged) on the first request
        _authorizer = None


def reset() -> None:
    """Forget the init-time state (tests and the local stack change the environment)."""
    global _authorizer
    _authorizer = None


def handler(event: Any, context: Any = None) -> dict[str, Any]:
    try:
        authorizer = get_authorizer()
    except Exception:  # a broken config must not leak as a 500 with a stack trace to the caller
        logger.exception("authorizer init failed; denying")
        if isinstance(event, dict) and event.get("version") == "2.0":
            return {"isAuthorized": False}
        arn = event.get("methodArn", "") if isinstance(event, dict) else ""
        return deny_policy(ANONYMOUS, arn if isinstance(arn, str) else "")
    return authorizer(event)


lambda_handler = handler
