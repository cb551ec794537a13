"""The sidecar of a MockConfigFile: what the harness needs that AWS's format has no place for.

AWS documents exactly two top-level fields for Step Functions Local's MockConfigFile
(StateMachines, MockedResponses; see schemas/mock_config.schema.json). Everything else the harness
needs to replay a test case and judge it - the execution input, the expected status / error /
cause / output / path, the definition file of a machine that is not in asl/, the mock validation
mode - lives in a second file next to it, so the file a user hands Step Functions Local is exactly
AWS's format:

    tests/mocks/signup.json          the MockConfigFile (AWS's format, nothing else)
    tests/mocks/signup.expect.json   its sidecar (this module; schemas/mock_sidecar.schema.json)

The sidecar's name is the config's with its final ".json" replaced by ".expect.json"
(`sidecar_path`). Its StateMachines / TestCases nesting mirrors the config's, so a test case has the
same JSON path in both files. Every field is optional: a case without an entry runs with input {}
and must SUCCEED.

Older configs kept these under top-level "x-inputs", "x-expect", "x-definitions" and "x-validation"
keys. They are still read (with a warning, see mock_config) so users' files keep working;
`split_legacy` turns such a file into the AWS-only config and its sidecar document.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from workflows.testing import schemas
from workflows.testing.mock_config import MockConfigError

SUFFIX = ".expect.json"
LEGACY_KEYS = ("x-inputs", "x-expect", "x-definitions", "x-validation")
VALIDATION_MODES = ("strict", "present", "off")


class _Unset:
    """Marks an expectation the sidecar does not make (JSON null is a real expected output)."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


@dataclass(frozen=True)
class Expectation:
    """What DescribeExecution / GetExecutionHistory must show; fields left UNSET/None are not compared."""

    status: str = "SUCCEEDED"
    error: str | None = None
    cause: str | None = None
    output: Any = UNSET
    path: tuple[str, ...] | None = None

    def problems(self, described: Mapping[str, Any], path: list[str]) -> list[str]:
        """How an execution (`described` = DescribeExecution's response, `path` = states entered)
        differs from this expectation; [] when it meets it. The one comparison every target uses."""
        found: list[str] = []
        status = described.get("status")
        if status != self.status:
            cause = described.get("cause")
            why = f"error {described.get('error')}" + (f": {_clip(cause)}" if cause else "")
            found.append(f"status {status} ({why}), expected {self.status}")
        if self.error is not None and described.get("error") != self.error:
            found.append(f"error {described.get('error')}, expected {self.error}")
        if self.cause is not None and described.get("cause") != self.cause:
            found.append(f"cause {described.get('cause')!r}, expected {self.cause!r}")
        if self.output is not UNSET:
            text = described.get("output")
            actual = json.loads(text) if isinstance(text, str) else UNSET
            if actual != self.output:
                shown = "no output" if actual is UNSET else json.dumps(actual, sort_keys=True)
                found.append(f"output {shown}, expected {json.dumps(self.output, sort_keys=True)}")
        if self.path is not None and list(path) != list(self.path):
            found.append(f"path {list(path)}, expected {list(self.path)}")
        return found

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {"status": self.status}
        for name in ("error", "cause"):
            if getattr(self, name) is not None:
                document[name] = getattr(self, name)
        if self.output is not UNSET:
            document["output"] = self.output
        if self.path is not None:
            document["path"] = list(self.path)
        return document


