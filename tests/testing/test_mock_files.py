"""MockConfigFiles stay exactly AWS's format; the harness's extras live in the sidecar next to each.

- every MockConfigFile the repository ships has AWS's two top-level keys, no other, and validates
  against the schema written from AWS's documentation (workflows/testing/schemas/);
- the schema and the loader agree on what is malformed, so the two cannot drift apart;
- sidecars (<config>.expect.json): naming, parsing, errors that name the field, precedence;
- configs with the old x-* keys warn, naming the keys, and still run.
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from workflows.engine import StepFunctions
from workflows.testing import mock_sidecar, result_shapes, schemas
from workflows.testing.mock_config import MockConfigError, MockConfigWarning, MockValidationError, load
from workflows.testing.mock_files import load_suite, save_suite
from workflows.testing.runner import config_paths, run_cases

ROOT = Path(__file__).resolve().parents[2]
SKIP_DIRS = {".venv", "node_modules", "cdk.out", ".git"}
AWS_DOC = "https://docs.aws.amazon.com/step-functions/latest/dg/sfn-local-mock-cfg-file.html"


def shipped_mock_configs() -> list[Path]:
    """Every JSON file in the repository that is a MockConfigFile (or tries to be one)."""
    found = []
    for path in sorted(ROOT.rglob("*.json")):
        if SKIP_DIRS & set(path.relative_to(ROOT).parts) or mock_sidecar.is_sidecar(path):
            continue
        if path.parent == ROOT / "tests" / "mocks":
            found.append(path)
            continue
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(document, dict) and {"StateMachines", "MockedResponses"} & set(document):
            found.append(path)
    return found


SHIPPED = shipped_mock_configs()


def test_the_shipped_configs_are_found() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in SHIPPED}
    assert {f"tests/mocks/{m}.json" for m in ("signup", "create_profile", "guard", "migrate_user",
                                              "migrate_batch")} <= names
    assert "tests/testing/portable/mock_config.json" in names
    assert any(name.startswith("tests/asl/fault_injection/") for name in names)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_shipped_mock_config_is_exactly_aws_format(path: Path) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    assert list(document) == ["StateMachines", "MockedResponses"]
    assert schemas.problems(document, schemas.MOCK_CONFIG, str(path)) == []
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no MockConfigWarning either
        load(path)


@pytest.mark.parametrize("path", [p for p in SHIPPED if mock_sidecar.sidecar_path(p).exists()],
                         ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_shipped_sidecar_fits_its_config(path: Path) -> None:
    sidecar = json.loads(mock_sidecar.sidecar_path(path).read_text(encoding="utf-8"))
    assert schemas.problems(sidecar, schemas.SIDECAR) == []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        suite = load_suite(path)
    assert set(suite.sidecar.machines) <= set(suite.mocker.test_cases)


def test_the_schema_is_written_from_aws_documentation_and_names_its_two_keys() -> None:
    document = schemas.schema(schemas.MOCK_CONFIG)
    assert AWS_DOC in document["description"]
    assert schemas.top_level_keys(schemas.MOCK_CONFIG) == ("StateMachines", "MockedResponses")
    assert document["additionalProperties"] is False and document["required"] == ["StateMachines", "MockedResponses"]


def good() -> dict:
    return {"StateMachines": {"m": {"TestCases": {"Happy": {"Save": "Ok"}, "Empty": {}}}},
            "MockedResponses": {"Ok": {"0": {"Return": {"StatusCode": 200, "Payload": {"a": 1}}}, "1-2": {"Throw": {"Error": "E", "Cause": "c"}}}}}


def mutate(change):
    document = good()
    change(document)
    return document


# malformed in ways AWS's documentation states; the loader and the schema must both refuse each
MALFORMED = {
    "no MockedResponses": lambda d: d.pop("MockedResponses"),
    "no StateMachines": lambda d: d.pop("StateMachines"),
    "StateMachines not an object": lambda d: d.update(StateMachines=[]),
    "machine without TestCases": lambda d: d["StateMachines"].update(m={}),
    "test case not an object": lambda d: d["StateMachines"]["m"]["TestCases"].update(Happy="Ok"),
    "state mapped to a non-string": lambda d: d["StateMachines"]["m"]["TestCases"]["Happy"].update(Save=1),
    "response with no invocations": lambda d: d["MockedResponses"].update(Ok={}),
    "invocation key not a number": lambda d: d["MockedResponses"].update(Ok={"first": {"Return": {}}}),
    "invocation key with spaces": lambda d: d["MockedResponses"].update(Ok={" 0": {"Return": {}}}),
    "both Return and Throw": lambda d: d["MockedResponses"].update(
        Ok={"0": {"Return": {}, "Throw": {"Error": "E", "Cause": "c"}}}),
    "neither Return nor Throw": lambda d: d["MockedResponses"].update(Ok={"0": {}}),
    "extra field next to Return": lambda d: d["MockedResponses"]["Ok"]["0"].update(Delay=1),
    "Throw without Cause": lambda d: d["MockedResponses"].update(Ok={"0": {"Throw": {"Error": "E"}}}),
    "Throw with a numeric Error": lambda d: d["MockedResponses"].update(Ok={"0": {"Throw": {"Error": 1, "Cause": "c"}}}),
    "Throw with an extra field": lambda d: d["MockedResponses"].update(
        Ok={"0": {"Throw": {"Error": "E", "Cause": "c", "Code": 1}}}),
}


@pytest.mark.parametrize("name", MALFORMED)
def test_schema_and_loader_refuse_the_same_malformed_configs(name: str) -> None:
    document = mutate(MALFORMED[name])
    assert schemas.problems(document, schemas.MOCK_CONFIG), f"schema accepts: {name}"
    with pytest.raises(MockConfigError):
        load(document)


def test_schema_and_loader_accept_aws_documented_example() -> None:
    # the example on AWS's page: ranges "1-2", a test case mocking one state only (HybridPath)
    example = {
        "StateMachines": {"LambdaSQSIntegration": {"TestCases": {
            "HappyPath": {"LambdaState": "MockedLambdaSuccess", "SQSState": "MockedSQSSuccess"},
            "RetryPath": {"LambdaState": "MockedLambdaRetry", "SQSState": "MockedSQSSuccess"},
            "HybridPath": {"LambdaState": "MockedLambdaSuccess"}}}},
        "MockedResponses": {
            "MockedLambdaSuccess": {"0": {"Return": {"StatusCode": 200, "Payload": {"StatusCode": 200, "body": "Hello"}}}},
            "MockedSQSSuccess": {"0": {"Return": {"MD5OfMessageBody": "x", "MessageId": "y"}}},
            "MockedLambdaRetry": {"0": {"Throw": {"Error": "Lambda.ResourceNotReadyException", "Cause": "not ready"}},
                                  "1-2": {"Throw": {"Error": "Lambda.TimeoutException", "Cause": "timed out"}},
                                  "3": {"Return": {"StatusCode": 200, "Payload": {}}}}},
    }
    assert schemas.problems(example, schemas.MOCK_CONFIG) == []
    assert len(load(example).responses["MockedLambdaRetry"].outcomes) == 4


# -- unknown top-level keys ------------------------------------------------------------------------
def test_unknown_top_level_keys_warn_naming_them_and_the_config_still_loads() -> None:
    with pytest.warns(MockConfigWarning) as caught:
        mocker = load({**good(), "Comment": "mine", "Version": 2}, source="mine.json")
    message = str(caught[0].message)
    assert "mine.json" in message and "Comment, Version" in message and "StateMachines and MockedResponses" in message
    assert "harness still reads" not in message
    assert "Happy" in mocker.test_cases["m"]


def legacy_config(tmp_path: Path) -> Path:
    """A config in the old style: the harness's keys embedded in the MockConfigFile."""
    (tmp_path / "m.asl.json").write_text(json.dumps({"StartAt": "Save", "States": {
        "Save": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True}}}))
    path = tmp_path / "old.json"
    path.write_text(json.dumps({
        **good(),
        "x-definitions": {"m": "m.asl.json"},
        "x-inputs": {"m": {"Happy": {"who": "x"}}},
        "x-expect": {"m": {"Happy": {"path": ["Save"]}, "Empty": {"status": "FAILED"}}},
        "x-validation": "off",
    }))
    return path


