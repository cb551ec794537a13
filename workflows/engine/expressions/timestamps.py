"""ISO-8601 timestamps as Step Functions accepts them (Choice Timestamp* rules, Wait Timestamp).

AWS requires the extended offset form: date 'T' time, optional fraction, then 'Z' or +hh:mm.
Python's datetime.fromisoformat also accepts dates without a time, spaces for 'T' and naive times,
which AWS rejects, so the shape is checked first and the calendar validity second.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

_SHAPE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))"
)


def parse_timestamp(value: object) -> datetime | None:
    """Return an aware datetime, or None when `value` is not an AWS-acceptable timestamp."""
    if not isinstance(value, str):
        return None
    m = _SHAPE.fullmatch(value)
    if not m:
        return None
    year, month, day, hour, minute, second = (int(m.group(i)) for i in range(1, 7))
    fraction = m.group(7) or ""
    micros = int((fraction + "000000")[:6]) if fraction else 0
    if m.group(8):
        tz = timezone.utc
    else:
        offset = timedelta(hours=int(m.group(10)), minutes=int(m.group(11)))
        if offset >= timedelta(hours=24):
            return None
        tz = timezone(offset if m.group(9) == "+" else -offset)
    try:
        return datetime(year, month, day, hour, minute, second, micros, tzinfo=tz)
    except ValueError:
        return None


def is_timestamp(value: object) -> bool:
    return parse_timestamp(value) is not None
