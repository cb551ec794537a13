"""Step Functions Local MockConfigFile: load, check, and replay per invocation.

The format is AWS's (StateMachines -> <name> -> TestCases -> <case> -> {<state>: <response name>};
MockedResponses -> <name> -> {"0": {"Return": ...}, "1-2": {"Throw": {"Error", "Cause"}}}), so a
file written for Step Functions Local loads unchanged. Semantics follow Step Functions Local:
- invocation keys are "N" or "N-M", numbered consecutively from 0; each invocation of a mocked state
  within one execution consumes the next index, retries included (a Retry that re-runs the Task
  takes the next response), so "0" Throw + "1" Return exercises one retry;
- a state the test case does not name calls the real integration (`mocked_result` returns None);
- running past the last defined invocation fails the execution with States.Runtime naming the
  state (Step Functions Local cannot return a response it does not have).

Beyond Step Functions Local, every Return and Throw is checked against the integration it stands
for (`result_shapes`, `error_names`) once the state's `Resource` is known: at `check_definition`
(eagerly, what the runner and the pytest fixture call) and again at the first invocation. Modes:
`strict` (required fields, types, and no unknown fields), `present` (types of present fields),
`off`. Set by the loader's `validation=` argument, else the sidecar's "validation"
(`mock_sidecar`, <config>.expect.json), else a legacy top-level "x-validation" key.

The file holds AWS's two top-level fields only (schemas/mock_config.schema.json); any other
top-level key is read past with a `MockConfigWarning` naming it, since whether Step Functions Local
accepts it is not documented. The old x-* harness keys keep working (see mock_sidecar).
"""
from __future__ import annotations

import json
import os
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Literal, Mapping

from workflows.testing import error_names, result_shapes, schemas

VALIDATION_KEY = "x-validation"  # legacy: the sidecar's "validation" replaces it
VALIDATION_MODES = {"strict": result_shapes.STRICT, "present": result_shapes.PRESENT,
                    "off": result_shapes.NONE}


class MockConfigError(ValueError):
    """The mock config file is malformed (names the JSON path that is wrong)."""


class MockConfigWarning(UserWarning):
    """The mock config has top-level keys AWS's MockConfigFile format does not document."""


