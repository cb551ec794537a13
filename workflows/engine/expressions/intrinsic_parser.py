"""Parser for ASL intrinsic function calls: `States.Format('a {} \\{b\\}', $.x, States.UUID())`.

Why hand-written: no maintained library parses the intrinsic-function grammar of the Amazon States
Language (AWS's own parser is closed; LocalStack's is an ANTLR grammar inside LocalStack). The grammar
is small: a call is `States.Name(arg, ...)`; an argument is a single-quoted string (with `\\'`,
`\\{`, `\\}` and `\\\\` escapes), a number, true/false/null, a path (`$...`, `$$...`, `$var...`) or a
nested call. Expressions are parsed once and cached.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from workflows.engine.expressions.jsonpath import CompiledPath, compile_path
from workflows.engine.json_value import JSON


@dataclass(frozen=True)
class Literal:
    value: JSON
    # For string literals: the text split at *unescaped* `{}` (what States.Format substitutes into).
    format_parts: tuple[str, ...] | None = None


@dataclass(frozen=True)
class PathArg:
    path: CompiledPath


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple


_NAME = re.compile(r"States\.[A-Za-z0-9]+")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_WORD = re.compile(r"(true|false|null)(?=\s*[,)])")


def looks_like_intrinsic(text: str) -> bool:
    return isinstance(text, str) and text.lstrip().startswith("States.")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def error(self, what: str) -> ValueError:
        return ValueError(f"{what} at position {self.pos} in intrinsic function '{self.text}'")

    def skip_ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t\r\n":
            self.pos += 1

    def call(self) -> Call:
        self.skip_ws()
        m = _NAME.match(self.text, self.pos)
        if not m:
            raise self.error("expected an intrinsic function name like States.Format")
        self.pos = m.end()
        self.skip_ws()
        if self.text[self.pos : self.pos + 1] != "(":
            raise self.error(f"expected '(' after {m.group(0)}")
        self.pos += 1
        args: list = []
        self.skip_ws()
        if self.text[self.pos : self.pos + 1] == ")":
            self.pos += 1
            return Call(m.group(0), ())
        while True:
            args.append(self.argument())
            self.skip_ws()
            ch = self.text[self.pos : self.pos + 1]
            if ch == ",":
                self.pos += 1
                continue
            if ch == ")":
                self.pos += 1
                return Call(m.group(0), tuple(args))
            raise self.error("expected ',' or ')'")

    def argument(self) -> Any:
        self.skip_ws()
        rest = self.text[self.pos :]
        if not rest:
            raise self.error("missing argument")
        ch = rest[0]
        if ch == "'":
            return self.string()
        if rest.startswith("States."):
            return self.call()
        if ch == "$":
            return self.path()
        m = _WORD.match(self.text, self.pos)
        if m:
            self.pos = m.end()
            return Literal({"true": True, "false": False, "null": None}[m.group(1)])
        m = _NUMBER.match(self.text, self.pos)
        if m:
            self.pos = m.end()
            num = m.group(0)
            return Literal(float(num) if any(c in num for c in ".eE") else int(num))
        raise self.error(f"unexpected '{ch}'")

    def string(self) -> Literal:
        self.pos += 1  # opening quote
        chars: list[str] = []
        parts: list[str] = []
        text = self.text
        while self.pos < len(text):
            ch = text[self.pos]
            if ch == "\\" and self.pos + 1 < len(text):
                nxt = text[self.pos + 1]
                chars.append(nxt if nxt in "'{}\\" else "\\" + nxt)
                self.pos += 2
                continue
            if ch == "'":
                self.pos += 1
                parts.append("".join(chars))
                value = "".join(parts) if len(parts) == 1 else "{}".join(parts)
                return Literal(value, tuple(parts))
            if ch == "{" and text[self.pos + 1 : self.pos + 2] == "}":
                parts.append("".join(chars))
                chars = []
                self.pos += 2
                continue
            chars.append(ch)
            self.pos += 1
        raise self.error("unterminated string literal")

    def path(self) -> PathArg:
        start = self.pos
        depth = 0
        quote = None
        text = self.text
        while self.pos < len(text):
            ch = text[self.pos]
            if quote:
                if ch == "\\":
                    self.pos += 1
                elif ch == quote:
                    quote = None
            elif ch in "'\"" and depth:
                quote = ch
            elif ch in "[(":
                depth += 1
            elif ch in "])":
                if depth == 0:
                    break
                depth -= 1
            elif ch == "," and depth == 0:
                break
            self.pos += 1
        raw = text[start : self.pos].strip()
        try:
            return PathArg(compile_path(raw))
        except ValueError as exc:
            raise self.error(str(exc)) from None


@lru_cache(maxsize=2048)
def parse_intrinsic(text: str) -> Call:
    """Parse one intrinsic call (raises ValueError naming the problem)."""
    parser = _Parser(text.strip())
    call = parser.call()
    parser.skip_ws()
    if parser.pos != len(parser.text):
        raise parser.error("unexpected text after the closing ')'")
    return call
