"""Cognito JWKS -> {kid: RSA public key}, parsed once, refreshed rarely.

Why hand-written: PyJWT/joserfc would parse the same JSON but cost 5-10x per verify and a heavier
import on a function whose cold start is on every scale-out. We only need RSA keys (Cognito signs
RS256), so ``cryptography``'s ``RSAPublicNumbers`` does the real work.

Refresh rules: an unknown ``kid`` may trigger one refetch per cooldown window (a forged kid cannot
turn every request into a network call), and a failed refetch keeps the keys we already have.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from typing import Any, Callable

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey, RSAPublicNumbers

logger = logging.getLogger(__name__)

FETCH_TIMEOUT_SECONDS = 2.0
MIN_RSA_BITS = 2048


class JwksError(ValueError):
    """The JWKS document is unusable (names what was wrong)."""


def _b64url_uint(value: Any, field: str, kid: Any) -> int:
    if not isinstance(value, str) or not value:
        raise JwksError(f"JWKS key {kid!r}: field {field!r} must be a non-empty base64url string")
    padded = value + "=" * (-len(value) % 4)
    try:
        raw = base64.urlsafe_b64decode(padded)
    except ValueError as error:
        raise JwksError(f"JWKS key {kid!r}: field {field!r} is not base64url: {error}") from None
    return int.from_bytes(raw, "big")


def parse_jwks(document: Any) -> dict[str, RSAPublicKey]:
    """Keys usable for RS256 signatures, by kid. Other key types and uses are skipped, not errors."""
    if isinstance(document, (str, bytes)):
        try:
            document = json.loads(document)
        except ValueError as error:
            raise JwksError(f"JWKS is not JSON: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise JwksError("JWKS must be an object with a 'keys' list")
    keys: dict[str, RSAPublicKey] = {}
    for entry in document["keys"]:
        if not isinstance(entry, dict):
            raise JwksError(f"JWKS entry must be an object, got {type(entry).__name__}")
        kid = entry.get("kid")
        if entry.get("kty") != "RSA" or entry.get("use", "sig") != "sig":
            continue
        if entry.get("alg", "RS256") != "RS256":
            continue
        if not isinstance(kid, str) or not kid:
            raise JwksError(f"JWKS RSA key without a string 'kid': {sorted(entry)}")
        numbers = RSAPublicNumbers(_b64url_uint(entry.get("e"), "e", kid), _b64url_uint(entry.get("n"), "n", kid))
        key = numbers.public_key()
        if key.key_size < MIN_RSA_BITS:
            raise JwksError(f"JWKS key {kid!r}: {key.key_size}-bit RSA is below {MIN_RSA_BITS}")
        keys[kid] = key
    return keys


def fetch_jwks_document(url: str, timeout: float = FETCH_TIMEOUT_SECONDS) -> bytes:
    """GET the JWKS. urllib is imported here so a bundled JWKS keeps it off the cold start."""
    import urllib.request

    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - https/known URL
        return response.read(1_000_000)


class KeySet:
    """kid -> key with a rate-limited, failure-tolerant refresh."""

    def __init__(
        self,
        keys: dict[str, RSAPublicKey],
        fetch: Callable[[], Any] | None = None,
        cooldown_seconds: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        fetched_now: bool = False,
    ) -> None:
        """``fetched_now``: the keys were just fetched, so the cooldown starts now."""
        self.by_kid: dict[str, tuple[RSAPublicKey, int]] = {}  # read only; replaced whole on refresh
        self._set_keys(keys)
        self._fetch = fetch
        self._cooldown = cooldown_seconds
        self._clock = clock
        self._last_refresh: float | None = clock() if fetched_now else None
        self.refresh_count = 0

    def get(self, kid: str) -> RSAPublicKey | None:
        found = self.get_with_size(kid)
        return None if found is None else found[0]

    def get_with_size(self, kid: str) -> tuple[RSAPublicKey, int] | None:
        """(key, signature length in bytes); an unknown kid may trigger one rate-limited refresh.

        The hot path reads ``by_kid`` first and calls this only for a kid it does not know."""
        found = self.by_kid.get(kid)
        if found is None and self._refresh_allowed():
            self._refresh()
            found = self.by_kid.get(kid)
        return found

    def _set_keys(self, keys: dict[str, RSAPublicKey]) -> None:
        self.by_kid = {kid: (key, (key.key_size + 7) // 8) for kid, key in keys.items()}

    def kids(self) -> list[str]:
        return sorted(self.by_kid)

    def _refresh_allowed(self) -> bool:
        if self._fetch is None:
            return False
        return self._last_refresh is None or self._clock() - self._last_refresh >= self._cooldown

    def _refresh(self) -> None:
        self._last_refresh = self._clock()
        self.refresh_count += 1
        try:
            fresh = parse_jwks(self._fetch())
        except Exception as error:  # network, HTTP, JSON, key errors: keep serving the old keys
            logger.warning("JWKS refresh failed, keeping %d known keys: %s", len(self.by_kid), error)
            return
        if fresh:
            self._set_keys(fresh)
