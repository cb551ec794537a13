"""The legacy user store the migration trigger authenticates against, and a helper to fill it.

Default store: the DynamoDB table ``LEGACY_TABLE_NAME`` (key ``username`` = lower-cased email) of
salted PBKDF2-HMAC-SHA256 hashes (``salt``/``hash`` base64, ``algorithm`` = ``pbkdf2_sha256``,
``iterations``). Any object with the ``LegacyStore`` methods can replace it (LDAP, an old SQL
database...). Verification always runs PBKDF2 and ``hmac.compare_digest`` even for unknown users,
so response time does not reveal which emails exist.

``hash_password`` / ``put_legacy_user`` are what tests and the local stack use to create legacy users.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass
from typing import Any, Protocol

ALGORITHM = "pbkdf2_sha256"
DEFAULT_ITERATIONS = 600_000  # OWASP 2023 recommendation for PBKDF2-HMAC-SHA256
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
    try:
        if record.get("algorithm") != ALGORITHM:
            return False
        salt = base64.b64decode(record["salt"], validate=True)
        expected = base64.b64decode(record["hash"], validate=True)
        iterations = int(record["iterations"])
    except (KeyError, TypeError, ValueError):
        return False
    if not 1 <= iterations <= 10_000_000:
        return False
    actual = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return hmac.compare_digest(actual, expected)


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
        """``dummy_iterations``: cost of the check run for unknown users; set it to what your legacy
        hashes use (default ``LEGACY_HASH_ITERATIONS`` or 600000) so both paths take the same time."""
        self.table = table
        if dummy_iterations is None:
            dummy_iterations = int(os.environ.get("LEGACY_HASH_ITERATIONS", DEFAULT_ITERATIONS))
        # No password derives 32 zero bytes; checking against it costs one PBKDF2 + compare, like a
        # real record. Written out, not hashed: hashing it would make the first unknown user slower.
        self._decoy = {"salt": _ZERO_SALT_B64, "hash": _ZERO_HASH_B64, "algorithm": ALGORITHM,
                       "iterations": dummy_iterations}

    def _item(self, username: str) -> dict[str, Any] | None:
        return self.table.get_item(Key={"username": username.strip().lower()}, ConsistentRead=True).get("Item")

    def lookup(self, username: str) -> LegacyUser | None:
        item = self._item(username)
        return None if item is None else _user(item)

    def authenticate(self, username: str, password: str) -> LegacyUser | None:
        item = self._item(username)
        if item is None:
            verify_password(password, self._decoy)  # same cost as a real check: no user enumeration
            return None
        record = {k: item.get(k) for k in ("salt", "hash", "algorithm", "iterations")}
        return _user(item) if verify_password(password, record) else None


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
        "username": email.strip().lower(),
        "email": email,
        "legacyUserId": legacy_user_id,
        "displayName": display_name,
        "tenantId": tenant_id,
        **hash_password(password, iterations=iterations),
    }
    table.put_item(Item=item)
    return item
