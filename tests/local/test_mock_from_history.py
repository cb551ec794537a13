"""`workflows mock-from-history`: a real run that retried and caught an error becomes a MockConfigFile
test case (every Task attempt, "0"/"1"/... with Throw for the failed ones), and `workflows test`
replays the identical path offline - from an execution ARN on an endpoint and from a saved history."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import pytest

from workflows.cli import main
from workflows.cli.mock_from_history import invocation_keys, read_history
from workflows.local.stack import LocalStack

CALLS: dict[str, int] = {}


class Flaky(Exception):
    pass


class Broken(Exception):
    pass


def flaky(event: Any, context: Any) -> dict[str, Any]:
    """Fails twice, then works: the run's Retry takes two turns."""
    CALLS["flaky"] = CALLS.get("flaky", 0) + 1
    if CALLS["flaky"] <= 2:
        raise Flaky(f"attempt {CALLS['flaky']} failed")
    return {"reserved": event["order"], "attempts": CALLS["flaky"]}


def broken(event: Any, context: Any) -> dict[str, Any]:
    raise Broken("the warehouse is closed")


def notify(event: Any, context: Any) -> dict[str, Any]:
    return {"notified": event["who"]}


ORDER = {"StartAt": "Reserve", "States": {
    "Reserve": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:flaky",
                "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "MaxAttempts": 3}],
                "ResultPath": "$.reservation", "Next": "Ship"},
    "Ship": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:broken",
             "Retry": [{"ErrorEquals": ["Broken"], "IntervalSeconds": 1, "MaxAttempts": 1}],
             "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.shipError", "Next": "Tell"}],
             "Next": "Done"},
    "Tell": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
             "Parameters": {"FunctionName": "notify", "Payload": {"who.$": "$.customer"}},
             "ResultSelector": {"told.$": "$.Payload.notified"}, "ResultPath": "$.told", "Next": "Done"},
    "Done": {"Type": "Succeed"}}}
PATH = ["Reserve", "Ship", "Tell", "Done"]


@pytest.fixture(scope="module")
def recorded() -> Iterator[dict[str, Any]]:
    CALLS.clear()
    with LocalStack(functions={"flaky": flaky, "broken": broken, "notify": notify}) as local:
        sfn = local.client("stepfunctions")
        arn = sfn.create_state_machine(name="orders", definition=json.dumps(ORDER),
                                       roleArn="arn:aws:iam::123456789012:role/orders")["stateMachineArn"]
        execution = sfn.start_execution(stateMachineArn=arn, name="order-42",
                                        input=json.dumps({"order": 42, "customer": "ada"}))["executionArn"]
        described = sfn.describe_execution(executionArn=execution)
        events = sfn.get_execution_history(executionArn=execution, maxResults=1000)["events"]
        yield {"local": local, "arn": execution, "described": described, "events": events}


def test_the_recorded_run_really_retried_and_caught(recorded: dict[str, Any]) -> None:
    assert recorded["described"]["status"] == "SUCCEEDED"
    path = [e["stateEnteredEventDetails"]["name"] for e in recorded["events"] if "stateEnteredEventDetails" in e]
    assert path == PATH
    assert [e["type"] for e in recorded["events"]].count("LambdaFunctionFailed") == 4  # 2 flaky + 2 broken


