"""Time an in-process handler spends sleeping, charged to its task on the virtual clock.

Why: under the virtual clock a registered Lambda handler runs inline on the scheduler thread. A
handler that models a slow function (`time.sleep(60)` behind a Task with TimeoutSeconds 5) would
either stall the test for a minute of wall time or, with the sleep skipped, finish "instantly" and
succeed where AWS records States.Timeout. `virtual_sleep(seconds)` is the handler's way to say "this
much time passes here": inside a handler the engine runs under the virtual clock, the seconds are
added to that invocation's meter and the call returns at once; the scheduler then delivers the
handler's result that many virtual seconds later, so the task's TimeoutSeconds timer wins the race
exactly as it would on AWS (TaskTimedOut / LambdaFunctionTimedOut, States.Timeout). Anywhere else
(real clock, worker threads, plain scripts) it is an ordinary `time.sleep`, so handler code can
call it unconditionally.

Handlers can reach it as `workflows.engine.virtual_sleep` or as `context.sleep(seconds)` on the
context object the engine passes them.
"""
from __future__ import annotations

import contextlib
import threading
import time
from typing import Iterator

_local = threading.local()


class SleepMeter:
    """Virtual seconds one blocking call (a handler invocation) has slept so far."""

    __slots__ = ("charged",)

    def __init__(self) -> None:
        self.charged = 0.0

    def charge(self, seconds: float) -> None:
        self.charged += seconds


def virtual_sleep(seconds: float) -> None:
    """Sleep `seconds`: virtual time inside an engine-run handler on the virtual clock, else real."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise TypeError(f"virtual_sleep() takes a number of seconds, not {seconds!r}")
    if seconds < 0:
        raise ValueError(f"virtual_sleep() length must be non-negative, not {seconds}")
    meter = current_meter()
    if meter is None:
        time.sleep(seconds)
    else:
        meter.charge(float(seconds))


def current_meter() -> SleepMeter | None:
    """The meter of the handler running on this thread under the virtual clock, if any."""
    return getattr(_local, "meter", None)


@contextlib.contextmanager
def metered() -> Iterator[SleepMeter]:
    """Charge `virtual_sleep` calls made on this thread to a fresh meter while the block runs."""
    previous = getattr(_local, "meter", None)
    meter = SleepMeter()
    _local.meter = meter
    try:
        yield meter
    finally:
        _local.meter = previous
