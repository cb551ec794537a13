"""The Wait state: Seconds, SecondsPath, Timestamp or TimestampPath, on the engine's clock.

Timestamps are RFC 3339 date-times with an offset or Z (any number of fraction digits), as AWS's
Wait accepts them; the wording of each failure follows AWS's for the form the value came from.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

from workflows.engine import errors as names
from workflows.engine import model as m
from workflows.engine.dataflow import input_path, jsonata_value
from workflows.engine.expressions import EvaluationError, json_type, jsonpath_get
from workflows.engine.runtime import Frame, dumps
from workflows.engine.state_exit import Step, finish_with_input, jsonata_states, transition


# ---- Wait --------------------------------------------------------------------------------------
async def run_wait(state: m.WaitState, raw: Any, frame: Frame, entered_id: int, entered_at: float) -> Step:
    ctx = frame.context(state.name, entered_at)
    scheduler = frame.execution.engine.scheduler
    states = jsonata_states(raw, ctx) if state.jsonata else None
    data = raw if state.jsonata else input_path(state, raw, frame, ctx)
    until = _wait_until(state, data, frame, ctx, states, scheduler.now())
    if until > scheduler.now():
        await scheduler.sleep_until(until)
    return transition(state), finish_with_input(state, raw, data, frame, ctx, states)


def _wait_until(state: m.WaitState, data: Any, frame: Frame, ctx: dict, states: dict | None,
                now: float) -> float:
    if state.seconds_path is not m.UNSET:
        path = state.seconds_path
        try:
            seconds = jsonpath_get(path, data, context=ctx, variables=frame.variables, field="SecondsPath")
        except EvaluationError:
            raise EvaluationError(names.RUNTIME, f"The SecondsPath parameter does not reference an input "
                                                 f"value: {path}") from None
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or (
                isinstance(seconds, float) and not seconds.is_integer()):
            raise EvaluationError(names.RUNTIME, f"The SecondsPath parameter cannot be parsed as a long "
                                                 f"value: {path} == {_plain(seconds)}")
        if seconds < 0:
            raise EvaluationError(names.RUNTIME, f"The SecondsPath parameter references a negative value: "
                                                 f"{path} == {_plain(seconds)}")
        return now + seconds
    if state.seconds is not m.UNSET:
        seconds = state.seconds
        if isinstance(seconds, str):
            seconds = jsonata_value(seconds, frame, states or {}, "Seconds")
            if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds < 0 or (
                    isinstance(seconds, float) and not seconds.is_integer()):
                raise EvaluationError(
                    names.QUERY_EVALUATION_ERROR,
                    f"The JSONata expression '{state.seconds[2:-2].strip()}' specified for the field "
                    f"'Seconds' returned an unexpected result type. Expected 'integer', but was "
                    f"'{json_type(seconds)}' for value: {dumps(seconds)}")
        return now + seconds
    if state.timestamp_path is not m.UNSET:
        path = state.timestamp_path
        text = jsonpath_get(path, data, context=ctx, variables=frame.variables, field="TimestampPath")
        stamp = parse_timestamp(text)
        if stamp is None:
            raise EvaluationError(
                names.RUNTIME, f"The TimestampPath parameter does not reference a valid ISO-8601 "
                               f"extended offset date-time format string: {path} == {_plain(text)}")
        return stamp
    text = state.timestamp
    if state.jsonata and isinstance(text, str) and text.startswith("{%"):
        text = jsonata_value(text, frame, states or {}, "Timestamp")
    stamp = parse_timestamp(text)
    if stamp is None:
        if state.jsonata:
            error = EvaluationError(names.QUERY_EVALUATION_ERROR,
                                    f"The Timestamp field cannot be parsed as an ISO-8601 extended offset "
                                    f"date-time format string: {_plain(text)}")
            error.location = "Timestamp"  # type: ignore[attr-defined]
            raise error
        raise EvaluationError(names.RUNTIME, f"The Timestamp parameter does not reference a valid ISO-8601 "
                                             f"extended offset date-time format string: {_plain(text)}")
    return stamp


def _plain(value: Any) -> str:
    return value if isinstance(value, str) else dumps(value)


_TIMESTAMP = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|z|[+-]\d{2}:\d{2})$")


def parse_timestamp(text: Any) -> float | None:
    """RFC 3339 date-time with an offset or Z (any number of fraction digits), as Wait accepts."""
    if not isinstance(text, str):
        return None
    found = _TIMESTAMP.match(text)
    if found is None:
        return None
    year, month, day, hour, minute, second, fraction, offset = found.groups()
    try:
        stamp = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second),
                         tzinfo=timezone.utc)
    except ValueError:
        return None
    if offset not in ("Z", "z"):
        sign = 1 if offset[0] == "+" else -1
        stamp -= sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6]))
    return stamp.timestamp() + (float("0." + fraction) if fraction else 0.0)

