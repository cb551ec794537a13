"""Stock clients configured from `workflows up`'s exports alone: the AWS CLI and boto3, unmodified.

`workflows up` runs as a subprocess; its printed `export` lines are the whole environment of each
client process (plus PATH and an empty HOME, so no ~/.aws config can help). Every Step Functions
call a user makes first - including StartSyncExecution and TestState, which botocore sends to a
`sync-` host unless host-prefix injection is off - and a DynamoDB and a Cognito call must reach the
stack. The three places the exports appear (the text output, --json, GET /_local/health) must agree.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.local.test_e2e_up import REPO, free_port

AWS_CLI = Path(sys.executable).parent / "aws"
PASS_MACHINE = json.dumps({"StartAt": "Greet", "States": {"Greet": {
    "Type": "Pass", "Parameters": {"greeting.$": "States.Format('hello {}', $.who)"}, "End": True}}})


def read_exports(proc: subprocess.Popen[str]) -> dict[str, str]:
    """The `export KEY=VALUE` lines of `workflows up`'s text output (it keeps serving after them)."""
    exports: dict[str, str] = {}
    while True:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        if not line:
            raise AssertionError(f"workflows up exited: {proc.stderr.read()}")  # type: ignore[union-attr]
        if line.startswith("export "):
            key, _, value = line[len("export "):].strip().partition("=")
            exports[key] = value
        elif exports:
            return exports


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    proc = subprocess.Popen([sys.executable, "-m", "workflows.cli", "up", "--port", str(free_port()), "--quiet"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        exports = read_exports(proc)
        home = tmp_path_factory.mktemp("home")
        client_env = {"PATH": os.environ["PATH"], "HOME": str(home), **exports}
        yield {"proc": proc, "exports": exports, "env": client_env, "home": home}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:  # a starved machine: do not leave it serving
            proc.kill()
            proc.wait(timeout=10)


def aws(stack: dict[str, Any], *args: str) -> Any:
    done = subprocess.run([str(AWS_CLI), *args, "--output", "json"], env=stack["env"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, f"aws {' '.join(args)}: {done.stderr}"
    return json.loads(done.stdout) if done.stdout.strip() else {}


def test_exports_name_the_variables_the_sdks_read(stack: dict[str, Any]) -> None:
    exports = stack["exports"]
    url = exports["WORKFLOWS_ENDPOINT"]
    for service_id in ("SFN", "DYNAMODB", "COGNITO_IDENTITY_PROVIDER", "SQS", "LAMBDA"):
        assert exports[f"AWS_ENDPOINT_URL_{service_id}"] == url
    assert "AWS_ENDPOINT_URL_STEPFUNCTIONS" not in exports  # no SDK reads that name
    assert exports["AWS_DISABLE_HOST_PREFIX_INJECTION"] == "true"
    assert exports["AWS_DEFAULT_REGION"] == exports["AWS_REGION"] == "us-east-1"
    with urllib.request.urlopen(f"{url}/_local/health", timeout=5) as response:
        assert json.load(response)["exports"] == exports  # the text output and the health endpoint agree


def test_json_output_carries_the_same_exports(stack: dict[str, Any]) -> None:
    from tests.local.test_e2e_up import start_up

    started = start_up()
    try:
        info = next(started)["info"]
        exports = {k: v for k, v in info["exports"].items() if k not in ("WORKFLOWS_ENDPOINT", "WORKFLOWS_API_URL")
                   and not k.startswith("AWS_ENDPOINT_URL_") and k != "WORKFLOWS_LOCAL_TOKEN"}
        ours = {k: v for k, v in stack["exports"].items() if k in exports}
        assert exports == ours
        assert {k for k in info["exports"]} == set(stack["exports"])
        assert info["exports"]["AWS_ENDPOINT_URL_SFN"] == info["endpoint"]
    finally:
        started.close()


def test_aws_cli_from_the_exports_alone(stack: dict[str, Any], tmp_path: Path) -> None:
    names = [m["name"] for m in aws(stack, "stepfunctions", "list-state-machines")["stateMachines"]]
    assert {"signup", "create_profile", "migrate_user"} <= set(names)
    definition = tmp_path / "greet.asl.json"
    definition.write_text(PASS_MACHINE)
    arn = aws(stack, "stepfunctions", "create-state-machine", "--name", "cli-greet", "--definition",
              f"file://{definition}", "--role-arn", "arn:aws:iam::123456789012:role/r")["stateMachineArn"]
    started = aws(stack, "stepfunctions", "start-execution", "--state-machine-arn", arn, "--input", '{"who": "cli"}')
    described = aws(stack, "stepfunctions", "describe-execution", "--execution-arn", started["executionArn"])
    assert described["status"] in ("RUNNING", "SUCCEEDED")

    express = aws(stack, "stepfunctions", "create-state-machine", "--name", "cli-greet-express", "--type", "EXPRESS",
                  "--definition", f"file://{definition}", "--role-arn", "arn:aws:iam::123456789012:role/r")
    synced = aws(stack, "stepfunctions", "start-sync-execution", "--state-machine-arn", express["stateMachineArn"],
                 "--input", '{"who": "sync"}')  # the "sync-" host prefix would leave the stack here
    assert synced["status"] == "SUCCEEDED" and json.loads(synced["output"]) == {"greeting": "hello sync"}
    tested = aws(stack, "stepfunctions", "test-state", "--definition", '{"Type": "Pass", "End": true}',
                 "--role-arn", "arn:aws:iam::123456789012:role/r", "--input", '{"a": 1}')
    assert tested["status"] == "SUCCEEDED" and json.loads(tested["output"]) == {"a": 1}

    tables = aws(stack, "dynamodb", "list-tables")["TableNames"]
    assert any(t.endswith("-users") for t in tables)
    pools = aws(stack, "cognito-idp", "list-user-pools", "--max-results", "10")["UserPools"]
    assert len(pools) == 1


BOTO3_SCRIPT = textwrap.dedent("""
    import json, boto3
    sfn = boto3.client("stepfunctions")   # endpoint, region, keys, host prefix: all from the environment
    role = "arn:aws:iam::123456789012:role/r"
    arn = sfn.create_state_machine(name="boto3-greet", definition=DEFINITION, roleArn=role,
                                   type="EXPRESS")["stateMachineArn"]
    synced = sfn.start_sync_execution(stateMachineArn=arn, input='{"who": "boto3"}')
    tested = sfn.test_state(definition='{"Type": "Pass", "Result": 7, "End": true}', roleArn=role)
    standard = sfn.create_state_machine(name="boto3-greet-std", definition=DEFINITION, roleArn=role)
    run = sfn.start_execution(stateMachineArn=standard["stateMachineArn"], input='{"who": "std"}')
    tables = boto3.client("dynamodb").list_tables()["TableNames"]
    print(json.dumps({"sync": synced["status"], "output": json.loads(synced["output"]),
                      "test": tested["status"], "testOutput": tested["output"],
                      "described": sfn.describe_execution(executionArn=run["executionArn"])["name"],
                      "tables": tables}))
""")


def test_boto3_from_the_exports_alone(stack: dict[str, Any]) -> None:
    script = f"DEFINITION = {PASS_MACHINE!r}\n" + BOTO3_SCRIPT
    done = subprocess.run([sys.executable, "-c", script], env=stack["env"], capture_output=True, text=True,
                          timeout=60, cwd=stack["home"])
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["sync"] == "SUCCEEDED" and result["output"] == {"greeting": "hello boto3"}
    assert result["test"] == "SUCCEEDED" and result["testOutput"] == "7"
    assert result["described"] and any(t.endswith("-users") for t in result["tables"])


def test_without_the_host_prefix_setting_sync_calls_miss_the_stack(stack: dict[str, Any]) -> None:
    """Why the export exists: the same boto3 call with only the endpoint goes to sync-127.0.0.1."""
    env = {k: v for k, v in stack["env"].items() if k != "AWS_DISABLE_HOST_PREFIX_INJECTION"}
    script = ("import boto3\nc = boto3.client('stepfunctions', config=__import__('botocore.config').config.Config("
              "retries={'max_attempts': 1}, connect_timeout=2))\n"
              "try:\n  c.test_state(definition='{\"Type\": \"Pass\", \"End\": true}', roleArn='arn:aws:iam::1:role/r')\n"
              "except Exception as e:\n  print(type(e).__name__, e)\n")
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert "sync-127.0.0.1" in done.stdout, done.stdout + done.stderr
