"""The ASL intrinsic functions (States.*), evaluated over parsed calls from intrinsic_parser.

Behaviour follows what AWS returned in the conformance corpus: MathAdd rounds each operand the way
Java's Math.round does, StringSplit splits on any delimiter character and drops empty pieces,
Format prints objects and arrays Java-style (`{a=1, b=[]}`), StringToJson of blank text is null.
Every misuse raises States.IntrinsicFailure naming the function and what was wrong.
"""
from __future__ import annotations

import base64
import hashlib
import json
import math
import random
import uuid
from typing import Any, Callable

from workflows.engine import errors as names
from workflows.engine.expressions.errors import EvaluationError, compact_json
from workflows.engine.expressions.intrinsic_parser import Call, Literal, PathArg, parse_intrinsic
from workflows.engine.expressions.jsonpath import evaluate_compiled
from workflows.engine.json_value import JSON

MAX_STRING = 10000
MAX_ARRAY_RANGE = 1000
_HASHES = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"}


def _fail(function: str, detail: str) -> EvaluationError:
    return EvaluationError(names.INTRINSIC_FAILURE, f"Invalid arguments in {function}: {detail}")


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _integral(function: str, v: Any, what: str) -> int:
    if _is_int(v):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    raise _fail(function, f"{what} must be an integer, got {compact_json(v)}")


def _java_round(v: float) -> int:
    return math.floor(v + 0.5)


