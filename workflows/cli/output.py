"""How the CLI shows executions: rich tables for people, one JSON document for scripts (--json)."""
from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Any, Iterable

from rich.console import Console
from rich.markup import escape
from rich.table import Table

# Not a terminal (a pipe, a file, `$(...)`): no line is wrapped, so every ARN in a table stays whole
# on one line for grep/awk/cut; a terminal folds long cells to its width.
NO_WRAP_WIDTH = 100_000
console = Console(width=None if sys.stdout.isatty() else NO_WRAP_WIDTH)
errors = Console(stderr=True)
STATUS_STYLE = {"SUCCEEDED": "green", "FAILED": "red", "TIMED_OUT": "red", "ABORTED": "yellow",
                "RUNNING": "cyan", "PENDING_REDRIVE": "yellow"}


def emit_json(value: Any) -> None:
    """Print `value` as JSON (datetimes as ISO-8601) on stdout, nothing else."""
    print(json.dumps(value, indent=2, default=_default, sort_keys=False))


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def status_text(status: str) -> str:
    return f"[{STATUS_STYLE.get(status, 'white')}]{status}[/]"


def path_of(events: Iterable[dict[str, Any]]) -> list[str]:
    """The states an execution entered, in order (its path through the machine)."""
    return [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]


def path_line(events: Iterable[dict[str, Any]]) -> str:
    """"path: A -> B" as console markup; names are escaped (a state may be called "[draft]")."""
    return "path: " + escape(" -> ".join(path_of(events)))


def _details(event: dict[str, Any]) -> str:
    for key, value in event.items():
        if not key.endswith("EventDetails") or not isinstance(value, dict):
            continue
        if "error" in value or "cause" in value:
            return f"{value.get('error', '')}: {str(value.get('cause', ''))[:90]}".strip(": ")
        if key.startswith("stateEntered") or key.startswith("stateExited"):
            return ""
        if "resource" in value:
            return f"{value.get('resourceType', '')}:{value['resource']}"
        for field in ("output", "input"):
            if field in value:
                return str(value[field])[:100]
    return ""


def history_table(events: list[dict[str, Any]], title: str = "") -> Table:
    """GetExecutionHistory events as a table: id, elapsed time, type, state, details."""
    table = Table(title=title or None, show_lines=False, header_style="bold")
    for column in ("#", "t+ms", "event", "state", "details"):
        table.add_column(column, overflow="fold")
    start = events[0]["timestamp"] if events else None
    for event in events:
        elapsed = ""
        if start is not None and isinstance(event.get("timestamp"), dt.datetime):
            elapsed = str(int((event["timestamp"] - start).total_seconds() * 1000))
        state = ""
        for key in ("stateEnteredEventDetails", "stateExitedEventDetails"):
            if key in event:
                state = event[key].get("name", "")
        type_ = event.get("type", "")
        style = "red" if "Fail" in type_ or "TimedOut" in type_ else ("green" if "Succeeded" in type_ else "")
        table.add_row(str(event.get("id", "")), elapsed, f"[{style}]{type_}[/]" if style else type_, escape(state),
                      escape(_details(event)))  # causes and outputs are free text: "[/x]" is no markup
    return table


def executions_table(executions: list[dict[str, Any]]) -> Table:
    """One row per execution; the ARN column is the whole executionArn (what `history` takes)."""
    table = Table(header_style="bold")
    for column in ("name", "state machine", "status", "started", "stopped"):
        table.add_column(column, overflow="fold")
    table.add_column("ARN", overflow="fold")
    for execution in executions:
        machine = execution.get("stateMachineArn", "").rsplit(":", 1)[-1]
        table.add_row(escape(execution.get("name", "")), escape(machine), status_text(execution.get("status", "")),
                      _when(execution.get("startDate")), _when(execution.get("stopDate")),
                      escape(execution.get("executionArn", "")))
    return table


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if isinstance(value, dt.datetime) else ""


