"""API Gateway emulation over the real api/ route and template files, with a recorded integration."""
from __future__ import annotations

import json
from typing import Any

import pytest

from workflows.local import vtl
from workflows.local.api_gateway import ApiGateway, evaluate_policy
from workflows.local.lambdas import LambdaRegistry
from workflows.local.stack import API_DIR

ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:{}"
PREFIX = "arn:aws:states:us-east-1:123456789012:execution:{}:"


def policy(effect: str, resource: str) -> dict[str, Any]:
    return {"Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}]}


class Authorizer:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.answer: Any = {"principalId": "sub-42", "context": {"userId": "42", "groups": "[\"Admin\"]"},
                            "policyDocument": policy("Allow", "arn:aws:execute-api:us-east-1:123456789012:local/local/*")}

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        self.calls.append(event)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


@pytest.fixture()
def gateway():
    lambdas = LambdaRegistry("us-east-1", "123456789012")
    authorizer = Authorizer()
    lambdas.register("authorizer", authorizer)
    sent: list[tuple[str, dict[str, Any]]] = []
    answers: list[tuple[int, dict[str, Any]]] = []

    def integration(action: str, body: bytes) -> tuple[int, dict[str, Any]]:
        sent.append((action, json.loads(body)))
        return answers.pop(0) if answers else (200, {"executionArn": "arn:x", "startDate": 1.5})

    api = ApiGateway(api_dir=API_DIR, lambdas=lambdas, integration=integration,
                     placeholders={"StateMachineArn": ARN.format, "ExecutionArnPrefix": PREFIX.format})
    return api, authorizer, sent, answers


def call(api: ApiGateway, method: str, path: str, body: Any = None, token: str | None = "tok") -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    status, text, _ = api.handle(method, path, headers, json.dumps(body) if body is not None else "")
    return status, json.loads(text)


def test_signup_request_and_response_templates(gateway) -> None:
    api, _, sent, answers = gateway
    answers.append((200, {"status": "SUCCEEDED", "executionArn": "arn:e",
                          "output": json.dumps({"statusCode": 201, "body": json.dumps({"userId": 5})})}))
    status, body = call(api, "POST", "/users", {"email": "o'brien@example.com", "groups": ["User"]})
    assert (status, body) == (201, {"userId": 5})
    action, request = sent[0]
    assert action == "StartSyncExecution" and request["stateMachineArn"] == ARN.format("signup")
    assert json.loads(request["input"])["email"] == "o'brien@example.com"  # the quote survives escaping


def test_failed_sync_execution_is_never_200(gateway) -> None:
    api, _, _, answers = gateway
    answers.append((200, {"status": "FAILED", "executionArn": "arn:e", "error": "States.Runtime"}))
    assert call(api, "POST", "/users", {"email": "a@example.com"})[0] == 500


def test_api_error_selects_integration_response_and_override(gateway) -> None:
    api, _, sent, answers = gateway
    answers.append((400, {"__type": "com.amazonaws.swf.service.v2.model#ExecutionAlreadyExists", "message": "x"}))
    status, body = call(api, "POST", "/migrations", {"batchId": "b1", "users": []})
    assert status == 409 and body["error"] == "ExecutionAlreadyExists"
    assert sent[0][1]["name"] == "42-b1"  # $context.authorizer.userId from the authorizer's context


def test_path_parameter_and_authorizer_context_build_the_arn(gateway) -> None:
    api, _, sent, answers = gateway
    answers.append((200, {"executionArn": "arn:e", "name": "42-run", "status": "RUNNING", "startDate": 2.0}))
    status, body = call(api, "GET", "/executions/run")
    assert status == 200 and body["status"] == "RUNNING"
    assert sent[0] == ("DescribeExecution", {"executionArn": PREFIX.format("migrate_batch") + "42-run"})


def test_request_model_rejects_before_the_integration(gateway) -> None:
    api, _, sent, _ = gateway
    assert call(api, "POST", "/migrations", {"batchId": "not valid!"}) == (400, {"message": "Invalid request body"})
    assert call(api, "POST", "/migrations", {"users": []}) == (400, {"message": "Invalid request body"})
    assert sent == []


def test_gateway_responses_for_auth_and_routing(gateway) -> None:
    api, authorizer, sent, _ = gateway
    assert call(api, "GET", "/nowhere") == (403, {"message": "Missing Authentication Token"})
    assert call(api, "POST", "/users", {}, token=None) == (401, {"message": "Unauthorized"})
    authorizer.answer = Exception("Unauthorized")
    assert call(api, "POST", "/users", {}, token="t2") == (401, {"message": "Unauthorized"})
    authorizer.answer = {"principalId": "p", "policyDocument": policy("Deny", "*")}
    assert call(api, "POST", "/users", {}, token="t3")[0] == 403
    assert sent == []


def test_authorizer_result_is_cached_per_token_and_checked_per_route(gateway) -> None:
    api, authorizer, _, _ = gateway
    authorizer.answer = {"principalId": "p", "context": {"userId": "7"}, "policyDocument": policy(
        "Allow", "arn:aws:execute-api:us-east-1:123456789012:local/local/GET/executions/*")}
    assert call(api, "GET", "/executions/a", token="cached")[0] == 200
    assert call(api, "POST", "/users", {"email": "a@example.com"}, token="cached")[0] == 403
    assert len(authorizer.calls) == 1
    assert authorizer.calls[0]["type"] == "TOKEN" and authorizer.calls[0]["authorizationToken"] == "Bearer cached"
    assert authorizer.calls[0]["methodArn"].endswith("local/local/GET/executions/a")


def test_policy_evaluation_deny_wins_and_wildcards_match() -> None:
    arn = "arn:aws:execute-api:us-east-1:1:api/local/POST/users"
    both = {"Statement": policy("Allow", "*")["Statement"] + policy("Deny", "*/POST/*")["Statement"]}
    assert evaluate_policy(both, arn) == "Deny"
    assert evaluate_policy(policy("Allow", "arn:aws:execute-api:us-east-1:1:api/*/POST/users"), arn) == "Allow"
    assert evaluate_policy(policy("Allow", "arn:aws:execute-api:us-east-1:1:api/*/GET/*"), arn) is None


def test_util_and_java_rendering_match_api_gateway() -> None:
    assert vtl.escape_javascript("O'Brien \"x\" a/b \u00e9\n") == "O\\'Brien \\\"x\\\" a\\/b \\u00E9\\n"
    context: dict[str, Any] = {"responseOverride": {}}
    text = vtl.render("#set($m = $util.parseJson($input.body))$m $m.ok $input.json('$.n') "
                      "$input.params('id')#set($context.responseOverride.status = 418)",
                      input=vtl.Input('{"ok": true, "n": [1, 2]}', path={"id": "abc"}), context=context)
    assert text == "{ok=true, n=[1, 2]} true [1, 2] abc"  # a Map prints as Java prints it, not as JSON
    assert context["responseOverride"]["status"] == 418


def test_java_string_methods_render_as_on_api_gateway() -> None:
    """API Gateway templates run on Java Velocity: String methods like toLowerCase() must work locally."""
    from workflows.local import vtl

    text = vtl.render('#set($e = $input.path("$.email"))$e.toLowerCase()|$e.trim().isEmpty()|$e.endsWith(".COM")',
                      input=vtl.Input(json.dumps({"email": "A@Example.COM"})), context={})
    assert text == "a@example.com|false|true"
