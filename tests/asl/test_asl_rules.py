"""Static rules every asl/ file must keep: statelint-clean, JSONPath, bounded retries, timeouts.

These read the definitions only; behaviour is tested on the engine in the other modules.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from statelint.config import Config
from statelint.linter import Linter
from statelint.problem import ProblemType

from workflows.cli.validate import is_filter_path_false_alarm, statelint_location
from workflows import user_id_allocation
from workflows.definitions import KNOWN_PLACEHOLDERS, MACHINES, render, source

PARAMS = {
    "UsersTable": "users",
    "UserPoolId": "us-east-1_Example",
    "EventBusName": "default",
    "MigrateUserStateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:migrate_user",
    **{name: "x" for name in KNOWN_PLACEHOLDERS if name not in {"UsersTable", "UserPoolId", "EventBusName", "MigrateUserStateMachineArn"}},
}


def walk_states(states: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every state, nested Map/Parallel states included, with a dotted name."""
    for name, state in states.items():
        yield prefix + name, state
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if processor:
            yield from walk_states(processor["States"], f"{prefix}{name}.")
        for i, branch in enumerate(state.get("Branches", [])):
            yield from walk_states(branch["States"], f"{prefix}{name}[{i}].")


def machine(name: str) -> dict[str, Any]:
    return json.loads(render(name, PARAMS))


def lint(text: str) -> list[str]:
    # FLOAT: statelint wrongly rejects an integer BackoffRate, which AWS accepts; and it rejects every
    # JSONPath filter in a payload template (the same exception `workflows validate` makes).
    document = json.loads(text)
    return [m for m in Linter.validate(text, Config({ProblemType.FLOAT}))
            if not is_filter_path_false_alarm(document, m, statelint_location(document, m)[0])]


@pytest.mark.parametrize("name", MACHINES)
def test_statelint_accepts_source_and_rendered(name: str) -> None:
    assert lint(source(name)) == []
    assert lint(render(name, PARAMS)) == []


def test_statelint_check_is_live() -> None:
    broken = machine("guard")
    broken["States"]["RecordOutcome"]["Next"] = "NoSuchState"
    problems = lint(json.dumps(broken))
    assert any("NoSuchState" in p for p in problems), problems


def test_statelint_filter_exception_is_narrow() -> None:
    """A filter the engine refuses (a quote inside a regex it cannot parse) is still reported."""
    broken = machine("signup")
    broken["States"]["InspectRequest"]["Parameters"]["emailTooLong.$"] = '$.requests[?(@.email =~ /"/)].x'
    assert any('"emailTooLong.$"' in p for p in lint(json.dumps(broken)))
    broken["States"]["InspectRequest"]["Parameters"]["emailTooLong.$"] = "$.requests[0"  # no filter at all
    assert any('"emailTooLong.$"' in p for p in lint(json.dumps(broken)))


@pytest.mark.parametrize("name", MACHINES)
def test_jsonpath_query_language(name: str) -> None:
    doc = machine(name)
    assert doc.get("QueryLanguage") == "JSONPath"
    for state_name, state in walk_states(doc["States"]):
        assert state.get("QueryLanguage", "JSONPath") == "JSONPath", state_name
        assert "Arguments" not in state and "Output" not in state, state_name


@pytest.mark.parametrize("name", MACHINES)
def test_every_task_has_a_timeout_and_callbacks_a_heartbeat(name: str) -> None:
    for state_name, state in walk_states(machine(name)["States"]):
        if state["Type"] != "Task":
            continue
        assert "TimeoutSeconds" in state or "TimeoutSecondsPath" in state, f"{name}.{state_name} has no timeout"
        if state["Resource"].endswith(".waitForTaskToken"):
            assert "HeartbeatSeconds" in state or "HeartbeatSecondsPath" in state, f"{name}.{state_name}"
            caught = {e for c in state.get("Catch", []) for e in c["ErrorEquals"]}
            assert {"States.Timeout", "States.HeartbeatTimeout"} <= caught, f"{name}.{state_name}"


