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
