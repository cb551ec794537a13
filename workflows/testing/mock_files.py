"""A MockConfigFile and its sidecar on disk, as one unit: the public API for reading and writing them.

`workflows test`, the pytest plugin and `workflows mock-from-history` all go through here, so every
file the project writes has the same two-file shape (docs/testing.md "File format"):

    load_suite("tests/mocks/signup.json")  -> MockSuite (AWS config + sidecar + the loaded mocker)
    save_suite("tests/mocks/new.json", config, sidecar)  -> writes new.json (AWS's two keys only,
                                                          checked against AWS's schema) and
                                                          new.expect.json (checked against ours)

A path to the sidecar itself stands for its config. A config still carrying the old x-* keys loads
with a MockConfigWarning; when no sidecar file exists its x-* keys act as the sidecar, and when one
does, the sidecar wins and the x-* keys are ignored (the warning says so).
"""
from __future__ import annotations

import dataclasses
import json
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from workflows.testing import mock_config, mock_sidecar, schemas
from workflows.testing.mock_config import MockConfigError, TaskMocker
from workflows.testing.mock_sidecar import CaseSpec, Sidecar


@dataclass(frozen=True)
class MockSuite:
    """A loaded pair: `config` is the AWS-only document (any other top-level keys removed)."""

    config_path: Path
    sidecar_path: Path
    config: Mapping[str, Any]
    sidecar: Sidecar
    mocker: TaskMocker
    has_sidecar_file: bool

    def cases(self, only: str | None = None) -> list[tuple[str, str]]:
        """(state machine, test case) pairs in file order; `only` keeps the cases of that name."""
        plan = [(machine, name) for machine, cases in self.mocker.test_cases.items() for name in cases
                if only is None or name == only]
        if not plan:
            known = sorted({n for cases in self.mocker.test_cases.values() for n in cases})
            raise MockConfigError(f"{self.config_path}: no test case {only!r} (have: {', '.join(known) or 'none'})")
        return plan

    def case(self, machine: str, name: str) -> CaseSpec:
        self.mocker.test_case(machine, name)  # refuses an unknown machine/case, naming what exists
        return self.sidecar.case(machine, name)

    def with_definitions(self, files: Mapping[str, tuple[Path, str | None]]) -> "MockSuite":
        """This suite with machine -> (definition file, type or None) in place of the sidecar's
        (what `workflows test --definition NAME=FILE` gives); names must be the config's machines."""
        machines = dict(self.sidecar.machines)
        for name, (path, kind) in files.items():
            if name not in self.mocker.test_cases:
                raise MockConfigError(f"mock config {self.config_path} has no state machine {name!r} "
                                      f"(have: {', '.join(self.mocker.test_cases) or 'none'})")
            spec = self.sidecar.machine(name)
            machines[name] = dataclasses.replace(spec, definition=Path(path), type=kind or spec.type)
        return dataclasses.replace(self, sidecar=dataclasses.replace(self.sidecar, machines=machines))


def load_suite(path: str | os.PathLike, *, validation: str | None = None) -> MockSuite:
    """Read a MockConfigFile and its sidecar (`<stem>.expect.json`, optional); see the module doc."""
    config_path = mock_sidecar.config_path_for(path)
    side_path = mock_sidecar.sidecar_path(config_path)
    try:
        raw = json.loads(config_path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MockConfigError(f"cannot read mock config {config_path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise MockConfigError(f"{config_path} is not valid JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise MockConfigError(f"{config_path}: a mock config must be a JSON object")
    sidecar = mock_sidecar.load(side_path)
    has_file = sidecar is not None
    config, legacy = mock_sidecar.split_legacy(raw)
    if sidecar is None:
        sidecar = (mock_sidecar.parse(legacy, config_path.parent, f"{config_path} (x-* keys)")
                   if legacy is not None else Sidecar(source=str(side_path)))
    elif legacy is not None:
        warnings.warn(mock_config.MockConfigWarning(
            f"{config_path}: ignoring {', '.join(mock_sidecar.legacy_keys(raw))}: {side_path.name} "
            "exists and is what the harness reads"), stacklevel=2)
    mode = validation or sidecar.validation or "strict"
    # the raw document (legacy keys and all), so the loader warns about what is really in the file
    mocker = mock_config.load(raw, validation=mode, source=str(config_path))
    sidecar.check_names(mocker.test_cases)
    return MockSuite(config_path, side_path, config, sidecar, mocker, has_file)


@dataclass(frozen=True)
class SavedFiles:
    config: Path
    sidecar: Path | None


def save_suite(config_path: str | os.PathLike, config: Mapping[str, Any],
               sidecar: Sidecar | Mapping[str, Any] | None = None) -> SavedFiles:
    """Write a MockConfigFile and (when given) its sidecar next to it, refusing anything that is
    not AWS's format: a config with other top-level keys or that breaks AWS's schema is an error
    naming the fields, never written. `sidecar` is a Sidecar or its JSON document (definition paths
    relative to the config's directory). Both files: 2-space JSON, a newline at the end."""
    config_path = Path(config_path)
    if mock_sidecar.is_sidecar(config_path):
        raise MockConfigError(f"{config_path}: that is a sidecar name; give the MockConfigFile's path")
    found = schemas.problems(config, schemas.MOCK_CONFIG, str(config_path))
    if found:
        raise MockConfigError("not writing a mock config Step Functions Local may not read:\n" + "\n".join(found))
    mocker = mock_config.load(config, validation="off", source=str(config_path))  # semantic rules too
    side_path = mock_sidecar.sidecar_path(config_path)
    document = None
    if sidecar is not None:
        document = (sidecar.to_json(config_path.parent) if isinstance(sidecar, Sidecar) else dict(sidecar))
        mock_sidecar.parse(document, config_path.parent, str(side_path)).check_names(mocker.test_cases)
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(dumps(config), encoding="utf-8")
    if document is not None:
        side_path.write_text(dumps(document), encoding="utf-8")
    return SavedFiles(config_path, side_path if document is not None else None)


def dumps(document: Any) -> str:
    """The project's JSON file style (diff-friendly, non-ASCII kept)."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
