"""The states that do no work of their own: Pass, Succeed, Fail and Choice.

Each is one coroutine `(state, raw_input, frame, entered_id, entered_at) -> (next, output)`, listed in
the interpreter's handler table; how they exit (Assign, Output, OutputPath) is `state_exit`'s.
"""
from __future__ import annotations


from workflows.engine import errors as names
from workflows.engine import model as m
from workflows.engine.dataflow import assignments, input_path, output_path, parameters, result_path
from workflows.engine.dynamic import resolve
from workflows.engine.errors import StatesError
from workflows.engine.json_value import JSON
from workflows.engine.runtime import Frame
from workflows.engine.state_exit import Step, exit_state, finish_with_input, jsonata_states, transition


# ---- Pass --------------------------------------------------------------------------------------
async def run_pass(state: m.PassState, raw: JSON, frame: Frame, entered_id: int, entered_at: float) -> Step:
    ctx = frame.context(state.name, entered_at)
    if state.jsonata:
        return transition(state), finish_with_input(state, raw, raw, frame, ctx, jsonata_states(raw, ctx))
    effective = input_path(state, raw, frame, ctx)
    result = state.result.value if state.result is not None else parameters(state.parameters, effective, frame, ctx)
    assigned = assignments(state.assign, False, result, frame, ctx, None)
    combined = result_path(state.result_path, raw, result)
    if frame.inspector is not None:
        frame.note("result" if state.result is not None else "afterParameters", result)
        frame.note("afterResultSelector", result)
        frame.note("afterResultPath", combined)
    output = output_path(state, combined, frame, ctx)
    exit_state(frame, state, output, assigned)
    return transition(state), output


# ---- Succeed / Fail ----------------------------------------------------------------------------
async def run_succeed(state: m.SucceedState, raw: JSON, frame: Frame, entered_id: int, entered_at: float) -> Step:
    ctx = frame.context(state.name, entered_at)
    states = jsonata_states(raw, ctx) if state.jsonata else None
    data = raw if state.jsonata else input_path(state, raw, frame, ctx)
    return None, finish_with_input(state, raw, data, frame, ctx, states)


async def run_fail(state: m.FailState, raw: JSON, frame: Frame, entered_id: int, entered_at: float) -> Step:
    ctx = frame.context(state.name, entered_at)
    states = jsonata_states(raw, ctx) if state.jsonata else None
    raise FailStateError(resolve(state.error, raw, frame.variables, ctx, states),
                         resolve(state.cause, raw, frame.variables, ctx, states))


class FailStateError(StatesError):
    """Raised by a Fail state: reported as-is (error and cause may both be absent)."""


# ---- Choice ------------------------------------------------------------------------------------
async def run_choice(state: m.ChoiceState, raw: JSON, frame: Frame, entered_id: int, entered_at: float) -> Step:
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
        target, assign, output = state.default, None, None
    return target, finish_with_input(state, raw, data, frame, ctx, states, assign, output)
