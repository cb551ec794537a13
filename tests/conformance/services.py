"""moto-backed AWS services for the corpus cases that call SQS, SNS, DynamoDB, EventBridge, S3...

Each such case runs inside its own `mock_aws()` (account 111111111111, as recorded) so cases cannot
see each other's resources. The engine gets boto3 clients through its `client_factory` seam, as the
local stack does. `provision` re-creates what the recorded test created before it started the
execution (a table keyed by `id`, a queue, a topic, a bucket with the object the test uploaded);
cases whose point is a missing resource get none.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import uuid
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
                client = boto3.client(service_name, region_name=REGION)
                client.meta.events.register_first("before-parse", _aws_body_before_parse)
                client.meta.events.register_first("after-call", _aws_response_headers)
                _CLIENTS[service_name] = client
            return _CLIENTS[service_name]

        yield factory, provision(case, factory)


# The response headers AWS sends, by service (as the corpus's SdkHttpMetadata records them). moto
# answers with its own set (Server: moto, lower-case names) and its own body layout; the optimized
# integrations echo the headers into SdkHttpMetadata, so the harness gives moto's answers AWS's
# shape: JSON written compactly, query-protocol XML indented with a UUID request id, and the headers
# AWS sends - names, casing and values computed from that body (its length, its CRC32, its id, now).
_DYNAMODB_HEADERS = ("Server", "Date", "Content-Type", "Content-Length", "Connection", "x-amzn-RequestId",
                     "x-amz-crc32")
_FRONT_END_HEADERS = ("x-amzn-RequestId", "connection", "Content-Length", "Date", "Content-Type")
_SHAPED_SERVICES = ("dynamodb", "sqs", "sns")  # the services whose headers the corpus records


def _aws_body(body: bytes, content_type: str, request_id: str | None = None) -> tuple[bytes, str | None]:
    """The answer's body as AWS writes it, and the request id it carries (XML only)."""
    if "json" in content_type:
        try:  # AWS writes JSON compactly; moto puts a space after ',' and ':'
            return json.dumps(json.loads(body), separators=(",", ":")).encode(), request_id
        except ValueError:
            return body, request_id
    if "xml" in content_type:
        from xml.dom import minidom

        request_id = request_id or str(uuid.uuid4())
        text = re.sub(r"<RequestId>[^<]*</RequestId>", f"<RequestId>{request_id}</RequestId>", body.decode())
        pretty = minidom.parseString(text).toprettyxml(indent="  ")
        return pretty.split("\n", 1)[1].encode(), request_id  # without minidom's <?xml ...?> line
    return body, request_id


def _shaped(model: Any) -> bool:
    return model is not None and model.service_model.service_name in _SHAPED_SERVICES


def _aws_body_before_parse(operation_model: Any = None, response_dict: Any = None, **_: Any) -> None:
    """XML: the request id botocore parses into ResponseMetadata is the one AWS's body carries."""
    if not _shaped(operation_model) or not isinstance(response_dict, dict) or \
            not isinstance(response_dict.get("body"), bytes):
        return
    content_type = response_dict.get("headers", {}).get("content-type", "")
    if "xml" in content_type:
        response_dict["body"] = _aws_body(response_dict["body"], content_type)[0]


def _aws_response_headers(http_response: Any = None, parsed: Any = None, model: Any = None, **_: Any) -> None:
    if http_response is None or not _shaped(model):
        return  # other services' headers are not recorded in the corpus (and S3 bodies are streams)
    import email.utils
    import zlib

    from botocore.awsrequest import HeadersDict

    moto = http_response.headers
    content_type = moto.get("content-type", "application/x-amz-json-1.0")
    parsed_id = (parsed or {}).get("ResponseMetadata", {}).get("RequestId") if isinstance(parsed, dict) else None
    body, request_id = _aws_body(http_response.content or b"", content_type,
                                 parsed_id if "xml" in content_type else None)
    request_id = request_id or moto.get("x-amzn-requestid") or parsed_id or str(uuid.uuid4())
    values = {"Server": "Server", "Date": moto.get("date") or email.utils.formatdate(usegmt=True),
              "Content-Type": content_type, "Content-Length": str(len(body)), "Connection": "keep-alive",
              "connection": "keep-alive", "x-amzn-RequestId": request_id, "x-amz-crc32": str(zlib.crc32(body))}
    names = _DYNAMODB_HEADERS if model.service_model.service_name == "dynamodb" else _FRONT_END_HEADERS
    http_response.headers = HeadersDict({name: values[name] for name in names})


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
        if "fifo" in case_id:  # the test published to a FIFO topic: its name ends in .fifo
            fifo = factory("sns").create_topic(Name="resource_1.fifo", Attributes={"FifoTopic": "true"})
            replacements[arn] = fifo["TopicArn"]
    if "aws-sdk:s3" in needs and "no_such_bucket" not in case_id:
        factory("s3").create_bucket(Bucket="bucket-name")
        for suffix, body in S3_OBJECTS.items():
            if case_id.endswith(f"[{suffix}]") and "get_object" in case_id:
                factory("s3").put_object(Bucket="bucket-name", Key="file_key", Body=body.encode())
    return replacements
