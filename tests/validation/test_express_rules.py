"""Express machines run Request Response integrations only: the checker knows the machine's type.

AWS refuses, for an EXPRESS machine only, a Task whose Resource is an activity, a `.sync` (`.sync:2`) or a
`.waitForTaskToken` integration - anywhere in the definition. The messages are AWS's, as CreateStateMachine
returned them (localstack tests/aws/services/stepfunctions/v2/test_sfn_api_express.snapshot.json, recorded on
AWS on 2024-07-03: test_illegal_callbacks[SYNC], [WAIT_FOR_TASK_TOKEN], test_illegal_activity_task) - including
the space AWS leaves before " at" in the '.waitForTaskToken' one. The developer guide says the same in words:
"Express Workflows support Request Response, but they do not support Run a Job (.sync) or Wait for Callback
(.waitForTaskToken)" (connect-supported-services.html).
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from workflows.cli import main
from workflows.cli.validate import machine_type_of
from workflows.engine import StepFunctions, validate_definition

ROLE = "arn:aws:iam::123456789012:role/express-tests"
ACTIVITY = "arn:aws:states:us-east-1:123456789012:activity:approve"
SYNC = "Express state machine does not support '.sync' service integration"
CALLBACK = "Express state machine does not support '.waitForTaskToken' service integration "
NO_ACTIVITY = "Express state machine does not support Activity ARN"


def task(resource: str, **fields: object) -> dict:
    return {"StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": resource, "End": True, **fields}}}


def problems(definition: dict, machine_type: str) -> list[tuple[str, str]]:
    return [(d.message, d.location) for d in validate_definition(json.dumps(definition), machine_type)]


REFUSED = [
    ("arn:aws:states:::states:startExecution.sync", SYNC),
    ("arn:aws:states:::states:startExecution.sync:2", SYNC),
    ("arn:aws:states:::ecs:runTask.sync", SYNC),
    ("arn:aws:states:::lambda:invoke.waitForTaskToken", CALLBACK),
    ("arn:aws:states:::sqs:sendMessage.waitForTaskToken", CALLBACK),
    (ACTIVITY, NO_ACTIVITY),
]


@pytest.mark.parametrize(("resource", "message"), REFUSED)
def test_express_refuses_what_only_standard_runs(resource: str, message: str) -> None:
    definition = task(resource, Parameters={"FunctionName": "f", "Payload": {"token.$": "$$.Task.Token"}}
                      if "waitForTaskToken" in resource else {})
    if resource == ACTIVITY:
        del definition["States"]["Call"]["Parameters"]
    assert problems(definition, "EXPRESS") == [(message, "/States/Call/Resource")]
    assert problems(definition, "STANDARD") == []


@pytest.mark.parametrize("resource", [
    "arn:aws:states:::lambda:invoke", "arn:aws:states:::aws-sdk:s3:getObject", "arn:aws:states:::sqs:sendMessage",
    "arn:aws:states:::states:startExecution", "arn:aws:lambda:us-east-1:123456789012:function:f",
    "arn:aws:states:::http:invoke", "arn:aws:states:::events:putEvents"])
def test_express_accepts_request_response(resource: str) -> None:
    assert problems(task(resource), "EXPRESS") == []


def test_every_nested_task_is_judged() -> None:
    inner = task("arn:aws:states:::states:startExecution.sync:2")
    definition = {"StartAt": "P", "States": {
        "P": {"Type": "Parallel", "Branches": [copy.deepcopy(inner)], "Next": "M"},
        "M": {"Type": "Map", "ItemProcessor": copy.deepcopy(inner), "Next": "I"},
        "I": {"Type": "Map", "Iterator": task(ACTIVITY), "End": True}}}
    assert problems(definition, "EXPRESS") == [
        (SYNC, "/States/P/Branches[0]/States/Call/Resource"),
        (SYNC, "/States/M/ItemProcessor/States/Call/Resource"),
        (NO_ACTIVITY, "/States/I/Iterator/States/Call/Resource")]
    assert problems(definition, "STANDARD") == []


def test_express_problems_come_with_the_others() -> None:
    definition = task("arn:aws:states:::ecs:runTask.sync", Next="Gone")
    del definition["States"]["Call"]["End"]
    assert problems(definition, "EXPRESS") == [(SYNC, "/States/Call/Resource"),
                                               ("Missing 'Next' target: Gone", "/States/Call/Next")]


# ---- the API: CreateStateMachine, UpdateStateMachine, ValidateStateMachineDefinition pass the type -----------------
@pytest.fixture
def sfn() -> StepFunctions:
    return StepFunctions(region_name="us-east-1", account_id="123456789012", seed=7)


def test_create_express_with_sync_is_refused_in_aws_words(sfn: StepFunctions) -> None:
    definition = json.dumps({"StartAt": "StartExecution", "States": {"StartExecution": {
        "Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync", "End": True,
        "Parameters": {"StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:child"}}}})
    with pytest.raises(sfn.exceptions.InvalidDefinition) as refused:
        sfn.create_state_machine(name="express", definition=definition, roleArn=ROLE, type="EXPRESS")
    assert refused.value.response["Error"]["Message"] == (
        "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Express state machine does not support "
        "'.sync' service integration at /States/StartExecution/Resource'")
    assert sfn.create_state_machine(name="standard", definition=definition, roleArn=ROLE)["stateMachineArn"]


def test_create_express_with_callback_or_activity_is_refused(sfn: StepFunctions) -> None:
    callback = json.dumps({"StartAt": "Publish", "States": {"Publish": {
        "Type": "Task", "Resource": "arn:aws:states:::sns:publish.waitForTaskToken", "End": True,
        "Parameters": {"TopicArn": "arn:aws:sns:us-east-1:123456789012:t", "Message.$": "$$.Task.Token"}}}})
    with pytest.raises(sfn.exceptions.InvalidDefinition) as refused:
        sfn.create_state_machine(name="callback", definition=callback, roleArn=ROLE, type="EXPRESS")
    assert refused.value.response["Error"]["Message"] == (  # the double space is AWS's
        "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Express state machine does not support "
        "'.waitForTaskToken' service integration  at /States/Publish/Resource'")
    activity = json.dumps({"StartAt": "ActivityTask", "States": {"ActivityTask": {
        "Type": "Task", "Resource": ACTIVITY, "End": True}}})
    with pytest.raises(sfn.exceptions.InvalidDefinition) as refused:
        sfn.create_state_machine(name="activity", definition=activity, roleArn=ROLE, type="EXPRESS")
    assert refused.value.response["Error"]["Message"] == (
        "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Express state machine does not support "
        "Activity ARN at /States/ActivityTask/Resource'")


def test_update_judges_by_the_machines_type(sfn: StepFunctions) -> None:
    plain = json.dumps(task("arn:aws:states:::lambda:invoke"))
    sync = json.dumps(task("arn:aws:states:::ecs:runTask.sync"))
    express = sfn.create_state_machine(name="e", definition=plain, roleArn=ROLE, type="EXPRESS")["stateMachineArn"]
    standard = sfn.create_state_machine(name="s", definition=plain, roleArn=ROLE)["stateMachineArn"]
    with pytest.raises(sfn.exceptions.InvalidDefinition) as refused:
        sfn.update_state_machine(stateMachineArn=express, definition=sync)
    assert SYNC in refused.value.response["Error"]["Message"]
    sfn.update_state_machine(stateMachineArn=standard, definition=sync)
    assert json.loads(sfn.describe_state_machine(stateMachineArn=standard)["definition"]) == json.loads(sync)


def test_validate_state_machine_definition_takes_the_type(sfn: StepFunctions) -> None:
    sync = json.dumps(task("arn:aws:states:::glue:startJobRun.sync"))
    assert sfn.validate_state_machine_definition(definition=sync)["result"] == "OK"
    assert sfn.validate_state_machine_definition(definition=sync, type="STANDARD")["result"] == "OK"
    assert sfn.validate_state_machine_definition(definition=sync, type="EXPRESS") == {
        "result": "FAIL", "truncated": False, "diagnostics": [{
            "severity": "ERROR", "code": "SCHEMA_VALIDATION_FAILED", "message": SYNC,
            "location": "/States/Call/Resource"}]}


# ---- `workflows validate --type`, and NAME.express.asl.json ------------------------------------------------------
def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_cli_judges_by_type_or_name(capsys, tmp_path: Path) -> None:
    text = json.dumps(task("arn:aws:states:::lambda:invoke.waitForTaskToken",
                           Parameters={"FunctionName": "f", "Payload": {"token.$": "$$.Task.Token"}}))
    standard, express = tmp_path / "orders.asl.json", tmp_path / "orders.express.asl.json"
    standard.write_text(text)
    express.write_text(text)
    code, out = run(capsys, "validate", str(standard))
    assert code == 0 and "valid" in out
    code, out = run(capsys, "validate", str(express))
    assert code == 1
    assert (f"{express}: state 'Call', field Resource: Express state machine does not support '.waitForTaskToken' "
            f"service integration  [engine SCHEMA_VALIDATION_FAILED]") in out
    code, out = run(capsys, "validate", "--type", "EXPRESS", "--json", str(standard))
    [result] = json.loads(out)
    assert code == 1 and result["type"] == "EXPRESS" and result["problems"][0]["field"] == "Resource"
    code, out = run(capsys, "validate", "--type", "STANDARD", "--json", str(express))
    assert code == 0 and json.loads(out)[0]["type"] == "STANDARD"


def test_cli_refuses_an_unknown_type(capsys, tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        main(["validate", "--type", "express", str(tmp_path / "x.asl.json")])
    assert "invalid choice: 'express'" in capsys.readouterr().err


def test_machine_type_of_a_file() -> None:
    assert machine_type_of("a/orders.asl.json") == "STANDARD"
    assert machine_type_of("a/orders.express.asl.json") == "EXPRESS"
    assert machine_type_of("a/orders.express.asl.json", "STANDARD") == "STANDARD"
    assert machine_type_of("orders.json", "EXPRESS") == "EXPRESS"
