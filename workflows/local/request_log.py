"""One line per request the local stack answers: when, which operation, status, milliseconds.

`workflows up` prints these on stderr (stdout stays the table or the one --json document) so a user
sees what their SDK, the AWS CLI, a trigger or a state machine's Task actually asked the stack;
`--quiet` turns it off. The operation is named the way AWS names it: the JSON protocols' X-Amz-Target
(``sfn StartExecution``, ``dynamodb UpdateItem``), Lambda's REST Invoke (``lambda Invoke greet``),
otherwise the method and path (API Gateway routes, the JWKS, ``/_local/`` control endpoints).
"""
from __future__ import annotations

import re
import threading
import time
import urllib.parse
from typing import Any, Callable, Iterable, TextIO

WsgiApp = Callable[[dict[str, Any], Any], Iterable[bytes]]

# X-Amz-Target prefixes -> the short service names users know from the CLI
SERVICES = {"AWSStepFunctions": "sfn", "DynamoDB_20120810": "dynamodb", "DynamoDBStreams_20120810": "dynamodbstreams",
            "AWSCognitoIdentityProviderService": "cognito-idp", "AmazonSQS": "sqs", "AWSEvents": "events"}
_INVOKE = re.compile(r"^/2015-03-31/functions/([^/]+)/invocations/?$")


def operation(environ: dict[str, Any]) -> str:
    """'sfn StartExecution', 'lambda Invoke greet', 'POST /local/users', ..."""
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        prefix, _, action = target.partition(".")
        return f"{SERVICES.get(prefix, prefix)} {action}"
    path = environ.get("PATH_INFO", "") or "/"
    invoke = _INVOKE.match(path)
    if invoke:
        return f"lambda Invoke {urllib.parse.unquote(invoke.group(1))}"
    return f"{environ.get('REQUEST_METHOD', 'GET')} {path}"


class RequestLog:
    """WSGI middleware writing `HH:MM:SS.mmm  operation  status  N ms` to `stream` per request."""

    def __init__(self, app: WsgiApp, stream: TextIO) -> None:
        self.app, self.stream = app, stream
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        started = time.perf_counter()
        seen: list[str] = []

        def recording_start_response(status: str, headers: Any, *rest: Any) -> Any:
            seen.append(status.split(" ", 1)[0])
            return start_response(status, headers, *rest)

        try:
            body = self.app(environ, recording_start_response)
        except BaseException:
            self.write(environ, "500", started)
            raise
        self.write(environ, seen[0] if seen else "-", started)
        return body

    def write(self, environ: dict[str, Any], status: str, started: float) -> None:
        elapsed = (time.perf_counter() - started) * 1000
        clock = time.strftime("%H:%M:%S") + f".{int(time.time() * 1000) % 1000:03d}"
        line = f"{clock}  {operation(environ)}  {status}  {elapsed:.1f} ms\n"
        with self._lock:
            try:
                self.stream.write(line)
                self.stream.flush()
            except (OSError, ValueError):  # the terminal went away: the stack keeps serving
                pass
