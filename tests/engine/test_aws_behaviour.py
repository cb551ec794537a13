"""Dated AWS behaviour changes: current AWS by default, an older era on request."""
from __future__ import annotations

import datetime
import json

import pytest

from workflows.engine import StepFunctions
from workflows.engine.aws_behaviour import AwsBehaviour

from .conftest import create

DISTRIBUTED = {"StartAt": "M", "States": {"M": {
    "Type": "Map", "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                                     "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
    "End": True}}}
CONTEXT = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"e.$": "$$.Execution"}, "End": True}}}


def _run(sfn: StepFunctions, definition: dict) -> tuple[dict, list[dict]]:
    arn = create(sfn, definition)
    execution = sfn.start_execution(stateMachineArn=arn, input="[1, 2]")["executionArn"]
    events = sfn.get_execution_history(executionArn=execution)["events"]
    return sfn.describe_execution(executionArn=execution), events


def _map_exit_previous(events: list[dict]) -> str:
    by_id = {e["id"]: e for e in events}
    exited = next(e for e in events if e["type"] == "MapStateExited")
    return by_id[exited["previousEventId"]]["type"]


def test_current_aws_by_default():
    sfn = StepFunctions(region_name="us-east-1", account_id="123456789012")
    assert _map_exit_previous(_run(sfn, DISTRIBUTED)[1]) == "MapRunStarted"
    described, _ = _run(StepFunctions(region_name="us-east-1", account_id="123456789012"), CONTEXT)
    assert json.loads(described["output"])["e"]["RedriveCount"] == 0


@pytest.mark.parametrize(("day", "map_previous", "redrive"), [
    ("2023-10-24", "MapRunSucceeded", False),
    (datetime.date(2024, 5, 3), "MapRunSucceeded", True),
    ("2025-01-09", "MapRunStarted", True),
])
def test_older_eras_on_request(day, map_previous, redrive):
    sfn = StepFunctions(region_name="us-east-1", account_id="123456789012", aws_behaviour_as_of=day)
    assert _map_exit_previous(_run(sfn, DISTRIBUTED)[1]) == map_previous
    sfn = StepFunctions(region_name="us-east-1", account_id="123456789012", aws_behaviour_as_of=day)
    described, _ = _run(sfn, CONTEXT)
    assert ("RedriveCount" in json.loads(described["output"])["e"]) is redrive


def test_bad_date_is_named():
    with pytest.raises(ValueError, match="aws_behaviour_as_of .*'last year'"):
        AwsBehaviour.as_of("last year")
