"""Fixtures for the Lambda tests: an RSA key pair, a JWKS file, a token forger and an authorizer."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

REPO = Path(__file__).resolve().parents[2]
for _path in (str(REPO), str(Path(__file__).resolve().parent)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from lambda_tokens import DROP, CLIENT_ID, KID, POOL_ID, REGION, access_claims, jwk_of, sign_token  # noqa: E402

@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def other_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def jwks_path(rsa_key: rsa.RSAPrivateKey, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("jwks") / "jwks.json"
    path.write_text(json.dumps({"keys": [jwk_of(rsa_key.public_key(), KID)]}))
    return path


@pytest.fixture(scope="session")
def drop() -> object:
    """Pass as a claim value to remove that claim."""
    return DROP


@pytest.fixture
def make_token(rsa_key: rsa.RSAPrivateKey) -> Callable[..., str]:
    def make(claims: Any = None, header: dict[str, Any] | None = None, key: Any = None, raw_payload: bytes | None = None) -> str:
        return sign_token(key or rsa_key, access_claims() if claims is None else claims, header, raw_payload)

    return make


@pytest.fixture
def authorizer_env(jwks_path: Path) -> dict[str, str]:
    return {
        "AWS_REGION": REGION,
        "USER_POOL_ID": POOL_ID,
        "CLIENT_IDS": f"{CLIENT_ID},client-second",
        "TOKEN_USE": "any",
        "JWKS_PATH": str(jwks_path),
        "JWKS_URL": "http://127.0.0.1:9/unreachable/jwks.json",
        "JWKS_REFRESH_COOLDOWN_SECONDS": "300",
    }


@pytest.fixture
def make_authorizer(authorizer_env: dict[str, str]) -> Callable[..., Any]:
    from lambdas.authorizer.handler import Authorizer

    def make(**env: str) -> Any:
        return Authorizer({**authorizer_env, **env})

    return make


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and region for moto; no real endpoint overrides leak in."""
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_STEPFUNCTIONS", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    os.environ.pop("AWS_SESSION_TOKEN", None)
