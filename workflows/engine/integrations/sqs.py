"""Optimized SQS integration: `arn:aws:states:::sqs:sendMessage` (also `.waitForTaskToken`).

A `MessageBody` given as JSON is sent as its JSON text (how a task token usually travels). A null
or missing body fails the way SQS fails it: `SQS.AmazonSQSException`, "The request must contain the
parameter MessageBody." with error code MissingParameter (recorded on AWS). Result:
`MD5OfMessageBody`, `MessageId`... plus the Java SDK v1 metadata (see `optimized`).
"""
from __future__ import annotations

from typing import Any

from workflows.engine.integrations import optimized
from workflows.engine.integrations.sdk_models import json_text

SERVICE = optimized.V1Service(
    boto3_name="sqs",
    error_prefix="SQS",
    java_service="AmazonSQS",
    base_exception="AmazonSQSException",
    actions=frozenset({"sendMessage"}),
)


def call(action: str, parameters: dict, clients: Any) -> Any:
    client = optimized.client_for(SERVICE, action, clients)
    params = dict(parameters or {})
    model = client.meta.service_model
    required = model.operation_model("SendMessage").input_shape.required_members
    for name in required:
        if params.get(name) is None:
            raise optimized.v1_error(SERVICE, model, "MissingParameter",
                                     f"The request must contain the parameter {name}.", 400, None)
    params["MessageBody"] = json_text(params["MessageBody"])
    request = optimized.build_request(SERVICE, client, "SendMessage", params)
    return optimized.invoke(SERVICE, client, "SendMessage", request)
