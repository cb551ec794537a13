"""The state loop: run a Program (machine, branch or Map iteration) state by state.

Each state type has one coroutine `(state, raw_input, frame, entered_id, entered_at) -> (next, output)`;
`next` is None when the program ends. `HANDLERS` below is the one table from state type to handler.
Errors travel as `StatesError`; Retry/Catch live in `retry`, how a state exits in `state_exit`.
"""
from __future__ import annotations

import time
from typing import Any, Awaitable, Callable

from workflows.engine import model as m
from workflows.engine.flow_states import run_choice, run_fail, run_pass, run_succeed
from workflows.engine.json_value import JSON
from workflows.engine.map_state import run_map
from workflows.engine.parallel_state import run_parallel
from workflows.engine.runtime import NOT_TRUNCATED, Frame
from workflows.engine.state_exit import Step, record_evaluation_failure, state_error
from workflows.engine.task_runner import run_task
from workflows.engine.wait_state import run_wait
from workflows.engine.errors import StatesError

Handler = Callable[[Any, JSON, Frame, int, float], Awaitable[Step]]
HANDLERS: dict[str, Handler] = {
    "Pass": run_pass, "Succeed": run_succeed, "Fail": run_fail, "Choice": run_choice, "Wait": run_wait,
    "Task": run_task, "Parallel": run_parallel, "Map": run_map,
}


async def run_program(program: m.Program, value: JSON, frame: Frame) -> JSON:
    name: str | None = program.start_at
    if frame.at is not None:  # a redrive resumes this line where it stopped (or it had finished)
        name, value = frame.at
        if name is None:
            return value
    states = program.states
    scheduler = frame.services.scheduler
    while True:
        frame.at = (name, value)
        state = states[name]
        next_name, value = await run_state(state, value, frame)
        if next_name is None:
            frame.at = (None, value)
            return value
        name = next_name
        if scheduler.due_for_pause():
            await _pause(frame)


async def _pause(frame: Frame) -> None:
    """Let the loop serve timers, API callers and other executions (see `scheduler`). A virtual-clock
    Express execution that has run past its wall-time deadline times out here (see `quotas`)."""
    execution = frame.execution
    deadline = execution.deadline
    scheduler = frame.services.scheduler
    expired = (execution.wall_deadline is not None and deadline is not None
               and time.monotonic() >= execution.wall_deadline)
    if expired and deadline is not None:
        deadline.fire()
    if expired or scheduler.yield_wanted():
        await scheduler.pause()


async def run_state(state: m.State, raw: JSON, frame: Frame) -> Step:
    entered_previous = frame.last_id
    entered_at = frame.services.scheduler.now()
    entered_id = frame.emit(f"{state.type}StateEntered", "stateEnteredEventDetails",
                            {"input": frame.text_of(raw), "inputDetails": NOT_TRUNCATED, "name": state.name})
    try:
        return await HANDLERS[state.type](state, raw, frame, entered_id, entered_at)
    except StatesError as error:
        state_error(error, state, entered_id, frame)
        # AWS chains a Wait state's EvaluationFailed to its entry; other states to the entry's parent
        record_evaluation_failure(frame, state, error, entered_id if state.type == "Wait" else entered_previous)
        raise
