"""AWS's run-time quotas as behaviour (issue #10 item 7): the 25,000-event history, Express's five
minutes, and a runaway loop that neither blocks the API nor grows the server without bound.

No timed assertions: the liveness bounds below are generous (a call that used to hang forever
fails them); bench/engine.py measures the latencies.
"""
from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from typing import Any, Callable

import pytest

from workflows.engine import StepFunctions
from workflows.engine.quotas import HISTORY_EVENT_LIMIT, HISTORY_LIMIT_CAUSE

from .conftest import create

LIVENESS_SECONDS = 30  # a call that does not return within this is hung, not slow

LOOP = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}}}


def counting_loop(rounds: int) -> dict:
    """Four events a round (Inc and Check entered/exited), then Succeed: 4 * rounds + 4 events."""
    return {"StartAt": "Inc", "States": {
        "Inc": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)"}, "Next": "Check"},
        "Check": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericLessThan": rounds, "Next": "Inc"}],
                  "Default": "Done"},
        "Done": {"Type": "Succeed"}}}


def history(sfn: StepFunctions, arn: str) -> list[dict]:
    events: list[dict] = []
    token = None
    while True:
        page = sfn.get_execution_history(executionArn=arn, maxResults=1000,
                                         **({"nextToken": token} if token else {}))
        events += page["events"]
        token = page.get("nextToken")
        if not token:
            return events


# ---- the 25,000-event history ----------------------------------------------------------------
def test_a_looping_standard_execution_fails_at_event_25000_as_aws(sfn):
    arn = sfn.start_execution(stateMachineArn=create(sfn, LOOP), input="{}")["executionArn"]
    described = sfn.describe_execution(executionArn=arn)
    assert (described["status"], described["error"], described["cause"]) == (
        "FAILED", "States.Runtime", HISTORY_LIMIT_CAUSE)
    events = history(sfn, arn)
    assert len(events) == HISTORY_EVENT_LIMIT and [e["id"] for e in events[-2:]] == [24_999, 25_000]
    last = events[-1]
    assert last["type"] == "ExecutionFailed" and last["previousEventId"] == 24_999
    assert last["executionFailedEventDetails"] == {"error": "States.Runtime", "cause": HISTORY_LIMIT_CAUSE}


def test_no_catch_takes_the_history_failure(sfn):
    """States.Runtime named explicitly in a Catch would catch an ordinary States.Runtime; the quota
    ends the execution regardless."""
    looping_branch = {"Type": "Parallel", "Branches": [LOOP], "End": True,
                      "Catch": [{"ErrorEquals": ["States.Runtime"], "Next": "Caught"},
                                {"ErrorEquals": ["States.ALL"], "Next": "Caught"}]}
    definition = {"StartAt": "P", "States": {"P": looping_branch, "Caught": {"Type": "Succeed"}}}
    arn = sfn.start_execution(stateMachineArn=create(sfn, definition))["executionArn"]
    described = sfn.describe_execution(executionArn=arn)
    assert described["status"] == "FAILED" and described["cause"] == HISTORY_LIMIT_CAUSE
    assert len(history(sfn, arn)) == HISTORY_EVENT_LIMIT


def test_execution_succeeded_as_event_25000_succeeds_one_more_round_fails(sfn):
    rounds = (HISTORY_EVENT_LIMIT - 4) // 4  # ExecutionSucceeded is exactly event 25,000
    fits = sfn.start_execution(stateMachineArn=create(sfn, counting_loop(rounds), "fits"),
                               input='{"n": 0}')["executionArn"]
    assert sfn.describe_execution(executionArn=fits)["status"] == "SUCCEEDED"
    events = history(sfn, fits)
    assert (len(events), events[-1]["type"]) == (HISTORY_EVENT_LIMIT, "ExecutionSucceeded")
    over = sfn.start_execution(stateMachineArn=create(sfn, counting_loop(rounds + 1), "over"),
                               input='{"n": 0}')["executionArn"]
    described = sfn.describe_execution(executionArn=over)
    assert (described["status"], described["cause"]) == ("FAILED", HISTORY_LIMIT_CAUSE)


def test_inline_map_iterations_count_against_the_parent_history(sfn):
    rounds = 3_500  # two iterations of ~14,000 events each: over the quota together, not alone
    definition = {"StartAt": "M", "States": {"M": {
        "Type": "Map", "ItemsPath": "$.items", "End": True,
        "ItemProcessor": dict(counting_loop(rounds), ProcessorConfig={"Mode": "INLINE"})}}}
    arn = sfn.start_execution(stateMachineArn=create(sfn, definition),
                              input=json.dumps({"items": [{"n": 0}, {"n": 0}]}))["executionArn"]
    assert sfn.describe_execution(executionArn=arn)["cause"] == HISTORY_LIMIT_CAUSE


