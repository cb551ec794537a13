"""The engine behind the client (`client.StepFunctions`), the `services.Services` executions run with: state machines, executions, tokens, integrations, the scheduler.

All state lives here and is only touched with the scheduler lock held (the client takes it), so the
object is safe for the HTTP server's threads. Execution code runs as coroutines on the scheduler;
`start` spawns one driver coroutine per execution.
"""
from __future__ import annotations

import json
import random
import uuid
from typing import Any, Callable

from workflows.engine.aws_behaviour import AwsBehaviour
from workflows.engine.errors import StatesError
from workflows.engine.integrations import (
    WAIT_FOR_TASK_TOKEN, ClientProvider, ResourceRef, default_registry,
)
from workflows.engine.integrations.lambda_invoke import LambdaFunctions, LambdaInvokeIntegration
from workflows.engine.integrations.states_start import StartExecutionIntegration
from workflows.engine.interpreter import run_program
from workflows.engine.json_value import JSON, JSONObject
from workflows.engine.redrive import forget
from workflows.engine.model import Program
from workflows.engine.quotas import EXPRESS_MAX_SECONDS
from workflows.engine.runtime import (
    NOT_TRUNCATED, Execution, Frame, HistoryLimitExceeded, StateMachineRecord, dumps,
)
from workflows.engine.scheduler import Cancelled, Future, Scheduler, first_of
from workflows.engine.services import Services
from workflows.engine.tokens import TokenRegistry


class TaskEnvironment:
    """What an integration plugin sees for one invocation (see integrations.TaskEnv)."""

    __slots__ = ("engine", "clients", "region", "account_id", "execution", "submitted")

    def __init__(self, engine: Services, execution: Execution, submitted: Callable[[Any], None]) -> None:
        self.engine = engine
        self.clients = engine.clients
        self.region = engine.region
        self.account_id = engine.account_id
        self.execution = execution
        self.submitted = submitted

    def blocking(self, fn: Callable[[], Any]) -> Future:
        return self.engine.scheduler.blocking(fn)


