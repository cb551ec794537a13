"""API errors as botocore `ClientError` subclasses, so `except sfn.exceptions.X` and
`except botocore.exceptions.ClientError` both work exactly as with a boto3 client."""
from __future__ import annotations

import functools
from typing import Any, Callable

from botocore.exceptions import ClientError

CODES = (
    "ActivityDoesNotExist", "ExecutionAlreadyExists", "ExecutionDoesNotExist", "ExecutionLimitExceeded",
    "InvalidArn", "InvalidDefinition", "InvalidExecutionInput", "InvalidName", "InvalidOutput",
    "InvalidToken", "InvalidLoggingConfiguration", "InvalidTracingConfiguration",
    "MissingRequiredParameter", "ResourceNotFound", "StateMachineAlreadyExists", "StateMachineDeleting",
    "StateMachineDoesNotExist", "StateMachineTypeNotSupported", "TaskDoesNotExist", "TaskTimedOut",
    "ValidationException", "ConflictException", "ActivityWorkerLimitExceeded",
    "ActivityAlreadyExists", "ActivityLimitExceeded", "ExecutionNotRedrivable", "InvalidEncryptionConfiguration",
    "ServiceQuotaExceededException", "StateMachineLimitExceeded", "TooManyTags",
)


class SfnClientError(ClientError):
    code = "SfnError"

    def __init__(self, message: str, operation: str = "") -> None:
        super().__init__({"Error": {"Code": self.code, "Message": message},
                          "message": message,
                          "ResponseMetadata": {"HTTPStatusCode": 400}}, operation or "StepFunctions")


def _make(code: str) -> type[SfnClientError]:
    return type(code, (SfnClientError,), {"code": code, "__module__": __name__})


ERRORS: dict[str, type[SfnClientError]] = {code: _make(code) for code in CODES}
globals().update(ERRORS)


class Exceptions:
    """`sfn.exceptions.<Code>`, like a boto3 client's `exceptions` attribute."""

    ClientError = ClientError

    def __init__(self) -> None:
        for code, cls in ERRORS.items():
            setattr(self, code, cls)


def api_error(code: str, message: str, operation: str = "") -> SfnClientError:
    return ERRORS[code](message, operation)


def api_operation(method: Callable[..., Any]) -> Callable[..., Any]:
    """Name the operation in errors the way boto3 does ("when calling the StartExecution operation").

    Errors are raised deep in the engine, which does not know which API call it serves; the client
    method does, so it re-raises the same error class with its operation name."""
    operation = "".join(part.title() for part in method.__name__.split("_"))

    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except SfnClientError as error:
            if error.operation_name != "StepFunctions":
                raise
            raise type(error)(error.response["Error"]["Message"], operation) from error

    return call
