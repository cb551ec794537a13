"""api/routes.json and its VTL templates, rendered with airspeed against AWS's template semantics."""
from __future__ import annotations

import json
import re

import jsonschema
import pytest

from workflows import definitions

from .vtl_model import API_DIR, render, respond

ROUTES = json.loads((API_DIR / "routes.json").read_text(encoding="utf-8"))
BY_KEY = {(r["method"], r["path"]): r for r in ROUTES["routes"]}
MACHINE_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:ul-migrate_batch"
PLACEHOLDERS = {
    "StateMachineArn": MACHINE_ARN,
    "ExecutionArnPrefix": "arn:aws:states:us-east-1:123456789012:execution:ul-migrate_batch:",
}
CALLER = {"userId": "1042", "username": "1042", "groups": "[\"Admin\"]"}
SFN_PREFIX = "com.amazonaws.swf.service.v2.model#"


def route(method: str, path: str) -> dict:
    return BY_KEY[(method, path)]


def test_routes_file_declares_the_three_routes_with_existing_files_and_machines() -> None:
    assert set(BY_KEY) == {("POST", "/users"), ("POST", "/migrations"), ("GET", "/executions/{executionId}")}
    for r in ROUTES["routes"]:
        for field in ("requestTemplate", "responseTemplate"):
            text = (API_DIR / r[field]).read_text(encoding="utf-8")
            used = set(re.findall(r"\$\{([A-Za-z]+)\}", text))
            assert used <= set(ROUTES["placeholders"]), f"{r[field]} uses undeclared {used}"
        assert r["stateMachine"] in definitions.MACHINES
        assert r["action"] in {"StartSyncExecution", "StartExecution", "DescribeExecution"}
        assert [x for x in r["integrationResponses"] if x["selectionPattern"] is None], r["path"]
        for response in r["integrationResponses"]:
            assert response["statusCode"] in r["statusCodes"]
    assert route("POST", "/users")["groups"] == ["Admin", "Registrar"]
    assert route("POST", "/migrations")["groups"] == ["Admin"]
    assert route("GET", "/executions/{executionId}")["groups"] == []


def signup_input(body: object) -> dict:
    text, _ = render(route("POST", "/users")["requestTemplate"], PLACEHOLDERS, json.dumps(body),
                     authorizer=CALLER, request_id="abc-123")
    request = json.loads(text)  # must be valid JSON although escapeJavaScript wrote \\' for '
    assert request["stateMachineArn"] == MACHINE_ARN
    assert request["name"] == "abc-123"
    return json.loads(request["input"])


def test_signup_input_lower_cases_the_email_and_keeps_quotes_and_unicode() -> None:
    body = {"email": "O'Brien+\"x\"@Example.COM", "displayName": "Seán \"Shaun\" O'Brien / \\x",
            "tenantId": "t-1", "plan": "pro", "groups": ["User", "Registrar"], "emailVerified": False}
    assert signup_input(body) == {**body, "email": "o'brien+\"x\"@example.com", "caller": ADMIN_CALLER}


ADMIN_CALLER = {"groups": ["Admin"]}


def test_signup_input_is_an_allow_list_and_leaves_type_errors_to_the_workflow() -> None:
    assert signup_input({"email": "a@b.co", "isAdmin": True, "displayName": None}) == \
        {"email": "a@b.co", "caller": ADMIN_CALLER}
    assert signup_input({"email": 42, "emailVerified": "yes"}) == \
        {"email": 42, "emailVerified": "yes", "caller": ADMIN_CALLER}
    assert signup_input({}) == {"email": None, "caller": ADMIN_CALLER}


def test_signup_email_is_trimmed_as_java_trims_before_lower_casing() -> None:
    assert signup_input({"email": " \t A@X.Example\t\n\u0001"})["email"] == "a@x.example"
    assert signup_input({"email": "a@x.example\u00a0"})["email"] == "a@x.example\u00a0"  # not <= U+0020