def state_table(events: list[dict[str, Any]], title: str = "") -> Table:
    """History folded to one row per state visited: when, which state, what happened inside it.

    Easier to read than the raw event list (a Task state is five events) while keeping every
    event type, error and cause visible. Concurrent Map iterations and Parallel branches interleave
    their events, so an event goes to the row its `previousEventId` chain leads to (not simply the
    last row), and a state inside a Map iteration is labelled with the item index.
    """
    table = Table(title=title or None, header_style="bold")
    for column in ("t+", "state", "events", "details"):
        table.add_column(column, overflow="fold")
    for row in fold_states(events):
        table.add_row(row["elapsed"], escape(row["label"]), " > ".join(row["events"]), escape(row["details"]))
    return table


def fold_states(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """[{elapsed, label, state, events: [event types], details}] in the order states were entered."""
    start = events[0]["timestamp"] if events else None
    rows: list[dict[str, Any]] = []
    row_of: dict[int, int] = {}  # event id -> row index
    items_of: dict[int, tuple[int, ...]] = {}  # event id -> Map item indexes (outermost first)
    for event in events:
        event_id, previous, type_ = event.get("id", 0), event.get("previousEventId", 0), event.get("type", "")
        items = items_of.get(previous, ())
        if type_ == "MapIterationStarted":
            items = items + (int(event["mapIterationStartedEventDetails"].get("index", 0)),)
            items_of[event_id] = items
            if previous in row_of:
                row_of[event_id] = row_of[previous]
            continue
        if "stateEnteredEventDetails" in event:
            name = event["stateEnteredEventDetails"]["name"]
            label = name + (f" [item {'/'.join(map(str, items))}]" if items else "")
            rows.append({"elapsed": _elapsed(start, event.get("timestamp")), "label": label, "state": name,
                         "kind": type_.replace("StateEntered", ""), "events": [type_.replace("StateEntered", "")],
                         "details": "", "open": True, "items": items})
            row_of[event_id], items_of[event_id] = len(rows) - 1, items
            continue
        if type_.startswith("Execution"):
            style = ("green" if type_ == "ExecutionSucceeded" else
                     "red" if "Fail" in type_ or "Timed" in type_ or "Abort" in type_ else "bold")
            rows.append({"elapsed": _elapsed(start, event.get("timestamp")), "label": "", "state": "",
                         "kind": "Execution", "events": [f"[{style}]{type_}[/]"], "details": _details(event),
                         "open": False, "items": ()})
            row_of[event_id] = len(rows) - 1
            continue
        index = _owner_row(rows, event, row_of.get(previous))
        if index is None:
            continue
        row = rows[index]
        row_of[event_id], items_of[event_id] = index, row["items"]
        if "stateExitedEventDetails" in event:
            row["open"] = False
            continue
        row["events"].append(type_)
        detail = _details(event)
        if detail and ("error" in str(event).lower() or not row["details"]):
            row["details"] = detail
    return rows


def _owner_row(rows: list[dict[str, Any]], event: dict[str, Any], chained: int | None) -> int | None:
    """The row an event belongs to: the state it exits, the Map/Parallel it reports on, else its chain."""
    type_ = event.get("type", "")
    if "stateExitedEventDetails" in event:
        name = event["stateExitedEventDetails"].get("name")
        if chained is not None and rows[chained]["state"] == name and rows[chained]["open"]:
            return chained
        return next((i for i in range(len(rows) - 1, -1, -1) if rows[i]["state"] == name and rows[i]["open"]), chained)
    for kind in ("Map", "Parallel"):
        if type_.startswith(kind + "State") or (kind == "Map" and type_.startswith("MapRun")):
            return next((i for i in range(len(rows) - 1, -1, -1) if rows[i]["kind"] == kind and rows[i]["open"]),
                        chained)
    if chained is not None:
        return chained
    return len(rows) - 1 if rows else None


def _elapsed(start: Any, when: Any) -> str:
    if not isinstance(start, dt.datetime) or not isinstance(when, dt.datetime):
        return ""
    seconds = (when - start).total_seconds()
    if seconds >= 86_400:
        return f"{seconds / 86_400:.1f} d"
    if seconds >= 1:
        return f"{seconds:.1f} s"
    return f"{seconds * 1000:.0f} ms"
