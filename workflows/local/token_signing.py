"""The key the local stack signs Cognito tokens with: generated at each start, never moto's.

Why: moto signs every user pool's tokens with one RSA key bundled in its package (kid "dummy") and
serves the matching JWKS, so anyone can forge a token that verifies against moto - an Admin token
for the local API included. The stack re-signs every token moto issues (cognito_triggers.py does it
where it already applies the pre-token trigger) with a key made here at start, and serves this
key's JWKS at `/<pool id>/.well-known/jwks.json` instead of moto's, so a token signed with moto's
published key has an unknown kid and is refused by the authorizer, like a forged token on AWS.
Local tokens are still test credentials (docs/security.md): the key lives in the stack's memory.
"""
from __future__ import annotations

import json
import secrets
from typing import Any, Iterable

from joserfc import jwt
from joserfc.jwk import RSAKey

JWKS_SUFFIX = "/.well-known/jwks.json"


class SigningKey:
    """One RS256 key with a random kid; `sign` for tokens, `jwks` / `serve_jwks` for verifiers."""

    def __init__(self, key: RSAKey, kid: str) -> None:
        self.key, self.kid = key, kid
        self._jwks = json.dumps({"keys": [key.as_dict(private=False)]}).encode()

    @classmethod
    def generate(cls) -> "SigningKey":
        kid = f"local-{secrets.token_hex(8)}"
        return cls(RSAKey.generate_key(2048, parameters={"kid": kid, "alg": "RS256", "use": "sig"},
                                       private=True), kid)

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode({"kid": self.kid, "alg": "RS256"}, claims, self.key)

    def jwks(self) -> dict[str, Any]:
        return json.loads(self._jwks)

    def serve_jwks(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        """WSGI: the JWKS document (what Cognito serves at the pool's jwks.json)."""
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(self._jwks)))])
        return [self._jwks]


def is_jwks_path(path: str) -> bool:
    """`/<pool id>/.well-known/jwks.json` (one segment before it, as Cognito's URL has)."""
    return path.endswith(JWKS_SUFFIX) and path.count("/") == 3 and len(path) > len(JWKS_SUFFIX) + 1
