"""Payload templates of the JSONPath query language: Parameters, ResultSelector, ItemSelector and
Assign. A key ending in ".$" takes its value from a path (`$...`, `$$...`, `$var...`) or an
intrinsic function call; every other value is copied as is, recursively.

Templates are compiled once into a tree of closures so that rendering on the engine's hot path does
no string inspection; `render_payload` caches the compiled form per template object.
"""
from __future__ import annotations

from typing import Any, Callable

from workflows.engine import errors as names
from workflows.engine.expressions.errors import EvaluationError
from workflows.engine.expressions.intrinsic_functions import evaluate_call, validate_intrinsic
from workflows.engine.expressions.intrinsic_parser import looks_like_intrinsic, parse_intrinsic
from workflows.engine.expressions.jsonpath import compile_path, evaluate_compiled
from workflows.engine.json_value import JSON

Renderer = Callable[[Any, Any, Any], Any]  # (data, context, variables) -> value


def _dynamic(key: str, expr: Any, field: str) -> Renderer:
    if not isinstance(expr, str):
        raise ValueError(f"the value of '{key}' in {field} must be a path or an intrinsic function string")
    if looks_like_intrinsic(expr):
        call = parse_intrinsic(expr)
        validate_intrinsic(expr)
        return lambda data, context, variables: evaluate_call(call, data, context, variables, key)
    compiled = compile_path(expr)
    return lambda data, context, variables: evaluate_compiled(
        compiled, data, context=context, variables=variables, field=key
    )


def _constant(value: JSON) -> Renderer:
    return lambda data, context, variables: value


def compile_template(template: JSON, field: str = "Parameters") -> Renderer:
    """Compile a template; raises ValueError naming the key and field for a malformed entry."""
    if isinstance(template, dict):
        entries: list[tuple[str, Renderer]] = []
        for key, value in template.items():
            if key.endswith(".$"):
                entries.append((key[:-2], _dynamic(key, value, field)))
            else:
                entries.append((key, compile_template(value, field)))
        return lambda data, context, variables: {k: r(data, context, variables) for k, r in entries}
    if isinstance(template, list):
        items = [compile_template(v, field) for v in template]
        if not any(True for v in template if isinstance(v, (dict, list))):
            return lambda data, context, variables: list(template)
        return lambda data, context, variables: [r(data, context, variables) for r in items]
    return _constant(template)


_CACHE: dict[int, tuple[Any, Renderer]] = {}
_CACHE_LIMIT = 4096


def _compiled(template: JSON, field: str) -> Renderer:
    hit = _CACHE.get(id(template))
    if hit is not None and hit[0] is template:
        return hit[1]
    try:
        renderer = compile_template(template, field)
    except ValueError as exc:
        raise EvaluationError(names.RUNTIME, f"Invalid {field}: {exc}") from None
    if len(_CACHE) >= _CACHE_LIMIT:
        _CACHE.clear()
    _CACHE[id(template)] = (template, renderer)  # holding the template keeps its id unique
    return renderer


def render_payload(
    template: JSON, data: JSON, *, context: Any = None, variables: JSON = None, field: str = "Parameters"
) -> Any:
    """Render a JSONPath-mode payload template against the state input."""
    return _compiled(template, field)(data, context, variables)


def validate_payload(template: JSON, field: str = "Parameters") -> None:
    """Raise ValueError naming the key and field of the first malformed entry."""
    compile_template(template, field)
