"""Distributed Map runs: the child workflow executions of a DISTRIBUTED Map state, and the API on
them - ListMapRuns, DescribeMapRun, UpdateMapRun, ListExecutions(mapRunArn=...).

A map run starts one child execution per item (or batch), at most MaxConcurrency at a time. Its ARN
is `arn:...:mapRun:<machine>/<Label or run id>:<uuid>` and its children are
`arn:...:execution:<machine>/<Label or run id>:<child>`, as on AWS; each child is a real execution
(ExecutionStarted ... ExecutionSucceeded in its own history, DescribeExecution,
DescribeStateMachineForExecution with the map run's ARN and label), kept out of the parent's history
and of ListExecutions of the machine.

DescribeMapRun counts items and executions by status (pending, running, succeeded, failed, timedOut,
aborted, total, resultsWritten, failuresNotRedrivable, pendingRedrive). UpdateMapRun changes a
running map run's MaxConcurrency and tolerated failure count / percentage at once: the next child
starts under the new limit, the next failure is judged by the new tolerance.

Redrive (`redrive`): when the parent execution is redriven, the Map state takes its failed map run
again (same ARN; MapRunRedriven instead of MapRunStarted, the run's redriveCount and redriveDate):
children that succeeded keep their results, Standard children that did not are redriven from where
they stopped, Express children are started again. A Standard child whose history is full (see
`redrive.history_full`) is not redriven: it stays failed and counts toward the tolerance, as AWS's
"Redriving Map Runs" says.
"""
from __future__ import annotations

import json
import uuid
from typing import Any, Callable

from workflows.engine import arns
from workflows.engine import errors as names

from workflows.engine.api_core import ClientCore
from workflows.engine.api_errors import api_error
from workflows.engine.children import gather
from workflows.engine.errors import StatesError
from workflows.engine.paging import paged
from workflows.engine.execution_items import execution_list_item
from workflows.engine.redrive import (forget, history_full, journal, map_run_of, redrive_filter_matches, reopen,
                                      resumable)
from workflows.engine.quotas import HISTORY_LIMIT_CAUSE
from workflows.engine.runtime import NOT_TRUNCATED, Execution, Frame, HistoryLimitExceeded, dumps, to_datetime
from workflows.engine.scheduler import Cancelled

CHILD_STATUSES = ("pending", "running", "succeeded", "failed", "timedOut", "aborted")
THRESHOLD_CAUSE = "The specified tolerated failure threshold was exceeded"


def tolerated(failures: int, total: int, count: int | None, percent: float | None) -> bool:
    """AWS's rule for a Map's failed items: tolerated while ToleratedFailureCount allows them or
    their share of all items is within ToleratedFailurePercentage (executions and TestState)."""
    if count is not None and failures <= count:
        return True
    return percent is not None and total > 0 and failures * 100 / total <= percent


