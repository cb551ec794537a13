"""`workflows validate`: the engine's checker decides; each problem names file, state, field and value."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from workflows.cli import main
from workflows.definitions import ASL_DIR


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_validate_accepts_every_asl_file(capsys) -> None:
    files = sorted(str(p) for p in ASL_DIR.glob("*.asl.json"))
    code, out, _ = run(capsys, "validate", "--json", *files)
    assert code == 0
    assert [r["valid"] for r in json.loads(out)] == [True] * len(files)


def test_validate_names_state_and_field(capsys, tmp_path: Path) -> None:
    bad = tmp_path / "bad.asl.json"
    bad.write_text(json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}}))
    code, out, _ = run(capsys, "validate", str(bad))
    assert code == 1
    assert f"{bad}: state 'A', field Next: Missing 'Next' target: Nowhere" in out


def machine_with_retry(backoff_rate: object, **task: object) -> dict:
    return {"StartAt": "Call it.v2", "States": {"Call it.v2": {
        "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f", "End": True,
        "Retry": [{"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 1, "BackoffRate": backoff_rate}], **task}}}


def test_integer_backoff_rate_is_valid(capsys, tmp_path: Path) -> None:
    from workflows.cli.validate import statelint_messages

    document = machine_with_retry(2)
    assert statelint_messages(document) == [  # statelint's false alarm is really there ...
        "State Machine.States.Call it.v2.Retry[0].BackoffRate is 2 but should be a Float"]
    good = tmp_path / "integer_backoff.asl.json"
    good.write_text(json.dumps(document))
    code, out, _ = run(capsys, "validate", "--json", str(good))
    assert code == 0 and json.loads(out) == [{"file": str(good), "valid": True, "problems": []}]  # ... and not shown


@pytest.mark.parametrize("backoff_rate, task, field, words", [
    (0, {}, "Retry[0].BackoffRate", "BackoffRate is 0; AWS requires a number >= 1.0"),
    (0.5, {}, "Retry[0].BackoffRate", "BackoffRate is 0.5; AWS requires a number >= 1.0"),
    (2, {"TimeoutSeconds": "x"}, "TimeoutSeconds", 'TimeoutSeconds is "x"; AWS requires an integer from 1 to 99999999'),
    (2.0, {"HeartbeatSeconds": 1.5}, "HeartbeatSeconds",
     "HeartbeatSeconds is 1.5; AWS requires an integer from 1 to 99999999"),
])
def test_the_engine_words_a_problem_statelint_also_finds(capsys, tmp_path: Path, backoff_rate: object, task: dict,
                                                        field: str, words: str) -> None:
    bad = tmp_path / "bad.asl.json"
    bad.write_text(json.dumps(machine_with_retry(backoff_rate, **task)))
    code, out, _ = run(capsys, "validate", str(bad))
    assert code == 1
    assert f"{bad}: state 'Call it.v2', field {field}: {words} [engine+statelint SCHEMA_VALIDATION_FAILED]" in out
    code, out, _ = run(capsys, "validate", "--json", str(bad))
    problems = json.loads(out)[0]["problems"]
    assert code == 1 and [(p["state"], p["field"], p["checker"]) for p in problems] == [("Call it.v2", field, "engine")]


def test_validate_reports_a_problem_both_checkers_find_once(capsys, tmp_path: Path) -> None:
    bad = tmp_path / "nested.asl.json"
    bad.write_text(json.dumps({"StartAt": "M", "States": {"M": {"Type": "Map", "End": True, "ItemProcessor": {
        "StartAt": "I", "States": {"I": {"Type": "Pass", "End": True, "Bogus": 1}}}}}}))
    code, out, _ = run(capsys, "validate", "--json", str(bad))
    [problem] = json.loads(out)[0]["problems"]
    assert code == 1 and (problem["state"], problem["field"]) == ("I", "Bogus")
    assert problem["checker"] == "engine" and [a["checker"] for a in problem["also"]] == ["statelint"]


def test_unreadable_file_is_one_clear_line(capsys) -> None:
    code, _, err = run(capsys, "validate", "/no/such/file.json")
    assert code == 1 and err.count("\n") == 1 and "/no/such/file.json: cannot read" in err
