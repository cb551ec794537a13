"""The user's own state machines and Lambdas on the local stack: `--definitions DIR`, `--lambda
NAME=package.module:function`, Lambda's Invoke over HTTP, and the per-request log."""
from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any, Iterator

import pytest

from workflows.cli import main
from workflows.local.lambdas import HandlerSpecError, load_handler, parse_handler_spec
from workflows.local.stack import LocalStack
from workflows.local.user_definitions import DefinitionsError, discover

HANDLERS = '''
def greet(event, context):
    return {"greeting": "hello " + event["who"], "function": context.function_name}

def explode(event, context):
    raise ValueError("no " + event.get("what", "thing"))
'''
GREET_MACHINE = {"StartAt": "Greet", "States": {
    "Greet": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
              "Parameters": {"FunctionName": "greet", "Payload.$": "$"}, "OutputPath": "$.Payload", "Next": "Plain"},
    "Plain": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:explode",
              "Catch": [{"ErrorEquals": ["ValueError"], "ResultPath": "$.caught", "Next": "Done"}], "End": True},
    "Done": {"Type": "Succeed"}}}
ECHO_MACHINE = {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": True}}}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("project")
    (root / "userapp_m3").mkdir()
    (root / "userapp_m3" / "__init__.py").write_text("")
    (root / "userapp_m3" / "handlers.py").write_text(HANDLERS)
    machines = root / "machines"
    machines.mkdir()
    (machines / "greeter.asl.json").write_text(json.dumps(GREET_MACHINE))
    (machines / "echo.express.asl.json").write_text(json.dumps(ECHO_MACHINE))
    (machines / "notes.txt").write_text("not a definition")
    return root


@pytest.fixture(scope="module")
def stack(project: Path) -> Iterator[tuple[LocalStack, io.StringIO]]:
    log = io.StringIO()
    functions = dict(load_handler(spec, str(project)) for spec in
                     ("greet=userapp_m3.handlers:greet", "explode=userapp_m3.handlers:explode"))
    with LocalStack(definitions=project / "machines", functions=functions, request_log=log) as running:
        yield running, log


def test_definitions_are_created_with_name_and_type_from_the_file(stack: tuple[LocalStack, Any]) -> None:
    local, _ = stack
    sfn = local.client("stepfunctions")
    machines = {m["name"]: m["type"] for m in sfn.list_state_machines()["stateMachines"]}
    assert machines["greeter"] == "STANDARD" and machines["echo"] == "EXPRESS"
    assert local.outputs()["stateMachines"]["greeter"].endswith(":stateMachine:greeter")
    assert json.loads(sfn.describe_state_machine(stateMachineArn=local.user_state_machines["greeter"])["definition"]) \
        == GREET_MACHINE


def test_a_users_machine_calls_the_users_lambdas(stack: tuple[LocalStack, Any]) -> None:
    local, _ = stack
    sfn = local.client("stepfunctions")
    run = sfn.start_execution(stateMachineArn=local.user_state_machines["greeter"], input='{"who": "ada"}')
    described = sfn.describe_execution(executionArn=run["executionArn"])
    assert described["status"] == "SUCCEEDED", described
    output = json.loads(described["output"])
    assert output["greeting"] == "hello ada" and output["function"] == "greet"
    assert json.loads(output["caught"]["Cause"])["errorMessage"] == "no thing"
    synced = sfn.start_sync_execution(stateMachineArn=local.user_state_machines["echo"], input='{"x": 1}')
    assert synced["status"] == "SUCCEEDED" and json.loads(synced["output"]) == {"x": 1}


def test_lambda_invoke_over_http_reaches_the_registry(stack: tuple[LocalStack, Any]) -> None:
    local, _ = stack
    client = local.client("lambda")
    answered = client.invoke(FunctionName="greet", Payload=json.dumps({"who": "http"}))
    assert answered["StatusCode"] == 200 and "FunctionError" not in answered
    assert json.loads(answered["Payload"].read()) == {"greeting": "hello http", "function": "greet"}
    by_arn = client.invoke(FunctionName=local.lambdas.arn("greet"), Payload=b'{"who": "arn"}')
    assert json.loads(by_arn["Payload"].read())["greeting"] == "hello arn"

    failed = client.invoke(FunctionName="explode", Payload=b'{"what": "luck"}')
    assert failed["StatusCode"] == 200 and failed["FunctionError"] == "Unhandled"
    error = json.loads(failed["Payload"].read())
    assert error["errorType"] == "ValueError" and error["errorMessage"] == "no luck" and error["stackTrace"]

    assert client.invoke(FunctionName="greet", InvocationType="DryRun")["StatusCode"] == 204
    assert client.invoke(FunctionName="greet", InvocationType="Event", Payload=b'{"who": "e"}')["StatusCode"] == 202
    with pytest.raises(client.exceptions.ResourceNotFoundException, match="function:nope"):
        client.invoke(FunctionName="nope", Payload=b"{}")
    with pytest.raises(client.exceptions.InvalidRequestContentException, match="parse request body"):
        client.invoke(FunctionName="greet", Payload=b"{not json")


def test_every_request_is_logged_with_operation_status_and_time(stack: tuple[LocalStack, io.StringIO]) -> None:
    local, log = stack
    local.client("stepfunctions").list_state_machines()
    local.client("lambda").invoke(FunctionName="greet", Payload=b'{"who": "log"}')
    lines = log.getvalue().splitlines()
    listed = [line for line in lines if "  sfn ListStateMachines  200  " in line]
    assert listed and listed[-1].endswith(" ms")
    assert any("  lambda Invoke greet  200  " in line for line in lines)


def test_bad_definitions_name_file_state_and_field(tmp_path: Path) -> None:
    (tmp_path / "good.asl.json").write_text(json.dumps(ECHO_MACHINE))
    (tmp_path / "broken.asl.json").write_text(json.dumps(
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}}))
    with pytest.raises(DefinitionsError) as raised:
        LocalStack(definitions=tmp_path).start()
    message = str(raised.value)
    assert f"{tmp_path / 'broken.asl.json'}: state 'A', field Next:" in message and "Nowhere" in message
    assert "good.asl.json" not in message


