"""The Map state: items from the input (ItemsPath / Items) or an ItemReader, each run by the processor.

Inline Map iterations record their events in the parent's history; a DISTRIBUTED Map runs each item
as a child execution of a map run (its events stay out of the parent history, as on AWS:
MapRunStarted / MapRunSucceeded only). MaxConcurrency bounds the number of live children;
ToleratedFailureCount/Percentage decide when failed items fail the state with
States.ExceedToleratedFailureThreshold. ItemBatcher batches are cut by `item_batcher`.
"""
from __future__ import annotations

from typing import Any

from workflows.engine import errors as names
from workflows.engine import model as m
from workflows.engine.children import closing_failure, gather
from workflows.engine.dataflow import input_path, jsonata_value, parameters
from workflows.engine.errors import StatesError
from workflows.engine.expressions import EvaluationError, json_type, jsonpath_get
from workflows.engine.item_batcher import checked_limit, cut_batches
from workflows.engine.item_reader import read_items, write_results
from workflows.engine.map_runs import run_distributed
from workflows.engine.redrive import child_frame, finished
from workflows.engine.retry import with_recovery
from workflows.engine.runtime import Frame, dumps
from workflows.engine.scheduler import Cancelled
from workflows.engine.state_exit import Step, finish_with_result, jsonata_states, record_evaluation_failure, state_error


# ---- Map ---------------------------------------------------------------------------------------
def _number(state: m.MapState, value: Any, path: Any, field: str, raw: Any, frame: Frame, ctx: dict,
            states: dict | None) -> Any:
    """MaxConcurrency / ToleratedFailure* / MaxItemsPerBatch from a literal, a *Path or a JSONata
    expression; a value that is no number fails naming the field and the value."""
    kind = "float" if field == "ToleratedFailurePercentage" else "integer"
    if path is not m.UNSET:
        found = jsonpath_get(path, raw, context=ctx, variables=frame.variables, field=f"{field}Path")
        number = found
        if isinstance(found, str):
            try:
                number = float(found) if kind == "float" else int(found)
            except ValueError:
                number = None
        if kind == "integer" and isinstance(number, float) and number.is_integer():
            number = int(number)
        valid = (int, float) if kind == "float" else (int,)
        if not isinstance(number, valid) or isinstance(number, bool):
            shown = found if isinstance(found, str) else dumps(found)
            raise EvaluationError(names.RUNTIME, f"The {field}Path field refers to value \"{shown}\" "
                                                 f"which is not a valid {kind}: {path}")
        return number
    if isinstance(value, str) and state.jsonata:
        found = jsonata_value(value, frame, states or {}, field)
        if not isinstance(found, (int, float)) or isinstance(found, bool):
            raise _located(EvaluationError(
                names.QUERY_EVALUATION_ERROR,
                f"The JSONata expression '{value[2:-2].strip()}' specified for the field '{field}' returned an "
                f"unexpected result type. Expected '{'number' if kind == 'float' else 'integer'}', but was "
                f"'{json_type(found)}' for value: {dumps(found)}"), field)
        return found
    return None if value is m.UNSET else value


def _check_tolerance(count: Any, percent: Any) -> None:
    if count is not None and count < 0:
        raise EvaluationError(names.RUNTIME, "ToleratedFailureCount cannot be negative.")
    if percent is not None and not 0 <= percent <= 100:
        raise EvaluationError(names.RUNTIME, "ToleratedFailurePercentage must be between 0 and 100.")


def _items(state: m.MapState, raw: Any, effective: Any, frame: Frame, ctx: dict, states: dict | None) -> list:
    if state.item_reader is not m.UNSET:
        items = read_items(state, effective, frame, ctx, states)
    elif state.jsonata:
        if state.items is m.UNSET:
            if not isinstance(raw, list):
                raise EvaluationError(names.QUERY_EVALUATION_ERROR,
                                      f"Map state input must be an array but was: {dumps(raw)}")
            return raw
        items = jsonata_value(state.items, frame, states or {}, "Items")
        if not isinstance(items, list):
            expr = state.items[2:-2].strip() if isinstance(state.items, str) else dumps(state.items)
            raise _located(EvaluationError(
                names.QUERY_EVALUATION_ERROR,
                f"The JSONata expression '{expr}' specified for the field 'Items' returned an unexpected "
                f"result type. Expected 'array', but was '{json_type(items)}' for value: {dumps(items)}"), "Items")
    else:
        path = "$" if state.items_path is m.UNSET else state.items_path
        items = jsonpath_get(path, effective, context=ctx, variables=frame.variables, field="ItemsPath")
        if not isinstance(items, list):
            raise EvaluationError(names.RUNTIME,
                                  f"Item path {path} in state {state.name} does not refer to an array. "
                                  f"Value: {dumps(items)}")
    return items


