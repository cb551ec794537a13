"""RedriveExecution: a failed, timed-out or aborted Standard execution goes on from where it stopped.

AWS's rules (RedriveExecution API reference, "Redriving executions" in the developer guide):
- only Standard executions that did not succeed, within 14 days of stopping, at most a year after
  they started, with fewer than 24,999 history events, whose state machine still exists, and that
  started after the feature launched (2023-11-15; `aws_behaviour`);
- the same execution ARN, input and definition (the revision it started on); the steps that
  succeeded are not run again and keep their results and history; the unsuccessful state runs again
  with its Retry counters reset; inside an Inline Map or a Parallel only the iterations and branches
  that failed or were aborted run again (each from its own unsuccessful step); a Distributed Map
  redrives its map run (`map_runs`): only the child workflows that did not succeed run again;
- history: an `ExecutionRedriven` event (redriveCount) follows the failure event, then the events of
  the resumed steps; $$.Execution.RedriveCount / RedriveTime tell the states;
- the execution's TimeoutSeconds counts again from the redrive;
- DescribeExecution / ListExecutions report redriveCount, redriveDate, redriveStatus and
  redriveStatusReason; a child workflow of a map run is REDRIVABLE_BY_MAP_RUN (NOT_REDRIVABLE once
  its history is full: the parent's redrive leaves it failed, counted toward the tolerance);
- the 25,000 events count across attempts: a redriven execution that reaches them fails on the
  history quota like any other (`runtime`), and is then not redrivable.

How: every line of control flow (`Frame`) records which state it is in and with what input
(`Frame.at`, set by `run_program`), and (None, output) once it has run to its end. Parallel
branches, Map iterations and map runs are created through `child_frame` / `resumable`, which keep
them per (parent frame, state, index) in the execution's `RedriveJournal`. A redrive marks every
recorded child as resumable and runs the top-level frame again: `run_program` continues a frame at
its `at`, finished children return their output at once, and the first attempt of a resumed state
takes the children of the failed run instead of new ones. Express executions keep no journal.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, TypeVar

from workflows.engine import arns
from workflows.engine.api_core import ClientCore
from workflows.engine.api_errors import api_error
from workflows.engine.runtime import Execution, Frame, iso_millis, to_datetime
from workflows.engine.scheduler import Future

if TYPE_CHECKING:
    from workflows.engine.model import Program

T = TypeVar("T")
REDRIVABLE_DAYS = 14
MAX_OPEN_DAYS = 365
HISTORY_LIMIT = 24_999  # AWS's 25,000 events, less room for ExecutionRedriven and one more
TOKEN_MEMORY = 10  # AWS answers idempotently for the last 10 client tokens ...
TOKEN_SECONDS = 15 * 60  # ... for 15 minutes after their first use


class RedriveJournal:
    """The children of one execution's Map and Parallel states, by (parent frame, state, index)."""

    __slots__ = ("children", "resumable", "count", "date", "tokens", "map_run")

    def __init__(self) -> None:
        self.map_run: Any = None  # the map_runs.MapRun of a child workflow execution
        self.children: dict[tuple[Any, ...], Any] = {}
        self.resumable: set[tuple[Any, ...]] = set()
        self.count = 0
        self.date: float | None = None
        self.tokens: list[tuple[str, float, float]] = []  # (client token, first use, redrive date)


def journal(execution: Execution) -> RedriveJournal:
    found = execution.redrive_journal
    if found is None:
        found = execution.redrive_journal = RedriveJournal()
    return found


def resumable(frame: Frame, key: tuple[Any, ...], make: Callable[[], T]) -> T:
    """`make()`, kept under `key`; when a redrive resumes the state, the one of the failed run."""
    execution = frame.execution
    if execution.express:
        return make()
    book = journal(execution)
    full = (frame, *key)
    if full in book.resumable:
        book.resumable.discard(full)
        return book.children[full]
    made = book.children[full] = make()
    return made


def child_frame(frame: Frame, state_name: str, index: int, program: Program) -> Frame:
    """The frame of a Parallel branch or Map iteration: new, or the failed run's when resumed."""
    child = resumable(frame, (state_name, index), lambda: frame.child(program))
    child.last_id = frame.last_id
    return child


def finished(frame: Frame) -> bool:
    """Whether the line of control flow ran to its end (before a redrive resumed its parent)."""
    return frame.at is not None and frame.at[0] is None


def map_run_of(execution: Execution) -> Any:
    """The map run whose child workflow this execution is, or None."""
    book = execution.redrive_journal
    return book.map_run if book is not None else None


def forget(execution: Execution) -> None:
    """A succeeded execution can never be redriven: drop what a redrive would need."""
    execution.top_frame = None
    if execution.redrive_journal is not None:
        execution.redrive_journal.children.clear()


def history_full(execution: Execution) -> bool:
    """Whether a Standard execution's history has no room left for a redrive: AWS redrives only
    executions with fewer than 24,999 events (ExecutionRedriven and at least one more must fit in
    the 25,000). Express executions keep no history on AWS; a map run restarts them anew."""
    return not execution.express and len(execution.events) >= HISTORY_LIMIT