class MapRun:
    """One map run: its settings (UpdateMapRun changes them live), children and their outcomes."""

    def __init__(self, arn: str, parent: Execution, state: Any, label: str, values: list | None,
                 max_concurrency: int, tolerated_count: int | None, tolerated_percent: float | None,
                 started: float) -> None:
        self.arn, self.parent, self.state_name, self.label = arn, parent, state.name, label
        self.machine_arn = arn.replace(":mapRun:", ":stateMachine:").rsplit(":", 1)[0]  # <machine>/<label>
        self.batched = state.item_batcher is not None
        self.max_concurrency = max_concurrency
        self.tolerated_count, self.tolerated_percent = tolerated_count, tolerated_percent
        self.status = "RUNNING"
        self.start, self.stop = started, None
        self.redrive_count = 0
        self.redrive_date: float | None = None
        self._wakers: list[Any] = []
        self.load(values or [])
        self.loaded = values is not None  # None: an ItemReader's, read inside the run (`run_distributed`)

    def load(self, values: list) -> None:
        """The run's items (or batches): one child execution each."""
        self.values = values
        self.weights = [len(v["Items"]) if self.batched and isinstance(v, dict) and isinstance(v.get("Items"), list)
                        else 1 for v in values]  # items per child execution
        self.statuses = ["pending"] * len(values)
        self.children: list[Execution | None] = [None] * len(values)
        self.results: list[Any] = [None] * len(values)
        self.loaded = True

    # ---- what gather asks, live --------------------------------------------------------------
    def limit(self) -> int:
        return self.max_concurrency

    @property
    def tolerance_set(self) -> bool:
        return self.tolerated_count is not None or self.tolerated_percent is not None

    def tolerated(self, failures: int) -> bool:
        return tolerated(failures, len(self.values), self.tolerated_count, self.tolerated_percent)

    def wake_with(self, waker: Any) -> None:
        self._wakers.append(waker)

    def update(self, max_concurrency: int | None, count: int | None, percent: float | None) -> None:
        if max_concurrency is not None:
            self.max_concurrency = max_concurrency
        if count is not None:
            self.tolerated_count = count
        if percent is not None:
            self.tolerated_percent = percent
        for waker in self._wakers:
            waker()

    # ---- DescribeMapRun -----------------------------------------------------------------------
    def counts(self, by_items: bool) -> dict[str, int]:
        counts = dict.fromkeys(CHILD_STATUSES, 0)
        for index, status in enumerate(self.statuses):
            counts[status] += self.weights[index] if by_items else 1
        counts["total"] = sum(self.weights) if by_items else len(self.statuses)
        counts["resultsWritten"] = sum(
            (self.weights[i] if by_items else 1) for i, s in enumerate(self.statuses) if s == "succeeded")
        counts["failuresNotRedrivable"] = 0
        counts["pendingRedrive"] = 0
        return counts

    def describe(self) -> dict[str, Any]:
        response: dict[str, Any] = {
            "mapRunArn": self.arn, "executionArn": self.parent.arn, "status": self.status,
            "startDate": to_datetime(self.start)}
        if self.stop is not None:
            response["stopDate"] = to_datetime(self.stop)
        response.update({"maxConcurrency": self.max_concurrency,
                         "toleratedFailurePercentage": float(self.tolerated_percent or 0),
                         "toleratedFailureCount": int(self.tolerated_count or 0),
                         "itemCounts": self.counts(True), "executionCounts": self.counts(False)})
        response["redriveCount"] = self.redrive_count
        if self.redrive_date is not None:
            response["redriveDate"] = to_datetime(self.redrive_date)
        return response

    def list_item(self) -> dict[str, Any]:
        item: dict[str, Any] = {"executionArn": self.parent.arn, "mapRunArn": self.arn,
                                "stateMachineArn": self.machine_arn, "startDate": to_datetime(self.start)}
        if self.stop is not None:
            item["stopDate"] = to_datetime(self.stop)
        return item


def _run_arn(engine: Any, machine_name: str, label: str | None) -> tuple[str, str]:
    """(map run ARN, its label part); the same two RNG draws whatever the label."""
    run_id = uuid.UUID(int=engine.rng.getrandbits(128))
    suffix = uuid.UUID(int=engine.rng.getrandbits(128))
    part = label or str(run_id)
    return (f"arn:{engine.partition}:states:{engine.region}:{engine.account_id}:mapRun:"
            f"{machine_name}/{part}:{suffix}"), part


