"""The values and operators of Jayway JsonPath filters (`[?(...)]`), as Jayway's EvaluatorFactory and
ValueNode type and compare them; `jsonpath_filter` reads a filter into these.

A node is (kind, value): str, num (Decimal), bool, null, json (a parsed list/dict found in the data),
jsonlit (a JSON literal's text, parsed when used), pattern (a compiled regex), undefined (a missing
property). Jayway's typing: a number equals a string that reads as the same number ('1' == 1), `!=` is
true when the property is missing, `<` compares numbers or strings only, a list operand must be a JSON
array (`in` against a value that is no list fails the evaluation, as in Jayway), `=~` matches the
whole string (a missing property matches as ""). An operand Jayway cannot use fails the evaluation
with States.Runtime.
"""
from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any, Callable

from workflows.engine import errors as names
from workflows.engine.expressions.errors import EvaluationError
from workflows.engine.json_value import JSON

Node = tuple  # (kind, value): str, num (Decimal), bool, null, json (parsed list/dict), jsonlit (text), pattern, undefined
UNDEFINED: Node = ("undefined", None)
_MISSING = object()
_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}


class UnreadableLiteral(ValueError):
    """A filter Jayway cannot read because of a bare-word literal; AWS accepts it at create time."""


def unescape(text: str) -> str:
    return re.sub(r"\\(u[0-9a-fA-F]{4}|.)",
                  lambda m: chr(int(m.group(1)[1:], 16)) if len(m.group(1)) == 5 else _ESCAPES.get(m.group(1), m.group(1)),
                  text)


def to_decimal(text: str) -> Decimal | None:
    return Decimal(text) if _DECIMAL.fullmatch(text) else None


def _num_text(number: Decimal) -> str:
    return str(number)  # Python's Decimal and Java's BigDecimal write numbers alike ("1", "1.5", "1E+21")


# ---- values ----------------------------------------------------------------------------------------------
def found_node(value: JSON | object) -> Node:
    """What a path found, typed as Jayway's PathNode types it."""
    if value is _MISSING:
        return UNDEFINED
    if value is None:
        return ("null", None)
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, (int, float)):
        return ("num", Decimal(repr(value)) if isinstance(value, float) else Decimal(value))
    if isinstance(value, str):
        return ("str", value)
    return ("json", value)


def _element_node(value: Any, text: str) -> Node:
    """A list element as Jayway's ValueNode.toValueNode types it."""
    if isinstance(value, str):
        stripped = value.strip()
        if stripped[:1] in ("$", "@"):
            return ("pathlit", value)  # Jayway makes such a string a path node, equal to nothing
        if len(stripped) > 1 and (stripped[0], stripped[-1]) in (("[", "]"), ("{", "}")) and _parse_json(stripped) is not _MISSING:
            return ("jsonlit", stripped)
        if len(value) > 1:
            if value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            value = unescape(value)
        return ("str", value)
    if isinstance(value, (list, dict)):
        raise _runtime(text, "Could not determine value type")
    return found_node(value)


def _parse_json(text: str) -> Any:
    """JSON text read permissively (single-quoted strings too), or _MISSING."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    out, i, quote = [], 0, None
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\" and i + 1 < len(text):
                out.append(ch + text[i + 1])
                i += 2
                continue
            if ch == quote:
                out.append('"')
                quote = None
            else:
                out.append('\\"' if ch == '"' else ch)
        elif ch in "'\"":
            quote = ch
            out.append('"')
        else:
            out.append(ch)
        i += 1
    try:
        return json.loads("".join(out))
    except ValueError:
        return _MISSING


def _parsed(node: Node, text: str) -> Any:
    if node[0] == "jsonlit":
        value = _parse_json(node[1])
        if value is _MISSING:
            raise _runtime(text, f"the JSON literal {node[1]} cannot be read")
        return value
    return node[1]


def _runtime(text: str, why: str) -> EvaluationError:
    return EvaluationError(names.RUNTIME, f"The JSONPath filter [?({text})] cannot be evaluated: {why}")


# ---- comparisons (Jayway's EvaluatorFactory) -------------------------------------------------------------
def _node_equals(left: Node, right: Node) -> bool:
    """`left.equals(right)` of Jayway's value nodes (not symmetric: a JSON literal equals nothing)."""
    lk, rk = left[0], right[0]
    if lk == "str":
        return (rk == "str" and left[1] == right[1]) or (rk == "num" and left[1] == _num_text(right[1]))
    if lk == "num":
        if rk == "num":
            return left[1] == right[1]
        number = to_decimal(right[1]) if rk == "str" else None
        return number is not None and left[1] == number
    if lk == "bool":
        return rk == "bool" and left[1] is right[1]
    if lk == "null":
        return rk == "null"
    if lk == "json":
        return rk == "json" and _deep_equals(left[1], right[1])
    return False


