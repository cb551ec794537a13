"""Issue 10, item 8: AWS's request limits and error shapes, embedded and over the stack's HTTP API.

Embedded (workflows.engine.StepFunctions, what a test calls in process): 256 KiB inputs and task
outputs, 1 MiB definitions, IAM role ARNs. HTTP (the local stack): every body checked against
botocore's input shapes (SerializationException / ValidationException, never a 500, never a Python
message), malformed Content-Length, X-Amz-Target of no Step Functions action, unknown routes.
"""
from __future__ import annotations

import http.client
import json
import socket
from typing import Any

import pytest
from botocore.exceptions import ClientError

from workflows.engine import StepFunctions
from workflows.local.sfn_api import StepFunctionsApi, known_actions
from workflows.local.sfn_request_model import operation
from workflows.local.stack import LocalStack

ROLE = "arn:aws:iam::123456789012:role/limits"
PASS = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
WAIT = json.dumps({"StartAt": "W", "States": {"W": {
    "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
    "Parameters": {"FunctionName": "hand-off", "Payload": {"t.$": "$$.Task.Token"}}, "End": True}}})
LIMIT = 256 * 1024
PYTHON_WORDS = ("Traceback", "NoneType", "TypeError", "KeyError", "AttributeError", "got an unexpected keyword",
                "object has no", "()", "'dict'", "'list'", "'int'", "'str'")


