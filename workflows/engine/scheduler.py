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

A runaway execution (a Pass loop) never waits on anything, so the interpreter `pause`s every
PAUSE_EVERY state transitions: the loop then fires due timers (TimeoutSeconds, Express's five
minutes), lets API callers blocked on the lock in (DescribeExecution, StopExecution answer while
other executions loop) and runs the other ready coroutines before resuming it.
"""
from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Coroutine

from workflows.engine.futures import Cancelled, DelayedOutcome, Future, Task, TimerFuture, first_of
from workflows.engine.virtual_time import metered

__all__ = ["Cancelled", "Future", "Scheduler", "Task", "TimerFuture", "first_of"]

PAUSE_EVERY = 256  # state transitions between pauses (see the module doc): a few µs each
_CALLER_SLICE = 0.002  # seconds the loop steps aside for each round of waiting API callers
_CALLER_ROUNDS = 50  # rounds at most per pause, so a stream of callers cannot starve executions
# Virtual clock: a drive steps aside for other threads only once it has run this long (a runaway
# loop); shorter drives keep the callers serialized as before, each call running to idle in turn.
VIRTUAL_DRIVE_SLICE = 0.25


class CallerLock:
    """The scheduler's re-entrant lock, counting threads blocked on it so the loop, which holds it
    while it runs, knows when to step aside for them (at a `pause`)."""

    __slots__ = ("_lock", "_count_lock", "waiting")

    def __init__(self, lock: threading.RLock) -> None:
        self._lock = lock
        self._count_lock = threading.Lock()
        self.waiting = 0

    def acquire(self) -> None:
        if self._lock.acquire(blocking=False):
            return
        with self._count_lock:
            self.waiting += 1
        try:
            self._lock.acquire()
        finally:
            with self._count_lock:
                self.waiting -= 1

    def release(self) -> None:
        self._lock.release()

    def __enter__(self) -> CallerLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


class Scheduler:
    def __init__(self, clock: str = "virtual") -> None:
        if clock not in ("virtual", "real"):
            raise ValueError(f"clock must be 'virtual' or 'real', not {clock!r}")
        self.virtual = clock == "virtual"
        raw_lock = threading.RLock()
        self.lock = CallerLock(raw_lock)
        self._cond = threading.Condition(raw_lock)
        self._ready: deque[tuple[Task, Future | None, BaseException | None]] = deque()
        self._timers: list[tuple[float, int, TimerFuture]] = []
        self._dead = 0  # cancelled timers still in the heap (purged lazily, see _timer_cancelled)
        self._seq = itertools.count()
        self._now = time.time()
        self._external = 0  # outstanding waits on outside input (task tokens, activities)
        self._delayed = 0  # pending DelayedOutcomes (handlers that slept virtual time)
        self._running_thread: int | None = None
        self._paused: list[Future] = []  # coroutines that paused (see `pause`), resumed next round
        self._transitions = 0
        self._drive_started = 0.0  # time.monotonic() when the current virtual-clock drive began
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
    def due_for_pause(self) -> bool:
        """Called once per state transition: True every PAUSE_EVERY of them, or at once when an API
        caller waits for the lock (then the interpreter checks deadlines and maybe `pause`s)."""
        self._transitions += 1
        return self._transitions % PAUSE_EVERY == 0 or self.lock.waiting > 0

    def yield_wanted(self) -> bool:
        """Whether a running coroutine should `pause` now: always on the real clock (timers and other
        executions get their turn); on the virtual clock only for an API caller waiting behind a drive
        that has run VIRTUAL_DRIVE_SLICE already, so runs stay deterministic (the interleaving of Map
        iterations never depends on a transition count) and ordinary concurrent callers serialized."""
        if not self.virtual:
            return True
        return self.lock.waiting > 0 and time.monotonic() - self._drive_started > VIRTUAL_DRIVE_SLICE

    def pause(self) -> Future:
        """Await this to let the loop serve timers, API callers and other coroutines, then go on."""
        future = Future()
        self._paused.append(future)
        return future

    def _resume_paused(self) -> bool:
        if not self._paused:
            return False
        paused, self._paused = self._paused, []
        for future in paused:
            future.set_result(None)
        return True

    def _step_aside(self) -> None:
        """Release the lock (fully, however deep the driving thread holds it) while API callers wait
        for it; `Condition.wait` restores it afterwards."""
        rounds = 0
        while self.lock.waiting > 0 and rounds < _CALLER_ROUNDS:
            self._cond.wait(_CALLER_SLICE)
            rounds += 1

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
        with self.lock:
            if self.in_loop:
                return  # re-entrant call: the outer drive will pick the new work up
            if self._running_thread is not None:  # another thread drives (stepping aside)
                if until is None:
                    return  # it picks the new work up
                self._wait_while_driven_elsewhere(until)
                if until():
                    return
            self._running_thread = threading.get_ident()
            self._drive_started = time.monotonic()
            try:
                while True:
                    self._run_ready()
                    if until is not None and until():
                        return
                    if self._paused:
                        self._step_aside()
                        self._resume_paused()
                        continue
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
                self._cond.notify_all()  # threads waiting for this drive to end

    def _wait_while_driven_elsewhere(self, until: Callable[[], bool] | None = None) -> None:
        """Wait, without the lock, while another thread drives the loop, until that drive ends or
        `until()` holds. Not counted as a waiting caller: this thread needs the drive to progress,
        not the loop to step aside for it (the drive's end notifies it)."""
        while self._running_thread is not None and not self.in_loop and not (until is not None and until()):
            self._cond.wait(0.05)

    def _run_runnable(self) -> None:
        """Run ready and paused coroutines until none is left (stepping aside at each pause)."""
        self._run_ready()
        while self._paused:
            self._step_aside()
            self._resume_paused()
            self._run_ready()

    def advance(self, seconds: float) -> None:
        with self.lock:
            self._wait_while_driven_elsewhere()
            self._running_thread = threading.get_ident()
            self._drive_started = time.monotonic()
            try:
                target = self._now + seconds
                self._run_runnable()
                while True:
                    self._drop_cancelled_timers()
                    if not self._timers or self._timers[0][0] > target:
                        break
                    self._now = max(self._now, self._timers[0][0])
                    self._fire_due(self._now)
                    self._run_runnable()
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
                if self._paused:
                    self._step_aside()
                    self._resume_paused()
                    continue
                timeout = (self._timers[0][0] - time.time()) if self._timers else None
                self._running_thread = None
                self._cond.wait(None if timeout is None else max(timeout, 0.0))
                self._running_thread = threading.get_ident()