def test_signup_caller_groups_come_from_the_authorizer_never_from_the_body() -> None:
    body = {"email": "a@b.co", "caller": {"groups": ["Admin"]}, "groups": ["Admin"]}
    text, _ = render(route("POST", "/users")["requestTemplate"], PLACEHOLDERS, json.dumps(body),
                     authorizer={"userId": "7", "groups": '["Registrar"]'})
    raw_input = json.loads(text)["input"]
    assert json.loads(raw_input)["caller"] == {"groups": ["Registrar"]}
    assert raw_input.count('"caller"') == 1 and raw_input.rstrip("}").endswith('["Registrar"]')
    # a group name with quotes or a comma stays one JSON string
    text, _ = render(route("POST", "/users")["requestTemplate"], PLACEHOLDERS, json.dumps(body),
                     authorizer={"groups": json.dumps(['Reg"istrar', "User,Admin", "O'Neil"])})
    assert json.loads(json.loads(text)["input"])["caller"] == {"groups": ['Reg"istrar', "User,Admin", "O'Neil"]}
    # no groups in the context: the caller may grant nothing
    text, _ = render(route("POST", "/users")["requestTemplate"], PLACEHOLDERS, json.dumps(body), authorizer={})
    assert json.loads(json.loads(text)["input"])["caller"] == {"groups": []}


@pytest.mark.parametrize("raw_body, groups", [
    ('{"email": "a@b.co", "groups": ["User"], "groups": ["Admin"]}', ["Admin"]),
    ('{"email": "a@b.co", "groups": ["Admin"], "groups": ["User"]}', ["User"]),
])
def test_signup_duplicate_groups_keys_pass_one_final_value(raw_body: str, groups: list) -> None:
    """JSON parse semantics (last key wins): the template passes exactly one `groups`, the one the
    workflow then checks against the caller's grants."""
    text, _ = render(route("POST", "/users")["requestTemplate"], PLACEHOLDERS, raw_body, authorizer=CALLER)
    raw_input = json.loads(text)["input"]
    assert raw_input.count('"groups"') == 2  # the body's (once) and caller.groups
    assert json.loads(raw_input)["groups"] == groups


@pytest.mark.parametrize(
    ("output_body", "expected"),
    [(json.dumps({"userId": 7}), {"userId": 7}), ({"userId": 7}, {"statusCode": 201, "body": {"userId": 7}})],
)
def test_signup_success_uses_the_workflow_status_code(output_body, expected) -> None:
    result = {"status": "SUCCEEDED", "executionArn": "arn:x", "output": json.dumps({"statusCode": 201, "body": output_body})}
    assert respond(route("POST", "/users"), PLACEHOLDERS, 200, result) == (201, expected)


def test_signup_conflict_from_the_workflow_is_409() -> None:
    result = {"status": "SUCCEEDED", "output": json.dumps({"statusCode": 409, "body": json.dumps({"error": "EmailTaken"})})}
    assert respond(route("POST", "/users"), PLACEHOLDERS, 200, result) == (409, {"error": "EmailTaken"})


@pytest.mark.parametrize(("status", "code"), [("FAILED", 500), ("TIMED_OUT", 504)])
def test_signup_failed_or_timed_out_is_never_200(status, code) -> None:
    result = {"status": status, "executionArn": "arn:aws:states:x:execution:signup:1", "error": "States.Runtime",
              "cause": "it's broken"}
    got, body = respond(route("POST", "/users"), PLACEHOLDERS, 200, result)
    assert got == code
    assert body["executionArn"] == "arn:aws:states:x:execution:signup:1"


def test_signup_output_without_status_code_is_500() -> None:
    result = {"status": "SUCCEEDED", "output": json.dumps({"ok": True})}
    assert respond(route("POST", "/users"), PLACEHOLDERS, 200, result)[0] == 500


@pytest.mark.parametrize(("api_error", "code"), [("ThrottlingException", 503), ("StateMachineDoesNotExist", 502)])
def test_signup_step_functions_api_errors(api_error, code) -> None:
    got, body = respond(route("POST", "/users"), PLACEHOLDERS, 400, {"__type": SFN_PREFIX + api_error, "message": "m"})
    assert got == code


