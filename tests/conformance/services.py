"""moto-backed AWS services for the corpus cases that call SQS, SNS, DynamoDB, EventBridge, S3...

Each such case runs inside its own `mock_aws()` (account 111111111111, as recorded) so cases cannot
see each other's resources. The engine gets boto3 clients through its `client_factory` seam, as the
local stack does. `provision` re-creates what the recorded test created before it started the
execution (a table keyed by `id`, a queue, a topic, a bucket with the object the test uploaded);
cases whose point is a missing resource get none.
"""
from __future__ import annotations

import contextlib
import os
from typing import Any, Callable, Iterator
from unittest import mock

from .runner import REGION

_CLIENTS: dict[str, Any] = {}
# The recorded account (every ARN in the corpus uses it) and credentials boto3 needs to sign.
CASE_ENVIRONMENT = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                    "MOTO_ACCOUNT_ID": "111111111111"}
S3_OBJECTS = {"binary": "binary data", "bytearray": "byte array data", "empty_binary": "",
              "empty_str": "", "str": "text data"}


@contextlib.contextmanager
def moto_client_factory(case: dict[str, Any]) -> Iterator[tuple[Callable[[str], Any], dict[str, str]]]:
    """Yield (client factory, literal replacements for the case's input and definition)."""
    from moto import mock_aws
    import boto3

    # The case's account and fake credentials hold for this case only: unittest.mock restores the
    # environment on exit, so later tests in the process (the local stack follows
    # $MOTO_ACCOUNT_ID) see what they would have seen without the corpus.
    with mock.patch.dict(os.environ, CASE_ENVIRONMENT), mock_aws():
        def factory(service_name: str) -> Any:
            # Clients outlive one mock_aws() (moto intercepts requests, not clients): creating a
            # boto3 client costs ~150 ms, so the suite creates each one once.
            if service_name not in _CLIENTS:
                _CLIENTS[service_name] = boto3.client(service_name, region_name=REGION)
            return _CLIENTS[service_name]

        yield factory, provision(case, factory)


def provision(case: dict[str, Any], factory: Callable[[str], Any]) -> dict[str, str]:
    case_id = case["id"]
    needs = set(case["needs"])
    replacements: dict[str, str] = {}
    if needs & {"dynamodb", "aws-sdk:dynamodb"} and "no_such_table" not in case_id:
        for table in ("test-table", "table-name"):
            factory("dynamodb").create_table(
                TableName=table, BillingMode="PAY_PER_REQUEST",
                KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    if "sqs" in needs or "events" in needs:
        url = factory("sqs").create_queue(QueueName="conformance-queue")["QueueUrl"]
        replacements.update({"sqs_queue_url": url, "sqs-queue-url": url})
    if "sns" in needs and "error_topic_arn" not in case_id:
        arn = factory("sns").create_topic(Name="resource_1")["TopicArn"]
        replacements["topic-arn"] = arn
    if "aws-sdk:s3" in needs and "no_such_bucket" not in case_id:
        factory("s3").create_bucket(Bucket="bucket-name")
        for suffix, body in S3_OBJECTS.items():
            if case_id.endswith(f"[{suffix}]") and "get_object" in case_id:
                factory("s3").put_object(Bucket="bucket-name", Key="file_key", Body=body.encode())
    return replacements
