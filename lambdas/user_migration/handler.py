"""Cognito user-migration trigger (UserMigration_Authentication and UserMigration_ForgotPassword).

Entry point: ``handler.handler`` (alias ``lambda_handler``).

Environment:
- ``LEGACY_TABLE_NAME``  legacy users (key ``username`` = lower-cased email; pbkdf2_sha256 hashes).
- ``TABLE_NAME``         users table; pending migration at pk=``MIGRATION#<lower email>``, sk=``MIGRATION``.
- ``LEGACY_HASH_ITERATIONS`` optional: PBKDF2 cost of the decoy check for unknown users (default 600000).
- ``AWS_ENDPOINT_URL_DYNAMODB`` / ``AWS_ENDPOINT_URL_STEPFUNCTIONS`` / ``AWS_ENDPOINT_URL`` via boto3.
Callback (SendTaskSuccess output): ``{legacyUserId, email, migratedVia, username, displayName?, tenantId?}``;
``username`` is the event's ``userName`` - the name Cognito creates the user under, so migrate_user
keys the profile ``USER#<username>`` where the token customizer will look for it.
Helper for tests and the local stack: ``legacy_store.hash_password`` / ``legacy_store.put_legacy_user``.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any, Callable

try:
    from .legacy_store import DynamoDBLegacyStore, LegacyStore, LegacyUser, normalize_username
    from .trigger_event import AUTHENTICATION, FORGOT_PASSWORD, UserMigrationEvent
except ImportError:  # deployed: the folder is the code root
    from legacy_store import DynamoDBLegacyStore, LegacyStore, LegacyUser, normalize_username  # type: ignore[no-redef]
    from trigger_event import AUTHENTICATION, FORGOT_PASSWORD, UserMigrationEvent  # type: ignore[no-redef]

logger = logging.getLogger(__name__)
logger.setLevel(logging.INFO)

# The callback lost the race with the workflow's deadline (or was already used): the workflow has
# taken its fallback path, so the sign-in goes on and the answer is only logged.
LATE_CALLBACK_ERRORS = frozenset({"TaskTimedOut", "InvalidToken", "TaskDoesNotExist"})

_client_factory: Callable[[str], Any] | None = None
_clients: dict[str, Any] = {}
_store: LegacyStore | None = None


class MigrationRefused(Exception):
    """Raised to make Cognito answer 'incorrect username or password' (the message stays generic)."""


def set_client_factory(factory: Callable[[str], Any] | None) -> None:
    """Inject ``factory(service_name) -> boto3-shaped client`` (tests, local stack); resets cached clients."""
    global _client_factory, _store
    _client_factory = factory
    _clients.clear()
    _store = None


def set_legacy_store(store: LegacyStore | None) -> None:
    """Plug in another legacy store (anything with ``authenticate`` and ``lookup``)."""
    global _store
    _store = store


def _client(service: str) -> Any:
    if service not in _clients:
        if _client_factory is not None:
            _clients[service] = _client_factory(service)
        else:
            import boto3  # lazy: created once per container, on first use

            _clients[service] = boto3.client(service)
    return _clients[service]


class _TableFromClient:
    """The small Table surface legacy_store needs, over a low-level DynamoDB client."""

    def __init__(self, client: Any, name: str) -> None:
        self.client, self.name = client, name

    def get_item(self, Key: dict[str, Any], ConsistentRead: bool = False) -> dict[str, Any]:  # noqa: N803
        from boto3.dynamodb.types import TypeDeserializer

        key = {name: {"S": value} for name, value in Key.items()}
        answer = self.client.get_item(TableName=self.name, Key=key, ConsistentRead=ConsistentRead)
        item = answer.get("Item")
        if item is None:
            return {}
        deserializer = TypeDeserializer()
        return {"Item": {name: deserializer.deserialize(value) for name, value in item.items()}}


def legacy_store() -> LegacyStore:
    global _store
    if _store is None:
        name = os.environ.get("LEGACY_TABLE_NAME", "")
        if not name:
            raise RuntimeError("user_migration: LEGACY_TABLE_NAME is not set")
        _store = DynamoDBLegacyStore(_TableFromClient(_client("dynamodb"), name))
    return _store


def normalize_email(value: str) -> str:
    """The key form of an email: ``MIGRATION#``/``EMAIL#`` keys and the legacy store's ``username``
    are trimmed and lower-cased, and the workflows (JSONPath cannot lower-case) reject upper case."""
    return normalize_username(value)


def user_attributes(user: LegacyUser) -> dict[str, str]:
    """Cognito attributes for the new user; non-standard ones carry the ``custom:`` prefix.

    The email is lower-cased: create_profile reads it from Cognito events and rejects upper case."""
    attributes = {
        "email": normalize_email(user.email),
        "email_verified": "true",
        "custom:legacy_user_id": user.legacy_user_id,
    }
    if user.tenant_id:
        attributes["custom:tenant_id"] = user.tenant_id
    if user.display_name:
        attributes["name"] = user.display_name
    return attributes


def callback_output(user: LegacyUser, migrated_via: str, cognito_username: str) -> dict[str, str]:
    """What migrate_user needs to finish the user as signup would (numeric id, EMAIL# reservation,
    profile): the profile is keyed ``USER#<cognito_username>`` (the name Cognito creates the user
    under: the event's ``userName``, exactly as typed), with the legacy displayName and tenantId.
    Empty legacy fields are left out so the workflow's defaults apply."""
    output = {"legacyUserId": user.legacy_user_id, "email": normalize_email(user.email),
              "migratedVia": migrated_via, "username": cognito_username}
    if user.display_name:
        output["displayName"] = user.display_name
    if user.tenant_id:
        output["tenantId"] = user.tenant_id
    return output