def code_of(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def payload(size: int) -> str:
    """A JSON string document of exactly `size` UTF-8 bytes."""
    return json.dumps("x" * (size - 2))


@pytest.fixture()
def sfn() -> StepFunctions:
    return StepFunctions(clock="virtual")


def test_inputs_over_256_kib_are_refused_before_anything_runs(sfn: StepFunctions) -> None:
    standard = sfn.create_state_machine(name="s", definition=PASS, roleArn=ROLE)["stateMachineArn"]
    express = sfn.create_state_machine(name="e", definition=PASS, roleArn=ROLE, type="EXPRESS")["stateMachineArn"]
    for start, arn in ((sfn.start_execution, standard), (sfn.start_sync_execution, express)):
        with pytest.raises(ClientError) as error:
            start(stateMachineArn=arn, input=payload(LIMIT + 1))
        assert code_of(error) == "ValidationException" and "'input'" in str(error.value) and "262144" in str(error.value)
    assert sfn.list_executions(stateMachineArn=standard)["executions"] == []
    # the limit counts UTF-8 bytes: 87,382 three-byte characters are 262,146 bytes
    with pytest.raises(ClientError):
        sfn.start_execution(stateMachineArn=standard, input=json.dumps("\u20ac" * 87_382))
    assert sfn.start_execution(stateMachineArn=standard, input=payload(LIMIT))["executionArn"]
    assert sfn.start_sync_execution(stateMachineArn=express, input=payload(LIMIT))["status"] == "SUCCEEDED"


def test_task_outputs_over_256_kib_are_refused_and_the_token_stays_open(sfn: StepFunctions) -> None:
    tokens: list[str] = []
    sfn.register_lambda("hand-off", lambda event, context: tokens.append(event["t"]))
    arn = sfn.create_state_machine(name="w", definition=WAIT, roleArn=ROLE)["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    token = tokens[0]
    with pytest.raises(ClientError) as error:
        sfn.send_task_success(taskToken=token, output=payload(LIMIT + 1))
    assert code_of(error) == "ValidationException" and "'output'" in str(error.value)
    assert sfn.describe_execution(executionArn=execution)["status"] == "RUNNING"
    sfn.send_task_success(taskToken=token, output=payload(LIMIT))
    assert sfn.describe_execution(executionArn=execution)["status"] == "SUCCEEDED"


def test_definitions_over_1_mib_are_refused(sfn: StepFunctions) -> None:
    big = json.dumps({"Comment": "c" * (1024 * 1024), "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    with pytest.raises(ClientError) as error:
        sfn.create_state_machine(name="big", definition=big, roleArn=ROLE)
    assert code_of(error) == "ValidationException" and "'definition'" in str(error.value) and "1048576" in str(error.value)
    arn = sfn.create_state_machine(name="small", definition=PASS, roleArn=ROLE)["stateMachineArn"]
    with pytest.raises(ClientError):
        sfn.update_state_machine(stateMachineArn=arn, definition=big)
    assert sfn.describe_state_machine(stateMachineArn=arn)["definition"] == PASS


@pytest.mark.parametrize("role", ["not-an-arn", "", "arn:aws:iam::123456789012:user/alice", "arn:aws:s3:::bucket",
                                  "arn:aws:iam::12345:role/short-account", "arn:aws:iam::123456789012:role/",
                                  "arn:aws:states:us-east-1:123456789012:stateMachine:x", "snf_role_arn"])
def test_role_arn_must_be_an_iam_role(sfn: StepFunctions, role: str) -> None:
    with pytest.raises(ClientError) as error:
        sfn.create_state_machine(name="r", definition=PASS, roleArn=role)
    assert code_of(error) == "InvalidArn"
    arn = sfn.create_state_machine(name="ok", definition=PASS, roleArn=ROLE)["stateMachineArn"]
    with pytest.raises(ClientError) as error:
        sfn.update_state_machine(stateMachineArn=arn, roleArn=role)
    assert code_of(error) == "InvalidArn"


@pytest.mark.parametrize("role", ["arn:aws:iam::123456789012:role/service-role/StepFunctions-x",
                                  "arn:aws-cn:iam::123456789012:role/r", "arn:aws-us-gov:iam::123456789012:role/a+b=c,d.e@f-g"])
def test_role_arns_with_paths_and_partitions_are_accepted(sfn: StepFunctions, role: str) -> None:
    assert sfn.create_state_machine(name="ok", definition=PASS, roleArn=role)["stateMachineArn"]


# ---- the HTTP API: shapes from botocore's model --------------------------------------------------

@pytest.fixture()
def api() -> StepFunctionsApi:
    return StepFunctionsApi(StepFunctions(clock="virtual"))


def call(api: StepFunctionsApi, action: str, body: Any) -> tuple[int, dict[str, Any]]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return api.handle(action, raw)


@pytest.mark.parametrize("action, body, code, words", [
    ("StartExecution", {"stateMachineArn": 5}, "SerializationException", "'stateMachineArn': expected a string"),
    ("StartExecution", {}, "ValidationException", "Value null at 'stateMachineArn'"),
    ("StartExecution", {"stateMachineArn": "arn:x", "input": {"a": 1}}, "SerializationException", "'input'"),
    ("CreateStateMachine", {"name": "n", "definition": PASS, "roleArn": ROLE, "type": "FAST"},
     "ValidationException", "enum value set: [STANDARD, EXPRESS]"),
    ("CreateStateMachine", {"name": "n" * 81, "definition": PASS, "roleArn": ROLE},
     "ValidationException", "length less than or equal to 80"),
    ("CreateStateMachine", {"name": "n", "definition": PASS, "roleArn": ROLE, "tags": [[]]},
     "SerializationException", "'tags.1.member'"),
    ("CreateStateMachine", {"definition": PASS}, "ValidationException", "2 validation errors detected"),
    ("ListStateMachines", {"maxResults": "x"}, "SerializationException", "expected an integer"),
    ("ListStateMachines", {"maxResults": True}, "SerializationException", "expected an integer"),
    ("ListStateMachines", {"maxResults": 1001}, "ValidationException", "less than or equal to 1000"),
    ("ListStateMachines", [], "SerializationException", "expected an object"),
    ("ListStateMachines", b"[" * 100_000, "SerializationException", "nested too deeply"),
    ("ListStateMachines", b"{nope", "SerializationException", "not valid JSON"),
    ("StartExecution", {"stateMachineArn": "arn:x", "traceHeader": "\u00e9"}, "ValidationException", "pattern"),
    ("StartExecution", {"stateMachineArn": "arn:x", "input": "x" * (LIMIT + 1)}, "ValidationException", "'input'"),
    ("SendTaskFailure", {"taskToken": "t", "error": "e" * 257}, "ValidationException", "'error'"),
])
def test_bodies_are_checked_against_the_model(api: StepFunctionsApi, action: str, body: Any, code: str,
                                              words: str) -> None:
    status, answer = call(api, action, body)
    assert (status, answer["__type"]) == (400, code), answer
    assert words in answer["message"], answer
    assert not any(word in answer["message"] for word in PYTHON_WORDS), answer


def test_the_value_of_a_sensitive_member_is_not_echoed(api: StepFunctionsApi) -> None:
    _, answer = call(api, "StartExecution", {"stateMachineArn": "arn:x", "input": "secret" * 50_000})
    assert "secret" not in answer["message"]


def test_unknown_members_are_ignored_as_aws_ignores_them(api: StepFunctionsApi) -> None:
    assert call(api, "ListStateMachines", {"maxResults": 5, "surprise": {"a": 1}}) == (200, {"stateMachines": []})


def _values() -> list[Any]:
    return [None, 0, -1, 2**63, 1.5, True, "", "x" * 300, [], [1], {}, {"a": {"b": []}}]


def test_no_body_of_any_shape_makes_a_500_or_a_python_message(api: StepFunctionsApi) -> None:
    """Every action, every member set to values of every JSON type: always an AWS-shaped answer."""
    seen = 0
    for action in sorted(known_actions()):
        shape = operation(action).input_shape
        members = list(shape.members) if shape is not None else []
        for member in members or [None]:
            for value in _values():
                body = {member: value} if member else {"x": value}
                status, answer = call(api, action, body)
                seen += 1
                assert status != 500, (action, body, answer)
                if status >= 400:
                    assert "__type" in answer and "message" in answer, (action, body, answer)
                    assert not any(word in answer["message"] for word in PYTHON_WORDS), (action, body, answer)
    assert seen > 500


# ---- the HTTP API: framing, targets and routes, over a socket --------------------------------------

@pytest.fixture(scope="module")
def stack():
    with LocalStack(clock="virtual") as running:
        yield running


def raw_exchange(stack: LocalStack, head: bytes, body: bytes = b"") -> tuple[int, bytes]:
    """Send exactly these bytes; the status and body of the answer (5 s at most: a hang fails)."""
    with socket.create_connection(("127.0.0.1", stack.server.port), timeout=5) as connection:
        connection.sendall(head + body)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = connection.recv(65536)
            if not chunk:
                break
            data += chunk
        status = int(data.split(b" ", 2)[1])
        rest = data.split(b"\r\n\r\n", 1)[1]
        length = int(next((line.split(b":", 1)[1] for line in data.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), b"0"))
        while len(rest) < length:
            chunk = connection.recv(65536)
            if not chunk:
                break
            rest += chunk
        return status, rest


@pytest.mark.parametrize("length", [b"-1", b"abc", b"1e3", b"0x10", b"99999999999999999999"])
def test_a_malformed_negative_or_huge_content_length_is_answered_at_once(stack: LocalStack, length: bytes) -> None:
    head = (b"POST / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nX-Amz-Target: AWSStepFunctions.ListStateMachines\r\n"
            b"Content-Type: application/x-amz-json-1.0\r\nContent-Length: %s\r\n\r\n" % (stack.server.port, length))
    status, body = raw_exchange(stack, head, b"{}")
    assert status in (400, 413), body
    assert json.loads(body)["message"]


def request(stack: LocalStack, method: str, path: str, body: bytes = b"", **headers: str) -> tuple[int, str, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", stack.server.port, timeout=30)
    connection.request(method, path, body=body, headers={k.replace("_", "-"): v for k, v in headers.items()})
    response = connection.getresponse()
    text = response.read()
    return response.status, response.getheader("Content-Type", ""), json.loads(text) if text else None


@pytest.mark.parametrize("target", ["Foo.Bar", "AWSStepFunctions", "AWSStepFunctions.Nope", "DynamoDB.ListTables",
                                    "awsstepfunctions.ListStateMachines"])
def test_a_target_that_is_no_step_functions_action_is_unknown_operation_json(stack: LocalStack, target: str) -> None:
    status, content_type, body = request(stack, "POST", "/", b"{}", x_amz_target=target,
                                         content_type="application/x-amz-json-1.0")
    assert (status, body["__type"]) == (400, "UnknownOperationException"), body
    assert "json" in content_type


@pytest.mark.parametrize("path", ["/LOCAL/users", "/Local/users", "/LOCAL", "/local/nope"])
def test_a_wrong_case_stage_is_the_apis_unknown_route(stack: LocalStack, path: str) -> None:
    for method in ("GET", "POST"):
        status, content_type, body = request(stack, method, path, b"{}" if method == "POST" else b"",
                                             content_type="application/json")
        assert (status, body) == (403, {"message": "Missing Authentication Token"}) and "json" in content_type


def test_other_unknown_paths_are_404_json_not_motos_s3(stack: LocalStack) -> None:
    for method, path in (("GET", "/nothing/here"), ("POST", "/bucket/key"), ("GET", "/")):
        status, content_type, body = request(stack, method, path, b"{}" if method == "POST" else b"")
        assert status == 404 and "json" in content_type and "no route" in body["message"], (method, path, body)


def test_sdk_requests_still_reach_every_service(stack: LocalStack) -> None:
    assert "TableNames" in stack.client("dynamodb").list_tables()
    assert stack.client("stepfunctions").list_state_machines()["stateMachines"]
    assert stack.client("sqs").create_queue(QueueName="limits")["QueueUrl"]
