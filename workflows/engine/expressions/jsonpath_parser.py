"""Parsing of JSONPath text into compiled, cached paths (see jsonpath.py for why it is hand-written).

A path is tokenised once into segments; a *definite* path (names and single indexes only) also
keeps its plain keys so evaluation can run as a tight loop.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

from workflows.engine.expressions.jsonpath_filter import UnreadableLiteral, closing_bracket, compile_filter

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
        end = closing_bracket(text, pos + 1, "(", ")")
        if end < 0:
            raise ValueError(f"unbalanced parentheses in path '{text}'")
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
    name = text[pos:end]
    if not name.strip():
        raise ValueError(f"empty property name at position {pos} in path '{text}'")
    if " " in name.strip():
        # Jayway: "Use bracket notion ['my prop'] if your property contains blank characters."
        raise ValueError(f"the property name '{name.strip()}' contains a blank at position {pos} in path '{text}'; "
                         "use bracket notation ['my prop']")
    return name.strip(), end


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
            elif path[pos + 1 : pos + 2] == "[":
                seg, pos = _parse_bracket(path, pos + 1)  # Jayway reads "$.[0]" and "$.a.['b']" as "$[0]", "$.a['b']"
                segments.append(seg)
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
    """Raise ValueError naming what is wrong with a JSONPath / context path / variable path, as AWS judges it
    at create time: a filter with a bare-word literal passes (AWS accepts it; it fails when evaluated)."""
    try:
        compile_path(path)
    except UnreadableLiteral:
        pass


def validate_reference_path(path: str) -> None:
    """A Reference Path (ResultPath, ...) must be definite and rooted at `$`."""
    compiled = compile_path(path)
    if compiled.root != ROOT_INPUT or not compiled.definite:
        raise ValueError(f"the path '{path}' must be a reference path: '$' followed by names or single indexes only")
