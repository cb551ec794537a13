"""The state machines in the template: asl/ text byte for byte, types, logging, tracing, exact IAM."""
from __future__ import annotations

import pytest
from .conftest import only, resolve, resources_of

from workflows import definitions

ACCOUNT_ARN = "arn:aws:states:us-east-1:123456789012"


def machines(template) -> dict[str, dict]:
    found = {}
    for props in (r["Properties"] for r in resources_of(template, "AWS::StepFunctions::StateMachine").values()):
        found[props["StateMachineName"].removeprefix("user-lifecycle-")] = props
    return found


def table_id(template) -> str:
    return next(k for k, v in resources_of(template, "AWS::DynamoDB::Table").items()
                if v["Properties"]["KeySchema"][0]["AttributeName"] == "pk")


def expected_params(template) -> dict[str, str]:
    """Placeholder values found independently of the stack's code: from the resources themselves."""
    pool_id, _ = only(template, "AWS::Cognito::UserPool")
    bus_id, _ = only(template, "AWS::Events::EventBus")
    return {"UsersTable": f"<Ref:{table_id(template)}>", "UserPoolId": f"<Ref:{pool_id}>",
            "EventBusName": f"<Ref:{bus_id}>",
            "MigrateUserStateMachineArn": f"{ACCOUNT_ARN}:stateMachine:user-lifecycle-migrate_user",
            "CreateProfileStateMachineArn": f"{ACCOUNT_ARN}:stateMachine:user-lifecycle-create_profile",
            "AccountId": "123456789012", "Region": "us-east-1", "Partition": "aws"}


@pytest.mark.parametrize("name", definitions.MACHINES)
def test_definition_is_byte_equal_to_render_of_asl(template, name) -> None:
    deployed = resolve(machines(template)[name]["DefinitionString"])
    assert isinstance(deployed, str)
    assert deployed == definitions.render(name, expected_params(template))


def test_types_logging_and_tracing(template) -> None:
    found = machines(template)
    assert set(found) == set(definitions.MACHINES) | {"guard-recorder"}
    for name, props in found.items():
        expected = "EXPRESS" if name in ("signup", "guard-recorder") else "STANDARD"
        assert props["StateMachineType"] == expected, name
        assert props["TracingConfiguration"] == {"Enabled": True}, name
        logging = props["LoggingConfiguration"]
        assert logging["Level"] in ("ALL", "ERROR") and logging["IncludeExecutionData"] is False, name
        assert len(logging["Destinations"]) == 1, name
    assert found["signup"]["LoggingConfiguration"]["Level"] == "ALL"  # Express: logs are the only history


def role_statements(template, machine: str) -> list[dict]:
    props = machines(template)[machine]
    role_id = props["RoleArn"]["Fn::GetAtt"][0]
    statements = []
    for policy in resources_of(template, "AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"]["Roles"]:
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
    return [resolve(s) for s in statements]


def grants(template, machine: str) -> dict[str, set[str]]:
    """action -> resources, for the service actions (logs/X-Ray delivery actions need '*' by design)."""
    out: dict[str, set[str]] = {}
    for statement in role_statements(template, machine):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        for action in actions:
            if action.split(":")[0] in ("dynamodb", "cognito-idp", "states", "events"):
                out.setdefault(action, set()).update(resources)
    return out


def table_and_pool_arns(template) -> tuple[str, str]:
    """The users table's and the user pool's ARNs as role_statements resolves them."""
    pool_id, _ = only(template, "AWS::Cognito::UserPool")
    return f"<GetAtt:{table_id(template)}.Arn>", f"<GetAtt:{pool_id}.Arn>"


