"""The shared history pager (used by the harness, the conformance runner and `workflows history`)."""
from __future__ import annotations

import json

from workflows.engine import StepFunctions
from workflows.testing.helpers import execution_path, history

ROLE = "arn:aws:iam::123456789012:role/test"


def test_history_follows_next_token_past_one_page() -> None:
    # 300 Map iterations of one Pass state record well over AWS's 1000-event page.
    definition = {"StartAt": "Each", "States": {"Each": {
        "Type": "Map", "End": True, "ItemsPath": "$.items",
        "ItemProcessor": {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": True}}}}}}
    sfn = StepFunctions(region_name="us-east-1", account_id="123456789012")
    arn = sfn.create_state_machine(name="many", definition=json.dumps(definition),
                                   roleArn=ROLE)["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"items": list(range(300))}))
    first_page = sfn.get_execution_history(executionArn=execution["executionArn"], maxResults=1000)
    assert first_page.get("nextToken"), "the fixture must need a second page"

    events = history(sfn, execution["executionArn"])

    assert len(events) > 1000
    assert [event["id"] for event in events] == list(range(1, len(events) + 1))
    assert events[-1]["type"] == "ExecutionSucceeded"
    assert execution_path(sfn, execution["executionArn"]).count("Echo") == 300
