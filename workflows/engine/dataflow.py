"""Input and output processing of one state, in both query languages.

JSONPath: InputPath -> Parameters -> (work) -> ResultSelector -> ResultPath -> OutputPath, with
Assign evaluated against the state's result and the variables as they were when the state began.
JSONata: Arguments, Output and Assign evaluated against `$states` (input, result, errorOutput,
context). Errors from the expressions package keep AWS's error name; the state runner adds the
"An error occurred while executing the state ..." prefix to their cause.
"""
from __future__ import annotations


from workflows.engine.expressions import jsonpath_get, jsonpath_set, render_jsonata, render_payload
from workflows.engine.json_value import Context, JSON, JSONObject
from workflows.engine.model import RetryingState, State, Template
from workflows.engine.runtime import Frame


def _select(path: str | None, data: JSON, frame: Frame, ctx: Context, field: str) -> JSON:
    """InputPath/OutputPath: "$" keeps the value, null makes it {}."""
    if path == "$":
        return data
    if path is None:
        return {}
    return jsonpath_get(path, data, context=ctx, variables=frame.variables, field=field)


def input_path(state: State, raw: JSON, frame: Frame, ctx: Context) -> JSON:
    value = _select(state.input_path, raw, frame, ctx, "InputPath")
    if frame.inspector is not None:
        frame.inspector.note("afterInputPath", value)
    return value


def parameters(template: Template | None, data: JSON, frame: Frame, ctx: Context, field: str = "Parameters") -> JSON:
    if template is None:
        return data
    return render_payload(template.value, data, context=ctx, variables=frame.variables, field=field)


def result_selector(state: RetryingState, result: JSON, frame: Frame, ctx: Context) -> JSON:
    return parameters(state.result_selector, result, frame, ctx, "ResultSelector")


def result_path(path: str | None, raw: JSON, result: JSON) -> JSON:
    if path == "$":
        return result
    if path is None:
        return raw
    return jsonpath_set(raw, path, result, field="ResultPath")


def output_path(state: State, data: JSON, frame: Frame, ctx: Context) -> JSON:
    return _select(state.output_path, data, frame, ctx, "OutputPath")


def jsonata_value(template: Template, frame: Frame, states: dict, field: str) -> JSON:
    return render_jsonata(template.value, states=states, variables=frame.variables, field=field)


def arguments(template: Template | None, default: JSON, frame: Frame, states: dict, field: str = "Arguments") -> JSON:
    """A JSONata field's value, or `default` when the state does not have it."""
    return default if template is None else jsonata_value(template, frame, states, field)


def assignments(assign: Template | None, jsonata: bool, data: JSON, frame: Frame, ctx: Context,
                states: dict | None) -> JSONObject | None:
    """New variable values (not yet applied: outputs of the same state still see the old ones)."""
    if assign is None:
        return None
    if jsonata:
        values = jsonata_value(assign, frame, states or {}, "Assign")
    else:
        values = render_payload(assign.value, data, context=ctx, variables=frame.variables, field="Assign")
    return dict(values)


def jsonata_output(output: Template | None, default: JSON, frame: Frame, states: dict) -> JSON:
    return arguments(output, default, frame, states, "Output")