def test_signup_role_has_exact_dynamodb_and_pool_scoped_cognito_actions(template) -> None:
    table, pool = table_and_pool_arns(template)
    assert grants(template, "signup") == {
        "dynamodb:UpdateItem": {table}, "dynamodb:PutItem": {table}, "dynamodb:DeleteItem": {table},
        "dynamodb:GetItem": {table},  # ReadSettledAllocation, after a fenced allocation only
        "cognito-idp:AdminCreateUser": {pool}, "cognito-idp:AdminAddUserToGroup": {pool},
        "cognito-idp:AdminDeleteUser": {pool},
    }


def test_migrate_user_role_has_exact_dynamodb_and_pool_scoped_cognito_actions(template) -> None:
    table, pool = table_and_pool_arns(template)
    assert grants(template, "migrate_user") == {
        "dynamodb:PutItem": {table}, "dynamodb:UpdateItem": {table}, "dynamodb:DeleteItem": {table},
        "dynamodb:GetItem": {table},  # ReadSettledAllocation (the shared allocation), after a fence only
        "cognito-idp:AdminCreateUser": {pool}, "cognito-idp:AdminDeleteUser": {pool},
    }


def test_guard_role_covers_sync2_children_rule_and_bus(template) -> None:
    bus_id, _ = only(template, "AWS::Events::EventBus")
    got = grants(template, "guard")
    children = {f"{ACCOUNT_ARN}:stateMachine:user-lifecycle-{c}" for c in ("create_profile", "migrate_user", "migrate_batch")}
    assert got["states:StartExecution"] == children
    assert got["states:DescribeExecution"] == got["states:StopExecution"] == {
        f"{ACCOUNT_ARN}:execution:user-lifecycle-{c}:*" for c in ("create_profile", "migrate_user", "migrate_batch")}
    rule = "arn:aws:events:us-east-1:123456789012:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule"
    assert got["events:PutTargets"] == got["events:PutRule"] == got["events:DescribeRule"] == {rule}
    assert got["events:PutEvents"] == {f"<GetAtt:{bus_id}.Arn>"}
    assert got["dynamodb:PutItem"] == {f"<GetAtt:{table_id(template)}.Arn>"}


def test_migrate_batch_may_only_start_migrate_user(template) -> None:
    assert grants(template, "migrate_batch") == {
        "states:StartExecution": {f"{ACCOUNT_ARN}:stateMachine:user-lifecycle-migrate_user"}}


def test_no_service_action_on_a_wildcard_resource(template) -> None:
    for policy in resources_of(template, "AWS::IAM::Policy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            if any(a.split(":")[0] in ("dynamodb", "cognito-idp", "states", "events") for a in actions):
                assert statement["Resource"] != "*", statement


def test_trigger_lambdas_least_privilege(template) -> None:
    def actions_of(prefix: str) -> dict[str, set]:
        fn_id = next(k for k in resources_of(template, "AWS::Lambda::Function") if k.startswith(prefix))
        role_id = template["Resources"][fn_id]["Properties"]["Role"]["Fn::GetAtt"][0]
        out: dict[str, set] = {}
        for policy in resources_of(template, "AWS::IAM::Policy").values():
            if {"Ref": role_id} in policy["Properties"]["Roles"]:
                for s in policy["Properties"]["PolicyDocument"]["Statement"]:
                    for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"]):
                        if not a.startswith("xray:"):
                            out.setdefault(a, set()).update(map(str, resolve([s["Resource"]] if isinstance(s["Resource"], (str, dict)) else s["Resource"])))
        return out

    table = f"<GetAtt:{table_id(template)}.Arn>"
    assert actions_of("tokencustomizer") == {"dynamodb:GetItem": {table}}
    assert actions_of("postconfirmation") == {"states:StartExecution": {f"{ACCOUNT_ARN}:stateMachine:user-lifecycle-create_profile"}}
    migration = actions_of("usermigration")
    assert migration["states:SendTaskSuccess"] == {f"{ACCOUNT_ARN}:stateMachine:user-lifecycle-migrate_user"}
    assert table in migration["dynamodb:GetItem"] and len(migration["dynamodb:GetItem"]) == 2
    assert actions_of("authorizer") == {}
