"""The `workflows` CLI: bad-input handling and the demo end to end (what `make demo` runs); `validate` is
tested in tests/validation."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from workflows.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("argv, message", [
    (["validate", "/no/such/file.json"], "/no/such/file.json: cannot read"),
    (["run", "signup", "--input", "{oops"], "--input is not valid JSON"),
    (["run", "signup", "--input", "@/no/such/input.json"], "--input: cannot read /no/such/input.json"),
    (["history", "not-an-arn"], "'not-an-arn' is not an execution ARN"),
    (["executions", "--max", "0"], "--max 0: must be at least 1"),
    (["up", "--port", "70000"], "--port 70000 is not a port number"),
    (["test", "/no/such/mocks.json"], "mock config '/no/such/mocks.json' not found"),
    (["demo", "--users", "1"], "--users 1: the demo needs at least 2 users"),
    (["run", "signup", "--wait", "-1"], "--wait -1.0: must be a number of seconds >= 0"),
    (["advance", "5x"], "'5x' is not a duration"),
    (["advance", "60", "--endpoint", "aws"], "AWS runs on real time"),
    (["advance", "60", "--endpoint", "http://127.0.0.1:9"], "no local stack answers at http://127.0.0.1:9"),
])
def test_bad_input_is_one_clear_line_and_non_zero(capsys, argv: list[str], message: str) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 1
    assert err.count("\n") == 1 and message in err


@pytest.mark.parametrize("argv, message", [
    (["run"], "workflows run: error: the following arguments are required: name"),
    (["run", "signup", "--wait", "soon"], "workflows run: error: argument --wait: invalid float value: 'soon'"),
    (["bogus"], "workflows: error: argument COMMAND: invalid choice: 'bogus'"),
])
def test_usage_errors_are_one_line_too(capsys, argv: list[str], message: str) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert err.count("\n") == 1 and message in err and "--help" in err


@pytest.mark.parametrize("text, seconds", [("90", 90), ("1.5", 1.5), ("90s", 90), ("15m", 900), ("2h", 7200),
                                           ("180d", 15_552_000), (" 0 ", 0)])
def test_advance_durations(text: str, seconds: float) -> None:
    from workflows.cli.clock import parse_seconds

    assert parse_seconds(text) == seconds


def test_no_running_stack_is_reported_plainly(capsys) -> None:
    code, _, err = run(capsys, "executions", "--endpoint", "http://127.0.0.1:9")
    assert code == 1 and "no local stack answers at http://127.0.0.1:9" in err


def test_demo_runs_every_step_and_passes(capsys) -> None:
    code, out, _ = run(capsys, "demo", "--json", "--users", "6")
    report = json.loads(out)
    assert [c for c in report["checks"] if not c["ok"]] == []
    assert code == 0 and report["ok"] is True
    paths = {e["label"]: e["path"] for e in report["executions"]}
    assert "MarkMigrated" in paths["migrate_user L-100"]  # completed by the sign-in's callback
    assert "InviteUser" in paths["migrate_user L-200"]  # reached its deadline on the virtual clock
    assert report["claims"]["access"]["userId"] == report["claims"]["id"]["userId"]
    names = {c["check"] for c in report["checks"]}
    assert {"operator: GET /executions/demo-1 -> 200 with its own run", "user: GET /executions/demo-1 -> 404, allowed",
            "virtual clock +179 days: still waiting", "+180 days, no sign-in: deadline -> invitation fallback"} <= names


def mock_config(tmp_path: Path, expected_duplicate_path: list[str]) -> str:
    """A Step Functions Local MockConfigFile for a small machine (with the harness's x-definitions/x-expect)."""
    put = "arn:aws:states:::dynamodb:putItem"
    (tmp_path / "save.asl.json").write_text(json.dumps({"StartAt": "Save", "States": {
        "Save": {"Type": "Task", "Resource": put, "Parameters": {"TableName": "t", "Item": {}},
                 "Catch": [{"ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"], "Next": "Duplicate"}],
                 "Next": "Done"},
        "Duplicate": {"Type": "Fail", "Error": "DuplicateEmail"}, "Done": {"Type": "Succeed"}}}))
    path = tmp_path / "MockConfigFile.json"
    path.write_text(json.dumps({
        "StateMachines": {"save": {"TestCases": {"Happy": {"Save": "Ok"}, "Duplicate": {"Save": "Taken"}}}},
        "MockedResponses": {"Ok": {"0": {"Return": {}}},
                            "Taken": {"0": {"Throw": {"Error": "DynamoDB.ConditionalCheckFailedException", "Cause": "x"}}}},
        "x-definitions": {"save": "save.asl.json"},
        "x-expect": {"save": {"Happy": {"path": ["Save", "Done"]},
                              "Duplicate": {"status": "FAILED", "path": expected_duplicate_path}}}}))
    return str(path)


def test_workflows_test_replays_a_mock_config(capsys, tmp_path: Path) -> None:
    code, out, _ = run(capsys, "test", "--json", mock_config(tmp_path, ["Save", "Duplicate"]))
    results = {r["testCase"]: r for r in json.loads(out)}
    assert code == 0 and {case: r["passed"] for case, r in results.items()} == {"Happy": True, "Duplicate": True}
    assert results["Duplicate"]["path"] == ["Save", "Duplicate"]


def test_workflows_test_fails_when_a_case_does_not_behave(capsys, tmp_path: Path) -> None:
    code, out, _ = run(capsys, "test", mock_config(tmp_path, ["Save", "Done"]))
    assert code == 1 and "Duplicate" in out


def test_test_command_takes_several_mock_configs(capsys, tmp_path: Path) -> None:
    """`workflows test tests/mocks/*.json`: every file replayed, one JSON document, worst exit code wins."""
    good = mock_config(tmp_path, ["Save", "Duplicate"])
    code, out, _ = run(capsys, "test", "--json", good, good)
    records = json.loads(out)
    assert code == 0 and len(records) == 4 and {r["mockConfig"] for r in records} == {good}
    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    bad = mock_config(bad_dir, ["Save", "Done"])
    code, out, _ = run(capsys, "test", "--json", good, bad)
    assert code == 1 and {r["mockConfig"] for r in json.loads(out)} == {good, bad}
    code, out, _ = run(capsys, "test", good, bad)
    assert code == 1 and out.count("Duplicate") >= 2
