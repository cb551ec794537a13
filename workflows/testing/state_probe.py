"""Evaluate ONE state the way AWS's TestState API does: no execution, no history, no neighbours.

Pass, Succeed, Fail, Choice and Wait run through the engine's own state handlers (so TestState and
real executions share their semantics) inside a scratch frame whose context object is TestState's
synthetic one. Task, Map and Parallel are not executed for real here: TestState replaces their work
with the mock (`result` / `errorOutput`) and `stateConfiguration` (`retrierRetryCount`,
`mapIterationFailureCount`, `errorCausedByState`, `mapItemReaderData`), then applies the state's own
data flow and its Retry/Catch to decide SUCCEEDED / RETRIABLE / CAUGHT_ERROR / FAILED. An un-mocked
Task calls `invoke(resource, parameters)`, given by the caller (the engine's integrations).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable

from workflows.engine import errors as names
from workflows.engine import model as m
from workflows.engine.dataflow import (
    arguments, assignments, input_path, jsonata_output, output_path, parameters, result_path, result_selector,
)
from workflows.engine.dynamic import resolve
from workflows.engine.errors import StatesError
from workflows.engine.runtime import Frame, dumps

THRESHOLD_CAUSE = "The specified tolerated failure threshold was exceeded"


@dataclass
class Probe:
    """What one TestState evaluation produced, before it becomes the API response."""

    status: str = "SUCCEEDED"
    output: Any = None
    error: str | None = None
    cause: str | None = None
    next_state: str | None = None
    inspection: dict[str, Any] = field(default_factory=dict)
    has_output: bool = True


class _Clock:
    def now(self) -> float:
        return 0.0

    async def sleep_until(self, when: float) -> None:  # TestState never waits
        return None


class _Engine:
    scheduler = _Clock()


class _ScratchExecution:
    """Just enough of an Execution for the state handlers: a context and an event sink."""

    engine = _Engine()

    def __init__(self, context: dict[str, Any]) -> None:
        self.context_execution = context.get("Execution")
        self.context_machine = context.get("StateMachine")
        self.events: list[dict] = []

    def add_event(self, type_: str, previous: int, key: str | None = None, details: Any = None) -> int:
        self.events.append({"type": type_, key or "details": details})
        return len(self.events)


class _ProbeFrame(Frame):
    __slots__ = ("fixed_context",)

    def context(self, state_name: str, entered: float, retry_count: int = 0,
                token: str | None = None) -> dict[str, Any]:
        return self.fixed_context


def drive(coroutine: Any) -> Any:
    """Run a handler coroutine that never suspends for long (TestState's clock is frozen)."""
    try:
        while True:
            coroutine.send(None)
    except StopIteration as stop:
        return stop.value


class StateProbe:
    def __init__(self, state: m.State, *, raw: Any, context: dict[str, Any], variables: dict,
                 mock: dict | None, config: dict, inspect: bool,
                 invoke: Callable[[str, Any], Any] | None) -> None:
        self.state, self.raw, self.ctx = state, raw, context
        self.mock, self.config, self.inspect, self.invoke = mock, config, inspect, invoke
        self.frame = _ProbeFrame(_ScratchExecution(context), None, dict(variables))  # type: ignore[arg-type]
        self.frame.fixed_context = context
        self.probe = Probe()
        self.note("input", raw)

    def note(self, key: str, value: Any) -> None:
        if self.inspect:
            self.probe.inspection[key] = value

    # -- entry ---------------------------------------------------------------------------------------
    def run(self) -> Probe:
        state = self.state
        try:
            if isinstance(state, (m.TaskState, m.MapState, m.ParallelState)):
                self._retrying(state)
            else:
                self._simple(state)
        except StatesError as error:
            self._fail(error)
        return self.probe

    def _fail(self, error: StatesError) -> None:
        self.probe.status, self.probe.error, self.probe.cause = "FAILED", error.error, error.cause
        self.probe.has_output, self.probe.output = False, None

    def _simple(self, state: m.State) -> None:
        from workflows.engine.interpreter import HANDLERS

        if self.inspect and not state.jsonata:
            self._jsonpath_inspection(state)
        next_name, output = drive(HANDLERS[state.type](state, self.raw, self.frame, 1, 0.0))
        self.probe.output = output
        if state.type == "Choice" or not getattr(state, "end", True):
            self.probe.next_state = next_name
        if self.inspect and self.frame.variables:
            self.note("variables", dict(self.frame.variables))

    def _jsonpath_inspection(self, state: m.State) -> None:
        after_input = input_path(state, self.raw, self.frame, self.ctx)
        self.note("afterInputPath", after_input)
        if isinstance(state, m.PassState):
            if state.result is not None:
                self.note("result", state.result.value)
                result = state.result.value
            else:
                result = parameters(state.parameters, after_input, self.frame, self.ctx)
                self.note("afterParameters", result)
            self.note("afterResultSelector", result)
            self.note("afterResultPath", result_path(state.result_path, self.raw, result))

    # -- Task / Map / Parallel ------------------------------------------------------------------------
    def _retrying(self, state: m.RetryingState) -> None:
        try:
            result = self._work(state)
        except StatesError as error:
            self._recover(state, error)
            return
        self._finish(state, result)

    def _work(self, state: m.RetryingState) -> Any:
        states = {"input": self.raw, "context": self.ctx}
        if state.jsonata:
            effective = self.raw
            args = arguments(state.parameters, self.raw, self.frame, states)
        else:
            effective = input_path(state, self.raw, self.frame, self.ctx)
            self.note("afterInputPath", effective)
            args = effective
        if isinstance(state, m.MapState):
            return self._map(state, effective, states)
        if isinstance(state, m.TaskState):
            if not state.jsonata:
                args = parameters(state.parameters, effective, self.frame, self.ctx)
                self.note("afterParameters", args)
            else:
                self.note("afterArguments", args)
            for seconds in (state.timeout_seconds, state.heartbeat_seconds):
                resolve(seconds, self.raw, self.frame.variables, self.ctx, states if state.jsonata else None)
        return self._mocked_result(state, args)

    def _mocked_result(self, state: m.RetryingState, args: Any) -> Any:
        mock = self.mock or {}
        if "errorOutput" in mock:
            error_out = mock["errorOutput"] or {}
            raise StatesError(error_out.get("error"), error_out.get("cause"))
        if "result" in mock:
            result = json.loads(mock["result"])
        elif isinstance(state, m.TaskState) and self.invoke is not None:
            result = self.invoke(state.resource_text, args)
        else:
            raise StatesError(names.RUNTIME, f"State '{state.name}' needs a mock to be tested offline")
        self.note("result", result)
        return result

    def _map(self, state: m.MapState, effective: Any, states: dict) -> Any:
        items = self._map_items(state, effective, states)
        variables = self.frame.variables
        self.note("maxConcurrency", resolve(state.max_concurrency, effective, variables, self.ctx, states, default=0))
        count = resolve(state.tolerated_failure_count, effective, variables, self.ctx, states)
        percentage = resolve(state.tolerated_failure_percentage, effective, variables, self.ctx, states)
        if count is not None:
            self.note("toleratedFailureCount", int(count))
        if percentage is not None:
            self.note("toleratedFailurePercentage", float(percentage))
        result = self._mocked_result(state, items)
        failures = self.config.get("mapIterationFailureCount")
        if failures:
            over_count = count is not None and failures > count
            over_pct = percentage is not None and items and failures * 100.0 / len(items) > percentage
            if over_count or over_pct:
                raise StatesError(names.EXCEED_TOLERATED_FAILURE_THRESHOLD, THRESHOLD_CAUSE)
        return result

    def _map_items(self, state: m.MapState, effective: Any, states: dict) -> Any:
        reader_data = self.config.get("mapItemReaderData")
        if state.item_reader is not None and reader_data is not None:
            return json.loads(reader_data)
        if state.items is None:
            return effective
        items = resolve(state.items, effective, self.frame.variables, self.ctx, states)
        if not state.jsonata:
            self.note("afterItemsPath", items)
        return items

    def _finish(self, state: m.RetryingState, result: Any) -> None:
        if state.jsonata:
            states = {"input": self.raw, "context": self.ctx, "result": result}
            assigned = assignments(state.assign, True, result, self.frame, self.ctx, states)
            output = jsonata_output(state.output, result, self.frame, states)
        else:
            selected = result_selector(state, result, self.frame, self.ctx)
            self.note("afterResultSelector", selected)
            assigned = assignments(state.assign, False, selected, self.frame, self.ctx, None)
            combined = result_path(state.result_path, self.raw, selected)
            self.note("afterResultPath", combined)
            output = output_path(state, combined, self.frame, self.ctx)
        if assigned:
            self.frame.assign(assigned)
            self.note("variables", dict(self.frame.variables))
        self.probe.output = output
        if not state.end:
            self.probe.next_state = state.next

    def _recover(self, state: m.RetryingState, error: StatesError) -> None:
        from workflows.engine.retry import caught, matches

        details: dict[str, Any] = {}
        retry_count = int(self.config.get("retrierRetryCount", 0) or 0)
        index = next((i for i, r in enumerate(state.retry) if matches(r.error_equals, error.error)), None)
        if index is not None and error.error not in (names.RUNTIME, names.DATA_LIMIT_EXCEEDED):
            retrier = state.retry[index]
            details["retryIndex"] = index
            if retry_count < retrier.max_attempts:
                delay = retrier.interval_seconds * retrier.backoff_rate ** retry_count
                if retrier.max_delay_seconds is not None:
                    delay = min(delay, retrier.max_delay_seconds)
                details["retryBackoffIntervalSeconds"] = int(delay) if float(delay).is_integer() else delay
                self.note("errorDetails", details)
                self.probe.status, self.probe.error, self.probe.cause = "RETRIABLE", error.error, error.cause
                self.probe.has_output, self.probe.output = False, None
                return
        catcher_index = next((i for i, c in enumerate(state.catch) if matches(c.error_equals, error.error)), None)
        if catcher_index is None or error.error in (names.RUNTIME, names.DATA_LIMIT_EXCEEDED):
            if details:
                self.note("errorDetails", details)
            self._fail(error)
            return
        details["catchIndex"] = catcher_index
        self.note("errorDetails", details)
        next_name, output = caught(state, state.catch[catcher_index], error, self.raw, self.frame, 0.0)
        self.probe.status, self.probe.error, self.probe.cause = "CAUGHT_ERROR", error.error, error.cause
        self.probe.output, self.probe.next_state = output, next_name


def inspection_text(data: dict[str, Any]) -> dict[str, Any]:
    """InspectionData as the API sends it: JSON values as JSON text, numbers as numbers."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in ("maxConcurrency", "toleratedFailureCount", "toleratedFailurePercentage",
                   "errorDetails"):
            out[key] = value
        else:
            out[key] = dumps(value)
    return out