def test_legacy_x_keys_warn_and_still_drive_the_run(tmp_path: Path) -> None:
    path = legacy_config(tmp_path)
    with pytest.warns(MockConfigWarning, match=r"x-definitions, x-inputs, x-expect, x-validation.*old\.expect\.json"):
        results = {r.case: r for r in run_cases(path)}
    assert results["Happy"].passed and results["Happy"].path == ["Save"]
    # x-expect said Empty must fail; unmocked it calls the real (absent) Lambda and fails
    assert results["Empty"].status == "FAILED" and results["Empty"].passed
    with pytest.warns(MockConfigWarning):
        suite = load_suite(path)
    assert suite.case("m", "Happy").input == {"who": "x"}
    assert suite.mocker.validation == result_shapes.NONE and list(suite.config) == ["StateMachines", "MockedResponses"]


def test_split_legacy_then_save_is_the_migration(tmp_path: Path) -> None:
    path = legacy_config(tmp_path)
    config, sidecar = mock_sidecar.split_legacy(json.loads(path.read_text()))
    saved = save_suite(path, config, sidecar)
    assert saved.sidecar == tmp_path / "old.expect.json"
    assert list(json.loads(path.read_text())) == ["StateMachines", "MockedResponses"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        suite = load_suite(path)
    assert suite.case("m", "Happy").input == {"who": "x"} and suite.mocker.validation == result_shapes.NONE
    assert suite.sidecar.machine("m").definition == tmp_path / "m.asl.json"
    assert {r.case: r.passed for r in run_cases(path)} == {"Happy": True, "Empty": True}


def test_a_sidecar_file_wins_over_leftover_x_keys(tmp_path: Path) -> None:
    path = legacy_config(tmp_path)
    mock_sidecar.sidecar_path(path).write_text(json.dumps({"StateMachines": {"m": {
        "definition": "m.asl.json", "TestCases": {"Happy": {"input": {"who": "sidecar"}}}}}}))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        suite = load_suite(path)
    messages = [str(w.message) for w in caught]
    assert any("ignoring x-inputs" in m and "old.expect.json exists" in m for m in messages), messages
    assert any("are not in AWS's MockConfigFile format" in m for m in messages), messages
    assert suite.case("m", "Happy").input == {"who": "sidecar"}
    assert suite.mocker.validation == result_shapes.STRICT  # x-validation "off" is ignored too


# -- sidecar -----------------------------------------------------------------------------------------
def test_sidecar_names() -> None:
    assert mock_sidecar.sidecar_path("tests/mocks/signup.json") == Path("tests/mocks/signup.expect.json")
    assert mock_sidecar.sidecar_path("MockConfigFile") == Path("MockConfigFile.expect.json")
    assert mock_sidecar.config_path_for("tests/mocks/signup.expect.json") == Path("tests/mocks/signup.json")
    assert mock_sidecar.config_path_for("tests/mocks/signup.json") == Path("tests/mocks/signup.json")
    # `workflows test tests/mocks/*.json` sees both files of each pair; each config runs once
    assert config_paths(["a/x.expect.json", "a/x.json", "a/y.json"]) == [Path("a/x.json"), Path("a/y.json")]
    assert config_paths(["a/z.expect.json", "a/y.json", "a/y.json"]) == [Path("a/z.json"), Path("a/y.json"), Path("a/y.json")]


def write_pair(tmp_path: Path, sidecar: dict) -> Path:
    path = tmp_path / "MockConfigFile.json"
    path.write_text(json.dumps(good()))
    mock_sidecar.sidecar_path(path).write_text(json.dumps(sidecar))
    return path


@pytest.mark.parametrize("sidecar, message", [
    ({"StateMachines": {"m": {"TestCases": {"Happy": {"expect": {"status": "DONE"}}}}}},
     r"StateMachines\.m\.TestCases\.Happy\.expect\.status: 'DONE' is not one of"),
    ({"StateMachines": {"m": {"TestCases": {"Happy": {"inputs": {}}}}}},
     r"StateMachines\.m\.TestCases\.Happy: Additional properties .*'inputs'"),
    ({"validation": "loose"}, r"validation: 'loose' is not one of"),
    ({"StateMachines": {"other": {"TestCases": {}}}}, r"StateMachines\.other is not in the mock config \(its state machines: m\)"),
    ({"StateMachines": {"m": {"TestCases": {"Hapy": {}}}}}, r"TestCases\.Hapy is not a test case of m .*Empty, Happy"),
])
def test_bad_sidecars_are_refused_naming_file_and_field(tmp_path: Path, sidecar: dict, message: str) -> None:
    path = write_pair(tmp_path, sidecar)
    with pytest.raises(MockConfigError, match=message) as info:
        load_suite(path)
    assert "MockConfigFile.expect.json" in str(info.value)


def test_sidecar_validation_mode_also_applies_when_the_engine_loads_the_path(tmp_path: Path) -> None:
    definition = {"StartAt": "Save", "States": {"Save": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
                                                         "End": True}}}
    config = good()
    config["MockedResponses"]["Ok"] = {"0": {"Return": {"Atributes": {}}}}  # no such PutItem field
    path = tmp_path / "MockConfigFile.json"
    path.write_text(json.dumps(config))
    with pytest.raises(MockValidationError, match="'Atributes'"):
        load(path).check_definition("m", definition)
    mock_sidecar.sidecar_path(path).write_text(json.dumps({"validation": "off"}))
    load(path).check_definition("m", definition)
    engine = StepFunctions(mock_config=path)  # SFN_MOCK_CONFIG / mock_config= go through the same loader
    arn = engine.create_state_machine(name="m", definition=json.dumps(definition),
                                      roleArn="arn:aws:iam::123456789012:role/r")["stateMachineArn"]
    execution = engine.start_execution(stateMachineArn=f"{arn}#Happy")["executionArn"]
    assert engine.describe_execution(executionArn=execution)["status"] == "SUCCEEDED"


