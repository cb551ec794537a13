"""The REST API in the template: authorizer on every route, AWS integrations with the api/ templates."""
from __future__ import annotations

import json

from .conftest import only, resolve, resources_of
from .vtl_model import API_DIR, substitute

ROUTES = json.loads((API_DIR / "routes.json").read_text(encoding="utf-8"))
ARN = "arn:aws:states:us-east-1:123456789012"


def methods(template) -> dict[tuple[str, str], dict]:
    paths = {}
    resources = resources_of(template, "AWS::ApiGateway::Resource")

    def path_of(ref) -> str:
        if "Fn::GetAtt" in ref:
            return ""
        props = resources[ref["Ref"]]["Properties"]
        return path_of(props["ParentId"]) + "/" + props["PathPart"]

    for method in resources_of(template, "AWS::ApiGateway::Method").values():
        props = method["Properties"]
        paths[(props["HttpMethod"], path_of(props["ResourceId"]))] = props
    return paths


def test_token_authorizer_cached_by_the_authorization_header(template) -> None:
    _, authorizer = only(template, "AWS::ApiGateway::Authorizer")
    props = authorizer["Properties"]
    assert props["Type"] == "TOKEN"
    assert props["IdentitySource"] == "method.request.header.Authorization"
    assert props["AuthorizerResultTtlInSeconds"] == 300
    assert "authorizer" in resolve(props["AuthorizerUri"])


def test_every_route_is_an_authorized_aws_integration_with_the_api_templates(template) -> None:
    authorizer_id, _ = only(template, "AWS::ApiGateway::Authorizer")
    found = methods(template)
    assert set(found) == {(r["method"], r["path"]) for r in ROUTES["routes"]}
    for route in ROUTES["routes"]:
        props = found[(route["method"], route["path"])]
        assert props["AuthorizationType"] == "CUSTOM" and props["AuthorizerId"] == {"Ref": authorizer_id}
        integration = props["Integration"]
        assert integration["Type"] == "AWS" and integration["IntegrationHttpMethod"] == "POST"
        assert resolve(integration["Uri"]) == f"arn:aws:apigateway:us-east-1:states:action/{route['action']}"
        assert integration["PassthroughBehavior"] == "NEVER"
        machine = f"user-lifecycle-{route['stateMachine']}"
        placeholders = {"StateMachineArn": f"{ARN}:stateMachine:{machine}", "ExecutionArnPrefix": f"{ARN}:execution:{machine}:"}
        expected_request = substitute((API_DIR / route["requestTemplate"]).read_text(), placeholders)
        assert resolve(integration["RequestTemplates"]["application/json"]) == expected_request
        expected_response = substitute((API_DIR / route["responseTemplate"]).read_text(), placeholders)
        responses = integration["IntegrationResponses"]
        assert [(r.get("SelectionPattern"), r["StatusCode"]) for r in responses] == [
            (x["selectionPattern"], x["statusCode"]) for x in route["integrationResponses"]]
        assert all(resolve(r["ResponseTemplates"]["application/json"]) == expected_response for r in responses)
        assert sorted(m["StatusCode"] for m in props["MethodResponses"]) == sorted(route["statusCodes"])


def test_migrations_body_is_validated_against_the_request_model(template) -> None:
    props = methods(template)[("POST", "/migrations")]
    validator_id, validator = only(template, "AWS::ApiGateway::RequestValidator")
    assert validator["Properties"]["ValidateRequestBody"] is True
    assert props["RequestValidatorId"] == {"Ref": validator_id}
    model_id, model = only(template, "AWS::ApiGateway::Model")
    assert props["RequestModels"] == {"application/json": {"Ref": model_id}}
    schema = model["Properties"]["Schema"]
    assert schema["required"] == ["batchId"]
    assert schema["properties"]["batchId"]["pattern"] == "^[A-Za-z0-9_-]{1,64}$"
    assert "RequestValidatorId" not in methods(template)[("POST", "/users")]


def test_integration_role_may_only_call_each_routes_action(template) -> None:
    method = methods(template)[("POST", "/users")]
    role_id = method["Integration"]["Credentials"]["Fn::GetAtt"][0]
    statements = []
    for policy in resources_of(template, "AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"]["Roles"]:
            statements += [resolve(s) for s in policy["Properties"]["PolicyDocument"]["Statement"]]
    got = {(s["Action"], s["Resource"]) for s in statements}
    assert got == {
        ("states:StartSyncExecution", f"{ARN}:stateMachine:user-lifecycle-signup"),
        ("states:StartExecution", f"{ARN}:stateMachine:user-lifecycle-migrate_batch"),
        ("states:DescribeExecution", f"{ARN}:execution:user-lifecycle-migrate_batch:*"),
    }


def test_stage_is_traced(assert_template) -> None:
    assert_template.has_resource_properties("AWS::ApiGateway::Stage", {"StageName": "prod", "TracingEnabled": True})
