"""`workflows test MOCKCONFIG`: runs each test case on the embedded engine and reports it.

The configs here are AWS-only MockConfigFiles; definitions, inputs and expectations come from the
sidecar next to each (MockConfigFile.expect.json)."""
from __future__ import annotations

import io
import json

from rich.console import Console

from workflows.testing.mock_files import save_suite
from workflows.testing.runner import run_cases, run_mock_config

PUT = "arn:aws:states:::dynamodb:putItem"
DEFINITION = {
    "StartAt": "Save",
    "States": {
        "Save": {"Type": "Task", "Resource": PUT, "Parameters": {"TableName": "t", "Item": {}},
                 "Retry": [{"ErrorEquals": ["DynamoDB.ProvisionedThroughputExceededException"],
                            "MaxAttempts": 2, "IntervalSeconds": 30}],
                 "Catch": [{"ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"], "Next": "Duplicate"}],
                 "Next": "Done"},
        "Duplicate": {"Type": "Fail", "Error": "DuplicateEmail", "Cause": "email taken"},
        "Done": {"Type": "Succeed"},
    },
}


def write_config(tmp_path, expect=None, **cases) -> str:
    (tmp_path / "users.asl.json").write_text(json.dumps(DEFINITION))
    config = {
        "StateMachines": {"users": {"TestCases": {
            "Happy": {"Save": "PutOk"},
            "Throttled": {"Save": "ThrottleTwiceThenOk"},
            "Duplicate": {"Save": "Conditional"},
        }}},
        "MockedResponses": {
            "PutOk": {"0": {"Return": {}}},
            "ThrottleTwiceThenOk": {
                "0-1": {"Throw": {"Error": "DynamoDB.ProvisionedThroughputExceededException", "Cause": "slow"}},
                "2": {"Return": {}}},
            "Conditional": {"0": {"Throw": {"Error": "DynamoDB.ConditionalCheckFailedException",
                                            "Cause": "exists"}}},
        },
    }
    expect = expect or {
        "Happy": {"path": ["Save", "Done"]},
        "Throttled": {"path": ["Save", "Done"]},
        "Duplicate": {"status": "FAILED", "error": "DuplicateEmail", "path": ["Save", "Duplicate"]},
    }
    sidecar = {"StateMachines": {"users": {"definition": "users.asl.json", "TestCases": {
        case: {"expect": want} for case, want in expect.items()}}}}
    path = tmp_path / "MockConfigFile.json"
    save_suite(path, config, sidecar)
    return str(path)


def test_every_case_runs_with_retries_consuming_mocked_invocations(tmp_path):
    results = {r.case: r for r in run_cases(write_config(tmp_path))}
    assert all(r.passed for r in results.values()), [r.problems for r in results.values()]
    assert results["Duplicate"].status == "FAILED" and results["Duplicate"].error == "DuplicateEmail"
    assert results["Throttled"].status == "SUCCEEDED"


def test_table_and_exit_code(tmp_path):
    out = io.StringIO()
    code = run_mock_config(write_config(tmp_path), console=Console(file=out, width=200))
    text = out.getvalue()
    assert code == 0
    assert "Duplicate" in text and "Save → Duplicate" in text and "3 passed, 0 failed" in text


def test_case_filter_and_unexpected_status_fails(tmp_path):
    path = write_config(tmp_path, expect={"Duplicate": {"status": "SUCCEEDED"}})
    out = io.StringIO()
    assert run_mock_config(path, case="Duplicate", console=Console(file=out, width=200)) == 1
    assert "1 passed" not in out.getvalue() and "expected SUCCEEDED" in out.getvalue()


def test_wrong_mock_is_reported_naming_state_and_field(tmp_path):
    path = write_config(tmp_path)
    config = json.loads(open(path).read())
    config["MockedResponses"]["PutOk"]["0"]["Return"] = {"Atributes": {}}
    open(path, "w").write(json.dumps(config))
    results = {r.case: r for r in run_cases(path, case="Happy")}
    problem = results["Happy"].problems[0]
    assert "state 'Save'" in problem and "'Atributes'" in problem


def test_unknown_case_is_a_usage_error(tmp_path):
    out = io.StringIO()
    assert run_mock_config(write_config(tmp_path), case="Nope", console=Console(file=out)) == 2
    assert "no test case 'Nope'" in out.getvalue()


def test_main_json_output_is_what_the_cli_prints(tmp_path, capsys):
    from workflows.testing.runner import main

    path = write_config(tmp_path)
    assert main(path, case="Duplicate", as_json=True, target="embedded") == 0
    document = json.loads(capsys.readouterr().out)
    assert document == [{"mockConfig": str(path), "stateMachine": "users", "testCase": "Duplicate", "status": "FAILED",
                         "error": "DuplicateEmail", "path": ["Save", "Duplicate"], "passed": True,
                         "problems": []}]


def test_report_prints_problems_and_errors_literally() -> None:
    # a cause or expectation with "[/x]" in it is text, not rich markup (it used to raise MarkupError)
    from workflows.testing.runner import CaseResult, _report

    buffer = io.StringIO()
    _report([CaseResult("users", "Odd", "FAILED", ["[draft]"], "E[/x]", ["path ['[draft]'], expected [/y]"])],
            Console(file=buffer, width=300))
    printed = buffer.getvalue()
    assert "E[/x]" in printed and "expected [/y]" in printed and "[draft]" in printed