def test_distributed_map_children_have_their_own_history_budget(sfn):
    rounds = 3_500  # as above, but each child execution keeps its own history
    processor = dict(counting_loop(rounds), ProcessorConfig={"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"})
    definition = {"StartAt": "M", "States": {"M": {
        "Type": "Map", "ItemsPath": "$.items", "ItemProcessor": processor, "End": True}}}
    arn = sfn.start_execution(stateMachineArn=create(sfn, definition),
                              input=json.dumps({"items": [{"n": 0}, {"n": 0}]}))["executionArn"]
    assert sfn.describe_execution(executionArn=arn)["status"] == "SUCCEEDED"


def start_a_looping_map_child(sfn: StepFunctions) -> str:
    """A Distributed Map whose one Standard child loops until its own history quota fails it."""
    processor = dict(LOOP, ProcessorConfig={"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"})
    definition = {"StartAt": "M", "States": {"M": {
        "Type": "Map", "ItemsPath": "$.items", "ItemProcessor": processor, "End": True}}}
    return sfn.start_execution(stateMachineArn=create(sfn, definition),
                               input=json.dumps({"items": [1]}))["executionArn"]


def test_a_distributed_map_child_over_its_quota_fails_the_map_with_its_error(sfn):
    arn = start_a_looping_map_child(sfn)
    described = sfn.describe_execution(executionArn=arn)
    assert (described["status"], described["error"], described["cause"]) == (
        "FAILED", "States.Runtime", HISTORY_LIMIT_CAUSE)
    assert "MapRunFailed" in [e["type"] for e in history(sfn, arn)]


# ---- redrive and the history quota ----------------------------------------------------------
# RedriveExecution API reference: an execution is redrivable only while its history has fewer than
# 24,999 events (room for ExecutionRedriven and one more); "Redriving Map Runs": a Standard child
# that exceeded its 25,000 events is not redriven - it counts as failed toward the tolerance.
def waiting_loop(timeout_seconds: int) -> dict:
    """Six events a second (Inc, Wait, Check entered/exited); times out after `timeout_seconds`."""
    return {"TimeoutSeconds": timeout_seconds, "StartAt": "Inc", "States": {
        "Inc": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)"}, "Next": "Wait"},
        "Wait": {"Type": "Wait", "Seconds": 1, "Next": "Check"},
        "Check": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericLessThan": 10 ** 9, "Next": "Inc"}],
                  "Default": "Done"},
        "Done": {"Type": "Succeed"}}}


def test_an_execution_that_failed_on_the_history_quota_is_not_redrivable(sfn):
    arn = sfn.start_execution(stateMachineArn=create(sfn, LOOP), input="{}")["executionArn"]
    described = sfn.describe_execution(executionArn=arn)
    assert (described["redriveStatus"], described["redriveStatusReason"]) == (
        "NOT_REDRIVABLE", "Execution history event limit exceeded")
    with pytest.raises(sfn.exceptions.ExecutionNotRedrivable, match="Execution history event limit exceeded"):
        sfn.redrive_execution(executionArn=arn)
    assert len(history(sfn, arn)) == HISTORY_EVENT_LIMIT


def test_a_redriven_execution_appends_up_to_the_quota_and_then_fails_on_it(sfn):
    """Redriven executions append to the same history: the 25,000 events count across attempts, and
    none of the redriven attempt's events is dropped."""
    arn = sfn.start_execution(stateMachineArn=create(sfn, waiting_loop(3_000)), input='{"n": 0}')["executionArn"]
    first = sfn.describe_execution(executionArn=arn)
    first_events = len(history(sfn, arn))
    assert first["status"] == "TIMED_OUT" and 15_000 < first_events < 24_999
    assert first["redriveStatus"] == "REDRIVABLE"
    sfn.redrive_execution(executionArn=arn)
    described = sfn.describe_execution(executionArn=arn)
    assert (described["status"], described["error"], described["cause"]) == (
        "FAILED", "States.Runtime", HISTORY_LIMIT_CAUSE)
    events = history(sfn, arn)
    assert [e["id"] for e in events] == list(range(1, HISTORY_EVENT_LIMIT + 1))
    assert events[first_events]["type"] == "ExecutionRedriven" and events[-1]["type"] == "ExecutionFailed"
    with pytest.raises(sfn.exceptions.ExecutionNotRedrivable, match="Execution history event limit exceeded"):
        sfn.redrive_execution(executionArn=arn)


