"""Choice rules compiled once into predicates.

JSONPath rules (Variable + one comparison operator, or And/Or/Not) follow what AWS returned for the
491 choice-operator table rows of the conformance corpus: a comparison between mismatched types is
simply false (NumericEquals on a string, TimestampEquals on a non-timestamp), while a Variable or
...Path that points at nothing is a States.Runtime error. JSONata rules evaluate `Condition`, which
must produce a boolean.
"""
from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from workflows.engine import errors as names
from workflows.engine.expressions.errors import EvaluationError
from workflows.engine.expressions.jsonata_eval import compile_jsonata, evaluate_jsonata, strip_template
from workflows.engine.expressions.jsonpath import MISSING as _MISSING
from workflows.engine.expressions.jsonpath import CompiledPath, compile_path, lookup
from workflows.engine.expressions.timestamps import parse_timestamp
from workflows.engine.json_value import JSON

Predicate = Callable[[Any, Any, Any, Any], bool]  # (data, context, variables, states)

_COMPARATORS = {
    "Equals": operator.eq,
    "LessThan": operator.lt,
    "GreaterThan": operator.gt,
    "LessThanEquals": operator.le,
    "GreaterThanEquals": operator.ge,
}


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_string(v: Any) -> bool:
    return isinstance(v, str)


def _is_bool(v: Any) -> bool:
    return isinstance(v, bool)


_KINDS: dict[str, tuple[Callable[[Any], bool], Callable[[Any], Any]]] = {
    "String": (_is_string, lambda v: v),
    "Numeric": (_is_number, lambda v: v),
    "Boolean": (_is_bool, lambda v: v),
    "Timestamp": (lambda v: parse_timestamp(v) is not None, parse_timestamp),
}

_TYPE_TESTS: dict[str, Callable[[Any], bool]] = {
    "IsNull": lambda v: v is None,
    "IsNumeric": _is_number,
    "IsString": _is_string,
    "IsBoolean": _is_bool,
    "IsTimestamp": lambda v: parse_timestamp(v) is not None,
}

COMPARISON_OPERATORS = frozenset(
    [f"{kind}{cmp}" for kind in ("String", "Numeric", "Timestamp") for cmp in _COMPARATORS]
    + [f"{kind}{cmp}Path" for kind in ("String", "Numeric", "Timestamp") for cmp in _COMPARATORS]
    + ["BooleanEquals", "BooleanEqualsPath", "StringMatches", "IsPresent", *_TYPE_TESTS]
)


def _lookup(compiled: CompiledPath, data: JSON, context: Any, variables: JSON) -> Any:
    """The value at a Choice path, or _MISSING."""
    return lookup(compiled, data, context=context, variables=variables)


def _invalid(path: str) -> EvaluationError:
    return EvaluationError(
        names.RUNTIME, f"Invalid path '{path}': The choice state's condition path references an invalid value."
    )


def _wildcard_regex(pattern: str) -> re.Pattern:
    out = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "*" else re.escape(ch))
        i += 1
    return re.compile("".join(out), re.DOTALL)


