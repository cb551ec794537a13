"""How values read on the pages: times, durations, JSON, console URLs.

Times are shown in UTC with milliseconds (the history's resolution); durations in the largest units
that keep them short ("850 ms", "12.3 s", "4 min 10 s", "180 d 0 h"). JSON payloads are
pretty-printed when they parse and shown as sent when they do not. URLs put names and ARNs in one
path segment, percent-encoded (an ARN's colons included), so any name round-trips.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

import orjson
from urllib.parse import quote, urlencode

PREFIX = "/console"


def to_utc(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc) if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    if isinstance(value, (int, float)):
        return dt.datetime.fromtimestamp(value, dt.timezone.utc)
    return None


def timestamp(value: Any) -> str:
    moment = to_utc(value)
    if moment is None:
        return "-"
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d} UTC"


def seconds_between(start: Any, end: Any) -> float | None:
    first, last = to_utc(start), to_utc(end)
    if first is None or last is None:
        return None
    return (last - first).total_seconds()


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.3g} s" if seconds < 10 else f"{seconds:.1f} s"
    minutes, rest = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes} min {rest} s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def indented(value: Any) -> str:
    """A value as indented JSON (orjson: the history page indents thousands of event details)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2, default=str).decode()
    except TypeError:  # integers beyond 64 bits: the standard library copes
        return json.dumps(value, indent=2, default=str, ensure_ascii=False)


def pretty_json(text: Any) -> str:
    """JSON text -> indented JSON; anything else as it is."""
    if text is None:
        return ""
    if not isinstance(text, str):
        return indented(text)
    try:
        return indented(json.loads(text))
    except ValueError:
        return text


def machine_url(name: str, **query: Any) -> str:
    return f"{PREFIX}/state-machines/{quote(name, safe='')}" + _query(query)


def execution_url(arn: str, **query: Any) -> str:
    return f"{PREFIX}/executions/{quote(arn, safe='')}" + _query(query)


def _query(values: dict[str, Any]) -> str:
    kept = {k: v for k, v in values.items() if v not in (None, "")}
    return "?" + urlencode(kept) if kept else ""


def machine_name(arn: str) -> str:
    """arn:aws:states:REGION:ACCOUNT:stateMachine:NAME[:VERSION|ALIAS] -> NAME."""
    fields = arn.split(":")
    return fields[6] if len(fields) > 6 else arn
