"""Token forging helpers shared by the Lambda tests (unique module name: tests/ has many conftests)."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

POOL_ID = "eu-west-1_TestPool1"
REGION = "eu-west-1"
CLIENT_ID = "client-abc123"
OTHER_CLIENT_ID = "client-other"
ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{POOL_ID}"
NEW_ISSUER = f"https://issuer-cognito-idp.{REGION}.amazonaws.com/{POOL_ID}"
KID = "test-kid-1"
METHOD_ARN = "arn:aws:execute-api:eu-west-1:123456789012:api123/prod/POST/users"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jwk_of(public_key: rsa.RSAPublicKey, kid: str) -> dict[str, str]:
    numbers = public_key.public_numbers()
    n = numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")
    e = numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")
    return {"kty": "RSA", "alg": "RS256", "use": "sig", "kid": kid, "n": b64url(n), "e": b64url(e)}


def access_claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "sub": "5f1e6b2a-0000-4000-8000-000000000001",
        "cognito:groups": ["Registrar"],
        "iss": ISSUER,
        "client_id": CLIENT_ID,
        "origin_jti": "o-1",
        "event_id": "e-1",
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "auth_time": now,
        "exp": now + 3600,
        "iat": now,
        "jti": "j-1",
        "username": "1001",
        "tenantId": "acme",
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not DROP}


def id_claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "sub": "5f1e6b2a-0000-4000-8000-000000000001",
        "cognito:groups": ["User"],
        "iss": ISSUER,
        "cognito:username": "1001",
        "aud": CLIENT_ID,
        "token_use": "id",
        "auth_time": now,
        "exp": now + 3600,
        "iat": now,
        "email": "ada@example.com",
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not DROP}


class _Drop:
    """Marker for "leave this claim out"; a stable repr keeps test ids identical across xdist workers."""

    def __repr__(self) -> str:
        return "DROP"


DROP = _Drop()


def sign_token(
    private_key: rsa.RSAPrivateKey, claims: Any, header: dict[str, Any] | None = None, raw_payload: bytes | None = None
) -> str:
    header = {"kid": KID, "alg": "RS256"} if header is None else header
    head = b64url(json.dumps(header).encode())
    body = b64url(raw_payload if raw_payload is not None else json.dumps(claims).encode())
    signature = private_key.sign(f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{head}.{body}.{b64url(signature)}"


