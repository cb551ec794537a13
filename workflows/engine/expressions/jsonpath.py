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

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

from workflows.engine import errors as names
from workflows.engine.expressions.errors import EvaluationError, compact_json
from workflows.engine.expressions.jsonpath_filter import compile_filter

_MISSING = object()


# --- segments -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Name:
    key: str

    def fragment(self) -> str:
        return f"['{self.key}']"


@dataclass(frozen=True)
class Index:
    index: int

    def fragment(self) -> str:
        return f"[{self.index}]"


@dataclass(frozen=True)
class Wildcard:
    def fragment(self) -> str:
        return "[*]"


@dataclass(frozen=True)
class Slice:
    start: int | None
    stop: int | None
    step: int | None

    def fragment(self) -> str:
        return f"[{'' if self.start is None else self.start}:{'' if self.stop is None else self.stop}]"


@dataclass(frozen=True)
class Union:
    keys: tuple  # of str or int

    def fragment(self) -> str:
        return "[" + ",".join(f"'{k}'" if isinstance(k, str) else str(k) for k in self.keys) + "]"


@dataclass(frozen=True)
class Filter:
    text: str
    predicate: Callable[[Any, Any], bool]

    def fragment(self) -> str:
        return f"[?({self.text})]"


@dataclass(frozen=True)
class DeepScan:
    inner: Any  # Name, Wildcard, Index, ...

    def fragment(self) -> str:
        return ".." + self.inner.fragment()


Segment = Name | Index | Wildcard | Slice | Union | Filter | DeepScan

ROOT_INPUT = "$"
ROOT_CONTEXT = "$$"


@dataclass(frozen=True)
class CompiledPath:
    """A parsed path: `root` is "$", "$$" or a variable name; `keys` is set for definite paths."""

    text: str
    root: str
    variable: str | None
    segments: tuple
    definite: bool
    keys: tuple | None  # the plain keys/indexes of a definite path, for the fast loop

    def normalized(self, upto: int | None = None) -> str:
        segs = self.segments if upto is None else self.segments[:upto]
        return "$" + "".join(s.fragment() for s in segs)


# --- parsing ------------------------------------------------------------------------------------
_VAR_ROOT = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_INT = re.compile(r"-?\d+")


def _read_quoted(text: str, pos: int) -> tuple[str, int]:
    quote = text[pos]
    out = []
    pos += 1
    while pos < len(text):
        ch = text[pos]
        if ch == "\\" and pos + 1 < len(text) and text[pos + 1] == quote:
            # Jayway unescapes only the quote character itself; other backslashes are literal.
            out.append(quote)
            pos += 2
            continue
        if ch == quote:
            return "".join(out), pos + 1
        out.append(ch)
        pos += 1
    raise ValueError(f"unterminated string in path '{text}'")


def _matching_paren(text: str, pos: int) -> int:
    depth = 0
    quote = None
    while pos < len(text):
        ch = text[pos]
        if quote:
            if ch == "\\":
                pos += 1
            elif ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return pos
        pos += 1
    raise ValueError(f"unbalanced parentheses in path '{text}'")


def _parse_bracket(text: str, pos: int) -> tuple[Segment, int]:
    """Parse `[...]` starting at `pos` (the '[')."""
    pos += 1
    while pos < len(text) and text[pos] == " ":
        pos += 1
    if pos >= len(text):
        raise ValueError(f"unterminated '[' in path '{text}'")
    ch = text[pos]
    if ch == "?":
        if text[pos + 1 : pos + 2] != "(":
            raise ValueError(f"expected '(' after '?' in path '{text}'")
        end = _matching_paren(text, pos + 1)
        expr = text[pos + 2 : end]
        close = text.index("]", end)
        return Filter(expr.strip(), compile_filter(expr)), close + 1
    if ch == "*":
        close = text.index("]", pos)
        return Wildcard(), close + 1
    if ch in "'\"":
        keys: list = []
        while True:
            key, pos = _read_quoted(text, pos)
            keys.append(key)
            while pos < len(text) and text[pos] == " ":
                pos += 1
            if pos < len(text) and text[pos] == ",":
                pos += 1
                while pos < len(text) and text[pos] == " ":
                    pos += 1
                continue
            if pos < len(text) and text[pos] == "]":
                seg: Segment = Name(keys[0]) if len(keys) == 1 else Union(tuple(keys))
                return seg, pos + 1
            raise ValueError(f"expected ']' in path '{text}'")
    close = text.find("]", pos)
    if close < 0:
        raise ValueError(f"unterminated '[' in path '{text}'")
    inner = text[pos:close].replace(" ", "")
    if ":" in inner:
        parts = inner.split(":")
        if len(parts) > 3 or any(p and not _INT.fullmatch(p) for p in parts):
            raise ValueError(f"invalid array slice '[{inner}]' in path '{text}'")
        vals = [int(p) if p else None for p in parts] + [None] * (3 - len(parts))
        return Slice(vals[0], vals[1], vals[2]), close + 1
    items = inner.split(",")
    if not all(_INT.fullmatch(i) for i in items):
        raise ValueError(f"invalid array index '[{inner}]' in path '{text}'")
    if len(items) == 1:
        return Index(int(items[0])), close + 1
    return Union(tuple(int(i) for i in items)), close + 1


def _parse_dot_name(text: str, pos: int) -> tuple[str, int]:
    end = pos
    while end < len(text) and text[end] not in ".[":
        end += 1
    name = text[pos:end].strip()
    if not name:
        raise ValueError(f"empty property name at position {pos} in path '{text}'")
    return name, end


