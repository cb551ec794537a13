"""Lambda: in-process Python handlers (`register_lambda`) or, for unregistered functions, boto3.

Both the optimized `arn:aws:states:::lambda:invoke` integration (result wrapped in the Invoke
response: Payload, StatusCode, ExecutedVersion, SdkHttpMetadata) and plain function ARNs (result is
the payload itself) go through `LambdaFunctions.invoke`. A handler that raises fails the task with
error = the exception's class name and cause = AWS's JSON {"errorMessage", "errorType",
"requestId", "stackTrace"}, which is what Retry/Catch match on AWS.
"""
from __future__ import annotations

import base64
import json
import threading
import time
import traceback
import uuid
from typing import Any, Callable

from workflows.engine.errors import StatesError
from workflows.engine.expressions.errors import compact_json
from workflows.engine.virtual_time import current_meter, virtual_sleep
from workflows.engine.integrations.resources import REQUEST_RESPONSE, WAIT_FOR_TASK_TOKEN, ResourceRef

Handler = Callable[[Any, Any], Any]


def function_name(name_or_arn: str) -> str:
    """'fn', 'fn:alias', '123:function:fn', 'arn:aws:lambda:r:a:function:fn[:q]' -> 'fn'."""
    parts = name_or_arn.split(":")
    if "function" in parts:
        return parts[parts.index("function") + 1]
    return parts[0]


class LambdaContext:
    """The `context` argument handlers receive (the attributes Powertools and users read).

    `sleep(seconds)` is `workflows.engine.virtual_sleep`: under the virtual clock the seconds are
    charged to the invoking task (and count against its TimeoutSeconds) without wall time, and
    `get_remaining_time_in_millis` counts them as spent.
    """

    def __init__(self, name: str, arn: str, request_id: str, timeout_s: int) -> None:
        self.function_name = name
        self.function_version = "$LATEST"
        self.invoked_function_arn = arn
        self.memory_limit_in_mb = 128
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{name}"
        self.log_stream_name = f"local/{request_id}"
        self._deadline = time.monotonic() + timeout_s
        self._meter = current_meter()

    def get_remaining_time_in_millis(self) -> int:
        slept = self._meter.charged if self._meter is not None else 0.0
        return max(0, int((self._deadline - time.monotonic() - slept) * 1000))

    @staticmethod
    def sleep(seconds: float) -> None:
        virtual_sleep(seconds)


class LambdaFunctions:
    def __init__(self, region: str, account_id: str) -> None:
        self.region, self.account_id = region, account_id
        self._handlers: dict[str, Handler] = {}
        self._lock = threading.Lock()

    def register(self, name_or_arn: str, handler: Handler) -> None:
        if not callable(handler):
            raise TypeError(f"handler for Lambda function '{name_or_arn}' is not callable")
        with self._lock:
            self._handlers[function_name(name_or_arn)] = handler

    def handler(self, name_or_arn: str) -> Handler | None:
        return self._handlers.get(function_name(name_or_arn))

    def arn(self, name: str) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account_id}:function:{name}"

    def invoke(self, name_or_arn: str, payload: Any, clients: Any) -> Any:
        """Blocking invoke; returns the handler's result (JSON round-tripped, as over the wire)."""
        name = function_name(name_or_arn)
        handler = self.handler(name)
        request_id = str(uuid.uuid4())
        if handler is None:
            return self._invoke_remote(name_or_arn, payload, clients)
        event = {} if payload is None else json.loads(json.dumps(payload))
        context = LambdaContext(name, self.arn(name), request_id, 900)
        try:
            result = handler(event, context)
        except Exception as exc:  # noqa: BLE001 - becomes the task's error, as on AWS
            raise lambda_error(exc, request_id) from None
        if isinstance(result, (bytes, bytearray)):  # the runtime sends bytes as the raw response body
            text = bytes(result).decode("utf-8", errors="replace")
            try:
                return json.loads(text)
            except ValueError:
                return text
        try:
            return json.loads(json.dumps(result))
        except (TypeError, ValueError) as exc:
            error = lambda_error(TypeError(f"Unable to marshal response: {exc}"), request_id)
            error.error = "Runtime.MarshalError"
            raise error from None

    def _not_found(self, name_or_arn: str) -> str:
        """AWS's message for a missing function: the full ARN, `:$LATEST` when unqualified."""
        arn = name_or_arn
        if not arn.startswith("arn:"):
            qualifier = arn.split(":")[-1] if arn.count(":") in (1, 3) else None  # fn:q, acct:function:fn:q
            arn = self.arn(function_name(arn)) + (f":{qualifier}" if qualifier else "")
        if arn.count(":") == 6:
            arn += ":$LATEST"
        return f"Function not found: {arn}"

    def _invoke_remote(self, name_or_arn: str, payload: Any, clients: Any) -> Any:
        if not clients.remote_allowed("lambda"):
            raise StatesError("Lambda.ResourceNotFoundException",
                              f"{self._not_found(name_or_arn)} (Service: AWSLambda; Status Code: 404; Error "
                              f"Code: ResourceNotFoundException; Request ID: {uuid.uuid4()}; Proxy: null)")
        client = clients.get("lambda")
        try:
            response = client.invoke(FunctionName=name_or_arn, Payload=json.dumps(payload).encode())
        except Exception as exc:  # noqa: BLE001 - botocore ClientError and connection errors
            response = getattr(exc, "response", None) or {}
            error = response.get("Error", {})
            code = error.get("Code", type(exc).__name__)
            if not error:
                raise StatesError(f"Lambda.{code}", str(exc)) from None
            status = response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400)
            request_id = response.get("ResponseMetadata", {}).get("RequestId") or str(uuid.uuid4())
            message = error.get("Message", "")
            if code == "ResourceNotFoundException" and message.startswith("Function not found"):
                message = self._not_found(name_or_arn)  # AWS names the qualified ARN (moto does not)
            raise StatesError(f"Lambda.{code}", f"{message} (Service: AWSLambda; Status Code: {status}; "
                                                f"Error Code: {code}; Request ID: {request_id}; Proxy: null)") from None
        body = response["Payload"].read().decode() or "null"
        if response.get("FunctionError"):
            try:
                error_type = json.loads(body).get("errorType", "Lambda.Unknown")
            except (ValueError, AttributeError):
                error_type = "Lambda.Unknown"
            raise StatesError(error_type, body)
        return json.loads(body)


