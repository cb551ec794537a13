"""Filter predicates inside JSONPath brackets: `[?(@.status == 0 && @.name)]`.

Part of the hand-written Jayway-compatible JSONPath (see jsonpath.py for why no library is used).
Supports relative (`@`) and root (`$`) operands, number/string/boolean/null literals, the
comparisons == != < <= > >= and =~ /regex/, existence tests, !, && and || with parentheses.
A comparison whose operand is missing is false, as in Jayway.
"""
from __future__ import annotations

import re
from typing import Any, Callable
from workflows.engine.json_value import JSON

_MISSING = object()
_TOKEN = re.compile(
    r"\s*(?:(?P<num>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|(?P<str>'(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\")"
    r"|(?P<regex>/(?:\\.|[^/\\])*/[a-z]*)"
    r"|(?P<op>==|!=|<=|>=|=~|&&|\|\||<|>|!|\(|\))"
    r"|(?P<path>[@$](?:\.[A-Za-z0-9_\-]+|\[[^\]]*\])*)"
    r"|(?P<word>true|false|null))"
)

Predicate = Callable[[Any, Any], bool]


def _tokens(text: str) -> list[tuple[str, str]]:
    out = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ValueError(f"cannot parse filter expression '{text}' at position {pos}")
        kind = m.lastgroup
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def _unquote(literal: str) -> str:
    body = literal[1:-1]
    return re.sub(r"\\(.)", r"\1", body)


def _operand(kind: str, value: str) -> Callable[[Any, Any], Any]:
    if kind == "num":
        num = float(value) if any(c in value for c in ".eE") else int(value)
        return lambda item, root: num
    if kind == "str":
        text = _unquote(value)
        return lambda item, root: text
    if kind == "word":
        const = {"true": True, "false": False, "null": None}[value]
        return lambda item, root: const
    if kind == "path":
        from workflows.engine.expressions.jsonpath import compile_path, evaluate_compiled

        compiled = compile_path("$" + value[1:])
        relative = value[0] == "@"

        def get(item: JSON, root: Any) -> Any:
            try:
                return evaluate_compiled(compiled, item if relative else root, field="filter")
            except Exception:  # noqa: BLE001 - a missing operand makes the comparison false
                return _MISSING

        return get
    raise ValueError(f"unexpected '{value}' in filter expression")


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _compare(op: str, left: JSON, right: JSON) -> bool:
    if left is _MISSING or right is _MISSING:
        return False
    if op == "=~":
        return isinstance(left, str) and isinstance(right, re.Pattern) and bool(right.fullmatch(left))
    same_kind = (_is_number(left) and _is_number(right)) or type(left) is type(right)
    if op == "==":
        return same_kind and left == right
    if op == "!=":
        return not (same_kind and left == right)
    if not same_kind or not (_is_number(left) or isinstance(left, str)):
        return False
    return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise ValueError(f"unexpected end of filter expression '{self.text}'")
        self.pos += 1
        return tok

    def parse(self) -> Predicate:
        pred = self.or_()
        if self.peek() is not None:
            raise ValueError(f"unexpected '{self.peek()[1]}' in filter expression '{self.text}'")
        return pred

    def or_(self) -> Predicate:
        parts = [self.and_()]
        while self.peek() == ("op", "||"):
            self.take()
            parts.append(self.and_())
        return parts[0] if len(parts) == 1 else (lambda i, r: any(p(i, r) for p in parts))

    def and_(self) -> Predicate:
        parts = [self.unary()]
        while self.peek() == ("op", "&&"):
            self.take()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else (lambda i, r: all(p(i, r) for p in parts))

    def unary(self) -> Predicate:
        tok = self.peek()
        if tok == ("op", "!"):
            self.take()
            inner = self.unary()
            return lambda i, r: not inner(i, r)
        if tok == ("op", "("):
            self.take()
            inner = self.or_()
            if self.take() != ("op", ")"):
                raise ValueError(f"missing ')' in filter expression '{self.text}'")
            return inner
        kind, value = self.take()
        left = _operand(kind, value)
        nxt = self.peek()
        if nxt and nxt[0] == "op" and nxt[1] in ("==", "!=", "<", "<=", ">", ">=", "=~"):
            op = self.take()[1]
            rkind, rvalue = self.take()
            if op == "=~":
                if rkind != "regex":
                    raise ValueError(f"'=~' needs a /regex/ in filter expression '{self.text}'")
                body, _, flags = rvalue[1:].rpartition("/")
                pattern = re.compile(body, re.IGNORECASE if "i" in flags else 0)
                return lambda i, r: _compare(op, left(i, r), pattern)
            right = _operand(rkind, rvalue)
            return lambda i, r: _compare(op, left(i, r), right(i, r))
        if kind != "path":
            raise ValueError(f"a filter needs a comparison or a path, got '{value}' in '{self.text}'")
        return lambda i, r: left(i, r) is not _MISSING


def compile_filter(text: str) -> Predicate:
    """Compile a filter body (without `?(` `)`) into predicate(item, root) -> bool."""
    return _Parser(text.strip()).parse()
