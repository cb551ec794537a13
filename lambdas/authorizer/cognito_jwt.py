"""Verify a Cognito user-pool JWT (RS256) and return its claims, or raise ``InvalidToken``.

Why hand-written instead of PyJWT/joserfc: the checks Cognito tokens need are few and fixed
(alg exactly RS256, kid, iss in either issuer form, token_use, client_id/aud, exp/nbf/iat), and the
general libraries cost ~115 us per verify against ~17 us for ``cryptography``'s RSA verify they all
end up calling. Everything that is not exactly what Cognito issues is rejected: every failure is an
``InvalidToken`` carrying a reason, never any other exception.

Speed: around the RSA operation the warm path spends its time decoding ~1 KB of base64url and
parsing the claims JSON, so those use ``pybase64`` (SIMD base64) and ``orjson`` when they are
installed (pinned in pyproject), and the standard library otherwise; both paths accept and reject
exactly the same segments for base64url, and both reject anything that is not one JSON object.
"""

from __future__ import annotations

import json
import time
from hashlib import sha256 as _sha256
from binascii import a2b_base64 as _a2b_base64
from hmac import compare_digest as _compare_digest
from json.scanner import make_scanner as _make_json_scanner
from collections import OrderedDict
from typing import Any, Callable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15

try:
    from .jwks_keys import KeySet
except ImportError:  # deployed: the folder is the code root
    from jwks_keys import KeySet  # type: ignore[no-redef]

MAX_TOKEN_BYTES = 16 * 1024
# base64url -> base64; the standard alphabet's own "+" "/" and any "=" become "!", which a strict
# decode rejects (a base64url segment has none of them)
_URL_TO_STD = bytes.maketrans(b"-_+/=", b"+/!!!")
_PADDING = (b"", b"", b"==", b"=")  # by len % 4; 4n+1 characters is rejected by the decoder itself
# the (C) scanner behind json.loads, called directly: (value, end), or StopIteration when no value starts at 0
def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON (RFC 8259)")  # as orjson: no NaN / Infinity


_scan_json = _make_json_scanner(json.JSONDecoder(parse_constant=_reject_constant))


def _b64decode_stdlib(padded: bytes) -> bytes:
    """Standard base64 with the padding present; ValueError (binascii.Error) on any non-alphabet byte."""
    return _a2b_base64(padded, strict_mode=True)


def _loads_json_stdlib(raw: bytes) -> Any:
    """One JSON value filling ``raw`` (surrounding JSON whitespace allowed, as RFC 8259 does)."""
    try:
        text = raw.decode("utf-8")
        value, end = _scan_json(text, len(text) - len(text.lstrip(" \t\n\r")))
    except StopIteration:
        raise ValueError("no JSON value") from None
    if end != len(text) and text[end:].strip(" \t\n\r"):
        raise ValueError("trailing data after the JSON value")
    return value


try:  # SIMD base64: same strict alphabet and length checks as a2b_base64(strict_mode=True)
    from pybase64 import b64decode as _pybase64_decode

    def _b64decode(padded: bytes) -> bytes:
        return _pybase64_decode(padded, validate=True)

except ImportError:  # pragma: no cover - the pinned dependency is installed; tests run both paths
    _b64decode = _b64decode_stdlib

try:
    from orjson import loads as _loads_json  # ValueError (orjson.JSONDecodeError) on anything but one JSON value
except ImportError:  # pragma: no cover
    _loads_json = _loads_json_stdlib
HEADER_CACHE_SIZE = 64
_NO_GROUPS: list[str] = []  # read only
_PKCS1 = PKCS1v15()
# DER prefix of DigestInfo{sha256, NULL} (RFC 8017 section 9.2, note 1)
_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