class MockValidationError(MockConfigError):
    """A mocked response does not fit the integration it stands for (names state and field)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class MockOutcome:
    """What one mocked invocation does: `kind` "return" (`value`) or "throw" (`error`, `cause`)."""

    kind: Literal["return", "throw"]
    value: Any = None
    error: str | None = None
    cause: str | None = None


@dataclass(frozen=True)
class MockedResponse:
    """One named entry of MockedResponses, expanded to one outcome per invocation index."""

    name: str
    outcomes: tuple[MockOutcome, ...]
    keys: tuple[str, ...]  # the invocation key each outcome came from ("1-2"), for messages


@dataclass
class TestCase:
    state_machine: str
    name: str
    states: dict[str, str]  # state name -> mocked response name

    __test__ = False  # not a pytest class


@dataclass
class TaskMocker:
    """A loaded mock config; the engine's mock hook (see docs/contracts.md "Mock hook")."""

    test_cases: dict[str, dict[str, TestCase]]  # state machine -> case name -> case
    responses: dict[str, MockedResponse]
    validation: str = result_shapes.STRICT
    source: str = "<dict>"
    _counts: dict[tuple[str, str], int] = field(default_factory=dict, repr=False)
    _checked: set[tuple[str, str]] = field(default_factory=set, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # -- engine hook -------------------------------------------------------------------------
    def mocked_result(self, *, state_machine_name: str, test_case: str, state_name: str,
                      execution_arn: str, resource: str, parameters: Any) -> MockOutcome | None:
        case = self.test_case(state_machine_name, test_case)
        response_name = case.states.get(state_name)
        if response_name is None:
            return None  # unmocked state: the real integration runs
        response = self.responses[response_name]
        if (response_name, resource) not in self._checked:
            problems = list(self._response_problems(case, state_name, response, resource))
            if problems:
                raise MockValidationError(problems)
            self._checked.add((response_name, resource))
        with self._lock:
            index = self._counts.get((execution_arn, state_name), 0)
            self._counts[(execution_arn, state_name)] = index + 1
        if index >= len(response.outcomes):
            return MockOutcome("throw", error="States.Runtime", cause=(
                f"Mocked response '{response_name}' for state '{state_name}' (test case "
                f"'{test_case}') defines invocations 0-{len(response.outcomes) - 1}, but invocation "
                f"{index} was requested"))
        return response.outcomes[index]

    # -- queries -------------------------------------------------------------------------------
    def test_case(self, state_machine_name: str, test_case: str) -> TestCase:
        cases = self.test_cases.get(state_machine_name)
        if cases is None:
            raise MockConfigError(
                f"{self.source}: no state machine '{state_machine_name}' under StateMachines "
                f"(have: {', '.join(sorted(self.test_cases)) or 'none'})")
        case = cases.get(test_case)
        if case is None:
            raise MockConfigError(
                f"{self.source}: state machine '{state_machine_name}' has no test case "
                f"'{test_case}' (have: {', '.join(sorted(cases)) or 'none'})")
        return case

    def invocations(self, execution_arn: str, state_name: str) -> int:
        """How many mocked invocations of `state_name` this execution has consumed."""
        return self._counts.get((execution_arn, state_name), 0)

    # -- eager validation ----------------------------------------------------------------------
    def check_definition(self, state_machine_name: str, definition: str | Mapping[str, Any]) -> None:
        """Check every test case of this machine against its definition; raise listing all problems.

        Names a state the definition lacks, a state that is not a Task, a Return that does not fit
        the output shape, and a Throw the integration cannot raise.
        """
        doc = json.loads(definition) if isinstance(definition, str) else definition
        tasks = dict(iter_states(doc))
        problems: list[str] = []
        for case in self.test_cases.get(state_machine_name, {}).values():
            for state_name, response_name in case.states.items():
                state = tasks.get(state_name)
                where = f"{self.source}: test case '{case.name}' of '{state_name}'"
                if state is None:
                    problems.append(f"{where}: state machine '{state_machine_name}' has no state "
                                    f"'{state_name}' (states: {', '.join(sorted(tasks))})")
                elif state.get("Type") != "Task":
                    problems.append(f"{where}: state '{state_name}' is a {state.get('Type')} "
                                    "state; only Task states can be mocked")
                else:
                    problems.extend(self._response_problems(
                        case, state_name, self.responses[response_name], state.get("Resource", "")))
        if problems:
            raise MockValidationError(problems)

    def _response_problems(self, case: TestCase, state_name: str, response: MockedResponse,
                           resource: str) -> Iterator[str]:
        if self.validation == result_shapes.NONE:
            return
        schema = result_shapes.schema_for(resource)
        for key, outcome in _distinct(response):
            where = (f"{self.source}: MockedResponses.{response.name}[\"{key}\"] used by state "
                     f"'{state_name}' (test case '{case.name}' of '{case.state_machine}', "
                     f"resource {short_resource(resource)})")
            if outcome.kind == "throw":
                why = error_names.check_error(resource, outcome.error or "")
                if why:
                    yield f"{where}: Throw.Error {why}"
            elif schema is not None:
                strict = self.validation == result_shapes.STRICT
                for v in result_shapes.validate(schema, outcome.value, self.validation,
                                                reject_unknown=strict,
                                                timestamps=result_shapes.INTEGRATION):
                    yield (f"{where}: Return field '{v.path}' {v.problem}; expected {v.expected} "
                           f"(output shape {schema.shape.name} of {schema.operation})")


def short_resource(resource: str) -> str:
    return resource.split(":::", 1)[-1] if ":::" in resource else resource


def _distinct(response: MockedResponse) -> Iterator[tuple[str, MockOutcome]]:
    seen: set[str] = set()
    for key, outcome in zip(response.keys, response.outcomes):
        if key not in seen:
            seen.add(key)
            yield key, outcome


def iter_states(definition: Mapping[str, Any]) -> Iterator[tuple[str, dict]]:
    """Every (name, state) in a definition, including Parallel branches and Map processors."""
    for name, state in (definition.get("States") or {}).items():
        if not isinstance(state, dict):
            continue
        yield name, state
        for branch in state.get("Branches") or []:
            if isinstance(branch, dict):
                yield from iter_states(branch)
        for key in ("ItemProcessor", "Iterator"):
            if isinstance(state.get(key), dict):
                yield from iter_states(state[key])


# -- loading ---------------------------------------------------------------------------------------
def load(path_or_dict: str | os.PathLike | Mapping[str, Any], *, validation: str | None = None,
         source: str | None = None) -> TaskMocker:
    """Load and check a MockConfigFile (path or parsed dict). `validation`: strict | present | off
    (default: the sidecar's, for a path; else legacy x-validation; else strict). `source` names the
    file in messages when a parsed dict is given."""
    sidecar_mode = None
    if isinstance(path_or_dict, Mapping):
        raw, source = dict(path_or_dict), source or "<mock config>"
    else:
        path = Path(path_or_dict)
        source = source or str(path)
        try:
            raw = json.loads(path.read_text())
        except OSError as exc:
            raise MockConfigError(f"cannot read mock config {source}: {exc.strerror}") from exc
        except json.JSONDecodeError as exc:
            raise MockConfigError(f"{source} is not valid JSON: {exc}") from exc
        if validation is None:
            from workflows.testing import mock_sidecar  # it imports this module's errors

            sidecar_mode = mock_sidecar.validation_mode(path)
    if not isinstance(raw, dict):
        raise MockConfigError(f"{source}: a mock config must be a JSON object")
    warn_unknown_keys(raw, source)
    mode_name = validation or sidecar_mode or raw.get(VALIDATION_KEY, "strict")
    if mode_name not in VALIDATION_MODES:
        where = "validation" if validation or sidecar_mode else VALIDATION_KEY
        raise MockConfigError(f"{source}: {where} '{mode_name}' is not one of "
                              f"{', '.join(VALIDATION_MODES)}")
    responses = {name: _parse_response(source, name, body)
                 for name, body in _object(source, raw, "MockedResponses").items()}
    cases: dict[str, dict[str, TestCase]] = {}
    for machine, body in _object(source, raw, "StateMachines").items():
        where = f"StateMachines.{machine}"
        if not isinstance(body, dict):
            raise MockConfigError(f"{source}: {where} must be an object with TestCases")
        by_name: dict[str, TestCase] = {}
        for case_name, states in _object(source, body, "TestCases", where).items():
            case_where = f"{where}.TestCases.{case_name}"
            if not isinstance(states, dict):
                raise MockConfigError(f"{source}: {case_where} must map state names to mocked "
                                      "response names")
            for state, response in states.items():
                if not isinstance(response, str) or response not in responses:
                    raise MockConfigError(
                        f"{source}: {case_where}.{state} names mocked response {response!r}, which "
                        f"MockedResponses does not define (have: {', '.join(sorted(responses))})")
            by_name[case_name] = TestCase(machine, case_name, dict(states))
        cases[machine] = by_name
    return TaskMocker(cases, responses, VALIDATION_MODES[mode_name], source)


def unknown_keys(raw: Mapping[str, Any]) -> list[str]:
    """Top-level keys that are not AWS's (StateMachines, MockedResponses), in file order."""
    known = schemas.top_level_keys(schemas.MOCK_CONFIG)
    return [key for key in raw if key not in known]


def warn_unknown_keys(raw: Mapping[str, Any], source: str) -> None:
    """One MockConfigWarning naming every top-level key AWS's format does not document."""
    extra = unknown_keys(raw)
    if not extra:
        return
    from workflows.testing import mock_sidecar

    message = (f"{source}: top-level key(s) {', '.join(extra)} are not in AWS's MockConfigFile format "
               f"(only {' and '.join(schemas.top_level_keys(schemas.MOCK_CONFIG))}); Step Functions "
               "Local may refuse the file or behave differently")
    legacy = [key for key in extra if key in mock_sidecar.LEGACY_KEYS]
    if legacy:
        target = "the sidecar" if source.startswith("<") else mock_sidecar.sidecar_path(source).name
        message += f". The harness still reads {', '.join(legacy)}; move them to {target} (docs/testing.md)"
    warnings.warn(MockConfigWarning(message), stacklevel=3)


def _object(source: str, raw: dict, key: str, where: str = "") -> dict:
    value = raw.get(key)
    label = f"{where}.{key}" if where else key
    if not isinstance(value, dict):
        raise MockConfigError(f"{source}: {label} is missing or not an object")
    return value


def _parse_response(source: str, name: str, body: Any) -> MockedResponse:
    where = f"{source}: MockedResponses.{name}"
    if not isinstance(body, dict) or not body:
        raise MockConfigError(f"{where} must be an object of invocation keys (\"0\", \"1-2\")")
    ranges = []
    for key, entry in body.items():
        start, end = _parse_range(where, key)
        ranges.append((start, end, key, _parse_outcome(f"{where}[\"{key}\"]", entry)))
    ranges.sort()
    outcomes: list[MockOutcome] = []
    keys: list[str] = []
    for start, end, key, outcome in ranges:
        if start != len(outcomes):
            raise MockConfigError(
                f"{where}: invocation keys must be consecutive from 0; \"{key}\" starts at {start} "
                f"but the next expected invocation is {len(outcomes)}")
        outcomes.extend([outcome] * (end - start + 1))
        keys.extend([key] * (end - start + 1))
    return MockedResponse(name, tuple(outcomes), tuple(keys))


def _parse_range(where: str, key: str) -> tuple[int, int]:
    parts = key.split("-")
    if len(parts) in (1, 2) and all(p.isascii() and p.isdigit() for p in parts):
        start, end = int(parts[0]), int(parts[-1])
        if end >= start:
            return start, end
    raise MockConfigError(f"{where}: invocation key \"{key}\" must be a number (\"0\") or an "
                          "ascending range (\"1-2\")")


def _parse_outcome(where: str, entry: Any) -> MockOutcome:
    if not isinstance(entry, dict) or ("Return" in entry) == ("Throw" in entry):
        raise MockConfigError(f"{where} must contain exactly one of Return or Throw")
    extra = set(entry) - {"Return", "Throw"}
    if extra:
        raise MockConfigError(f"{where} has unknown field(s) {', '.join(sorted(extra))}; expected "
                              "Return or Throw")
    if "Return" in entry:
        return MockOutcome("return", value=entry["Return"])
    throw = entry["Throw"]
    if not isinstance(throw, dict) or not isinstance(throw.get("Error"), str):
        raise MockConfigError(f"{where}.Throw must be an object with string Error and Cause")
    cause = throw.get("Cause")
    if not isinstance(cause, str):  # AWS: "an object containing an Error and Cause fields with string values"
        raise MockConfigError(f"{where}.Throw.Cause must be a string (AWS's format requires Error and Cause)")
    unknown = set(throw) - {"Error", "Cause"}
    if unknown:
        raise MockConfigError(f"{where}.Throw has unknown field(s) {', '.join(sorted(unknown))}; "
                              "expected Error and Cause")
    return MockOutcome("throw", error=throw["Error"], cause=cause)
