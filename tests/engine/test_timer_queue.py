"""Timers of finished work leave the scheduler: the queue stays small in a long-running engine, and
the virtual clock never jumps to (or is held still by) a wait nobody is waiting on any more."""
from __future__ import annotations

import json
import time

from workflows.engine import StepFunctions

from .conftest import create

DAY = 24 * 3600


def _callback_machine(sfn: StepFunctions, name: str, timeout: int, heartbeat: int | None = None) -> str:
    task = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {"FunctionName": "register", "Payload": {"token.$": "$$.Task.Token"}},
            "TimeoutSeconds": timeout, "End": True}
    if heartbeat is not None:
        task["HeartbeatSeconds"] = heartbeat
    return create(sfn, {"StartAt": "Wait", "States": {"Wait": task}}, name)


def _quick_task_machine(sfn: StepFunctions) -> str:
    """A Lambda task with a 180-day TimeoutSeconds that finishes at once."""
    return create(sfn, {"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": 180 * DAY,
        "Parameters": {"FunctionName": "quick"}, "OutputPath": "$.Payload", "End": True}}}, "quick")


def _register(sfn: StepFunctions) -> list[str]:
    tokens: list[str] = []
    sfn.register_lambda("register", lambda event, context: tokens.append(event["token"]) or {})
    sfn.register_lambda("quick", lambda event, context: {"ok": True})
    return tokens


def test_finished_tasks_leave_the_timer_queue_under_the_virtual_clock(sfn):
    tokens = _register(sfn)
    scheduler = sfn.engine.scheduler
    # A callback waiting with a 1-day timeout: the clock holds still and its live timer sits at the
    # top of the queue, beneath which the 180-day timers of finished tasks would otherwise pile up.
    waiting = sfn.start_execution(stateMachineArn=_callback_machine(sfn, "cb", DAY), input="{}")["executionArn"]
    quick = _quick_task_machine(sfn)
    start = scheduler.now()
    for _ in range(3000):
        execution = sfn.start_execution(stateMachineArn=quick, input="{}")["executionArn"]
    assert sfn.describe_execution(executionArn=execution)["status"] == "SUCCEEDED"
    assert scheduler.queued_timers() < 100
    assert scheduler.now() == start

    # Only dead timers remain once the callback arrives: the clock must not move to any of them.
    sfn.send_task_success(taskToken=tokens[0], output='"done"')
    assert sfn.describe_execution(executionArn=waiting)["status"] == "SUCCEEDED"
    assert scheduler.now() == start
    assert scheduler.queued_timers() < 100


def test_finished_tasks_leave_the_timer_queue_under_the_real_clock():
    sfn = StepFunctions(clock="real")
    _register(sfn)
    scheduler = sfn.engine.scheduler
    sfn.start_execution(stateMachineArn=_callback_machine(sfn, "cb", DAY), input="{}")
    quick = _quick_task_machine(sfn)
    arns = [sfn.start_execution(stateMachineArn=quick, input="{}")["executionArn"] for _ in range(1000)]
    deadline = time.monotonic() + 30
    for arn in arns:
        while sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
            assert time.monotonic() < deadline
            time.sleep(0.01)
    assert scheduler.queued_timers() < 100


def test_stopped_callback_with_heartbeat_neither_moves_nor_freezes_the_clock(sfn):
    _register(sfn)
    scheduler = sfn.engine.scheduler
    callback = _callback_machine(sfn, "cb", DAY, heartbeat=3600)
    execution = sfn.start_execution(stateMachineArn=callback, input="{}")["executionArn"]
    start = scheduler.now()
    sfn.stop_execution(executionArn=execution)
    # The stopped task's timeout and heartbeat timers are dead: the clock stays where it was ...
    assert scheduler.now() == start
    # ... and its token no longer counts as awaited input, so later waits still jump ahead.
    waits = create(sfn, {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 10, "End": True}}}, "w")
    later = sfn.start_execution(stateMachineArn=waits, input="{}")["executionArn"]
    assert sfn.describe_execution(executionArn=later)["status"] == "SUCCEEDED"
    assert scheduler.now() == start + 10


def test_failed_parallel_sibling_cancels_a_waiting_heartbeat_task(sfn):
    _register(sfn)
    scheduler = sfn.engine.scheduler
    branch_wait = {"StartAt": "Wait", "States": {"Wait": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Parameters": {"FunctionName": "register", "Payload": {"token.$": "$$.Task.Token"}},
        "TimeoutSeconds": DAY, "HeartbeatSeconds": 3600, "End": True}}}
    branch_fail = {"StartAt": "Boom", "States": {"Boom": {"Type": "Fail", "Error": "Boom"}}}
    arn = create(sfn, {"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": [branch_wait, branch_fail],
                                                        "End": True}}}, "par")
    start = scheduler.now()
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps({}))["executionArn"]
    described = sfn.describe_execution(executionArn=execution)
    assert described["status"] == "FAILED" and described["error"] == "Boom"
    assert scheduler.now() == start
    waits = create(sfn, {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 5, "End": True}}}, "w")
    later = sfn.start_execution(stateMachineArn=waits, input="{}")["executionArn"]
    assert sfn.describe_execution(executionArn=later)["status"] == "SUCCEEDED"
    assert scheduler.now() == start + 5


def test_cancelled_timers_keep_firing_order():
    """Compaction re-heaps the survivors: live timers still fire in deadline order."""
    from workflows.engine.scheduler import Scheduler

    scheduler = Scheduler("virtual")
    base = scheduler.now()
    fired: list[int] = []
    timers = []
    for i in range(500):
        timer = scheduler.sleep_until(base + 1000 - i)
        timer.add_done_callback(lambda _, i=i: fired.append(i))
        timers.append(timer)
    for i, timer in enumerate(timers):
        if i % 5:
            timer.cancel_timer()
    assert scheduler.queued_timers() < 250
    scheduler.run_until_idle()
    assert fired == sorted(range(0, 500, 5), reverse=True)
    assert scheduler.now() == base + 1000