class Engine:
    def __init__(self, region: str, account_id: str, clock: str = "virtual",
                 client_factory: Callable[[str], Any] | None = None, mocker: Any = None,
                 seed: int | None = None) -> None:
        self.region, self.account_id = region, account_id
        self.behaviour = AwsBehaviour()  # the AWS era to emulate; the client may set an older one
        self.partition = "aws-cn" if region.startswith("cn-") else (
            "aws-us-gov" if region.startswith("us-gov-") else "aws")
        self.scheduler = Scheduler(clock)
        self.rng = random.Random(seed)
        self.tokens = TokenRegistry(self.rng, self.scheduler.now)
        self.clients = ClientProvider(region, client_factory)
        self.lambdas = LambdaFunctions(region, account_id)
        self.registry = default_registry()
        self.registry.register("lambda", LambdaInvokeIntegration(self.lambdas))
        self.registry.register("states", StartExecutionIntegration(self))
        self.mocker = mocker
        self.machines: dict[str, StateMachineRecord] = {}
        self.executions: dict[str, Execution] = {}
        self.activities: dict[str, JSONObject] = {}
        self.map_runs: JSONObject = {}  # map_runs.MapRun by ARN

    # ---- arns --------------------------------------------------------------------------------
    @property
    def arn_prefix(self) -> str:
        return f"arn:{self.partition}:states:{self.region}:{self.account_id}"

    def machine_arn(self, name: str) -> str:
        return f"arn:{self.partition}:states:{self.region}:{self.account_id}:stateMachine:{name}"

    def execution_arn(self, machine: StateMachineRecord, name: str, express: bool) -> str:
        if express:
            return (f"arn:{self.partition}:states:{self.region}:{self.account_id}:express:"
                    f"{machine.name}:{name}:{uuid.UUID(int=self.rng.getrandbits(128))}")
        return f"arn:{self.partition}:states:{self.region}:{self.account_id}:execution:{machine.name}:{name}"

    # ---- executions --------------------------------------------------------------------------
    def start(self, machine: StateMachineRecord, name: str | None, input_text: str, value: JSON, *,
              sync: bool = False, test_case: str | None = None,
              parent: Execution | None = None) -> Execution:
        """Start an execution; `value` is `input_text` already parsed (callers validate it first)."""
        name = name or str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        express = machine.type == "EXPRESS"
        arn = self.execution_arn(machine, name, express)
        execution = Execution(self, machine, arn, name, value, input_text, self.scheduler.now(),
                              express=express, sync=sync, test_case=test_case, parent=parent)
        self.executions[arn] = execution
        machine.executions.append(execution)
        execution.add_event("ExecutionStarted", 0, "executionStartedEventDetails",
                            {"input": input_text, "inputDetails": NOT_TRUNCATED, "roleArn": machine.role_arn})
        execution.task = self.scheduler.spawn(self._drive(execution, machine.program))
        return execution

    def start_child(self, machine_arn: Any, name: Any, input_text: str, parent: Execution) -> Execution:
        machine = self.machines.get(machine_arn) if isinstance(machine_arn, str) else None
        if machine is None:
            raise StatesError("StepFunctions.StateMachineDoesNotExistException",
                              f"State Machine Does Not Exist: '{machine_arn}' (Service: AWSStepFunctions; "
                              f"Status Code: 400; Error Code: StateMachineDoesNotExist)")
        if name is not None and not isinstance(name, str):
            raise StatesError("StepFunctions.InvalidNameException", f"Invalid Name: '{name}'")
        existing = self.executions.get(self.execution_arn(machine, name, False)) if name else None
        if existing is not None and machine.type == "STANDARD":
            raise StatesError("StepFunctions.ExecutionAlreadyExistsException",
                              f"Execution Already Exists: '{existing.arn}'")
        try:
            value = json.loads(input_text)
        except ValueError:
            raise StatesError("StepFunctions.InvalidExecutionInputException",
                              "Invalid State Machine Execution Input: 'Input is not valid JSON'") from None
        return self.start(machine, name, input_text, value, parent=parent)

    def resume(self, execution: Execution, since: float) -> None:
        """Run a redriven execution on from where it stopped; TimeoutSeconds counts from `since`."""
        execution.task = self.scheduler.spawn(
            self._drive(execution, execution.machine.program, execution.top_frame, since))

    async def _drive(self, execution: Execution, program: Program, frame: Frame | None = None,
                     since: float | None = None) -> None:
        if frame is None:
            frame = execution.top_frame = Frame(execution, program, execution.root_variables)
        body = self.scheduler.spawn(run_program(program, execution.input, frame))
        limit = program.timeout_seconds
        if execution.express:  # AWS ends an Express execution after five minutes at most
            limit = min(limit or EXPRESS_MAX_SECONDS, EXPRESS_MAX_SECONDS)
        timer = None
        if limit:
            timer = execution.deadline = self.scheduler.sleep_until(
                (execution.start if since is None else since) + limit)
            if execution.express and self.scheduler.virtual:
                execution.wall_deadline = execution.wall_start + limit
        try:
            done = await first_of([body] + ([timer] if timer is not None else []))
            if done is not body:
                body.cancel()
                execution.finish("TIMED_OUT", error="States.Timeout", previous=frame.last_id)
                return
            error = body.exception()
            if error is None:
                execution.finish("SUCCEEDED", output=body.result(), output_text=frame.text_of(body.result()),
                                 previous=frame.last_id)
                forget(execution)
            elif isinstance(error, StatesError):
                execution.finish("FAILED", error=error.error, cause=error.cause, previous=frame.last_id)
            elif not isinstance(error, (Cancelled, HistoryLimitExceeded)):
                # an engine bug must still end the execution, visibly
                execution.finish("FAILED", error="States.Runtime",
                                 cause=f"Internal error: {type(error).__name__}: {error}",
                                 previous=frame.last_id)
        except Cancelled:  # stopped, or failed on its history quota
            body.cancel()
        finally:
            if timer is not None:
                timer.cancel_timer()
            self.tokens.close_execution(execution.arn)

    def stop(self, execution: Execution, error: str | None, cause: str | None) -> None:
        if execution.task is not None:
            execution.task.cancel()
        execution.finish("ABORTED", error=error, cause=cause, previous=0)  # AWS: previousEventId 0
        self.tokens.close_execution(execution.arn)

    # ---- tasks -------------------------------------------------------------------------------
    def mocked_result(self, execution: Execution, state: Any, params: JSON) -> Any:
        """The mock hook's outcome for this Task, or None to run the real integration.

        A mock that does not fit its integration (the harness's MockValidationError) or a test case
        the file lacks fails the execution with States.Runtime naming the state and the problem,
        instead of surfacing as an anonymous internal error.
        """
        if self.mocker is None or not execution.test_case:
            return None
        try:
            return self.mocker.mocked_result(
                state_machine_name=execution.machine.name, test_case=execution.test_case,
                state_name=state.name, execution_arn=execution.arn, resource=state.resource_text,
                parameters=params)
        except StatesError:
            raise
        except Exception as error:  # noqa: BLE001 - the mock config is wrong, not the engine
            raise StatesError("States.Runtime", f"The mocked response for state '{state.name}' (test case "
                                                f"'{execution.test_case}') is invalid: "
                                                f"{type(error).__name__}: {error}") from None

    async def run_integration(self, ref: ResourceRef, params: JSON, frame: Frame, state: Any,
                              token: str | None, events: Any) -> Any:
        execution = frame.execution
        if ref.kind == "lambda-function":
            return await self.scheduler.blocking(lambda: self.lambdas.invoke(ref.arn, params, self.clients))
        if ref.kind == "activity":
            return await self._activity(ref, params, frame, events)
        integration = self.registry.resolve(ref)
        env = TaskEnvironment(self, execution, lambda output: events.submitted(frame, output))
        result = await integration.invoke(ref, params, env)
        if ref.pattern != WAIT_FOR_TASK_TOKEN:
            return result
        events.submitted(frame, result)
        record = self.tokens.get(token)
        return await self.scheduler.external(record.future)

    async def _activity(self, ref: ResourceRef, params: JSON, frame: Frame, events: Any) -> Any:
        activity = self.activities.get(ref.arn)
        if activity is None:
            raise StatesError("States.Runtime", f"Activity does not exist: '{ref.arn}'")
        token = self.tokens.new_token(frame.execution.arn)
        record = self.tokens.get(token)
        record.activity_arn = ref.arn
        record.input_text = dumps(params)
        record.extra["on_start"] = lambda worker: (events.started(frame) if worker is None else frame.emit(
            "ActivityStarted", "activityStartedEventDetails", {"workerName": worker}))
        activity["queue"].append(token)
        return await self.scheduler.external(record.future)
