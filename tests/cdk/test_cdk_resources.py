"""Assertions on the synthesized template: tables, Lambdas, user pool, outputs, events (one synth)."""
from __future__ import annotations

import json
from pathlib import Path

from aws_cdk import assertions
from .conftest import REPO, only, resolve, resources_of

Match = assertions.Match


def users_table_id(template) -> str:
    for logical_id, table in resources_of(template, "AWS::DynamoDB::Table").items():
        if table["Properties"]["KeySchema"][0]["AttributeName"] == "pk":
            return logical_id
    raise AssertionError("no pk/sk table")


def test_tables_are_on_demand_with_pitr_and_the_contract_keys(assert_template, template) -> None:
    tables = resources_of(template, "AWS::DynamoDB::Table")
    assert len(tables) == 2
    assert_template.has_resource_properties("AWS::DynamoDB::Table", {
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
    })
    assert_template.has_resource_properties("AWS::DynamoDB::Table", {
        "KeySchema": [{"AttributeName": "username", "KeyType": "HASH"}],
        "BillingMode": "PAY_PER_REQUEST",
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
    })
    assert_template.all_resources("AWS::DynamoDB::Table", {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"})


def functions_by_folder(template) -> dict[str, dict]:
    found = {}
    for logical_id, fn in resources_of(template, "AWS::Lambda::Function").items():
        for name in ("authorizer", "token_customizer", "post_confirmation", "user_migration"):
            if logical_id.startswith(name.replace("_", "")):
                found[name] = fn["Properties"]
    return found


def test_every_lambda_is_arm64_python313_traced_with_handler_py(template) -> None:
    functions = functions_by_folder(template)
    assert sorted(functions) == ["authorizer", "post_confirmation", "token_customizer", "user_migration"]
    for name, props in functions.items():
        assert props["Runtime"] == "python3.13", name
        assert props["Architectures"] == ["arm64"], name
        assert props["Handler"] == "handler.handler", name
        assert props["TracingConfig"] == {"Mode": "Active"}, name


def test_lambda_environment_follows_the_contract(template) -> None:
    env = {name: resolve(props["Environment"]["Variables"]) for name, props in functions_by_folder(template).items()}
    table = f"<Ref:{users_table_id(template)}>"
    pool_id, _ = only(template, "AWS::Cognito::UserPool")
    client_id, _ = only(template, "AWS::Cognito::UserPoolClient")
    assert env["authorizer"] == {"USER_POOL_ID": f"<Ref:{pool_id}>", "CLIENT_IDS": f"<Ref:{client_id}>",
                                 "TOKEN_USE": "access", "ROLE_MODEL_PATH": "/opt/routes.json"}
    assert env["token_customizer"]["TABLE_NAME"] == table
    assert env["token_customizer"]["MISSING_PROFILE_POLICY"] == "open"
    assert 0 < int(env["token_customizer"]["PROFILE_READ_TIMEOUT_MS"]) < 5000
    assert json.loads(env["token_customizer"]["GROUP_SCOPES"])["Admin"]
    assert env["post_confirmation"] == {"PROFILE_STATE_MACHINE_ARN":
                                        "arn:aws:states:us-east-1:123456789012:stateMachine:user-lifecycle-create_profile"}
    assert env["user_migration"]["TABLE_NAME"] == table
    assert env["user_migration"]["LEGACY_TABLE_NAME"].startswith("<Ref:TablesLegacyUsers")


def test_lambda_assets_are_the_folders_without_pycache(synth) -> None:
    """Copied assets are staged into the assembly without __pycache__. The authorizer's is bundled, so
    with bundling skipped its asset still points at its source folder (test_cdk_bundling.py checks what
    the bundling puts in it)."""
    _, _, template, outdir = synth
    manifest = json.loads(next(outdir.glob("*.assets.json")).read_text())
    zips = [Path(f["source"]["path"]) for f in manifest["files"].values() if f["source"].get("packaging") == "zip"]
    skipped = [p for p in zips if p.is_absolute()]
    assert skipped == [REPO / "lambdas" / "authorizer"]
    folders = [outdir / p for p in zips if not p.is_absolute()]
    names = {p.name for folder in folders for p in folder.rglob("*")}
    assert "handler.py" in names and "routes.json" in names and "dynamodb_get_item.py" in names
    assert not [p for folder in folders for p in folder.rglob("*") if "__pycache__" in p.parts or p.suffix == ".pyc"]


def test_authorizer_gets_routes_json_as_its_role_model_layer(template) -> None:
    (layer_id, layer), = resources_of(template, "AWS::Lambda::LayerVersion").items()
    assert functions_by_folder(template)["authorizer"]["Layers"] == [{"Ref": layer_id}]


def test_user_pool_essentials_numeric_usernames_email_alias_and_v2_trigger(assert_template, template) -> None:
    fns = {name: next(k for k in resources_of(template, "AWS::Lambda::Function") if k.startswith(name))
           for name in ("tokencustomizer", "postconfirmation", "usermigration")}
    assert_template.has_resource_properties("AWS::Cognito::UserPool", {
        "UserPoolTier": "ESSENTIALS",
        "AliasAttributes": ["email"],
        "UsernameAttributes": Match.absent(),
        "LambdaConfig": {
            "PreTokenGenerationConfig": {"LambdaArn": {"Fn::GetAtt": [fns["tokencustomizer"], "Arn"]},
                                         "LambdaVersion": "V2_0"},
            "PostConfirmation": {"Fn::GetAtt": [fns["postconfirmation"], "Arn"]},
            "UserMigration": {"Fn::GetAtt": [fns["usermigration"], "Arn"]},
        },
        "Schema": Match.array_with([Match.object_like({"Name": "legacy_user_id"}), Match.object_like({"Name": "tenant_id"})]),
    })
    groups = sorted(g["Properties"]["GroupName"] for g in resources_of(template, "AWS::Cognito::UserPoolGroup").values())
    assert groups == ["Admin", "Registrar", "User"]
    assert_template.has_resource_properties("AWS::Cognito::UserPoolClient", {
        "ExplicitAuthFlows": Match.array_with(["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]),
        "GenerateSecret": False,
        "PreventUserExistenceErrors": "ENABLED",
    })
    for name in fns.values():  # Cognito may invoke each trigger, from this pool only
        pool_id, _ = only(template, "AWS::Cognito::UserPool")
        assert_template.has_resource_properties("AWS::Lambda::Permission", {
            "FunctionName": {"Fn::GetAtt": [name, "Arn"]}, "Principal": "cognito-idp.amazonaws.com",
            "SourceArn": {"Fn::GetAtt": [pool_id, "Arn"]}})


def test_outputs_pool_client_and_jwks_url(template) -> None:
    outputs = {k: resolve(v["Value"]) for k, v in template["Outputs"].items()}
    pool_id, _ = only(template, "AWS::Cognito::UserPool")
    client_id, _ = only(template, "AWS::Cognito::UserPoolClient")
    assert outputs["UserPoolId"] == f"<Ref:{pool_id}>"
    assert outputs["UserPoolClientId"] == f"<Ref:{client_id}>"
    assert outputs["JwksUrl"] == f"https://cognito-idp.us-east-1.amazonaws.com/<Ref:{pool_id}>/.well-known/jwks.json"


def test_failed_timed_out_aborted_standard_runs_go_to_the_guard_recorder(template) -> None:
    (_, rule), = resources_of(template, "AWS::Events::Rule").items()
    pattern = rule["Properties"]["EventPattern"]
    assert pattern["source"] == ["aws.states"]
    assert pattern["detail-type"] == ["Step Functions Execution Status Change"]
    assert pattern["detail"]["status"] == ["TIMED_OUT", "FAILED", "ABORTED"]
    watched = sorted(arn.rsplit(":", 1)[1] for arn in resolve(pattern["detail"]["stateMachineArn"]))
    assert watched == ["user-lifecycle-create_profile", "user-lifecycle-guard", "user-lifecycle-migrate_batch",
                       "user-lifecycle-migrate_user"]
    (target,) = rule["Properties"]["Targets"]
    recorder_id = next(k for k in resources_of(template, "AWS::StepFunctions::StateMachine") if k.startswith("FailuresRecorder"))
    assert target["Arn"] == {"Ref": recorder_id}
    recorder = json.loads(resolve(template["Resources"][recorder_id]["Properties"]["DefinitionString"]))
    (state,) = [s for s in recorder["States"].values() if s["Type"] == "Task"]
    item = state["Parameters"]["Item"]
    assert item["pk"] == {"S.$": "States.Format('GUARD#{}', $.detail.executionArn)"} and item["sk"] == {"S": "RESULT"}
    assert state["Parameters"]["ConditionExpression"] == "attribute_not_exists(pk)"
    assert state["Catch"][0]["ErrorEquals"] == ["DynamoDB.ConditionalCheckFailedException"]
