"""`workflows test`: one's own definition files, --case with --sfn-local, config warnings on stderr."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from workflows.cli import main
from workflows.testing.mock_files import save_suite

CONFIG = {
    "StateMachines": {"orders": {"TestCases": {"Paid": {"Charge": "Charged"}, "Declined": {"Charge": "Declined"}}}},
    "MockedResponses": {
        "Charged": {"0": {"Return": {"StatusCode": 200, "Payload": {"paid": True}}}},
        "Declined": {"0": {"Throw": {"Error": "Lambda.ServiceException", "Cause": "card declined"}}}},
}
ORDERS = {"StartAt": "Charge", "States": {
    "Charge": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "OutputPath": "$.Payload",
               "Parameters": {"FunctionName": "charge", "Payload.$": "$"},
               "Catch": [{"ErrorEquals": ["Lambda.ServiceException"], "Next": "Refused"}], "End": True},
    "Refused": {"Type": "Fail", "Error": "Orders.Declined"}}}


@pytest.fixture(autouse=True)
def embedded(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SFN_LOCAL_ENDPOINT", "SFN_TARGET", "SFN_MOCK_CONFIG"):
        monkeypatch.delenv(name, raising=False)


def write(tmp_path: Path, sidecar: dict | None = None) -> Path:
    config = tmp_path / "orders.json"
    save_suite(config, CONFIG, sidecar)
    return config


def test_a_positional_definition_stands_for_the_configs_machine(capsys, tmp_path: Path) -> None:
    config = write(tmp_path, {"StateMachines": {"orders": {"TestCases": {
        "Paid": {"expect": {"output": {"paid": True}}},
        "Declined": {"expect": {"status": "FAILED", "error": "Orders.Declined", "path": ["Charge", "Refused"]}}}}}})
    definition = tmp_path / "orders.express.asl.json"  # .express: created EXPRESS
    definition.write_text(json.dumps(ORDERS))
    assert main(["test", str(config), str(definition), "--json"]) == 0
    records = {r["testCase"]: r for r in json.loads(capsys.readouterr().out)}
    assert records["Declined"]["path"] == ["Charge", "Refused"] and records["Paid"]["passed"]
    assert json.loads(config.read_text()) == CONFIG  # the files themselves are not touched


def test_named_definition_and_its_errors(capsys, tmp_path: Path) -> None:
    config = write(tmp_path)
    flow = tmp_path / "flow.json"
    flow.write_text(json.dumps(ORDERS))
    assert main(["test", str(config), "--definition", f"orders={flow}", "--case", "Paid", "--json"]) == 0
    assert [r["testCase"] for r in json.loads(capsys.readouterr().out)] == ["Paid"]
    assert main(["test", str(config), "--definition", f"billing={flow}"]) == 1
    assert "has no state machine 'billing' (have: orders); pass --definition NAME=" in capsys.readouterr().err
    assert main(["test", str(config), "--definition", f"orders={tmp_path / 'nope.json'}"]) == 1
    assert "not found" in capsys.readouterr().err


def test_sfn_local_plan_uses_the_given_definition_and_case(capsys, tmp_path: Path) -> None:
    config = write(tmp_path)
    flow = tmp_path / "flow.json"
    flow.write_text(json.dumps(ORDERS))
    assert main(["test", str(config), "--definition", f"orders={flow}", "--case", "Declined", "--sfn-local"]) == 0
    script = capsys.readouterr().out
    assert f"--definition file://{flow.resolve()}" in script
    assert "orders#Declined" in script and "orders#Paid" not in script


def test_legacy_keys_warn_on_stderr_in_one_line_and_still_run(capsys, tmp_path: Path) -> None:
    (tmp_path / "orders.asl.json").write_text(json.dumps(ORDERS))
    config = tmp_path / "old.json"
    config.write_text(json.dumps({**CONFIG, "x-definitions": {"orders": "orders.asl.json"},
                                  "x-expect": {"orders": {"Declined": {"status": "FAILED"}}}}))
    assert main(["test", str(config), "--json"]) == 0
    captured = capsys.readouterr()
    [warning] = captured.err.splitlines()
    assert warning.startswith("workflows test: warning: ") and "x-definitions, x-expect" in warning
    assert "old.expect.json" in warning
    assert all(r["passed"] for r in json.loads(captured.out))