@lru_cache(maxsize=4096)
def compile_path(text: str) -> CompiledPath:
    """Parse a path once; raises ValueError naming the problem."""
    if not isinstance(text, str):
        raise ValueError(f"a path must be a string, got {type(text).__name__}")
    path = text.strip()
    if not path.startswith("$"):
        raise ValueError(f"the path '{text}' must start with '$'")
    variable = None
    if path.startswith("$$"):
        root, pos = ROOT_CONTEXT, 2
    else:
        m = _VAR_ROOT.match(path)
        if m:
            root, variable, pos = "var", m.group(1), m.end()
        else:
            root, pos = ROOT_INPUT, 1
    segments: list = []
    while pos < len(path):
        ch = path[pos]
        if ch == ".":
            if path[pos + 1 : pos + 2] == ".":
                pos += 2
                if pos < len(path) and path[pos] == "[":
                    inner, pos = _parse_bracket(path, pos)
                elif pos < len(path) and path[pos] == "*":
                    inner, pos = Wildcard(), pos + 1
                else:
                    name, pos = _parse_dot_name(path, pos)
                    inner = Name(name)
                segments.append(DeepScan(inner))
            elif path[pos + 1 : pos + 2] == "*":
                segments.append(Wildcard())
                pos += 2
            else:
                name, pos = _parse_dot_name(path, pos + 1)
                segments.append(Name(name))
        elif ch == "[":
            seg, pos = _parse_bracket(path, pos)
            segments.append(seg)
        else:
            raise ValueError(f"unexpected character '{ch}' at position {pos} in path '{text}'")
    definite = all(isinstance(s, (Name, Index)) for s in segments)
    keys = tuple(s.key if isinstance(s, Name) else s.index for s in segments) if definite else None
    return CompiledPath(text, root, variable, tuple(segments), definite, keys)


def validate_path(path: str) -> None:
    """Raise ValueError naming what is wrong with a JSONPath / context path / variable path."""
    compile_path(path)


def validate_reference_path(path: str) -> None:
    """A Reference Path (ResultPath, ...) must be definite and rooted at `$`."""
    compiled = compile_path(path)
    if compiled.root != ROOT_INPUT or not compiled.definite:
        raise ValueError(f"the path '{path}' must be a reference path: '$' followed by names or single indexes only")


# --- evaluation ---------------------------------------------------------------------------------
class _PathNotFound(Exception):
    """Internal: carries Jayway's wording of why a definite path found nothing."""


def _java_type(value: Any) -> str:
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


def _definite(compiled: CompiledPath, node: Any) -> Any:
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


def _children(node: Any) -> list:
    if isinstance(node, dict):
        return list(node.values())
    if isinstance(node, list):
        return list(node)
    return []


def _apply(segment: Any, node: Any, root: Any, out: list) -> None:
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


def _indefinite(compiled: CompiledPath, node: Any) -> list:
    current = [node]
    for segment in compiled.segments:
        nxt: list = []
        for item in current:
            _apply(segment, item, node, nxt)
        current = nxt
    return current


_INVALID_PATH_STYLE = {"InputPath", "OutputPath", "ItemsPath", "TimeoutSecondsPath", "HeartbeatSecondsPath"}


def _root_value(compiled: CompiledPath, data: Any, context: Any, variables: Any, field: str) -> Any:
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
    compiled: CompiledPath, data: Any, *, context: Any = None, variables: Any = None, field: str = "InputPath"
) -> Any:
    root = _root_value(compiled, data, context, variables, field)
    if not compiled.definite:
        return _indefinite(compiled, root)
    if not compiled.keys:
        return root
    try:
        return _definite(compiled, root)
    except _PathNotFound as exc:
        if field in _INVALID_PATH_STYLE:
            raise EvaluationError(names.RUNTIME, f"Invalid path '{compiled.text}' : {exc}") from None
        raise EvaluationError(
            names.RUNTIME,
            f"The JSONPath '{compiled.text}' specified for the field '{field}' could not be found "
            f"in the input '{compact_json(data)}'",
        ) from None


def jsonpath_get(
    path: str, data: Any, *, context: Any = None, variables: Any = None, field: str = "InputPath"
) -> Any:
    """Evaluate `path` ("$...", "$$...", "$var...") the way AWS does for the named field."""
    try:
        compiled = compile_path(path)
    except ValueError as exc:
        raise EvaluationError(names.RUNTIME, f"Invalid path '{path}' specified for the field '{field}': {exc}") from None
    return evaluate_compiled(compiled, data, context=context, variables=variables, field=field)


def path_exists(path: str, data: Any, *, context: Any = None, variables: Any = None) -> bool:
    """True when a definite path resolves (IsPresent); an indefinite path exists if it matches anything."""
    compiled = compile_path(path)
    try:
        root = _root_value(compiled, data, context, variables, "Variable")
    except EvaluationError:
        return False
    if not compiled.definite:
        return bool(_indefinite(compiled, root))
    try:
        _definite(compiled, root)
    except _PathNotFound:
        return False
    return True


def _copy_shallow(node: Any) -> Any:
    if isinstance(node, dict):
        return dict(node)
    if isinstance(node, list):
        return list(node)
    return node


def jsonpath_set(data: Any, result_path: str | None, value: Any, *, field: str = "ResultPath") -> Any:
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