async def run_distributed(state: Any, items: list | Callable[[], list], frame: Frame, limit: int,
                          count: int | None, percent: float | None) -> list:
    """Run the Map state's items as the children of a map run; their outputs in item order. `items`
    may be a function: an ItemReader's items are read inside the map run, as AWS does (MapRunStarted,
    then the read; a reader failure is the run's MapRunFailed)."""
    from workflows.engine.interpreter import run_program  # a program runs Maps, a Map runs programs

    execution = frame.execution
    engine = execution.engine
    scheduler = engine.scheduler
    registry: dict[str, MapRun] = engine.map_runs

    def new_run() -> MapRun:
        arn, part = _run_arn(engine, execution.machine.name, state.label or None)
        run = MapRun(arn, execution, state, part, None if callable(items) else items, limit, count, percent,
                     scheduler.now())
        registry[arn] = run
        execution.map_runs.append({"mapRunArn": arn, "stateName": state.name, "run": run})
        return run

    run = resumable(frame, (state.name, "map-run"), new_run)
    redriven = run.status != "RUNNING"
    if redriven:
        run.status, run.stop = "RUNNING", None
        run.redrive_count += 1
        run.redrive_date = scheduler.now()
        run_started = frame.emit("MapRunRedriven", "mapRunRedrivenEventDetails",
                                 {"mapRunArn": run.arn, "redriveCount": run.redrive_count})
    else:
        run_started = frame.emit("MapRunStarted", "mapRunStartedEventDetails", {"mapRunArn": run.arn})
    # MapStateExited chains to MapRunStarted on current AWS, to MapRunSucceeded before late 2024
    # (see aws_behaviour); MapStateSucceeded always follows MapRunSucceeded.
    if not run.loaded:
        try:
            run.load(items() if callable(items) else items)
        except StatesError as error:
            _close(run, "FAILED", scheduler.now())
            frame.emit("MapRunFailed", "mapRunFailedEventDetails", _failure_details(error))
            raise
    processor = state.processor
    express = processor.execution_type == "EXPRESS"
    child_prefix = run.machine_arn.replace(":stateMachine:", ":execution:")

    async def child_run(index: int, value: Any) -> Any:
        if run.statuses[index] == "succeeded":
            return run.results[index]
        child = run.children[index]
        run.statuses[index] = "running"
        try:
            if child is not None and not express and child.top_frame is not None:
                if history_full(child):  # AWS: not redriven, it counts as failed toward the tolerance
                    run.statuses[index] = "failed"
                    raise StatesError(child.error or names.RUNTIME, child.cause)
                reopen(child, scheduler.now())  # a Standard child is redriven where it stopped
                return await _drive_child(child, child.top_frame, run, index, run_program, child.input)
            name = str(uuid.UUID(int=engine.rng.getrandbits(128)))
            child = Execution(engine, execution.machine, f"{child_prefix}:{name}", name, value, dumps(value),
                              scheduler.now(), express=express, sync=False, test_case=execution.test_case,
                              parent=execution)
            child.add_event("ExecutionStarted", 0, "executionStartedEventDetails",
                            {"input": child.input_text, "inputDetails": NOT_TRUNCATED,
                             "roleArn": execution.machine.role_arn})
            run.children[index] = child
            journal(child).map_run = run
            engine.executions[child.arn] = child
            child_frame = child.top_frame = Frame(child, processor, child.root_variables)
            return await _drive_child(child, child_frame, run, index, run_program, value)
        except Cancelled:
            run.statuses[index] = "aborted"
            raise

    try:
        results = await gather(frame, [child_run(i, v) for i, v in enumerate(run.values)], run.limit,
                               run.tolerated, wake_with=run.wake_with)
    except StatesError as error:
        if run.tolerance_set:
            error = StatesError(names.EXCEED_TOLERATED_FAILURE_THRESHOLD, THRESHOLD_CAUSE)
        _close(run, "FAILED", scheduler.now())
        frame.emit("MapRunFailed", "mapRunFailedEventDetails", _failure_details(error))
        raise error from None
    except Cancelled:
        _close(run, "ABORTED", scheduler.now())
        raise
    _close(run, "SUCCEEDED", scheduler.now())
    frame.emit("MapRunSucceeded")
    frame.emit("MapStateSucceeded", chain=False)
    if engine.behaviour.map_exit_after_run_started:
        frame.last_id = run_started
    return results


def _failure_details(error: StatesError) -> dict[str, Any]:
    return {"cause": error.cause, "error": error.error} if error.cause else {"error": error.error}


