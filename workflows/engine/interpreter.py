"""The state loop: run a Program (machine, branch or Map iteration) state by state.

Each state type has one coroutine `(state, raw_input, frame, entered_id, entered_at) -> (next, output)`;
`next` is None when the program ends. Errors travel as `StatesError`; Retry/Catch live in `retry`.
Task, Map and Parallel are in their own modules and registered in `HANDLERS` at import time.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any, Awaitable, Callable

from workflows.engine import errors as names
from workflows.engine import model as m
from workflows.engine.dataflow import (
    assignments, input_path, jsonata_output, jsonata_value, output_path, parameters, result_path,
    result_selector,
)
from workflows.engine.errors import StatesError
from workflows.engine.expressions import (
    EvaluationError, evaluate_intrinsic, json_type, jsonpath_get, looks_like_intrinsic,
)
from workflows.engine.runtime import NOT_TRUNCATED, Frame, dumps

Step = tuple[str | None, Any]  # (next state name or None at the end, the state's output)
Handler = Callable[[Any, Any, Frame, int, float], Awaitable[Step]]
HANDLERS: dict[str, Handler] = {}
DATA_LIMIT_BYTES = 256 * 1024  # Step Functions' payload quota


class PrefixedError(StatesError):
    """A StatesError whose cause already names the state (so enclosing states leave it alone)."""


def state_error(error: StatesError, state: m.State, entered_id: int) -> StatesError:
    """Add AWS's "An error occurred while executing the state ..." prefix to evaluation errors."""
    if isinstance(error, EvaluationError) and not getattr(error, "_prefixed", False):
        cause = (f"An error occurred while executing the state '{state.name}' "
                 f"(entered at the event id #{entered_id}). {error.cause or ''}")
        error.cause = cause
        error.args = (f"{error.error}: {cause}",)
        error._prefixed = True  # type: ignore[attr-defined]
    return error


def record_evaluation_failure(frame: Frame, state: m.State, error: StatesError, previous: int) -> None:
    if error.error != names.QUERY_EVALUATION_ERROR or getattr(error, "_recorded", False):
        return
    details: dict[str, Any] = {"cause": error.cause, "error": error.error}
    location = getattr(error, "location", None)
    if location:
        details["location"] = location
    details["state"] = state.name
    frame.emit("EvaluationFailed", "evaluationFailedEventDetails", details, previous=previous)
    error._recorded = True  # type: ignore[attr-defined]


async def run_program(program: m.Program, value: Any, frame: Frame) -> Any:
    name = program.start_at
    states = program.states
    while True:
        state = states[name]
        next_name, value = await run_state(state, value, frame)
        if next_name is None:
            return value
        name = next_name


async def run_state(state: m.State, raw: Any, frame: Frame) -> Step:
    entered_previous = frame.last_id
    entered_at = frame.execution.engine.scheduler.now()
    entered_id = frame.emit(f"{state.type}StateEntered", "stateEnteredEventDetails",
                            {"input": frame.text_of(raw), "inputDetails": NOT_TRUNCATED, "name": state.name})
    try:
        return await HANDLERS[state.type](state, raw, frame, entered_id, entered_at)
    except StatesError as error:
        state_error(error, state, entered_id)
        # AWS chains a Wait state's EvaluationFailed to its entry; other states to the entry's parent
        record_evaluation_failure(frame, state, error, entered_id if state.type == "Wait" else entered_previous)
        raise


def limited_json(value: Any, who: str) -> str:
    """`value`'s history text, or States.DataLimitExceeded naming `who` (a state or task resource)
    when it exceeds the payload quota. Returning the text lets the caller record it without
    serializing the value a second time."""
    text = dumps(value)
    if len(text) > DATA_LIMIT_BYTES and len(text.encode("utf-8")) > DATA_LIMIT_BYTES:
        raise StatesError(names.DATA_LIMIT_EXCEEDED, f"The state/task '{who}' returned a result with a "
                                                     f"size exceeding the maximum number of bytes service limit.")
    return text


def exit_state(frame: Frame, state: m.State, output: Any, assigned: dict[str, Any] | None) -> None:
    details: dict[str, Any] = {}
    if assigned:
        details["assignedVariables"] = {k: dumps(v) for k, v in assigned.items()}
        details["assignedVariablesDetails"] = NOT_TRUNCATED
        frame.assign(assigned)
    details["name"] = state.name
    text = details["output"] = limited_json(output, state.name)
    frame.last_output = (output, text)
    details["outputDetails"] = NOT_TRUNCATED
    frame.emit(f"{state.type}StateExited", "stateExitedEventDetails", details)


def transition(state: m.State) -> str | None:
    return None if state.end else state.next


def finish_with_result(state: m.RetryingState, raw: Any, result: Any, frame: Frame,
                       ctx: dict) -> Step:
    """Exit a Task/Map/Parallel with its `result`: the same result processing for all three
    (JSONata Assign/Output over $states.result, or ResultSelector -> Assign -> ResultPath ->
    OutputPath), so a fix to the order applies to every state that produces a result."""
    if state.jsonata:
        states = jsonata_states(raw, ctx, result=result)
        assigned = assignments(state.assign, True, result, frame, ctx, states)
        output = jsonata_output(state.output, result, frame, states)
    else:
        selected = result_selector(state, result, frame, ctx)
        assigned = assignments(state.assign, False, selected, frame, ctx, None)
        output = output_path(state, result_path(state.result_path, raw, selected), frame, ctx)
    exit_state(frame, state, output, assigned)
    return transition(state), output


