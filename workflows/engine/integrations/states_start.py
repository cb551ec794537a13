"""`arn:aws:states:::states:startExecution` (plain, `.sync`, `.sync:2`): child executions started on
the same engine, so a guard parent and its child run together under one virtual clock.

`.sync` returns DescribeExecution's shape with `Output` as JSON text; `.sync:2` parses it into JSON.
A child that does not succeed fails the task with States.TaskFailed and the describe output as the
cause, as AWS reports it.
"""
from __future__ import annotations

import json
import uuid
from typing import Any

from workflows.engine.errors import StatesError
from workflows.engine.integrations.resources import (
    REQUEST_RESPONSE, SYNC, SYNC2, WAIT_FOR_TASK_TOKEN, ResourceRef,
)
from workflows.engine.integrations.sdk_models import json_text


def _millis(epoch: float) -> int:
    return int(epoch * 1000)


def _sdk_metadata(length: int) -> dict[str, Any]:
    request_id = str(uuid.uuid4())
    return {
        "SdkHttpMetadata": {
            "AllHttpHeaders": {"x-amzn-RequestId": [request_id], "connection": ["keep-alive"],
                               "Content-Length": [str(length)], "Date": ["date"],
                               "Content-Type": ["application/x-amz-json-1.0"]},
            "HttpHeaders": {"connection": "keep-alive", "Content-Length": str(length),
                            "Content-Type": "application/x-amz-json-1.0", "Date": "date",
                            "x-amzn-RequestId": request_id},
            "HttpStatusCode": 200,
        },
        "SdkResponseMetadata": {"RequestId": request_id},
    }


class StartExecutionIntegration:
    patterns = frozenset({REQUEST_RESPONSE, SYNC, SYNC2, WAIT_FOR_TASK_TOKEN})

    def __init__(self, engine: Any) -> None:
        self.engine = engine

    async def invoke(self, ref: ResourceRef, parameters: Any, env: Any) -> Any:
        if ref.action != "startExecution":
            raise StatesError("States.Runtime", f"The resource '{ref.arn}' is not supported")
        params = parameters if isinstance(parameters, dict) else {}
        machine_arn = params.get("StateMachineArn")
        child_input = params.get("Input")
        input_text = "{}" if child_input is None else json_text(child_input)
        child = self.engine.start_child(machine_arn, params.get("Name"), input_text, env.execution)
        started = {"ExecutionArn": child.arn, "StartDate": _millis(child.start)}
        if ref.pattern in (REQUEST_RESPONSE, WAIT_FOR_TASK_TOKEN):
            return {**started, **_sdk_metadata(161)}
        env.submitted({**started, **_sdk_metadata(161)})
        await child.done
        described: dict[str, Any] = {
            "ExecutionArn": child.arn, "Input": child.input_text if ref.pattern == SYNC else child.input,
            "InputDetails": {"Included": True}, "Name": child.name,
        }
        if child.status == "SUCCEEDED":
            output_text = child.output_text
            described["Output"] = output_text if ref.pattern == SYNC else json.loads(output_text)
            described["OutputDetails"] = {"Included": True}
        described.update({"StartDate": _millis(child.start), "StateMachineArn": child.machine.arn,
                          "Status": child.status, "StopDate": _millis(child.stop or child.start)})
        if child.status != "SUCCEEDED":
            if child.error is not None:
                described["Error"] = child.error
            if child.cause is not None:
                described["Cause"] = child.cause
            raise StatesError("States.TaskFailed", json.dumps(described, separators=(",", ":")))
        return described