def redrive_status(execution: Execution, now: float) -> tuple[str, str | None]:
    """(redriveStatus, redriveStatusReason) as DescribeExecution reports them."""
    if execution.status in ("RUNNING", "SUCCEEDED"):
        return "NOT_REDRIVABLE", f"Execution is {execution.status} and cannot be redriven"
    if history_full(execution):
        return "NOT_REDRIVABLE", "Execution history event limit exceeded"
    if execution.redrive_journal is not None and execution.redrive_journal.map_run is not None:
        return "REDRIVABLE_BY_MAP_RUN", None
    if execution.engine.machines.get(execution.machine.arn) is None:
        return "NOT_REDRIVABLE", "State machine is in DELETING status"
    if not execution.engine.behaviour.redrive_count:
        return "NOT_REDRIVABLE", "Execution was started before the launch of RedriveExecution"
    if now - execution.start > MAX_OPEN_DAYS * 86400:
        return "NOT_REDRIVABLE", "Execution has exceeded the max execution time"
    if execution.stop is not None and now - execution.stop > REDRIVABLE_DAYS * 86400:
        return "NOT_REDRIVABLE", "Execution redrivable period exceeded"
    if execution.top_frame is None:
        return "NOT_REDRIVABLE", f"Execution is {execution.status} and cannot be redriven"
    return "REDRIVABLE", None


def redrive_fields(execution: Execution, now: float) -> dict[str, Any]:
    """redriveCount, redriveDate, redriveStatus and redriveStatusReason of a Standard execution."""
    book = execution.redrive_journal
    fields: dict[str, Any] = {"redriveCount": book.count if book else 0}
    if book is not None and book.date is not None:
        fields["redriveDate"] = to_datetime(book.date)
    status, reason = redrive_status(execution, now)
    fields["redriveStatus"] = status
    if reason is not None:
        fields["redriveStatusReason"] = reason
    return fields


def reopen(execution: Execution, now: float) -> int:
    """Turn the stopped execution back into a running one; the new redriveCount. Callers check
    `redrive_status` first: a history with no room would drop the events of the redriven attempt."""
    if history_full(execution):
        raise RuntimeError(f"{execution.arn}: history event limit exceeded, not redrivable")
    book = journal(execution)
    book.count += 1
    book.date = now
    book.resumable = set(book.children)
    execution.status = "RUNNING"
    execution.stop = None
    execution.output_text = execution.error = execution.cause = None
    execution.done = Future()
    execution.context_execution["RedriveCount"] = book.count
    execution.context_execution["RedriveTime"] = iso_millis(now)
    redriven = execution.add_event("ExecutionRedriven", len(execution.events), "executionRedrivenEventDetails",
                                   {"redriveCount": book.count})
    execution.top_frame.last_id = redriven
    return book.count


class RedriveOperations(ClientCore):
    def redrive_execution(self, *, executionArn: str, clientToken: str | None = None) -> dict[str, Any]:
        with self._lock:
            arns.expect(executionArn, "execution")
            execution = self._engine.executions.get(executionArn)
            if execution is None:
                raise api_error("ExecutionDoesNotExist", f"Execution Does Not Exist: '{executionArn}'")
            now = self._now()
            book = journal(execution)
            book.tokens = [t for t in book.tokens[-TOKEN_MEMORY:] if now - t[1] <= TOKEN_SECONDS]
            if clientToken is not None:
                seen = next((t for t in book.tokens if t[0] == clientToken), None)
                if seen is not None:
                    return {"redriveDate": to_datetime(seen[2])}
            status, reason = redrive_status(execution, now)
            if status == "REDRIVABLE_BY_MAP_RUN":
                raise api_error("ExecutionNotRedrivable",
                                "Execution is a child workflow of a Map Run and is redriven by redriving its "
                                "parent execution")
            if status != "REDRIVABLE":
                raise api_error("ExecutionNotRedrivable", reason or "Execution cannot be redriven")
            reopen(execution, now)
            if clientToken is not None:
                book.tokens.append((clientToken, now, now))
            self._engine.resume(execution, now)
            self._engine.scheduler.kick()
            return {"redriveDate": to_datetime(now)}


def redrive_filter_matches(execution: Execution, wanted: str | None) -> bool:
    """ListExecutions' redriveFilter: REDRIVEN or NOT_REDRIVEN (None: every execution)."""
    if wanted is None:
        return True
    redriven = execution.redrive_journal is not None and execution.redrive_journal.count > 0
    if wanted not in ("REDRIVEN", "NOT_REDRIVEN"):
        raise api_error("ValidationException",
                        f"1 validation error detected: Value '{wanted}' at 'redriveFilter' failed to satisfy "
                        f"constraint: Member must satisfy enum value set: [REDRIVEN, NOT_REDRIVEN]")
    return redriven == (wanted == "REDRIVEN")
