"""The Map state: items from the input (ItemsPath / Items) or an ItemReader, each run by the processor.

Inline Map iterations record their events in the parent's history; a DISTRIBUTED Map runs each item
as a child execution of a map run (its events stay out of the parent history, as on AWS:
MapRunStarted / MapRunSucceeded only). MaxConcurrency bounds the number of live children;
ToleratedFailureCount/Percentage decide when failed items fail the state with
States.ExceedToleratedFailureThreshold. ItemBatcher batches are cut by `item_batcher`.
"""
from __future__ import annotations


from workflows.engine import errors as names
from workflows.engine import model as m
from workflows.engine.children import closing_failure, gather
from workflows.engine.dataflow import input_path, jsonata_value, parameters
from workflows.engine.dynamic import resolve
from workflows.engine.errors import StatesError
from workflows.engine.expressions import EvaluationError
from workflows.engine.item_batcher import cut_batches
from workflows.engine.item_reader import read_items
from workflows.engine.json_value import Context, JSON
from workflows.engine.map_runs import run_distributed
from workflows.engine.redrive import child_frame, finished
from workflows.engine.result_writer import write_results
from workflows.engine.retry import with_recovery
from workflows.engine.runtime import Frame, dumps
from workflows.engine.scheduler import Cancelled
from workflows.engine.state_exit import Step, finish_with_result, jsonata_states, record_evaluation_failure, state_error


# ---- Map ---------------------------------------------------------------------------------------
def _items(state: m.MapState, raw: JSON, effective: JSON, frame: Frame, ctx: Context, states: dict | None) -> list:
    if state.item_reader is not None:
        if frame.inspector is not None:  # TestState: the items are given (mapItemReaderData)
            return frame.inspector.reader_items()
        return read_items(state, effective, frame, ctx, states)
    if state.items is None:  # JSONata without Items: the input itself
        if not isinstance(raw, list):
            raise EvaluationError(names.QUERY_EVALUATION_ERROR,
                                  f"Map state input must be an array but was: {dumps(raw)}")
        return raw
    items = resolve(state.items, effective, frame.variables, ctx, states)
    if not state.jsonata:
        frame.note("afterItemsPath", items)
    return items


def _select(state: m.MapState, items: list, effective: JSON, raw: JSON, frame: Frame, ctx: Context) -> list:
    if state.item_selector is None:
        return items
    selected = []
    for index, item in enumerate(items):
        item_ctx = dict(ctx)
        item_ctx["Map"] = {"Item": {"Index": index, "Value": item}}
        if state.jsonata:
            selected.append(jsonata_value(state.item_selector, frame, jsonata_states(raw, item_ctx), "ItemSelector"))
        else:
            selected.append(parameters(state.item_selector, effective, frame, item_ctx, field="ItemSelector"))
    return selected


def _batch(state: m.MapState, items: list, effective: JSON, frame: Frame, ctx: Context,
           states: dict | None) -> list:
    batcher = state.item_batcher
    if batcher is None:
        return items
    max_items = resolve(batcher.max_items, effective, frame.variables, ctx, states)
    max_bytes = resolve(batcher.max_bytes, effective, frame.variables, ctx, states)
    batch_input = None
    if batcher.batch_input is not None:
        if states is not None:
            batch_input = jsonata_value(batcher.batch_input, frame, states, "BatchInput")
        else:
            batch_input = parameters(batcher.batch_input, effective, frame, ctx, field="BatchInput")
    return cut_batches(items, batch_input, max_items, max_bytes)


async def run_map(state: m.MapState, raw: JSON, frame: Frame, entered_id: int, entered_at: float) -> Step:
    async def attempt(retry_count: int) -> Step:
        try:
            return await map_attempt(retry_count)
        except StatesError as error:
            state_error(error, state, entered_id, frame)
            record_evaluation_failure(frame, state, error, frame.execution.previous_of(entered_id))
            raise

    async def map_attempt(retry_count: int) -> Step:
        ctx = frame.context(state.name, entered_at, retry_count)
        states = jsonata_states(raw, ctx) if state.jsonata else None
        effective = raw if state.jsonata else input_path(state, raw, frame, ctx)
        def load() -> list:
            items = _items(state, raw, effective, frame, ctx, states)
            return _batch(state, _select(state, items, effective, raw, frame, ctx), effective, frame, ctx, states)

        # AWS reads an ItemReader's items inside the map run (MapStateStarted says length 0, a read
        # failure is the run's MapRunFailed); TestState is given them (mapItemReaderData).
        reads_in_run = state.item_reader is not None and state.distributed and frame.inspector is None
        values = None if reads_in_run else load()
        limit = resolve(state.max_concurrency, effective, frame.variables, ctx, states, default=0)
        frame.note("maxConcurrency", limit)
        length = 0 if state.item_reader is not None or values is None else len(values)
        frame.emit("MapStateStarted", "mapStateStartedEventDetails", {"length": length})
        count = resolve(state.tolerated_failure_count, effective, frame.variables, ctx, states)
        percent = resolve(state.tolerated_failure_percentage, effective, frame.variables, ctx, states)
        if count is not None:
            frame.note("toleratedFailureCount", count)
        if percent is not None:
            frame.note("toleratedFailurePercentage", float(percent))
        if frame.inspector is not None and values is not None:  # TestState: the mock stands for the results
            result = frame.inspector.children_result(state, values, count, percent)
            return finish_with_result(state, raw, result, frame, ctx)
        if state.distributed:
            result = await run_distributed(state, load if values is None else values, frame, int(limit), count,
                                           percent)
        else:
            result = await _inline(state, values or [], frame, int(limit))
        if state.result_writer is not None:
            result = write_results(state, result, effective, frame, ctx, states)
        return finish_with_result(state, raw, result, frame, ctx)

    return await with_recovery(state, raw, frame, entered_id, entered_at, attempt,
                               on_fail=lambda error: closing_failure(frame, "MapStateFailed", error))


async def _inline(state: m.MapState, values: list, frame: Frame, limit: int) -> list:
    from workflows.engine.interpreter import run_program  # a program runs Maps, a Map runs programs

    processor = state.processor
    assert processor is not None
    closing = [frame.last_id]

    async def iteration(index: int, value: JSON) -> JSON:
        child = child_frame(frame, state.name, index, processor)
        if finished(child):  # succeeded before a redrive: not run again
            return child.at[1]
        details = {"index": index, "name": state.name}
        child.emit("MapIterationStarted", "mapIterationStartedEventDetails", details)
        try:
            output = await run_program(processor, value, child)
        except StatesError:
            child.emit("MapIterationFailed", "mapIterationFailedEventDetails", details, chain=False)
            frame.last_id = child.last_id
            raise
        except Cancelled:
            child.emit("MapIterationAborted", "mapIterationAbortedEventDetails", details)
            raise
        closing[0] = child.emit("MapIterationSucceeded", "mapIterationSucceededEventDetails", details,
                                chain=False)
        frame.last_id = child.last_id
        return output

    results = await gather(frame, [iteration(i, v) for i, v in enumerate(values)], limit)
    frame.last_id = closing[0]
    frame.emit("MapStateSucceeded", chain=False)
    return results