class HandlerError(StatesError):
    """An in-process handler raised: `document` is the Lambda runtime's error object. A plain
    function ARN reports it as spaced JSON (json.dumps), the optimized integration compactly."""

    def __init__(self, error: str, document: dict[str, Any]) -> None:
        super().__init__(error, json.dumps(document))
        self.document = document


def lambda_error(exc: BaseException, request_id: str) -> HandlerError:
    frames = traceback.extract_tb(exc.__traceback__)[1:]  # drop our own call frame
    return HandlerError(type(exc).__name__, {
        "errorMessage": str(exc),
        "errorType": type(exc).__name__,
        "requestId": request_id,
        "stackTrace": traceback.format_list(frames),
    })


class LambdaInvokeIntegration:
    """`arn:aws:states:::lambda:invoke` (and `.waitForTaskToken`)."""

    patterns = frozenset({REQUEST_RESPONSE, WAIT_FOR_TASK_TOKEN})

    def __init__(self, functions: LambdaFunctions) -> None:
        self.functions = functions

    async def invoke(self, ref: ResourceRef, parameters: Any, env: Any) -> Any:
        if not isinstance(parameters, dict) or "FunctionName" not in parameters:
            raise StatesError("States.Runtime", "The field 'FunctionName' is required by lambda:invoke")
        name = parameters["FunctionName"]
        payload = parameters.get("Payload")
        if isinstance(payload, str):
            try:
                payload = json.loads(payload)
            except ValueError:
                pass
        try:
            result = await env.blocking(lambda: self.functions.invoke(name, payload, env.clients))
        except HandlerError as error:  # the optimized integration reports the cause as compact JSON
            error.set_cause(compact_json(error.document))
            raise
        request_id = str(uuid.uuid4())
        response = self._response(result, request_id)
        if parameters.get("LogType") == "Tail":
            log = base64.b64encode(f"START RequestId: {request_id} Version: $LATEST\nEND RequestId: "
                                   f"{request_id}\n".encode()).decode()
            response["LogResult"] = log
            response["SdkHttpMetadata"]["AllHttpHeaders"]["X-Amz-Log-Result"] = [log]
            response["SdkHttpMetadata"]["HttpHeaders"]["X-Amz-Log-Result"] = log
        return dict(sorted(response.items()))

    @staticmethod
    def _response(result: Any, request_id: str) -> dict[str, Any]:
        length = str(len(json.dumps(result)))  # the Python runtime's own serialisation
        trace = f"root=1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]};sampled=0"
        date = _http_date()
        return {
            "ExecutedVersion": "$LATEST",
            "Payload": result,
            "SdkHttpMetadata": {
                "AllHttpHeaders": {
                    "X-Amz-Executed-Version": ["$LATEST"], "x-amzn-Remapped-Content-Length": ["0"],
                    "Connection": ["keep-alive"], "x-amzn-RequestId": [request_id],
                    "Content-Length": [length], "Date": date, "X-Amzn-Trace-Id": trace,
                    "Content-Type": ["application/json"],
                },
                "HttpHeaders": {
                    "Connection": "keep-alive", "Content-Length": length,
                    "Content-Type": "application/json", "Date": date,
                    "X-Amz-Executed-Version": "$LATEST", "x-amzn-Remapped-Content-Length": "0",
                    "x-amzn-RequestId": request_id, "X-Amzn-Trace-Id": trace,
                },
                "HttpStatusCode": 200,
            },
            "SdkResponseMetadata": {"RequestId": request_id},
            "StatusCode": 200,
        }


def _http_date() -> str:
    return time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime())