def test_an_express_definition_is_judged_as_express(tmp_path: Path) -> None:
    sync = {"StartAt": "Run", "States": {"Run": {"Type": "Task", "Resource": "arn:aws:states:::ecs:runTask.sync",
                                                 "Parameters": {"TaskDefinition": "t"}, "End": True}}}
    (tmp_path / "batch.asl.json").write_text(json.dumps(sync))  # a Standard machine may wait for the task
    (tmp_path / "quick.express.asl.json").write_text(json.dumps(sync))
    with pytest.raises(DefinitionsError) as raised:
        LocalStack(definitions=tmp_path).start()
    message = str(raised.value)
    assert (f"{tmp_path / 'quick.express.asl.json'}: state 'Run', field Resource: Express state machine does not "
            f"support '.sync' service integration") in message
    assert "batch.asl.json" not in message


def test_definitions_that_cannot_be_used(tmp_path: Path) -> None:
    with pytest.raises(DefinitionsError, match="no \\*.asl.json files"):
        discover(tmp_path)
    with pytest.raises(DefinitionsError, match="not a directory"):
        discover(tmp_path / "missing")
    (tmp_path / "x.asl.json").write_text("{nope")
    (tmp_path / "signup.asl.json").write_text(json.dumps(ECHO_MACHINE))
    with pytest.raises(DefinitionsError) as raised:
        LocalStack(definitions=tmp_path).start()
    assert "x.asl.json: not JSON" in str(raised.value)
    assert "signup.asl.json: 'signup' is one of the stack's own state machines" in str(raised.value)
    (tmp_path / "x.express.asl.json").write_text(json.dumps(ECHO_MACHINE))
    with pytest.raises(DefinitionsError, match="state machine name 'x' is also"):
        discover(tmp_path)


@pytest.mark.parametrize("spec, words", [
    ("greet", "expected NAME=package.module:function"),
    ("greet=mod", "expected NAME=package.module:function"),
    ("bad name=m:f", "is not a Lambda function name"),
    ("g=no_such_module_xyz:f", "cannot import 'no_such_module_xyz'"),
    ("g=json:no_such_function", "module 'json' has no attribute 'no_such_function'"),
    ("g=json:__doc__", "json.__doc__ is not callable"),
])
def test_lambda_specs_that_cannot_be_served(spec: str, words: str) -> None:
    with pytest.raises(HandlerSpecError, match=words):
        load_handler(spec)


def test_handler_spec_parts() -> None:
    assert parse_handler_spec("greet=app.handlers:hello") == ("greet", "app.handlers", "hello")


def test_up_refuses_bad_flags_in_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    for argv, words in ((["up", "--lambda", "greet"], "expected NAME=package.module:function"),
                        (["up", "--definitions", str(tmp_path / "nope")], "not a directory"),
                        (["up", "--lambda", "authorizer=json:loads"], "one of the stack's own functions")):
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and words in err, err