def test_a_map_run_child_over_its_quota_is_not_redriven_with_its_parent(sfn):
    arn = start_a_looping_map_child(sfn)
    run_arn = sfn.list_map_runs(executionArn=arn)["mapRuns"][0]["mapRunArn"]
    child = sfn.list_executions(mapRunArn=run_arn)["executions"][0]["executionArn"]
    described_child = sfn.describe_execution(executionArn=child)
    assert (described_child["redriveStatus"], described_child["redriveStatusReason"]) == (
        "NOT_REDRIVABLE", "Execution history event limit exceeded")
    assert sfn.describe_execution(executionArn=arn)["redriveStatus"] == "REDRIVABLE"

    sfn.redrive_execution(executionArn=arn)  # the parent may be redriven; its map run fails again
    described = sfn.describe_execution(executionArn=arn)
    assert (described["status"], described["error"], described["cause"]) == (
        "FAILED", "States.Runtime", HISTORY_LIMIT_CAUSE)
    types = [e["type"] for e in history(sfn, arn)]
    redriven = types[types.index("ExecutionRedriven"):]
    assert "MapRunRedriven" in redriven and "MapRunFailed" in redriven and redriven[-1] == "ExecutionFailed"
    assert len(history(sfn, child)) == HISTORY_EVENT_LIMIT  # the child did not run again
    assert sfn.describe_execution(executionArn=child)["redriveCount"] == 0
    counts = sfn.describe_map_run(mapRunArn=run_arn)["executionCounts"]
    assert (counts["failed"], counts["total"]) == (1, 1)


# ---- Express: TimeoutSeconds and five minutes -------------------------------------------------
def _express_outcome(sfn: StepFunctions, definition: dict) -> tuple[str, str | None, float]:
    arn = create(sfn, definition, "express", "EXPRESS")
    response = sfn.start_sync_execution(stateMachineArn=arn, input="{}")
    return response["status"], response.get("error"), (response["stopDate"] - response["startDate"]).total_seconds()


def test_an_express_execution_ends_at_five_minutes(sfn):
    waits_too_long = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 400, "End": True}}}
    assert _express_outcome(sfn, waits_too_long) == ("TIMED_OUT", "States.Timeout", 300.0)


def test_an_express_timeout_seconds_above_five_minutes_still_ends_at_five(sfn):
    definition = {"TimeoutSeconds": 3600, "StartAt": "W",
                  "States": {"W": {"Type": "Wait", "Seconds": 400, "End": True}}}
    assert _express_outcome(sfn, definition) == ("TIMED_OUT", "States.Timeout", 300.0)


def test_an_express_execution_ends_at_its_timeout_seconds(sfn):
    definition = {"TimeoutSeconds": 5, "StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 10, "End": True}}}
    assert _express_outcome(sfn, definition) == ("TIMED_OUT", "States.Timeout", 5.0)


def test_a_standard_execution_is_not_bound_by_five_minutes(sfn):
    definition = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 400, "End": True}}}
    arn = sfn.start_execution(stateMachineArn=create(sfn, definition))["executionArn"]
    assert sfn.describe_execution(executionArn=arn)["status"] == "SUCCEEDED"


def test_a_looping_express_execution_on_the_virtual_clock_ends_at_its_timeout(sfn):
    """A loop never waits, so virtual time never passes: its wall time counts instead. Express keeps
    no history on AWS; here it keeps the first events and its closing one, never more."""
    arn = create(sfn, dict(LOOP, TimeoutSeconds=1), "express", "EXPRESS")
    response = sfn.start_sync_execution(stateMachineArn=arn, input="{}")
    assert (response["status"], response["error"]) == ("TIMED_OUT", "States.Timeout")
    events = sfn.engine.executions[response["executionArn"]].events
    assert len(events) <= HISTORY_EVENT_LIMIT and events[-1]["type"] == "ExecutionTimedOut"


# ---- a runaway loop does not block the API ---------------------------------------------------
def call_within_liveness(fn: Callable[[], Any]) -> Any:
    """fn() on another thread; fails if it is still blocked after LIVENESS_SECONDS."""
    outcome: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: outcome.update(value=fn()), daemon=True)
    thread.start()
    thread.join(LIVENESS_SECONDS)
    assert not thread.is_alive(), "the call is blocked behind a looping execution"
    return outcome["value"]


def wait_until(predicate: Callable[[], bool]) -> None:
    deadline = time.monotonic() + LIVENESS_SECONDS
    while not predicate():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.01)


@pytest.fixture
def looping_server():
    """A real-clock engine (as `workflows up` runs it) with three looping Express executions."""
    sfn = StepFunctions(clock="real")
    arn = create(sfn, LOOP, "loop", "EXPRESS")
    loops = [sfn.start_execution(stateMachineArn=arn)["executionArn"] for _ in range(3)]
    wait_until(lambda: all(len(sfn.engine.executions[a].events) > 1000 for a in loops))
    yield sfn, loops
    for execution in loops:
        sfn.stop_execution(executionArn=execution)


