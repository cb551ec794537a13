"""TestState as a mode of the engine: one state run by its real handler, with inspection hooks.

Why: AWS's TestState API evaluates one state with no execution around it and reports what it did
(status SUCCEEDED / CAUGHT_ERROR / RETRIABLE / FAILED, the output, the next state and, at DEBUG,
the data after each step). Re-implementing a state's data flow, Retry backoff or a Map's tolerated
failures for it gives a second copy of each rule that drifts; so the engine's own handlers run it.
They consult `frame.inspector` (None in executions) at the few points TestState differs:
- `note(key, value)`: the inspection data points (afterInputPath, afterParameters/afterArguments,
  result, afterResultSelector, afterResultPath, afterItemsPath, maxConcurrency,
  toleratedFailureCount/Percentage; `variables` after the state);
- the work: a Task's outcome is the call's mock (through `InspectionServices.mocked_result`, the
  same hook MockConfigFile mocks use) or the real integration; a Map's or Parallel's children are
  not run, the mock stands for their results, and `mapIterationFailureCount` failed iterations are
  judged by the Map's own tolerance rule (`map_runs.tolerated`);
- Retry: one attempt; `retrierRetryCount` retries are taken as done, so a retrier with attempts
  left makes the state RETRIABLE with its backoff (errorDetails.retryIndex /
  retryBackoffIntervalSeconds), otherwise Catch runs as in an execution (CAUGHT_ERROR, catchIndex);
- the context object is the one TestState was given (or made for it), and causes carry no
  "An error occurred while executing the state" prefix, as AWS's TestState answers show.
The state runs on a private virtual clock (a Wait returns at once), its events go nowhere.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workflows.engine import errors as names
from workflows.engine import model as m
from workflows.engine.aws_behaviour import AwsBehaviour
from workflows.engine.errors import StatesError
from workflows.engine.integrations import ClientProvider, ResourceRef
from workflows.engine.json_value import JSON, JSONObject
from workflows.engine.map_runs import THRESHOLD_CAUSE, tolerated
from workflows.engine.runtime import Execution, Frame, StateMachineRecord, dumps
from workflows.engine.scheduler import Scheduler
from workflows.engine.tokens import TokenRegistry

if TYPE_CHECKING:
    from workflows.engine.executions import Engine


@dataclass(frozen=True)
class StateConfiguration:
    """TestState's stateConfiguration."""

    retrier_retry_count: int = 0
    map_iteration_failure_count: int | None = None
    map_item_reader_data: list[JSON] | None = None
    error_caused_by_state: str | None = None


@dataclass(frozen=True)
class StateMock:
    """TestState's mock as a `task_mocks.MockedOutcome`: "return" a result or "throw" an error."""

    kind: str
    value: JSON = None
    error: str | None = None
    cause: str | None = None


class StopInspection(BaseException):
    """Ends the evaluation where TestState stops: a retrier would retry (RETRIABLE)."""


@dataclass
class Outcome:
    status: str
    output: JSON = None
    has_output: bool = False
    error: str | None = None
    cause: str | None = None
    next_state: str | None = None
    data: JSONObject = field(default_factory=dict)


class Inspector:
    """The hooks the state handlers consult under TestState (`frame.inspector`)."""

    def __init__(self, context: JSONObject, config: StateConfiguration, mock: StateMock | None,
                 detailed: bool) -> None:
        self.context = context
        self.config = config
        self.mock = mock
        self.detailed = detailed
        self.data: JSONObject = {}
        self.error_details: JSONObject = {}
        self.status = "SUCCEEDED"
        self.error: StatesError | None = None  # the error that was caught or would be retried

    @property
    def retry_count(self) -> int:
        return self.config.retrier_retry_count

    def note(self, key: str, value: JSON) -> None:
        if self.detailed:
            self.data[key] = value

    # ---- Retry / Catch ------------------------------------------------------------------------
    def retriable(self, index: int, delay: float, error: StatesError) -> StopInspection:
        self.error_details["retryIndex"] = index
        self.error_details["retryBackoffIntervalSeconds"] = int(delay) if float(delay).is_integer() else delay
        self.status, self.error = "RETRIABLE", error
        return StopInspection()

    def retries_exhausted(self, index: int) -> None:
        self.error_details["retryIndex"] = index

    def caught(self, index: int, error: StatesError) -> None:
        self.error_details["catchIndex"] = index
        self.status, self.error = "CAUGHT_ERROR", error

    # ---- Map / Parallel -------------------------------------------------------------------------
    def reader_items(self) -> list[JSON]:
        return list(self.config.map_item_reader_data or [])

    def children_result(self, state: m.RetryingState, values: list[JSON], count: int | None,
                        percent: float | None) -> JSON:
        """What the Map's iterations or the Parallel's branches gave: the mock."""
        result = _outcome_of(self.mock, state)
        failures = self.config.map_iteration_failure_count
        if isinstance(state, m.MapState) and failures and (count is not None or percent is not None):
            total = len(result) if isinstance(result, list) else len(values)
            if not tolerated(failures, total, count, percent):
                raise StatesError(names.EXCEED_TOLERATED_FAILURE_THRESHOLD, THRESHOLD_CAUSE)
        return result


