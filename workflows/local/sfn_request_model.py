"""Step Functions requests checked the way the service checks them, from botocore's service model.

Why: the engine's methods take boto3's keyword arguments, and a body with a number where a string
belongs, a missing member or a member of another shape used to reach them as Python values - and
come back as a 500 or as a message naming Python functions. AWS validates every request against the
operation's input shape first: a member of the wrong JSON type is a SerializationException, a
missing required member, an enum value outside its set, a length or a number outside its bounds,
or a string off its pattern is a ValidationException ("1 validation error detected: Value ... at
'member' failed to satisfy constraint: ..."). Members the shape does not know are ignored, as the
service's deserializer ignores them.

Why by hand: botocore's own `ParamValidator` is the client-side check; it skips maximum lengths,
enums and patterns (the service enforces those) and words its errors as botocore does. The walker
below reads the same shapes (`botocore.session.get_service_model("stepfunctions")`) and applies the
server's constraints with the server's wording.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from botocore.model import MapShape, OperationModel, Shape, StructureShape

from workflows.engine.json_value import json_type

# Java's \p{ASCII} (the one Java-only construct in the stepfunctions model's patterns).
_JAVA_CLASSES = {r"\p{ASCII}": r"[\x00-\x7f]"}


class RequestError(Exception):
    """A request the service refuses before running it: AWS's error code and message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@lru_cache(maxsize=1)
def _model() -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model("stepfunctions")


def operation(action: str) -> OperationModel | None:
    model = _model()
    return model.operation_model(action) if action in model.operation_names else None


@lru_cache(maxsize=64)
def _pattern(text: str) -> re.Pattern[str]:
    for java, python in _JAVA_CLASSES.items():
        text = text.replace(java, python)
    return re.compile(text)


def validate(action: str, params: dict[str, Any]) -> dict[str, Any]:
    """`params` (the decoded body) checked against `action`'s input shape; returns them without the
    members the shape does not know. Raises RequestError (SerializationException for a member of
    the wrong type, ValidationException for the constraints, all of them listed)."""
    op = operation(action)
    shape = op.input_shape if op is not None else None
    if shape is None:
        return {}
    problems: list[str] = []
    cleaned = _structure(shape, params, "", problems)
    if problems:
        count = len(problems)
        raise RequestError("ValidationException", f"{count} validation error{'s' if count > 1 else ''} detected: "
                                                  + "; ".join(problems))
    return cleaned


# The deserializer's words for json_type's names ("a list" where JSONata's messages say "array").
_SERIALIZATION_TYPE_NAMES = {"null": "null", "boolean": "a boolean", "number": "a number", "string": "a string",
                             "array": "a list", "object": "an object"}


def _wrong_type(where: str, wanted: str, value: Any) -> RequestError:
    got = _SERIALIZATION_TYPE_NAMES[json_type(value)]
    return RequestError("SerializationException", f"Unexpected value at '{where}': expected {wanted}, got {got}")


def _structure(shape: StructureShape, value: Any, where: str, problems: list[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _wrong_type(where or "the request body", "an object", value)
    out: dict[str, Any] = {}
    for name, member in shape.members.items():
        path = f"{where}.{name}" if where else name
        if name not in value or value[name] is None:
            if name in shape.required_members:
                problems.append(f"Value null at '{path}' failed to satisfy constraint: Member must not be null")
            continue
        out[name] = _value(member, value[name], path, problems)
    return out


def _value(shape: Shape, value: Any, where: str, problems: list[str]) -> Any:
    kind = shape.type_name
    if kind == "structure":
        return _structure(shape, value, where, problems)  # type: ignore[arg-type]
    if kind == "list":
        if not isinstance(value, list):
            raise _wrong_type(where, "a list", value)
        _bounds(shape, len(value), where, problems, "have length", value=None)
        member = shape.member  # type: ignore[attr-defined]
        return [_value(member, item, f"{where}.{index + 1}.member", problems) for index, item in enumerate(value)]
    if kind == "map":
        if not isinstance(value, dict):
            raise _wrong_type(where, "an object", value)
        map_shape: MapShape = shape  # type: ignore[assignment]
        return {key: _value(map_shape.value, item, f"{where}.{key}", problems) for key, item in value.items()}
    if kind == "string":
        if not isinstance(value, str):
            raise _wrong_type(where, "a string", value)
        _string(shape, value, where, problems)
        return value
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise _wrong_type(where, "an integer", value)
        _bounds(shape, value, where, problems, "have value", value=value)
        return value
    if kind in ("float", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _wrong_type(where, "a number", value)
        _bounds(shape, value, where, problems, "have value", value=value)
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise _wrong_type(where, "a boolean", value)
        return value
    if kind == "timestamp":
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise _wrong_type(where, "a timestamp", value)
        return value
    return value  # blob and other kinds: the engine decides


def _shown(shape: Shape, value: Any) -> str:
    """How AWS shows a value in a message: not at all when the member is sensitive."""
    if shape.metadata.get("sensitive"):
        return "Value"
    text = value if isinstance(value, str) else json.dumps(value)
    return f"Value '{text[:128]}'"


def _string(shape: Shape, value: str, where: str, problems: list[str]) -> None:
    enum = shape.metadata.get("enum")
    if enum and value not in enum:
        problems.append(f"{_shown(shape, value)} at '{where}' failed to satisfy constraint: "
                        f"Member must satisfy enum value set: [{', '.join(enum)}]")
        return
    _bounds(shape, len(value), where, problems, "have length", value=value)
    pattern = shape.metadata.get("pattern")
    if pattern and not _pattern(pattern).fullmatch(value):
        problems.append(f"{_shown(shape, value)} at '{where}' failed to satisfy constraint: "
                        f"Member must satisfy regular expression pattern: {pattern}")


def _bounds(shape: Shape, measure: float, where: str, problems: list[str], what: str, value: Any) -> None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    shown = _shown(shape, value) if value is not None else "Value"
    if low is not None and measure < low:
        problems.append(f"{shown} at '{where}' failed to satisfy constraint: Member must {what} "
                        f"greater than or equal to {low}")
    elif high is not None and measure > high:
        problems.append(f"{shown} at '{where}' failed to satisfy constraint: Member must {what} "
                        f"less than or equal to {high}")
