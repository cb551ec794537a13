"""The rows of an execution page, from its history: events, states ("Table view"), the state panel,
Map iterations and the callback tasks waiting for a token.

Times are relative to the execution's start; a timeline bar spans a visit's enter-to-exit share of
the execution's whole span (to now while it runs). A waiting `.waitForTaskToken` task's token is
not a field of any API response: the task received it in its parameters (`$$.Task.Token`), so the
console offers the values found there under a key naming a token (e.g. `Item.taskToken.S` of a
DynamoDB putItem), and a field to paste one otherwise.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable

from . import format as fmt
from .trace import Event, Trace, Visit, details


@dataclass(frozen=True)
class EventRow:
    id: int
    type: str
    state: str
    timestamp: str
    elapsed: str
    details: str  # pretty JSON of the event's details ("" when it has none)
    failure: bool


@dataclass(frozen=True)
class StateRow:
    name: str
    type: str
    status: str
    iteration: str  # "M #2" inside Map iterations, "" at top level
    started: str  # time since the execution started
    duration: str
    retries: int
    bar_start: float  # percent of the execution's span
    bar_width: float
    href: str


@dataclass(frozen=True)
class WaitingTask:
    state: str
    resource: str
    tokens: tuple[tuple[str, str], ...]  # (where in the parameters, token)


@dataclass(frozen=True)
class IterationRow:
    map_state: str
    index: int
    status: str
    duration: str
    href: str
    selected: bool


@dataclass(frozen=True)
class Panel:
    name: str
    type: str
    status: str
    input: str
    output: str
    error: str
    cause: str
    retries: int
    visits: tuple[StateRow, ...]
    events: tuple[EventRow, ...]
    branches: tuple[tuple[int, tuple[tuple[str, str], ...]], ...]  # Parallel: (index, ((state, status), ...))
    known: bool  # the state is in the definition


def event_rows(events: Iterable[Event], state_of: dict[int, str], start: Any) -> list[EventRow]:
    rows = []
    began = fmt.to_utc(start)
    for event in events:
        found = details(event)
        moment = fmt.to_utc(event.get("timestamp"))
        rows.append(EventRow(
            id=int(event["id"]), type=str(event["type"]), state=state_of.get(event["id"], ""),
            timestamp=fmt.timestamp(moment),
            elapsed=fmt.duration((moment - began).total_seconds() if moment and began else None),
            details=fmt.indented(found) if found else "",
            failure=str(event["type"]).endswith(("Failed", "TimedOut", "Aborted"))))
    return rows


def state_of_events(trace: Trace) -> dict[int, str]:
    return {event["id"]: visit.name for visit in trace.visits for event in visit.events}


def _iteration_text(visit: Visit) -> str:
    return " / ".join(f"{name} #{index}" for name, index in visit.iteration)


def state_rows(trace: Trace, start: Any, end: Any, href_for: Any, visits: Iterable[Visit] | None = None) -> list[StateRow]:
    span = fmt.seconds_between(start, end) or 0.0
    rows = []
    for visit in trace.visits if visits is None else visits:
        began = fmt.seconds_between(start, visit.started_at) or 0.0
        finished = visit.ended_at() or (end if visit.status == "running" else None)
        length = fmt.seconds_between(visit.started_at, finished)
        left = 100.0 * began / span if span > 0 else 0.0
        width = 100.0 * (length or 0.0) / span if span > 0 else 100.0
        rows.append(StateRow(visit.name, visit.type, visit.status, _iteration_text(visit), fmt.duration(began),
                             fmt.duration(length), visit.retries, round(min(left, 100.0), 2),
                             round(max(min(width, 100.0 - left), 0.4), 2), href_for(visit.name)))
    return rows


def iteration_rows(trace: Trace, selected: tuple[str, int] | None, href_for: Any) -> dict[str, list[IterationRow]]:
    found: dict[str, list[IterationRow]] = {}
    for map_state, iterations in trace.iterations.items():
        for iteration in sorted(iterations, key=lambda i: (i.path[:-1], i.index)):
            end = iteration.ended["timestamp"] if iteration.ended else None
            found.setdefault(map_state, []).append(IterationRow(
                map_state, iteration.index, iteration.status,
                fmt.duration(fmt.seconds_between(iteration.started["timestamp"], end)),
                href_for(map_state, iteration.index), selected == (map_state, iteration.index)))
    return found


def waiting_tasks(trace: Trace) -> list[WaitingTask]:
    waiting = []
    for visit in trace.visits:
        if visit.status != "running" or visit.type != "Task":
            continue
        scheduled = next((e for e in reversed(visit.events) if e["type"] == "TaskScheduled"), None)
        if scheduled is None:
            continue
        info = details(scheduled)
        resource = f"{info.get('resourceType', '')}:{info.get('resource', '')}"
        if not resource.endswith(".waitForTaskToken"):
            continue
        try:
            parameters = json.loads(info.get("parameters") or "null")
        except ValueError:
            parameters = None
        waiting.append(WaitingTask(visit.name, resource, tuple(dict.fromkeys(_tokens(parameters, "")))))
    return waiting


def _tokens(value: Any, where: str, under_token: bool = False) -> Iterable[tuple[str, str]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _tokens(inner, f"{where}.{key}" if where else str(key), under_token or "token" in key.lower())
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _tokens(inner, f"{where}[{index}]", under_token)
    elif isinstance(value, str) and under_token and value:
        yield where, value


def panel(trace: Trace, name: str, type_of: str | None, start: Any, end: Any, href_for: Any,
          iteration: tuple[str, int] | None, branches: list[list[str]] | None) -> Panel:
    visits = trace.visits_of(name, iteration)
    last = visits[-1] if visits else None
    error, cause = last.error if last and last.error else ("", "")
    shown_events = tuple(event_rows(last.events if last else [], {}, start))
    lanes: list[tuple[int, tuple[tuple[str, str], ...]]] = []
    for index, states in enumerate(branches or []):
        lanes.append((index, tuple((state, trace.status_of(state, iteration)) for state in states)))
    return Panel(
        name=name, type=(last.type if last else type_of) or "?", status=trace.status_of(name, iteration),
        input=fmt.pretty_json(last.input) if last else "", output=fmt.pretty_json(last.output) if last else "",
        error=error, cause=fmt.pretty_json(cause) if cause else "", retries=last.retries if last else 0,
        visits=tuple(state_rows(trace, start, end, href_for, visits)), events=shown_events,
        branches=tuple(lanes), known=type_of is not None)
