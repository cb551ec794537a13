"""The type of the data a state machine works on: JSON values, as `json.loads` makes them.

Why a name: an execution's input, every state's input and output, payload templates, variables and
the context object are JSON - dicts with string keys, lists, strings, numbers, booleans and null -
never arbitrary Python objects. Annotating them `JSON` instead of `Any` says so, and keeps `Any`
for what really is open (a boto3 client, a handler's return before it is checked).
"""
from __future__ import annotations

from typing import Union

JSON = Union[dict[str, "JSON"], list["JSON"], str, int, float, bool, None]
JSONObject = dict[str, JSON]
Context = dict[str, JSON]  # the context object ($$)


def json_type(value: JSON) -> str:
    """The JSON type of a decoded value: null, boolean, number, string, array or object - the names AWS
    quotes in "Expected 'array', but was 'object'" messages. One classifier (a bool is an int to
    Python, so the order of the tests is the rule) for every message that names a value's type."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"
