"""Optimized SNS integration: `arn:aws:states:::sns:publish` (also `.waitForTaskToken`).

A `Message` given as JSON (an object, a number...) is published as its JSON text, as Step Functions
does. Result: `MessageId` (and `SequenceNumber` for FIFO topics) plus the Java SDK v1 metadata;
errors are `SNS.<Exception>` such as `SNS.NotFoundException` (see `optimized`).
"""
from __future__ import annotations

from typing import Any

from workflows.engine.integrations import optimized
from workflows.engine.integrations.sdk_models import json_text

SERVICE = optimized.V1Service(
    boto3_name="sns",
    error_prefix="SNS",
    java_service="AmazonSNS",
    base_exception="AmazonSNSException",
    actions=frozenset({"publish"}),
)


def call(action: str, parameters: dict, clients: Any) -> Any:
    client = optimized.client_for(SERVICE, action, clients)
    params = dict(parameters or {})
    if params.get("Message") is not None:
        params["Message"] = json_text(params["Message"])
    request = optimized.build_request(SERVICE, client, "Publish", params)
    return optimized.invoke(SERVICE, client, "Publish", request)
