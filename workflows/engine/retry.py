"""Retry and Catch for Task, Parallel and Map states, matched on AWS's error names.

`States.ALL` matches every error except the terminal `States.Runtime` (the corpus shows it does
catch a task result's `States.DataLimitExceeded`); `States.TaskFailed` matches everything `States.ALL` does except
`States.Timeout`. Retry delays follow IntervalSeconds * BackoffRate^n, capped by MaxDelaySeconds;
`JitterStrategy: FULL` draws uniformly from [0, delay] with the engine's seedable RNG so runs stay
reproducible.
"""
from __future__ import annotations

from typing import Awaitable, Callable

from workflows.engine import errors as names
from workflows.engine import model as m
from workflows.engine.dataflow import assignments, jsonata_output, result_path
from workflows.engine.errors import StatesError
from workflows.engine.json_value import JSON, JSONObject
from workflows.engine.runtime import Frame
from workflows.engine.state_exit import Step, exit_state, jsonata_states, state_error

_TERMINAL = (names.RUNTIME,)  # AWS lets States.ALL catch a task's States.DataLimitExceeded


def matches(error_equals: list[str], error: str) -> bool:
    if error in error_equals:
        return True
    if error in _TERMINAL:
        return False
    if names.ALL in error_equals:
        return True
    return names.TASK_FAILED in error_equals and error != names.TIMEOUT


def error_output(error: StatesError) -> JSONObject:
    """The error object a Catch hands on. A task timeout has no cause in history, yet AWS's
    catcher output carries `"Cause": ""` for it (`StatesError.catch_cause`)."""
    out: JSONObject = {"Error": error.error}
    cause = error.cause if error.cause is not None else error.catch_cause
    if cause is not None:
        out["Cause"] = cause
    return out


async def with_recovery(state: m.RetryingState, raw: JSON, frame: Frame, entered_id: int,
                        entered_at: float,
                        attempt: Callable[[int], Awaitable[Step]],
                        on_fail: Callable[[StatesError], None] | None = None) -> Step:
    """Run `attempt(retry_count)` until it succeeds, a Catch takes over, or the error escapes."""
    services = frame.services
    inspector = frame.inspector  # TestState: one attempt, its retry count given by the caller
    counts = [0] * len(state.retry)
    retry_count = 0 if inspector is None else inspector.retry_count
    while True:
        try:
            return await attempt(retry_count)
        except StatesError as error:
            state_error(error, state, entered_id, frame)
            if error.error in _TERMINAL:
                if on_fail is not None:
                    on_fail(error)
                raise
            index = next((i for i, r in enumerate(state.retry) if matches(r.error_equals, error.error)), None)
            if index is not None:
                retrier = state.retry[index]
                done = counts[index] if inspector is None else inspector.retry_count
                if done < retrier.max_attempts:
                    delay = retrier.delay(done)
                    if inspector is not None:
                        raise inspector.retriable(index, delay, error)
                    if retrier.jitter_full:
                        delay = services.rng.uniform(0, delay)
                    counts[index] += 1
                    retry_count += 1
                    if delay > 0:
                        await services.scheduler.sleep_until(services.scheduler.now() + delay)
                    continue
                if inspector is not None:
                    inspector.retries_exhausted(index)
            if on_fail is not None:
                on_fail(error)
            catcher = next((i for i, c in enumerate(state.catch) if matches(c.error_equals, error.error)), None)
            if catcher is None:
                raise
            if inspector is not None:
                inspector.caught(catcher, error)
            return caught(state, state.catch[catcher], error, raw, frame, entered_at)


def caught(state: m.RetryingState, catcher: m.Catcher, error: StatesError, raw: JSON, frame: Frame,
           entered_at: float) -> tuple[str, JSON]:
    ctx = frame.context(state.name, entered_at)
    out = error_output(error)
    if state.jsonata:
        states = jsonata_states(raw, ctx, errorOutput=out)
        assigned = assignments(catcher.assign, True, out, frame, ctx, states)
        output = jsonata_output(catcher.output, out, frame, states)
    else:
        assigned = assignments(catcher.assign, False, out, frame, ctx, None)
        output = result_path(catcher.result_path, raw, out)
    exit_state(frame, state, output, assigned)
    return catcher.next, output
