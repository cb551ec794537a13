"""The pre-token-generation event (V1_0, V2_0, V3_0), read through typed accessors.

https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-token-generation.html

Cognito sends these fields; a test, another emulator or a broken event may not. Every accessor
answers its documented type and an empty value for anything missing or of another type, so the
handler decides on what it was given (its MISSING_PROFILE_POLICY) instead of raising on a lookup.

A copy of the other triggers' envelope reading, on purpose: lambdas/__init__.py says why.
"""

from __future__ import annotations

from typing import Any

CLIENT_CREDENTIALS = "TokenGeneration_ClientCredentials"


def _strings(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


class PreTokenGenerationEvent:
    __slots__ = ("raw", "_request")

    def __init__(self, raw: Any) -> None:
        self.raw: dict[str, Any] = raw if isinstance(raw, dict) else {}
        request = self.raw.get("request")
        self._request: dict[str, Any] = request if isinstance(request, dict) else {}

    @property
    def version(self) -> str:
        """"1", "2" or "3" (the trigger's LambdaVersion V1_0 / V2_0 / V3_0)."""
        return str(self.raw.get("version", "1"))

    @property
    def trigger_source(self) -> str:
        value = self.raw.get("triggerSource")
        return value if isinstance(value, str) else ""

    @property
    def is_machine_identity(self) -> bool:
        """V3_0 client-credentials grant: no user behind the token."""
        return self.trigger_source == CLIENT_CREDENTIALS

    @property
    def user_name(self) -> str:
        """The user's username, or "" when the event names none."""
        value = self.raw.get("userName")
        return value if isinstance(value, str) else ""

    @property
    def groups(self) -> list[str]:
        """request.groupConfiguration.groupsToOverride: the user's groups."""
        configuration = self._request.get("groupConfiguration")
        return _strings(configuration.get("groupsToOverride")) if isinstance(configuration, dict) else []

    @property
    def scopes(self) -> list[str]:
        """request.scopes (V2_0/V3_0): the access token's scopes so far."""
        return _strings(self._request.get("scopes"))

    @property
    def has_scopes(self) -> bool:
        """V1_0 events have no request.scopes (and answer for the ID token only)."""
        return "scopes" in self._request

    def respond(self, response: dict[str, Any]) -> dict[str, Any]:
        """The event with its `response` set: what the trigger returns to Cognito."""
        self.raw["response"] = response
        return self.raw
