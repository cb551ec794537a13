"""A small deterministic coroutine scheduler with a virtual or real clock.

Why our own and not asyncio: under the virtual clock time must jump to the next timer the moment
nothing can run (a 180-day task timeout costs no wall time), every public call must return only
after all executions ran as far as they can, and a Lambda handler running *inside* a task may call
back into the engine (start_execution, send_task_success) on the same thread. asyncio's loop is not
re-entrant and its clock cannot be driven from outside, so state code is native `async def` driven
by this loop instead: `Future`s for task tokens and child executions, `sleep_until` timers, `spawn`
for Map/Parallel children, cancellation for timeouts. No thread per execution.

Real clock: the same loop runs on one background thread with real timers; API calls mutate state
under the scheduler lock and notify it. Blocking integration calls (boto3, Lambda handlers) then run
on a small thread pool so the loop keeps serving other executions.
"""
from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Coroutine, Generator, Iterable

from workflows.engine.virtual_time import metered


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
    """Drives one coroutine; resolves with its return value or exception."""

    __slots__ = ("_coro", "_loop", "_waiting", "_cancelling")

    def __init__(self, loop: Scheduler, coro: Coroutine[Any, Any, Any]) -> None:
        super().__init__()
        self._coro = coro
        self._loop = loop
        self._waiting: Future | None = None
        self._cancelling = False
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
        try:
            if exc is not None:
                yielded = self._coro.throw(exc)
            elif future is not None and future._exc is not None:
                yielded = self._coro.throw(future._exc)
            else:
                yielded = self._coro.send(future._result if future is not None else None)
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


