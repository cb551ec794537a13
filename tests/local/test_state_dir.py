"""`workflows up --state-dir DIR`: state machines, executions (with histories) and DynamoDB tables
survive a restart; a running execution comes back ABORTED, saying why."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from workflows.local.state_dir import RUNNING_CAUSE, StateDir, StateDirError
from workflows.local.stack import LocalStack

ROLE = "arn:aws:iam::123456789012:role/kept"
FLAKY = {"StartAt": "Try", "States": {"Try": {"Type": "Pass", "Result": {"ok": True}, "End": True}}}
WAITS = {"StartAt": "Hold", "States": {"Hold": {
    "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
    "Parameters": {"FunctionName": "sink", "Payload": {"t.$": "$$.Task.Token"}}, "End": True}}}


def sink(event: Any, context: Any) -> dict[str, Any]:
    return {}


def test_a_restart_keeps_machines_executions_and_tables(tmp_path: Path) -> None:
    kept = tmp_path / "state"
    with LocalStack(state_dir=kept, functions={"sink": sink}) as first:
        sfn, ddb = first.client("stepfunctions"), first.client("dynamodb")
        arn = sfn.create_state_machine(name="kept", definition=json.dumps(FLAKY), roleArn=ROLE)["stateMachineArn"]
        waits = sfn.create_state_machine(name="waits", definition=json.dumps(WAITS), roleArn=ROLE)["stateMachineArn"]
        done = sfn.start_execution(stateMachineArn=arn, name="done", input='{"n": 1}')["executionArn"]
        waiting = sfn.start_execution(stateMachineArn=waits, name="waiting")["executionArn"]
        history = sfn.get_execution_history(executionArn=done)["events"]
        ddb.put_item(TableName=first.users_table, Item={"pk": {"S": "USER#1"}, "sk": {"S": "PROFILE"}})
        ddb.create_table(TableName="mine", BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
        ddb.put_item(TableName="mine", Item={"id": {"S": "x"}, "v": {"N": "7"}})
        own_signup = first.state_machines["signup"]
        table_name = first.users_table
    assert {p.name for p in kept.iterdir()} >= {"stack.json", "state-machines.json", "executions.json",
                                                  "dynamodb.json"}
    forget_moto()  # what a new process starts with: moto's backends live in the process

    with LocalStack(state_dir=kept, functions={"sink": sink}) as second:
        sfn, ddb = second.client("stepfunctions"), second.client("dynamodb")
        assert second.users_table == table_name  # same resource names
        names = {m["name"] for m in sfn.list_state_machines()["stateMachines"]}
        assert {"kept", "waits", "signup"} <= names and second.state_machines["signup"] == own_signup
        described = sfn.describe_execution(executionArn=done)
        assert described["status"] == "SUCCEEDED" and json.loads(described["output"]) == {"ok": True}
        again = sfn.get_execution_history(executionArn=done)["events"]
        assert [(e["id"], e["type"]) for e in again] == [(e["id"], e["type"]) for e in history]
        assert again[0]["timestamp"] == history[0]["timestamp"]
        stopped = sfn.describe_execution(executionArn=waiting)
        assert stopped["status"] == "ABORTED" and stopped["cause"] == RUNNING_CAUSE
        assert sfn.get_execution_history(executionArn=waiting)["events"][-1]["type"] == "ExecutionAborted"
        assert {e["executionArn"] for e in sfn.list_executions(stateMachineArn=arn)["executions"]} == {done}
        with pytest.raises(sfn.exceptions.ExecutionAlreadyExists):  # the name stays taken, as on AWS
            sfn.start_execution(stateMachineArn=arn, name="done", input='{"n": 2}')
        assert ddb.get_item(TableName=table_name, Key={"pk": {"S": "USER#1"}, "sk": {"S": "PROFILE"}})["Item"]
        assert ddb.get_item(TableName="mine", Key={"id": {"S": "x"}})["Item"]["v"] == {"N": "7"}
        fresh = sfn.start_execution(stateMachineArn=arn, name="after", input="{}")["executionArn"]
        assert sfn.describe_execution(executionArn=fresh)["status"] == "SUCCEEDED"


def forget_moto() -> None:
    from moto.core.base_backend import BackendDict

    BackendDict.reset()


def test_a_failed_start_does_not_overwrite_the_state(tmp_path: Path) -> None:
    kept = tmp_path / "state"
    with LocalStack(state_dir=kept) as first:
        first.client("stepfunctions").create_state_machine(name="kept", definition=json.dumps(FLAKY), roleArn=ROLE)
    before = (kept / "state-machines.json").read_text()
    forget_moto()
    bad = tmp_path / "defs"
    bad.mkdir()
    (bad / "broken.asl.json").write_text('{"StartAt": "A", "States": {}}')
    from workflows.local.user_definitions import DefinitionsError

    with pytest.raises(DefinitionsError):
        LocalStack(state_dir=kept, definitions=bad).start()
    assert (kept / "state-machines.json").read_text() == before


def test_unusable_state_dirs_are_named(tmp_path: Path) -> None:
    afile = tmp_path / "f"
    afile.write_text("x")
    with pytest.raises(StateDirError, match="not a directory"):
        StateDir(afile)
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "stack.json").write_text('{"format": 99, "namePrefix": "x"}')
    with pytest.raises(StateDirError, match="format 99"):
        StateDir(tmp_path / "d")