def _located(error: EvaluationError, location: str) -> EvaluationError:
    error.location = location  # type: ignore[attr-defined]
    return error


def _select(state: m.MapState, items: list, effective: Any, raw: Any, frame: Frame, ctx: dict) -> list:
    if state.item_selector is m.UNSET:
        return items
    selected = []
    for index, item in enumerate(items):
        item_ctx = dict(ctx)
        item_ctx["Map"] = {"Item": {"Index": index, "Value": item}}
        if state.jsonata:
            states = jsonata_states(raw, item_ctx)
            selected.append(jsonata_value(state.item_selector, frame, states, "ItemSelector"))
        else:
            selected.append(parameters(state.item_selector, effective, frame, item_ctx, field="ItemSelector"))
    return selected


def _batch(state: m.MapState, items: list, effective: Any, frame: Frame, ctx: dict,
           states: dict | None) -> list:
    if state.item_batcher is m.UNSET:
        return items
    batcher = state.item_batcher
    limits = []
    for field in ("MaxItemsPerBatch", "MaxInputBytesPerBatch"):
        literal, path = batcher.get(field, m.UNSET), batcher.get(field + "Path", m.UNSET)
        value = _number(state, literal, path, field, effective, frame, ctx, states)
        limits.append(checked_limit(field, value, None if path is m.UNSET else path, literal, state.jsonata))
    batch_input = batcher.get("BatchInput")
    if batch_input is not None:
        if state.jsonata:
            batch_input = jsonata_value(batch_input, frame, states or {}, "BatchInput")
        else:
            batch_input = parameters(batch_input, effective, frame, ctx, field="BatchInput")
    return cut_batches(items, batch_input, limits[0], limits[1])


async def run_map(state: m.MapState, raw: Any, frame: Frame, entered_id: int, entered_at: float) -> Step:
    async def attempt(retry_count: int) -> Step:
        try:
            return await map_attempt(retry_count)
        except StatesError as error:
            state_error(error, state, entered_id)
            record_evaluation_failure(frame, state, error, frame.execution.previous_of(entered_id))
            raise

    async def map_attempt(retry_count: int) -> Step:
        ctx = frame.context(state.name, entered_at, retry_count)
        states = jsonata_states(raw, ctx) if state.jsonata else None
        effective = raw if state.jsonata else input_path(state, raw, frame, ctx)
        items = _items(state, raw, effective, frame, ctx, states)
        limit = _number(state, state.max_concurrency, state.max_concurrency_path, "MaxConcurrency",
                        effective, frame, ctx, states) or 0
        values = _batch(state, _select(state, items, effective, raw, frame, ctx), effective, frame, ctx, states)
        # AWS reports length 0 when an ItemReader supplies the items (it reads them in the map run)
        length = 0 if state.item_reader is not m.UNSET else len(values)
        frame.emit("MapStateStarted", "mapStateStartedEventDetails", {"length": length})
        count = _number(state, state.tolerated_failure_count, state.tolerated_failure_count_path,
                        "ToleratedFailureCount", effective, frame, ctx, states)
        percent = _number(state, state.tolerated_failure_percentage,
                          state.tolerated_failure_percentage_path, "ToleratedFailurePercentage",
                          effective, frame, ctx, states)
        _check_tolerance(count, percent)
        if state.distributed:
            result = await run_distributed(state, values, frame, int(limit), count, percent)
        else:
            result = await _inline(state, values, frame, int(limit))
        if state.result_writer is not m.UNSET:
            result = write_results(state, result, frame)
        return finish_with_result(state, raw, result, frame, ctx)

    return await with_recovery(state, raw, frame, entered_id, entered_at, attempt,
                               on_fail=lambda error: closing_failure(frame, "MapStateFailed", error))


async def _inline(state: m.MapState, values: list, frame: Frame, limit: int) -> list:
    from workflows.engine.interpreter import run_program  # a program runs Maps, a Map runs programs

    processor = state.processor
    assert processor is not None
    closing = [frame.last_id]

    async def iteration(index: int, value: Any) -> Any:
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
