"""A real boto3 `stepfunctions` client whose transport is the engine itself, in-process.

Why: code written for boto3 (the engine's generic `aws-sdk:sfn` integration, which needs the
client's service model; a Lambda handler; a test) can talk to an embedded engine without a socket.
botocore serializes the request and parses the answer exactly as over HTTP - only the send is
replaced: a `before-send` handler hands the AWS JSON 1.0 body to `StepFunctionsApi.handle` and
returns its answer as the HTTP response. Calls are made on the caller's thread, so a call from
inside a running task (an execution starting another) re-enters the engine the way the engine
expects (it only enqueues; the drive in progress picks it up).
"""
from __future__ import annotations

import json
from typing import Any

from botocore.awsrequest import AWSResponse

from .sfn_api import CONTENT_TYPE, TARGET_PREFIX, StepFunctionsApi


class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Any:
        yield self._data


def in_process_client(engine: Any, region_name: str | None = None) -> Any:
    """A boto3 stepfunctions client answered by `engine` (a `workflows.engine.StepFunctions`)."""
    import boto3
    from botocore.config import Config

    api = StepFunctionsApi(engine)
    client = boto3.client("stepfunctions", region_name=region_name or engine.region_name,
                          endpoint_url="http://in-process.invalid", aws_access_key_id="in-process",
                          aws_secret_access_key="in-process",
                          config=Config(inject_host_prefix=False, retries={"max_attempts": 1}))

    def send(request: Any, **_: Any) -> AWSResponse:
        target = request.headers.get("X-Amz-Target", b"")
        target = target.decode() if isinstance(target, bytes) else target
        body = request.body if isinstance(request.body, bytes) else (request.body or "").encode()
        status, payload = api.handle(target[len(TARGET_PREFIX):], body)
        data = json.dumps(payload).encode()
        return AWSResponse(request.url, status, {"Content-Type": CONTENT_TYPE,
                                                 "Content-Length": str(len(data)),
                                                 "x-amzn-RequestId": "in-process"}, _Body(data))

    client.meta.events.register("before-send.sfn", send)
    return client
