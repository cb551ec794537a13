"""`workflows mock-from-history (EXECUTION_ARN | history.json)`: a recorded execution as a Step
Functions Local MockConfigFile test case, so `workflows test` replays the same path offline.

Every Task attempt in the history becomes one mocked invocation of its state, in the order the
attempts were scheduled: a TaskSucceeded (LambdaFunctionSucceeded, ActivitySucceeded) is a
``{"Return": <the integration's result>}``, a TaskFailed / TaskTimedOut / TaskStartFailed /
TaskSubmitFailed (and the Lambda and activity equivalents) a ``{"Throw": {"Error", "Cause"}}``.
Step Functions Local numbers a state's invocations "0", "1", ... across one execution, retries
included, so a Task that failed twice and then succeeded gets "0-1" Throw and "2" Return, and its
Retry and Catch rules take the same turns on replay. Which state an event belongs to is read from
the history's own ``previousEventId`` chain (Task events do not name their state).

The config holds only AWS's two keys (StateMachines, MockedResponses); what `workflows test`
also needs - the execution input, the status, error and path to expect, the definition the run used -
goes to the sidecar next to it (workflows.testing.mock_files). With an ARN, the history and the
definition come from the endpoint (`--endpoint URL|aws`, any Step Functions endpoint); with a saved
history (`aws stepfunctions get-execution-history ... > history.json`, or `workflows history --json`)
the definition comes from `--definition FILE`.

What a mock cannot reproduce is reported, not hidden: a Task attempt that never finished (an
execution stopped or still running), an execution-level timeout, and Distributed Map child
executions (their Tasks run in other executions' histories).
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from .errors import CliError

SCHEDULED = {"TaskScheduled", "LambdaFunctionScheduled", "ActivityScheduled"}
SUCCEEDED = {"TaskSucceeded": "taskSucceededEventDetails",
             "LambdaFunctionSucceeded": "lambdaFunctionSucceededEventDetails",
             "ActivitySucceeded": "activitySucceededEventDetails"}
FAILED = {"TaskFailed": ("taskFailedEventDetails", None),
          "TaskTimedOut": ("taskTimedOutEventDetails", "States.Timeout"),
          "TaskStartFailed": ("taskStartFailedEventDetails", None),
          "TaskSubmitFailed": ("taskSubmitFailedEventDetails", None),
          "LambdaFunctionFailed": ("lambdaFunctionFailedEventDetails", None),
          "LambdaFunctionTimedOut": ("lambdaFunctionTimedOutEventDetails", "States.Timeout"),
          "LambdaFunctionStartFailed": ("lambdaFunctionStartFailedEventDetails", None),
          "LambdaFunctionScheduleFailed": ("lambdaFunctionScheduleFailedEventDetails", None),
          "ActivityFailed": ("activityFailedEventDetails", None),
          "ActivityTimedOut": ("activityTimedOutEventDetails", "States.Timeout"),
          "ActivityScheduleFailed": ("activityScheduleFailedEventDetails", None)}
FINAL = {"ExecutionSucceeded": "SUCCEEDED", "ExecutionFailed": "FAILED", "ExecutionTimedOut": "TIMED_OUT",
         "ExecutionAborted": "ABORTED"}


@dataclass
class Attempt:
    state: str
    outcome: dict[str, Any] | None = None  # {"Return": ...} | {"Throw": {...}}; None: never finished


@dataclass
class Recording:
    """One execution, read from its history: the mock config test case and the sidecar entry."""

    machine: str
    case: str
    input: Any
    status: str
    error: str | None
    path: list[str]
    attempts: list[Attempt]
    problems: list[str] = field(default_factory=list)

    def response_name(self, state: str) -> str:
        return f"{self.case}.{state}"

    def config(self) -> dict[str, Any]:
        """The MockConfigFile document (AWS's two keys only)."""
        by_state: dict[str, list[dict[str, Any]]] = {}
        for attempt in self.attempts:
            if attempt.outcome is not None:
                by_state.setdefault(attempt.state, []).append(attempt.outcome)
        responses = {self.response_name(state): invocation_keys(outcomes) for state, outcomes in by_state.items()}
        case = {state: self.response_name(state) for state in by_state}
        return {"StateMachines": {self.machine: {"TestCases": {self.case: case}}}, "MockedResponses": responses}

    def expectation(self) -> dict[str, Any]:
        expect: dict[str, Any] = {"status": self.status, "path": list(self.path)}
        if self.error is not None:
            expect["error"] = self.error
        return expect


def invocation_keys(outcomes: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """[A, A, B] -> {"0-1": A, "2": B}: runs of identical outcomes share one key, as people write them."""
    keys: dict[str, dict[str, Any]] = {}
    start = 0
    for index in range(1, len(outcomes) + 1):
        if index == len(outcomes) or outcomes[index] != outcomes[start]:
            keys[str(start) if index - 1 == start else f"{start}-{index - 1}"] = outcomes[start]
            start = index
    return keys


def read_history(events: Iterable[dict[str, Any]], machine: str, case: str) -> Recording:
    """The Recording of one execution's events (GetExecutionHistory's, in id order)."""
    ordered = sorted(events, key=lambda e: int(e.get("id", 0)))
    if not ordered or ordered[0].get("type") != "ExecutionStarted":
        raise CliError("the history does not start with an ExecutionStarted event (give every page, oldest first)")
    state_of: dict[int, str] = {}
    attempt_of: dict[int, Attempt] = {}
    attempts: list[Attempt] = []
    path: list[str] = []
    status, error, problems = "RUNNING", None, []
    started = ordered[0].get("executionStartedEventDetails", {})
    for event in ordered:
        event_id, previous, kind = int(event.get("id", 0)), int(event.get("previousEventId", 0)), event.get("type", "")
        entered = event.get("stateEnteredEventDetails")
        if entered is not None:
            state_of[event_id] = entered["name"]
            path.append(entered["name"])
            continue
        if previous in state_of:
            state_of[event_id] = state_of[previous]
        if kind in SCHEDULED:
            if event_id not in state_of:
                raise CliError(f"event {event_id} ({kind}) does not lead back to the state it belongs to "
                               "(is the history complete?)")
            attempt = Attempt(state_of[event_id])
            attempts.append(attempt)
            attempt_of[event_id] = attempt
            continue
        if previous in attempt_of:
            attempt_of[event_id] = attempt_of[previous]
        if kind in SUCCEEDED or kind in FAILED:
            attempt = attempt_of.get(event_id)
            if attempt is None:  # TaskStartFailed etc. can follow the state's entry directly
                if event_id not in state_of:
                    continue
                attempt = Attempt(state_of[event_id])
                attempts.append(attempt)
            attempt.outcome = _outcome(event, kind)
        elif kind in FINAL:
            status = FINAL[kind]
            details = next((v for k, v in event.items() if k.endswith("EventDetails")), {}) or {}
            error = details.get("error")
            if kind == "ExecutionTimedOut":
                problems.append("the execution timed out (its TimeoutSeconds): mocks answer at once, so a "
                                "replay does not time out there")
        elif kind.startswith("MapRun"):
            problems.append("a Distributed Map ran child executions: their Tasks are in the children's "
                            "histories, not mocked here")
    for attempt in attempts:
        if attempt.outcome is None:
            problems.append(f"state {attempt.state!r}: a Task attempt never finished in this history "
                            "(the execution was stopped or is still running); the replay has no answer for it")
    if status == "RUNNING":
        problems.append("the execution has not finished: the test case covers what ran so far")
    raw_input = started.get("input", "{}")
    try:
        value = json.loads(raw_input) if isinstance(raw_input, str) else raw_input
    except ValueError:
        value = raw_input
    return Recording(machine, case, value, status, error, path, attempts, sorted(set(problems)))


def _outcome(event: dict[str, Any], kind: str) -> dict[str, Any]:
    if kind in SUCCEEDED:
        output = event.get(SUCCEEDED[kind], {}).get("output", "null")
        try:
            return {"Return": json.loads(output) if isinstance(output, str) else output}
        except ValueError:
            return {"Return": output}
    key, default_error = FAILED[kind]
    details = event.get(key, {}) or {}
    throw: dict[str, Any] = {"Error": details.get("error") or default_error or ""}
    if details.get("cause") is not None:
        throw["Cause"] = details["cause"]
    return {"Throw": throw}


_CASE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def case_name(text: str) -> str:
    """A test case name from an execution name or file stem (what `arn#Case` can carry)."""
    return _CASE_NAME.sub("-", text).strip("-") or "Recorded"


# -- the command ---------------------------------------------------------------------------------
@dataclass
class Source:
    """Where a recording came from: its events and, when known, the machine's name, definition, type."""

    events: list[dict[str, Any]]
    machine: str | None
    definition: str | None
    type: str | None
    execution_name: str | None


def from_endpoint(url: str | None, execution_arn: str) -> Source:
    """History and definition of `execution_arn` on a Step Functions endpoint (None: AWS)."""
    from workflows.testing.helpers import history

    from . import remote

    sfn = remote.client(url)
    events = history(sfn, execution_arn)
    try:  # the definition this execution ran (the machine may have been updated since)
        machine = sfn.describe_state_machine_for_execution(executionArn=execution_arn)
        machine_arn = machine["stateMachineArn"]
    except Exception as error:  # noqa: BLE001 - an endpoint without that operation: the machine as it is
        if getattr(error, "response", {}).get("Error", {}).get("Code") not in ("UnsupportedOperation",
                                                                               "UnknownOperationException"):
            raise
        machine_arn = sfn.describe_execution(executionArn=execution_arn)["stateMachineArn"]
        machine = sfn.describe_state_machine(stateMachineArn=machine_arn)
    base_arn = ":".join(machine_arn.split(":")[:7])  # a version or alias ARN names its machine first
    described = sfn.describe_state_machine(stateMachineArn=base_arn)
    name = execution_arn.split(":")[7] if execution_arn.count(":") >= 7 else None
    return Source(events, machine["name"], machine["definition"], described.get("type"), name)


def from_file(path: str) -> Source:
    """A saved history: GetExecutionHistory's {"events": [...]} (all pages) or a plain event list."""
    from pathlib import Path

    try:
        document = json.loads(Path(path).read_text())
    except OSError as error:
        raise CliError(f"{path}: cannot read ({error.strerror})") from None
    except ValueError as error:
        raise CliError(f"{path}: not JSON ({error})") from None
    events = document.get("events") if isinstance(document, dict) else document
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        raise CliError(f"{path}: expected GetExecutionHistory's output ({{\"events\": [...]}}) or a list of events")
    return Source(events, None, None, None, None)


def write(recording: Recording, source: Source, output: str, definition: str | None) -> dict[str, Any]:
    """Write (or add the test case to) the MockConfigFile `output` and its sidecar; what was written.

    The definition the run used goes next to the config as <machine>.asl.json when it came from the
    endpoint (a different file of that name is left alone: <machine>.<case>.asl.json then), or the
    sidecar points at `definition`. Other test cases already in `output` are kept."""
    from pathlib import Path

    from workflows.testing import mock_sidecar
    from workflows.testing.mock_config import MockConfigError
    from workflows.testing.mock_files import save_suite

    config_path = Path(output)
    side_path = mock_sidecar.sidecar_path(config_path)
    config = _read_json(config_path, {"StateMachines": {}, "MockedResponses": {}})
    sidecar = _read_json(side_path, {"StateMachines": {}})
    new = recording.config()
    cases = config.setdefault("StateMachines", {}).setdefault(recording.machine, {}).setdefault("TestCases", {})
    for old_state in cases.get(recording.case, {}).values():  # re-recording a case replaces it whole
        config.get("MockedResponses", {}).pop(old_state, None)
    cases[recording.case] = new["StateMachines"][recording.machine]["TestCases"][recording.case]
    config.setdefault("MockedResponses", {}).update(new["MockedResponses"])

    definition_path = Path(definition) if definition else None
    if definition_path is None and source.definition is not None:
        definition_path = config_path.with_name(f"{recording.machine}.asl.json")
        if definition_path.exists() and definition_path.read_text() != source.definition:
            definition_path = config_path.with_name(f"{recording.machine}.{recording.case}.asl.json")
        definition_path.parent.mkdir(parents=True, exist_ok=True)
        definition_path.write_text(source.definition)
    entry = sidecar.setdefault("StateMachines", {}).setdefault(recording.machine, {})
    if definition_path is not None:
        entry["definition"] = Path(os.path.relpath(definition_path.resolve(), config_path.resolve().parent)).as_posix()
    if source.type:
        entry["type"] = source.type
    entry.setdefault("TestCases", {})[recording.case] = {"input": recording.input, "expect": recording.expectation()}
    try:
        saved = save_suite(config_path, config, sidecar)
    except MockConfigError as error:
        raise CliError(str(error)) from None
    return {"mockConfig": str(saved.config), "sidecar": str(saved.sidecar), "stateMachine": recording.machine,
            "testCase": recording.case, "definition": str(definition_path) if definition_path else None,
            "taskAttempts": sum(a.outcome is not None for a in recording.attempts),
            "mockedStates": sorted({a.state for a in recording.attempts if a.outcome is not None}),
            "expect": recording.expectation(), "problems": recording.problems}


def _read_json(path: Any, default: dict[str, Any]) -> dict[str, Any]:
    if not path.exists():
        return default
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise CliError(f"{path}: cannot add a test case to it ({error})") from None
    if not isinstance(document, dict):
        raise CliError(f"{path}: not a JSON object, cannot add a test case to it")
    return document
