"""`workflows advance SECONDS`: move the virtual clock of a running `workflows up --clock virtual`.

Step Functions has no API for time, so this talks to the stack's local-only control endpoint
(POST /_local/clock/advance, through workflows/local/control_client.py, the client the console's
HttpClock uses too); it refuses AWS (`--endpoint aws`) and a stack on the real clock with one line
saying so.
"""
from __future__ import annotations

import math
import re
from typing import Any

from .errors import CliError

UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86_400}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([smhd]?)\s*$")


def parse_seconds(text: str) -> float:
    """'90', '1.5', '90s', '15m', '2h', '180d' -> seconds; a clear error otherwise."""
    match = _DURATION.match(text)
    if not match:
        raise CliError(f"{text!r} is not a duration: give seconds (e.g. 90) or a number with s, m, h or d "
                       "(e.g. 180d)")
    seconds = float(match.group(1)) * UNITS[match.group(2)]
    if not math.isfinite(seconds):
        raise CliError(f"{text!r} is too large a duration")
    return seconds


def advance(url: str | None, seconds: float) -> dict[str, Any]:
    """POST the advance to the stack at `url`; its JSON answer, or a CliError with its message."""
    if url is None:
        raise CliError("advance moves the clock of a local stack (`workflows up --clock virtual`); "
                       "AWS runs on real time")
    from workflows.local import control_client

    try:
        return control_client.advance_clock(url, seconds, control_client.stack_token(url))
    except control_client.ControlError as error:
        raise CliError(str(error)) from None


def describe(result: dict[str, Any]) -> str:
    return (f"virtual clock advanced {human(result['advancedSeconds'])} "
            f"(+{human(result['totalAdvancedSeconds'])} since the stack started)")


def human(seconds: float) -> str:
    for unit, size in (("d", 86_400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"
