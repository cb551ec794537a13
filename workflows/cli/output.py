"""How the CLI shows executions: rich tables for people, one JSON document for scripts (--json)."""
from __future__ import annotations

import datetime as dt
import json
from typing import Any, Iterable

from rich.console import Console
from rich.table import Table

console = Console()
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
        table.add_row(str(event.get("id", "")), elapsed, f"[{style}]{type_}[/]" if style else type_, state,
                      _details(event))
    return table


def executions_table(executions: list[dict[str, Any]]) -> Table:
    table = Table(header_style="bold")
    for column in ("name", "state machine", "status", "started", "stopped"):
        table.add_column(column, overflow="fold")
    for execution in executions:
        machine = execution.get("stateMachineArn", "").rsplit(":", 1)[-1]
        table.add_row(execution.get("name", ""), machine, status_text(execution.get("status", "")),
                      _when(execution.get("startDate")), _when(execution.get("stopDate")))
    return table


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if isinstance(value, dt.datetime) else ""


def state_table(events: list[dict[str, Any]], title: str = "") -> Table:
    """History folded to one row per state visited: when, which state, what happened inside it.

    Easier to read than the raw event list (a Task state is five events) while keeping every
    event type, error and cause visible.
    """
    table = Table(title=title or None, header_style="bold")
    for column in ("t+", "state", "events", "details"):
        table.add_column(column, overflow="fold")
    start = events[0]["timestamp"] if events else None
    rows: list[list[str]] = []
    for event in events:
        type_ = event.get("type", "")
        elapsed = _elapsed(start, event.get("timestamp"))
        if "stateEnteredEventDetails" in event:
            rows.append([elapsed, event["stateEnteredEventDetails"]["name"], type_.replace("StateEntered", ""), ""])
        elif "stateExitedEventDetails" in event:
            continue
        elif type_.startswith("Execution"):
            rows.append([elapsed, "", f"[{'green' if type_ == 'ExecutionSucceeded' else 'red' if 'Fail' in type_ or 'Timed' in type_ or 'Abort' in type_ else 'bold'}]{type_}[/]",
                         _details(event)])
        elif rows:
            rows[-1][2] += f" > {type_}"
            detail = _details(event)
            if detail and ("error" in str(event).lower() or not rows[-1][3]):
                rows[-1][3] = detail
    for row in rows:
        table.add_row(*row)
    return table


def _elapsed(start: Any, when: Any) -> str:
    if not isinstance(start, dt.datetime) or not isinstance(when, dt.datetime):
        return ""
    seconds = (when - start).total_seconds()
    if seconds >= 86_400:
        return f"{seconds / 86_400:.1f} d"
    if seconds >= 1:
        return f"{seconds:.1f} s"
    return f"{seconds * 1000:.0f} ms"