def complete_migration(user: LegacyUser, migrated_via: str, cognito_username: str = "") -> str:
    """SendTaskSuccess to the migrate_user execution waiting for this email. Returns what happened.

    ``cognito_username``: the event's ``userName`` (default: the legacy username).

    Never raises: the user is already authenticated, and the workflow's deadline fallback covers
    any callback that does not arrive.
    """
    table = os.environ.get("TABLE_NAME", "")
    # migrate_user keys the pending item by its ``username`` (the legacy store's key; default: email)
    email = normalize_email(user.username or user.email)
    try:
        item = _client("dynamodb").get_item(
            TableName=table,
            Key={"pk": {"S": f"MIGRATION#{email}"}, "sk": {"S": "MIGRATION"}},
            ConsistentRead=True,
        ).get("Item")
    except Exception as error:  # noqa: BLE001 - logged; sign-in proceeds
        logger.error("could not read pending migration of %s from %s: %s", email, table, error)
        return "read-failed"
    if not item or "taskToken" not in item:
        logger.info("no pending migration for %s: nothing to complete", email)
        return "none"
    status = item.get("status", {}).get("S", "PENDING")
    if status != "PENDING":
        logger.info("migration of %s is %s already: not completing it again", email, status)
        return "already-" + status.lower()
    output = callback_output(user, migrated_via, cognito_username or user.username)
    try:
        _client("stepfunctions").send_task_success(taskToken=item["taskToken"]["S"], output=json.dumps(output))
    except Exception as error:  # noqa: BLE001 - classified below, never blocks the sign-in
        code = getattr(error, "response", {}).get("Error", {}).get("Code", type(error).__name__)
        if code in LATE_CALLBACK_ERRORS:
            logger.warning("migration callback for %s rejected as late/duplicate (%s)", email, code)
            return "late:" + code
        logger.error("migration callback for %s failed (%s): %s", email, code, error)
        return "failed:" + code
    logger.info("completed migration of %s (%s)", email, migrated_via)
    return "completed"


def handler(raw_event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    event = UserMigrationEvent(raw_event)
    source, user_name = event.trigger_source, event.user_name
    if source not in (AUTHENTICATION, FORGOT_PASSWORD):
        return raw_event
    if not user_name:
        raise MigrationRefused("User not found")
    if source == AUTHENTICATION:
        user = legacy_store().authenticate(user_name, event.password)
        if user is None:
            logger.info("legacy authentication failed for %s", user_name)
            raise MigrationRefused("Bad password")
        final_status, migrated_via = "CONFIRMED", "sign-in"
    else:
        user = legacy_store().lookup(user_name)
        if user is None:
            raise MigrationRefused("User not found")
        # The user proves ownership with the emailed code and picks a new password.
        final_status, migrated_via = "RESET_REQUIRED", "forgot-password"
    # SUPPRESS: the user already knows this account; a "welcome, here is a temporary password"
    # message would be wrong and confusing.
    fields: dict[str, Any] = {"userAttributes": user_attributes(user), "finalUserStatus": final_status,
                              "messageAction": "SUPPRESS"}
    if source == FORGOT_PASSWORD:
        fields["desiredDeliveryMediums"] = ["EMAIL"]
    answered = event.respond(**fields)
    complete_migration(user, migrated_via, user_name)
    return answered


lambda_handler = handler
