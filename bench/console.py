"""Benchmark of the console's two heaviest pages on the embedded local stack, as ratios against peers
measured in the same run.

- an execution page with ~5,000 history events (a Choice/Pass loop): GET /console/executions/ARN
- a state machine page of a machine with 10,000 executions:       GET /console/state-machines/NAME

Each page is timed over HTTP (urllib, the stack's loopback port, the whole HTML read) and compared
with two peers: the 1 s goal (`*_vs_goal` < 1 means the page meets it) and the raw Step Functions
API calls the page needs, made with boto3 on the same port (`*_vs_api`: what rendering adds on top
of fetching - DescribeExecution, DescribeStateMachineForExecution and the history's pages; or
ListStateMachines, DescribeStateMachine and one page of ListExecutions). Page and peer requests
alternate, so load spikes on the shared machine hit both; each figure is the median of ROUNDS.
The graph's layout is computed once per definition and cached; the first (cold) view of each page
is reported on its own line, not in the ratios. The last printed line is one JSON object of ratios.
"""
from __future__ import annotations

import json
import os
import statistics
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from workflows.console import execution_url, machine_url  # noqa: E402
from workflows.local.stack import LocalStack  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
EXECUTIONS = int(os.environ.get("BENCH_EXECUTIONS", "10000"))
LOOPS = int(os.environ.get("BENCH_LOOPS", "1250"))  # 4 events a loop: ~5,000 events
ROLE = "arn:aws:iam::123456789012:role/bench"
LOOP = {"StartAt": "Init", "States": {
    "Init": {"Type": "Pass", "Result": 0, "ResultPath": "$.i", "Next": "More"},
    "More": {"Type": "Choice", "Choices": [{"Variable": "$.i", "NumericLessThanPath": "$.loops", "Next": "Step"}],
             "Default": "Done"},
    "Step": {"Type": "Pass", "Parameters": {"loops.$": "$.loops", "i.$": "States.MathAdd($.i, 1)"}, "Next": "More"},
    "Done": {"Type": "Succeed"}}}
QUICK = {"StartAt": "Only", "States": {"Only": {"Type": "Pass", "End": True}}}


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=120) as response:
        return len(response.read())


def _time(action: Callable[[], Any]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _paired(page: Callable[[], Any], peer: Callable[[], Any]) -> tuple[float, float]:
    pages, peers = [], []
    for _ in range(ROUNDS):
        pages.append(_time(page))
        peers.append(_time(peer))
    return statistics.median(pages), statistics.median(peers)


def main() -> None:
    with LocalStack(clock="virtual") as stack:
        engine, sfn = stack.engine, stack.client("stepfunctions")
        loop_arn = engine.create_state_machine(name="bench-loop", definition=json.dumps(LOOP), roleArn=ROLE)["stateMachineArn"]
        run = engine.start_execution(stateMachineArn=loop_arn, input=json.dumps({"loops": LOOPS}))["executionArn"]
        described = engine.describe_execution(executionArn=run)
        events = sum(len(p["events"]) for p in _history_pages(engine, run))
        print(f"execution: {described['status']}, {events} history events")
        quick_arn = engine.create_state_machine(name="bench-many", definition=json.dumps(QUICK), roleArn=ROLE)["stateMachineArn"]
        started = time.perf_counter()
        for _ in range(EXECUTIONS):
            engine.start_execution(stateMachineArn=quick_arn, input="{}")
        print(f"machine: {EXECUTIONS} executions started in {time.perf_counter() - started:.1f} s")

        execution_page = stack.url + execution_url(run)
        machine_page = stack.url + machine_url("bench-many")
        print(f"cold execution page {_time(lambda: _get(execution_page)):.3f} s "
              f"({_get(execution_page) // 1024} KiB); cold state machine page {_time(lambda: _get(machine_page)):.3f} s")

        def execution_calls() -> None:
            sfn.describe_execution(executionArn=run)
            sfn.describe_state_machine_for_execution(executionArn=run) if hasattr(
                engine, "describe_state_machine_for_execution") else sfn.describe_state_machine(stateMachineArn=loop_arn)
            token = None
            while True:
                page = sfn.get_execution_history(executionArn=run, maxResults=1000, **({"nextToken": token} if token else {}))
                token = page.get("nextToken")
                if not token:
                    break

        def machine_calls() -> None:
            sfn.list_state_machines()
            sfn.describe_state_machine(stateMachineArn=quick_arn)
            sfn.list_executions(stateMachineArn=quick_arn, maxResults=50)

        exec_page, exec_api = _paired(lambda: _get(execution_page), execution_calls)
        machine_page_s, machine_api = _paired(lambda: _get(machine_page), machine_calls)
    print(f"execution page ({events} events): {exec_page:.3f} s; its API calls {exec_api:.3f} s")
    print(f"state machine page ({EXECUTIONS} executions): {machine_page_s:.3f} s; its API calls {machine_api:.3f} s")
    print(json.dumps({
        "execution_page_5000_events_vs_goal_1s": round(exec_page / 1.0, 3),
        "execution_page_vs_api_calls": round(exec_page / exec_api, 2),
        "machine_page_10000_executions_vs_goal_1s": round(machine_page_s / 1.0, 3),
        "machine_page_vs_api_calls": round(machine_page_s / machine_api, 2),
    }))


def _history_pages(engine: Any, arn: str) -> list[dict[str, Any]]:
    pages, token = [], None
    while True:
        page = engine.get_execution_history(executionArn=arn, maxResults=1000, **({"nextToken": token} if token else {}))
        pages.append(page)
        token = page.get("nextToken")
        if not token:
            return pages


if __name__ == "__main__":
    main()
