"""The states that do no work of their own: Pass, Succeed, Fail and Choice.

Each is one coroutine `(state, raw_input, frame, entered_id, entered_at) -> (next, output)`, listed in
the interpreter's handler table; how they exit (Assign, Output, OutputPath) is `state_exit`'s.
"""
from __future__ import annotations

from typing import Any

from workflows.engine import errors as names
from workflows.engine import model as m
from workflows.engine.dataflow import assignments, input_path, jsonata_value, output_path, parameters, result_path
from workflows.engine.errors import StatesError
from workflows.engine.expressions import EvaluationError, evaluate_intrinsic, jsonpath_get, looks_like_intrinsic
from workflows.engine.runtime import Frame, dumps
from workflows.engine.state_exit import Step, exit_state, finish_with_input, jsonata_states, transition


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

