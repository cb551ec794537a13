"""What a string in a definition means, checked with the engine's own parsers: JSONPath (the grammar
`expressions.jsonpath_parser` evaluates with), intrinsic functions (names and arities, from
`expressions.intrinsic_functions`), payload templates (every `"key.$"` value is a path or an
intrinsic function) and JSONata (`jsonata-python`, the library the engine evaluates with).

Each check returns the problem as message text (None when the value is valid) so the caller, which
knows the state and the location, reports it; nothing here raises for a bad definition. Messages
name the field and the value and say what AWS expects.
"""
from __future__ import annotations

from typing import Any, Iterator

from workflows.engine.expressions import compile_path, validate_path, validate_reference_path
from workflows.engine.expressions.jsonpath_filter import UnreadableLiteral
from workflows.engine.expressions.intrinsic_functions import ARITY, KNOWN
from workflows.engine.expressions.intrinsic_parser import Call, looks_like_intrinsic, parse_intrinsic
from workflows.engine.expressions.jsonata_eval import strip_template, validate_jsonata
from workflows.engine.field_rules import shown

PATH_OR_INTRINSIC = "a JSONPath (starting with '$') or an intrinsic function (States.*)"


def path_problem(label: str, text: Any, *, reference: bool = False, intrinsic: bool = False) -> str | None:
    """`text` as a JSONPath (reference path: '$' then names and single indexes), or an intrinsic."""
    if not isinstance(text, str):
        wanted = PATH_OR_INTRINSIC if intrinsic else "a JSONPath that starts with '$'"
        return f"{label} is {shown(text)}; AWS requires {wanted}"
    if intrinsic and looks_like_intrinsic(text):
        return intrinsic_problem(label, text)
    try:
        (validate_reference_path if reference else validate_path)(text)
    except ValueError as error:
        if reference and str(error).startswith("the path") and "reference path" in str(error):
            return f"{label} is {shown(text)}; AWS requires a reference path: '$' followed by names and single indexes"
        return f"{label} is {shown(text)}; AWS requires a valid JSONPath ({error})"
    return None


def _calls(call: Call) -> Iterator[Call]:
    yield call
    for arg in call.args:
        if isinstance(arg, Call):
            yield from _calls(arg)


def intrinsic_problem(label: str, text: str) -> str | None:
    """An intrinsic function call: its grammar, every function's name, and argument counts."""
    try:
        call = parse_intrinsic(text)
    except ValueError as error:
        return f"{label} is {shown(text)}; AWS requires a valid intrinsic function call ({error})"
    for inner in _calls(call):
        if inner.name not in KNOWN:
            return (f"{label} calls {inner.name}, which is not an intrinsic function; AWS supports "
                    + ", ".join(sorted(KNOWN)))
        low, high = ARITY[inner.name]
        count = len(inner.args)
        if count < low or (high is not None and count > high):
            if high is None:
                wanted = f"at least {low} argument{'s' if low != 1 else ''}"
            elif low == high:
                wanted = f"{low} argument{'s' if low != 1 else ''}"
            else:
                wanted = f"{low} to {high} arguments"
            return f"{label} calls {inner.name} with {count} argument{'s' if count != 1 else ''}; AWS requires {wanted}"
    return None


def dynamic_problem(label: str, value: Any) -> str | None:
    """The value of a `"key.$"` entry: a path or an intrinsic function, nothing else."""
    if isinstance(value, str) and looks_like_intrinsic(value):
        return intrinsic_problem(label, value)
    if isinstance(value, str) and value.lstrip().startswith("$"):
        return path_problem(label, value)
    return f"{label} is {shown(value)}; AWS requires {PATH_OR_INTRINSIC}"


def template_problems(label: str, template: Any) -> Iterator[tuple[str, str]]:
    """(relative location, message) for each malformed `"key.$"` entry of a JSONPath payload template."""
    if isinstance(template, dict):
        for key, value in template.items():
            here = f"{label}.{key}"
            if isinstance(key, str) and key.endswith(".$"):
                problem = dynamic_problem(here, value)
                if problem:
                    yield key, problem
            else:
                for where, problem in template_problems(here, value):
                    yield f"{key}/{where}", problem
    elif isinstance(template, list):
        for index, item in enumerate(template):
            for where, problem in template_problems(f"{label}[{index}]", item):
                yield f"{index}/{where}", problem


def jsonata_problem(label: str, text: str) -> str | None:
    """A `{% ... %}` string's expression, parsed by jsonata-python."""
    inner = strip_template(text)
    if inner is None:
        return None
    try:
        validate_jsonata(text)
    except Exception as error:  # noqa: BLE001 - jsonata raises its own exception types
        return f"{label}: the JSONata expression '{inner}' is invalid ({error})"
    return None


def unreadable_filters(document: Any, segments: tuple = ()) -> Iterator[tuple[list, str]]:
    """(pointer segments, message) for each path whose filter has a bare-word literal: AWS accepts the
    definition, but Jayway cannot read the filter, so the state fails when it evaluates the path."""
    if isinstance(document, dict):
        for key, value in document.items():
            yield from unreadable_filters(value, segments + (key,))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from unreadable_filters(value, segments + (index,))
    elif isinstance(document, str) and "[?(" in document and document.lstrip().startswith("$"):
        try:
            compile_path(document)
        except UnreadableLiteral as error:
            why = str(error).split(": ", 1)[-1]
            yield list(segments), (f"{shown(document)}: {why}. AWS accepts the definition, but Jayway cannot read "
                                   "this filter, so the state fails (States.Runtime) when it evaluates the path")
        except ValueError:
            pass  # a malformed path is the checker's error, reported there
