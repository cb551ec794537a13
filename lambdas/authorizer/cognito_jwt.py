"""Verify a Cognito user-pool JWT (RS256) and return its claims, or raise ``InvalidToken``.

Why hand-written instead of PyJWT/joserfc: the checks Cognito tokens need are few and fixed
(alg exactly RS256, kid, iss in either issuer form, token_use, client_id/aud, exp/nbf/iat), and the
general libraries cost ~115 us per verify against ~17 us for ``cryptography``'s RSA verify they all
end up calling. Everything that is not exactly what Cognito issues is rejected: every failure is an
``InvalidToken`` carrying a reason, never any other exception.
"""

from __future__ import annotations

import binascii
import json
import time
from hashlib import sha256 as _sha256
from hmac import compare_digest as _compare_digest
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15

try:
    from .jwks_keys import KeySet
except ImportError:  # deployed: the folder is the code root
    from jwks_keys import KeySet  # type: ignore[no-redef]

MAX_TOKEN_BYTES = 16 * 1024
_URL_TO_STD = bytes.maketrans(b"-_", b"+/")
_PADDING = ("", "", "==", "=")
_DECODER = json.JSONDecoder()
HEADER_CACHE_SIZE = 64
_PKCS1 = PKCS1v15()
# DER prefix of DigestInfo{sha256, NULL} (RFC 8017 section 9.2, note 1)
_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


