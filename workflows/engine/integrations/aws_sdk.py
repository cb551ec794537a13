"""The generic `arn:aws:states:::aws-sdk:<service>:<action>` integration, through boto3.

Step Functions calls the AWS SDK for Java with the state's PascalCase parameters and hands the
SDK's response (without transport metadata) to the state. Here botocore plays the SDK: its service
models map the service and action names and the parameter casing, and its parsed response is
rendered the way Step Functions serializes Java objects (see `sdk_models`). Errors carry the Java
names Retry/Catch match on AWS, e.g. `CognitoIdentityProvider.UsernameExistsException`, and a cause
in the Java SDK v2 format `<message> (Service: DynamoDb, Status Code: 400, Request ID: ...)`.
"""
from __future__ import annotations

from typing import Any

from workflows.engine.errors import StatesError
from workflows.engine.integrations import sdk_models
from workflows.engine.integrations.params import ParameterProblem, pascal_response, shape_parameters


def call(service: str, action: str, parameters: dict, clients: Any) -> Any:
    """Run one SDK action; return the parsed response as state data or raise `StatesError`."""
    try:
        boto3_name = sdk_models.boto3_service_name(service)
    except LookupError as exc:
        raise StatesError("States.Runtime", str(exc)) from None
    client = clients.get(boto3_name)
    model = client.meta.service_model
    prefix = sdk_models.java_service_name(model.service_id)
    try:
        operation = sdk_models.operation_name(model, action)
    except LookupError as exc:
        raise StatesError("States.Runtime", str(exc)) from None
    try:
        request = shape_parameters(model.operation_model(operation).input_shape, parameters or {})
    except ParameterProblem as exc:
        raise StatesError(f"{prefix}.{prefix}Exception", _cause(prefix, str(exc), 400, exc.request_id)) from None
    return _invoke(client, model, prefix, operation, request)


def _invoke(client: Any, model: Any, prefix: str, operation: str, request: dict) -> Any:
    import botocore
    from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

    method = getattr(client, botocore.xform_name(operation))
    try:
        response = method(**request)
    except ClientError as exc:
        raise _client_error(model, prefix, exc) from None
    except ParamValidationError as exc:
        raise StatesError(f"{prefix}.{prefix}Exception", _cause(prefix, str(exc), 400, None)) from None
    except BotoCoreError as exc:
        raise StatesError("States.TaskFailed", f"{type(exc).__name__}: {exc}") from None
    response.pop("ResponseMetadata", None)
    return pascal_response(model.operation_model(operation).output_shape, sdk_models.to_json_value(response))


def _client_error(model: Any, prefix: str, exc: Any) -> StatesError:
    error = exc.response.get("Error", {})
    metadata = exc.response.get("ResponseMetadata", {})
    code = error.get("Code", "Unknown")
    shape = sdk_models.modeled_error(model, error.get("QueryErrorCode") or code)
    name = sdk_models.exception_class(shape) if shape else f"{prefix}Exception"
    message = error.get("Message") or code
    extended = metadata.get("HostId") if model.service_id == "S3" else None
    cause = _cause(prefix, message, metadata.get("HTTPStatusCode", 400), metadata.get("RequestId"),
                   extended, metadata.get("RetryAttempts", 0) + 1)
    return StatesError(f"{prefix}.{name}", cause)


def _cause(prefix: str, message: str, status: int, request_id: str | None,
           extended_request_id: str | None = None, attempts: int = 1) -> str:
    details = f"Service: {prefix}, Status Code: {status}, Request ID: {request_id or 'null'}"
    if extended_request_id:
        details += f", Extended Request ID: {extended_request_id}"
    return f"{message} ({details}) (SDK Attempt Count: {attempts})"
