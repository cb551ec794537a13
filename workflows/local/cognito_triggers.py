"""Cognito Lambda triggers for moto's user pools (moto 5.2.5 calls none of them).

Sits in front of moto's cognito-idp handler and, for the pool's `LambdaConfig`, does what Cognito
does around a request:
- pre-token generation (V1_0 / V2_0 / V3_0) whenever tokens are issued: InitiateAuth,
  AdminInitiateAuth, RespondToAuthChallenge, AdminRespondToAuthChallenge, and the refresh flows;
- post confirmation after ConfirmSignUp / AdminConfirmSignUp / ConfirmForgotPassword;
- user migration when a password sign-in (or ForgotPassword) finds no user: the trigger's
  userAttributes and finalUserStatus become a real moto user, then the request is retried;
- sign-in by a verified email alias when the pool has `AliasAttributes: [email]` (moto only knows
  UsernameAttributes).
Every token moto issues is re-signed with the stack's own key (token_signing.py: made at start, served
as the pool's JWKS), trigger or not, so nothing verifies with moto's published key.
Triggers run outside moto's lock: a trigger may call back into this stack (Step Functions, DynamoDB).
A trigger that raises becomes UserLambdaValidationException ("<Trigger> failed with error ..."), a
response Cognito would refuse becomes InvalidLambdaResponseException, as on AWS.
"""
from __future__ import annotations

import io
import json
import logging
import uuid
from typing import Any, Iterable

from moto.cognitoidp.models import cognitoidp_backends

from . import pretoken
from .lambdas import LambdaRegistry
from .moto_services import MotoServices, ServiceResponse, status_line
from .token_signing import SigningKey

logger = logging.getLogger(__name__)
TARGET_PREFIX = "AWSCognitoIdentityProviderService."
TOKEN_ACTIONS = {"InitiateAuth", "AdminInitiateAuth", "RespondToAuthChallenge", "AdminRespondToAuthChallenge"}
CONFIRM_ACTIONS = {
    "ConfirmSignUp": "PostConfirmation_ConfirmSignUp",
    "AdminConfirmSignUp": "PostConfirmation_ConfirmSignUp",
    "ConfirmForgotPassword": "PostConfirmation_ConfirmForgotPassword",
}
PASSWORD_FLOWS = {"USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"}
REFRESH_FLOWS = {"REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"}
SDK_SCOPE = "aws.cognito.signin.user.admin"


