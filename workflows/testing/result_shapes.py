"""What a Task integration really returns, and checking a mocked result against it.

Step Functions Local accepts any JSON as a mocked `Return`, so a mock with a misspelled field or a
number where the API returns a string passes locally and breaks on AWS. AWS's TestState API checks
mocks against the service's API model (`fieldValidationMode` STRICT / PRESENT / NONE). This module
is the ONE implementation of that check, used by both the MockConfigFile loader and `test_state`.

The schema comes from botocore's service models (the same JSON models the SDKs are generated from),
so every AWS operation is covered without hand-written shapes. What is hand-written is only what no
library knows: how Step Functions maps a resource ARN to an operation, that it PascalCases member
names, that `lambda:invoke` returns the function's payload as JSON, and what `.sync` returns.

Messages reproduce AWS's texts ("Field 'X' must be a string", "Required field 'X' is missing").
`reject_unknown` is an addition AWS lacks (AWS ignores fields that are not in the model): mock
config files use it in strict mode so a misspelled field is caught.

Timestamps have two rules, chosen by the caller (`timestamps=`):
- API_MODEL (TestState): AWS checks a mock against the API model, where a timestamp is a string; it
  rejects a number even for `states:startExecution` ("Field 'StartDate' must be a string", recorded
  in teststate.jsonl).
- INTEGRATION (MockConfigFile): a mock stands in for what the integration really hands the state.
  Optimized integrations serialise with the Java SDK v1, which writes a date as epoch milliseconds
  (a number: `StartDate`/`StopDate` of startExecution and its .sync/.sync:2 results, which the corpus
  masks with a dedicated "start-date" placeholder, while aws-sdk:sfn:startExecution's SDK v2 ISO
  string is masked as "date"). So an integer is accepted there; a string stays accepted too, since
  it is the model's own form and what a TestState mock must use.
"""
from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from typing import Any, Iterator

from workflows.engine.integrations.resources import (
    SYNC,
    SYNC2,
    WAIT_FOR_TASK_TOKEN,
    ResourceError,
    ResourceRef,
    parse_resource,
)

STRICT, PRESENT, NONE = "STRICT", "PRESENT", "NONE"
MODES = (STRICT, PRESENT, NONE)
# Whose rule a timestamp member follows (see the module docstring).
API_MODEL, INTEGRATION = "api-model", "integration"

# Optimized integration service name in the resource ARN -> botocore service name.
OPTIMIZED_SERVICES = {
    "lambda": "lambda", "dynamodb": "dynamodb", "sqs": "sqs", "sns": "sns", "events": "events",
    "states": "stepfunctions", "ecs": "ecs", "glue": "glue", "batch": "batch", "athena": "athena",
    "codebuild": "codebuild", "sagemaker": "sagemaker", "eks": "eks",
    "elasticmapreduce": "emr", "emr-containers": "emr-containers",
    "emr-serverless": "emr-serverless", "bedrock": "bedrock-runtime",
}
# aws-sdk service ids (AWS SDK for Java v2 client names) whose botocore name differs.
SDK_SERVICE_ALIASES = {
    "sfn": "stepfunctions", "cognitoidentityprovider": "cognito-idp", "eventbridge": "events",
    "cloudwatchlogs": "logs", "cloudwatch": "cloudwatch", "apigateway": "apigateway",
    "elasticloadbalancingv2": "elbv2", "elasticloadbalancing": "elb", "dynamodbstreams":
    "dynamodbstreams", "iotdataplane": "iot-data", "lexruntime": "lex-runtime",
}
# Fields the Java SDK adds to every optimized-integration response.
SDK_METADATA_FIELDS = frozenset({"SdkHttpMetadata", "SdkResponseMetadata"})


@dataclass(frozen=True)
class Violation:
    """One way a result does not fit the schema. `message` is AWS's text for it."""

    path: str  # "Entries[1].EventId"
    field: str  # "EventId" (AWS names only the leaf)
    problem: str  # "must be a string"
    expected: str  # "string", "one of STANDARD, ...", "a field of PutEventsResponse"

    @property
    def message(self) -> str:
        if self.problem == "is missing":
            return f"Required field '{self.field}' is missing"
        return f"Field '{self.field}' {self.problem}"


