"""How the CLI and the demo fold a history into one row per state (workflows.cli.output)."""
from __future__ import annotations

import datetime as dt
import io
from typing import Any

from rich.console import Console

from workflows.cli.output import fold_states, history_table, path_line, state_table

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


def event(id_: int, previous: int, type_: str, **details: Any) -> dict[str, Any]:
    return {"id": id_, "previousEventId": previous, "type": type_, "timestamp": T0, **details}


def entered(name: str) -> dict[str, Any]:
    return {"stateEnteredEventDetails": {"name": name, "input": "{}"}}


def exited(name: str) -> dict[str, Any]:
    return {"stateExitedEventDetails": {"name": name, "output": "{}"}}


def iteration(index: int) -> dict[str, Any]:
    return {"mapIterationStartedEventDetails": {"name": "Fan", "index": index}}


# Two concurrent Map iterations whose events interleave, as the engine (and AWS) record them:
# item 1 starts before item 0's task succeeds, and item 1's task fails into a Catch.
INTERLEAVED = [
    event(1, 0, "ExecutionStarted", executionStartedEventDetails={"input": "{}"}),
    event(2, 0, "MapStateEntered", **entered("Fan")),
    event(3, 2, "MapStateStarted", mapStateStartedEventDetails={"length": 2}),
    event(4, 3, "MapIterationStarted", mapIterationStartedEventDetails=iteration(0)["mapIterationStartedEventDetails"]),
    event(5, 4, "TaskStateEntered", **entered("Call")),
    event(6, 5, "TaskScheduled", taskScheduledEventDetails={"resourceType": "lambda", "resource": "invoke"}),
    event(7, 3, "MapIterationStarted", mapIterationStartedEventDetails=iteration(1)["mapIterationStartedEventDetails"]),
    event(8, 7, "TaskStateEntered", **entered("Call")),
    event(9, 8, "TaskScheduled", taskScheduledEventDetails={"resourceType": "lambda", "resource": "invoke"}),
    event(10, 6, "TaskSucceeded", taskSucceededEventDetails={"output": "{\"n\": 0}"}),
    event(11, 10, "TaskStateExited", **exited("Call")),
    event(12, 11, "MapIterationSucceeded", mapIterationSucceededEventDetails={"name": "Fan", "index": 0}),
    event(13, 9, "TaskFailed", taskFailedEventDetails={"error": "Boom", "cause": "item 1 broke"}),
    event(14, 13, "TaskStateExited", **exited("Call")),
    event(15, 14, "PassStateEntered", **entered("Caught")),
    event(16, 15, "PassStateExited", **exited("Caught")),
    event(17, 16, "MapIterationSucceeded", mapIterationSucceededEventDetails={"name": "Fan", "index": 1}),
    event(18, 17, "MapStateSucceeded"),
    event(19, 18, "MapStateExited", **exited("Fan")),
    event(20, 19, "ExecutionSucceeded", executionSucceededEventDetails={"output": "[]"}),
]


def test_concurrent_map_iterations_keep_their_own_rows() -> None:
    rows = {row["label"]: row for row in fold_states(INTERLEAVED)}
    assert list(rows) == ["", "Fan", "Call [item 0]", "Call [item 1]", "Caught [item 1]"]
    assert rows["Fan"]["events"] == ["Map", "MapStateStarted", "MapStateSucceeded"]
    assert rows["Call [item 0]"]["events"] == ["Task", "TaskScheduled", "TaskSucceeded", "MapIterationSucceeded"]
    assert rows["Call [item 1]"]["events"] == ["Task", "TaskScheduled", "TaskFailed"]
    assert rows["Call [item 1]"]["details"] == "Boom: item 1 broke"
    assert rows["Caught [item 1]"]["events"] == ["Pass", "MapIterationSucceeded"]


def test_state_table_prints_item_labels_literally() -> None:
    buffer = io.StringIO()
    Console(file=buffer, width=200).print(state_table(INTERLEAVED))
    assert "Call [item 0]" in buffer.getvalue() and "Caught [item 1]" in buffer.getvalue()


def test_history_table_and_path_print_causes_and_names_literally() -> None:
    # free text in a history ("[/x]" in a cause, a state named "[draft]") is not rich markup
    events = [event(1, 0, "PassStateEntered", **entered("[draft] Step")),
              event(2, 1, "ExecutionFailed", executionFailedEventDetails={"error": "Bad", "cause": "got [/x] and [bold]y"})]
    buffer = io.StringIO()
    console = Console(file=buffer, width=200)
    console.print(history_table(events))
    console.print(path_line(events))
    printed = buffer.getvalue()
    assert "Bad: got [/x] and [bold]y" in printed
    assert "[draft] Step" in printed and "path: [draft] Step" in printed
