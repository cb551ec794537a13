"""JSONPath as Step Functions evaluates it: Jayway JsonPath semantics, compiled once per path text.

Why hand-written: AWS runs Jayway JsonPath (Java). Its semantics are not what Python JSONPath
libraries implement: a *definite* path (only names and single indexes) yields the value itself while
an indefinite one (wildcards, slices, filters, deep scan, unions) yields a list; a missing leaf is
"No results for path: $['a']['b']" while a missing intermediate is "Missing property in path $['a']";
and ASL adds roots of its own (`$$` for the context object, `$name` for variables). jsonpath-ng
returns match lists for everything, words no errors the AWS way and re-parses through PLY, which is
far too slow for the engine's hot path. So paths are tokenised here once, cached, and simple paths
evaluate as a tight loop over their keys.
"""
from __future__ import annotations

from typing import Any

from workflows.engine import errors as names
from workflows.engine.expressions.errors import EvaluationError, compact_json
from workflows.engine.expressions.jsonpath_parser import (
    ROOT_CONTEXT,
    ROOT_INPUT,
    CompiledPath,
    DeepScan,
    Filter,
    Index,
    Name,
    Slice,
    Union,
    Wildcard,
    compile_path,
    validate_path,
    validate_reference_path,
)
from workflows.engine.json_value import JSON

_MISSING = object()
__all__ = [
    "MISSING", "CompiledPath", "compile_path", "evaluate_compiled", "lookup", "jsonpath_get", "jsonpath_set", "path_exists",
    "validate_path", "validate_reference_path",
]


# --- evaluation ---------------------------------------------------------------------------------
class _PathNotFound(Exception):
    """Internal: carries Jayway's wording of why a definite path found nothing."""


def _java_type(value: JSON) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "java.lang.Boolean"
    if isinstance(value, int):
        return "java.lang.Integer"
    if isinstance(value, float):
        return "java.lang.Double"
    if isinstance(value, str):
        return "java.lang.String"
    if isinstance(value, list):
        return "java.util.ArrayList"
    return "java.util.LinkedHashMap"


def _definite(compiled: CompiledPath, node: JSON) -> Any:
    keys = compiled.keys
    last = len(keys) - 1
    for i, key in enumerate(keys):
        if isinstance(key, str):
            if isinstance(node, dict):
                node = node.get(key, _MISSING)
                if node is _MISSING:
                    if i == last:
                        raise _PathNotFound(f"No results for path: {compiled.normalized()}")
                    raise _PathNotFound(f"Missing property in path {compiled.normalized(i + 1)}")
                continue
            raise _PathNotFound(
                f"Expected to find an object with property ['{key}'] in path {compiled.normalized(i)} "
                f"but found '{_java_type(node)}'. This is not a json object according to the JsonProvider: "
                "'com.jayway.jsonpath.spi.json.JacksonJsonProvider'."
            )
        if isinstance(node, list):
            idx = key + len(node) if key < 0 else key
            if 0 <= idx < len(node):
                node = node[idx]
                continue
            raise _PathNotFound(f"No results for path: {compiled.normalized()}")
        raise _PathNotFound(
            f"Filter: [{key}] can only be applied to arrays. Current context is: {compact_json(node)}"
        )
    return node


def _children(node: JSON) -> list:
    if isinstance(node, dict):
        return list(node.values())
    if isinstance(node, list):
        return list(node)
    return []


def _apply(segment: Any, node: JSON, root: Any, out: list) -> None:
    if isinstance(segment, Name):
        if isinstance(node, dict) and segment.key in node:
            out.append(node[segment.key])
    elif isinstance(segment, Index):
        if isinstance(node, list):
            idx = segment.index + len(node) if segment.index < 0 else segment.index
            if 0 <= idx < len(node):
                out.append(node[idx])
    elif isinstance(segment, Wildcard):
        out.extend(_children(node))
    elif isinstance(segment, Slice):
        if isinstance(node, list):
            out.extend(node[segment.start : segment.stop : segment.step])
    elif isinstance(segment, Union):
        for key in segment.keys:
            _apply(Name(key) if isinstance(key, str) else Index(key), node, root, out)
    elif isinstance(segment, Filter):
        candidates = node if isinstance(node, list) else ([node] if isinstance(node, dict) else [])
        out.extend(item for item in candidates if segment.predicate(item, root))
    elif isinstance(segment, DeepScan):
        stack = [node]
        while stack:
            current = stack.pop(0)
            _apply(segment.inner, current, root, out)
            stack[0:0] = [c for c in _children(current) if isinstance(c, (dict, list))]


def _indefinite(compiled: CompiledPath, node: JSON) -> list:
    current = [node]
    for segment in compiled.segments:
        nxt: list = []
        for item in current:
            _apply(segment, item, node, nxt)
        current = nxt
    return current


