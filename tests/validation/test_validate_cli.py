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


def test_a_directory_stands_for_its_definitions(capsys, tmp_path: Path) -> None:
    (tmp_path / "nested").mkdir()
    good = {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}
    (tmp_path / "a.asl.json").write_text(json.dumps(good))
    (tmp_path / "nested" / "b.express.asl.json").write_text(json.dumps(good))
    (tmp_path / "notes.json").write_text("not a definition")
    code, out, _ = run(capsys, "validate", "--json", str(tmp_path))
    results = json.loads(out)
    assert code == 0 and [(Path(r["file"]).name, r["type"]) for r in results] == [
        ("a.asl.json", "STANDARD"), ("b.express.asl.json", "EXPRESS")]
    code, _, err = run(capsys, "validate", str(tmp_path / "missing"))
    assert code == 1 and f"{tmp_path / 'missing'}: cannot read" in err
    (tmp_path / "empty").mkdir()
    code, _, err = run(capsys, "validate", str(tmp_path / "empty"))
    assert code == 1 and f"{tmp_path / 'empty'}: a directory with no *.asl.json file below it" in err


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
    expected = [{"file": str(good), "type": "STANDARD", "valid": True, "problems": []}]
    assert code == 0 and json.loads(out) == expected  # ... and not shown


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


LOOP = {"StartAt": "Tick", "States": {"Tick": {"Type": "Wait", "Seconds": 60, "Next": "Tick"}}}


def test_statelints_extra_opinion_is_a_warning_shown_only_with_warnings(capsys, tmp_path: Path) -> None:
    loop = tmp_path / "loop.asl.json"
    loop.write_text(json.dumps(LOOP))  # AWS accepts a machine that never ends; statelint wants a terminal state
    code, out, _ = run(capsys, "validate", "--json", str(loop))
    assert code == 0 and json.loads(out) == [{"file": str(loop), "type": "STANDARD", "valid": True, "problems": []}]
    code, out, _ = run(capsys, "validate", "--json", "--warnings", str(loop))
    [result] = json.loads(out)
    assert code == 0 and result["valid"] and result["problems"] == []
    assert [(w["checker"], w["severity"], w["message"]) for w in result["warnings"]] == [
        ("statelint", "WARNING", "No terminal state found in machine at State Machine.States")]
    code, out, _ = run(capsys, "validate", "--warnings", str(loop))
    assert code == 0 and f"valid    {loop}" in out
    assert (f"warning  {loop}: top level, field States: No terminal state found in machine at State Machine.States "
            "[statelint]") in out


def test_a_filter_jayway_cannot_read_is_valid_with_a_warning(capsys, tmp_path: Path) -> None:
    """AWS accepts `[?(@.Name==Receipt)]` but the state fails when it runs: valid, and --warnings says why."""
    machine = tmp_path / "receipt.asl.json"
    machine.write_text(json.dumps({"StartAt": "P", "States": {"P": {
        "Type": "Pass", "Parameters": {"receipt.$": "$.Labels[?(@.Name==Receipt)]"}, "End": True}}}))
    code, out, _ = run(capsys, "validate", "--json", "--warnings", str(machine))
    [result] = json.loads(out)
    assert code == 0 and result["valid"] and result["problems"] == []
    [warning] = result["warnings"]
    assert (warning["checker"], warning["code"], warning["state"], warning["field"], warning["location"]) == (
        "engine", "UNREADABLE_FILTER", "P", "Parameters.receipt.$", "/States/P/Parameters/receipt.$")
    assert warning["message"] == (
        '"$.Labels[?(@.Name==Receipt)]": the literal Receipt is neither a number nor a quoted string (quote it: '
        "'Receipt'). AWS accepts the definition, but Jayway cannot read this filter, so the state fails "
        "(States.Runtime) when it evaluates the path")
    code, out, _ = run(capsys, "validate", "--json", str(machine))
    assert code == 0 and json.loads(out) == [{"file": str(machine), "type": "STANDARD", "valid": True, "problems": []}]


DISTRIBUTED = {"Type": "Map", "End": True, "Label": "Rows", "MaxConcurrency": 10,
               "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                              "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW", "MaxItems": 10},
                              "Parameters": {"Bucket.$": "$.detail.bucket['name']", "Key.$": "$.detail.object.key"}},
               "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                                 "StartAt": "Row", "States": {"Row": {"Type": "Pass", "End": True}}}}
FALSE_ALARMS = {
    "integer BackoffRate": machine_with_retry(2),
    "hyphen, filter, bracket and '$.[0]' paths": {"StartAt": "P", "States": {"P": {
        "Type": "Pass", "End": True, "InputPath": "$.detail-type", "Parameters": {
            "maps.$": "$.Tasks[?(@.TaskType == 'Map')]", "flow.$": "$.detail['flow-name']", "first.$": "$.[0]"}}}},
    "Distributed Map Label and ReaderConfig": {"StartAt": "M", "States": {"M": DISTRIBUTED}},
    "JSONata Items": {"QueryLanguage": "JSONata", "StartAt": "M", "States": {"M": {
        "Type": "Map", "End": True, "Items": "{% $states.input.rows%}",
        "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}}}}},
    "reference paths in ErrorPath and *Path comparators": {"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Default": "F", "Choices": [
            {"Variable": "$.count", "NumericGreaterThanPath": "$.limits['max-count']", "Next": "F"}]},
        "F": {"Type": "Fail", "ErrorPath": "$.error-name", "CausePath": "$.cause"}}},
}


@pytest.mark.parametrize("name", FALSE_ALARMS)
def test_statelints_known_false_alarms_are_not_shown(capsys, tmp_path: Path, name: str) -> None:
    from workflows.cli.validate import statelint_messages

    assert statelint_messages(FALSE_ALARMS[name])  # statelint does object ...
    good = tmp_path / "good.asl.json"
    good.write_text(json.dumps(FALSE_ALARMS[name]))
    code, out, _ = run(capsys, "validate", "--json", "--warnings", str(good))
    assert code == 0 and json.loads(out) == [  # ... and AWS accepts it: no problem, no warning
        {"file": str(good), "type": "STANDARD", "valid": True, "problems": [], "warnings": []}]


def test_statelint_agreeing_with_the_engine_is_one_problem(capsys, tmp_path: Path) -> None:
    bad = tmp_path / "bad.asl.json"
    bad.write_text(json.dumps({"StartAt": "C", "States": {"C": {"Type": "Choice", "Default": "D", "Choices": [
        {"Variable": "$.a", "NumericEquals": "x", "Next": "D"}]}, "D": {"Type": "Succeed"}}}))
    code, out, _ = run(capsys, "validate", "--json", "--warnings", str(bad))
    [result] = json.loads(out)
    assert code == 1 and result["warnings"] == []
    [problem] = result["problems"]
    assert problem["checker"] == "engine" and problem["also"] == [
        {"checker": "statelint", "message": 'State Machine.States.C.Choices[0].NumericEquals is "x" but should be numeric'}]
