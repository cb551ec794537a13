"""How a state ends: its exit event and output (or, failing, AWS's error prefix and EvaluationFailed).

Every state type leaves through these helpers, so the order of result processing (ResultSelector ->
Assign -> ResultPath -> OutputPath, or JSONata Assign/Output over `$states`), the payload quota on
outputs and the way evaluation errors are reported are written once for all of them.
"""
from __future__ import annotations

from typing import Any

from workflows.engine import errors as names
from workflows.engine import model as m
from workflows.engine.dataflow import assignments, jsonata_output, output_path, result_path, result_selector
from workflows.engine.errors import StatesError
from workflows.engine.expressions import EvaluationError
from workflows.engine.json_value import Context, JSON, JSONObject
from workflows.engine.quotas import DATA_LIMIT_BYTES
from workflows.engine.runtime import NOT_TRUNCATED, Frame, dumps

Step = tuple[str | None, JSON]  # (next state name or None at the end, the state's output)


def state_error(error: StatesError, state: m.State, entered_id: int, frame: Frame) -> StatesError:
    """Add AWS's "An error occurred while executing the state ..." prefix to evaluation errors (not
    under TestState, whose causes have no prefix)."""
    if isinstance(error, EvaluationError) and not error.prefixed and frame.inspector is None:
        error.set_cause(f"An error occurred while executing the state '{state.name}' "
                        f"(entered at the event id #{entered_id}). {error.cause or ''}")
        error.prefixed = True
    return error


def record_evaluation_failure(frame: Frame, state: m.State, error: StatesError, previous: int) -> None:
    if error.error != names.QUERY_EVALUATION_ERROR or error.recorded:
        return
    details: JSONObject = {"cause": error.cause, "error": error.error}
    if error.location:
        details["location"] = error.location
    details["state"] = state.name
    frame.emit("EvaluationFailed", "evaluationFailedEventDetails", details, previous=previous)
    error.recorded = True


def limited_json(value: JSON, who: str) -> str:
    """`value`'s history text, or States.DataLimitExceeded naming `who` (a state or task resource)
    when it exceeds the payload quota. Returning the text lets the caller record it without
    serializing the value a second time."""
    text = dumps(value)
    if len(text) > DATA_LIMIT_BYTES and len(text.encode("utf-8")) > DATA_LIMIT_BYTES:
        raise StatesError(names.DATA_LIMIT_EXCEEDED, f"The state/task '{who}' returned a result with a "
                                                     f"size exceeding the maximum number of bytes service limit.")
    return text


def exit_state(frame: Frame, state: m.State, output: JSON, assigned: JSONObject | None) -> None:
    details: JSONObject = {}
    if assigned:
        details["assignedVariables"] = {k: dumps(v) for k, v in assigned.items()}
        details["assignedVariablesDetails"] = NOT_TRUNCATED
        frame.assign(assigned)
    details["name"] = state.name
    last = frame.last_output
    if last is not None and last[0] is output:
        text = last[1]  # the data passed on unchanged (values are never mutated in place): text known
    else:
        text = limited_json(output, state.name)
        if last is not None and last[1] == text:
            text = last[1]  # equal data rebuilt keeps one copy of its text, not one per state
    details["output"] = text
    frame.last_output = (output, text)
    details["outputDetails"] = NOT_TRUNCATED
    frame.emit(f"{state.type}StateExited", "stateExitedEventDetails", details)


def transition(state: m.State) -> str | None:
    return None if state.end else state.next


def finish_with_result(state: m.RetryingState, raw: JSON, result: JSON, frame: Frame,
                       ctx: Context) -> Step:
    """Exit a Task/Map/Parallel with its `result`: the same result processing for all three
    (JSONata Assign/Output over $states.result, or ResultSelector -> Assign -> ResultPath ->
    OutputPath), so a fix to the order applies to every state that produces a result."""
    inspector = frame.inspector
    if inspector is not None:
        inspector.note("result", result)
    if state.jsonata:
        states = jsonata_states(raw, ctx, result=result)
        assigned = assignments(state.assign, True, result, frame, ctx, states)
        output = jsonata_output(state.output, result, frame, states)
    else:
        selected = result_selector(state, result, frame, ctx)
        assigned = assignments(state.assign, False, selected, frame, ctx, None)
        combined = result_path(state.result_path, raw, selected)
        if inspector is not None:
            inspector.note("afterResultSelector", selected)
            inspector.note("afterResultPath", combined)
        output = output_path(state, combined, frame, ctx)
    exit_state(frame, state, output, assigned)
    return transition(state), output


def finish_with_input(state: m.State, raw: JSON, data: JSON, frame: Frame, ctx: Context, states: dict | None,
                      assign: m.Template | None = None, output: m.Template | None = None) -> JSON:
    """Exit a state that produces no result of its own (Choice, Wait, Succeed, a JSONata Pass): JSONata
    Assign/Output over $states.input, or Assign over the effective input `data` then OutputPath.
    A Choice passes the matched rule's own Assign/Output; None means the state's."""
    assign = state.assign if assign is None else assign
    template = state.output if output is None else output
    if state.jsonata:
        assigned = assignments(assign, True, raw, frame, ctx, states)
        value = jsonata_output(template, raw, frame, states or {})
    else:
        assigned = assignments(assign, False, data, frame, ctx, None)
        value = output_path(state, data, frame, ctx)
    exit_state(frame, state, value, assigned)
    return value


def jsonata_states(raw: JSON, ctx: Context, **extra: Any) -> JSONObject:
    states = {"input": raw, "context": ctx}
    states.update(extra)
    return states