def test_expectations_compare_output_cause_and_error(tmp_path: Path) -> None:
    (tmp_path / "m.asl.json").write_text(json.dumps({"StartAt": "Save", "States": {
        "Save": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True}}}))
    path = write_pair(tmp_path, {"StateMachines": {"m": {"definition": "m.asl.json", "TestCases": {
        "Happy": {"expect": {"output": {"StatusCode": 200, "Payload": {"a": 2}}}},
        "Empty": {"expect": {"status": "FAILED", "error": "Lambda.Unknown", "cause": "nope"}}}}}})
    results = {r.case: r for r in run_cases(path)}
    assert results["Happy"].problems == ['output {"Payload": {"a": 1}, "StatusCode": 200}, expected {"Payload": {"a": 2}, "StatusCode": 200}']
    assert not results["Empty"].passed and results["Empty"].problems[0].startswith("error ")


def test_save_refuses_anything_but_aws_format_naming_the_keys(tmp_path: Path) -> None:
    path = tmp_path / "new.json"
    with pytest.raises(MockConfigError, match=r"new\.json: \$: Additional properties .*'x-inputs'"):
        save_suite(path, {**good(), "x-inputs": {}})
    with pytest.raises(MockConfigError, match="consecutive from 0"):
        save_suite(path, mutate(lambda d: d["MockedResponses"].update(Ok={"1": {"Return": {}}})))
    with pytest.raises(MockConfigError, match="Hapy is not a test case"):
        save_suite(path, good(), {"StateMachines": {"m": {"TestCases": {"Hapy": {}}}}})
    assert not path.exists() and not mock_sidecar.sidecar_path(path).exists()


def test_save_then_load_round_trips_a_sidecar_object(tmp_path: Path) -> None:
    sidecar = mock_sidecar.parse({"validation": "present", "StateMachines": {"m": {
        "definition": "defs/m.asl.json", "type": "EXPRESS",
        "TestCases": {"Happy": {"input": [1, None], "expect": {"output": None, "path": ["Save"]}}}}}},
        tmp_path, "given")
    saved = save_suite(tmp_path / "pair.json", good(), sidecar)
    document = json.loads(saved.sidecar.read_text())
    assert document["StateMachines"]["m"]["definition"] == "defs/m.asl.json"
    loaded = load_suite(saved.config)
    case = loaded.case("m", "Happy")
    assert case.input == [1, None] and case.expect.output is None and case.expect.path == ("Save",)
    assert loaded.sidecar.machine("m").type == "EXPRESS" and loaded.mocker.validation == result_shapes.PRESENT
    assert loaded.case("m", "Empty") == mock_sidecar.CaseSpec()  # no entry: input {}, must succeed
