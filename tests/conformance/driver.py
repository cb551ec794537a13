"""What the recorded test did while its execution ran, done again: answer task tokens, work
activities, stop the execution, and let time pass.

The corpus's `needs` say a test called SendTaskSuccess / SendTaskFailure, ran an activity worker or
called StopExecution; the recorded history says with what. Each callback task's recorded outcome
(TaskSucceeded output, TaskFailed error and cause, or TaskTimedOut: no answer) is sent, in order,
with the token the engine handed out (found in the task's parameters, as the test's worker found it
in the SQS message or SNS notification); each activity's recorded outcome is sent by a worker that
takes the task with GetActivityTask under the recorded worker name. When the execution waits and
nothing is left to answer, the virtual clock moves on: that is how the recorded timeouts happen
without waiting.
"""
from __future__ import annotations

import json
import time
from collections import deque
from typing import Any, Callable

_CALLBACK_OUTCOMES = ("TaskSucceeded", "TaskFailed", "TaskTimedOut")
_ACTIVITY_OUTCOMES = ("ActivitySucceeded", "ActivityFailed", "ActivityTimedOut")
TOKEN_PLACEHOLDER = "<task_token:"
MAX_ROUNDS = 50
TIME_STEP_SECONDS = 3600


def _detail(event: dict[str, Any]) -> dict[str, Any]:
    return next((v for k, v in event.items() if k.endswith("EventDetails") and isinstance(v, dict)), {})


def _text(value: Any) -> str:
    """A recorded detail value as the JSON text the API carried (objects were parsed by the recorder)."""
    return value if isinstance(value, str) else json.dumps(value)


class Plan:
    """The recorded interactions, in order."""

    def __init__(self, case: dict[str, Any], concrete: Callable[[Any], Any]) -> None:
        self.callbacks: deque[dict[str, Any]] = deque()
        self.activities: deque[dict[str, Any]] = deque()
        self.stop: dict[str, Any] | None = None
        self.stop_after = 0  # events the recording shows before the stop
        waiting_on_token = False
        for index, event in enumerate(case.get("history") or []):
            kind = event["type"]
            if kind == "TaskScheduled":
                waiting_on_token = TOKEN_PLACEHOLDER in json.dumps(_detail(event).get("parameters"))
            elif kind in _CALLBACK_OUTCOMES and waiting_on_token:
                self.callbacks.append(concrete(event))
                waiting_on_token = False
            elif kind == "ActivityStarted":
                self.activities.append({"started": concrete(_detail(event))})
            elif kind in _ACTIVITY_OUTCOMES and self.activities:
                self.activities[-1]["outcome"] = concrete(event)
            elif kind == "ExecutionAborted":
                self.stop = concrete(_detail(event))
                self.stop_after = index

    @property
    def empty(self) -> bool:
        return not (self.callbacks or self.activities or self.stop is not None)


def _answer(sfn: Any, token: str, outcome: dict[str, Any] | None) -> None:
    if outcome is None or outcome["type"].endswith("TimedOut"):
        return  # the recording shows a timeout: the clock will bring it
    details = _detail(outcome)
    if outcome["type"].endswith("Succeeded"):
        sfn.send_task_success(taskToken=token, output=_text(details.get("output")))
        return
    failure = {k: _text(details[k]) if k == "cause" else details[k] for k in ("error", "cause") if k in details}
    sfn.send_task_failure(taskToken=token, **failure)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        try:
            return _strings(json.loads(value)) if value[:1] in "{[" else [value]
        except ValueError:
            return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _open_tokens(sfn: Any, execution_arn: str) -> list[str]:
    """Task tokens the execution's scheduled tasks carry and the engine still waits on."""
    tokens = sfn.engine.tokens
    found: list[str] = []
    for event in sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]:
        if event["type"] != "TaskScheduled":
            continue
        for text in _strings(event["taskScheduledEventDetails"].get("parameters")):
            record = tokens.get(text) if tokens.well_formed(text) else None
            if record is not None and record.open and text not in found:
                found.append(text)
    return found


def _wait_for_events(sfn: Any, execution_arn: str, count: int, seconds: float = 2.0) -> None:
    """Real clock: let the execution get as far as the recording shows before the test stopped it."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if len(sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]) >= count:
            return
        time.sleep(0.005)


def drive(sfn: Any, execution_arn: str, plan: Plan, activity_arn: str | None) -> None:
    """Play the recorded interactions until the execution stops (or nothing more can happen)."""
    answered: set[str] = set()
    for _ in range(MAX_ROUNDS):
        if sfn.describe_execution(executionArn=execution_arn)["status"] != "RUNNING":
            return
        if plan.stop is not None:
            stop, plan.stop = plan.stop, None
            _wait_for_events(sfn, execution_arn, plan.stop_after)
            sfn.stop_execution(executionArn=execution_arn, **{k: stop[k] for k in ("error", "cause") if k in stop})
            continue
        acted = False
        if plan.activities and activity_arn is not None:
            step = plan.activities[0]
            worker = step["started"].get("workerName")
            task = sfn.get_activity_task(activityArn=activity_arn, **({"workerName": worker} if worker else {}))
            if task.get("taskToken"):
                plan.activities.popleft()
                _answer(sfn, task["taskToken"], step.get("outcome"))
                acted = True
        for token in _open_tokens(sfn, execution_arn):
            if token not in answered and plan.callbacks:
                answered.add(token)
                _answer(sfn, token, plan.callbacks.popleft())
                acted = True
        if not acted:
            sfn.advance(TIME_STEP_SECONDS)