def _deep_equals(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a is b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_deep_equals(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_deep_equals(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def _equals(left: Node, right: Node, text: str) -> bool:
    if left[0] in ("json", "jsonlit") and right[0] in ("json", "jsonlit"):
        return left[0] == "json" and _deep_equals(left[1], _parsed(right, text))
    return _node_equals(left, right)


def _class(node: Node) -> str:
    return "json" if node[0] == "jsonlit" else node[0]


def _order(left: Node, right: Node) -> int | None:
    """-1/0/1 for the orderable pairs (numbers, strings, a string and a number as text), else None."""
    lk, rk = left[0], right[0]
    if lk == "num" and rk == "num":
        a: Any = left[1]
        b: Any = right[1]
    elif lk in ("str", "num") and rk in ("str", "num"):
        a = left[1] if lk == "str" else _num_text(left[1])
        b = right[1] if rk == "str" else _num_text(right[1])
    else:
        return None
    return (a > b) - (a < b)


def _ordered(test: Callable[[int], bool]) -> Callable[[Node, Node, str], bool]:
    def compare(left: Node, right: Node, text: str) -> bool:
        order = _order(left, right)
        return order is not None and test(order)
    return compare


def _value_list(node: Node, text: str) -> list | None:
    """A JSON array operand as value nodes; None for JSON that is no array; any other operand fails."""
    if node[0] in ("json", "jsonlit"):
        value = _parsed(node, text)
        return [_element_node(v, text) for v in value] if isinstance(value, list) else None
    raise _runtime(text, f"a list (a JSON array) is expected, not {_shown(node)}")


def _shown(node: Node) -> str:
    return {"undefined": "a missing value", "pattern": "a regular expression"}.get(
        node[0], json.dumps(node[1]) if node[0] != "num" else _num_text(node[1]))


def _regex(left: Node, right: Node, text: str) -> bool:
    if (left[0] == "pattern") == (right[0] == "pattern"):
        return False
    pattern, other = (left[1], right) if left[0] == "pattern" else (right[1], left)

    def text_of(node: Node) -> str:
        if node[0] in ("str", "num"):
            return node[1] if node[0] == "str" else _num_text(node[1])
        return ("true" if node[1] else "false") if node[0] == "bool" else ""

    if other[0] in ("json", "jsonlit"):
        items = _parsed(other, text)
        if isinstance(items, list):
            return any(pattern.fullmatch(text_of(_element_node(v, text))) for v in items)
    return pattern.fullmatch(text_of(other)) is not None


def _in(left: Node, right: Node, text: str) -> bool:
    items = _value_list(right, text)
    return items is not None and any(_node_equals(left, item) for item in items)


def _contains(left: Node, right: Node, text: str) -> bool:
    if left[0] == "str" and right[0] == "str":
        return right[1] in left[1]
    if left[0] in ("json", "jsonlit"):
        items = _value_list(left, text)
        return items is not None and any(_node_equals(right, item) for item in items)
    return False


def _pairs(left: Node, right: Node, text: str) -> tuple[list, list] | None:
    rights = _value_list(right, text)
    if rights is None:
        return None
    lefts = _value_list(left, text)
    return None if lefts is None else (lefts, rights)


def _subsetof(left: Node, right: Node, text: str) -> bool:
    pairs = _pairs(left, right, text)
    return pairs is not None and all(any(_node_equals(a, b) for b in pairs[1]) for a in pairs[0])


def _anyof(left: Node, right: Node, text: str) -> bool:
    pairs = _pairs(left, right, text)
    return pairs is not None and any(_node_equals(a, b) for a in pairs[0] for b in pairs[1])


def _noneof(left: Node, right: Node, text: str) -> bool:
    pairs = _pairs(left, right, text)
    return pairs is not None and not any(_node_equals(a, b) for a in pairs[0] for b in pairs[1])


def _size(left: Node, right: Node, text: str) -> bool:
    if right[0] != "num":
        return False
    expected = int(right[1])
    if left[0] == "str":
        return len(left[1]) == expected
    if left[0] in ("json", "jsonlit"):
        value = _parsed(left, text)
        return (len(value) if isinstance(value, list) else -1) == expected
    return False


def _empty(left: Node, right: Node, text: str) -> bool:
    if right[0] != "bool":
        raise _runtime(text, f"'empty' needs true or false, not {_shown(right)}")
    if left[0] == "str":
        return (left[1] == "") == right[1]
    if left[0] in ("json", "jsonlit"):
        value = _parsed(left, text)
        return (len(value) == 0 if isinstance(value, (list, dict, str)) else True) == right[1]
    return False


EVALUATORS: dict[str, Callable[[Node, Node, str], bool]] = {
    "==": _equals,
    "!=": lambda l, r, t: not _equals(l, r, t),
    "===": lambda l, r, t: _class(l) == _class(r) and _equals(l, r, t),
    "!==": lambda l, r, t: not (_class(l) == _class(r) and _equals(l, r, t)),
    "<": _ordered(lambda c: c < 0),
    "<=": _ordered(lambda c: c <= 0),
    ">": _ordered(lambda c: c > 0),
    ">=": _ordered(lambda c: c >= 0),
    "=~": _regex,
    "IN": _in,
    "NIN": lambda l, r, t: not _in(l, r, t),
    "CONTAINS": _contains,
    "SUBSETOF": _subsetof,
    "ANYOF": _anyof,
    "NONEOF": _noneof,
    "SIZE": _size,
    "EMPTY": _empty,
}