async def _drive_child(child: Execution, frame: Frame, run: MapRun, index: int, run_program: Any,
                       value: Any) -> Any:
    """Run one child workflow to its end and record it on the child and the map run."""
    try:
        output = await run_program(frame.program, value, frame)
    except StatesError as error:
        child.finish("FAILED", error=error.error, cause=error.cause, previous=frame.last_id)
        run.statuses[index] = "failed"
        child.engine.tokens.close_execution(child.arn)
        raise
    except HistoryLimitExceeded:  # the child has FAILED on its own history quota
        run.statuses[index] = "failed"
        child.engine.tokens.close_execution(child.arn)
        raise StatesError(names.RUNTIME, HISTORY_LIMIT_CAUSE) from None
    except Cancelled:
        child.finish("ABORTED", previous=frame.last_id)
        child.engine.tokens.close_execution(child.arn)
        raise
    child.finish("SUCCEEDED", output=output, output_text=frame.text_of(output), previous=frame.last_id)
    run.statuses[index] = "succeeded"
    run.results[index] = output
    forget(child)
    return output


def _close(run: MapRun, status: str, now: float) -> None:
    """End the run; children a failed or aborted run never finished count as aborted."""
    run.status, run.stop = status, now
    for index, state in enumerate(run.statuses):
        if state in ("pending", "running"):
            run.statuses[index] = "aborted"


def processor_definition(run: MapRun) -> str:
    """The Map state's ItemProcessor as the child workflows' definition."""
    def find(node: Any) -> Any:
        if isinstance(node, dict):
            states = node.get("States")
            if isinstance(states, dict) and isinstance(states.get(run.state_name), dict):
                found = states[run.state_name].get("ItemProcessor") or states[run.state_name].get("Iterator")
                if found is not None:
                    return found
            for child in node.values():
                hit = find(child)
                if hit is not None:
                    return hit
        elif isinstance(node, list):
            for child in node:
                hit = find(child)
                if hit is not None:
                    return hit
        return None

    processor = find(json.loads(run.parent.machine.definition_text)) or {}
    return json.dumps({k: v for k, v in processor.items() if k != "ProcessorConfig"})


def child_run(execution: Execution) -> MapRun | None:
    """The map run a child workflow execution belongs to (None for any other execution)."""
    return map_run_of(execution)


class MapRunOperations(ClientCore):
    def _map_run(self, arn: Any) -> MapRun:
        arns.expect(arn, "mapRun")
        run = self._engine.map_runs.get(arn)
        if run is None:
            raise api_error("ResourceNotFound", f"Resource not found: '{arn}'")
        return run

    def list_map_runs(self, *, executionArn: str, maxResults: int | None = None,
                      nextToken: str | None = None) -> dict[str, Any]:
        with self._lock:
            execution = self._any_execution(executionArn)
            items = [entry["run"].list_item() for entry in execution.map_runs if "run" in entry]
        return paged("mapRuns", items, maxResults, nextToken)

    def describe_map_run(self, *, mapRunArn: str) -> dict[str, Any]:
        with self._lock:
            return self._map_run(mapRunArn).describe()

    def update_map_run(self, *, mapRunArn: str, maxConcurrency: int | None = None,
                       toleratedFailurePercentage: float | None = None,
                       toleratedFailureCount: int | None = None) -> dict[str, Any]:
        with self._lock:
            run = self._map_run(mapRunArn)
            if maxConcurrency is None and toleratedFailurePercentage is None and toleratedFailureCount is None:
                raise api_error("ValidationException", "At least one of maxConcurrency, toleratedFailurePercentage "
                                                       "or toleratedFailureCount must be specified")
            if run.status != "RUNNING":
                raise api_error("ValidationException", f"Map Run '{mapRunArn}' is {run.status}: only a RUNNING "
                                                       f"Map Run can be updated")
            run.update(maxConcurrency, toleratedFailureCount, toleratedFailurePercentage)
            self._engine.scheduler.kick()
            return {}

    def _map_run_executions(self, map_run_arn: str, status_filter: str | None,
                            redrive_filter: str | None) -> list[dict[str, Any]]:
        """ListExecutions(mapRunArn=...): the map run's child workflow executions."""
        run = self._map_run(map_run_arn)
        items = []
        for index, child in enumerate(run.children):
            if child is None or (status_filter and child.status != status_filter):
                continue
            if not redrive_filter_matches(child, redrive_filter):
                continue
            item = execution_list_item(child, run.machine_arn, self._now())
            item["mapRunArn"] = run.arn
            item["itemCount"] = run.weights[index]
            items.append(item)
        return items