def _resolve(compiled: CompiledPath, root: Any) -> Any:
    """The value at a definite path (_PathNotFound when absent) or the list an indefinite one matches."""
    if not compiled.definite:
        return _indefinite(compiled, root)
    if not compiled.keys:
        return root
    return _definite(compiled, root)


_INVALID_PATH_STYLE = {"InputPath", "OutputPath", "ItemsPath", "TimeoutSecondsPath", "HeartbeatSecondsPath"}


def _root_value(compiled: CompiledPath, data: JSON, context: Any, variables: JSON, field: str) -> Any:
    if compiled.root == ROOT_INPUT:
        return data
    if compiled.root == ROOT_CONTEXT:
        return context if context is not None else {}
    if variables is None or compiled.variable not in variables:
        raise EvaluationError(
            names.RUNTIME,
            f"The variable '${compiled.variable}' referenced by the field '{field}' is not defined",
        )
    return variables[compiled.variable]


def evaluate_compiled(
    compiled: CompiledPath, data: JSON, *, context: Any = None, variables: JSON = None, field: str = "InputPath"
) -> Any:
    root = _root_value(compiled, data, context, variables, field)
    try:
        return _resolve(compiled, root)
    except _PathNotFound as exc:
        if field in _INVALID_PATH_STYLE:
            raise EvaluationError(names.RUNTIME, f"Invalid path '{compiled.text}' : {exc}") from None
        raise EvaluationError(
            names.RUNTIME,
            f"The JSONPath '{compiled.text}' specified for the field '{field}' could not be found "
            f"in the input '{compact_json(data)}'",
        ) from None


def jsonpath_get(
    path: str, data: JSON, *, context: Any = None, variables: JSON = None, field: str = "InputPath"
) -> Any:
    """Evaluate `path` ("$...", "$$...", "$var...") the way AWS does for the named field."""
    try:
        compiled = compile_path(path)
    except ValueError as exc:
        raise EvaluationError(names.RUNTIME, f"Invalid path '{path}' specified for the field '{field}': {exc}") from None
    return evaluate_compiled(compiled, data, context=context, variables=variables, field=field)


MISSING = _MISSING  # what `lookup` returns for a path that matches nothing


def lookup(compiled: CompiledPath, data: JSON, *, context: Any = None, variables: JSON = None) -> Any:
    """The value at a path, or MISSING (no error): for Choice rules and IsPresent."""
    try:
        root = _root_value(compiled, data, context, variables, "Variable")
    except EvaluationError:
        return _MISSING
    try:
        return _resolve(compiled, root)
    except _PathNotFound:
        return _MISSING


def path_exists(path: str, data: JSON, *, context: Any = None, variables: JSON = None) -> bool:
    """True when a definite path resolves (IsPresent); an indefinite path exists if it matches anything."""
    compiled = compile_path(path)
    value = lookup(compiled, data, context=context, variables=variables)
    if isinstance(value, list) and not compiled.definite:
        return bool(value)
    return value is not _MISSING


def _copy_shallow(node: JSON) -> Any:
    if isinstance(node, dict):
        return dict(node)
    if isinstance(node, list):
        return list(node)
    return node


def jsonpath_set(data: JSON, result_path: str | None, value: JSON, *, field: str = "ResultPath") -> Any:
    """Place `value` into `data` at a Reference Path without mutating `data`.

    "$" replaces the input; None discards the result; missing intermediate objects are created.
    """
    if result_path is None:
        return data
    try:
        compiled = compile_path(result_path)
        if compiled.root != ROOT_INPUT or not compiled.definite:
            raise ValueError("not a reference path")
    except ValueError:
        raise EvaluationError(
            names.RESULT_PATH_MATCH_FAILURE,
            f"Unable to apply {field} \"{result_path}\" to input {compact_json(data)}",
        ) from None
    keys = compiled.keys
    if not keys:
        return value

    def fail() -> EvaluationError:
        return EvaluationError(
            names.RESULT_PATH_MATCH_FAILURE,
            f"Unable to apply {field} \"{result_path}\" to input {compact_json(data)}",
        )

    if not isinstance(data, (dict, list)):
        raise fail()
    root = _copy_shallow(data)
    node = root
    last = len(keys) - 1
    for i, key in enumerate(keys):
        if isinstance(key, str):
            if not isinstance(node, dict):
                raise fail()
            if i == last:
                node[key] = value
                break
            child = node.get(key, _MISSING)
            child = {} if child is _MISSING or child is None else _copy_shallow(child)
            if not isinstance(child, (dict, list)):
                raise fail()
            node[key] = child
            node = child
        else:
            if not isinstance(node, list):
                raise fail()
            idx = key + len(node) if key < 0 else key
            if not 0 <= idx < len(node):
                raise fail()
            if i == last:
                node[idx] = value
                break
            child = _copy_shallow(node[idx])
            if not isinstance(child, (dict, list)):
                raise fail()
            node[idx] = child
            node = child
    return root
