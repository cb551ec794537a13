"""What happened to each state of one execution, read from its history (GetExecutionHistory events).

Events form threads through `previousEventId`: a state's events chain from its `...StateEntered`
event, a Map iteration's from its `MapIterationStarted`, a Parallel branch's first state from the
`ParallelStateStarted`. Following that chain (not the order of ids, which interleaves concurrent
iterations and branches) attributes every event to its state visit and Map iteration.

A visit's status uses the console's words:
  succeeded  exited normally (after retries, if any)
  caught     its last attempt failed and a Catch took it on (it exited after a failure event)
  failed     it failed and the execution ended with it (or it is a Fail state)
  running    entered, not finished, the execution still running
  cancelled  aborted, or unfinished when the execution (or its Map iteration) ended for another reason
  not-run    never entered (states without visits)
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Iterable

Event = dict[str, Any]
STATUSES = ("succeeded", "failed", "caught", "running", "cancelled", "not-run")
_ATTEMPT_STARTS = frozenset({"TaskScheduled", "LambdaFunctionScheduled", "ActivityScheduled", "MapStateStarted",
                             "ParallelStateStarted"})
_FAILURE_SUFFIXES = ("Failed", "TimedOut")
_ITERATION_END = {"MapIterationSucceeded": "succeeded", "MapIterationFailed": "failed",
                  "MapIterationAborted": "cancelled"}
_EXECUTION_EVENTS = frozenset({"ExecutionStarted", "ExecutionSucceeded", "ExecutionFailed", "ExecutionAborted",
                               "ExecutionTimedOut", "ExecutionRedriven"})
# when several visits of one state share the graph node, the one shown is the most telling
_PRIORITY = {"running": 0, "failed": 1, "caught": 2, "cancelled": 3, "succeeded": 4, "not-run": 5}


def details(event: Event) -> dict[str, Any]:
    """The event's `...EventDetails` member ({} for events without one)."""
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, dict):
            return value
    return {}


@dataclass
class Visit:
    """One entry into a state, up to its exit (or the end of the execution)."""
    name: str
    type: str  # the state type, from the event type (TaskStateEntered -> Task)
    entered: Event
    iteration: tuple[tuple[str, int], ...]  # (Map state, index) of each enclosing Map iteration
    events: list[Event] = field(default_factory=list)
    exited: Event | None = None
    attempts: int = 0
    last_failure: Event | None = None  # a failure event after the last attempt started
    aborted: bool = False
    status: str = "running"

    @property
    def input(self) -> str | None:
        return details(self.entered).get("input")

    @property
    def output(self) -> str | None:
        return details(self.exited).get("output") if self.exited else None

    @property
    def error(self) -> tuple[str, str] | None:
        """(error, cause) of the failure that ended its last attempt, if one did."""
        if self.last_failure is None:
            return None
        found = details(self.last_failure)
        return str(found.get("error", "")), str(found.get("cause", ""))

    @property
    def retries(self) -> int:
        return max(self.attempts - 1, 0)

    @property
    def started_at(self) -> dt.datetime:
        return self.entered["timestamp"]

    def ended_at(self) -> dt.datetime | None:
        if self.exited is not None:
            return self.exited["timestamp"]
        return self.events[-1]["timestamp"] if self.status != "running" and self.events else None


@dataclass
class Iteration:
    map_state: str
    index: int
    started: Event
    path: tuple[tuple[str, int], ...]
    status: str = "running"
    ended: Event | None = None


class _Frame:
    """Where an event sits: the state visit it belongs to, or the Map iteration, inside `parent`."""
    __slots__ = ("visit", "iteration", "parent")

    def __init__(self, visit: Visit | None, iteration: Iteration | None, parent: "_Frame | None") -> None:
        self.visit, self.iteration, self.parent = visit, iteration, parent

    def path(self) -> tuple[tuple[str, int], ...]:
        frame: _Frame | None = self
        while frame is not None and frame.iteration is None:
            frame = frame.parent
        return frame.iteration.path if frame is not None and frame.iteration is not None else ()

    def open_visit(self, name: str | None = None) -> "_Frame | None":
        frame: _Frame | None = self
        while frame is not None:
            visit = frame.visit
            if visit is not None and visit.exited is None and (name is None or visit.name == name):
                return frame
            frame = frame.parent
        return None


