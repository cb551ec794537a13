"""Cognito pre-token-generation trigger (V2_0 event; V1_0 and V3_0 shapes too).

Entry point: ``handler.handler`` (alias ``lambda_handler``).

Environment:
- ``TABLE_NAME``               the users table; one GetItem on pk=``USER#<userName>``, sk=``PROFILE``.
- ``MISSING_PROFILE_POLICY``   ``open`` (issue tokens without extra claims, log it; default) or
                               ``closed`` (raise: Cognito refuses the sign-in). It also decides when the
                               profile item is no object, or the event names no ``userName``.
- ``PROFILE_READ_TIMEOUT_MS``  client timeout for the read (default 1000; well under Cognito's 5 s budget).
- ``GROUP_SCOPES``             JSON object group -> list of scopes added to the access token.
- ``AWS_REGION``, ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``,
  ``AWS_ENDPOINT_URL_DYNAMODB`` / ``AWS_ENDPOINT_URL`` (the local stack points these at itself).
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any, Callable, Mapping

try:
    from .cognito_claims import REFUSED_CLAIMS, is_refused
    from .dynamodb_get_item import DynamoDBError, GetItemClient
    from .trigger_event import PreTokenGenerationEvent
except ImportError:  # deployed: the folder is the code root
    from cognito_claims import REFUSED_CLAIMS, is_refused  # type: ignore[no-redef]
    from dynamodb_get_item import DynamoDBError, GetItemClient  # type: ignore[no-redef]
    from trigger_event import PreTokenGenerationEvent  # type: ignore[no-redef]

logger = logging.getLogger(__name__)
logger.setLevel(logging.INFO)

# Claims Cognito does not let this trigger add, override or suppress: cognito_claims.py, the one
# list the local stack's emulation of Cognito uses too.
RESERVED_CLAIMS = REFUSED_CLAIMS
# In the ID token these standard claims take scalar values only (no JSON objects/arrays).
SCALAR_ONLY_ID_CLAIMS = frozenset({"address", "email_verified", "phone_number_verified", "updated_at"})
# Size bounds. The API's authorizer refuses tokens over 16 KiB (lambdas/authorizer/cognito_jwt.py,
# MAX_TOKEN_BYTES); Cognito's own claims take ~1.5 KB of a token, its groups claim grows with the
# user's groups. What this trigger adds is bounded so it can never push a token past that limit:
# each claim value at most MAX_CLAIM_VALUE_CHARS characters (a longer or non-scalar profile value is
# left out, and logged), all added claims of one token at most MAX_ADDED_CLAIMS_BYTES of JSON, the
# added scopes at most MAX_ADDED_SCOPES_BYTES. Base64url makes those ~4.1 KiB of token at most.
MAX_CLAIM_VALUE_CHARS = 256
MAX_ADDED_CLAIMS_BYTES = 2048
MAX_ADDED_SCOPES_BYTES = 1024


class ProfileUnavailable(Exception):
    """Raised under MISSING_PROFILE_POLICY=closed: Cognito then fails the sign-in with this message."""


def is_allowed_claim(name: str) -> bool:
    return not is_refused(name)


def safe_claims(claims: Mapping[str, Any], token: str) -> dict[str, Any]:
    """Drop anything Cognito forbids (and would reject the whole response for), and anything beyond
    the size bounds (values over MAX_CLAIM_VALUE_CHARS, claims past MAX_ADDED_CLAIMS_BYTES in all)."""
    out: dict[str, Any] = {}
    used = 2  # the enclosing {}
    for name, value in claims.items():
        if not is_allowed_claim(name):
            logger.warning("not setting reserved claim %r on the %s token", name, token)
            continue
        if token == "id" and name in SCALAR_ONLY_ID_CLAIMS and isinstance(value, (dict, list)):
            continue
        size = len(json.dumps({name: value}, separators=(",", ":"), ensure_ascii=False).encode()) - 1
        if isinstance(value, str) and len(value) > MAX_CLAIM_VALUE_CHARS or used + size > MAX_ADDED_CLAIMS_BYTES:
            logger.warning("not setting claim %r on the %s token: %d bytes is over the bound", name, token, size)
            continue
        out[name] = value
        used += size
    return out


def bounded_scopes(scopes: list[str]) -> list[str]:
    """The scopes, in order, that fit MAX_ADDED_SCOPES_BYTES (space-separated, as in the token)."""
    kept, used = [], 0
    for scope in scopes:
        if used + len(scope.encode()) + 1 > MAX_ADDED_SCOPES_BYTES:
            continue
        kept.append(scope)
        used += len(scope.encode()) + 1
    if len(kept) < len(scopes):
        logger.warning("added %d of %d scopes: the rest would pass %d bytes", len(kept), len(scopes),
                       MAX_ADDED_SCOPES_BYTES)
    return kept


def _scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool)) and not (isinstance(value, str) and len(value) > MAX_CLAIM_VALUE_CHARS)


def profile_claims(profile: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(ID token claims, access token claims) from a profile item; typed as V2 allows."""
    common: dict[str, Any] = {}
    for name in ("userId", "tenantId", "plan", "displayName"):
        value = profile.get(name)
        if value in (None, ""):
            continue
        if not _scalar(value):
            logger.warning("profile field %r left out of the tokens: not a scalar of at most %d characters",
                           name, MAX_CLAIM_VALUE_CHARS)
            continue
        common[name] = value
    id_claims = dict(common)
    common.pop("displayName", None)  # the access token carries no display name
    return id_claims, common


