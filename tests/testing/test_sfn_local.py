"""`workflows test MOCKCONFIG --sfn-local`: the printed steps work, and SFN_LOCAL_ENDPOINT runs the cases there.

No Step Functions Local can be had on this machine (no JAR download, no Docker), so the stand-in is
the project's own Step Functions HTTP API (workflows.local: AWS JSON 1.0 over the engine) started
the way the printed steps start Step Functions Local: SFN_MOCK_CONFIG in its environment, no mock
config passed in code. The printed `aws stepfunctions ...` lines are executed through botocore's
service model (CLI option names are the API members' names in kebab case), and, where the AWS CLI
is installed, by the AWS CLI itself. What this cannot prove: that the real JAR behaves like our
engine for these files - docs/testing.md says what differs.
"""
from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import botocore.session
import jmespath
import pytest

from workflows.cli import main as cli_main
from workflows.testing import clients, machines
from workflows.testing.mock_files import load_suite, save_suite
from workflows.testing.runner import run_cases

ROOT = Path(__file__).resolve().parents[2]
SIGNUP = ROOT / "tests" / "mocks" / "signup.json"


@contextmanager
def serve(monkeypatch: pytest.MonkeyPatch, mock_config: Path | None) -> Iterator[Any]:
    """A Step Functions endpoint on port 0 that reads SFN_MOCK_CONFIG at start, as Step Functions Local does."""
    from workflows.engine import StepFunctions
    from workflows.local.server import LoopbackServer
    from workflows.local.sfn_api import StepFunctionsApi

    if mock_config is None:
        monkeypatch.delenv("SFN_MOCK_CONFIG", raising=False)
    else:
        monkeypatch.setenv("SFN_MOCK_CONFIG", str(mock_config))
    engine = StepFunctions()
    monkeypatch.delenv("SFN_MOCK_CONFIG", raising=False)  # the harness itself must not need it
    server = LoopbackServer(StepFunctionsApi(engine)).start()
    server.engine = engine
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in (clients.ENDPOINT_VAR, clients.TARGET_VAR, "SFN_MOCK_CONFIG", "AWS_ACCOUNT_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    return monkeypatch


def printed_plan(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert cli_main(["test", *args, "--sfn-local"]) == 0
    return capsys.readouterr().out


def aws_lines(script: str) -> list[list[str]]:
    return [shlex.split(line) for line in script.splitlines() if line.startswith("aws stepfunctions ")]


def exports(script: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in script.splitlines():
        if line.startswith("export "):
            values.update(part.split("=", 1) for part in shlex.split(line)[1:])
    return values


def run_cli_line(argv: list[str], endpoint: str) -> Any:
    """`aws stepfunctions OP --opt value ...` as the AWS CLI runs it: the operation and parameters
    through botocore's model (--endpoint-url and --query are the CLI's own options)."""
    assert argv[:2] == ["aws", "stepfunctions"], argv
    session = botocore.session.get_session()
    model = session.get_service_model("stepfunctions")
    operation = next(name for name in model.operation_names
                     if botocore.xform_name(name).replace("_", "-") == argv[2])
    members = {botocore.xform_name(m).replace("_", "-"): m for m in model.operation_model(operation).input_shape.members}
    params: dict[str, Any] = {}
    query = None
    options = iter(argv[3:])
    for option in options:
        value = next(options)
        name = option.removeprefix("--")
        if name == "endpoint-url":
            continue  # printed for Step Functions Local's port; the stand-in listens on port 0
        if name == "query":
            query = value
            continue
        params[members[name]] = Path(value[len("file://"):]).read_text() if value.startswith("file://") else value
    client = clients.endpoint_client("stepfunctions", endpoint)
    response = getattr(client, botocore.xform_name(operation))(**params)
    return jmespath.search(query, response) if query else response


def test_printed_steps_replay_every_signup_case_on_an_endpoint_started_as_they_say(
        clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    script = printed_plan(capsys, "tests/mocks/signup.json")
    assert f"export SFN_MOCK_CONFIG={SIGNUP}\njava -jar StepFunctionsLocal.jar\n" in script
    assert (f"docker run -p 8083:8083 --mount type=bind,readonly,source={SIGNUP},"
            "destination=/home/StepFunctionsLocal/MockConfigFile.json "
            "-e SFN_MOCK_CONFIG=/home/StepFunctionsLocal/MockConfigFile.json amazon/aws-stepfunctions-local") in script
    assert "SFN_LOCAL_ENDPOINT=http://localhost:8083 workflows test tests/mocks/signup.json --sfn-local" in script
    lines = aws_lines(script)
    assert all(line[3:5] == ["--endpoint-url", "http://localhost:8083"] for line in lines)
    environment = exports(script)
    suite = load_suite(SIGNUP)
    with serve(clean_env, Path(environment["SFN_MOCK_CONFIG"])) as server:
        described: dict[str, Any] = {}
        for line in lines:
            result = run_cli_line(line, server.url)
            if line[2] == "describe-execution":
                described[line[line.index("--execution-arn") + 1].rsplit(":", 1)[1]] = result
            if line[2] == "get-execution-history":
                case = line[line.index("--execution-arn") + 1].rsplit(":", 1)[1]
                expect = suite.case("signup", case).expect
                assert expect.problems(described[case], result) == [], case
    assert sorted(described) == sorted(name for _, name in suite.cases())
    assert [line[2] for line in lines].count("create-state-machine") == 1


def test_json_plan_lists_the_same_commands(clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    script = printed_plan(capsys, "tests/mocks/guard.json")
    assert cli_main(["test", "tests/mocks/guard.json", "--sfn-local", "--json"]) == 0
    [document] = json.loads(capsys.readouterr().out)
    commands = [line["command"] for step in document["steps"] for line in step["lines"] if "command" in line]
    assert [c for c in commands if c[0] == "aws"] == aws_lines(script)
    assert document["environment"] == {"SFN_MOCK_CONFIG": str(ROOT / "tests/mocks/guard.json")}


@pytest.mark.skipif(shutil.which("aws") is None, reason="the AWS CLI is not installed here")
def test_the_aws_cli_itself_runs_the_printed_commands(clean_env: pytest.MonkeyPatch, capsys, tmp_path: Path) -> None:
    definition = {"StartAt": "Save", "States": {"Save": {
        "Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
        "Parameters": {"TableName": "t", "Item": {}}, "Catch": [
            {"ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"], "Next": "Taken"}], "End": True},
        "Taken": {"Type": "Fail", "Error": "Taken", "Cause": "exists"}}}
    (tmp_path / "save.asl.json").write_text(json.dumps(definition))
    config = tmp_path / "MockConfigFile.json"
    # one case: each AWS CLI start costs seconds on a loaded machine
    save_suite(config, {"StateMachines": {"save": {"TestCases": {"Dup": {"Save": "Cond"}}}},
                        "MockedResponses": {"Cond": {"0": {"Throw": {
                            "Error": "DynamoDB.ConditionalCheckFailedException", "Cause": "x"}}}}},
               {"StateMachines": {"save": {"definition": "save.asl.json", "TestCases": {
                   "Dup": {"input": {"a": 1}, "expect": {"status": "FAILED", "error": "Taken",
                                                         "path": ["Save", "Taken"]}}}}}})
    script = printed_plan(capsys, str(config))
    env = {**os.environ, **exports(script)}
    env.pop("SFN_MOCK_CONFIG")
    with serve(clean_env, Path(exports(script)["SFN_MOCK_CONFIG"])) as server:
        outputs = []
        for line in aws_lines(script):
            line[line.index("--endpoint-url") + 1] = server.url
            done = subprocess.run(line, env=env, capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, done.stderr
            outputs.append(json.loads(done.stdout))
    created, started, described, path = outputs
    assert created["stateMachineArn"].endswith(":stateMachine:save")
    assert started["executionArn"].endswith(":execution:save:Dup")
    assert described["status"] == "FAILED" and described["error"] == "Taken" and path == ["Save", "Taken"]


def test_with_sfn_local_endpoint_the_cases_run_there(clean_env: pytest.MonkeyPatch, capsys) -> None:
    with serve(clean_env, SIGNUP) as server:
        clean_env.setenv(clients.ENDPOINT_VAR, server.url)
        code = cli_main(["test", "tests/mocks/signup.json", "tests/mocks/signup.expect.json", "--sfn-local", "--json"])
        captured = capsys.readouterr()
        records = json.loads(captured.out)
        assert code == 0, [r for r in records if not r["passed"]]
        cases = len(json.loads(Path(SIGNUP).read_text())["StateMachines"]["signup"]["TestCases"])
        assert len(records) == cases and all(r["passed"] for r in records)
        assert f"replaying tests/mocks/signup.json on {server.url}" in captured.err
        assert f"SFN_MOCK_CONFIG={SIGNUP}" in captured.err
        executions = server.engine.list_executions(
            stateMachineArn=server.engine.list_state_machines()["stateMachines"][0]["stateMachineArn"])["executions"]
        assert len(executions) == cases  # they ran on the endpoint, not on an embedded engine
        # a second run finds the machine there (same name) and replays again
        assert all(r.passed for r in run_cases(SIGNUP, target="local"))


def test_an_endpoint_without_the_mock_config_fails_every_case(clean_env: pytest.MonkeyPatch, capsys) -> None:
    with serve(clean_env, None) as server:
        clean_env.setenv(clients.ENDPOINT_VAR, server.url)
        assert cli_main(["test", "tests/mocks/guard.json", "--sfn-local", "--json"]) == 1
        records = json.loads(capsys.readouterr().out)
        assert records and not any(r["passed"] for r in records)
        assert "No mock configuration is loaded for test case" in records[0]["problems"][0]


def test_an_endpoint_with_another_mock_config_fails_naming_what_it_has(clean_env: pytest.MonkeyPatch, capsys) -> None:
    with serve(clean_env, SIGNUP) as server:
        clean_env.setenv(clients.ENDPOINT_VAR, server.url)
        assert cli_main(["test", "tests/mocks/guard.json", "--sfn-local", "--json", "--case", "ChildFailed"]) == 1
        [record] = json.loads(capsys.readouterr().out)
        assert "no state machine 'guard' under StateMachines (have: signup)" in record["problems"][0]


def test_an_existing_machine_of_that_name_is_updated_to_the_definition_under_test(clean_env: pytest.MonkeyPatch) -> None:
    with serve(clean_env, SIGNUP) as server:
        sfn = clients.endpoint_client("stepfunctions", server.url)
        # as `workflows up` creates it: the same machine rendered for its own table
        params = {**machines.test_params("us-east-1", "123456789012"), "UsersTable": "stack-users"}
        sfn.create_state_machine(name="signup", roleArn="arn:aws:iam::123456789012:role/r", type="EXPRESS",
                                 definition=machines.definition_text("signup", params)[1])
        clean_env.setenv(clients.ENDPOINT_VAR, server.url)
        results = run_cases(SIGNUP, case="HappyPath", target="local")
        assert results[0].passed, results[0].problems
        [machine] = sfn.list_state_machines()["stateMachines"]
        definition = sfn.describe_state_machine(stateMachineArn=machine["stateMachineArn"])["definition"]
        assert "stack-users" not in definition and "workflows-users" in definition
        assert machine["type"] == "EXPRESS"  # a type cannot be updated; it is kept


def test_the_testate_example_in_docs_testing_md_answers_as_documented() -> None:
    """docs/testing.md maps a MockConfigFile invocation onto TestState's mock; its example, offline."""
    from workflows.engine import StepFunctions

    docs = (ROOT / "docs" / "testing.md").read_text()
    assert "answers `status: CAUGHT_ERROR, nextState: NormalizeFailure`" in docs
    sfn = StepFunctions()
    definition = machines.definition_text("signup", machines.test_params("us-east-1", "123456789012"))[1]
    state_input = json.dumps({"request": {"email": "mocked@example.com", "emailVerified": False},
                              "allocation": {"userId": "7"}})

    def call(error: str, **extra: Any) -> dict[str, Any]:
        return sfn.test_state(definition=definition, stateName="CreateCognitoUser", input=state_input,
                              roleArn=machines.role_arn("123456789012"), inspectionLevel="INFO",
                              mock={"errorOutput": {"error": f"CognitoIdentityProvider.{error}", "cause": "x"}}, **extra)

    taken = call("UsernameExistsException")
    assert (taken["status"], taken["nextState"]) == ("CAUGHT_ERROR", "NormalizeFailure")
    assert call("TooManyRequestsException", stateConfiguration={"retrierRetryCount": 0})["status"] == "RETRIABLE"
    assert call("TooManyRequestsException", stateConfiguration={"retrierRetryCount": 3})["status"] == "CAUGHT_ERROR"
