"""What the optimized integrations (dynamodb, sqs, sns, events) share: the AWS SDK for Java v1 conventions.

Unlike `aws-sdk:*` tasks, Step Functions' optimized integrations still run on the Java SDK v1, and
the state sees it: the result carries `SdkHttpMetadata` (the HTTP headers and status) and
`SdkResponseMetadata`, an error is `<Prefix>.<ExceptionClass>` with the v1 base class for errors the
model does not declare (`DynamoDB.AmazonDynamoDBException`), and the cause has the v1 layout
`<message> (Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ...; Request ID: ...; Proxy: null)`.
These are the shapes the corpus recorded on AWS.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workflows.engine.errors import StatesError
from workflows.engine.integrations import sdk_models
from workflows.engine.integrations.params import ParameterProblem, shape_parameters


@dataclass(frozen=True)
class V1Service:
    boto3_name: str  # "dynamodb"
    error_prefix: str  # "DynamoDB"
    java_service: str  # "AmazonDynamoDBv2" (the v1 client's service name in causes)
    base_exception: str  # "AmazonDynamoDBException"
    actions: frozenset[str]  # the optimized integration's actions, camelCase as in the ARN


def unsupported(service: V1Service, action: str) -> StatesError:
    supported = ", ".join(sorted(service.actions))
    return StatesError(
        "States.Runtime",
        f"The resource 'arn:aws:states:::{service.boto3_name}:{action}' is not supported: "
        f"the optimized {service.boto3_name} integration supports {supported}",
    )


def client_for(service: V1Service, action: str, clients: Any) -> Any:
    """The service's shared boto3 client, once `action` is known to be one of the integration's."""
    if action not in service.actions:
        raise unsupported(service, action)
    return clients.get(service.boto3_name)


def build_request(service: V1Service, client: Any, operation: str, parameters: Any) -> dict:
    """Parameters -> botocore request; a required member given as null fails like the service does."""
    shape = client.meta.service_model.operation_model(operation).input_shape
    try:
        return shape_parameters(shape, parameters or {})
    except ParameterProblem as exc:
        raise v1_error(service, client.meta.service_model, "ValidationException", str(exc), 400, None) from None


def invoke(service: V1Service, client: Any, operation: str, request: dict, *, sdk_metadata: bool = True) -> Any:
    """Call the operation; return the state result with the v1 metadata, or raise the v1 error."""
    import botocore
    from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

    sdk_models.keep_raw_headers(client)
    try:
        response = getattr(client, botocore.xform_name(operation))(**request)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        metadata = exc.response.get("ResponseMetadata", {})
        raise v1_error(service, client.meta.service_model, error.get("Code", "Unknown"),
                       error.get("Message") or "", metadata.get("HTTPStatusCode", 400),
                       metadata.get("RequestId"), error.get("QueryErrorCode")) from None
    except ParamValidationError as exc:
        raise v1_error(service, client.meta.service_model, "ValidationException", str(exc), 400, None) from None
    except BotoCoreError as exc:
        raise StatesError("States.TaskFailed", f"{type(exc).__name__}: {exc}") from None
    metadata = response.pop("ResponseMetadata", {})
    result = sdk_models.to_json_value(response)
    if sdk_metadata:
        result["SdkHttpMetadata"] = http_metadata(metadata)
        result["SdkResponseMetadata"] = {"RequestId": metadata.get("RequestId")}
    return result


def http_metadata(metadata: dict) -> dict:
    """`SdkHttpMetadata` of a v1 response: every header as a list and as a single value."""
    raw = metadata.get(sdk_models.RAW_HEADERS_KEY)
    headers = raw if raw is not None else list((metadata.get("HTTPHeaders") or {}).items())
    all_headers: dict[str, list[str]] = {}
    for name, value in headers:
        all_headers.setdefault(name, []).append(value)
    return {
        "AllHttpHeaders": all_headers,
        "HttpHeaders": {name: ",".join(values) for name, values in all_headers.items()},
        "HttpStatusCode": metadata.get("HTTPStatusCode", 200),
    }


def v1_error(service: V1Service, model: Any, code: str, message: str, status: int,
             request_id: str | None, query_error_code: str | None = None) -> StatesError:
    """`query_error_code` names the modeled shape when a JSON service keeps legacy query codes (SQS)."""
    shape = sdk_models.modeled_error(model, query_error_code or code)
    name = sdk_models.exception_class(shape) if shape else service.base_exception
    cause = (
        f"{message} (Service: {service.java_service}; Status Code: {status}; Error Code: {code}; "
        f"Request ID: {request_id or 'null'}; Proxy: null)"
    )
    return StatesError(f"{service.error_prefix}.{name}", cause)
