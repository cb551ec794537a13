"""Children of a Map or Parallel state run side by side on the scheduler, results kept in order.

`gather` bounds how many children are alive (MaxConcurrency), lets a Map go on past failed items while
its tolerated-failure rule allows, and cancels the rest on the first failure that is not tolerated.
"""
from __future__ import annotations

from typing import Any, Callable

from workflows.engine import errors as names
from workflows.engine.errors import StatesError
from workflows.engine.json_value import JSON
from workflows.engine.runtime import Frame
from workflows.engine.scheduler import Future


async def gather(frame: Frame, coros: list, limit: int | Callable[[], int], tolerated: Any = None,
                 wake_with: Callable[[Callable[[], None]], None] | None = None) -> list[JSON]:
    """Run coroutines with at most `limit` alive (0 = all); results in order.

    `tolerated(failures) -> bool` lets a Map keep going past failed items; otherwise the first
    failure cancels the rest and is raised. A map run's limit can change while it runs
    (UpdateMapRun): `limit` is then a callable, and `wake_with` receives the function that makes
    the gather look again at once."""
    scheduler = frame.services.scheduler
    results: list[JSON] = [None] * len(coros)
    failures: list[StatesError] = []
    live: dict[Any, int] = {}
    pending = list(enumerate(coros))
    pending.reverse()
    done: list[JSON] = []  # finished since the last look, in completion order
    wake = Future()

    def on_done(task: Any) -> None:
        done.append(task)
        wake.set_result(None)  # the current `wake`: it is rebound before each wait

    def launch() -> None:
        cap = limit() if callable(limit) else limit
        while pending and (cap <= 0 or len(live) < cap):
            index, coro = pending.pop()
            task = scheduler.spawn(coro)
            live[task] = index
            task.add_done_callback(on_done)

    if wake_with is not None:
        wake_with(lambda: wake.set_result(None))
    launch()
    try:
        while live:
            if not done:
                wake = Future()
                await wake
                if not done:  # woken to look again: the limit changed
                    launch()
                continue
            finished = sorted(done, key=live.__getitem__)  # in item order, as the results are
            done.clear()
            for task in finished:
                index = live.pop(task)
                error = task.exception()
                if error is None:
                    results[index] = task.result()
                    continue
                if not isinstance(error, StatesError):
                    raise error
                failures.append(error)
                if tolerated is None or not tolerated(len(failures)):
                    raise error
                results[index] = None
            launch()
    except BaseException:
        for task in live:
            task.cancel()
        for _, coro in pending:
            coro.close()
        raise
    return results



def closing_failure(frame: Frame, event: str, error: StatesError) -> None:
    """A Map/Parallel that finally fails (after retries) records XStateFailed; AWS leaves it out
    for States.Runtime errors, which end the execution straight away."""
    if error.error != names.RUNTIME:
        frame.emit(event)


