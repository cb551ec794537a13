"""The Task state: parameters, integration patterns, timeouts, heartbeats, history events.

The runner is the same for every service: it renders the parameters, records the scheduled /
started events (Lambda function ARNs and activities have their own event families), consults the
mock hook, then races the integration against TimeoutSeconds and (for callbacks) HeartbeatSeconds.
A callback task (`.waitForTaskToken`) sends its request, records TaskSubmitted and waits for the
token; AWS reports a heartbeat expiry as States.Timeout, as the recorded corpus shows.
"""
from __future__ import annotations

from typing import Any

from workflows.engine import errors as names
from workflows.engine import model as m
from workflows.engine.dataflow import arguments, input_path, parameters
from workflows.engine.dynamic import resolve
from workflows.engine.errors import StatesError
from workflows.engine.expressions import EvaluationError
from workflows.engine.integrations import SYNC, SYNC2, WAIT_FOR_TASK_TOKEN, ResourceRef
from workflows.engine.json_value import Context, JSON, JSONObject
from workflows.engine.retry import with_recovery
from workflows.engine.runtime import NOT_TRUNCATED, Frame, dumps
from workflows.engine.scheduler import first_of
from workflows.engine.state_exit import Step, finish_with_result, jsonata_states, limited_json


TOKEN_PATTERNS = (WAIT_FOR_TASK_TOKEN, SYNC, SYNC2)


class TaskTimedOut(StatesError):
    """TimeoutSeconds/HeartbeatSeconds expired: no cause in history, `"Cause": ""` when caught."""

    catch_cause = ""

    def __init__(self) -> None:
        super().__init__(names.TIMEOUT, None)


async def run_task(state: m.TaskState, raw: JSON, frame: Frame, entered_id: int, entered_at: float) -> Step:
    services = frame.services
    ref = state.resource
    assert ref is not None

    async def attempt(retry_count: int) -> Step:
        # A callback task and a .sync task have a task token ($$.Task.Token); a .sync task's job may
        # also be completed through it (SendTaskSuccess/Failure), as AWS does.
        token = services.tokens.new_token(frame.execution.arn) if ref.pattern in TOKEN_PATTERNS else None
        ctx = frame.context(state.name, entered_at, retry_count, token)
        states = jsonata_states(raw, ctx) if state.jsonata else None
        if states is not None:
            params = arguments(state.parameters, raw, frame, states)
            frame.note("afterArguments", params)
        else:
            params = parameters(state.parameters, input_path(state, raw, frame, ctx), frame, ctx)
            frame.note("afterParameters", params)
        timeout = resolve(state.timeout_seconds, raw, frame.variables, ctx, states)
        heartbeat = resolve(state.heartbeat_seconds, raw, frame.variables, ctx, states)
        credentials = _credentials(state, raw, frame, ctx, states)
        result = await invoke(state, ref, params, frame, timeout, heartbeat, token, credentials)
        return finish_with_result(state, raw, result, frame, ctx)

    return await with_recovery(state, raw, frame, entered_id, entered_at, attempt)


def _credentials(state: m.TaskState, raw: JSON, frame: Frame, ctx: Context,
                 states: dict | None) -> JSONObject | None:
    """Task `Credentials` (cross-account role): recorded as taskCredentials in the scheduled event."""
    if state.credentials is None:
        return None
    if states is not None:
        rendered = arguments(state.credentials, None, frame, states, "Credentials")
    else:
        rendered = parameters(state.credentials, raw, frame, ctx, field="Credentials")
    role = rendered.get("RoleArn") if isinstance(rendered, dict) else None
    return {"roleArn": role} if role is not None else None


