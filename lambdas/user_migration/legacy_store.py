"""The legacy user store the migration trigger authenticates against, and a helper to fill it.

Default store: the DynamoDB table ``LEGACY_TABLE_NAME`` (key ``username`` = lower-cased email) of
salted PBKDF2-HMAC-SHA256 hashes (``salt``/``hash`` base64, ``algorithm`` = ``pbkdf2_sha256``,
``iterations``). Any object with the ``LegacyStore`` methods can replace it (LDAP, an old SQL
database...). Every check costs the same PBKDF2 work whoever asks, so response time does not reveal
which emails exist: the store's work factor (``LEGACY_HASH_ITERATIONS``, default the production
600000) is paid by an unknown user (a decoy record), by a record with fewer iterations (its own
check plus a throwaway PBKDF2 for the rest) and by a malformed record alike; a record with more
iterations raises the work factor to its count from then on (and is logged: configure the count
your records use). Usernames are normalized (trimmed, lower-cased) before any lookup.

``hash_password`` / ``put_legacy_user`` are what tests and the local stack use to create legacy users.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
from dataclasses import dataclass
from typing import Any, Protocol

logger = logging.getLogger(__name__)

ALGORITHM = "pbkdf2_sha256"
DEFAULT_ITERATIONS = 600_000  # OWASP 2023 recommendation for PBKDF2-HMAC-SHA256
MAX_ITERATIONS = 10_000_000
_ZERO_SALT_B64 = base64.b64encode(bytes(16)).decode("ascii")  # the decoy record of unknown users
_ZERO_HASH_B64 = base64.b64encode(bytes(32)).decode("ascii")  # SHA-256 sized, as every real hash


@dataclass(frozen=True)
class LegacyUser:
    username: str  # lower-cased email
    legacy_user_id: str
    email: str
    display_name: str = ""
    tenant_id: str = ""


class LegacyStore(Protocol):
    def authenticate(self, username: str, password: str) -> LegacyUser | None: ...

    def lookup(self, username: str) -> LegacyUser | None: ...


def normalize_username(name: str) -> str:
    """The key form of a legacy username (a lower-cased email): trimmed and lower-cased."""
    return name.strip().lower()


def hash_password(password: str, *, salt: bytes | None = None, iterations: int = DEFAULT_ITERATIONS) -> dict[str, Any]:
    """The stored fields for a password: ``salt``, ``hash`` (base64), ``algorithm``, ``iterations``."""
    salt = os.urandom(16) if salt is None else salt
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return {
        "salt": base64.b64encode(salt).decode("ascii"),
        "hash": base64.b64encode(digest).decode("ascii"),
        "algorithm": ALGORITHM,
        "iterations": iterations,
    }


def verify_password(password: str, record: dict[str, Any]) -> bool:
    """Constant-time check of ``password`` against a stored record; False on any malformed record."""
    return checked_password(password, record)[0]


def checked_password(password: str, record: dict[str, Any]) -> tuple[bool, int]:
    """(whether ``password`` matches ``record``, the PBKDF2 iterations the check cost: 0 when the
    record is malformed and nothing was hashed)."""
    try:
        if record.get("algorithm") != ALGORITHM:
            return False, 0
        salt = base64.b64decode(record["salt"], validate=True)
        expected = base64.b64decode(record["hash"], validate=True)
        iterations = int(record["iterations"])
    except (KeyError, TypeError, ValueError):
        return False, 0
    if not 1 <= iterations <= MAX_ITERATIONS:
        return False, 0
    actual = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return hmac.compare_digest(actual, expected), iterations


def _user(item: dict[str, Any]) -> LegacyUser:
    return LegacyUser(
        username=str(item["username"]),
        legacy_user_id=str(item.get("legacyUserId", "")),
        email=str(item.get("email", item["username"])),
        display_name=str(item.get("displayName", "")),
        tenant_id=str(item.get("tenantId", "")),
    )


class DynamoDBLegacyStore:
    """``table`` is a boto3 DynamoDB Table resource (``boto3.resource('dynamodb').Table(name)``)."""

    def __init__(self, table: Any, dummy_iterations: int | None = None) -> None:
        """``dummy_iterations``: the work factor every check costs (default ``LEGACY_HASH_ITERATIONS``
        or 600000); set it to the count your legacy hashes use, so no check is padded."""
        self.table = table
        if dummy_iterations is None:
            dummy_iterations = int(os.environ.get("LEGACY_HASH_ITERATIONS", DEFAULT_ITERATIONS))
        if not 1 <= dummy_iterations <= MAX_ITERATIONS:
            raise ValueError(f"LEGACY_HASH_ITERATIONS must be in 1..{MAX_ITERATIONS}, got {dummy_iterations}")
        self.work_iterations = dummy_iterations

    def _item(self, username: str) -> dict[str, Any] | None:
        return self.table.get_item(Key={"username": normalize_username(username)}, ConsistentRead=True).get("Item")

    def lookup(self, username: str) -> LegacyUser | None:
        item = self._item(username)
        return None if item is None else _user(item)

    def authenticate(self, username: str, password: str) -> LegacyUser | None:
        item = self._item(username)
        if item is None:
            self._decoy_check(password, self.work_iterations)  # the same work as a real check
            return None
        record = {k: item.get(k) for k in ("salt", "hash", "algorithm", "iterations")}
        matched, spent = checked_password(password, record)
        if spent > self.work_iterations:  # from now on unknown users cost what this record costs
            logger.warning("legacy record with %d PBKDF2 iterations, more than LEGACY_HASH_ITERATIONS=%d: "
                           "raising the work factor (set it to the count the records use)", spent, self.work_iterations)
            self.work_iterations = spent
        elif spent < self.work_iterations:  # fewer iterations, or a malformed record: pad to the work factor
            self._decoy_check(password, self.work_iterations - spent)
        return _user(item) if matched else None

    @staticmethod
    def _decoy_check(password: str, iterations: int) -> None:
        # No password derives 32 zero bytes; checking against it costs `iterations` of PBKDF2 + one
        # compare, like a real record. Written out, not hashed: hashing it would cost a check more.
        checked_password(password, {"salt": _ZERO_SALT_B64, "hash": _ZERO_HASH_B64, "algorithm": ALGORITHM,
                                    "iterations": iterations})


def put_legacy_user(
    table: Any,
    *,
    email: str,
    password: str,
    legacy_user_id: str,
    display_name: str = "",
    tenant_id: str = "",
    iterations: int = DEFAULT_ITERATIONS,
) -> dict[str, Any]:
    """Write a legacy user (for tests, demos and the local stack) and return the item written."""
    item = {
        "username": normalize_username(email),
        "email": email,
        "legacyUserId": legacy_user_id,
        "displayName": display_name,
        "tenantId": tenant_id,
        **hash_password(password, iterations=iterations),
    }
    table.put_item(Item=item)
    return item
