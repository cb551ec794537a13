"""The Wait state: Seconds, SecondsPath, Timestamp or TimestampPath, on the engine's clock.

The value is a `DynamicValue` the parser built; `dynamic.resolve` checks it in AWS's wording for
the form it came in (Timestamps: RFC 3339 date-times with an offset, as `expressions.timestamps`
parses them for Choice rules too).
"""
from __future__ import annotations


from workflows.engine import model as m
from workflows.engine.dataflow import input_path
from workflows.engine.dynamic import resolve
from workflows.engine.json_value import JSON
from workflows.engine.runtime import Frame
from workflows.engine.state_exit import Step, finish_with_input, jsonata_states, transition


async def run_wait(state: m.WaitState, raw: JSON, frame: Frame, entered_id: int, entered_at: float) -> Step:
    ctx = frame.context(state.name, entered_at)
    scheduler = frame.services.scheduler
    states = jsonata_states(raw, ctx) if state.jsonata else None
    data = raw if state.jsonata else input_path(state, raw, frame, ctx)
    now = scheduler.now()
    if state.seconds is not None:
        until = now + resolve(state.seconds, data, frame.variables, ctx, states)
    else:
        until = resolve(state.timestamp, data, frame.variables, ctx, states, default=now)
    if until > now:
        await scheduler.sleep_until(until)
    return transition(state), finish_with_input(state, raw, data, frame, ctx, states)
