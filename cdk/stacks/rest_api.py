"""The REST API of api/routes.json: AWS integrations to Step Functions with the api/ templates.

Everything route-specific comes from routes.json and the template files (the local stack reads the
same ones); this module only turns them into API Gateway resources. Placeholders in the templates are
replaced by CloudFormation references, as api/README.md specifies.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aws_cdk import Duration, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

API_DIR = Path(__file__).resolve().parents[2] / "api"
JSON = "application/json"
# Cheap pre-check before the authorizer Lambda runs: "Bearer <jwt>" or a bare JWT.
TOKEN_SHAPE = r"^(Bearer )?[-0-9A-Za-z_]+\.[-0-9A-Za-z_]+\.[-0-9A-Za-z_]+$"
# The IAM action each Step Functions API action needs, and on what (machine itself or its executions).
ACTION_IAM = {"StartSyncExecution": "machine", "StartExecution": "machine", "DescribeExecution": "executions"}


def load_routes() -> dict[str, Any]:
    return json.loads((API_DIR / "routes.json").read_text(encoding="utf-8"))


def template_text(relative: str, placeholders: Mapping[str, str]) -> str:
    """api/<relative> with the declared ${Name} placeholders replaced as plain text."""
    text = (API_DIR / relative).read_text(encoding="utf-8")
    for name, value in placeholders.items():
        text = text.replace("${" + name + "}", value)
    return text


class RestApi(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, prefix: str, authorizer_function: lambda_.IFunction,
                 machine_arns: Mapping[str, str], execution_prefixes: Mapping[str, str], cache_seconds: int,
                 retention: logs.RetentionDays) -> None:
        super().__init__(scope, construct_id)
        routes = load_routes()
        access_logs = logs.LogGroup(self, "AccessLogs", retention=retention)
        self.api = apigw.RestApi(
            self, "Api",
            rest_api_name=f"{prefix}-api",
            description="User lifecycle API (api/routes.json)",
            cloud_watch_role=True,
            deploy_options=apigw.StageOptions(
                stage_name="prod",
                tracing_enabled=True,
                metrics_enabled=True,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=False, http_method=True, ip=True, protocol=True, request_time=True,
                    resource_path=True, response_length=True, status=True, user=True),
            ),
        )
        spec = routes["authorizer"]
        self.authorizer = apigw.TokenAuthorizer(
            self, "Authorizer",
            handler=authorizer_function,
            identity_source=spec["identitySource"],
            results_cache_ttl=Duration.seconds(cache_seconds),
            validation_regex=TOKEN_SHAPE,
        )
        self.role = iam.Role(self, "IntegrationRole", assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
                             description="API Gateway -> Step Functions, exactly the routes' actions")
        validator = apigw.RequestValidator(self, "BodyValidator", rest_api=self.api, validate_request_body=True)
        for route in routes["routes"]:
            self._route(route, machine_arns, execution_prefixes, validator)

    def _route(self, route: dict[str, Any], machine_arns: Mapping[str, str], execution_prefixes: Mapping[str, str],
               validator: apigw.RequestValidator) -> None:
        machine = route["stateMachine"]
        placeholders = {"StateMachineArn": machine_arns[machine], "ExecutionArnPrefix": execution_prefixes[machine]}
        action = route["action"]
        target = machine_arns[machine] if ACTION_IAM[action] == "machine" else execution_prefixes[machine] + "*"
        self.role.add_to_policy(iam.PolicyStatement(actions=[f"states:{action}"], resources=[target]))
        response_template = template_text(route["responseTemplate"], placeholders)
        integration = apigw.AwsIntegration(
            service="states",
            action=action,
            integration_http_method="POST",
            options=apigw.IntegrationOptions(
                credentials_role=self.role,
                passthrough_behavior=apigw.PassthroughBehavior.NEVER,
                request_templates={JSON: template_text(route["requestTemplate"], placeholders)},
                integration_responses=[
                    apigw.IntegrationResponse(
                        status_code=response["statusCode"],
                        selection_pattern=response["selectionPattern"],
                        response_templates={JSON: response_template},
                    )
                    for response in route["integrationResponses"]
                ],
            ),
        )
        request_models = None
        if route.get("requestModel"):
            schema = json.loads((API_DIR / route["requestModel"]).read_text(encoding="utf-8"))
            model = self.api.add_model(
                f"{schema['title']}Model", content_type=JSON, model_name=schema["title"],
                schema=_json_schema(schema))
            request_models = {JSON: model}
        resource = self.api.root.resource_for_path(route["path"])
        resource.add_method(
            route["method"], integration,
            authorizer=self.authorizer,
            authorization_type=apigw.AuthorizationType.CUSTOM,
            request_models=request_models,
            request_validator=validator if request_models else None,
            method_responses=[apigw.MethodResponse(status_code=code) for code in route["statusCodes"]],
        )


def _json_schema(document: Mapping[str, Any]) -> apigw.JsonSchema:
    """A draft-04 document as CDK's JsonSchema (only the keywords api/models use)."""
    kinds = {"object": apigw.JsonSchemaType.OBJECT, "string": apigw.JsonSchemaType.STRING,
             "array": apigw.JsonSchemaType.ARRAY, "integer": apigw.JsonSchemaType.INTEGER,
             "number": apigw.JsonSchemaType.NUMBER, "boolean": apigw.JsonSchemaType.BOOLEAN}
    supported = {"$schema", "title", "description", "type", "required", "properties", "pattern", "minLength",
                 "maxLength", "items", "minItems", "maxItems"}
    unknown = set(document) - supported
    if unknown:
        raise ValueError(f"api model {document.get('title')!r}: unsupported keywords {sorted(unknown)}")
    return apigw.JsonSchema(
        schema=apigw.JsonSchemaVersion.DRAFT4 if "$schema" in document else None,
        title=document.get("title"),
        description=document.get("description"),
        type=kinds[document["type"]] if "type" in document else None,
        required=document.get("required"),
        properties={k: _json_schema(v) for k, v in document["properties"].items()} if "properties" in document else None,
        pattern=document.get("pattern"),
        min_length=document.get("minLength"),
        max_length=document.get("maxLength"),
        items=_json_schema(document["items"]) if "items" in document else None,
        min_items=document.get("minItems"),
        max_items=document.get("maxItems"),
    )