def test_an_execution_arn_becomes_a_test_case_that_replays_the_same_path(
        recorded: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "orders.mock.json"
    code = main(["mock-from-history", recorded["arn"], "--endpoint", recorded["local"].url, "-o", str(config),
                 "--json"])
    written = json.loads(capsys.readouterr().out)
    assert code == 0 and written["testCase"] == "order-42" and written["problems"] == []
    document = json.loads(config.read_text())
    assert set(document) == {"StateMachines", "MockedResponses"}  # AWS's format, nothing else
    assert document["StateMachines"] == {"orders": {"TestCases": {"order-42": {
        "Reserve": "order-42.Reserve", "Ship": "order-42.Ship", "Tell": "order-42.Tell"}}}}
    reserve = document["MockedResponses"]["order-42.Reserve"]
    assert list(reserve) == ["0", "1", "2"]  # one per attempt, each with its own recorded cause
    assert [reserve[k]["Throw"]["Error"] for k in ("0", "1")] == ["Flaky", "Flaky"]
    assert json.loads(reserve["1"]["Throw"]["Cause"])["errorMessage"] == "attempt 2 failed"
    assert reserve["2"] == {"Return": {"reserved": 42, "attempts": 3}}
    ship = document["MockedResponses"]["order-42.Ship"]
    assert list(ship) == ["0", "1"] and {ship[k]["Throw"]["Error"] for k in ship} == {"Broken"}
    assert document["MockedResponses"]["order-42.Tell"]["0"]["Return"]["Payload"] == {"notified": "ada"}
    sidecar = json.loads(Path(written["sidecar"]).read_text())
    spec = sidecar["StateMachines"]["orders"]
    assert spec["definition"] == "orders.asl.json" and json.loads((tmp_path / "orders.asl.json").read_text()) == ORDER
    assert spec["TestCases"]["order-42"] == {"input": {"order": 42, "customer": "ada"},
                                             "expect": {"status": "SUCCEEDED", "path": PATH}}

    CALLS.clear()  # offline: the handlers are not called at all on replay
    code = main(["test", str(config), "--json"])
    [result] = json.loads(capsys.readouterr().out)
    assert code == 0 and result["passed"] and result["path"] == PATH and result["status"] == "SUCCEEDED"
    assert CALLS == {}


def test_a_saved_history_with_its_definition_replays_too(recorded: dict[str, Any], tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["history", recorded["arn"], "--endpoint", recorded["local"].url, "--json"])
    assert code == 0
    saved = tmp_path / "history.json"
    saved.write_text(capsys.readouterr().out)
    definition = tmp_path / "orders.asl.json"
    definition.write_text(json.dumps(ORDER))
    config = tmp_path / "mocks" / "orders.json"
    code = main(["mock-from-history", str(saved), "--definition", str(definition), "-o", str(config)])
    out = capsys.readouterr().out
    assert code == 0 and "Task attempts" in out and "workflows test" in out
    assert json.loads((tmp_path / "mocks" / "orders.expect.json").read_text())["StateMachines"]["orders"][
        "definition"] == "../orders.asl.json"
    assert main(["test", str(config)]) == 0


def test_a_second_recording_adds_its_case(recorded: dict[str, Any], tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "orders.mock.json"
    for case in ("first", "second"):
        assert main(["mock-from-history", recorded["arn"], "--endpoint", recorded["local"].url, "-o", str(config),
                     "--case", case]) == 0
    capsys.readouterr()
    assert set(json.loads(config.read_text())["StateMachines"]["orders"]["TestCases"]) == {"first", "second"}
    code = main(["test", str(config), "--json"])
    assert code == 0 and [r["testCase"] for r in json.loads(capsys.readouterr().out)] == ["first", "second"]


def test_what_a_mock_cannot_replay_is_reported() -> None:
    started = {"id": 1, "previousEventId": 0, "type": "ExecutionStarted",
               "executionStartedEventDetails": {"input": "{}"}}
    entered = {"id": 2, "previousEventId": 1, "type": "TaskStateEntered", "stateEnteredEventDetails": {"name": "T"}}
    scheduled = {"id": 3, "previousEventId": 2, "type": "TaskScheduled", "taskScheduledEventDetails": {}}
    aborted = {"id": 4, "previousEventId": 3, "type": "ExecutionAborted", "executionAbortedEventDetails": {}}
    recording = read_history([started, entered, scheduled, aborted], "m", "c")
    assert recording.status == "ABORTED"
    assert any("never finished" in p for p in recording.problems)
    with pytest.raises(Exception, match="ExecutionStarted"):
        read_history([entered], "m", "c")


def test_invocation_keys_group_runs_of_identical_outcomes() -> None:
    a, b = {"Throw": {"Error": "E"}}, {"Return": 1}
    assert invocation_keys([a, a, b]) == {"0-1": a, "2": b}
    assert invocation_keys([a, b, a]) == {"0": a, "1": b, "2": a}


def test_a_history_file_without_a_machine_name_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saved = tmp_path / "h.json"
    saved.write_text(json.dumps({"events": []}))
    assert main(["mock-from-history", str(saved)]) == 1
    assert "pass --state-machine NAME" in capsys.readouterr().err


def test_the_replay_takes_every_retry_and_catch_turn_of_the_recording(recorded: dict[str, Any], tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """Not only the states entered: the same events in the same order (each failed attempt, each retry)."""
    from workflows.engine import StepFunctions
    from workflows.testing.mock_files import load_suite

    config = tmp_path / "orders.mock.json"
    assert main(["mock-from-history", recorded["arn"], "--endpoint", recorded["local"].url, "-o", str(config)]) == 0
    capsys.readouterr()
    sfn = StepFunctions(mock_config=load_suite(config).mocker)
    arn = sfn.create_state_machine(name="orders", definition=json.dumps(ORDER),
                                   roleArn="arn:aws:iam::123456789012:role/orders")["stateMachineArn"]
    run = sfn.start_execution(stateMachineArn=f"{arn}#order-42", input=json.dumps({"order": 42, "customer": "ada"}))
    replayed = sfn.get_execution_history(executionArn=run["executionArn"], maxResults=1000)["events"]
    assert [e["type"] for e in replayed] == [e["type"] for e in recorded["events"]]
    assert json.loads(sfn.describe_execution(executionArn=run["executionArn"])["output"]) == \
        json.loads(recorded["described"]["output"])