class TriggerError(Exception):
    """A trigger failure reported to the caller with Cognito's error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class CognitoTriggers:
    """WSGI app for cognito-idp requests: moto plus the pool's Lambda triggers."""

    def __init__(self, moto: MotoServices, lambdas: LambdaRegistry, signing_key: SigningKey | None = None) -> None:
        self.moto = moto
        self.lambdas = lambdas
        self.region_name = moto.region_name
        self.signing_key = signing_key or SigningKey.generate()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        action = environ.get("HTTP_X_AMZ_TARGET", "")[len(TARGET_PREFIX):]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        try:
            payload = json.loads(body or b"{}")
            response = self.handle(action, payload, environ)
        except TriggerError as error:
            response = _error(error.code, str(error))
        except ValueError as error:
            response = _error("InvalidParameterException", f"request body is not JSON: {error}")
        start_response(status_line(response.status), response.headers)
        return [response.body]

    # -- dispatch ---------------------------------------------------------------------------------
    def handle(self, action: str, payload: dict[str, Any], environ: dict[str, Any] | None = None) -> ServiceResponse:
        """Answer one cognito-idp action the way Cognito would with this pool's triggers."""
        if action in TOKEN_ACTIONS:
            return self._issue_tokens(action, payload, environ)
        if action == "ForgotPassword":
            self._migrate_before_forgot_password(payload)
        response = self._forward(action, payload, environ)
        if action in CONFIRM_ACTIONS and response.status == 200:
            self._post_confirmation(action, payload)
        return response

    def _forward(self, action: str, payload: dict[str, Any], environ: dict[str, Any] | None) -> ServiceResponse:
        if environ is None:
            return self.moto.call("cognito-idp", action, payload)
        body = json.dumps(payload).encode()
        forwarded = dict(environ, **{"wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))})
        return self.moto.dispatch(forwarded)

    # -- sign-in ----------------------------------------------------------------------------------
    def _issue_tokens(self, action: str, payload: dict[str, Any], environ: dict[str, Any] | None) -> ServiceResponse:
        pool_id = payload.get("UserPoolId") or self._pool_for_client(payload.get("ClientId", ""))
        flow = payload.get("AuthFlow", "")
        params = dict(payload.get("AuthParameters") or {})
        config = self._lambda_config(pool_id) if pool_id else {}
        if pool_id and params.get("USERNAME"):
            params["USERNAME"] = self._resolve_alias(pool_id, params["USERNAME"])
            payload = dict(payload, AuthParameters=params)
        response = self._forward(action, payload, environ)
        if (response.error_code == "UserNotFoundException" and flow in PASSWORD_FLOWS
                and config.get("UserMigration")):
            self._migrate_user(pool_id, payload, config["UserMigration"])
            response = self._forward(action, payload, environ)
        if response.status != 200 or not pool_id:
            return response
        result = response.json()
        tokens = result.get("AuthenticationResult")
        if not tokens or "IdToken" not in tokens or "AccessToken" not in tokens:
            return response
        trigger = _pre_token_trigger(config)
        if trigger is None:
            result["AuthenticationResult"] = self._resign(pool_id, tokens, pretoken.decode_claims(tokens["IdToken"]),
                                                          pretoken.decode_claims(tokens["AccessToken"]))
            return _json(200, result)
        if flow in REFRESH_FLOWS:
            source = pretoken.TRIGGER_SOURCES["refresh"]
        elif action.endswith("RespondToAuthChallenge") and payload.get("ChallengeName") == "NEW_PASSWORD_REQUIRED":
            source = pretoken.TRIGGER_SOURCES["new_password"]
        else:
            source = pretoken.TRIGGER_SOURCES["auth"]
        result["AuthenticationResult"] = self._customize(pool_id, tokens, trigger, source,
                                                         payload.get("ClientMetadata"))
        return _json(200, result)

    def _customize(self, pool_id: str, tokens: dict[str, Any], trigger: tuple[str, str], source: str,
                   client_metadata: dict[str, str] | None) -> dict[str, Any]:
        version, function_arn = trigger
        id_claims = pretoken.decode_claims(tokens["IdToken"])
        access_claims = pretoken.decode_claims(tokens["AccessToken"])
        user_name = id_claims["cognito:username"]
        _, attributes = self._user(pool_id, user_name)
        groups = self._groups(pool_id, user_name)
        event = pretoken.build_event(
            version=version, trigger_source=source, region=self.region_name, user_pool_id=pool_id,
            user_name=user_name, client_id=id_claims.get("aud", ""), user_attributes=attributes,
            groups=groups, scopes=str(access_claims.get("scope", "")).split(), client_metadata=client_metadata)
        answer = self._invoke("PreTokenGeneration", function_arn, event)
        try:
            new_id, new_access = pretoken.apply_response(version, (answer or {}).get("response"),
                                                         id_claims, access_claims)
        except pretoken.InvalidLambdaResponse as error:
            raise TriggerError("InvalidLambdaResponseException", f"Invalid lambda response: {error}") from None
        return self._resign(pool_id, tokens, new_id, new_access)

    def _resign(self, pool_id: str, tokens: dict[str, Any], id_claims: dict[str, Any],
                access_claims: dict[str, Any]) -> dict[str, Any]:
        """The tokens signed with the stack's key and registered with moto under their new text."""
        id_token = self.signing_key.sign(id_claims)
        access_token = self.signing_key.sign(access_claims)
        user_name = id_claims.get("cognito:username", "")
        with self.moto.locked():
            pool = cognitoidp_backends[self.moto.account_id][self.region_name].user_pools[pool_id]
            # moto looks tokens up by their text (GetUser, GlobalSignOut): register the new ones.
            pool.id_tokens[id_token] = pool.id_tokens.pop(tokens["IdToken"], (id_claims.get("aud"), user_name))
            pool.access_tokens[access_token] = pool.access_tokens.pop(
                tokens["AccessToken"], (access_claims.get("client_id"), user_name))
        return dict(tokens, IdToken=id_token, AccessToken=access_token)

    def _migrate_before_forgot_password(self, payload: dict[str, Any]) -> None:
        """ForgotPassword for an unknown user runs UserMigration_ForgotPassword first (moto answers
        200 for unknown users, so existence is checked here, as Cognito does before the trigger)."""
        pool_id = self._pool_for_client(payload.get("ClientId", ""))
        function_arn = self._lambda_config(pool_id).get("UserMigration") if pool_id else None
        if not pool_id or not function_arn:
            return
        user_name = self._resolve_alias(pool_id, payload.get("Username", ""))
        exists = self.moto.call("cognito-idp", "AdminGetUser", {"UserPoolId": pool_id, "Username": user_name})
        if exists.error_code != "UserNotFoundException":
            return
        self._migrate_user(pool_id, {"ClientId": payload.get("ClientId"), "ClientMetadata": payload.get("ClientMetadata"),
                                     "AuthParameters": {"USERNAME": user_name}}, function_arn,
                           source="UserMigration_ForgotPassword")

    def _migrate_user(self, pool_id: str, payload: dict[str, Any], function_arn: str,
                      source: str = "UserMigration_Authentication") -> None:
        params = payload.get("AuthParameters") or {}
        user_name = params.get("USERNAME", "")
        event = {
            "version": "1",
            "triggerSource": source,
            "region": self.region_name,
            "userPoolId": pool_id,
            "userName": user_name,
            "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown",
                              "clientId": payload.get("ClientId", "CLIENT_ID_NOT_APPLICABLE")},
            "request": {"validationData": {}, "clientMetadata": payload.get("ClientMetadata") or {},
                        **({"password": params.get("PASSWORD", "")} if source.endswith("Authentication") else {})},
            "response": {"userAttributes": None, "finalUserStatus": None, "messageAction": None,
                         "desiredDeliveryMediums": None, "forceAliasCreation": None},
        }
        answer = (self._invoke("UserMigration", function_arn, event) or {}).get("response") or {}
        attributes = answer.get("userAttributes")
        if not isinstance(attributes, dict):
            raise TriggerError("UserNotFoundException", "User does not exist.")
        status = answer.get("finalUserStatus") or "RESET_REQUIRED"
        if status not in {"CONFIRMED", "RESET_REQUIRED"}:
            raise TriggerError("InvalidLambdaResponseException",
                               f"Invalid lambda response: finalUserStatus {status!r} is not CONFIRMED or RESET_REQUIRED")
        user_attributes = [{"Name": k, "Value": str(v)} for k, v in attributes.items()
                           if k not in {"username", "sub"}]
        created = self.moto.call("cognito-idp", "AdminCreateUser", {
            "UserPoolId": pool_id, "Username": user_name, "UserAttributes": user_attributes,
            "MessageAction": "SUPPRESS"})
        if created.status != 200:
            raise TriggerError("UserLambdaValidationException",
                               f"UserMigration failed with error {created.json().get('message', created.error_code)}.")
        # RESET_REQUIRED: moto reaches it from CONFIRMED, so confirm with a throwaway password first.
        chosen = params.get("PASSWORD") or f"Rst-{uuid.uuid4().hex}!A1"
        password = self.moto.call("cognito-idp", "AdminSetUserPassword", {
            "UserPoolId": pool_id, "Username": user_name, "Password": chosen,
            "Permanent": status == "CONFIRMED" or not params.get("PASSWORD")})
        if password.status == 200 and status == "RESET_REQUIRED":
            password = self.moto.call("cognito-idp", "AdminResetUserPassword",
                                      {"UserPoolId": pool_id, "Username": user_name})
        if password.status != 200:  # e.g. the legacy password breaks this pool's password policy
            self.moto.call("cognito-idp", "AdminDeleteUser", {"UserPoolId": pool_id, "Username": user_name})
            raise TriggerError(password.error_code or "InvalidPasswordException",
                               str(password.json().get("message", "password rejected")))

    # -- confirmation -----------------------------------------------------------------------------
    def _post_confirmation(self, action: str, payload: dict[str, Any]) -> None:
        client_id = payload.get("ClientId", "")
        pool_id = payload.get("UserPoolId") or self._pool_for_client(client_id)
        function_arn = self._lambda_config(pool_id).get("PostConfirmation") if pool_id else None
        if not function_arn:
            return
        user_name, attributes = self._user(pool_id, payload["Username"])
        event = {
            "version": "1",
            "triggerSource": CONFIRM_ACTIONS[action],
            "region": self.region_name,
            "userPoolId": pool_id,
            "userName": user_name,
            "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown",
                              "clientId": client_id or "CLIENT_ID_NOT_APPLICABLE"},
            "request": {"userAttributes": attributes, "clientMetadata": payload.get("ClientMetadata") or {}},
            "response": {},
        }
        self._invoke("PostConfirmation", function_arn, event)

    # -- helpers ----------------------------------------------------------------------------------
    def _invoke(self, trigger: str, function_arn: str, event: dict[str, Any]) -> Any:
        try:
            return self.lambdas.invoke(function_arn, event)
        except KeyError as error:
            raise TriggerError("UnexpectedLambdaException", f"{trigger} invocation failed: {error}") from None
        except Exception as error:  # the trigger's own failure, as Cognito reports it
            logger.info("%s trigger %s raised %r", trigger, function_arn, error)
            raise TriggerError("UserLambdaValidationException", f"{trigger} failed with error {error}.") from None

    def _lambda_config(self, pool_id: str) -> dict[str, Any]:
        described = self.moto.call("cognito-idp", "DescribeUserPool", {"UserPoolId": pool_id})
        return described.json().get("UserPool", {}).get("LambdaConfig") or {} if described.status == 200 else {}

    def _pool_for_client(self, client_id: str) -> str | None:
        with self.moto.locked():
            for pool in cognitoidp_backends[self.moto.account_id][self.region_name].user_pools.values():
                if client_id in pool.clients:
                    return str(pool.id)
        return None

    def _resolve_alias(self, pool_id: str, name: str) -> str:
        """A verified email alias -> the username it belongs to (Cognito's alias sign-in)."""
        if "@" not in name:
            return name
        with self.moto.locked():
            pool = cognitoidp_backends[self.moto.account_id][self.region_name].user_pools[pool_id]
            if "email" not in (pool.extended_config.get("AliasAttributes") or []):
                return name
            for user in pool.users.values():
                attributes = {a["Name"]: a["Value"] for a in user.attributes}
                if (attributes.get("email", "").lower() == name.lower()
                        and attributes.get("email_verified") == "true"):
                    return str(user.username)
        return name

    def _user(self, pool_id: str, name: str) -> tuple[str, dict[str, str]]:
        """(username as Cognito stores it, attributes as triggers see them) from one AdminGetUser."""
        got = self.moto.call("cognito-idp", "AdminGetUser", {"UserPoolId": pool_id, "Username": name})
        data = got.json() if got.status == 200 else {}
        attributes = {a["Name"]: a["Value"] for a in data.get("UserAttributes", [])}
        if data.get("UserStatus"):
            attributes["cognito:user_status"] = data["UserStatus"]
        return str(data.get("Username", name)), attributes

    def _groups(self, pool_id: str, user_name: str) -> list[str]:
        listed = self.moto.call("cognito-idp", "AdminListGroupsForUser",
                                {"UserPoolId": pool_id, "Username": user_name})
        return [g["GroupName"] for g in listed.json().get("Groups", [])] if listed.status == 200 else []


def _pre_token_trigger(config: dict[str, Any]) -> tuple[str, str] | None:
    """(event version, function ARN) of the pool's pre-token trigger; V2_0/V3_0 config wins over V1."""
    versioned = config.get("PreTokenGenerationConfig") or {}
    if versioned.get("LambdaArn"):
        return {"V1_0": "1", "V2_0": "2", "V3_0": "3"}.get(versioned.get("LambdaVersion", "V1_0"), "1"), \
            versioned["LambdaArn"]
    if config.get("PreTokenGeneration"):
        return "1", config["PreTokenGeneration"]
    return None


def _json(status: int, data: dict[str, Any]) -> ServiceResponse:
    body = json.dumps(data).encode()
    return ServiceResponse(status, [("Content-Type", "application/x-amz-json-1.1"),
                                    ("Content-Length", str(len(body)))], body)


def _error(code: str, message: str) -> ServiceResponse:
    return _json(400, {"__type": code, "message": message})
