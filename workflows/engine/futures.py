"""The awaitables the scheduler drives: `Future`, `Task` (one coroutine), timers, cancellation.

Kept apart from the loop (`scheduler`) so what a coroutine awaits can be read on its own: a `Future`
is resolved once (result or exception) and wakes its callbacks; a `Task` steps its coroutine each
time the future it awaits resolves; a `TimerFuture` is resolved by the loop when its time comes;
`Cancelled` is thrown into a coroutine whose task was cancelled.
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Callable, Coroutine, Generator, Iterable

from workflows.engine.gc_pauses import PROCESS as FULL_COLLECTIONS

if TYPE_CHECKING:
    from workflows.engine.scheduler import Scheduler


class Cancelled(BaseException):
    """Thrown into a coroutine whose task was cancelled (a timeout, a failed sibling branch)."""


class Future:
    __slots__ = ("_done", "_result", "_exc", "_callbacks")

    def __init__(self) -> None:
        self._done = False
        self._result: Any = None
        self._exc: BaseException | None = None
        self._callbacks: list[Callable[[Future], None]] | None = None

    def done(self) -> bool:
        return self._done

    def result(self) -> Any:
        if self._exc is not None:
            raise self._exc
        return self._result

    def exception(self) -> BaseException | None:
        return self._exc

    def set_result(self, value: Any) -> None:
        if self._done:
            return
        self._done, self._result = True, value
        self._fire()

    def set_exception(self, exc: BaseException) -> None:
        if self._done:
            return
        self._done, self._exc = True, exc
        self._fire()

    def add_done_callback(self, callback: Callable[[Future], None]) -> None:
        if self._done:
            callback(self)
        elif self._callbacks is None:
            self._callbacks = [callback]
        else:
            self._callbacks.append(callback)

    def remove_done_callback(self, callback: Callable[[Future], None]) -> None:
        if self._callbacks and callback in self._callbacks:
            self._callbacks.remove(callback)

    def _fire(self) -> None:
        callbacks, self._callbacks = self._callbacks, None
        for callback in callbacks or ():
            callback(self)

    def __await__(self) -> Generator[Future, None, Any]:
        if not self._done:
            yield self
        return self.result()


class Task(Future):
    """Drives one coroutine; resolves with its return value or exception.

    `wall_seconds` is the real time its own steps took (the coroutine's code and the blocking calls
    it runs inline under the virtual clock): what a Task's TimeoutSeconds may count of a slow call on
    the virtual clock (task_runner). Not counted: the time it spent queued behind other executions
    (a re-entrant API call from a handler only queues its work, see Scheduler.run_until_idle), and the
    interpreter's full garbage collections (gc_pauses) - a pause of the emulator's own
    heap, seconds long with 10,000 executions in memory, is no slow call."""

    __slots__ = ("_coro", "_loop", "_waiting", "_cancelling", "wall_seconds")

    def __init__(self, loop: Scheduler, coro: Coroutine[Any, Any, Any]) -> None:
        super().__init__()
        self._coro = coro
        self._loop = loop
        self._waiting: Future | None = None
        self._cancelling = False
        self.wall_seconds = 0.0
        loop._ready.append((self, None, None))

    def cancel(self) -> None:
        if self._done or self._cancelling:
            return
        self._cancelling = True
        waiting, self._waiting = self._waiting, None
        if waiting is not None:
            waiting.remove_done_callback(self._wakeup)
            if isinstance(waiting, Task):
                waiting.cancel()
            elif isinstance(waiting, TimerFuture):
                waiting.cancel_timer()
        self._loop._ready.append((self, None, Cancelled()))

    def _wakeup(self, future: Future) -> None:
        if future is self._waiting:
            self._waiting = None
            self._loop._ready.append((self, future, None))
            self._loop._notify()

    def _step(self, future: Future | None, exc: BaseException | None) -> None:
        if self._done:
            return
        if self._cancelling and exc is None:
            exc = Cancelled()  # cancelled while queued to resume: it does not run another step
        began, paused = time.monotonic(), FULL_COLLECTIONS.total
        try:
            try:
                if exc is not None:
                    yielded = self._coro.throw(exc)
                elif future is not None and future._exc is not None:
                    yielded = self._coro.throw(future._exc)
                else:
                    yielded = self._coro.send(future._result if future is not None else None)
            finally:  # counted before set_result: its callbacks may read it
                self.wall_seconds += time.monotonic() - began - (FULL_COLLECTIONS.total - paused)
        except StopIteration as stop:
            self.set_result(stop.value)
        except BaseException as error:  # noqa: BLE001 - the task's outcome, re-raised on await
            self.set_exception(error)
        else:
            self._waiting = yielded
            yielded.add_done_callback(self._wakeup)


class TimerFuture(Future):
    __slots__ = ("when", "cancelled", "_loop")

    def __init__(self, loop: Scheduler, when: float) -> None:
        super().__init__()
        self.when = when
        self.cancelled = False
        self._loop = loop

    def cancel_timer(self) -> None:
        if not self.cancelled and not self._done:
            self.cancelled = True
            self._loop._timer_cancelled()

    def fire(self) -> None:
        self.set_result(None)


class DelayedOutcome(TimerFuture):
    """A blocking call's outcome, delivered when the virtual time it slept has passed.

    While one is pending the clock may move even if a task token is outstanding: a handler that
    is "busy" for 60 s lets 60 s pass for everyone, as wall time would.
    """

    __slots__ = ("_value", "_error")

    def __init__(self, loop: Scheduler, when: float, value: Any, error: BaseException | None) -> None:
        super().__init__(loop, when)
        self._value, self._error = value, error
        loop._delayed += 1

    def _settle(self) -> None:
        self._loop._delayed -= 1

    def cancel_timer(self) -> None:
        if not self.cancelled and not self._done:
            self._settle()
        super().cancel_timer()

    def fire(self) -> None:
        if self._done:
            return
        self._settle()
        if self._error is not None:
            self.set_exception(self._error)
        else:
            self.set_result(self._value)



async def first_of(futures: Iterable[Future]) -> Future:
    """Wait until any of `futures` is done; return that future (others keep running)."""
    futures = list(futures)
    for future in futures:
        if future.done():
            return future
    waiter = Future()

    def on_done(future: Future) -> None:
        waiter.set_result(future)

    for future in futures:
        future.add_done_callback(on_done)
    try:
        return await waiter
    finally:
        for future in futures:
            future.remove_done_callback(on_done)
