"""Cognito post-confirmation trigger: starts the create_profile workflow once per user.

Entry point: ``handler.handler`` (alias ``lambda_handler``).

Environment:
- ``PROFILE_STATE_MACHINE_ARN``  the create_profile state machine.
- ``AWS_ENDPOINT_URL_STEPFUNCTIONS`` / ``AWS_ENDPOINT_URL`` honoured through boto3.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from typing import Any, Callable

try:
    from .trigger_event import CONFIRM_SIGN_UP, PostConfirmationEvent
except ImportError:  # deployed: the folder is the code root
    from trigger_event import CONFIRM_SIGN_UP, PostConfirmationEvent  # type: ignore[no-redef]

logger = logging.getLogger(__name__)
logger.setLevel(logging.INFO)

_UNSAFE_NAME_CHARS = re.compile(r"[^A-Za-z0-9_-]")

_client: Any = None
_client_factory: Callable[[str], Any] | None = None


def set_client_factory(factory: Callable[[str], Any] | None) -> None:
    """Inject ``factory(service_name) -> boto3-shaped client`` (tests, local stack); resets the cached client."""
    global _client, _client_factory
    _client_factory = factory
    _client = None


def _stepfunctions() -> Any:
    global _client
    if _client is None:
        if _client_factory is not None:
            _client = _client_factory("stepfunctions")
        else:
            import boto3  # lazy: only confirmations pay for it

            _client = boto3.client("stepfunctions")
    return _client


def execution_name(user_pool_id: str, user_name: str) -> str:
    """Deterministic execution name: same user -> same name, so a retried trigger is a no-op.

    Readable prefix + hash of pool and user (the hash keeps it unique after sanitising), only
    ``[A-Za-z0-9_-]`` and at most 80 characters as StartExecution requires.
    """
    digest = hashlib.sha256(f"{user_pool_id}/{user_name}".encode()).hexdigest()[:24]
    readable = _UNSAFE_NAME_CHARS.sub("-", user_name)[:40]
    return f"profile-{readable}-{digest}"


def normalize_email(value: Any) -> str:
    """The key form of an email (``EMAIL#<lower-cased email>``): create_profile rejects upper case
    because JSONPath cannot lower-case, so every email handed to it is lower-cased here."""
    return value.strip().lower() if isinstance(value, str) else ""


def profile_input(event: PostConfirmationEvent | dict[str, Any]) -> dict[str, Any]:
    """The create_profile workflow's input: who the user is and what Cognito knows about them."""
    event = event if isinstance(event, PostConfirmationEvent) else PostConfirmationEvent(event)
    attributes = event.attributes
    return {
        "userPoolId": event.user_pool_id,
        "userName": event.user_name,
        "userId": event.user_name,
        "email": normalize_email(attributes.get("email")),
        "displayName": attributes.get("name") or attributes.get("custom:display_name", ""),
        "tenantId": attributes.get("custom:tenant_id", ""),
        "sub": attributes.get("sub", ""),
        "clientId": event.client_id,
    }


def handler(raw_event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Start create_profile for a confirmed sign-up; any other trigger source passes through."""
    event = PostConfirmationEvent(raw_event)
    if event.trigger_source != CONFIRM_SIGN_UP:
        return raw_event
    if not event.user_pool_id or not event.user_name:
        raise ValueError("post_confirmation: the event names no userPoolId or userName")
    arn = os.environ.get("PROFILE_STATE_MACHINE_ARN", "")
    if not arn:
        raise RuntimeError("post_confirmation: PROFILE_STATE_MACHINE_ARN is not set")
    name = execution_name(event.user_pool_id, event.user_name)
    client = _stepfunctions()
    try:
        client.start_execution(stateMachineArn=arn, name=name, input=json.dumps(profile_input(event)))
        logger.info("started create_profile execution %s for %s", name, event.user_name)
    except Exception as error:  # botocore ClientError; matched by code to keep botocore off the import path
        code = getattr(error, "response", {}).get("Error", {}).get("Code", "")
        if code != "ExecutionAlreadyExists":
            raise
        logger.info("create_profile execution %s already exists: confirmation already handled", name)
    return raw_event


lambda_handler = handler
