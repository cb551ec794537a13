"""The user-migration event (UserMigration_Authentication, UserMigration_ForgotPassword), read
through typed accessors.

https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-migrate-user.html

Every accessor answers its documented type and an empty value for anything missing or of another
type; the handler refuses (Cognito's generic "incorrect username or password") what it cannot use.

A copy of the other triggers' envelope reading, on purpose: lambdas/__init__.py says why.
"""

from __future__ import annotations

from typing import Any

AUTHENTICATION = "UserMigration_Authentication"
FORGOT_PASSWORD = "UserMigration_ForgotPassword"


class UserMigrationEvent:
    __slots__ = ("raw", "_request")

    def __init__(self, raw: Any) -> None:
        self.raw: dict[str, Any] = raw if isinstance(raw, dict) else {}
        request = self.raw.get("request")
        self._request: dict[str, Any] = request if isinstance(request, dict) else {}

    @property
    def trigger_source(self) -> str:
        value = self.raw.get("triggerSource")
        return value if isinstance(value, str) else ""

    @property
    def user_name(self) -> str:
        """What the user typed as username ("" when missing or blank)."""
        value = self.raw.get("userName")
        return value if isinstance(value, str) and value.strip() else ""

    @property
    def password(self) -> str:
        """request.password (authentication only)."""
        value = self._request.get("password")
        return value if isinstance(value, str) else ""

    def respond(self, **fields: Any) -> dict[str, Any]:
        """The event with these `response` fields set (Cognito sends the keys with null values)."""
        response = self.raw.get("response")
        response = response if isinstance(response, dict) else {}
        response.update(fields)
        self.raw["response"] = response
        return self.raw
