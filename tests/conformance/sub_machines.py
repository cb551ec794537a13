"""The state machines a corpus case's execution starts (states:startExecution, aws-sdk:sfn), rebuilt
from the recording.

The corpus keeps only the definition whose execution was recorded; the target machines the test
created first are gone. What each target did is in the parent's recorded history: a `.sync` task's
TaskSucceeded output is the child's DescribeExecution (Status, Output), its TaskFailed cause the
child's failure (Status, Error, Cause). So each target is rebuilt as the smallest machine that ends
the same way: a Pass state with the recorded Output as its Result, or a Fail state with the recorded
Error and Cause. A target the parent only starts (no `.sync`) is a Pass; a `.sync` target whose
recorded outcome is not the child's (the parent was answered through its task token instead) waits
on an activity nobody works, so only the token can end the parent's task. A target the recording
shows missing (StateMachineDoesNotExist) is not created.
"""
from __future__ import annotations

import json
from typing import Any, Callable

UNANSWERED_ACTIVITY = "conformance-unanswered"
_OUTCOMES = ("TaskSucceeded", "TaskFailed", "TaskTimedOut")


def _detail(event: dict[str, Any]) -> dict[str, Any]:
    return next((v for k, v in event.items() if k.endswith("EventDetails") and isinstance(v, dict)), {})


def _as_value(text: Any) -> Any:
    if isinstance(text, str):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def _target_definition(resource: str, outcome: dict[str, Any] | None, activity_arn: str) -> dict[str, Any] | None:
    details = _detail(outcome) if outcome else {}
    if outcome is not None and outcome["type"] == "TaskFailed":
        cause = _as_value(details.get("cause"))
        if isinstance(cause, dict) and cause.get("Status") == "FAILED":
            fail = {"Type": "Fail"}
            fail.update({k: cause[v] for k, v in (("Error", "Error"), ("Cause", "Cause")) if v in cause})
            return {"StartAt": "Failed", "States": {"Failed": fail}}
        if "StateMachineDoesNotExist" in str(details.get("error")):
            return None
    if outcome is not None and outcome["type"] == "TaskSucceeded":
        output = _as_value(details.get("output"))
        if isinstance(output, dict) and output.get("Status") == "SUCCEEDED" and "Output" in output:
            return {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "Result": _as_value(output["Output"]),
                                                           "End": True}}}
    if ".sync" in resource:
        return {"StartAt": "Held", "States": {"Held": {"Type": "Task", "Resource": activity_arn, "End": True}}}
    return {"StartAt": "Started", "States": {"Started": {"Type": "Pass", "End": True}}}


def target_machines(case: dict[str, Any], concrete: Callable[[Any], Any],
                    activity_arn: str) -> dict[str, dict[str, Any]]:
    """{state machine ARN: definition} for every machine the recorded execution starts."""
    targets: dict[str, dict[str, Any]] = {}
    history = case.get("history") or []
    for index, event in enumerate(history):
        if event["type"] != "TaskScheduled":
            continue
        details = _detail(event)
        resource = details.get("resource", "")
        if not resource.startswith("startExecution"):
            continue
        parameters = _as_value(details.get("parameters"))
        arn = concrete(parameters.get("StateMachineArn")) if isinstance(parameters, dict) else None
        if not isinstance(arn, str) or arn in targets:
            continue
        outcome = next((e for e in history[index + 1:] if e["type"] in _OUTCOMES), None)
        definition = _target_definition(resource, outcome, activity_arn)
        if definition is not None:
            targets[arn] = definition
    return targets
