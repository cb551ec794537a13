"""The Step Functions HTTP API (AWS JSON 1.0, ``X-Amz-Target: AWSStepFunctions.<Action>``) over the engine.

What boto3 and `aws stepfunctions --endpoint-url` send: POST / with a JSON body of the operation's
input members. The engine already takes boto3's keyword arguments and returns boto3's response
shapes, so this layer only maps the action to the method, turns datetimes into the epoch seconds
the JSON protocol carries, and reports errors as ``{"__type", "message"}`` with HTTP 400, which
botocore parses back into the same ClientError codes. Actions are taken from botocore's own
service model, so an unknown or misspelled action is refused by name (UnknownOperationException),
and every body is checked against the action's input shape first (sfn_request_model.py: AWS's
SerializationException / ValidationException, never a Python message). A body that is no JSON, or
nested deeper than Python's parser goes, is a SerializationException; an engine failure that is no
API error is a 500 InternalFailure whose message names nothing of the implementation (the stack's
log has the traceback).
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import re
from functools import lru_cache
from typing import Any, Iterable

from .moto_services import status_line
from .sfn_request_model import RequestError, validate

logger = logging.getLogger(__name__)
TARGET_PREFIX = "AWSStepFunctions."
CONTENT_TYPE = "application/x-amz-json-1.0"


@lru_cache(maxsize=1)
def known_actions() -> frozenset[str]:
    """Every operation name in botocore's stepfunctions service model."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("stepfunctions")
    return frozenset(model.operation_names)


def snake_case(action: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", action).lower()


def to_wire(value: Any) -> Any:
    """Response value -> JSON protocol value (timestamps as epoch seconds)."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value.timestamp()
    if isinstance(value, dict):
        return {k: to_wire(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, (list, tuple)):
        return [to_wire(v) for v in value]
    return value


class StepFunctionsApi:
    """WSGI app: AWS JSON 1.0 Step Functions requests -> `engine` method calls."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        status, payload = self.handle(target[len(TARGET_PREFIX):], body)
        data = json.dumps(payload).encode()
        start_response(status_line(status), [("Content-Type", CONTENT_TYPE),
                                              ("Content-Length", str(len(data)))])
        return [data]

    def handle(self, action: str, body: bytes) -> tuple[int, dict[str, Any]]:
        """(HTTP status, JSON body) for one action."""
        if action not in known_actions():
            return 400, {"__type": "UnknownOperationException",
                         "message": f"Unknown operation {action!r}"}
        try:
            kwargs = json.loads(body or b"{}")
        except (ValueError, RecursionError) as error:
            detail = "nested too deeply" if isinstance(error, RecursionError) else "not valid JSON"
            return 400, {"__type": "SerializationException", "message": f"the request body is {detail}"}
        try:
            kwargs = validate(action, kwargs)
        except RequestError as error:
            return 400, {"__type": error.code, "message": error.message}
        method = getattr(self.engine, snake_case(action), None)
        if method is None:
            return 400, {"__type": "UnsupportedOperation",
                         "message": f"{action} is not supported by the local Step Functions engine"}
        try:
            result = method(**kwargs)
        except TypeError:  # the model and the engine disagree on a member: the engine's gap, said plainly
            logger.exception("%s: the engine refused members the model allows", action)
            return 400, {"__type": "ValidationException",
                         "message": f"{action}: a member of this request is not supported by the local engine"}
        except Exception as error:  # ClientError-compatible engine errors carry AWS's code
            code, message = _client_error(error)
            if code is None:
                logger.exception("%s failed", action)
                return 500, {"__type": "InternalFailure",
                             "message": f"{action} failed with an internal error (the stack's log has the details)"}
            return 400, {"__type": code, "message": message}
        return 200, to_wire(result or {})


def _client_error(error: Exception) -> tuple[str | None, str]:
    response = getattr(error, "response", None)
    if isinstance(response, dict) and isinstance(response.get("Error"), dict):
        return response["Error"].get("Code"), str(response["Error"].get("Message", error))
    return None, str(error)
