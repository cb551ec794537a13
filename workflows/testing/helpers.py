"""Waiting for an execution and reading its path through the states, on any target.

Written against the boto3 stepfunctions API only (describe_execution, get_execution_history), so
the same assertions hold on the embedded engine, a Step Functions Local endpoint and AWS. On the
embedded engine with a virtual clock, waiting advances the clock instead of sleeping.
"""
from __future__ import annotations

import time
from typing import Any, Iterable

TERMINAL = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")


class ExecutionTimeout(AssertionError):
    """The execution was still running when the wait gave up."""


def wait_for_execution(sfn: Any, execution_arn: str, *, timeout: float = 60.0,
                       poll: float = 0.2) -> dict[str, Any]:
    """describe_execution once the execution has stopped (virtual time advances if available)."""
    advance = getattr(sfn, "advance", None)
    deadline = time.monotonic() + timeout
    waited_virtual = 0.0
    while True:
        described = sfn.describe_execution(executionArn=execution_arn)
        if described["status"] in TERMINAL:
            return described
        if advance is not None and waited_virtual < timeout:
            advance(seconds=poll * 50)  # virtual seconds: instant, bounded by `timeout`
            waited_virtual += poll * 50
            continue
        if time.monotonic() > deadline:
            raise ExecutionTimeout(f"execution {execution_arn} still {described['status']} "
                                   f"after {timeout}s")
        time.sleep(poll)


def history(sfn: Any, execution_arn: str) -> list[dict[str, Any]]:
    """Every event of the execution, following nextToken (the one pager the harness, the
    conformance runner and the CLI share; AWS caps a page at 1000 events)."""
    events: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"executionArn": execution_arn, "maxResults": 1000}
    while True:
        page = sfn.get_execution_history(**kwargs)
        events.extend(page["events"])
        if not page.get("nextToken"):
            return events
        kwargs["nextToken"] = page["nextToken"]


def execution_path(sfn: Any, execution_arn: str) -> list[str]:
    """Names of the states entered, in order (Map/Parallel inner states included)."""
    return [event["stateEnteredEventDetails"]["name"] for event in history(sfn, execution_arn)
            if event["type"].endswith("StateEntered")]


def assert_path(sfn: Any, execution_arn: str, expected: Iterable[str], *, exact: bool = True) -> None:
    """The execution entered `expected` states in order (exactly, or as a subsequence)."""
    path = execution_path(sfn, execution_arn)
    wanted = list(expected)
    if exact:
        assert path == wanted, f"path {path} != expected {wanted}"
        return
    remaining = iter(path)
    missing = [name for name in wanted if not any(step == name for step in remaining)]
    assert not missing, f"path {path} does not visit {wanted} in order (missing from {missing[0]!r})"