def _outcome_of(mock: StateMock | None, state: m.State) -> JSON:
    if mock is None:
        raise StatesError(names.RUNTIME, f"State '{state.name}' needs a mock to be tested offline")
    if mock.kind == "throw":
        raise StatesError(mock.error, mock.cause)
    return mock.value


class InspectionServices:
    """`services.Services` for one TestState evaluation: a private virtual clock, fresh task tokens,
    the client's boto3 clients and behaviour; a Task's outcome is the mock, or without one the
    client's real integration (none when TestState runs without a client)."""

    def __init__(self, engine: Engine | None, region: str, account_id: str, partition: str,
                 mock: StateMock | None) -> None:
        self.scheduler = Scheduler("virtual")
        self.rng = random.Random()
        self.tokens = TokenRegistry(self.rng, self.scheduler.now)
        self.clients = engine.clients if engine is not None else ClientProvider(region, None)
        self.behaviour = engine.behaviour if engine is not None else AwsBehaviour()
        self.activities: JSONObject = engine.activities if engine is not None else {}
        self.region, self.account_id, self.partition = region, account_id, partition
        self._engine = engine
        self._mock = mock

    @property
    def arn_prefix(self) -> str:
        return f"arn:{self.partition}:states:{self.region}:{self.account_id}"

    def mocked_result(self, execution: Execution, state: m.TaskState, params: JSON) -> StateMock | None:
        return self._mock

    async def run_integration(self, ref: ResourceRef, params: JSON, frame: Frame, state: m.TaskState,
                              token: str | None, events: Any) -> JSON:
        from workflows.engine.executions import TaskEnvironment  # the engine behind a client

        engine = self._engine
        if engine is None or ref.kind == "activity":
            _outcome_of(None, state)
        assert engine is not None
        if ref.kind == "lambda-function":
            return await self.scheduler.blocking(lambda: engine.lambdas.invoke(ref.arn, params, self.clients))
        environment = TaskEnvironment(self, frame.execution, lambda output: None)
        return await engine.registry.resolve(ref).invoke(ref, params, environment)


def inspect_state(state: m.State, raw: JSON, variables: JSONObject, inspector: Inspector,
                  services: InspectionServices, role_arn: str | None) -> Outcome:
    """Run `state` once on `raw` by its real handler under `inspector`; what TestState answers."""
    from workflows.engine.interpreter import HANDLERS  # the one handler table

    execution_ctx = inspector.context.get("Execution") or {}
    machine_ctx = inspector.context.get("StateMachine") or {}
    program = m.Program(state.name, {state.name: state}, state.query_language)
    machine = StateMachineRecord(str(machine_ctx.get("Id", "")), str(machine_ctx.get("Name", "")), "", program,
                                 role_arn or "", "EXPRESS", services.scheduler.now())
    execution = Execution(services, machine, str(execution_ctx.get("Id", "")),
                          str(execution_ctx.get("Name", "")), raw, dumps(raw), services.scheduler.now(),
                          express=True, sync=True)
    frame = Frame(execution, program, dict(variables))
    frame.inspector = inspector
    inspector.note("input", raw)
    task = services.scheduler.spawn(HANDLERS[state.type](state, raw, frame, 1, 0.0))
    services.scheduler.run_until_idle(ignore_external=True)
    outcome = _outcome(task, inspector, state)
    if frame.variables and inspector.detailed:
        inspector.note("variables", dict(frame.variables))
    if inspector.error_details:
        inspector.note("errorDetails", inspector.error_details)
    outcome.data = inspector.data
    return outcome


def _outcome(task: Any, inspector: Inspector, state: m.State) -> Outcome:
    if not task.done():
        task.cancel()
        return Outcome("FAILED", error=names.RUNTIME,
                       cause=f"State '{state.name}' waits for a task token: TestState needs a mock for it")
    error = task.exception()
    if error is None:
        next_state, output = task.result()
        caught = inspector.error
        return Outcome(inspector.status, output, True, caught.error if caught else None,
                       caught.cause if caught else None, next_state)
    if isinstance(error, StopInspection):
        retried = inspector.error
        assert retried is not None
        return Outcome("RETRIABLE", error=retried.error, cause=retried.cause)
    if isinstance(error, StatesError):
        return Outcome("FAILED", error=error.error, cause=error.cause)
    raise error