def test_describe_history_start_and_stop_answer_while_executions_loop(looping_server):
    sfn, loops = looping_server
    target = loops[0]
    assert call_within_liveness(lambda: sfn.describe_execution(executionArn=target))["status"] == "RUNNING"
    page = call_within_liveness(lambda: sfn.get_execution_history(executionArn=target, maxResults=10))
    assert [e["id"] for e in page["events"]] == list(range(1, 11))
    finite = create(sfn, {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": 1, "End": True}}}, "finite")
    started = call_within_liveness(lambda: sfn.start_execution(stateMachineArn=finite))["executionArn"]
    wait_until(lambda: sfn.describe_execution(executionArn=started)["status"] == "SUCCEEDED")
    call_within_liveness(lambda: sfn.stop_execution(executionArn=target))
    assert sfn.describe_execution(executionArn=target)["status"] == "ABORTED"
    stopped = sfn.engine.executions[target]
    recorded = len(stopped.events)
    wait_until(lambda: len(sfn.engine.executions[loops[1]].events) > len(stopped.events) + 2000)
    assert len(stopped.events) == recorded, "the stopped execution kept running"


def test_a_looping_express_execution_on_the_real_clock_ends_at_its_timeout():
    sfn = StepFunctions(clock="real")
    arn = create(sfn, dict(LOOP, TimeoutSeconds=1), "loop", "EXPRESS")
    execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    wait_until(lambda: sfn.describe_execution(executionArn=execution)["status"] != "RUNNING")
    assert sfn.describe_execution(executionArn=execution)["status"] == "TIMED_OUT"


def test_api_calls_from_other_threads_answer_while_a_virtual_clock_drive_loops(sfn):
    """`workflows up --clock virtual`: the thread that started a loop drives it; the others' calls
    still get the lock at the interpreter's pauses."""
    arn = create(sfn, dict(LOOP, TimeoutSeconds=5), "loop", "EXPRESS")
    driver = threading.Thread(target=lambda: sfn.start_sync_execution(stateMachineArn=arn), daemon=True)
    driver.start()
    wait_until(lambda: any(len(e.events) > 1000 for e in list(sfn.engine.executions.values())))
    target = next(iter(sfn.engine.executions))
    assert call_within_liveness(lambda: sfn.describe_execution(executionArn=target))["status"] == "RUNNING"
    call_within_liveness(lambda: sfn.stop_execution(executionArn=target))
    driver.join(LIVENESS_SECONDS)
    assert not driver.is_alive() and sfn.describe_execution(executionArn=target)["status"] == "ABORTED"


# ---- memory -------------------------------------------------------------------------------------
_MEMORY_PROBE = """
import json
from workflows.engine import StepFunctions
LOOP = %s
sfn = StepFunctions()
role = "arn:aws:iam::123456789012:role/r"
arn = sfn.create_state_machine(name="m", definition=json.dumps(LOOP), roleArn=role)["stateMachineArn"]
big = json.dumps({"blob": "x" * 100_000})  # 100 KB carried through every state
for _ in range(2):
    done = sfn.start_execution(stateMachineArn=arn, input=big)["executionArn"]
    assert sfn.describe_execution(executionArn=done)["status"] == "FAILED"
# VmHWM is this process's own peak: ru_maxrss would also count the parent's RSS copied at fork
# (Linux keeps the pre-exec high-water mark), i.e. a big pytest worker's.
peak_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(peak_kb // 1024)
"""


def test_looping_executions_with_a_large_payload_stay_far_below_500_mb():
    """Two runaway loops carrying 100 KB each through 25,000 events: ~2.5 GB if every event kept its
    own copy of the text; the history keeps one copy of an unchanged output."""
    probe = subprocess.run([sys.executable, "-c", _MEMORY_PROBE % json.dumps(LOOP)], capture_output=True,
                           text=True, timeout=LIVENESS_SECONDS * 4, check=True)
    peak_mb = int(probe.stdout.strip().splitlines()[-1])
    assert peak_mb < 500, f"peak RSS {peak_mb} MB"


def test_a_loop_rebuilding_equal_data_keeps_one_copy_of_its_text(sfn):
    rebuilds = {"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Parameters": {"blob.$": "$.blob"}, "Next": "B"},
        "B": {"Type": "Pass", "Parameters": {"blob.$": "$.blob"}, "Next": "A"}}}
    arn = sfn.start_execution(stateMachineArn=create(sfn, rebuilds), input=json.dumps({"blob": "x" * 1000}))
    events = sfn.engine.executions[arn["executionArn"]].events
    texts = {id(e["stateExitedEventDetails"]["output"]) for e in events if e["type"] == "PassStateExited"}
    assert len(events) == HISTORY_EVENT_LIMIT and len(texts) == 1
