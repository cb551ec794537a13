"""Run-time records: an execution, its history, and the frames (execution, branch, Map iteration)
that states run in.

A `Frame` is one line of control flow: it owns the variable scope its states assign to (inner Map and
Parallel scopes read the outer ones), the Map item it iterates, and the id of its last history
event, which AWS reports as the next event's `previousEventId`. It also keeps the last state output
it recorded with that output's JSON text: the next state's input is the same object, so its
StateEntered event (and the execution's output) reuse the text instead of serializing it again.
"""
from __future__ import annotations

import time
from collections import ChainMap
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from workflows.engine import errors as names
from workflows.engine.expressions.errors import compact_json
from workflows.engine.futures import Future
from workflows.engine.json_value import JSON, JSONObject
from workflows.engine.quotas import HISTORY_EVENT_LIMIT, HISTORY_LIMIT_CAUSE

if TYPE_CHECKING:
    from workflows.engine.futures import Task, TimerFuture
    from workflows.engine.inspection import Inspector
    from workflows.engine.services import Services
    from workflows.engine.model import Program

NOT_TRUNCATED = {"truncated": False}


dumps = compact_json  # JSON text as AWS writes it into history and API responses
CLOSING_EVENTS = frozenset({"ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted"})


class HistoryLimitExceeded(BaseException):
    """Unwinds an execution whose history reached the quota (it has already FAILED). Not a
    StatesError, so no Retry or Catch can take it, as on AWS."""


_last_stamp: list = [None, ""]


def iso_millis(epoch: float) -> str:
    """Context-object timestamps: '2024-05-01T12:00:00.123Z' (the last one is cached: under the
    virtual clock consecutive states share the same instant)."""
    if _last_stamp[0] == epoch:
        return _last_stamp[1]
    stamp = datetime.fromtimestamp(epoch, tz=timezone.utc)
    text = stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"
    _last_stamp[0], _last_stamp[1] = epoch, text
    return text


def to_datetime(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=timezone.utc)


class StateMachineRecord:
    __slots__ = ("arn", "name", "definition_text", "program", "role_arn", "type", "created",
                 "logging", "tracing", "executions")

    def __init__(self, arn: str, name: str, definition_text: str, program: Program, role_arn: str,
                 type_: str, created: float, logging: Any = None, tracing: Any = None) -> None:
        self.arn, self.name, self.definition_text, self.program = arn, name, definition_text, program
        self.role_arn, self.type, self.created = role_arn, type_, created
        self.logging, self.tracing = logging, tracing
        self.executions: list[Execution] = []


class Execution:
    """One execution: status, result, history; `done` resolves when it stops."""

    def __init__(self, engine: Services, machine: StateMachineRecord, arn: str, name: str,
                 input_value: JSON, input_text: str, start: float, *, express: bool, sync: bool,
                 test_case: str | None = None, parent: Execution | None = None) -> None:
        self.engine = engine
        self.machine = machine
        self.arn, self.name = arn, name
        self.input, self.input_text = input_value, input_text
        self.start = start
        self.stop: float | None = None
        self.status = "RUNNING"
        self.output_text: str | None = None
        self.error: str | None = None
        self.cause: str | None = None
        self.express, self.sync = express, sync
        self.test_case = test_case
        self.parent = parent
        self.events: list[JSONObject] = []
        self.unrecorded = 0  # Express events past the history quota, counted but not kept
        self.done: Future = Future()
        self.task: Task | None = None
        self.deadline: TimerFuture | None = None  # TimeoutSeconds / Express's five minutes
        self.wall_deadline: float | None = None  # time.monotonic() bound of a virtual-clock Express run
        self.wall_start = time.monotonic()
        self.root_variables: JSONObject = {}
        execution_ctx: JSONObject = {"Id": arn, "Input": input_value, "Name": name,
                                         "RoleArn": machine.role_arn, "StartTime": iso_millis(start)}
        if not sync and engine.behaviour.redrive_count:
            execution_ctx["RedriveCount"] = 0
        self.context_execution = execution_ctx
        self.context_machine = {"Id": machine.arn, "Name": machine.name}
        self.map_runs: list[JSONObject] = []
        self.top_frame: Frame | None = None  # kept for a redrive (see redrive)
        self.redrive_journal: Any = None  # redrive.RedriveJournal once a Map/Parallel ran

    def add_event(self, type_: str, previous: int, key: str | None = None,
                  details: JSONObject | None = None) -> int:
        event_id = len(self.events) + self.unrecorded + 1
        if event_id >= HISTORY_EVENT_LIMIT and not self._within_quota(type_, event_id, previous):
            return min(event_id, HISTORY_EVENT_LIMIT)
        event: JSONObject = {"timestamp": self.engine.scheduler.now(), "type": type_,
                                 "id": event_id, "previousEventId": previous}
        if key is not None:
            event[key] = details
        self.events.append(event)
        return event_id

    def _within_quota(self, type_: str, event_id: int, previous: int) -> bool:
        """Whether event `event_id` (at or past the history quota) is recorded. The last slot takes
        only the event that closes the execution; any other event there fails a running Standard
        execution instead (see `quotas`). Express executions keep counting without recording."""
        closing = type_ in CLOSING_EVENTS
        if self.express:
            if not closing:
                self.unrecorded += 1
            return closing
        if event_id > HISTORY_EVENT_LIMIT:
            return False  # the history is closed
        if closing or not self.running:
            return closing
        self.finish("FAILED", error=names.RUNTIME, cause=HISTORY_LIMIT_CAUSE, previous=previous)
        if self.task is not None:
            self.task.cancel()
        raise HistoryLimitExceeded()

    def previous_of(self, event_id: int) -> int:
        """The previousEventId of recorded event `event_id` (0 if it was not recorded)."""
        index = event_id - 1
        if 0 <= index < len(self.events) and self.events[index]["id"] == event_id:
            return self.events[index]["previousEventId"]
        return 0

    @property
    def running(self) -> bool:
        return self.status == "RUNNING"

    def finish(self, status: str, *, output: JSON = None, error: str | None = None,
               cause: str | None = None, previous: int = 0, output_text: str | None = None) -> None:
        if not self.running:
            return
        self.status = status
        self.stop = self.engine.scheduler.now()
        if status == "SUCCEEDED":
            self.output_text = dumps(output) if output_text is None else output_text
            self.add_event("ExecutionSucceeded", previous, "executionSucceededEventDetails",
                           {"output": self.output_text, "outputDetails": NOT_TRUNCATED})
        else:
            self.error, self.cause = error, cause
            details: JSONObject = {}
            if error is not None:
                details["error"] = error
            if cause is not None:
                details["cause"] = cause
            kind = {"FAILED": "ExecutionFailed", "TIMED_OUT": "ExecutionTimedOut",
                    "ABORTED": "ExecutionAborted"}[status]
            self.add_event(kind, previous, kind[0].lower() + kind[1:] + "EventDetails", details)
        self.done.set_result(self)


