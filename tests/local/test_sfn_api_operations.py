"""Every operation in botocore's stepfunctions model, through an unmodified boto3 client, over HTTP
(AWS JSON 1.0) against the engine behind `StepFunctionsApi` - shapes parsed by botocore itself,
errors raised as the client's own exception classes."""
from __future__ import annotations

import json
import re

import boto3
import botocore.session
import pytest
from botocore.config import Config

from workflows.engine import StepFunctions
from workflows.local.server import LoopbackServer
from workflows.local.sfn_api import StepFunctionsApi

ROLE = "arn:aws:iam::123456789012:role/operations"
PASS = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": "v1", "End": True}}})
PASS_V2 = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": "v2", "End": True}}})
FAILS = json.dumps({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Boom", "Cause": "on purpose"}}})
CALLBACK = json.dumps({"StartAt": "Wait", "States": {"Wait": {
    "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken", "HeartbeatSeconds": 600,
    "Parameters": {"FunctionName": "park", "Payload": {"token.$": "$$.Task.Token"}}, "End": True}}})
DISTRIBUTED = json.dumps({"StartAt": "M", "States": {"M": {
    "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2,
    "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                      "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
    "End": True}}})


def all_operations() -> set[str]:
    model = botocore.session.get_session().get_service_model("stepfunctions")
    return set(model.operation_names)


@pytest.fixture(scope="module")
def stack():
    engine = StepFunctions(clock="virtual", seed=3)
    engine.parked = []  # type: ignore[attr-defined]
    engine.register_lambda("park", lambda event, context: engine.parked.append(event["token"]) or {})
    server = LoopbackServer(StepFunctionsApi(engine)).start()
    client = boto3.client("stepfunctions", endpoint_url=server.url, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing",
                          config=Config(inject_host_prefix=False, retries={"max_attempts": 1}))
    called: set[str] = set()
    client.meta.events.register("before-call.sfn", lambda model, **_: called.add(model.name))
    yield client, engine, called
    server.close()


def test_every_operation_round_trips(stack) -> None:
    sfn, engine, called = stack
    # state machines, versions, aliases
    created = sfn.create_state_machine(name="ops", definition=PASS, roleArn=ROLE, publish=True,
                                       versionDescription="first", tags=[{"key": "team", "value": "id"}])
    arn = created["stateMachineArn"]
    assert created["stateMachineVersionArn"] == arn + ":1"
    updated = sfn.update_state_machine(stateMachineArn=arn, definition=PASS_V2,
                                       tracingConfiguration={"enabled": True})
    assert re.fullmatch(r"[0-9a-f-]{36}", updated["revisionId"])
    v2 = sfn.publish_state_machine_version(stateMachineArn=arn, revisionId=updated["revisionId"])
    assert v2["stateMachineVersionArn"] == arn + ":2"
    assert [v["stateMachineVersionArn"] for v in sfn.list_state_machine_versions(stateMachineArn=arn)[
        "stateMachineVersions"]] == [arn + ":2", arn + ":1"]
    described = sfn.describe_state_machine(stateMachineArn=arn + ":1")
    assert described["description"] == "first" and json.loads(described["definition"])["States"]["P"]["Result"] == "v1"
    assert sfn.list_state_machines()["stateMachines"][0]["stateMachineArn"] == arn
    alias = sfn.create_state_machine_alias(name="live", routingConfiguration=[
        {"stateMachineVersionArn": arn + ":1", "weight": 100}])["stateMachineAliasArn"]
    sfn.update_state_machine_alias(stateMachineAliasArn=alias, description="now on v2", routingConfiguration=[
        {"stateMachineVersionArn": arn + ":2", "weight": 100}])
    assert sfn.describe_state_machine_alias(stateMachineAliasArn=alias)["description"] == "now on v2"
    assert [a["stateMachineAliasArn"] for a in sfn.list_state_machine_aliases(stateMachineArn=arn)[
        "stateMachineAliases"]] == [alias]
    # executions on the alias
    execution = sfn.start_execution(stateMachineArn=alias, name="through-alias")["executionArn"]
    shown = sfn.describe_execution(executionArn=execution)
    assert shown["output"] == '"v2"' and shown["stateMachineAliasArn"] == alias
    assert shown["stateMachineVersionArn"] == arn + ":2"
    assert json.loads(sfn.describe_state_machine_for_execution(executionArn=execution)["definition"]) == json.loads(PASS_V2)
    assert sfn.list_executions(stateMachineArn=alias)["executions"][0]["executionArn"] == execution
    assert sfn.get_execution_history(executionArn=execution)["events"][-1]["type"] == "ExecutionSucceeded"
    # tags
    sfn.tag_resource(resourceArn=arn, tags=[{"key": "env", "value": "dev"}])
    sfn.untag_resource(resourceArn=arn, tagKeys=["team"])
    assert sfn.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "env", "value": "dev"}]
    # validation
    assert sfn.validate_state_machine_definition(definition=PASS)["result"] == "OK"
    report = sfn.validate_state_machine_definition(definition="{}", type="STANDARD")
    assert report["result"] == "FAIL" and report["diagnostics"][0]["severity"] == "ERROR"
    # callbacks and stop
    callback = sfn.create_state_machine(name="callback", definition=CALLBACK, roleArn=ROLE)["stateMachineArn"]
    tokens = []
    for name in ("ok", "fail", "beat"):
        started = sfn.start_execution(stateMachineArn=callback, name=name)["executionArn"]
        tokens.append((started, engine.parked[-1]))
    sfn.send_task_success(taskToken=tokens[0][1], output='{"done": true}')
    sfn.send_task_failure(taskToken=tokens[1][1], error="Nope", cause="worker said no")
    sfn.send_task_heartbeat(taskToken=tokens[2][1])
    assert sfn.stop_execution(executionArn=tokens[2][0], error="Stop", cause="test")["stopDate"]
    assert [sfn.describe_execution(executionArn=t[0])["status"] for t in tokens] == ["SUCCEEDED", "FAILED", "ABORTED"]
    # redrive
    failing = sfn.create_state_machine(name="failing", definition=FAILS, roleArn=ROLE)["stateMachineArn"]
    failed = sfn.start_execution(stateMachineArn=failing)["executionArn"]
    assert sfn.describe_execution(executionArn=failed)["redriveStatus"] == "REDRIVABLE"
    assert sfn.redrive_execution(executionArn=failed)["redriveDate"]
    assert sfn.describe_execution(executionArn=failed)["redriveCount"] == 1
    # Express + sync
    express = sfn.create_state_machine(name="express", definition=PASS, roleArn=ROLE, type="EXPRESS")["stateMachineArn"]
    assert sfn.start_sync_execution(stateMachineArn=express, input="{}")["output"] == '"v1"'
    # activities
    activity = sfn.create_activity(name="worker")["activityArn"]
    assert sfn.describe_activity(activityArn=activity)["name"] == "worker"
    assert [a["activityArn"] for a in sfn.list_activities()["activities"]] == [activity]
    assert "taskToken" not in sfn.get_activity_task(activityArn=activity, workerName="w")
    sfn.delete_activity(activityArn=activity)
    # map runs
    mapper = sfn.create_state_machine(name="mapper", definition=DISTRIBUTED, roleArn=ROLE)["stateMachineArn"]
    mapped = sfn.start_execution(stateMachineArn=mapper, input=json.dumps({"items": [1, 2, 3]}))["executionArn"]
    run = sfn.list_map_runs(executionArn=mapped)["mapRuns"][0]
    detail = sfn.describe_map_run(mapRunArn=run["mapRunArn"])
    assert detail["status"] == "SUCCEEDED" and detail["itemCounts"]["succeeded"] == 3
    assert detail["executionCounts"]["total"] == 3 and detail["maxConcurrency"] == 2
    with pytest.raises(sfn.exceptions.ValidationException):  # only a running map run can change
        sfn.update_map_run(mapRunArn=run["mapRunArn"], maxConcurrency=5)
    # TestState
    tested = sfn.test_state(definition=json.dumps({"Type": "Pass", "Result": 1, "End": True}), roleArn=ROLE, input="{}")
    assert tested["status"] == "SUCCEEDED" and tested["output"] == "1"
    # deletes
    sfn.delete_state_machine_alias(stateMachineAliasArn=alias)
    sfn.delete_state_machine_version(stateMachineVersionArn=arn + ":1")
    sfn.delete_state_machine(stateMachineArn=arn)
    assert arn not in [m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"]]
    assert called == all_operations(), f"not exercised: {sorted(all_operations() - called)}"


def test_misuse_comes_back_as_the_clients_exception_classes(stack) -> None:
    sfn, _, _ = stack
    arn = sfn.create_state_machine(name="misuse", definition=PASS, roleArn=ROLE, publish=True)["stateMachineArn"]
    with pytest.raises(sfn.exceptions.ValidationException) as caught:
        sfn.create_state_machine_alias(name="half", routingConfiguration=[
            {"stateMachineVersionArn": arn + ":1", "weight": 60}])
    assert caught.value.response["Error"]["Message"] == ("Sum of routing configuration weights must equal 100. "
                                                         "Received: [60]")
    succeeded = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    with pytest.raises(sfn.exceptions.ExecutionNotRedrivable) as caught:
        sfn.redrive_execution(executionArn=succeeded)
    assert caught.value.response["Error"]["Message"] == "Execution is SUCCEEDED and cannot be redriven"
    with pytest.raises(sfn.exceptions.ResourceNotFound):
        sfn.tag_resource(resourceArn=arn + ":1", tags=[{"key": "k", "value": "v"}])
    with pytest.raises(sfn.exceptions.InvalidArn) as caught:
        sfn.describe_map_run(mapRunArn="not-a-map-run")
    assert caught.value.response["Error"]["Message"] == "Invalid Arn: 'Invalid ARN prefix: not-a-map-run'"
    with pytest.raises(sfn.exceptions.ConflictException):
        sfn.create_state_machine_alias(name="x", routingConfiguration=[{"stateMachineVersionArn": arn + ":1", "weight": 100}])
        sfn.create_state_machine_alias(name="x", description="other", routingConfiguration=[
            {"stateMachineVersionArn": arn + ":1", "weight": 100}])


def test_an_in_process_boto3_client_reaches_the_engine_without_a_socket() -> None:
    from workflows.local.sfn_client import in_process_client

    engine = StepFunctions(seed=1)
    client = in_process_client(engine)
    arn = client.create_state_machine(name="direct", definition=PASS, roleArn=ROLE)["stateMachineArn"]
    execution = client.start_execution(stateMachineArn=arn)["executionArn"]
    assert client.describe_execution(executionArn=execution)["output"] == '"v1"'
    with pytest.raises(client.exceptions.StateMachineDoesNotExist):
        client.describe_state_machine(stateMachineArn=arn + "-missing")
    assert engine.list_state_machines()["stateMachines"][0]["stateMachineArn"] == arn