class Scheduler:
    def __init__(self, clock: str = "virtual") -> None:
        if clock not in ("virtual", "real"):
            raise ValueError(f"clock must be 'virtual' or 'real', not {clock!r}")
        self.virtual = clock == "virtual"
        self.lock = threading.RLock()
        self._cond = threading.Condition(self.lock)
        self._ready: deque[tuple[Task, Future | None, BaseException | None]] = deque()
        self._timers: list[tuple[float, int, TimerFuture]] = []
        self._dead = 0  # cancelled timers still in the heap (purged lazily, see _timer_cancelled)
        self._seq = itertools.count()
        self._now = time.time()
        self._external = 0  # outstanding waits on outside input (task tokens, activities)
        self._delayed = 0  # pending DelayedOutcomes (handlers that slept virtual time)
        self._running_thread: int | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._thread: threading.Thread | None = None
        if not self.virtual:
            self._pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="sfn-task")
            self._thread = threading.Thread(target=self._real_loop, name="sfn-scheduler", daemon=True)
            self._thread.start()

    # ---- time -------------------------------------------------------------------------------
    def now(self) -> float:
        return self._now if self.virtual else time.time()

    def sleep_until(self, when: float) -> TimerFuture:
        timer = TimerFuture(self, when)
        heapq.heappush(self._timers, (when, next(self._seq), timer))
        self._notify()
        return timer

    def queued_timers(self) -> int:
        """Entries the timer queue holds, cancelled ones not yet purged included (its memory)."""
        return len(self._timers)

    # ---- tasks ------------------------------------------------------------------------------
    def spawn(self, coro: Coroutine[Any, Any, Any]) -> Task:
        task = Task(self, coro)
        self._notify()
        return task

    async def external(self, future: Future) -> Any:
        """Await `future`, which waits for outside input: the virtual clock will not jump past it.

        The wait counts while the awaiting coroutine is suspended on it and ends when it resumes,
        also when it is cancelled (a stopped or timed-out execution): a token nobody waits for any
        more must not hold the clock still forever.
        """
        if future.done():
            return future.result()
        self._external += 1
        try:
            return await future
        finally:
            self._external -= 1

    def blocking(self, fn: Callable[[], Any]) -> Future:
        """Run `fn` (boto3 call, Lambda handler) without blocking the loop's other executions.

        Virtual clock: inline, with `virtual_sleep` calls metered; the outcome arrives after the
        virtual seconds the call slept, so a task timeout can win the race.
        """
        if self.virtual or self._pool is None:
            value, error = None, None
            with metered() as meter:
                try:
                    value = fn()
                except Exception as exc:  # noqa: BLE001 - delivered to the awaiting state
                    error = exc
            if meter.charged > 0 and self.virtual:
                delayed = DelayedOutcome(self, self._now + meter.charged, value, error)
                heapq.heappush(self._timers, (delayed.when, next(self._seq), delayed))
                return delayed
            future = Future()
            if error is None:
                future.set_result(value)
            else:
                future.set_exception(error)
            return future
        future = Future()

        def run() -> None:
            try:
                value, error = fn(), None
            except Exception as exc:  # noqa: BLE001
                value, error = None, exc
            with self.lock:
                if error is None:
                    future.set_result(value)
                else:
                    future.set_exception(error)
                self._cond.notify_all()

        self._pool.submit(run)
        return future

    @property
    def in_loop(self) -> bool:
        """True on the thread currently driving the loop (a re-entrant API call)."""
        return self._running_thread == threading.get_ident()

    # ---- driving ----------------------------------------------------------------------------
    def _run_ready(self) -> None:
        ready = self._ready
        while ready:
            task, future, exc = ready.popleft()
            task._step(future, exc)

    def _timer_cancelled(self) -> None:
        """A queued timer was cancelled: purge the heap once dead entries are most of it.

        A Task's TimeoutSeconds timer is cancelled when the task ends early, usually long before its
        deadline (180 days for a callback); leaving it queued until then would hold one entry per
        finished task in a long-running server. Compacting when more than half the heap is dead
        costs amortized O(1) per cancel; heapify keeps the order, since (when, seq) keys are unique.
        Compaction is in place: `_fire_due` may hold a reference to the list.
        """
        self._dead += 1
        timers = self._timers
        if self._dead > 32 and 2 * self._dead > len(timers):
            timers[:] = [entry for entry in timers if not entry[2].cancelled]
            heapq.heapify(timers)
            self._dead = 0

    def _pop_timer(self) -> TimerFuture:
        timer = heapq.heappop(self._timers)[2]
        if timer.cancelled:
            self._dead -= 1
        return timer

    def _drop_cancelled_timers(self) -> None:
        """Pop dead timers off the top, so `_timers[0]` (if any) is a live deadline to jump to."""
        timers = self._timers
        while timers and (timers[0][2].cancelled or timers[0][2]._done):
            self._pop_timer()

    def _fire_due(self, now: float) -> bool:
        fired = False
        timers = self._timers
        while timers and timers[0][0] <= now:
            timer = self._pop_timer()
            if not timer.cancelled:
                timer.fire()
                fired = True
        return fired

    def run_until_idle(self, *, ignore_external: bool = False,
                       until: Callable[[], bool] | None = None) -> None:
        """Virtual clock: run everything runnable, jumping time while nobody waits for input."""
        if self.in_loop:
            return  # re-entrant call: the outer drive will pick the new work up
        with self.lock:
            self._running_thread = threading.get_ident()
            try:
                while True:
                    self._run_ready()
                    if until is not None and until():
                        return
                    self._drop_cancelled_timers()
                    if self._timers and (self._external == 0 or ignore_external or self._delayed):
                        when = self._timers[0][0]
                        if when > self._now:
                            self._now = when
                        self._fire_due(self._now)
                        continue
                    return
            finally:
                self._running_thread = None

    def advance(self, seconds: float) -> None:
        with self.lock:
            self._running_thread = threading.get_ident()
            try:
                target = self._now + seconds
                self._run_ready()
                while True:
                    self._drop_cancelled_timers()
                    if not self._timers or self._timers[0][0] > target:
                        break
                    self._now = max(self._now, self._timers[0][0])
                    self._fire_due(self._now)
                    self._run_ready()
                self._now = max(self._now, target)
            finally:
                self._running_thread = None
            self.run_until_idle()

    def _notify(self) -> None:
        if not self.virtual and not self.in_loop:
            self._cond.notify_all()

    def kick(self) -> None:
        """After an API call changed state: drive it (virtual) or wake the loop thread (real)."""
        if self.virtual:
            self.run_until_idle()
        else:
            with self.lock:
                self._cond.notify_all()

    def _real_loop(self) -> None:
        with self.lock:
            self._running_thread = threading.get_ident()
            while True:
                self._run_ready()
                self._drop_cancelled_timers()
                if self._fire_due(time.time()):
                    continue
                if self._ready:
                    continue
                timeout = (self._timers[0][0] - time.time()) if self._timers else None
                self._running_thread = None
                self._cond.wait(None if timeout is None else max(timeout, 0.0))
                self._running_thread = threading.get_ident()


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