@dataclass
class Trace:
    visits: list[Visit]
    iterations: dict[str, list[Iteration]]  # Map state -> its iterations, in index order of start
    taken: set[tuple[str, str]]  # (from, to) transitions that happened
    events: list[Event]
    execution_status: str

    def __post_init__(self) -> None:
        self._by_name: dict[str, list[Visit]] = {}
        for visit in self.visits:
            self._by_name.setdefault(visit.name, []).append(visit)

    def visits_of(self, name: str, iteration: tuple[str, int] | None = None) -> list[Visit]:
        return [v for v in self._by_name.get(name, []) if iteration is None or iteration in v.iteration
                or not _inside(v, iteration[0])]

    def status_of(self, name: str, iteration: tuple[str, int] | None = None) -> str:
        """One status for a graph node: the last visit's at top level; over Map iterations the most
        telling one (running, then failed, caught, cancelled, succeeded)."""
        visits = self.visits_of(name, iteration)
        if not visits:
            return "not-run"
        if all(not v.iteration for v in visits):
            return visits[-1].status
        return min((v.status for v in visits), key=_PRIORITY.__getitem__)


def _inside(visit: Visit, map_state: str) -> bool:
    return any(name == map_state for name, _ in visit.iteration)


def _is_failure(event_type: str) -> bool:
    return event_type.endswith(_FAILURE_SUFFIXES) and not event_type.startswith("MapIteration") \
        and event_type not in ("ExecutionTimedOut",)


def build_trace(events: Iterable[Event], execution_status: str) -> Trace:
    ordered = list(events)
    root = _Frame(None, None, None)
    frames: dict[int, _Frame] = {0: root}
    visits: list[Visit] = []
    iterations: dict[str, list[Iteration]] = {}
    taken: set[tuple[str, str]] = set()
    for event in ordered:
        kind = event["type"]
        parent = frames.get(event.get("previousEventId") or 0, root)
        info = details(event)
        if kind.endswith("StateEntered"):
            if parent.visit is not None and parent.visit.exited is not None:
                taken.add((parent.visit.name, str(info.get("name"))))
                parent = parent.parent or root
            visit = Visit(str(info.get("name")), kind[:-len("StateEntered")], event, parent.path())
            visit.events.append(event)
            visits.append(visit)
            frames[event["id"]] = _Frame(visit, None, parent)
            continue
        if kind.endswith("StateExited"):
            frame = parent.open_visit(str(info.get("name"))) or parent
            if frame.visit is not None:
                frame.visit.events.append(event)
                frame.visit.exited = event
            frames[event["id"]] = frame
            continue
        if kind == "MapIterationStarted":
            owner = parent.open_visit(str(info.get("name"))) or parent
            path = owner.path() + ((str(info.get("name")), int(info.get("index", 0))),)
            iteration = Iteration(str(info.get("name")), int(info.get("index", 0)), event, path)
            iterations.setdefault(iteration.map_state, []).append(iteration)
            frames[event["id"]] = _Frame(None, iteration, owner)
            continue
        if kind in _ITERATION_END:
            frame: _Frame | None = parent
            while frame is not None and (frame.iteration is None or frame.iteration.index != info.get("index")
                                         or frame.iteration.map_state != info.get("name")):
                frame = frame.parent
            if frame is not None and frame.iteration is not None:
                frame.iteration.status, frame.iteration.ended = _ITERATION_END[kind], event
            frames[event["id"]] = frame or parent
            continue
        owner_frame = parent.open_visit()
        if kind.startswith(("MapState", "ParallelState")):  # a container's own events skip its inner states
            wanted = "Map" if kind.startswith("Map") else "Parallel"
            frame = owner_frame
            while frame is not None and (frame.visit is None or frame.visit.type != wanted or frame.visit.exited):
                frame = frame.parent
            owner_frame = frame or owner_frame
        frames[event["id"]] = owner_frame or parent
        if owner_frame is None or owner_frame.visit is None:
            continue
        visit = owner_frame.visit
        if kind not in _EXECUTION_EVENTS or kind == "ExecutionFailed":
            visit.events.append(event)
        if kind in _ATTEMPT_STARTS:
            visit.attempts += 1
            visit.last_failure = None
        elif _is_failure(kind):
            visit.last_failure = event
        elif kind.endswith("Aborted") or kind == "ExecutionTimedOut":
            visit.aborted = True
    for visit in visits:
        visit.status = _status(visit, execution_status, iterations)
    return Trace(visits, iterations, taken, ordered, execution_status)


def _status(visit: Visit, execution_status: str, iterations: dict[str, list[Iteration]]) -> str:
    if visit.exited is not None:
        return "caught" if visit.last_failure is not None else "succeeded"
    if visit.aborted:
        return "cancelled"
    if visit.type == "Fail":
        return "failed"
    ended_iteration = _iteration_ended(visit, iterations)
    if execution_status == "RUNNING" and not ended_iteration:
        return "running"
    if visit.last_failure is not None:
        return "failed"
    return "cancelled"


def _iteration_ended(visit: Visit, iterations: dict[str, list[Iteration]]) -> bool:
    if not visit.iteration:
        return False
    map_state, index = visit.iteration[-1]
    return any(i.index == index and i.path == visit.iteration and i.status != "running"
               for i in iterations.get(map_state, []))
