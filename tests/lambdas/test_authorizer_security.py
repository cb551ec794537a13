"""Security suite: hundreds of generated bad tokens, every one denied on every event shape, none raising."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any, Callable

import pytest
from cryptography.hazmat.primitives import serialization

from lambda_tokens import (
    CLIENT_ID,
    DROP,
    ISSUER,
    KID,
    METHOD_ARN,
    NEW_ISSUER,
    POOL_ID,
    REGION,
    access_claims,
    b64url,
    id_claims,
    sign_token,
)


@dataclass
class Ctx:
    key: Any
    other_key: Any

    def sign(self, claims: Any = None, header: dict[str, Any] | None = None, **kw: Any) -> str:
        return sign_token(kw.pop("key", self.key), access_claims() if claims is None else claims, header, **kw)


Case = tuple[str, Callable[[Ctx], Any], dict[str, str]]
CASES: list[Case] = []


def case(name: str, env: dict[str, str] | None = None) -> Callable[[Callable[[Ctx], Any]], None]:
    def register(fn: Callable[[Ctx], Any]) -> None:
        CASES.append((name, fn, env or {}))

    return register


def hs256(header: dict[str, Any], claims: dict[str, Any], secret: bytes) -> str:
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(mac)}"


def public_pem(ctx: Ctx) -> bytes:
    return ctx.key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


# --- algorithm confusion -------------------------------------------------------------------------
for alg in ("none", "None", "NONE", "nOnE"):
    case(f"alg-{alg}-unsigned")(lambda c, a=alg: c.sign(header={"alg": a, "kid": KID}).rsplit(".", 1)[0] + ".")
    case(f"alg-{alg}-with-sig")(lambda c, a=alg: c.sign(header={"alg": a, "kid": KID}))
case("hs256-public-pem-secret")(lambda c: hs256({"alg": "HS256", "kid": KID}, access_claims(), public_pem(c)))
case("hs256-public-pem-stripped")(lambda c: hs256({"alg": "HS256", "kid": KID}, access_claims(), public_pem(c).strip()))
case("hs256-modulus-secret")(
    lambda c: hs256({"alg": "HS256", "kid": KID}, access_claims(), str(c.key.public_key().public_numbers().n).encode())
)
case("hs512-pem")(lambda c: hs256({"alg": "HS512", "kid": KID}, access_claims(), public_pem(c)))
for alg in ("RS512", "RS384", "PS256", "ES256", "EdDSA", "rs256", "RS256 ", " RS256", "RS 256", "HS256", ""):
    case(f"alg-{alg!r}")(lambda c, a=alg: c.sign(header={"alg": a, "kid": KID}))
for bad in (None, 256, ["RS256"], {"RS256": 1}, True):
    case(f"alg-type-{type(bad).__name__}-{bad!r}")(lambda c, b=bad: c.sign(header={"alg": b, "kid": KID}))
case("alg-missing")(lambda c: c.sign(header={"kid": KID}))
case("crit-header")(lambda c: c.sign(header={"alg": "RS256", "kid": KID, "crit": ["exp"]}))



def _signed_with(c: Ctx, pad: Any, algorithm: Any) -> str:
    head = b64url(json.dumps({"alg": "RS256", "kid": KID}).encode())
    body = b64url(json.dumps(access_claims()).encode())
    return f"{head}.{body}.{b64url(c.key.sign(f'{head}.{body}'.encode(), pad, algorithm))}"


from cryptography.hazmat.primitives import hashes as _hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding as _padding  # noqa: E402

# Valid RSA signatures by the right key, but not RSASSA-PKCS1-v1_5 with SHA-256: must all fail.
case("rs256-header-sha512-digestinfo")(lambda c: _signed_with(c, _padding.PKCS1v15(), _hashes.SHA512()))
case("rs256-header-sha384-digestinfo")(lambda c: _signed_with(c, _padding.PKCS1v15(), _hashes.SHA384()))
case("rs256-header-sha1-digestinfo")(lambda c: _signed_with(c, _padding.PKCS1v15(), _hashes.SHA1()))
case("rs256-header-pss-sha256")(
    lambda c: _signed_with(c, _padding.PSS(_padding.MGF1(_hashes.SHA256()), _padding.PSS.DIGEST_LENGTH), _hashes.SHA256())
)

# --- key id -----------------------------------------------------------------------------------------
for kid in ("unknown", KID + "x", KID.upper(), " " + KID, "../" + KID, "", "dummy"):
    case(f"kid-{kid!r}")(lambda c, k=kid: c.sign(header={"alg": "RS256", "kid": k}))
for kid in (None, 1, [KID], {"kid": KID}, True):
    case(f"kid-type-{kid!r}")(lambda c, k=kid: c.sign(header={"alg": "RS256", "kid": k}))
case("kid-missing")(lambda c: c.sign(header={"alg": "RS256"}))
case("signed-by-other-key")(lambda c: c.sign(key=c.other_key))
case("signed-by-other-key-id-token")(lambda c: c.sign(id_claims(), key=c.other_key))

# --- time claims -------------------------------------------------------------------------------------
NOW = int(time.time())
for label, exp in (("just-past-leeway", NOW - 31), ("hour", NOW - 3600), ("epoch", 0), ("negative", -1), ("year", NOW - 31536000)):
    case(f"expired-{label}")(lambda c, e=exp: c.sign(access_claims(exp=e, iat=min(e - 60, NOW))))
    case(f"expired-id-{label}")(lambda c, e=exp: c.sign(id_claims(exp=e, iat=min(e - 60, NOW))))
for bad in (str(NOW + 3600), float(NOW + 3600), True, None, [NOW + 3600], {"t": 1}, DROP):
    case(f"exp-type-{type(bad).__name__}")(lambda c, b=bad: c.sign(access_claims(exp=b)))
# relative to when the token is signed, not to collection: a loaded machine runs a case minutes later
for label, ahead in (("minute", 120), ("hour", 3600), ("far", 10**9)):
    case(f"nbf-future-{label}")(lambda c, a=ahead: c.sign(access_claims(nbf=int(time.time()) + a)))
for bad in (str(NOW), float(NOW), False, [NOW]):
    case(f"nbf-type-{type(bad).__name__}")(lambda c, b=bad: c.sign(access_claims(nbf=b)))
for label, offset in (("future", 600), ("after-exp", 3700), ("lifetime-2-days", -2 * 86400 + 100)):
    case(f"iat-{label}")(lambda c, o=offset: c.sign(access_claims(iat=int(time.time()) + o)))
for bad in (str(NOW), float(NOW), None, True, DROP):
    case(f"iat-type-{type(bad).__name__}")(lambda c, b=bad: c.sign(access_claims(iat=b)))
case("auth-time-string")(lambda c: c.sign(access_claims(auth_time="yesterday")))

# --- issuer -----------------------------------------------------------------------------------------
WRONG_ISSUERS = [
    f"https://cognito-idp.{REGION}.amazonaws.com/{POOL_ID}x",
    f"https://cognito-idp.us-east-1.amazonaws.com/{POOL_ID}",
    f"https://cognito-idp.{REGION}.amazonaws.com/eu-west-1_Other",
    f"http://cognito-idp.{REGION}.amazonaws.com/{POOL_ID}",
    ISSUER + "/",
    ISSUER.upper(),
    f"https://issuer-cognito-idp.{REGION}.amazonaws.com/eu-west-1_Other",
    NEW_ISSUER + "/",
    f"https://evil.example.com/{POOL_ID}",
    f"https://cognito-idp.{REGION}.amazonaws.com.evil.example/{POOL_ID}",
    "",
    None,
    DROP,
    123,
    [ISSUER],
]
for index, iss in enumerate(WRONG_ISSUERS):
    case(f"iss-access-{index}")(lambda c, i=iss: c.sign(access_claims(iss=i)))
    case(f"iss-id-{index}")(lambda c, i=iss: c.sign(id_claims(iss=i)))

# --- audience / client ------------------------------------------------------------------------------
for bad in ("client-other", CLIENT_ID.upper(), CLIENT_ID + " ", "", None, DROP, [CLIENT_ID], 1):
    case(f"client_id-{bad!r}")(lambda c, b=bad: c.sign(access_claims(client_id=b)))
    case(f"aud-{bad!r}")(lambda c, b=bad: c.sign(id_claims(aud=b)))
case("access-token-with-aud-only")(lambda c: c.sign(access_claims(client_id=DROP, aud=CLIENT_ID)))
case("id-token-with-client_id-only")(lambda c: c.sign(id_claims(aud=DROP, client_id=CLIENT_ID)))

# --- token_use --------------------------------------------------------------------------------------
case("id-token-where-access-required", {"TOKEN_USE": "access"})(lambda c: c.sign(id_claims()))
case("access-token-where-id-required", {"TOKEN_USE": "id"})(lambda c: c.sign(access_claims()))
for bad in ("ID", "Access", "refresh", "", None, DROP, 1, ["access"]):
    case(f"token_use-{bad!r}")(lambda c, b=bad: c.sign(access_claims(token_use=b)))
case("required-scope-missing", {"REQUIRED_SCOPES": "users/write"})(lambda c: c.sign(access_claims()))
case("required-scope-on-id-token", {"REQUIRED_SCOPES": "users/write"})(lambda c: c.sign(id_claims()))
case("required-scope-prefix-only", {"REQUIRED_SCOPES": "users/write"})(
    lambda c: c.sign(access_claims(scope="users/writer users/wr"))
)

# --- missing claims and wrong types ----------------------------------------------------------------------
for name in ("sub", "username", "token_use", "iss", "exp", "iat", "client_id"):
    case(f"access-missing-{name}")(lambda c, n=name: c.sign(access_claims(**{n: DROP})))
for name in ("sub", "cognito:username", "aud", "token_use"):
    case(f"id-missing-{name}")(lambda c, n=name: c.sign(id_claims(**{n: DROP})))
for name, bad in (
    ("sub", 1), ("sub", ""), ("sub", None), ("sub", ["a"]), ("username", 1001), ("username", ""),
    ("scope", ["aws.cognito.signin.user.admin"]), ("cognito:groups", "Admin"), ("cognito:groups", [1]),
    ("cognito:groups", {"Admin": True}), ("cognito:groups", [["Admin"]]), ("cognito:groups", [None]),
):
    case(f"access-type-{name}-{bad!r}")(lambda c, n=name, b=bad: c.sign(access_claims(**{n: b})))
case("id-type-cognito:username-int")(lambda c: c.sign(id_claims(**{"cognito:username": 1001})))

# --- tampering --------------------------------------------------------------------------------------


def _tamper_payload(c: Ctx, change: dict[str, Any]) -> str:
    head, _, sig = c.sign().split(".")
    return f"{head}.{b64url(json.dumps(access_claims(**change)).encode())}.{sig}"


for change in ({"cognito:groups": ["Admin"]}, {"username": "1"}, {"exp": NOW + 10**6}, {"client_id": "client-second"}):
    case(f"tampered-payload-{sorted(change)[0]}")(lambda c, ch=change: _tamper_payload(c, ch))
case("tampered-header-extra-field")(
    lambda c: b64url(json.dumps({"alg": "RS256", "kid": KID, "x": 1}).encode()) + "." + c.sign().split(".", 1)[1]
)
case("tampered-header-whitespace")(
    lambda c: b64url(json.dumps({"alg": "RS256", "kid": KID}, indent=1).encode()) + "." + c.sign().split(".", 1)[1]
)


def _flip(token: str, byte_index: int) -> str:
    head, body, sig = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4)))
    raw[byte_index % len(raw)] ^= 0x01
    return f"{head}.{body}.{b64url(bytes(raw))}"


for position in range(0, 256, 8):
    case(f"signature-bitflip-{position}")(lambda c, p=position: _flip(c.sign(), p))
case("signature-truncated")(lambda c: c.sign()[:-4])
case("signature-one-char-short")(lambda c: c.sign()[:-1])
case("signature-extended")(lambda c: c.sign() + "AAAA")
case("signature-empty")(lambda c: c.sign().rsplit(".", 1)[0] + ".")
case("signature-zero")(lambda c: c.sign().rsplit(".", 1)[0] + "." + b64url(b"\0" * 256))
case("signature-from-other-token")(
    lambda c: c.sign(access_claims(username="2")).rsplit(".", 1)[0] + "." + c.sign().rsplit(".", 1)[1]
)
case("signature-of-payload-swapped")(
    lambda c: (lambda a, b: f"{a[0]}.{b[1]}.{a[2]}")(c.sign().split("."), c.sign(id_claims()).split("."))
)

# --- encoding, size, structure -------------------------------------------------------------------------
case("oversize-garbage")(lambda c: "a" * 20000 + "." + "b" * 20000 + "." + "c" * 10)
case("oversize-signed-payload")(lambda c: c.sign(access_claims(padding="x" * 20000)))
case("empty")(lambda c: "")
case("whitespace")(lambda c: "   ")
for text in (".", "..", "...", "a", "a.b", "a.b.c", "a.b.c.d", "Bearer", "null", "{}", "eyJ.eyJ.sig"):
    case(f"structure-{text!r}")(lambda c, t=text: t)
case("four-segments")(lambda c: c.sign() + ".extra")
case("two-segments")(lambda c: c.sign().rsplit(".", 1)[0])
for label, bad in (("star", "*"), ("plus", "+"), ("slash", "/"), ("padding", "="), ("space", " "), ("unicode", "é"), ("nul", "\0")):
    case(f"non-b64-header-{label}")(lambda c, b=bad: (lambda p: f"{p[0][:5]}{b}{p[0][5:]}.{p[1]}.{p[2]}")(c.sign().split(".")))
    case(f"non-b64-payload-{label}")(lambda c, b=bad: (lambda p: f"{p[0]}.{p[1][:5]}{b}{p[1][5:]}.{p[2]}")(c.sign().split(".")))
    case(f"non-b64-signature-{label}")(lambda c, b=bad: (lambda p: f"{p[0]}.{p[1]}.{p[2][:5]}{b}{p[2][5:]}")(c.sign().split(".")))
case("padded-segments")(lambda c: ".".join(p + "=" * (-len(p) % 4) + "==" for p in c.sign().split(".")))
case("b64-length-mod-4-is-1")(lambda c: (lambda p: f"{p[0]}.{p[1]}A.{p[2]}")(c.sign().split(".")))
for label, raw in (
    ("not-json", b"not json"), ("array", b"[1,2]"), ("string", b'"claims"'), ("number", b"12"), ("null", b"null"),
    ("truncated", b'{"sub": "x"'), ("latin1", "{\"sub\": \"\xe9\"}".encode("latin-1")), ("deep", b"[" * 100000 + b"]" * 100000),
    ("empty", b""),
):
    case(f"payload-{label}")(lambda c, r=raw: c.sign(raw_payload=r))
for label, header in (("array", [1]), ("string", "RS256"), ("null", None)):
    case(f"header-{label}")(
        lambda c, h=header: b64url(json.dumps(h).encode()) + "." + c.sign().split(".", 1)[1]
    )
case("header-not-json")(lambda c: b64url(b"{alg:RS256}") + "." + c.sign().split(".", 1)[1])
for bad in (None, 123, 1.5, ["token"], {"token": "x"}, b"bytes", True):
    case(f"token-type-{type(bad).__name__}")(lambda c, b=bad: b)

assert len(CASES) >= 200, len(CASES)


def events(token: Any) -> list[dict[str, Any]]:
    bearer = f"Bearer {token}" if isinstance(token, str) else token
    return [
        {"type": "TOKEN", "authorizationToken": bearer, "methodArn": METHOD_ARN},
        {"type": "TOKEN", "authorizationToken": token, "methodArn": METHOD_ARN},
        {"type": "REQUEST", "methodArn": METHOD_ARN, "headers": {"Authorization": bearer}},
        {"version": "2.0", "type": "REQUEST", "routeArn": METHOD_ARN, "routeKey": "POST /users",
         "rawPath": "/users", "identitySource": [bearer], "headers": {"authorization": bearer}},
    ]


def assert_denied(response: dict[str, Any]) -> None:
    if "isAuthorized" in response:
        assert response["isAuthorized"] is False, response
        return
    statements = response["policyDocument"]["Statement"]
    assert all(s["Effect"] == "Deny" for s in statements), response


def assert_rejected(authorizer: Any, token: Any) -> None:
    """Denied in every event shape, and the verifier itself raises InvalidToken (nothing else)."""
    from lambdas.authorizer.cognito_jwt import InvalidToken

    for event in events(token):
        assert_denied(authorizer(event))
    with pytest.raises(InvalidToken):
        authorizer.verifier.verify(token)


@pytest.fixture
def ctx(rsa_key: Any, other_rsa_key: Any) -> Ctx:
    return Ctx(rsa_key, other_rsa_key)


def test_control_token_is_allowed(make_authorizer: Any, ctx: Ctx) -> None:
    """The generator's baseline tokens are valid: each bad case is bad for its stated reason only."""
    authorizer = make_authorizer()
    for token in (ctx.sign(), ctx.sign(id_claims(**{"cognito:groups": ["Admin"]})), ctx.sign(access_claims(iss=NEW_ISSUER))):
        for event in events(token):
            response = authorizer(event)
            assert response.get("isAuthorized", True) is True
            assert "policyDocument" not in response or response["policyDocument"]["Statement"][0]["Effect"] == "Allow"


@pytest.mark.parametrize("name,build,env", CASES, ids=[c[0] for c in CASES])
def test_bad_token_denied_never_raises(make_authorizer: Any, ctx: Ctx, name: str, build: Any, env: dict[str, str]) -> None:
    assert_rejected(make_authorizer(**env), build(ctx))


@pytest.mark.parametrize(
    "event",
    [None, [], "token", {}, {"type": "TOKEN"}, {"type": "REQUEST", "headers": None}, {"type": "REQUEST", "headers": []},
     {"type": "TOKEN", "authorizationToken": "x", "methodArn": 5}, {"version": "2.0", "identitySource": "x"},
     {"type": "REQUEST", "headers": {"Authorization": None}, "methodArn": METHOD_ARN}],
    ids=repr,
)
def test_malformed_events_denied(make_authorizer: Any, event: Any) -> None:
    assert_denied(make_authorizer()(event))