@pytest.mark.parametrize("name", MACHINES)
def test_retries_are_bounded_with_backoff_and_full_jitter(name: str) -> None:
    for state_name, state in walk_states(machine(name)["States"]):
        for retrier in state.get("Retry", []):
            where = f"{name}.{state_name} {retrier['ErrorEquals']}"
            assert 1 <= retrier["MaxAttempts"] <= 5, where
            assert retrier["BackoffRate"] >= 1.5, where
            assert retrier["JitterStrategy"] == "FULL", where
            assert retrier["MaxDelaySeconds"] <= 10, where
            assert "States.ALL" not in retrier["ErrorEquals"], f"{where}: never retry everything"


@pytest.mark.parametrize("name", sorted(user_id_allocation.SITES))
def test_allocating_machines_allocate_with_one_atomic_add_idempotent_per_execution(name: str) -> None:
    doc = machine(name)
    states = dict(walk_states(doc["States"]))
    allocate = states["AllocateUserId"]
    assert allocate["Resource"] == "arn:aws:states:::dynamodb:updateItem"
    params = allocate["Parameters"]
    assert params["UpdateExpression"].startswith("ADD ")
    assert params["ReturnValues"] == "UPDATED_NEW"
    assert params["Key"] == {"pk": {"S": "COUNTER#userId"}, "sk": {"S": "COUNTER"}}
    # idempotent per execution: the new id is recorded under the execution's own attribute, once
    assert params["ConditionExpression"] == "attribute_not_exists(#mine)"
    assert params["ExpressionAttributeNames"]["#mine.$"] == user_id_allocation.RECORD_NAME
    assert "$$.Execution.Id" in user_id_allocation.RECORD_NAME
    # the counter's value has ONE writer; the other counter-item writers touch only this execution's record
    counter_writers = {n: s["Parameters"] for n, s in states.items()
                       if "COUNTER#userId" in json.dumps(s.get("Parameters", {}))}
    assert set(counter_writers) == {"AllocateUserId", "FenceAllocation", "ReadSettledAllocation", "ReleaseAllocation"}
    for state_name, written in counter_writers.items():
        if state_name != "AllocateUserId":
            assert "#value" not in json.dumps(written), state_name
            assert written["ExpressionAttributeNames"] == {"#mine.$": user_id_allocation.RECORD_NAME}, state_name
    # no read of the counter on the way to an id: a read-then-write loop is the bug this design
    # avoids. The one read is after FenceAllocation, on the rare path of an allocation whose outcome
    # is unknown, and it reads only this execution's record.
    readers = [n for n, s in states.items() if s.get("Resource", "").endswith(("getItem", "query", "scan"))
               and "COUNTER#userId" in json.dumps(s.get("Parameters", {}))]
    assert readers == ["ReadSettledAllocation"]
    assert [c["Next"] for c in allocate["Catch"]] == ["FenceAllocation", "FenceAllocation",
                                                      user_id_allocation.SITES[name].not_allocated]
    assert [c["ErrorEquals"] for c in allocate["Catch"]][:2] == [["States.Timeout"], user_id_allocation.UNKNOWN_OUTCOME]
    assert states["FenceAllocation"]["Next"] == "ReadSettledAllocation"
    throttles = {e for r in allocate["Retry"] for e in r["ErrorEquals"]}
    assert "DynamoDB.ProvisionedThroughputExceededException" in throttles
    assert "DynamoDB.ThrottlingException" in throttles
    assert "States.Timeout" not in throttles  # a timed-out attempt is settled, never blindly repeated


def test_every_machine_that_writes_the_counter_uses_the_shared_allocation() -> None:
    writers = {name for name in MACHINES if "COUNTER#userId" in source(name)}
    assert writers == set(user_id_allocation.SITES)
    for name in writers:
        assert user_id_allocation.problems(name, json.loads(source(name))) == [], name


def test_a_drifted_copy_of_the_shared_allocation_is_refused_by_render(tmp_path, monkeypatch) -> None:
    from workflows import definitions

    doc = json.loads(source("migrate_user"))
    doc["States"]["FenceAllocation"]["TimeoutSeconds"] = 60
    (tmp_path / "migrate_user.asl.json").write_text(json.dumps(doc))
    monkeypatch.setattr(definitions, "ASL_DIR", tmp_path)
    with pytest.raises(definitions.DefinitionError) as info:
        render("migrate_user", PARAMS)
    assert "state 'FenceAllocation', field TimeoutSeconds: 60" in str(info.value)
    assert "migrate_user.asl.json" in str(info.value)


