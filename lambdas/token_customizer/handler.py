"""Cognito pre-token-generation trigger (V2_0 event; V1_0 and V3_0 shapes too).

Entry point: ``handler.handler`` (alias ``lambda_handler``).

Environment:
- ``TABLE_NAME``               the users table; one GetItem on pk=``USER#<userName>``, sk=``PROFILE``.
- ``MISSING_PROFILE_POLICY``   ``open`` (issue tokens without extra claims, log it; default) or
                               ``closed`` (raise: Cognito refuses the sign-in).
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
    from .dynamodb_get_item import DynamoDBError, GetItemClient
except ImportError:  # deployed: the folder is the code root
    from dynamodb_get_item import DynamoDBError, GetItemClient  # type: ignore[no-redef]

logger = logging.getLogger(__name__)
logger.setLevel(logging.INFO)

# Claims Cognito does not let this trigger add, override or suppress (Cognito developer guide,
# "Pre token generation Lambda trigger", excluded claims), plus the ones it owns through other
# response fields (scope -> scopesToAdd/Suppress, cognito:groups -> groupOverrideDetails).
RESERVED_CLAIMS = frozenset(
    {
        "acr", "amr", "at_hash", "aud", "auth_time", "azp", "client_id", "device_key", "event_id",
        "exp", "iat", "identities", "iss", "jti", "nbf", "nonce", "origin_jti", "scope", "sub",
        "token_use", "username", "version",
    }
)
RESERVED_PREFIXES = ("cognito:",)
# In the ID token these standard claims take scalar values only (no JSON objects/arrays).
SCALAR_ONLY_ID_CLAIMS = frozenset({"address", "email_verified", "phone_number_verified", "updated_at"})
CLIENT_CREDENTIALS = "TokenGeneration_ClientCredentials"


class ProfileUnavailable(Exception):
    """Raised under MISSING_PROFILE_POLICY=closed: Cognito then fails the sign-in with this message."""


def is_allowed_claim(name: str) -> bool:
    return name not in RESERVED_CLAIMS and not name.startswith(RESERVED_PREFIXES)


def safe_claims(claims: Mapping[str, Any], token: str) -> dict[str, Any]:
    """Drop anything Cognito forbids (and would reject the whole response for)."""
    out = {}
    for name, value in claims.items():
        if not is_allowed_claim(name):
            logger.warning("not setting reserved claim %r on the %s token", name, token)
            continue
        if token == "id" and name in SCALAR_ONLY_ID_CLAIMS and isinstance(value, (dict, list)):
            continue
        out[name] = value
    return out


def profile_claims(profile: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(ID token claims, access token claims) from a profile item; typed as V2 allows."""
    common: dict[str, Any] = {}
    if "userId" in profile:
        common["userId"] = profile["userId"]
    for name in ("tenantId", "plan"):
        if profile.get(name) not in (None, ""):
            common[name] = profile[name]
    id_claims = dict(common)
    if profile.get("displayName"):
        id_claims["displayName"] = profile["displayName"]
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
        try:
            profile = self.read_profile(user_name)
            problem = None if profile is not None else "no profile item"
        except DynamoDBError as error:
            profile, problem = None, f"profile read failed ({error.code}: {error.message})"
        except Exception as error:  # noqa: BLE001 - any read failure is subject to the policy, never a crash
            profile, problem = None, f"profile read failed ({type(error).__name__}: {error})"
        if problem is None:
            return profile
        if self.policy == "closed":
            logger.error("refusing tokens for %s: %s (MISSING_PROFILE_POLICY=closed)", user_name, problem)
            raise ProfileUnavailable(f"profile of user {user_name} unavailable: {problem}")
        logger.warning("issuing tokens for %s without profile claims: %s (MISSING_PROFILE_POLICY=open)", user_name, problem)
        return None

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        if event.get("triggerSource") == CLIENT_CREDENTIALS:  # machine identity: no user profile to read
            return event
        request = event.get("request") or {}
        groups = list((request.get("groupConfiguration") or {}).get("groupsToOverride") or [])
        profile = self._profile(event["userName"])
        id_claims, access_claims = profile_claims(profile) if profile else ({}, {})
        version = str(event.get("version", "1"))
        if version.startswith("1") and "scopes" not in request:
            event["response"] = {
                "claimsOverrideDetails": {"claimsToAddOrOverride": _stringify(safe_claims(id_claims, "id"))}
            }
            return event
        access: dict[str, Any] = {"claimsToAddOrOverride": safe_claims(access_claims, "access")}
        scopes = [s for s in self.scopes_for(groups) if s not in (request.get("scopes") or [])]
        if scopes:
            access["scopesToAdd"] = scopes
        event["response"] = {
            "claimsAndScopeOverrideDetails": {
                "idTokenGeneration": {"claimsToAddOrOverride": safe_claims(id_claims, "id")},
                "accessTokenGeneration": access,
            }
        }
        return event


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
