"""Filter predicates inside JSONPath brackets - `[?(@.status in ['A', 'B'] && @.tags size 2)]` - read
and evaluated the way Jayway JsonPath, the library AWS Step Functions evaluates JSONPath with, reads
and evaluates them. Part of the hand-written Jayway-compatible JSONPath (see jsonpath.py for why no
library is used); the comparisons follow Jayway's FilterCompiler and EvaluatorFactory:

- grammar: `||` over `&&` over operands; an operand is `(...)`, `!operand`, or `value [operator value]`
  (a lone path is an existence test; `!@.x` tests absence); values are `@...` / `$...` paths and
  literals: 'string', "string", numbers, true, false, null, JSON arrays/objects (`['a', 1]`, single
  quotes allowed) and /regex/ with flags;
- operators: == != === !== < <= > >= =~ and the word operators in, nin, subsetof, anyof, noneof,
  contains, size, empty (any letter case, a blank after them);
- values are typed as Jayway types them: a number equals a string that reads as the same number
  ('1' == 1), `!=` is true when the property is missing, `<` compares numbers or strings only, a
  list operand must be a JSON array (`in` against a value that is no list fails the evaluation, as
  in Jayway), `=~` matches the whole string (a missing property matches as "").

A literal Jayway reads as a number but that is none (a bare word: `[?(@.Name==Receipt)]`) makes the
filter unreadable to Jayway, so the state fails when it evaluates the path; AWS still accepts such a
definition (public samples deploy with it), so `compile_filter` raises `UnreadableLiteral` - a
ValueError the create-time checker lets through - only after the rest of the filter has been read.
Left out: Jayway's `all`, `type`, `matches` and `exists` keyword operators (they are refused, named),
and its quirks around regex flags and unspaced `&&` after a path (read here as a reader would mean them).
"""
from __future__ import annotations

import re
from typing import Any, Callable

from workflows.engine.expressions.errors import EvaluationError
from workflows.engine.expressions.jsonpath_filter_values import (
    EVALUATORS, UNDEFINED, Node, UnreadableLiteral, found_node, to_decimal, unescape,
)
from workflows.engine.json_value import JSON

Predicate = Callable[[Any, Any], bool]
_SYMBOLS = ("===", "!==", "==", "!=", "<=", ">=", "=~", "<", ">")
_WORDS = ("IN", "NIN", "SUBSETOF", "ANYOF", "NONEOF", "CONTAINS", "SIZE", "EMPTY")
_UNSUPPORTED_WORDS = ("ALL", "TYPE", "MATCHES", "EXISTS")
_SYMBOL_CHARS = "<>=~!"
_NUMBER_CHARS = set("0123456789-.eE")
_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}


# ---- reading (Jayway's FilterCompiler) -------------------------------------------------------------------
def closing_bracket(text: str, start: int, open_char: str, close_char: str) -> int:
    """Where the `open_char` at `start` is closed (-1: never), as Jayway scans for it - in a path's
    `[?(...)]` and in a filter's nested brackets and JSON literals alike: quoted strings ('...' or
    "...", a backslash escaping the next character in them) are skipped, nested pairs counted."""
    depth, i, quote = 0, start, None
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == open_char:
            depth += 1
        elif ch == close_char:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


