"""Shared helpers: a fresh virtual-clock engine and a one-call way to run a definition."""
from __future__ import annotations

import json
from typing import Any

import pytest

from workflows.engine import StepFunctions

ROLE = "arn:aws:iam::123456789012:role/engine-tests"


@pytest.fixture
def sfn() -> StepFunctions:
    return StepFunctions(region_name="us-east-1", account_id="123456789012", seed=7)


def create(sfn: StepFunctions, definition: dict, name: str = "machine", type_: str = "STANDARD") -> str:
    return sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE,
                                    type=type_)["stateMachineArn"]


def run(sfn: StepFunctions, definition: dict, value: Any = None, name: str = "machine") -> dict:
    """Create (or reuse) a machine, start it, return describe_execution."""
    arn = create(sfn, definition, name)
    started = sfn.start_execution(stateMachineArn=arn, input=json.dumps({} if value is None else value))
    return sfn.describe_execution(executionArn=started["executionArn"])


def history_types(sfn: StepFunctions, execution_arn: str) -> list[str]:
    return [e["type"] for e in sfn.get_execution_history(executionArn=execution_arn)["events"]]


def output(described: dict) -> Any:
    return json.loads(described["output"])


def batched_map(batcher: dict, query_language: str = "JSONPath") -> dict:
    """A distributed Map over $.items with the given ItemBatcher and a Pass processor."""
    items = {"ItemsPath": "$.items"} if query_language == "JSONPath" else {"Items": "{% $states.input.items %}"}
    return {"QueryLanguage": query_language, "StartAt": "M", "States": {"M": {
        "Type": "Map", **items, "ItemBatcher": batcher,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                          "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
        "End": True}}}