class InvalidToken(Exception):
    """The token must not be trusted; ``reason`` says why (logged, never returned to the caller)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class VerifierConfig:
    user_pool_id: str
    region: str
    client_ids: frozenset[str]
    token_use: str = "access"  # access | id | any
    leeway_seconds: int = 30
    required_scopes: frozenset[str] = frozenset()
    max_token_age_seconds: int = 24 * 3600  # Cognito tokens live at most one day
    issuers: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        if self.token_use not in ("access", "id", "any"):
            raise ValueError(f"TOKEN_USE must be access, id or any, got {self.token_use!r}")
        if not self.user_pool_id:
            raise ValueError("USER_POOL_ID is empty")
        if not self.client_ids:
            raise ValueError("CLIENT_IDS is empty")
        region = pool_region(self.user_pool_id) or self.region
        object.__setattr__(
            self,
            "issuers",
            frozenset(
                {
                    f"https://cognito-idp.{region}.amazonaws.com/{self.user_pool_id}",
                    f"https://issuer-cognito-idp.{region}.amazonaws.com/{self.user_pool_id}",
                }
            ),
        )


def pool_region(user_pool_id: str) -> str:
    """Cognito pool ids are ``<region>_<id>``; the issuer uses that region."""
    head, sep, _ = user_pool_id.partition("_")
    return head if sep and head.count("-") >= 2 else ""


def _b64url_decode(segment: str, what: str) -> bytes:
    """Strict base64url: only ``A-Z a-z 0-9 - _``, no padding, no whitespace (checks run in C)."""
    if not segment or len(segment) % 4 == 1 or "+" in segment or "/" in segment or "=" in segment:
        raise InvalidToken(f"{what} is not base64url")
    try:
        return binascii.a2b_base64(
            (segment + _PADDING[len(segment) % 4]).encode("ascii").translate(_URL_TO_STD), strict_mode=True
        )
    except ValueError:  # binascii.Error, or UnicodeEncodeError for non-ASCII text
        raise InvalidToken(f"{what} is not base64url") from None


def _json_object(raw: bytes, what: str) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8")
        value, end = _DECODER.raw_decode(text)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise InvalidToken(f"{what} is not JSON") from None
    if end != len(text) and not text[end:].isspace():
        raise InvalidToken(f"{what} has trailing data after the JSON")
    if not isinstance(value, dict):
        raise InvalidToken(f"{what} is not a JSON object")
    return value


def _int_claim(claims: dict[str, Any], name: str, required: bool) -> int | None:
    value = claims.get(name)
    if value is None:
        if required:
            raise InvalidToken(f"claim {name} is missing")
        return None
    if type(value) is not int:  # bool is an int subclass; floats and strings are not Cognito's shape
        raise InvalidToken(f"claim {name} must be an integer, got {type(value).__name__}")
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
        self._headers: dict[str, str] = {}

    def verify(self, token: Any) -> Any:
        """The claims (or ``derive(claims)``, computed once per token and cached with them)."""
        if not isinstance(token, str):
            raise InvalidToken("token is not a string")
        cached = self._cache.get(token)
        now = self._clock()
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
        first, last = token.find("."), token.rfind(".")
        if first < 0 or first == last:  # a dot inside the payload segment fails its strict base64 decode
            raise InvalidToken("token is not three dot-separated segments")
        header_b64 = token[:first]
        kid = self._headers.get(header_b64)
        if kid is None:
            kid = self._check_header(header_b64)
        found = self.keys.get_with_size(kid)
        if found is None:
            raise InvalidToken("unknown kid")
        key, signature_size = found
        signature = _b64url_decode(token[last + 1 :], "signature")
        if len(signature) != signature_size:
            raise InvalidToken("signature length does not match the key")
        try:
            # RSASSA-PKCS1-v1_5 verification as RFC 8017 8.2.2 states it: OpenSSL checks the
            # 00 01 FF..FF 00 padding and returns T = DigestInfo(SHA-256) || H, which must equal
            # the expected T exactly (constant-time). Same check as key.verify(), ~1 us cheaper.
            recovered = key.recover_data_from_signature(signature, _PKCS1, None)
            expected = _SHA256_DIGEST_INFO + _sha256(token[:last].encode("ascii")).digest()
        except (InvalidSignature, UnicodeEncodeError):
            raise InvalidToken("bad signature") from None
        if not _compare_digest(recovered, expected):
            raise InvalidToken("bad signature")
        claims = _json_object(_b64url_decode(token[first + 1 : last], "payload"), "payload")
        self._check_claims(claims, now)
        return claims

    def _check_header(self, header_b64: str) -> str:
        """The kid of an acceptable header. Every pool signs with a handful of kids, so the few
        distinct header segments are remembered (keyed by their exact text) after one full check."""
        header = _json_object(_b64url_decode(header_b64, "header"), "header")
        if header.get("alg") != "RS256":
            raise InvalidToken(f"alg must be RS256, got {header.get('alg')!r}"[:120])
        if "crit" in header:
            raise InvalidToken("header has unsupported crit parameters")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("header kid missing or not a string")
        if len(self._headers) < HEADER_CACHE_SIZE:
            self._headers[header_b64] = kid
        return kid

    def _check_claims(self, claims: dict[str, Any], now: float) -> None:
        config = self.config
        leeway = config.leeway_seconds
        exp, iat = claims.get("exp"), claims.get("iat")
        if type(exp) is not int or type(iat) is not int:  # bool/float/str are not what Cognito issues
            raise InvalidToken("claims exp and iat must be integers")
        nbf = _int_claim(claims, "nbf", required=False) if "nbf" in claims else None
        if "auth_time" in claims:
            _int_claim(claims, "auth_time", required=False)
        if now >= exp + leeway:
            raise InvalidToken("token expired")
        if iat > now + leeway:
            raise InvalidToken("iat is in the future")
        if iat > exp or exp - iat > config.max_token_age_seconds:
            raise InvalidToken("iat/exp window is not a Cognito token lifetime")
        if nbf is not None and nbf > now + leeway:
            raise InvalidToken("token not valid yet (nbf)")
        if not _one_of(claims.get("iss"), config.issuers):
            raise InvalidToken("wrong issuer")
        _str_claim(claims, "sub")
        token_use = claims.get("token_use")
        if token_use == "access":
            if config.token_use == "id":
                raise InvalidToken("access token where an ID token is required")
            if not _one_of(claims.get("client_id"), config.client_ids):
                raise InvalidToken("client_id not allowed")
            _str_claim(claims, "username")
            scope = claims.get("scope", "")
            if not isinstance(scope, str):
                raise InvalidToken("claim scope must be a string")
            if config.required_scopes and not config.required_scopes.issubset(scope.split()):
                raise InvalidToken("required scope missing")
        elif token_use == "id":
            if config.token_use == "access":
                raise InvalidToken("ID token where an access token is required")
            if not _one_of(claims.get("aud"), config.client_ids):
                raise InvalidToken("aud not allowed")
            _str_claim(claims, "cognito:username")
            if config.required_scopes:
                raise InvalidToken("required scopes need an access token")
        else:
            raise InvalidToken("token_use must be access or id")
        groups = claims.get("cognito:groups", [])
        if not isinstance(groups, list) or not all(isinstance(group, str) for group in groups):
            raise InvalidToken("claim cognito:groups must be a list of strings")