def test_signup_cognito_calls_retry_throttling() -> None:
    create = machine("signup")["States"]["CreateCognitoUser"]
    assert create["Resource"] == "arn:aws:states:::aws-sdk:cognitoidentityprovider:adminCreateUser"
    assert any("CognitoIdentityProvider.TooManyRequestsException" in r["ErrorEquals"] for r in create["Retry"])
    assert any(c["ErrorEquals"] == ["States.Timeout"] for c in create["Catch"])


def test_guard_uses_sync2_and_names_timeout_and_taskfailed() -> None:
    run = machine("guard")["States"]["RunChild"]
    assert run["Resource"] == "arn:aws:states:::states:startExecution.sync:2"
    caught = [c["ErrorEquals"] for c in run["Catch"]]
    assert caught == [["States.Timeout"], ["States.TaskFailed"], ["States.ALL"]]


def test_migration_fallback_invites_by_email_without_suppressing() -> None:
    invite = machine("migrate_user")["States"]["InviteUser"]["Parameters"]
    assert invite["DesiredDeliveryMediums"] == ["EMAIL"]
    assert invite.get("MessageAction") != "SUPPRESS"
    assert "TemporaryPassword" not in invite  # Cognito generates it; it never enters the history


def test_migration_catches_name_timeout_before_a_catch_all() -> None:
    for state_name, state in walk_states(machine("migrate_user")["States"]):
        catchers = [c["ErrorEquals"] for c in state.get("Catch", [])]
        if ["States.ALL"] in catchers:
            assert ["States.Timeout"] in catchers[:catchers.index(["States.ALL"])], state_name


def test_migration_allocates_with_the_one_atomic_add_and_provisions_in_one_transaction() -> None:
    states = dict(walk_states(machine("migrate_user")["States"]))
    # the allocation itself: test_allocating_machines_allocate_with_one_atomic_add_idempotent_per_execution
    write = states["WriteUser"]
    assert write["Resource"] == "arn:aws:states:::aws-sdk:dynamodb:transactWriteItems"
    keys = [json.dumps(item) for item in write["Parameters"]["TransactItems"]]
    assert ["EMAIL#" in k for k in keys] == [True, False, False]
    assert ["USER#" in k and "PROFILE" in k for k in keys] == [False, True, False]
    assert ["MIGRATION#" in k for k in keys] == [False, False, True]
    # conditional on absence OR this id: a re-run succeeds, someone else's item cancels the transaction
    for item in write["Parameters"]["TransactItems"][:2]:
        assert item["Put"]["ConditionExpression"] == "attribute_not_exists(pk) OR userId = :id"


def test_batch_names_executions_deterministically() -> None:
    start = machine("migrate_batch")["States"]["StartMigrations"]["ItemProcessor"]["States"]["StartMigration"]
    assert start["Resource"] == "arn:aws:states:::states:startExecution"
    assert "UUID" not in start["Parameters"]["Name.$"] and "legacyUserId" in start["Parameters"]["Name.$"]
    assert start["Parameters"]["StateMachineArn"] == PARAMS["MigrateUserStateMachineArn"]
    assert start["Catch"][0]["ErrorEquals"] == ["StepFunctions.ExecutionAlreadyExistsException"]


@pytest.mark.parametrize("name", MACHINES)
def test_engine_validation_accepts_rendered_definition(name: str) -> None:
    from workflows.engine import validate_definition

    assert validate_definition(render(name, PARAMS)) == []


def test_workflows_validate_cli_accepts_every_asl_file() -> None:
    import subprocess
    import sys

    from workflows.definitions import asl_path

    files = [str(asl_path(name)) for name in MACHINES]
    done = subprocess.run([sys.executable, "-m", "workflows.cli", "validate", "--json", *files],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    verdicts = json.loads(done.stdout)
    verdicts = verdicts if isinstance(verdicts, list) else verdicts.get("files", verdicts)
    assert all(v["valid"] for v in verdicts), verdicts
