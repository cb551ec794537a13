"""The claims Cognito does not let a pre-token-generation trigger add, override or suppress.

One list for the Lambda (which leaves them out of its answer) and for the local stack's emulation of
Cognito (workflows/local/pretoken.py, which refuses an answer touching them, as Cognito does with
InvalidLambdaResponseException). Source: the Cognito developer guide, "Pre token generation Lambda
trigger", excluded claims
(https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-token-generation.html),
plus the claims Cognito manages through other response fields: `scope` (scopesToAdd /
scopesToSuppress) and every `cognito:` claim (`cognito:groups` through groupOverrideDetails).
"""

from __future__ import annotations

REFUSED_CLAIMS = frozenset(
    {
        "acr", "amr", "at_hash", "aud", "auth_time", "azp", "client_id", "device_key", "event_id",
        "exp", "iat", "identities", "iss", "jti", "nbf", "nonce", "origin_jti", "scope", "sub",
        "token_use", "username", "version",
    }
)
REFUSED_PREFIXES = ("cognito:",)


def is_refused(name: str) -> bool:
    """Whether Cognito refuses a trigger answer that adds, overrides or suppresses claim `name`."""
    return name in REFUSED_CLAIMS or name.startswith(REFUSED_PREFIXES)