@dataclass(frozen=True)
class ResultSchema:
    """The output shape of one integration; `any_json` members hold arbitrary JSON."""

    operation: str  # "lambda:Invoke", for messages
    shape: Any  # botocore StructureShape
    any_json: frozenset[str] = frozenset()
    extra_fields: frozenset[str] = frozenset()
    epoch_millis: bool = False  # the integration returns timestamps as epoch-millisecond numbers

    def field_names(self) -> list[str]:
        return sorted({pascal(n) for n in self.shape.members} | self.extra_fields)


@functools.lru_cache(maxsize=1)
def _session() -> Any:
    import botocore.session  # lazy: only mock validation pays for the models

    return botocore.session.get_session()


@functools.lru_cache(maxsize=None)
def service_model(botocore_name: str) -> Any | None:
    try:
        return _session().get_service_model(botocore_name)
    except Exception:  # botocore raises UnknownServiceError / DataNotFoundError
        return None


@functools.lru_cache(maxsize=None)
def botocore_service_for_sdk(sdk_service: str) -> str | None:
    """'sfn' -> 'stepfunctions', 'dynamodb' -> 'dynamodb': Java v2 client id to botocore name."""
    name = SDK_SERVICE_ALIASES.get(sdk_service, sdk_service)
    available = _session().get_available_services()
    if name in available:
        return name
    for candidate in available:
        if candidate.replace("-", "") == sdk_service:
            return candidate
    for candidate in available:  # slow path, cached: compare against each model's serviceId
        model = service_model(candidate)
        if model and re.sub(r"[\s-]", "", model.metadata.get("serviceId", "")).lower() == sdk_service:
            return candidate
    return None


def operation_model(botocore_name: str, action: str) -> Any | None:
    model = service_model(botocore_name)
    if model is None:
        return None
    wanted = action[:1].upper() + action[1:]
    if wanted in model.operation_names:
        return model.operation_model(wanted)
    for name in model.operation_names:
        if name.lower() == action.lower():
            return model.operation_model(name)
    return None


def pascal(name: str) -> str:
    return name[:1].upper() + name[1:]


def resource_ref(resource: str) -> ResourceRef | None:
    try:
        return parse_resource(resource.replace("arn:<partition>:", "arn:aws:"))
    except ResourceError:
        return None


def schema_for(resource: str) -> ResultSchema | None:
    """The schema a Task with this `Resource` returns, or None when any JSON is possible."""
    ref = resource_ref(resource)
    if ref is None or ref.kind != "service" or ref.pattern == WAIT_FOR_TASK_TOKEN:
        return None  # plain Lambda ARN, activity, callback: the result is whatever was sent
    if ref.service.startswith("aws-sdk:"):
        if ref.pattern:
            return None
        botocore_name = botocore_service_for_sdk(ref.sdk_service)
        op = operation_model(botocore_name, ref.action) if botocore_name else None
        return ResultSchema(f"{ref.sdk_service}:{op.name}", op.output_shape) if op and op.output_shape else None
    botocore_name = OPTIMIZED_SERVICES.get(ref.service)
    if botocore_name is None:
        return None  # apigateway:invoke, http:invoke, ...: the response body is any JSON
    if ref.service == "states" and ref.action == "startExecution" and ref.pattern in (SYNC, SYNC2):
        op = operation_model("stepfunctions", "DescribeExecution")
        any_json = frozenset({"Output", "Input"}) if ref.pattern == SYNC2 else frozenset()
        return ResultSchema("states:startExecution." + ref.pattern, op.output_shape, any_json,
                            SDK_METADATA_FIELDS, epoch_millis=True)
    if ref.pattern:
        return None  # other .sync results are service "describe" documents: not modelled here
    op = operation_model(botocore_name, ref.action)
    if op is None or op.output_shape is None:
        return None
    any_json = frozenset({"Payload"}) if ref.service == "lambda" and op.name == "Invoke" else frozenset()
    return ResultSchema(f"{ref.service}:{op.name}", op.output_shape, any_json, SDK_METADATA_FIELDS,
                        epoch_millis=True)


