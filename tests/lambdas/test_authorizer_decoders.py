"""The authorizer's two decoder paths (pybase64 + orjson, and the standard-library fallback) agree.

The deployed function uses the fast libraries when they are packaged and the standard library
otherwise, so every bad token of the security suite is run again with the fallback forced, and the
base64url/JSON primitives are compared input by input.
"""

from __future__ import annotations

import base64
import json
import random
from typing import Any

import pytest

from lambda_tokens import access_claims, id_claims
from test_authorizer_security import CASES, Ctx, assert_rejected, events

from lambdas.authorizer import cognito_jwt
from lambdas.authorizer.cognito_jwt import InvalidToken


@pytest.fixture
def stdlib_decoders(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cognito_jwt, "_b64decode", cognito_jwt._b64decode_stdlib)
    monkeypatch.setattr(cognito_jwt, "_loads_json", cognito_jwt._loads_json_stdlib)


def test_fast_decoders_are_installed() -> None:
    """The pinned libraries are what the hot path uses (the fallback is for a bare packaging)."""
    assert cognito_jwt._loads_json is not cognito_jwt._loads_json_stdlib
    assert cognito_jwt._b64decode is not cognito_jwt._b64decode_stdlib


def _outcome(fn: Any, value: bytes) -> Any:
    try:
        return fn(value)
    except InvalidToken:
        return "rejected"


def test_base64url_paths_agree_on_random_segments(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(7)
    alphabet = b"ABCXYZabcxyz0189-_+/= \n\t.!\x00\xff"
    segments = [bytes(rng.choice(alphabet) for _ in range(rng.randrange(0, 12))) for _ in range(4000)]
    for _ in range(4000):  # valid encodings, some with a non-canonical last character
        text = base64.urlsafe_b64encode(rng.randbytes(rng.randrange(0, 48))).rstrip(b"=")
        if text and rng.random() < 0.5:
            text = text[:-1] + bytes([rng.choice(b"AQgwBRhx-_")])
        segments.append(text)
    decode = lambda segment: cognito_jwt._b64url_decode(segment, "segment")  # noqa: E731
    fast = [_outcome(decode, s) for s in segments]
    monkeypatch.setattr(cognito_jwt, "_b64decode", cognito_jwt._b64decode_stdlib)
    slow = [_outcome(decode, s) for s in segments]
    assert fast == slow
    assert fast.count("rejected") > 1000 and len(fast) - fast.count("rejected") > 2000


@pytest.mark.parametrize(
    "raw,expected",
    [
        (b'{"a": 1}', {"a": 1}),
        (b' \n{"a": [1, "x", null, true]}\t ', {"a": [1, "x", None, True]}),
        (b'{"a": 1, "a": 2}', {"a": 2}),
        (b'{"a": NaN}', "rejected"),
        (b'{"a": Infinity}', "rejected"),
        (b'{"a": 1} x', "rejected"),
        (b'{"a": 1}{}', "rejected"),
        (b"", "rejected"),
        (b"   ", "rejected"),
        (b"[1]", "rejected"),
        (b'"s"', "rejected"),
        (b'{"a": "\xe9"}', "rejected"),
        (b"\xef\xbb\xbf{}", "rejected"),
        (b"[" * 5000 + b"]" * 5000, "rejected"),
    ],
    ids=repr,
)
@pytest.mark.parametrize("path", ["fast", "stdlib"])
def test_json_paths_agree(monkeypatch: pytest.MonkeyPatch, raw: bytes, expected: Any, path: str) -> None:
    if path == "stdlib":
        monkeypatch.setattr(cognito_jwt, "_loads_json", cognito_jwt._loads_json_stdlib)
    assert _outcome(lambda r: cognito_jwt._json_object(r, "payload"), raw) == expected


@pytest.fixture
def ctx(rsa_key: Any, other_rsa_key: Any) -> Ctx:
    return Ctx(rsa_key, other_rsa_key)


def test_control_tokens_allowed_with_stdlib_decoders(stdlib_decoders: None, make_authorizer: Any, ctx: Ctx) -> None:
    authorizer = make_authorizer()
    for token in (ctx.sign(), ctx.sign(id_claims(**{"cognito:groups": ["Admin"]})), ctx.sign(access_claims(scope="a b"))):
        for event in events(token):
            response = authorizer(event)
            assert response.get("isAuthorized", True) is True, response
            assert "policyDocument" not in response or response["policyDocument"]["Statement"][0]["Effect"] == "Allow"


@pytest.mark.parametrize("name,build,env", CASES, ids=[c[0] for c in CASES])
def test_bad_token_denied_with_stdlib_decoders(
    stdlib_decoders: None, make_authorizer: Any, ctx: Ctx, name: str, build: Any, env: dict[str, str]
) -> None:
    assert_rejected(make_authorizer(**env), build(ctx))


def test_json_claims_round_trip_both_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    claims = access_claims(extra={"nested": [1, 2.5, "é"]})
    raw = json.dumps(claims).encode()
    fast = cognito_jwt._json_object(raw, "payload")
    monkeypatch.setattr(cognito_jwt, "_loads_json", cognito_jwt._loads_json_stdlib)
    assert cognito_jwt._json_object(raw, "payload") == fast == claims