class InvalidToken(Exception):
    """The token must not be trusted; ``reason`` says why (logged, never returned to the caller)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class VerifierConfig:
    """The checks' parameters, validated once. A plain class: ``dataclasses`` (with ``inspect`` and
    ``ast``) would add milliseconds to every cold start."""

    __slots__ = ("user_pool_id", "region", "client_ids", "token_use", "leeway_seconds", "required_scopes",
                 "max_token_age_seconds", "issuers")

    def __init__(
        self,
        user_pool_id: str,
        region: str,
        client_ids: frozenset[str],
        token_use: str = "access",  # access | id | any
        leeway_seconds: int = 30,
        required_scopes: frozenset[str] = frozenset(),
        max_token_age_seconds: int = 24 * 3600,  # Cognito tokens live at most one day
    ) -> None:
        if token_use not in ("access", "id", "any"):
            raise ValueError(f"TOKEN_USE must be access, id or any, got {token_use!r}")
        if not user_pool_id:
            raise ValueError("USER_POOL_ID is empty")
        if not client_ids:
            raise ValueError("CLIENT_IDS is empty")
        self.user_pool_id = user_pool_id
        self.region = region
        self.client_ids = frozenset(client_ids)
        self.token_use = token_use
        self.leeway_seconds = leeway_seconds
        self.required_scopes = frozenset(required_scopes)
        self.max_token_age_seconds = max_token_age_seconds
        region = pool_region(user_pool_id) or region
        self.issuers = frozenset(
            {
                f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}",
                f"https://issuer-cognito-idp.{region}.amazonaws.com/{user_pool_id}",
            }
        )


def pool_region(user_pool_id: str) -> str:
    """Cognito pool ids are ``<region>_<id>``; the issuer uses that region."""
    head, sep, _ = user_pool_id.partition("_")
    return head if sep and head.count("-") >= 2 else ""


def _b64url_decode(segment: bytes, what: str) -> bytes:
    """Strict base64url of an ASCII segment: only ``A-Z a-z 0-9 - _``, no padding, no whitespace.

    One C pass maps ``-_`` to ``+/`` and ``+ / =`` to ``!`` (not base64), so the strict decoder
    rejects them along with every other stray byte; only the padding added here is accepted.
    """
    try:
        return _b64decode(segment.translate(_URL_TO_STD) + _PADDING[len(segment) & 3])
    except ValueError:  # binascii.Error: bad alphabet, bad length (4n+1), bad padding
        raise InvalidToken(f"{what} is not base64url") from None


def _json_object(raw: bytes, what: str) -> dict[str, Any]:
    try:
        value = _loads_json(raw)
    except (ValueError, RecursionError):  # JSONDecodeError, UnicodeDecodeError, nesting too deep
        raise InvalidToken(f"{what} is not JSON") from None
    if type(value) is not dict:
        raise InvalidToken(f"{what} is not a JSON object")
    return value


def _str_claim(claims: dict[str, Any], name: str) -> str:
    value = claims.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidToken(f"claim {name} must be a non-empty string")
    return value


def _one_of(value: Any, allowed: frozenset[str]) -> bool:
    """Exact string membership (a list or dict claim must not reach a hash lookup or match loosely)."""
    return isinstance(value, str) and value in allowed


class CognitoVerifier:
    """Signature + claims checks, with a bounded cache of verified tokens (exp re-checked on hit)."""

    def __init__(
        self,
        config: VerifierConfig,
        keys: KeySet,
        cache_size: int = 10_000,
        clock: Callable[[], float] = time.time,
        derive: Callable[[dict[str, Any]], Any] | None = None,
    ) -> None:
        self.config = config
        self._derive = derive
        self.keys = keys
        self._cache: OrderedDict[str, tuple[int, Any]] = OrderedDict()
        self._cache_size = cache_size
        self._clock = clock
        self._headers: dict[bytes, str] = {}

    def verify(self, token: Any) -> Any:
        """The claims (or ``derive(claims)``, computed once per token and cached with them)."""
        if not isinstance(token, str):
            raise InvalidToken("token is not a string")
        now = self._clock()
        cached = self._cache.get(token) if self._cache_size else None
        if cached is not None:
            if now < cached[0] + self.config.leeway_seconds:
                return cached[1]
            del self._cache[token]
            raise InvalidToken("token expired")
        claims = self._verify_uncached(token, now)
        result = self._derive(claims) if self._derive is not None else claims
        if self._cache_size > 0:
            if len(self._cache) >= self._cache_size:
                self._cache.popitem(last=False)
            self._cache[token] = (claims["exp"], result)
        return result

    def _verify_uncached(self, token: str, now: float) -> dict[str, Any]:
        if len(token) > MAX_TOKEN_BYTES:
            raise InvalidToken("token is oversize")
        try:
            raw = token.encode("ascii")  # once; every slice below is bytes
        except UnicodeEncodeError:
            raise InvalidToken("token is not ASCII") from None
        first, last = raw.find(b"."), raw.rfind(b".")
        if first < 0 or first == last:  # a dot inside the payload segment fails its strict base64 decode
            raise InvalidToken("token is not three dot-separated segments")
        header_b64 = raw[:first]
        kid = self._headers.get(header_b64)
        new_header = kid is None
        if new_header:
            kid = self._check_header(header_b64)
        found = self.keys.by_kid.get(kid) or self.keys.get_with_size(kid)  # the latter may refresh
        if found is None:
            raise InvalidToken("unknown kid")
        key, signature_size = found
        std = raw.translate(_URL_TO_STD)  # both segments at once ("." is untouched)
        try:
            signature = _b64decode(std[last + 1 :] + _PADDING[(len(raw) - last - 1) & 3])
        except ValueError:
            raise InvalidToken("signature is not base64url") from None
        if len(signature) != signature_size:
            raise InvalidToken("signature length does not match the key")
        try:
            # RSASSA-PKCS1-v1_5 verification as RFC 8017 8.2.2 states it: OpenSSL checks the
            # 00 01 FF..FF 00 padding and returns T = DigestInfo(SHA-256) || H, which must equal
            # the expected T exactly (constant-time). Same check as key.verify(), ~1 us cheaper.
            recovered = key.recover_data_from_signature(signature, _PKCS1, None)
        except InvalidSignature:
            raise InvalidToken("bad signature") from None
        if not _compare_digest(recovered, _SHA256_DIGEST_INFO + _sha256(raw[:last]).digest()):
            raise InvalidToken("bad signature")
        if new_header and len(self._headers) < HEADER_CACHE_SIZE:
            # only headers the pool signed: forged ones could otherwise fill the table first
            self._headers[header_b64] = kid
        try:
            payload = _b64decode(std[first + 1 : last] + _PADDING[(last - first - 1) & 3])
        except ValueError:
            raise InvalidToken("payload is not base64url") from None
        claims = _json_object(payload, "payload")
        self._check_claims(claims, now)
        return claims

    def _check_header(self, header_b64: bytes) -> str:
        """The kid of an acceptable header. Every pool signs with a handful of kids, so the few
        distinct header segments are remembered (keyed by their exact bytes) once a token carrying
        one has passed the signature check."""
        header = _json_object(_b64url_decode(header_b64, "header"), "header")
        alg = header.get("alg")
        if alg != "RS256":  # named by type unless a short string: repr of a deeply nested value can recurse
            shown = repr(alg[:40]) if type(alg) is str else type(alg).__name__
            raise InvalidToken(f"alg must be RS256, got {shown}")
        if "crit" in header:
            raise InvalidToken("header has unsupported crit parameters")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("header kid missing or not a string")
        return kid

    def _check_claims(self, claims: dict[str, Any], now: float) -> None:
        config = self.config
        leeway = config.leeway_seconds
        get = claims.get
        exp, iat = get("exp"), get("iat")
        if type(exp) is not int or type(iat) is not int:  # bool/float/str are not what Cognito issues
            raise InvalidToken("claims exp and iat must be integers")
        if now >= exp + leeway:
            raise InvalidToken("token expired")
        if iat > now + leeway:
            raise InvalidToken("iat is in the future")
        if iat > exp or exp - iat > config.max_token_age_seconds:
            raise InvalidToken("iat/exp window is not a Cognito token lifetime")
        nbf = get("nbf")
        if nbf is not None:
            if type(nbf) is not int:
                raise InvalidToken(f"claim nbf must be an integer, got {type(nbf).__name__}")
            if nbf > now + leeway:
                raise InvalidToken("token not valid yet (nbf)")
        auth_time = get("auth_time")
        if auth_time is not None and type(auth_time) is not int:
            raise InvalidToken(f"claim auth_time must be an integer, got {type(auth_time).__name__}")
        iss = get("iss")
        if type(iss) is not str or iss not in config.issuers:  # exact string: no list/dict reaches a lookup
            raise InvalidToken("wrong issuer")
        sub = get("sub")
        if type(sub) is not str or not sub:
            raise InvalidToken("claim sub must be a non-empty string")
        token_use = get("token_use")
        if token_use == "access":
            if config.token_use == "id":
                raise InvalidToken("access token where an ID token is required")
            client_id = get("client_id")
            if type(client_id) is not str or client_id not in config.client_ids:
                raise InvalidToken("client_id not allowed")
            _str_claim(claims, "username")
            scope = get("scope", "")
            if type(scope) is not str:
                raise InvalidToken("claim scope must be a string")
            if config.required_scopes and not config.required_scopes.issubset(scope.split()):
                raise InvalidToken("required scope missing")
        elif token_use == "id":
            if config.token_use == "access":
                raise InvalidToken("ID token where an access token is required")
            if not _one_of(get("aud"), config.client_ids):
                raise InvalidToken("aud not allowed")
            _str_claim(claims, "cognito:username")
            if config.required_scopes:
                raise InvalidToken("required scopes need an access token")
        else:
            raise InvalidToken("token_use must be access or id")
        groups = get("cognito:groups", _NO_GROUPS)
        if type(groups) is not list:  # absent is fine; null, a string or an object is not
            raise InvalidToken("claim cognito:groups must be a list of strings")
        for group in groups:
            if type(group) is not str:
                raise InvalidToken("claim cognito:groups must be a list of strings")
