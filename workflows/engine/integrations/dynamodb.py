"""Optimized DynamoDB integration: `arn:aws:states:::dynamodb:getItem|putItem|updateItem|deleteItem`.

The state receives DynamoDB's response in attribute-value form (`{"Item": {"id": {"S": "1"}}}`)
plus the Java SDK v1 `SdkHttpMetadata`/`SdkResponseMetadata`; errors are `DynamoDB.<Exception>`
(e.g. `DynamoDB.ConditionalCheckFailedException`) or `DynamoDB.AmazonDynamoDBException` for errors
the model does not declare, such as a validation failure. See `optimized` for the shared rules.
"""
from __future__ import annotations

from typing import Any

from workflows.engine.integrations import optimized

SERVICE = optimized.V1Service(
    boto3_name="dynamodb",
    error_prefix="DynamoDB",
    java_service="AmazonDynamoDBv2",
    base_exception="AmazonDynamoDBException",
    actions=frozenset({"getItem", "putItem", "updateItem", "deleteItem"}),
)


def call(action: str, parameters: dict, clients: Any) -> Any:
    client = optimized.client_for(SERVICE, action, clients)
    operation = action[:1].upper() + action[1:]
    request = optimized.build_request(SERVICE, client, operation, parameters)
    return optimized.invoke(SERVICE, client, operation, request)
