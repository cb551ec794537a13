"""The error an expression raises when it cannot be evaluated at run time.

AWS reports these failures as `<prefix><detail>`, where the prefix ("An error occurred while executing
the state 'X' (entered at the event id #N). ") is known only to the engine. Expressions therefore
produce only the detail text, worded exactly as AWS words it, and the engine adds the prefix.
"""
from __future__ import annotations

import json

from workflows.engine.errors import StatesError
from workflows.engine.json_value import JSON


class EvaluationError(StatesError):
    """A States.* runtime error raised while evaluating a path, template, intrinsic or JSONata.

    `error` is the ASL error name Retry/Catch match; `cause` is the detail text only.
    """

    def __init__(self, error: str, cause: str, *, location: str | None = None) -> None:
        super().__init__(error, cause, location=location)


_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode  # built once, not per call


def compact_json(value: JSON) -> str:
    """JSON text the way AWS writes values into messages, history and API responses (no spaces,
    unicode kept). The one serializer of the engine: history events call it several times per state."""
    return _COMPACT(value)