class _Events:
    """History event names/details for the three task families."""

    def __init__(self, ref: ResourceRef) -> None:
        self.ref = ref
        if ref.kind == "lambda-function":
            self.family = "LambdaFunction"
        elif ref.kind == "activity":
            self.family = "Activity"
        else:
            self.family = "Task"

    def _key(self, suffix: str) -> str:
        return self.family[0].lower() + self.family[1:] + suffix + "EventDetails"

    def _resource(self) -> JSONObject:
        if self.family == "Task":
            return {"resource": self.ref.history_resource, "resourceType": self.ref.history_resource_type}
        return {}

    def scheduled(self, frame: Frame, params: JSON, region: str, timeout: int | None,
                  heartbeat: int | None, credentials: dict | None = None) -> None:
        if self.family == "Task":
            details: JSONObject = {"parameters": dumps(params), "region": region, **self._resource()}
        else:
            details = {"input": dumps(params), "inputDetails": NOT_TRUNCATED, "resource": self.ref.arn}
        if timeout is not None:
            details["timeoutInSeconds"] = timeout
        if heartbeat is not None:
            details["heartbeatInSeconds"] = heartbeat
        if credentials is not None:
            details["taskCredentials"] = credentials
        frame.emit(self.family + "Scheduled", self._key("Scheduled"), details)

    def started(self, frame: Frame) -> None:
        if self.family == "Task":
            frame.emit("TaskStarted", "taskStartedEventDetails", self._resource())
        elif self.family == "Activity":
            frame.emit("ActivityStarted", "activityStartedEventDetails", {})
        else:
            frame.emit("LambdaFunctionStarted")

    def submitted(self, frame: Frame, output: JSON) -> None:
        frame.emit("TaskSubmitted", "taskSubmittedEventDetails",
                   {"output": dumps(output), "outputDetails": NOT_TRUNCATED, **self._resource()})

    def succeeded(self, frame: Frame, output_text: str) -> None:
        frame.emit(self.family + "Succeeded", self._key("Succeeded"),
                   {"output": output_text, "outputDetails": NOT_TRUNCATED, **self._resource()})

    def failed(self, frame: Frame, error: StatesError) -> None:
        details: JSONObject = {}
        if error.cause is not None:
            details["cause"] = error.cause
        if error.error is not None:  # SendTaskFailure without an error: AWS records none
            details["error"] = error.error
        details.update(self._resource())
        frame.emit(self.family + "Failed", self._key("Failed"), details)

    def timed_out(self, frame: Frame) -> None:
        frame.emit(self.family + "TimedOut", self._key("TimedOut"),
                   {"error": names.TIMEOUT, **self._resource()})


async def invoke(state: m.TaskState, ref: ResourceRef, params: JSON, frame: Frame, timeout: int | None,
                 heartbeat: int | None, token: str | None, credentials: dict | None = None) -> JSON:
    execution = frame.execution
    services = frame.services
    events = _Events(ref)
    if ref.kind == "activity" and ref.arn not in services.activities:
        raise EvaluationError(names.RUNTIME, f"The activity {ref.arn} does not exist.")
    events.scheduled(frame, params, ref.region or services.region, timeout, heartbeat, credentials)
    if ref.kind != "activity":
        events.started(frame)
    scheduler = services.scheduler
    mocked = services.mocked_result(execution, state, params)
    if mocked is not None:
        work = scheduler.spawn(_resolved(mocked))
    else:
        work = scheduler.spawn(services.run_integration(ref, params, frame, state, token, events))
    deadline = scheduler.now() + timeout if timeout is not None else None
    timer = scheduler.sleep_until(deadline) if deadline is not None else None
    record = services.tokens.get(token) if token is not None else None
    beat = None
    try:
        while True:
            waits = [work]
            if timer is not None:
                waits.append(timer)
            beat = None
            if heartbeat is not None and record is not None and ref.pattern == WAIT_FOR_TASK_TOKEN:
                beat = scheduler.sleep_until(record.last_beat + heartbeat)
                waits.append(beat)
            done = await first_of(waits)
            if done is work:
                # Under the virtual clock a blocking call (a Lambda handler that sleeps) runs inline:
                # its real duration still counts against TimeoutSeconds, as it would on AWS - its
                # own steps' time only, not the time it queued behind other executions' calls
                # (a thousand deadlines firing at one instant are no slow call).
                if (scheduler.virtual and timeout is not None and ref.pattern == ""
                        and work.wall_seconds > timeout):
                    events.timed_out(frame)
                    raise TaskTimedOut()
                break
            if done is timer or (done is beat and scheduler.now() >= record.last_beat + heartbeat):
                work.cancel()
                if record is not None:
                    services.tokens.close(token, timed_out=True)
                events.timed_out(frame)
                raise TaskTimedOut()
    finally:
        # Also when this task is cancelled (a stopped execution, a failed sibling branch): a timer
        # nobody waits for must not move the virtual clock to its deadline, and an integration
        # nobody waits for must not keep its token counted as awaited outside input.
        if not work.done():
            work.cancel()
        if timer is not None:
            timer.cancel_timer()
        if beat is not None:
            beat.cancel_timer()
    try:
        result = work.result()
        text = limited_json(result, ref.arn if ref.kind != "service" else ref.service)
    except StatesError as error:
        events.failed(frame, error)
        raise
    events.succeeded(frame, text)
    return result


async def _resolved(outcome: Any) -> JSON:
    if outcome.kind == "throw":
        raise StatesError(outcome.error, outcome.cause)
    return outcome.value

