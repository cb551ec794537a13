"""End to end through the real flags: `workflows up --definitions DIR --lambda NAME=module:function
--state-dir DIR` in a subprocess, driven by boto3 from its exports; the request log on stderr; a
restart on the same --state-dir (without the flags that created the machine) keeps it and its run."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3

from tests.local.test_e2e_up import free_port
from tests.local.test_stock_clients import read_exports

HANDLER = "def greet(event, context):\n    return {'greeting': 'hello ' + event['who']}\n"
MACHINE = {"StartAt": "Greet", "States": {"Greet": {
    "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:greet", "End": True}}}


def start(project: Path, *flags: str) -> tuple[subprocess.Popen[str], dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    proc = subprocess.Popen([sys.executable, "-m", "workflows.cli", "up", "--port", str(free_port()), *flags],
                            cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, read_exports(proc)


def stop(proc: subprocess.Popen[str]) -> str:
    proc.terminate()
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    return err


def clients(exports: dict[str, str], service: str) -> Any:
    saved = dict(os.environ)
    try:
        os.environ.update(exports)
        return boto3.session.Session().client(service)  # configured from the environment alone
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_users_machines_and_lambdas_survive_a_restart(tmp_path: Path) -> None:
    (tmp_path / "hello_app.py").write_text(HANDLER)
    (tmp_path / "machines").mkdir()
    (tmp_path / "machines" / "greeter.asl.json").write_text(json.dumps(MACHINE))
    state = tmp_path / "state"
    proc, exports = start(tmp_path, "--definitions", "machines", "--lambda", "greet=hello_app:greet",
                          "--state-dir", str(state))
    try:
        sfn, lam = clients(exports, "stepfunctions"), clients(exports, "lambda")
        arn = next(m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"] if m["name"] == "greeter")
        run = sfn.start_execution(stateMachineArn=arn, name="first", input='{"who": "e2e"}')["executionArn"]
        for _ in range(100):
            described = sfn.describe_execution(executionArn=run)
            if described["status"] != "RUNNING":
                break
        assert described["status"] == "SUCCEEDED" and json.loads(described["output"]) == {"greeting": "hello e2e"}
        invoked = lam.invoke(FunctionName="greet", Payload=b'{"who": "http"}')
        assert json.loads(invoked["Payload"].read()) == {"greeting": "hello http"}
    finally:
        log = stop(proc)
    assert "  sfn StartExecution  200  " in log and "  lambda Invoke greet  200  " in log

    proc, exports = start(tmp_path, "--state-dir", str(state), "--quiet")
    try:
        sfn = clients(exports, "stepfunctions")
        assert sfn.describe_execution(executionArn=run)["status"] == "SUCCEEDED"
        assert sfn.get_execution_history(executionArn=run)["events"][-1]["type"] == "ExecutionSucceeded"
        assert "greeter" in {m["name"] for m in sfn.list_state_machines()["stateMachines"]}
    finally:
        log = stop(proc)
    assert "StartExecution" not in log  # --quiet