def finish_with_input(state: m.State, raw: Any, data: Any, frame: Frame, ctx: dict, states: dict | None,
                      assign: Any = m.UNSET, output: Any = m.UNSET) -> Any:
    """Exit a state that produces no result of its own (Choice, Wait, Succeed, a JSONata Pass): JSONata
    Assign/Output over $states.input, or Assign over the effective input `data` then OutputPath.
    A Choice passes the matched rule's own Assign/Output; UNSET means the state's."""
    assign = state.assign if assign is m.UNSET else assign
    template = state.output if output is m.UNSET else output
    if state.jsonata:
        assigned = assignments(assign, True, raw, frame, ctx, states)
        value = jsonata_output(template, raw, frame, states or {})
    else:
        assigned = assignments(assign, False, data, frame, ctx, None)
        value = output_path(state, data, frame, ctx)
    exit_state(frame, state, value, assigned)
    return value


def jsonata_states(raw: Any, ctx: dict, **extra: Any) -> dict[str, Any]:
    states = {"input": raw, "context": ctx}
    states.update(extra)
    return states


# ---- Pass --------------------------------------------------------------------------------------
async def run_pass(state: m.PassState, raw: Any, frame: Frame, entered_id: int, entered_at: float) -> Step:
    ctx = frame.context(state.name, entered_at)
    if state.jsonata:
        return transition(state), finish_with_input(state, raw, raw, frame, ctx, jsonata_states(raw, ctx))
    effective = input_path(state, raw, frame, ctx)
    if state.result is not m.UNSET:
        result = state.result
    else:
        result = parameters(state.parameters, effective, frame, ctx)
    assigned = assignments(state.assign, False, result, frame, ctx, None)
    output = output_path(state, result_path(state.result_path, raw, result), frame, ctx)
    exit_state(frame, state, output, assigned)
    return transition(state), output


# ---- Succeed / Fail ----------------------------------------------------------------------------
async def run_succeed(state: m.SucceedState, raw: Any, frame: Frame, entered_id: int, entered_at: float) -> Step:
    ctx = frame.context(state.name, entered_at)
    states = jsonata_states(raw, ctx) if state.jsonata else None
    data = raw if state.jsonata else input_path(state, raw, frame, ctx)
    return None, finish_with_input(state, raw, data, frame, ctx, states)


async def run_fail(state: m.FailState, raw: Any, frame: Frame, entered_id: int, entered_at: float) -> Step:
    ctx = frame.context(state.name, entered_at)
    error, cause = _fail_field(state, "Error", state.error, state.error_path, raw, frame, ctx), \
        _fail_field(state, "Cause", state.cause, state.cause_path, raw, frame, ctx)
    raise FailStateError(error, cause)


class FailStateError(StatesError):
    """Raised by a Fail state: reported as-is (error and cause may both be absent)."""


def _fail_field(state: m.FailState, field: str, value: Any, path: Any, raw: Any, frame: Frame,
                ctx: dict) -> str | None:
    if state.jsonata and isinstance(value, str):
        value = jsonata_value(value, frame, jsonata_states(raw, ctx), field)
        if not isinstance(value, str):
            raise EvaluationError(names.QUERY_EVALUATION_ERROR,
                                  f"The JSONata expression for the field '{field}' must return a string, "
                                  f"got '{dumps(value)}'")
        return value
    if path is not m.UNSET:
        if looks_like_intrinsic(path):
            found = evaluate_intrinsic(path, raw, context=ctx, variables=frame.variables, field=f"{field}Path")
        else:
            found = jsonpath_get(path, raw, context=ctx, variables=frame.variables, field=f"{field}Path")
        if not isinstance(found, str):
            raise EvaluationError(names.RUNTIME,
                                  f"The {field}Path '{path}' did not resolve to a string: {dumps(found)}")
        return found
    return None if value is m.UNSET else value


# ---- Choice ------------------------------------------------------------------------------------
async def run_choice(state: m.ChoiceState, raw: Any, frame: Frame, entered_id: int, entered_at: float) -> Step:
    ctx = frame.context(state.name, entered_at)
    states = jsonata_states(raw, ctx) if state.jsonata else None
    data = raw if state.jsonata else input_path(state, raw, frame, ctx)
    for branch in state.choices:
        if branch.rule.matches(data, context=ctx, variables=frame.variables, states=states):
            target, assign, output = branch.next, branch.assign, branch.output
            break
    else:
        if state.default is None:
            raise StatesError(names.NO_CHOICE_MATCHED, "No Matches!")
        target, assign, output = state.default, m.UNSET, m.UNSET
    return target, finish_with_input(state, raw, data, frame, ctx, states, assign, output)


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


HANDLERS.update({"Pass": run_pass, "Succeed": run_succeed, "Fail": run_fail, "Choice": run_choice,
                 "Wait": run_wait})