def _clip(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


@dataclass(frozen=True)
class CaseSpec:
    """One test case's execution input and expected outcome."""

    input: Any = field(default_factory=dict)
    expect: Expectation = field(default_factory=Expectation)


@dataclass(frozen=True)
class MachineSpec:
    """How to create one state machine: its definition file (None: the asl/ machine of that name)
    and type (None: the project's deployed type, else STANDARD), and its cases."""

    definition: Path | None = None
    type: str | None = None
    cases: Mapping[str, CaseSpec] = field(default_factory=dict)


@dataclass(frozen=True)
class Sidecar:
    """A parsed sidecar; an absent file is an empty Sidecar (every case: input {}, must succeed)."""

    machines: Mapping[str, MachineSpec] = field(default_factory=dict)
    validation: str | None = None
    source: str = "<no sidecar>"

    def machine(self, name: str) -> MachineSpec:
        return self.machines.get(name) or MachineSpec()

    def case(self, machine: str, name: str) -> CaseSpec:
        return self.machine(machine).cases.get(name) or CaseSpec()

    def check_names(self, test_cases: Mapping[str, Mapping[str, Any]]) -> None:
        """Refuse a machine or case the MockConfigFile does not define (a typo would otherwise leave
        the real case unchecked), naming what the config has."""
        for machine, spec in self.machines.items():
            if machine not in test_cases:
                raise MockConfigError(
                    f"{self.source}: StateMachines.{machine} is not in the mock config "
                    f"(its state machines: {', '.join(sorted(test_cases)) or 'none'})")
            for case in spec.cases:
                if case not in test_cases[machine]:
                    raise MockConfigError(
                        f"{self.source}: StateMachines.{machine}.TestCases.{case} is not a test case "
                        f"of {machine} in the mock config (its cases: {', '.join(sorted(test_cases[machine]))})")

    def to_json(self, directory: str | os.PathLike) -> dict[str, Any]:
        """The sidecar document, definition paths written relative to `directory` (the sidecar's)."""
        document: dict[str, Any] = {}
        if self.validation is not None:
            document["validation"] = self.validation
        machines: dict[str, Any] = {}
        for name, spec in self.machines.items():
            entry: dict[str, Any] = {}
            if spec.definition is not None:
                entry["definition"] = Path(os.path.relpath(spec.definition, directory)).as_posix()
            if spec.type is not None:
                entry["type"] = spec.type
            entry["TestCases"] = {case: {"input": c.input, "expect": c.expect.to_json()}
                                  for case, c in spec.cases.items()}
            machines[name] = entry
        document["StateMachines"] = machines
        return document


# -- names on disk ---------------------------------------------------------------------------------
def sidecar_path(config_path: str | os.PathLike) -> Path:
    """tests/mocks/signup.json -> tests/mocks/signup.expect.json (a name without .json gets the suffix)."""
    path = Path(config_path)
    stem = path.name[:-len(".json")] if path.name.endswith(".json") else path.name
    return path.with_name(stem + SUFFIX)


def is_sidecar(path: str | os.PathLike) -> bool:
    return Path(path).name.endswith(SUFFIX)


def config_path_for(path: str | os.PathLike) -> Path:
    """The MockConfigFile a path stands for: itself, or for a sidecar the config next to it (so
    `workflows test tests/mocks/*.json` means each config once)."""
    path = Path(path)
    if is_sidecar(path):
        return path.with_name(path.name[:-len(SUFFIX)] + ".json")
    return path


# -- parsing -------------------------------------------------------------------------------------
def parse(document: Any, directory: str | os.PathLike, source: str = "<sidecar>") -> Sidecar:
    """A Sidecar from its JSON document; definition paths resolve against `directory`. Refuses a
    document that breaks schemas/mock_sidecar.schema.json, listing every problem with its path."""
    found = schemas.problems(document, schemas.SIDECAR, source)
    if found:
        raise MockConfigError("\n".join(found))
    machines: dict[str, MachineSpec] = {}
    for name, body in document.get("StateMachines", {}).items():
        definition = body.get("definition")
        cases = {case: CaseSpec(spec.get("input", {}), _expectation(spec.get("expect", {})))
                 for case, spec in body.get("TestCases", {}).items()}
        machines[name] = MachineSpec(Path(directory, definition) if definition else None, body.get("type"), cases)
    return Sidecar(machines, document.get("validation"), source)


def _expectation(expect: Mapping[str, Any]) -> Expectation:
    path = expect.get("path")
    return Expectation(expect.get("status", "SUCCEEDED"), expect.get("error"), expect.get("cause"),
                       expect.get("output", UNSET), tuple(path) if path is not None else None)


def load(path: str | os.PathLike) -> Sidecar | None:
    """The sidecar at `path` (see `sidecar_path`), or None when there is no such file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise MockConfigError(f"cannot read sidecar {path}: {exc.strerror}") from exc
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MockConfigError(f"{path} is not valid JSON: {exc}") from exc
    return parse(document, path.parent, str(path))


def validation_mode(config_path: str | os.PathLike) -> str | None:
    """The sidecar's "validation" for the config at `config_path` (None: no sidecar or not set)."""
    sidecar = load(sidecar_path(config_path))
    return sidecar.validation if sidecar is not None else None


# -- the old embedded keys -----------------------------------------------------------------------
def legacy_keys(raw: Mapping[str, Any]) -> list[str]:
    return [key for key in LEGACY_KEYS if key in raw]


def split_legacy(raw: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(AWS-only config, sidecar document or None) for a config that may carry x-* keys.

    x-definitions paths were relative to the config; the sidecar sits in the same directory, so
    they are kept as written. Keys that are neither AWS's nor the legacy ones are dropped from the
    config here (callers that write the result have warned about them already)."""
    config = {key: raw[key] for key in schemas.top_level_keys(schemas.MOCK_CONFIG) if key in raw}
    if not legacy_keys(raw):
        return config, None
    inputs = _legacy_object(raw, "x-inputs")
    expects = _legacy_object(raw, "x-expect")
    definitions = _legacy_object(raw, "x-definitions")
    document: dict[str, Any] = {}
    if "x-validation" in raw:
        document["validation"] = raw["x-validation"]
    machines: dict[str, Any] = {}
    names = list(raw.get("StateMachines") or {}) + [n for n in {**inputs, **expects, **definitions}
                                                    if n not in (raw.get("StateMachines") or {})]
    for name in names:
        entry: dict[str, Any] = {}
        if name in definitions:
            entry["definition"] = definitions[name]
        cases: dict[str, Any] = {}
        declared = list(((raw.get("StateMachines") or {}).get(name) or {}).get("TestCases") or {})
        given = {**_legacy_object(inputs, name), **_legacy_object(expects, name)}
        for case in declared + [c for c in given if c not in declared]:
            spec: dict[str, Any] = {}
            if case in _legacy_object(inputs, name):
                spec["input"] = inputs[name][case]
            if case in _legacy_object(expects, name):
                spec["expect"] = expects[name][case]
            if spec:
                cases[case] = spec
        if cases or entry:
            entry["TestCases"] = cases
            machines[name] = entry
    document["StateMachines"] = machines
    return config, document


def _legacy_object(raw: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = raw.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MockConfigError(f"legacy key {key} must be an object, got {type(value).__name__}")
    return value