def java_text(value: JSON) -> str:
    """How AWS prints a JSON value inside States.Format (Java's toString of the parsed value)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={java_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(java_text(v) for v in value) + "]"
    return str(value)


def _canonical(value: JSON) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


# How many arguments each function takes: (fewest, most; None = no limit). Read by the run-time
# checks below and by the create-time checker (workflows.engine.value_checks), so AWS's arities
# are written down once.
ARITY: dict[str, tuple[int, int | None]] = {
    "States.Format": (1, None), "States.StringToJson": (1, 1), "States.JsonToString": (1, 1),
    "States.Array": (0, None), "States.ArrayPartition": (2, 2), "States.ArrayContains": (2, 2),
    "States.ArrayRange": (3, 3), "States.ArrayGetItem": (2, 2), "States.ArrayLength": (1, 1),
    "States.ArrayUnique": (1, 1), "States.Base64Encode": (1, 1), "States.Base64Decode": (1, 1),
    "States.Hash": (2, 2), "States.JsonMerge": (3, 3), "States.MathRandom": (2, 3), "States.MathAdd": (2, 2),
    "States.StringSplit": (2, 2), "States.UUID": (0, 0),
}


def _arity(function: str, args: list) -> None:
    low, high = ARITY[function]
    if len(args) < low or (high is not None and len(args) > high):
        expected = str(low) if low == high else f"{low} or {high}" if high == low + 1 else f"at least {low}"
        raise _fail(function, f"expected {expected} argument(s), got {len(args)}")


def _string(function: str, v: Any, what: str = "the argument") -> str:
    if not isinstance(v, str):
        raise _fail(function, f"{what} must be a string, got {compact_json(v)}")
    if len(v) > MAX_STRING:
        raise _fail(function, f"{what} exceeds the maximum length of {MAX_STRING} characters")
    return v


def _array(function: str, v: Any) -> list:
    if not isinstance(v, list):
        raise _fail(function, f"the first argument must be an array, got {compact_json(v)}")
    return v


# --- implementations (function name, evaluated args, format parts of arg 0) -> value ------------
def _format(args: list, parts: tuple[str, ...] | None) -> str:
    if not args:
        raise _fail("States.Format", "expected a format string")
    if parts is None:
        parts = tuple(_string("States.Format", args[0], "the format string").split("{}"))
    values = args[1:]
    if len(parts) - 1 != len(values):
        raise _fail(
            "States.Format",
            f"the format string has {len(parts) - 1} placeholder(s) but {len(values)} value(s) were given",
        )
    out = [parts[0]]
    for value, part in zip(values, parts[1:]):
        out.append(java_text(value))
        out.append(part)
    return "".join(out)


def _string_to_json(args: list) -> Any:
    _arity("States.StringToJson", args)
    text = _string("States.StringToJson", args[0]).strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        raise _fail("States.StringToJson", f"the argument is not valid JSON text: {text}") from None


def _array_partition(args: list) -> list:
    _arity("States.ArrayPartition", args)
    arr = _array("States.ArrayPartition", args[0])
    size = _integral("States.ArrayPartition", args[1], "the chunk size")
    if size <= 0:
        raise _fail("States.ArrayPartition", "the chunk size must be greater than 0")
    return [arr[i : i + size] for i in range(0, len(arr), size)]


def _array_contains(args: list) -> bool:
    _arity("States.ArrayContains", args)
    arr = _array("States.ArrayContains", args[0])
    needle = _canonical(args[1])
    return any(_canonical(item) == needle for item in arr)


def _array_range(args: list) -> list:
    _arity("States.ArrayRange", args)
    start, end, step = (_integral("States.ArrayRange", a, w) for a, w in zip(args, ("start", "end", "step")))
    if step == 0:
        raise _fail("States.ArrayRange", "the step must not be 0")
    result = list(range(start, end + (1 if step > 0 else -1), step))
    if len(result) > MAX_ARRAY_RANGE:
        raise _fail("States.ArrayRange", f"the range exceeds the maximum of {MAX_ARRAY_RANGE} items")
    return result


def _array_get_item(args: list) -> Any:
    _arity("States.ArrayGetItem", args)
    arr = _array("States.ArrayGetItem", args[0])
    index = _integral("States.ArrayGetItem", args[1], "the index")
    if not 0 <= index < len(arr):
        raise _fail("States.ArrayGetItem", f"the index {index} is out of bounds for an array of length {len(arr)}")
    return arr[index]


def _array_unique(args: list) -> list:
    _arity("States.ArrayUnique", args)
    seen: set[str] = set()
    out = []
    for item in _array("States.ArrayUnique", args[0]):
        key = _canonical(item)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _base64_encode(args: list) -> str:
    _arity("States.Base64Encode", args)
    return base64.b64encode(_string("States.Base64Encode", args[0]).encode()).decode()


def _base64_decode(args: list) -> str:
    _arity("States.Base64Decode", args)
    text = _string("States.Base64Decode", args[0])
    try:
        return base64.b64decode(text, validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        raise _fail("States.Base64Decode", f"the argument is not valid base64: {text}") from None


def _hash(args: list) -> str:
    _arity("States.Hash", args)
    data = args[0]
    if data is None:
        raise _fail("States.Hash", "the data to hash must not be null")
    text = data if isinstance(data, str) else compact_json(data)
    _string("States.Hash", text, "the data to hash")
    algorithm = args[1]
    if algorithm not in _HASHES:
        raise _fail(
            "States.Hash",
            f"the hash algorithm {compact_json(algorithm)} is not supported; use one of {', '.join(_HASHES)}",
        )
    return hashlib.new(_HASHES[algorithm], text.encode()).hexdigest()


def _deep_merge(left: dict, right: dict) -> dict:
    out = dict(left)
    for k, v in right.items():
        out[k] = _deep_merge(out[k], v) if isinstance(out.get(k), dict) and isinstance(v, dict) else v
    return out


def _json_merge(args: list) -> dict:
    _arity("States.JsonMerge", args)
    left, right, deep = args
    if not isinstance(left, dict) or not isinstance(right, dict):
        raise _fail("States.JsonMerge", "the first two arguments must be JSON objects")
    if not isinstance(deep, bool):
        raise _fail("States.JsonMerge", "the third argument must be a boolean")
    return _deep_merge(left, right) if deep else {**left, **right}


def _math_random(args: list) -> int:
    _arity("States.MathRandom", args)
    if not all(_is_number(a) for a in args[:2]):
        raise _fail("States.MathRandom", "the start and end must be numbers")
    start, end = int(args[0]), int(args[1])
    if start >= end:
        raise _fail("States.MathRandom", "the start must be less than the end")
    rng = random.Random(_integral("States.MathRandom", args[2], "the seed")) if len(args) == 3 else random
    return rng.randrange(start, end)


def _math_add(args: list) -> int:
    _arity("States.MathAdd", args)
    if not all(_is_number(a) for a in args):
        raise _fail("States.MathAdd", f"both arguments must be numbers, got {compact_json(args)}")
    return _java_round(args[0]) + _java_round(args[1])


def _string_split(args: list) -> list:
    _arity("States.StringSplit", args)
    text = _string("States.StringSplit", args[0], "the string to split")
    delimiters = _string("States.StringSplit", args[1], "the delimiter")
    pieces = [text]
    for d in delimiters:
        pieces = [p for piece in pieces for p in piece.split(d)]
    return [p for p in pieces if p]


def _uuid(args: list) -> str:
    _arity("States.UUID", args)
    return str(uuid.uuid4())


def _simple(function: str, fn: Callable[[Any], Any]) -> Callable[[list], Any]:
    def run(args: list) -> Any:
        _arity(function, args)
        return fn(args[0])

    return run


FUNCTIONS: dict[str, Callable[[list], Any]] = {
    "States.StringToJson": _string_to_json,
    "States.JsonToString": _simple("States.JsonToString", compact_json),
    "States.Array": list,
    "States.ArrayPartition": _array_partition,
    "States.ArrayContains": _array_contains,
    "States.ArrayRange": _array_range,
    "States.ArrayGetItem": _array_get_item,
    "States.ArrayLength": _simple("States.ArrayLength", lambda a: len(_array("States.ArrayLength", a))),
    "States.ArrayUnique": _array_unique,
    "States.Base64Encode": _base64_encode,
    "States.Base64Decode": _base64_decode,
    "States.Hash": _hash,
    "States.JsonMerge": _json_merge,
    "States.MathRandom": _math_random,
    "States.MathAdd": _math_add,
    "States.StringSplit": _string_split,
    "States.UUID": _uuid,
}
KNOWN = frozenset(FUNCTIONS) | {"States.Format"}


def _evaluate_arg(arg: Any, data: JSON, context: Any, variables: JSON, field: str) -> Any:
    if isinstance(arg, Literal):
        return arg.value
    if isinstance(arg, PathArg):
        return evaluate_compiled(arg.path, data, context=context, variables=variables, field=field)
    return evaluate_call(arg, data, context, variables, field)


def evaluate_call(call: Call, data: JSON, context: Any, variables: JSON, field: str) -> Any:
    args = [_evaluate_arg(a, data, context, variables, field) for a in call.args]
    if call.name == "States.Format":
        first = call.args[0] if call.args else None
        parts = first.format_parts if isinstance(first, Literal) else None
        return _format(args, parts)
    fn = FUNCTIONS.get(call.name)
    if fn is None:
        raise EvaluationError(names.INTRINSIC_FAILURE, f"The intrinsic function {call.name} is not supported")
    return fn(args)


def _check_names(call: Call) -> None:
    if call.name not in KNOWN:
        raise ValueError(f"unknown intrinsic function '{call.name}'")
    for arg in call.args:
        if isinstance(arg, Call):
            _check_names(arg)


def validate_intrinsic(expr: str) -> None:
    """Raise ValueError naming what is wrong with an intrinsic function expression."""
    _check_names(parse_intrinsic(expr))


def evaluate_intrinsic(
    expr: str, data: JSON, *, context: Any = None, variables: JSON = None, field: str = "Parameters"
) -> Any:
    """Evaluate `States.X(...)` against the state input, context object and variables."""
    try:
        call = parse_intrinsic(expr)
    except ValueError as exc:
        raise EvaluationError(names.INTRINSIC_FAILURE, str(exc)) from None
    return evaluate_call(call, data, context, variables, field)