def test_migration_execution_name_is_caller_and_batch_id() -> None:
    body = {"batchId": "2024-q1_a", "users": [{"email": "a@example.com"}]}
    text, _ = render(route("POST", "/migrations")["requestTemplate"], PLACEHOLDERS, json.dumps(body), authorizer=CALLER)
    request = json.loads(text)
    assert request == {"stateMachineArn": MACHINE_ARN, "name": "1042-2024-q1_a", "input": json.dumps(body)}


def test_migration_request_model_requires_a_name_safe_batch_id() -> None:
    schema = json.loads((API_DIR / route("POST", "/migrations")["requestModel"]).read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    jsonschema.validate({"batchId": "b-1"}, schema)
    for bad in ({}, {"batchId": ""}, {"batchId": "a:b"}, {"batchId": "x" * 65}, {"batchId": 3}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)


def test_migration_started_is_202_with_the_arn() -> None:
    got = respond(route("POST", "/migrations"), PLACEHOLDERS, 200, {"executionArn": "arn:e", "startDate": 1.7e9})
    assert got == (202, {"executionArn": "arn:e", "startDate": 1.7e9})


@pytest.mark.parametrize("prefix", [SFN_PREFIX, ""])
def test_migration_already_exists_is_409(prefix) -> None:
    got, body = respond(route("POST", "/migrations"), PLACEHOLDERS, 400,
                        {"__type": prefix + "ExecutionAlreadyExists", "message": "Execution Already Exists: 'arn'"})
    assert (got, body["error"]) == (409, "ExecutionAlreadyExists")


def test_execution_arn_is_built_from_the_callers_id_not_the_path() -> None:
    text, _ = render(route("GET", "/executions/{executionId}")["requestTemplate"], PLACEHOLDERS, "",
                     params={"executionId": "999-b1"}, authorizer=CALLER)
    assert json.loads(text) == {"executionArn": PLACEHOLDERS["ExecutionArnPrefix"] + "1042-999-b1"}


def test_execution_described_with_output_and_unknown_is_404() -> None:
    described = {"executionArn": "arn:e", "name": "1042-b1", "status": "SUCCEEDED", "startDate": 1.7e9,
                 "stopDate": 1.70000001e9, "output": json.dumps({"migrated": 3})}
    got, body = respond(route("GET", "/executions/{executionId}"), PLACEHOLDERS, 200, described)
    assert got == 200
    assert body == {"executionArn": "arn:e", "name": "1042-b1", "status": "SUCCEEDED", "startDate": 1.7e9,
                    "stopDate": 1.70000001e9, "output": {"migrated": 3}}
    running = {"executionArn": "arn:e", "name": "1042-b1", "status": "RUNNING", "startDate": 1.7e9}
    assert respond(route("GET", "/executions/{executionId}"), PLACEHOLDERS, 200, running)[1]["status"] == "RUNNING"
    missing = {"__type": SFN_PREFIX + "ExecutionDoesNotExist", "message": "Execution Does Not Exist: 'arn'"}
    assert respond(route("GET", "/executions/{executionId}"), PLACEHOLDERS, 400, missing)[0] == 404


def test_local_emulation_has_java_string_methods() -> None:
    from workflows.local import vtl

    text = vtl.render('#set($e = $input.path("$.email"))$e.toLowerCase()',
                      input=vtl.Input(json.dumps({"email": "A@Example.COM"})), context={})
    assert text == "a@example.com"


def test_known_groups_of_the_grant_table_are_the_groups_of_the_pool() -> None:
    """api/routes.json knownGroups (what signup may grant) = the groups CDK and the local stack create."""
    from cdk.stacks.identity import GROUPS as DEPLOYED_GROUPS
    from workflows import group_grants
    from workflows.local.stack import GROUPS as LOCAL_GROUPS

    assert set(group_grants.load().known) == set(DEPLOYED_GROUPS) == set(LOCAL_GROUPS) == set(ROUTES["knownGroups"])
