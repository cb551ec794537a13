"""What Step Functions' names for services, actions and errors are, derived from botocore's models.

Step Functions runs service integrations through the AWS SDK for Java, so the names a state machine
sees come from Java: `aws-sdk:cognitoidentityprovider` is the Java v2 client name lowercased, an
error is `<JavaServiceName>.<ExceptionClass>` (`DynamoDb.ResourceNotFoundException`,
`S3.NoSuchBucketException`), and an error the service model does not declare becomes the service's
base exception (`DynamoDb.DynamoDbException`). The Java names are a pure function of botocore's
`serviceId` and shape names, so nothing is hand-listed: this module derives them from the models
botocore ships (no library exposes Java's naming rule).

It also renders botocore responses the way Step Functions' JSON serialiser does (timestamps as ISO
text, blobs as text or base64) and records each response's original-case HTTP headers, which the
optimized integrations echo in `SdkHttpMetadata`.
"""
from __future__ import annotations

import base64
import datetime
import functools
import gzip
import os
import re
from typing import Any

from workflows.engine.expressions.errors import compact_json

RAW_HEADERS_KEY = "RawHTTPHeaders"


def java_service_name(service_id: str) -> str:
    """botocore serviceId -> Java v2 client prefix: 'DynamoDB' -> 'DynamoDb', 'SFN' -> 'Sfn'.

    A port of the Java SDK code generator's word splitting (Utils.splitOnWordBoundaries) followed
    by PascalCase with each word lower-cased after its first letter.
    """
    text = re.sub(r"[^A-Za-z0-9]+", " ", service_id)
    text = re.sub(r"([^a-z]{2,})v([0-9]+)", r"\1 v\2 ", text)
    text = re.sub(r"([^A-Z]{2,})V([0-9]+)", r"\1 V\2 ", text)
    text = " ".join(re.split(r"(?<=[a-z])(?=[A-Z](?:[a-zA-Z]|[0-9]))", text))
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", text)
    text = re.sub(r"([0-9])([a-zA-Z])", r"\1 \2", text)
    return "".join(w[:1].upper() + w[1:].lower() for w in text.split())


@functools.lru_cache(maxsize=1)
def _loader() -> Any:
    import botocore.loaders

    return botocore.loaders.create_loader()


@functools.lru_cache(maxsize=1)
def _service_ids() -> dict[str, str]:
    """boto3 service name -> serviceId, read from the head of each service-2 file (fast)."""
    loader = _loader()
    found: dict[str, str] = {}
    for name in loader.list_available_services("service-2"):
        version = loader.determine_latest_version(name, "service-2")
        for root in loader.search_paths:
            base = os.path.join(root, name, version, "service-2.json")
            for path, opener in ((base + ".gz", gzip.open), (base, open)):
                if os.path.exists(path):
                    with opener(path, "rb") as handle:
                        head = handle.read(4096)
                    match = re.search(rb'"serviceId"\s*:\s*"([^"]+)"', head)
                    if match:
                        found[name] = match.group(1).decode()
                    break
            if name in found:
                break
    return found


@functools.lru_cache(maxsize=None)
def boto3_service_name(asl_service: str) -> str:
    """`aws-sdk:<service>` name -> boto3 client name ('sfn' -> 'stepfunctions')."""
    wanted = asl_service.lower()
    ids = _service_ids()
    direct = [n for n in ids if n.replace("-", "") == wanted]
    for name in direct + sorted(ids):
        if java_service_name(ids[name]).lower() == wanted:
            return name
    raise LookupError(f"aws-sdk service '{asl_service}' is not an AWS SDK service name")


def operation_name(model: Any, action: str) -> str:
    """camelCase action -> botocore operation name ('adminCreateUser' -> 'AdminCreateUser')."""
    by_lower = _operations_by_lower(model)
    name = by_lower.get(action.lower())
    if name is None:
        raise LookupError(
            f"'{action}' is not an action of {model.service_id} (aws-sdk service '{model.service_name}')"
        )
    return name


@functools.lru_cache(maxsize=None)
def _operations_by_lower(model: Any) -> dict[str, str]:
    return {op.lower(): op for op in model.operation_names}


@functools.lru_cache(maxsize=None)
def _error_shapes_by_code(model: Any) -> dict[str, str]:
    codes: dict[str, str] = {}
    for shape in model.error_shapes:
        codes[shape.name] = shape.name
        code = (shape.metadata.get("error") or {}).get("code")
        if code:
            codes[code] = shape.name
    return codes


def modeled_error(model: Any, code: str) -> str | None:
    """The error shape the model declares for an error code, or None if undeclared."""
    return _error_shapes_by_code(model).get(code)


def exception_class(shape_name: str) -> str:
    return shape_name if shape_name.endswith("Exception") else shape_name + "Exception"


def to_json_value(value: Any) -> Any:
    """A botocore value as Step Functions' serializer writes it into state data."""
    if isinstance(value, dict):
        return {k: to_json_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json_value(v) for v in value]
    if isinstance(value, datetime.datetime):
        return iso_instant(value)
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if hasattr(value, "read") and callable(value.read):  # StreamingBody: the payload as text
        data = value.read()
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return base64.b64encode(data).decode("ascii")
    return value


def iso_instant(moment: datetime.datetime) -> str:
    """Java `Instant.toString()`: UTC, 'Z', milliseconds only when present."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.timezone.utc)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond // 1000:03d}"
    return text + "Z"


def json_text(value: Any) -> str:
    """Step Functions serializes a non-string payload field (MessageBody, Detail...) compactly."""
    return value if isinstance(value, str) else compact_json(value)


def keep_raw_headers(client: Any) -> None:
    """Make `client` record response headers with their original case in ResponseMetadata."""
    if getattr(client, "_sfn_keeps_raw_headers", False):
        return

    def _record(http_response: Any = None, parsed: Any = None, **_: Any) -> None:
        if http_response is not None and isinstance(parsed, dict):
            parsed.setdefault("ResponseMetadata", {})[RAW_HEADERS_KEY] = list(http_response.headers.items())

    client.meta.events.register("after-call", _record)
    try:
        client._sfn_keeps_raw_headers = True
    except AttributeError:  # a test double with __slots__: headers stay lower-case
        pass
