"""Structural checks of an ASL definition: the field tables and the rules that need no typed state.

Split from `parser` along its real seam: `parser` turns the document into `model` states (and
compiles Choice rules); this module owns what a state may contain (fields per type and per query
language, path and JSONata syntax, ErrorEquals, transition targets, reachability) and how a problem
is reported — a `Diagnostic` (code, message, location), collected rather than raised so `workflows
validate` lists every problem, and `DefinitionError` in AWS's InvalidDefinition wording.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jsonata

from workflows.engine import item_batcher
from workflows.engine import model as m
from workflows.engine.expressions import validate_path, validate_reference_path

STATE_TYPES = ("Task", "Wait", "Pass", "Succeed", "Fail", "Choice", "Parallel", "Map")
_COMMON = {"Type", "Comment", "QueryLanguage"}
_TRANSITION = {"Next", "End"}
_IO = {"InputPath", "OutputPath"}
_ASSIGN_OUT = {"Assign", "Output"}
_ERR = {"Retry", "Catch", "ResultSelector", "ResultPath", "Parameters", "Arguments"}
_FIELDS: dict[str, set[str]] = {
    "Pass": _COMMON | _TRANSITION | _IO | _ASSIGN_OUT | {"Parameters", "Result", "ResultPath"},
    "Task": _COMMON | _TRANSITION | _IO | _ASSIGN_OUT | _ERR | {
        "Resource", "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds",
        "HeartbeatSecondsPath", "Credentials"},
    "Choice": _COMMON | _IO | _ASSIGN_OUT | {"Choices", "Default"},
    "Wait": _COMMON | _TRANSITION | _IO | _ASSIGN_OUT | {
        "Seconds", "SecondsPath", "Timestamp", "TimestampPath"},
    "Succeed": _COMMON | _IO | {"Output"},
    "Fail": _COMMON | {"Error", "ErrorPath", "Cause", "CausePath"},
    "Parallel": _COMMON | _TRANSITION | _IO | _ASSIGN_OUT | _ERR | {"Branches"},
    "Map": _COMMON | _TRANSITION | _IO | _ASSIGN_OUT | _ERR | {
        "ItemProcessor", "Iterator", "ItemsPath", "Items", "ItemSelector", "ItemReader",
        "ItemBatcher", "ResultWriter", "MaxConcurrency", "MaxConcurrencyPath",
        "ToleratedFailureCount", "ToleratedFailureCountPath", "ToleratedFailurePercentage",
        "ToleratedFailurePercentagePath", "Label"},
}
_JSONPATH_ONLY = {"InputPath", "OutputPath", "Parameters", "ResultSelector", "ResultPath", "ItemsPath",
                  "SecondsPath", "TimestampPath", "ErrorPath", "CausePath", "TimeoutSecondsPath",
                  "HeartbeatSecondsPath", "MaxConcurrencyPath", "ToleratedFailureCountPath",
                  "ToleratedFailurePercentagePath", "Result"}
_JSONATA_ONLY = {"Arguments", "Output", "Items"}
_PATH_FIELDS = ("InputPath", "OutputPath", "ItemsPath", "SecondsPath", "TimestampPath", "ErrorPath",
                "CausePath", "TimeoutSecondsPath", "HeartbeatSecondsPath", "MaxConcurrencyPath",
                "ToleratedFailureCountPath", "ToleratedFailurePercentagePath")
RETRIER_FIELDS = {"ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds",
                  "JitterStrategy", "Comment"}
CATCHER_FIELDS = {"ErrorEquals", "Next", "ResultPath", "Assign", "Output", "Comment"}
TOP_FIELDS = {"StartAt", "States", "Comment", "Version", "TimeoutSeconds", "QueryLanguage"}
BLOCK_FIELDS = {"StartAt", "States", "Comment", "ProcessorConfig", "QueryLanguage"}  # branch, ItemProcessor


@dataclass(frozen=True)
class Diagnostic:
    code: str  # SCHEMA_VALIDATION_FAILED, MISSING_TRANSITION_TARGET, UNREACHABLE_STATE, ...
    message: str
    location: str  # "/States/X/Field"

    def __str__(self) -> str:
        return f"{self.code}: {self.message} at {self.location}"


class DefinitionError(ValueError):
    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        super().__init__(
            "Invalid State Machine Definition: '" + ", ".join(str(d) for d in diagnostics) + "'"
        )


class DefinitionChecks:
    """Collects diagnostics; `parser._Parser` builds states on top of it."""

    def __init__(self) -> None:
        self.diags: list[Diagnostic] = []

    def fail(self, code: str, message: str, location: str) -> None:
        self.diags.append(Diagnostic(code, message, location or "/"))

    def check_known_fields(self, doc: dict, allowed: set[str], loc: str) -> None:
        for key in doc:
            if key not in allowed:
                self.fail("SCHEMA_VALIDATION_FAILED", f"Field '{key}' is not supported", loc)

    def check_state_fields(self, body: dict, loc: str, kind: str, ql: str) -> None:
        """Fields allowed for the state type and query language; path and JSONata syntax."""
        allowed = _FIELDS[kind]
        for key in body:
            if key not in allowed:
                self.fail("SCHEMA_VALIDATION_FAILED", f"Field '{key}' is not supported", loc)
            elif ql == m.JSONATA and key in _JSONPATH_ONLY:
                self.fail("SCHEMA_VALIDATION_FAILED",
                          f"The field '{key}' is not supported for the QueryLanguage JSONata", f"{loc}/{key}")
            elif ql == m.JSONPATH and key in _JSONATA_ONLY:
                self.fail("SCHEMA_VALIDATION_FAILED",
                          f"The field '{key}' is not supported for the QueryLanguage JSONPath", f"{loc}/{key}")
        if ql == m.JSONPATH:
            for key in _PATH_FIELDS:
                value = body.get(key)
                if isinstance(value, str):
                    if key in ("ErrorPath", "CausePath") and value.lstrip().startswith("States."):
                        continue  # Fail accepts an intrinsic function here
                    self.check_path(value, f"{loc}/{key}")
            rp = body.get("ResultPath")
            if isinstance(rp, str):
                self.check_path(rp, f"{loc}/ResultPath", reference=True)
        else:
            self.check_jsonata_tree(body, loc)

    def check_transitions(self, states: dict[str, m.State], loc: str) -> None:
        for state in states.values():
            targets: list[tuple[str, str]] = []
            if state.next is not None:
                targets.append((state.next, "Next"))
            if isinstance(state, m.ChoiceState):
                targets += [(b.next, "Choices") for b in state.choices]
                if state.default is not None:
                    targets.append((state.default, "Default"))
            if isinstance(state, m.RetryingState):
                targets += [(c.next, "Catch") for c in state.catch]
            for target, field in targets:
                if target not in states:
                    self.fail("MISSING_TRANSITION_TARGET", f"Missing 'Next' target: {target}",
                              f"{loc}/States/{state.name}/{field}")

    def check_reachable(self, start: str, states: dict[str, m.State], loc: str) -> None:
        seen, todo = {start}, [start]
        while todo:
            state = states.get(todo.pop())
            if state is None:
                continue
            nexts = [state.next] if state.next else []
            if isinstance(state, m.ChoiceState):
                nexts += [b.next for b in state.choices] + ([state.default] if state.default else [])
            if isinstance(state, m.RetryingState):
                nexts += [c.next for c in state.catch]
            for name in nexts:
                if name in states and name not in seen:
                    seen.add(name)
                    todo.append(name)
        for name in states:
            if name not in seen:
                self.fail("UNREACHABLE_STATE", f"State \"{name}\" is not reachable.", f"{loc}/States/{name}")

    def check_path(self, path: str, loc: str, reference: bool = False) -> None:
        validator = validate_reference_path if reference else validate_path
        try:
            validator(path)
        except Exception as error:  # noqa: BLE001 - reported, not raised
            field = loc.rsplit("/", 1)[-1]
            self.fail("SCHEMA_VALIDATION_FAILED",
                      f"The value for the field '{field}' must be a valid JSONPath ({error})", loc)

    def check_jsonata_tree(self, value: Any, loc: str) -> None:
        if isinstance(value, str):
            if value.startswith("{%") and value.endswith("%}"):
                try:
                    jsonata.Jsonata(value[2:-2])
                except Exception as error:  # noqa: BLE001 - reported, not raised
                    self.fail("SCHEMA_VALIDATION_FAILED",
                              f"The JSONata expression '{value[2:-2].strip()}' is invalid ({error})", loc)
        elif isinstance(value, dict):
            for key, item in value.items():
                if key in ("ItemProcessor", "Iterator", "Branches"):
                    continue
                self.check_jsonata_tree(item, f"{loc}/{key}")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                self.check_jsonata_tree(item, f"{loc}[{i}]")

    def check_item_batcher(self, batcher: Any, loc: str, ql: str) -> None:
        """ItemBatcher's fields, X-or-XPath, and the static limits' ranges (256 KiB for bytes)."""
        if not isinstance(batcher, dict):
            self.fail("SCHEMA_VALIDATION_FAILED", "The field 'ItemBatcher' must be an object", loc)
            return
        self.check_known_fields(batcher, item_batcher.FIELDS, loc)
        for field in ("MaxItemsPerBatch", "MaxInputBytesPerBatch"):
            path = field + "Path"
            if field in batcher and path in batcher:
                self.fail("SCHEMA_VALIDATION_FAILED", f"Only one of '{field}' or '{path}' can be present", loc)
            if path in batcher:
                if ql == m.JSONATA:
                    self.fail("SCHEMA_VALIDATION_FAILED",
                              f"The field '{path}' is not supported for the QueryLanguage JSONata", f"{loc}/{path}")
                elif isinstance(batcher[path], str):
                    self.check_path(batcher[path], f"{loc}/{path}")
                else:
                    self.fail("SCHEMA_VALIDATION_FAILED", f"The value for the field '{path}' must be a "
                                                          f"valid JSONPath, not {batcher[path]!r}", f"{loc}/{path}")
            value = batcher.get(field)
            if field in batcher and not (ql == m.JSONATA and isinstance(value, str) and value.startswith("{%")):
                problem = item_batcher.static_problem(field, value)
                if problem is not None:
                    self.fail("SCHEMA_VALIDATION_FAILED", problem, f"{loc}/{field}")

    def error_equals(self, doc: dict, here: str, index: int, count: int, kind: str) -> list[str]:
        errors = doc.get("ErrorEquals")
        if not isinstance(errors, list) or not errors:
            self.fail("SCHEMA_VALIDATION_FAILED", "These fields are required: [ErrorEquals]", here)
            return []
        if "States.ALL" in errors and (len(errors) > 1 or index != count - 1):
            self.fail("SCHEMA_VALIDATION_FAILED",
                      f"States.ALL must appear alone and in the last {kind[0].lower() + kind[1:]}er",
                      f"{here}/ErrorEquals")
        return errors
