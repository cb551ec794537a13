"""Cognito pre-token-generation, applied to the tokens moto issues (moto never calls the trigger).

The event follows AWS's documented V1_0 / V2_0 / V3_0 shapes; the response is applied the way
Cognito applies it: `claimsToAddOrOverride` / `claimsToSuppress` per token (V1: ID token only),
`groupOverrideDetails` replacing `cognito:groups` (and roles) in both tokens, `scopesToAdd` /
`scopesToSuppress` editing the access token's `scope`. Claims Cognito never lets a trigger change
are refused with InvalidLambdaResponseException naming the claim, so a customizer that would fail
on AWS fails here too. The rewritten tokens are re-signed with the stack's own key (token_signing.py),
whose JWKS the stack serves at the pool's `/.well-known/jwks.json`.
"""
from __future__ import annotations

import base64
import json
from typing import Any


TRIGGER_SOURCES = {
    "auth": "TokenGeneration_Authentication",
    "refresh": "TokenGeneration_RefreshTokens",
    "new_password": "TokenGeneration_NewPasswordChallenge",
}


class InvalidLambdaResponse(ValueError):
    """The trigger's response is something Cognito would refuse."""


def decode_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT moto just issued (moto is trusted here; the authorizer verifies)."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def build_event(*, version: str, trigger_source: str, region: str, user_pool_id: str, user_name: str,
                client_id: str, user_attributes: dict[str, str], groups: list[str],
                scopes: list[str], client_metadata: dict[str, str] | None) -> dict[str, Any]:
    """The pre-token-generation event for trigger `version` ("1", "2" or "3")."""
    request: dict[str, Any] = {
        "userAttributes": user_attributes,
        "groupConfiguration": {"groupsToOverride": groups, "iamRolesToOverride": [], "preferredRole": None},
    }
    if version != "1":
        request["scopes"] = scopes
    if client_metadata:
        request["clientMetadata"] = client_metadata
    return {
        "version": version,
        "triggerSource": trigger_source,
        "region": region,
        "userPoolId": user_pool_id,
        "userName": user_name,
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": client_id},
        "request": request,
        "response": {"claimsOverrideDetails": None} if version == "1"
        else {"claimsAndScopeOverrideDetails": None},
    }


def apply_response(version: str, response: dict[str, Any] | None, id_claims: dict[str, Any],
                   access_claims: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """New (id, access) claim sets after applying the trigger's `response` as Cognito does."""
    id_claims, access_claims = dict(id_claims), dict(access_claims)
    response = response or {}
    if version == "1":
        details = response.get("claimsOverrideDetails") or {}
        _edit_claims("idTokenGeneration", id_claims, details)
        _override_groups(details.get("groupOverrideDetails"), id_claims, access_claims)
        return id_claims, access_claims
    details = response.get("claimsAndScopeOverrideDetails") or {}
    if not isinstance(details, dict):
        raise InvalidLambdaResponse("claimsAndScopeOverrideDetails must be an object")
    _edit_claims("idTokenGeneration", id_claims, details.get("idTokenGeneration") or {})
    access = details.get("accessTokenGeneration") or {}
    _edit_claims("accessTokenGeneration", access_claims, access)
    _edit_scopes(access_claims, access)
    _override_groups(details.get("groupOverrideDetails"), id_claims, access_claims)
    return id_claims, access_claims


def _is_refused(name: str) -> bool:
    """Cognito's list of claims a trigger may not touch: the token customizer Lambda's own module
    (lambdas/ is on sys.path once the stack loaded its functions), one list for both."""
    from lambdas.token_customizer.cognito_claims import is_refused

    return is_refused(name)


def _edit_claims(where: str, claims: dict[str, Any], details: dict[str, Any]) -> None:
    add = details.get("claimsToAddOrOverride") or {}
    suppress = details.get("claimsToSuppress") or []
    if not isinstance(add, dict) or not isinstance(suppress, list):
        raise InvalidLambdaResponse(f"{where}: claimsToAddOrOverride must be an object and "
                                    "claimsToSuppress a list")
    for name in list(add) + list(suppress):
        if _is_refused(name):
            raise InvalidLambdaResponse(f"{where}: claim {name!r} cannot be added, overridden or suppressed")
    for name in suppress:
        claims.pop(name, None)
    claims.update(add)


def _edit_scopes(access_claims: dict[str, Any], access: dict[str, Any]) -> None:
    scopes = [s for s in str(access_claims.get("scope", "")).split() if s]
    for scope in access.get("scopesToAdd") or []:
        if scope not in scopes:
            scopes.append(scope)
    removed = set(access.get("scopesToSuppress") or [])
    scopes = [s for s in scopes if s not in removed]
    if scopes:
        access_claims["scope"] = " ".join(scopes)
    else:
        access_claims.pop("scope", None)


def _override_groups(details: dict[str, Any] | None, id_claims: dict[str, Any],
                     access_claims: dict[str, Any]) -> None:
    if not details:
        return
    groups = details.get("groupsToOverride")
    if groups is not None:
        for claims in (id_claims, access_claims):
            if groups:
                claims["cognito:groups"] = list(groups)
            else:
                claims.pop("cognito:groups", None)
    roles = details.get("iamRolesToOverride")
    if roles:
        id_claims["cognito:roles"] = list(roles)
    if details.get("preferredRole"):
        id_claims["cognito:preferred_role"] = details["preferredRole"]
