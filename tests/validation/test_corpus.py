"""The corpus: real definitions with the verdict AWS gives each, run through `workflows validate`.

- corpus/accepted/: public definitions (SOURCES.json: repository, path, commit, licence), byte-for-byte as
  published, that AWS accepts (each was deployed by its sample's own template) - no problem and no warning each;
  *.express.asl.json are Express machines and are judged as such;
- corpus/refused/: published versions AWS refuses (a Next naming no state, QueryLanguage inside States, a stray
  letter after the document), each with why and exactly its problems;
- the definitions recorded on AWS in shared/conformance (cases.jsonl: CreateStateMachine succeeded;
  teststate.jsonl: TestState ran them) - the engine's checker finds nothing in any of them;
- corpus/refused.json: an accepted definition with one change AWS refuses - exactly the listed
  problems, each message and location checked.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tests.conformance.corpus import cases_path
from workflows.cli.validate import fill_placeholders, machine_type_of, validate_files
from workflows.engine import validate_definition

CORPUS = Path(__file__).parent / "corpus"
ACCEPTED = sorted((CORPUS / "accepted").glob("*.asl.json"))
REFUSED_FILES = sorted((CORPUS / "refused").glob("*.asl.json"))
SOURCES = json.loads((CORPUS / "SOURCES.json").read_text())
REFUSED = json.loads((CORPUS / "refused.json").read_text())["refused"]
TESTSTATE = Path(__file__).resolve().parents[2].parent / "shared" / "conformance" / "teststate.jsonl"
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:f"
LICENCES = {"MIT-0"}  # what the source repositories' LICENSE files say (MIT No Attribution)
# Definitions AWS accepts that this checker still refuses - each is a known false alarm, fixed in a later commit
# (strict: the test fails the day the checker accepts them, so the entry cannot outlive its fix).
PENDING: dict[str, str] = {}


def test_every_corpus_file_has_its_source_and_licence() -> None:
    assert sorted(SOURCES["accepted"]) == [p.name for p in ACCEPTED] and len(ACCEPTED) >= 200
    assert sorted(SOURCES["refused"]) == [p.name for p in REFUSED_FILES]
    for verdict in ("accepted", "refused"):
        for source in SOURCES[verdict].values():
            assert source["repo"] and source["path"] and len(source["commit"]) == 40
            assert source["licence"] in LICENCES and source["verdict"] == verdict
    assert all(source["why"] and source["problems"] for source in SOURCES["refused"].values())


@pytest.mark.parametrize("path", [
    pytest.param(p, marks=pytest.mark.xfail(strict=True, reason=PENDING[p.name])) if p.name in PENDING else p
    for p in ACCEPTED], ids=lambda p: p.name)
def test_accepted_definition_is_valid_without_warnings(path: Path) -> None:
    """Valid, and warned only where SOURCES.json lists the warnings (a filter Jayway cannot read)."""
    [result] = validate_files([str(path)], warnings=True)
    assert (result["valid"], result["problems"]) == (True, [])
    expected = SOURCES["accepted"][path.name].get("warnings", [])
    assert [[w["message"], w["location"]] for w in result["warnings"]] == expected


@pytest.mark.parametrize("path", REFUSED_FILES, ids=lambda p: p.name)
def test_published_definition_aws_refuses_gets_exactly_its_problems(path: Path) -> None:
    found = [[d.message, d.location] for d in validate_definition(fill_placeholders(path.read_text()))]
    assert found == SOURCES["refused"][path.name]["problems"]
    [result] = validate_files([str(path)])
    assert not result["valid"] and len(result["problems"]) == len(found)


def _set(document: Any, keys: list, value: Any) -> None:
    for key in keys[:-1]:
        document = document[key]
    document[keys[-1]] = value


def _refused_definition(case: dict) -> dict:
    if "replace" in case:
        return case["replace"]
    document = json.loads(fill_placeholders((CORPUS / "accepted" / case["base"]).read_text()))
    for step in ("set", "then"):
        if step in case:
            _set(document, *case[step])
    return document


@pytest.mark.parametrize("case", REFUSED, ids=lambda c: c["name"])
def test_refused_definition_gets_exactly_its_problems(case: dict, tmp_path: Path) -> None:
    document = _refused_definition(case)
    kind = machine_type_of(case.get("base", ""))  # a NAME.express.asl.json base is an Express machine
    found = [[d.message, d.location] for d in validate_definition(json.dumps(document), kind)]
    assert found == case["problems"]
    bad = tmp_path / ("refused.express.asl.json" if kind == "EXPRESS" else "refused.asl.json")
    bad.write_text(json.dumps(document))
    [result] = validate_files([str(bad)])
    assert not result["valid"] and [p["message"] for p in result["problems"]] == [m for m, _ in case["problems"]]


def _recorded_definitions() -> list[tuple[str, dict]]:
    found = []
    for path in (cases_path(), TESTSTATE):
        if not path.exists():
            continue
        for line in path.read_text().splitlines():
            record = json.loads(line)
            if "InvalidDefinition" in json.dumps(record.get("expected", {})):
                continue  # AWS refused these ones (TestState of a Map or Parallel, empty Branches, ...)
            found.append((record["id"], record["definition"]))
    return found


def _as_machine(definition: dict) -> dict:
    """A recorded definition as a whole machine: resource placeholders (test-created ARNs) become a Lambda
    ARN; a single TestState state gets the states it names, so only its own fields are judged."""
    document = copy.deepcopy(definition)
    if "StartAt" not in document:
        targets = {t for t in [document.get("Next"), document.get("Default")] if isinstance(t, str)}
        targets |= {c.get("Next") for c in document.get("Choices", []) + document.get("Catch", []) if isinstance(c, dict)}
        states: dict[str, Any] = {t: {"Type": "Succeed"} for t in targets if t and t != "S"}
        document = {"StartAt": "S", "States": {**states, "S": document}}

    def fix(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("Resource"), str) and not node["Resource"].startswith("arn:"):
                node["Resource"] = LAMBDA
            for value in node.values():
                fix(value)
        elif isinstance(node, list):
            for value in node:
                fix(value)

    fix(document)
    return document


def test_every_definition_recorded_on_aws_is_accepted() -> None:
    recorded = _recorded_definitions()
    if not recorded:
        pytest.skip("shared/conformance is not beside the repository")
    refused = {}
    for case_id, definition in recorded:
        diagnostics = validate_definition(json.dumps(_as_machine(definition)))
        if diagnostics:
            refused[case_id] = [str(d) for d in diagnostics]
    assert len(recorded) >= 1300 and refused == {}