def validate(schema: ResultSchema, value: Any, mode: str, *, reject_unknown: bool = False,
             timestamps: str = API_MODEL) -> list[Violation]:
    """All violations of `value` against `schema` under `mode` (NONE -> always []).

    `timestamps` is API_MODEL for TestState and INTEGRATION for mock config files."""
    if mode not in MODES:
        raise ValueError(f"fieldValidationMode '{mode}' is not one of {', '.join(MODES)}")
    if timestamps not in (API_MODEL, INTEGRATION):
        raise ValueError(f"timestamps '{timestamps}' is not one of {API_MODEL}, {INTEGRATION}")
    if mode == NONE:
        return []
    walker = _Walker(mode == STRICT, reject_unknown,
                     epoch_millis=timestamps == INTEGRATION and schema.epoch_millis)
    if not isinstance(value, dict):
        return [Violation("$", "$", "must be an object", f"a {schema.shape.name} object")]
    return list(walker.structure(schema.shape, value, "", schema.any_json, schema.extra_fields))


class _Walker:
    def __init__(self, required: bool, reject_unknown: bool, *, epoch_millis: bool = False) -> None:
        self.required = required
        self.reject_unknown = reject_unknown
        self.epoch_millis = epoch_millis

    def structure(self, shape: Any, value: dict, path: str, any_json: frozenset[str] = frozenset(),
                  extra: frozenset[str] = frozenset()) -> Iterator[Violation]:
        members = {pascal(name): member for name, member in shape.members.items()}
        if self.required:
            for name in shape.required_members:
                if pascal(name) not in value:
                    yield Violation(_join(path, pascal(name)), pascal(name), "is missing",
                                    f"required by {shape.name}")
        for key, item in value.items():
            member = members.get(key)
            if member is None:
                if self.reject_unknown and key not in extra:
                    yield Violation(_join(path, key), key, "is not a field of " + shape.name,
                                    "one of " + ", ".join(sorted(set(members) | extra)))
                continue
            if key in any_json:
                continue
            yield from self.value(member, item, _join(path, key), key)

    def value(self, shape: Any, value: Any, path: str, field: str) -> Iterator[Violation]:
        kind = shape.type_name
        if value is None:
            return  # JSON null: the SDK treats it as absent
        if kind == "structure":
            if not isinstance(value, dict):
                yield Violation(path, field, "must be an object", f"a {shape.name} object")
            else:
                yield from self.structure(shape, value, path)
        elif kind == "list":
            if not isinstance(value, list):
                yield Violation(path, field, "must be an array", f"an array of {shape.member.type_name}")
                return
            yield from self._length(shape, len(value), path, field)
            for index, item in enumerate(value):
                # AWS names list elements by the list's field name.
                yield from self.value(shape.member, item, f"{path}[{index}]", field)
        elif kind == "map":
            if not isinstance(value, dict):
                yield Violation(path, field, "must be an object", "an object (map)")
                return
            for key, item in value.items():
                yield from self.value(shape.value, item, f"{path}.{key}", field)
        elif kind == "timestamp" and self.epoch_millis:
            if not isinstance(value, str) and (isinstance(value, bool) or not isinstance(value, int)):
                yield Violation(path, field, "must be epoch milliseconds or a timestamp string",
                                "an integer (epoch milliseconds, as the integration returns it) or a string")
        elif kind in ("string", "blob", "timestamp"):
            if not isinstance(value, str):
                yield Violation(path, field, "must be a string", f"a {kind} string")
                return
            enum = getattr(shape, "enum", None)
            if kind == "string" and enum and value not in enum:
                yield Violation(path, field, "is not an expected value", "one of " + ", ".join(enum))
            if kind != "timestamp":
                yield from self._length(shape, len(value), path, field)
        elif kind in ("integer", "long", "float", "double"):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or (
                    isinstance(value, float) and not math.isfinite(value)):
                yield Violation(path, field, "must be a number", f"a {kind}")
                return
            low, high = shape.metadata.get("min"), shape.metadata.get("max")
            if low is not None and value < low:
                yield Violation(path, field, "is less than the minimum value", f">= {low}")
            if high is not None and value > high:
                yield Violation(path, field, "exceeds the maximum value", f"<= {high}")
        elif kind == "boolean":
            if not isinstance(value, bool):
                yield Violation(path, field, "must be a boolean", "true or false")

    @staticmethod
    def _length(shape: Any, length: int, path: str, field: str) -> Iterator[Violation]:
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if low is not None and length < low:
            yield Violation(path, field, "is smaller than the minimum length", f"length >= {low}")
        if high is not None and length > high:
            yield Violation(path, field, "is larger than the maximum length", f"length <= {high}")


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