class Frame:
    """A line of control flow inside an execution (the top level, a branch, a Map iteration)."""

    __slots__ = ("execution", "services", "last_id", "variables", "map_item", "program", "last_output", "at",
                 "inspector")

    def __init__(self, execution: Execution, program: Program, variables: JSON,
                 map_item: JSONObject | None = None, last_id: int = 0) -> None:
        self.execution = execution
        self.services: Services = execution.engine  # clock, rng, clients, tokens, integrations
        self.inspector: Inspector | None = None  # set when TestState runs the state (inspection mode)
        self.program = program
        self.variables = variables  # dict (top level) or ChainMap (inner scope)
        self.map_item = map_item
        self.last_id = last_id
        self.last_output: tuple[JSON, str] | None = None  # (value, its JSON text) of the last StateExited
        # (state name, its input) while running; (None, output) once run to its end - where a
        # redrive resumes this line of control flow (see redrive)
        self.at: tuple[str | None, JSON] | None = None

    def emit(self, type_: str, key: str | None = None, details: JSONObject | None = None,
             previous: int | None = None, chain: bool = True) -> int:
        """Record an event; `chain=False` leaves it out of the previousEventId chain (AWS does so for
        the *Succeeded/*Failed events that close a Map iteration, a Map or a Parallel state)."""
        event_id = self.execution.add_event(type_, self.last_id if previous is None else previous,
                                            key, details)
        if chain:
            self.last_id = event_id
        return event_id

    def text_of(self, value: JSON) -> str:
        """`value`'s JSON text, reused when `value` is the output this frame's last state recorded:
        nothing runs between a state's exit and the next state's entry (or the execution's end),
        so the recorded text still matches the object."""
        last = self.last_output
        if last is not None and last[0] is value:
            return last[1]
        return dumps(value)

    def child(self, program: Program, map_item: JSONObject | None = None) -> Frame:
        scope = ChainMap({}, *(self.variables.maps if isinstance(self.variables, ChainMap)
                               else [self.variables]))
        return Frame(self.execution, program, scope, map_item, self.last_id)

    def assign(self, values: JSONObject) -> None:
        if isinstance(self.variables, ChainMap):
            self.variables.maps[0].update(values)
        else:
            self.variables.update(values)

    def note(self, key: str, value: JSON) -> None:
        """An inspection data point (afterInputPath, result, ...): kept only under TestState."""
        if self.inspector is not None:
            self.inspector.note(key, value)

    def context(self, state_name: str, entered: float, retry_count: int | None = None,
                token: str | None = None) -> JSONObject:
        if self.inspector is not None:
            return self.inspector.context  # TestState's context object, as given or made for the call
        execution = self.execution
        ctx: JSONObject = {
            "Execution": execution.context_execution,
            "State": {"EnteredTime": iso_millis(entered), "Name": state_name},
            "StateMachine": execution.context_machine,
        }
        if retry_count is not None:  # only states that can Retry carry RetryCount (as on AWS)
            ctx["State"]["RetryCount"] = retry_count
        if token is not None:
            ctx["Task"] = {"Token": token}
        if self.map_item is not None:
            ctx["Map"] = {"Item": self.map_item}
        return ctx
