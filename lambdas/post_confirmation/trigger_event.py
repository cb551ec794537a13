"""The post-confirmation event, read through typed accessors.

https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-post-confirmation.html

Every accessor answers its documented type and an empty value for anything missing or of another type.

A copy of the other triggers' envelope reading, on purpose: lambdas/__init__.py says why.
"""

from __future__ import annotations

from typing import Any

CONFIRM_SIGN_UP = "PostConfirmation_ConfirmSignUp"


class PostConfirmationEvent:
    __slots__ = ("raw", "attributes")

    def __init__(self, raw: Any) -> None:
        self.raw: dict[str, Any] = raw if isinstance(raw, dict) else {}
        request = self.raw.get("request")
        attributes = request.get("userAttributes") if isinstance(request, dict) else None
        self.attributes: dict[str, str] = {k: v for k, v in attributes.items() if isinstance(v, str)} \
            if isinstance(attributes, dict) else {}

    def _text(self, name: str) -> str:
        value = self.raw.get(name)
        return value if isinstance(value, str) else ""

    @property
    def trigger_source(self) -> str:
        return self._text("triggerSource")

    @property
    def user_pool_id(self) -> str:
        return self._text("userPoolId")

    @property
    def user_name(self) -> str:
        return self._text("userName")

    @property
    def client_id(self) -> str:
        caller = self.raw.get("callerContext")
        value = caller.get("clientId") if isinstance(caller, dict) else None
        return value if isinstance(value, str) else ""
