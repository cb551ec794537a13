"""How long the interpreter stopped for full (generation 2) garbage collections.

Why: on the virtual clock a Task's TimeoutSeconds counts the real time of its own call (futures.Task
.wall_seconds), and with thousands of executions in memory one full collection stops every thread
for seconds - a pause of the emulator's own heap, not a slow call. `PROCESS` is registered with
`gc.callbacks` at import and gives the total to subtract; a benchmark registers its own
`FullCollections` around what it times to report how many ran and the longest.
"""
from __future__ import annotations

import gc
import time


class FullCollections:
    """A `gc.callbacks` callback: full collections seen, their total and longest pause (seconds)."""

    __slots__ = ("count", "total", "longest", "_started")

    def __init__(self) -> None:
        self.count, self.total, self.longest, self._started = 0, 0.0, 0.0, 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            self._started = time.monotonic()
            return
        pause = time.monotonic() - self._started
        self.count += 1
        self.total += pause
        self.longest = max(self.longest, pause)


PROCESS = FullCollections()  # every full collection of this process since the engine was imported
gc.callbacks.append(PROCESS)
