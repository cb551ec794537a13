"""The Parallel state: every branch runs as a child line of control flow in the parent's history.

The branches' results come back in branch order; the first branch that fails cancels the others and
the error goes to the state's Retry/Catch (`retry.with_recovery`).
"""
from __future__ import annotations


from workflows.engine import model as m
from workflows.engine.children import closing_failure, gather
from workflows.engine.dataflow import arguments, input_path, parameters
from workflows.engine.errors import StatesError
from workflows.engine.json_value import JSON
from workflows.engine.redrive import child_frame
from workflows.engine.retry import with_recovery
from workflows.engine.runtime import Frame
from workflows.engine.state_exit import Step, finish_with_result, jsonata_states


async def run_parallel(state: m.ParallelState, raw: JSON, frame: Frame, entered_id: int, entered_at: float) -> Step:
    from workflows.engine.interpreter import run_program  # a program runs Parallels, a Parallel programs

    async def attempt(retry_count: int) -> Step:
        ctx = frame.context(state.name, entered_at, retry_count)
        if state.jsonata:
            value = arguments(state.parameters, raw, frame, jsonata_states(raw, ctx))
        else:
            value = parameters(state.parameters, input_path(state, raw, frame, ctx), frame, ctx)
        frame.emit("ParallelStateStarted")
        if frame.inspector is not None:  # TestState: the mock stands for the branches' results
            return finish_with_result(state, raw, frame.inspector.children_result(state, [], None, None), frame, ctx)
        children = [child_frame(frame, state.name, i, branch) for i, branch in enumerate(state.branches)]
        try:
            result = await gather(frame, [run_program(b, value, c) for b, c in zip(state.branches, children)], 0)
        except StatesError:
            frame.last_id = max(c.last_id for c in children)
            raise
        frame.last_id = max(c.last_id for c in children)
        frame.emit("ParallelStateSucceeded", chain=False)
        return finish_with_result(state, raw, result, frame, ctx)

    return await with_recovery(state, raw, frame, entered_id, entered_at, attempt,
                               on_fail=lambda error: closing_failure(frame, "ParallelStateFailed", error))