class _Reader:
    def __init__(self, text: str) -> None:
        self.text, self.pos, self.unreadable = text, 0, None

    def fail(self, why: str) -> ValueError:
        return ValueError(f"cannot parse filter expression '{self.text}' at position {self.pos}: {why}")

    def peek(self) -> str:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def next_is(self, token: str) -> bool:
        self.peek()
        if self.text.startswith(token, self.pos):
            self.pos += len(token)
            return True
        return False

    def closing(self, start: int, open_char: str, close_char: str) -> int:
        end = closing_bracket(self.text, start, open_char, close_char)
        if end < 0:
            self.pos = start
            raise self.fail(f"'{open_char}' is not closed")
        return end

    def read(self) -> Predicate:
        if not self.peek():
            raise ValueError(f"unexpected end of filter expression '{self.text}'")
        predicate = self.or_()
        if self.peek():
            raise ValueError(f"unexpected '{self.text[self.pos:]}' in filter expression '{self.text}'")
        if self.unreadable is not None:
            raise UnreadableLiteral(f"cannot parse filter expression '{self.text}': the literal {self.unreadable} "
                                    f"is neither a number nor a quoted string (quote it: '{self.unreadable}')")
        return predicate

    def or_(self) -> Predicate:
        parts = [self.and_()]
        while self.next_is("||"):
            parts.append(self.and_())
        return parts[0] if len(parts) == 1 else (lambda i, r: any(p(i, r) for p in parts))

    def and_(self) -> Predicate:
        parts = [self.operand()]
        while self.next_is("&&"):
            parts.append(self.operand())
        return parts[0] if len(parts) == 1 else (lambda i, r: all(p(i, r) for p in parts))

    def operand(self) -> Predicate:
        if self.peek() == "!":
            self.pos += 1
            if self.peek() not in ("$", "@"):
                inner = self.operand()
                return lambda i, r: not inner(i, r)
            self.pos -= 1
        if self.next_is("("):
            inner = self.or_()
            if not self.next_is(")"):
                raise ValueError(f"missing ')' in filter expression '{self.text}'")
            return inner
        return self.relation()

    def relation(self) -> Predicate:
        if not self.peek():
            raise ValueError(f"unexpected end of filter expression '{self.text}'")
        left, negated, is_path = self.value()
        save = self.pos
        operator = self.operator()
        if operator is None:
            self.pos = save
            if not is_path:
                raise self.fail("a filter term needs a comparison or is a path")
            return lambda i, r: (left(i, r) is not UNDEFINED) is not negated
        if not self.peek():
            raise ValueError(f"unexpected end of filter expression '{self.text}'")
        right, _, _ = self.value()
        evaluate, text = EVALUATORS[operator], self.text
        return lambda i, r: evaluate(left(i, r), right(i, r), text)

    def operator(self) -> str | None:
        start, ch = self.pos, self.peek()
        if ch and ch in _SYMBOL_CHARS:
            end = self.pos
            while end < len(self.text) and self.text[end] in _SYMBOL_CHARS:
                end += 1
            token = self.text[self.pos:end]
            if token in _SYMBOLS:
                self.pos = end
                return token
            self.pos = start
            return None
        match = re.match(r"[A-Za-z]+(?=\s)", self.text[self.pos:])
        if not match:
            return None
        word = match.group(0).upper()
        if word in _WORDS:
            self.pos += match.end()
            return word
        if word in _UNSUPPORTED_WORDS:
            raise self.fail(f"the filter operator '{match.group(0)}' is not supported here; use "
                            + ", ".join(w.lower() for w in _WORDS) + " or a comparison")
        self.pos = start
        return None

    def value(self) -> tuple[Callable[[Any, Any], Node], bool, bool]:
        """(node of (item, root), negated, is_path) for the next operand value."""
        ch = self.peek()
        negated = False
        if ch == "!":
            self.pos += 1
            if self.peek() not in ("$", "@"):
                raise self.fail("'!' must be followed by a path here")
            negated, ch = True, self.peek()
        if ch in ("$", "@"):
            return self.path(), negated, True
        node = self.literal()
        return (lambda i, r: node), False, False

    def path(self) -> Callable[[Any, Any], Node]:
        start, i = self.pos, self.pos + 1
        while i < len(self.text):
            ch = self.text[i]
            if ch == "[":
                i = self.closing(i, "[", "]") + 1
                continue
            if ch in _SYMBOL_CHARS or ch.isspace() or ch in ")&|":
                break
            i += 1
        self.pos = i
        text = self.text[start:i]
        from workflows.engine.expressions.jsonpath import compile_path, evaluate_compiled

        compiled = compile_path("$" + text[1:])
        relative = text[0] == "@"

        def node(item: JSON, root: JSON) -> Node:
            try:
                return found_node(evaluate_compiled(compiled, item if relative else root, field="filter"))
            except EvaluationError:
                return UNDEFINED

        return node

    def literal(self) -> Node:
        ch, start = self.peek(), self.pos
        if ch in "'\"":
            i = start + 1
            while i < len(self.text) and self.text[i] != ch:
                i += 2 if self.text[i] == "\\" else 1
            if i >= len(self.text):
                raise self.fail("the string is not closed")
            self.pos = i + 1
            return ("str", unescape(self.text[start + 1:i]))
        if ch in "[{":
            end = self.closing(start, ch, "]" if ch == "[" else "}")
            self.pos = end + 1
            return ("jsonlit", self.text[start:end + 1])
        if ch == "/":
            i = start + 1
            while i < len(self.text) and self.text[i] != "/":
                i += 2 if self.text[i] == "\\" else 1
            if i >= len(self.text):
                raise self.fail("the regular expression is not closed")
            flags = re.match(r"[A-Za-z]*", self.text[i + 1:]).group(0)
            self.pos = i + 1 + len(flags)
            try:
                compiled = re.compile(self.text[start + 1:i], sum(_FLAGS.get(f, 0) for f in set(flags)))
            except re.error as error:
                raise self.fail(f"the regular expression /{self.text[start + 1:i]}/ is invalid ({error})") from None
            return ("pattern", compiled)
        match = re.match(r"[^\s()&|=<>!~]+", self.text[start:])
        word = match.group(0) if match else ""
        if word in ("true", "false"):
            self.pos += len(word)
            return ("bool", word == "true")
        if word == "null":
            self.pos += 4
            return ("null", None)
        number_end = start
        while number_end < len(self.text) and self.text[number_end] in _NUMBER_CHARS:
            number_end += 1
        number = to_decimal(self.text[start:number_end])
        if number is not None and number_end == start + len(word):
            self.pos = number_end
            return ("num", number)
        if not word:
            raise self.fail("a value is expected")
        self.pos += len(word)
        self.unreadable = self.unreadable or word
        return ("str", word)


def compile_filter(text: str) -> Predicate:
    """Compile a filter body (without `?(` `)`) into predicate(item, root) -> bool; ValueError names what is
    wrong (UnreadableLiteral: a bare-word literal AWS accepts at create time but Jayway cannot read)."""
    return _Reader(text.strip()).read()