def _stringify(claims: Mapping[str, Any]) -> dict[str, str]:
    """V1_0 responses accept string claim values only."""
    return {name: value if isinstance(value, str) else json.dumps(value) for name, value in claims.items()}


class TokenCustomizer:
    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        read_profile: Callable[[str], dict[str, Any] | None] | None = None,
    ) -> None:
        env = os.environ if env is None else env
        self.table = env.get("TABLE_NAME", "")
        self.policy = env.get("MISSING_PROFILE_POLICY", "open")
        if self.policy not in ("open", "closed"):
            raise ValueError(f"MISSING_PROFILE_POLICY must be open or closed, got {self.policy!r}")
        timeout_ms = int(env.get("PROFILE_READ_TIMEOUT_MS", "1000"))
        if not 0 < timeout_ms <= 4000:
            raise ValueError(f"PROFILE_READ_TIMEOUT_MS must be in 1..4000 (Cognito allows 5 s), got {timeout_ms}")
        try:
            group_scopes = json.loads(env.get("GROUP_SCOPES") or "{}")
        except ValueError as error:
            raise ValueError(f"GROUP_SCOPES is not JSON: {error}") from None
        if not isinstance(group_scopes, dict) or not all(
            isinstance(v, list) and all(isinstance(s, str) for s in v) for v in group_scopes.values()
        ):
            raise ValueError(f"GROUP_SCOPES must be an object of group -> list of scopes, got {group_scopes!r}")
        self.group_scopes: dict[str, list[str]] = group_scopes
        if read_profile is None:
            if not self.table:
                raise ValueError("TABLE_NAME is not set")
            client = GetItemClient(env, timeout_seconds=timeout_ms / 1000)
            read_profile = lambda user: client.get_item(  # noqa: E731
                self.table, {"pk": {"S": f"USER#{user}"}, "sk": {"S": "PROFILE"}}
            )
        self.read_profile = read_profile

    def scopes_for(self, groups: list[str]) -> list[str]:
        scopes: dict[str, None] = {}
        for group in groups:
            scopes.update(dict.fromkeys(self.group_scopes.get(group, [])))
        return list(scopes)

    def _profile(self, user_name: str) -> dict[str, Any] | None:
        if not user_name:
            return self._unavailable("(none)", "the event has no userName")
        try:
            profile = self.read_profile(user_name)
            problem = None if profile is not None else "no profile item"
            if profile is not None and not isinstance(profile, dict):
                profile, problem = None, f"the profile item is no object ({type(profile).__name__})"
        except DynamoDBError as error:
            profile, problem = None, f"profile read failed ({error.code}: {error.message})"
        except Exception as error:  # noqa: BLE001 - any read failure is subject to the policy, never a crash
            profile, problem = None, f"profile read failed ({type(error).__name__}: {error})"
        if problem is None:
            return profile
        return self._unavailable(user_name, problem)

    def _unavailable(self, user_name: str, problem: str) -> None:
        """MISSING_PROFILE_POLICY: closed raises (Cognito refuses the sign-in), open logs and goes on."""
        if self.policy == "closed":
            logger.error("refusing tokens for %s: %s (MISSING_PROFILE_POLICY=closed)", user_name, problem)
            raise ProfileUnavailable(f"profile of user {user_name} unavailable: {problem}")
        logger.warning("issuing tokens for %s without profile claims: %s (MISSING_PROFILE_POLICY=open)", user_name, problem)
        return None

    def __call__(self, raw_event: dict[str, Any]) -> dict[str, Any]:
        event = PreTokenGenerationEvent(raw_event)
        if event.is_machine_identity:  # V3_0 client credentials: no user profile to read
            return raw_event
        profile = self._profile(event.user_name)
        id_claims, access_claims = profile_claims(profile) if profile else ({}, {})
        if event.version.startswith("1") and not event.has_scopes:
            return event.respond({
                "claimsOverrideDetails": {"claimsToAddOrOverride": _stringify(safe_claims(id_claims, "id"))}
            })
        access: dict[str, Any] = {"claimsToAddOrOverride": safe_claims(access_claims, "access")}
        present = event.scopes
        scopes = bounded_scopes([s for s in self.scopes_for(event.groups) if s not in present])
        if scopes:
            access["scopesToAdd"] = scopes
        return event.respond({
            "claimsAndScopeOverrideDetails": {
                "idTokenGeneration": {"claimsToAddOrOverride": safe_claims(id_claims, "id")},
                "accessTokenGeneration": access,
            }
        })


_customizer: TokenCustomizer | None = None


def reset() -> None:
    """Forget init-time state (tests and the local stack change the environment)."""
    global _customizer
    _customizer = None


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    global _customizer
    if _customizer is None:
        _customizer = TokenCustomizer()
    return _customizer(event)


lambda_handler = handler
