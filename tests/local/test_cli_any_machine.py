"""The CLI on any state machine on the endpoint, not only the project's: run, executions, history,
send-task-*, and `workflows test` with one's own definition file + mock config."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

from workflows.cli import main
from workflows.local.stack import LocalStack

ROLE = "arn:aws:iam::123456789012:role/mine"
TOKENS: list[str] = []


def keep_token(event: dict[str, Any], context: Any) -> dict[str, Any]:
    TOKENS.append(event["token"])
    return {}


MINE = {"StartAt": "Check", "States": {
    "Check": {"Type": "Choice", "Choices": [{"Variable": "$.ok", "BooleanEquals": True, "Next": "Fine"}],
              "Default": "Broken"},
    "Fine": {"Type": "Succeed"},
    "Broken": {"Type": "Fail", "Error": "Mine.Broken", "Cause": "not ok"}}}
WAITING = {"StartAt": "Wait", "States": {"Wait": {
    "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken", "HeartbeatSeconds": 3600,
    "Parameters": {"FunctionName": "keep_token", "Payload": {"token.$": "$$.Task.Token"}}, "End": True}}}


@pytest.fixture(scope="module")
def stack() -> Iterator[tuple[LocalStack, dict[str, str]]]:
    with LocalStack(functions={"keep_token": keep_token}) as local:
        sfn = local.client("stepfunctions")
        arns = {name: sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE,
                                               type=kind)["stateMachineArn"]
                for name, definition, kind in (("mine", MINE, "STANDARD"), ("mine_express", MINE, "EXPRESS"),
                                               ("waiting", WAITING, "STANDARD"))}
        yield local, arns


def cli(capsys: pytest.CaptureFixture[str], local: LocalStack, *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--endpoint", local.url])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_run_executions_and_history_on_a_users_machine(capsys, stack) -> None:
    local, arns = stack
    code, out, err = cli(capsys, local, "run", "mine", "--input", '{"ok": false}', "--json")
    assert code == 1, err
    failed = json.loads(out)["execution"]
    assert failed["status"] == "FAILED" and failed["error"] == "Mine.Broken"
    code, out, _ = cli(capsys, local, "run", arns["mine"], "--input", '{"ok": true}', "--execution-name", "by-arn")
    assert code == 0 and "SUCCEEDED" in out and "path: Check -> Fine" in out

    code, out, err = cli(capsys, local, "executions", "--json")  # every machine, the user's included
    assert code == 0, err
    listed = {e["executionArn"]: e for e in json.loads(out)}
    assert listed[failed["executionArn"]]["status"] == "FAILED"
    assert f"{arns['mine'].replace(':stateMachine:', ':execution:')}:by-arn" in listed
    code, out, _ = cli(capsys, local, "executions", "--state-machine", "mine", "--status", "FAILED", "--json")
    assert [e["executionArn"] for e in json.loads(out)] == [failed["executionArn"]]

    code, out, _ = cli(capsys, local, "history", failed["executionArn"])
    assert code == 0 and "path: Check -> Broken" in out and "ExecutionFailed" in out


def test_express_machines_run_synchronously_and_are_not_listed(capsys, stack) -> None:
    local, _ = stack
    code, out, err = cli(capsys, local, "run", "mine_express", "--input", '{"ok": true}', "--json")
    assert code == 0, err
    assert json.loads(out)["execution"]["status"] == "SUCCEEDED"
    code, _, err = cli(capsys, local, "executions", "--state-machine", "mine_express")
    assert code == 1 and "mine_express is an EXPRESS state machine" in err


def test_unknown_machine_names_the_known_ones(capsys, stack) -> None:
    local, _ = stack
    code, _, err = cli(capsys, local, "run", "nope")
    assert code == 1 and err.count("\n") == 1
    assert "unknown state machine 'nope'" in err and "mine" in err and "signup" in err


def test_send_task_commands_complete_a_users_callback(capsys, stack) -> None:
    local, arns = stack
    sfn = local.client("stepfunctions")
    for name, outcome in (("cb-ok", "SUCCEEDED"), ("cb-fail", "FAILED")):
        TOKENS.clear()
        arn = sfn.start_execution(stateMachineArn=arns["waiting"], name=name, input="{}")["executionArn"]
        [token] = TOKENS
        assert cli(capsys, local, "send-task-heartbeat", token)[0] == 0
        if outcome == "SUCCEEDED":
            code, _, err = cli(capsys, local, "send-task-success", token, "--output", '{"done": 1}')
        else:
            code, _, err = cli(capsys, local, "send-task-failure", token, "--error", "Op.Rejected", "--cause", "no")
        assert code == 0, err
        described = sfn.describe_execution(executionArn=arn)
        assert described["status"] == outcome
        if outcome == "FAILED":
            assert described["error"] == "Op.Rejected"
    code, _, err = cli(capsys, local, "send-task-heartbeat", token)  # closed now
    assert code == 1 and "TaskTimedOut" in err


def test_tables_print_whole_arns_when_stdout_is_no_terminal(stack) -> None:
    local, arns = stack
    local.client("stepfunctions").start_execution(stateMachineArn=arns["mine"], name="piped", input='{"ok": true}')
    done = subprocess.run([sys.executable, "-m", "workflows.cli", "executions", "--state-machine", "mine",
                           "--endpoint", local.url], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    arn_prefix = arns["mine"].replace(":stateMachine:", ":execution:")
    lines = [line for line in done.stdout.splitlines() if arn_prefix in line]
    assert lines and all(f"{arn_prefix}:" in line for line in lines), done.stdout  # never cut or folded
    assert any(line.rstrip(" │").endswith(f"{arn_prefix}:piped") for line in lines)


MOCK_CONFIG = {
    "StateMachines": {"greeter": {"TestCases": {"Happy": {"Call": "Greeted"}, "Sad": {"Call": "Refused"}}}},
    "MockedResponses": {
        "Greeted": {"0": {"Return": {"StatusCode": 200, "Payload": {"greeting": "hi"}}}},
        "Refused": {"0": {"Throw": {"Error": "Lambda.ServiceException", "Cause": "down"}}}},
}
GREETER = {"StartAt": "Call", "States": {
    "Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
             "Parameters": {"FunctionName": "greet", "Payload.$": "$"},
             "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Sorry"}], "Next": "Done"},
    "Done": {"Type": "Succeed"},
    "Sorry": {"Type": "Fail", "Error": "Greeter.Down"}}}


def test_test_replays_a_mock_config_on_ones_own_definition(capsys, tmp_path: Path) -> None:
    config = tmp_path / "MockConfigFile.json"
    config.write_text(json.dumps(MOCK_CONFIG))
    definition = tmp_path / "greeter.asl.json"
    definition.write_text(json.dumps(GREETER))
    code = main(["test", str(config), str(definition), "--json"])
    records = json.loads(capsys.readouterr().out)
    paths = {r["testCase"]: (r["status"], r["path"]) for r in records}
    assert paths == {"Happy": ("SUCCEEDED", ["Call", "Done"]), "Sad": ("FAILED", ["Call", "Sorry"])}
    assert code == 1  # Sad fails, and no expectation says it should

    elsewhere = tmp_path / "my-flow.json"
    elsewhere.write_text(json.dumps(GREETER))
    code = main(["test", str(config), "--definition", f"greeter={elsewhere}", "--case", "Happy", "--json"])
    assert code == 0 and json.loads(capsys.readouterr().out)[0]["path"] == ["Call", "Done"]

    code = main(["test", str(config), "--definition", f"other={elsewhere}"])
    assert code == 1 and "has no state machine 'other'" in capsys.readouterr().err
