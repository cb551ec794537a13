"""Optimized EventBridge integration: `arn:aws:states:::events:putEvents` (also `.waitForTaskToken`).

A `Detail` given as JSON is sent as its JSON text. PutEvents reports bad entries inside a 200
response; Step Functions turns any failed entry into the task error `EventBridge.FailedEntry` whose
cause is the JSON text of the response (`Entries`, `FailedEntryCount`), as recorded on AWS. The
success result is the response itself, without SDK metadata.
"""
from __future__ import annotations

import json
from typing import Any

from workflows.engine.errors import StatesError
from workflows.engine.integrations import optimized
from workflows.engine.integrations.sdk_models import json_text

SERVICE = optimized.V1Service(
    boto3_name="events",
    error_prefix="EventBridge",
    java_service="AmazonEventBridge",
    base_exception="AmazonEventBridgeException",
    actions=frozenset({"putEvents"}),
)


def call(action: str, parameters: dict, clients: Any) -> Any:
    client = optimized.client_for(SERVICE, action, clients)
    params = dict(parameters or {})
    entries = params.get("Entries")
    if isinstance(entries, list):
        params["Entries"] = [
            {**entry, "Detail": json_text(entry["Detail"])}
            if isinstance(entry, dict) and entry.get("Detail") is not None else entry
            for entry in entries
        ]
    request = optimized.build_request(SERVICE, client, "PutEvents", params)
    result = optimized.invoke(SERVICE, client, "PutEvents", request, sdk_metadata=False)
    if result.get("FailedEntryCount", 0) > 0:
        raise StatesError("EventBridge.FailedEntry", json.dumps(result, separators=(",", ":")))
    return result
