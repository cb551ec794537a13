"""The Wait state: Seconds, SecondsPath, Timestamp or TimestampPath, on the engine's clock.

The value is a `DynamicValue` the parser built; `dynamic.resolve` checks it in AWS's wording for
the form it came in (Timestamps: RFC 3339 date-times with an offset, as `expressions.timestamps`
parses them for Choice rules too). A delay longer than AWS's maximum, 2^31 - 1 seconds (about
24,855 days: the recorded run waiting until 24,856 days ahead failed), fails the state with
States.Runtime "Wait state delay is too long.", whichever form gave it.
"""
from __future__ import annotations


from workflows.engine import errors as names
from workflows.engine import model as m
from workflows.engine.dataflow import input_path
from workflows.engine.dynamic import resolve
from workflows.engine.expressions import EvaluationError
from workflows.engine.json_value import JSON
from workflows.engine.runtime import Frame
from workflows.engine.state_exit import Step, finish_with_input, jsonata_states, transition

MAX_DELAY_SECONDS = 2**31 - 1


async def run_wait(state: m.WaitState, raw: JSON, frame: Frame, entered_id: int, entered_at: float) -> Step:
    ctx = frame.context(state.name, entered_at)
    scheduler = frame.services.scheduler
    states = jsonata_states(raw, ctx) if state.jsonata else None
    data = raw if state.jsonata else input_path(state, raw, frame, ctx)
    now = scheduler.now()
    if state.seconds is not None:
        delay = resolve(state.seconds, data, frame.variables, ctx, states)
        until = now + delay
    else:
        until = resolve(state.timestamp, data, frame.variables, ctx, states, default=now)
        delay = until - now
    if delay > MAX_DELAY_SECONDS:  # the delay itself: now + delay - now may round past the limit
        raise EvaluationError(names.RUNTIME, "Wait state delay is too long.")
    if until > now:
        await scheduler.sleep_until(until)
    return transition(state), finish_with_input(state, raw, data, frame, ctx, states)