def _comparison(rule: dict, op: str, where: str) -> Predicate:
    if "Variable" not in rule:
        raise ValueError(f"{where}: the rule with {op} needs a 'Variable'")
    var_text = rule["Variable"]
    var = compile_path(var_text)
    operand = rule[op]

    def value_of(data: JSON, context: Any, variables: JSON) -> Any:
        value = _lookup(var, data, context, variables)
        if value is _MISSING:
            raise _invalid(var_text)
        return value

    if op == "IsPresent":
        if not isinstance(operand, bool):
            raise ValueError(f"{where}: IsPresent must be true or false")
        return lambda d, c, v, s: (_lookup(var, d, c, v) is not _MISSING) == operand
    if op in _TYPE_TESTS:
        if not isinstance(operand, bool):
            raise ValueError(f"{where}: {op} must be true or false")
        test = _TYPE_TESTS[op]

        def type_test(d: Any, c: Any, v: Any, s: Any) -> bool:
            value = _lookup(var, d, c, v)
            return (value is not _MISSING and test(value)) == operand

        return type_test
    if op == "StringMatches":
        if not isinstance(operand, str):
            raise ValueError(f"{where}: StringMatches must be a string")
        regex = _wildcard_regex(operand)
        return lambda d, c, v, s: (lambda x: isinstance(x, str) and regex.fullmatch(x) is not None)(value_of(d, c, v))

    by_path = op.endswith("Path")
    base = op[:-4] if by_path else op
    kind = next(k for k in _KINDS if base.startswith(k))
    cmp = _COMPARATORS[base[len(kind):]]
    accepts, convert = _KINDS[kind]
    if by_path:
        if not isinstance(operand, str):
            raise ValueError(f"{where}: {op} must be a path string")
        other_path = compile_path(operand)

        def other_of(d: Any, c: Any, v: Any) -> Any:
            other = _lookup(other_path, d, c, v)
            if other is _MISSING:
                raise _invalid(operand)
            return other

    else:
        if not accepts(operand):
            raise ValueError(f"{where}: {op} needs a {kind.lower()} value, got {operand!r}")
        constant = convert(operand)

        def other_of(d: Any, c: Any, v: Any) -> Any:
            return operand

    def compare(d: Any, c: Any, v: Any, s: Any) -> bool:
        left = value_of(d, c, v)
        right = other_of(d, c, v)
        if not (accepts(left) and accepts(right)):
            return False
        return bool(cmp(convert(left), convert(right) if by_path else constant))

    return compare


def _compile_jsonpath(rule: dict, where: str) -> Predicate:
    if "And" in rule or "Or" in rule:
        key = "And" if "And" in rule else "Or"
        subs = rule[key]
        if not isinstance(subs, list) or not subs:
            raise ValueError(f"{where}: '{key}' must be a non-empty array of rules")
        preds = [_compile_jsonpath(r, f"{where}.{key}[{i}]") for i, r in enumerate(subs)]
        if key == "And":
            return lambda d, c, v, s: all(p(d, c, v, s) for p in preds)
        return lambda d, c, v, s: any(p(d, c, v, s) for p in preds)
    if "Not" in rule:
        inner = _compile_jsonpath(rule["Not"], f"{where}.Not")
        return lambda d, c, v, s: not inner(d, c, v, s)
    ops = [k for k in rule if k in COMPARISON_OPERATORS]
    if len(ops) != 1:
        unknown = [k for k in rule if k not in ("Variable", "Next", "Comment", "Assign", "Output")]
        detail = f"unknown operator(s) {unknown}" if unknown else "no comparison operator"
        raise ValueError(f"{where}: a rule needs exactly one comparison operator ({detail})")
    return _comparison(rule, ops[0], where)


def _compile_condition(rule: dict, where: str) -> Predicate:
    condition = rule.get("Condition", _MISSING)
    if condition is _MISSING:
        raise ValueError(f"{where}: a JSONata Choice rule needs a 'Condition'")
    if isinstance(condition, bool):
        return lambda d, c, v, s: condition
    expr = strip_template(condition)
    if expr is None:
        raise ValueError(f"{where}: Condition must be a boolean or a '{{% ... %}}' JSONata expression")
    compile_jsonata(expr)
    return lambda d, c, v, s: evaluate_jsonata(
        expr, states=s if s is not None else {}, variables=v, field="Condition", expected="boolean"
    )


@dataclass
class ChoiceRule:
    """One top-level Choice rule: `matches` tells whether to go to `next`."""

    predicate: Predicate
    next: str | None = None
    assign: Any = None
    output: JSON = None
    raw: dict = field(default_factory=dict)

    def matches(self, data: JSON, *, context: Any = None, variables: JSON = None, states: Any = None) -> bool:
        return bool(self.predicate(data, context, variables, states))


def compile_choice(rule: dict, *, query_language: str = "JSONPath", state_name: str = "Choice") -> ChoiceRule:
    """Compile one rule of a Choice state's `Choices`; raises ValueError naming the state and problem."""
    where = f"state '{state_name}'"
    if not isinstance(rule, dict):
        raise ValueError(f"{where}: a Choice rule must be an object")
    if query_language == "JSONata":
        predicate = _compile_condition(rule, where)
    else:
        predicate = _compile_jsonpath(rule, where)
    return ChoiceRule(predicate, rule.get("Next"), rule.get("Assign"), rule.get("Output"), rule)
