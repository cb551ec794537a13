"""The real clock: executions run on the scheduler thread with real timers; callers poll."""
from __future__ import annotations

import json
import time

from workflows.engine import StepFunctions

from .conftest import ROLE


def test_real_clock_runs_in_background_and_waits_really():
    sfn = StepFunctions(clock="real")
    arn = sfn.create_state_machine(name="m", roleArn=ROLE, definition=json.dumps(
        {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "Next": "P"},
                                    "P": {"Type": "Pass", "Result": 1, "End": True}}}))["stateMachineArn"]
    started = time.monotonic()
    execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    assert sfn.describe_execution(executionArn=execution)["status"] == "RUNNING"
    while sfn.describe_execution(executionArn=execution)["status"] == "RUNNING":
        assert time.monotonic() - started < 5
        time.sleep(0.02)
    assert time.monotonic() - started >= 0.9
    assert sfn.describe_execution(executionArn=execution)["status"] == "SUCCEEDED"


def test_real_clock_sync_execution_blocks_until_done():
    sfn = StepFunctions(clock="real")
    sfn.register_lambda("f", lambda e, c: e["x"] + 1)
    arn = sfn.create_state_machine(name="e", roleArn=ROLE, type="EXPRESS", definition=json.dumps(
        {"StartAt": "T", "States": {"T": {"Type": "Task", "End": True,
                                          "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f"}}}))
    response = sfn.start_sync_execution(stateMachineArn=arn["stateMachineArn"], input='{"x": 1}')
    assert response["status"] == "SUCCEEDED" and response["output"] == "2"
