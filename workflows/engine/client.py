"""`StepFunctions`: the engine behind the boto3 stepfunctions client's method names, keyword
arguments, response shapes and error codes, so a test written against it runs unchanged against
Step Functions Local or AWS.

Every call takes the scheduler lock (the HTTP server calls from many threads) and, under the
virtual clock, returns only after every execution ran as far as it can without outside input.
A call made from inside a running task (an in-process Lambda starting an execution or sending a
task token) only enqueues: the drive already in progress picks the work up.
"""
from __future__ import annotations

import json
import threading
from typing import Any, Callable

from workflows.engine import arns
from workflows.engine.activities import ActivityOperations
from workflows.engine.api_core import check_name
from workflows.engine.api_errors import Exceptions, api_error, api_operation
from workflows.engine.aws_behaviour import AwsBehaviour
from workflows.engine.definition_report import DefinitionReportOperations
from workflows.engine.errors import StatesError
from workflows.engine.execution_items import execution_list_item
from workflows.engine.executions import Engine
from workflows.engine.map_runs import MapRunOperations
from workflows.engine.paging import page
from workflows.engine.redrive import RedriveOperations, map_run_of, redrive_fields, redrive_filter_matches
from workflows.engine.request_limits import check_payload
from workflows.engine.runtime import Execution, to_datetime
from workflows.engine.state_machines import StateMachineOperations
from workflows.engine.tags import TagOperations, TagStore
from workflows.engine.plugins import TEST_STATE, plugin
from workflows.engine.task_mocks import MockSource, TaskMocks, load_task_mocks


class StepFunctions(StateMachineOperations, TagOperations, ActivityOperations, DefinitionReportOperations,
                    RedriveOperations, MapRunOperations):
    def __init__(self, region_name: str = "us-east-1", account_id: str = "123456789012",
                 mock_config: TaskMocks | MockSource | None = None, clock: str = "virtual",
                 client_factory: Callable[[str], Any] | None = None, seed: int | None = None,
                 aws_behaviour_as_of: Any = None) -> None:
        self.region_name = region_name
        self.account_id = account_id
        self._engine = Engine(region_name, account_id, clock, client_factory, load_task_mocks(mock_config), seed)
        self._engine.behaviour = AwsBehaviour.as_of(aws_behaviour_as_of)  # None: current AWS
        self._lock = self._engine.scheduler.lock
        self.exceptions = Exceptions()
        self._tags = TagStore()
        self._versions = {}
        self._started_via = {}

    # ---- helpers ----------------------------------------------------------------------------
    @property
    def engine(self) -> Engine:
        return self._engine

    def _execution(self, arn: Any) -> Execution:
        execution = self._engine.executions.get(arn) if isinstance(arn, str) else None
        if execution is not None:  # a known execution's ARN is valid: check the shape only when unknown
            return execution
        found = arns.expect(arn, "execution", "express")
        if execution is None:
            raise api_error("ExecutionDoesNotExist", f"Execution Does Not Exist: '{found.text}'")
        return execution

    def _drive(self) -> None:
        self._engine.scheduler.kick()

    # ---- executions -------------------------------------------------------------------------
    def _start(self, stateMachineArn: str, name: str | None, input: str | None, sync: bool) -> Execution:
        machine_arn, _, test_case = (stateMachineArn if isinstance(stateMachineArn, str) else "").partition("#")
        target = self._start_target(machine_arn if test_case else stateMachineArn)
        machine = target.revision
        if name is not None:
            check_name(name)
        text = "{}" if input is None else input
        check_payload(text, "input")
        try:
            value = json.loads(text)
        except (TypeError, ValueError, RecursionError):
            raise api_error("InvalidExecutionInput",
                            "Invalid State Machine Execution Input: 'Input is not valid JSON'") from None
        if sync and machine.type != "EXPRESS":
            raise api_error("StateMachineTypeNotSupported",
                            "This operation is not supported by this type of state machine")
        if name is not None and machine.type == "STANDARD":
            existing = self._engine.executions.get(self._engine.execution_arn(machine, name, False))
            if existing is not None:
                if existing.input_text == text and existing.running:
                    return existing
                raise api_error("ExecutionAlreadyExists", f"Execution Already Exists: '{existing.arn}'")
        if test_case and self._engine.mocker is None:
            raise api_error("ValidationException", f"No mock configuration is loaded for test case '{test_case}'")
        execution = self._engine.start(machine, name, text, value, sync=sync, test_case=test_case or None)
        if target.version_arn is not None:
            self._started_via[execution.arn] = target
        return execution

    def start_execution(self, *, stateMachineArn: str, name: str | None = None, input: str | None = None,
                        traceHeader: str | None = None) -> dict[str, Any]:
        with self._lock:
            execution = self._start(stateMachineArn, name, input, sync=False)
            self._drive()
            return {"executionArn": execution.arn, "startDate": to_datetime(execution.start)}

    def start_sync_execution(self, *, stateMachineArn: str, name: str | None = None,
                             input: str | None = None, traceHeader: str | None = None,
                             includedData: str | None = None) -> dict[str, Any]:
        scheduler = self._engine.scheduler
        with self._lock:
            execution = self._start(stateMachineArn, name, input, sync=True)
            if scheduler.virtual:
                scheduler.run_until_idle()
                if execution.running:
                    scheduler.run_until_idle(ignore_external=True, until=lambda: not execution.running)
            else:
                scheduler.kick()
        if not scheduler.virtual and not scheduler.in_loop:
            finished = threading.Event()
            with self._lock:
                execution.done.add_done_callback(lambda _: finished.set())
            finished.wait()
        with self._lock:
            response = {
                "executionArn": execution.arn, "stateMachineArn": execution.machine.arn,
                "name": execution.name, "startDate": to_datetime(execution.start),
                "stopDate": to_datetime(execution.stop or scheduler.now()), "status": execution.status,
                "input": execution.input_text, "inputDetails": {"included": True},
                "billingDetails": {"billedMemoryUsedInMB": 64, "billedDurationInMilliseconds": 100},
            }
            self._outcome(execution, response)
            return response

    @staticmethod
    def _outcome(execution: Execution, response: dict[str, Any]) -> None:
        if execution.output_text is not None:
            response["output"] = execution.output_text
            response["outputDetails"] = {"included": True}
        if execution.error is not None:
            response["error"] = execution.error
        if execution.cause is not None:
            response["cause"] = execution.cause

    def describe_execution(self, *, executionArn: str, includedData: str | None = None) -> dict[str, Any]:
        with self._lock:
            execution = self._execution(executionArn)
            response: dict[str, Any] = {
                "executionArn": execution.arn, "stateMachineArn": execution.machine.arn,
                "name": execution.name, "status": execution.status, "startDate": to_datetime(execution.start),
            }
            if execution.stop is not None:
                response["stopDate"] = to_datetime(execution.stop)
            response["input"] = execution.input_text
            response["inputDetails"] = {"included": True}
            self._outcome(execution, response)
            response.update(self._execution_links(execution.arn))
            if not execution.express or map_run_of(execution) is not None:
                response.update(redrive_fields(execution, self._now()))
            return response

    def get_execution_history(self, *, executionArn: str, maxResults: int | None = None,
                              reverseOrder: bool = False, nextToken: str | None = None,
                              includeExecutionData: bool = True) -> dict[str, Any]:
        with self._lock:
            execution = self._execution(executionArn)
            events = list(reversed(execution.events)) if reverseOrder else list(execution.events)
        chunk, token = page(events, maxResults, nextToken)
        shaped = []
        for event in chunk:
            out = dict(event)
            out["timestamp"] = to_datetime(event["timestamp"])
            if not includeExecutionData:
                for key, details in event.items():
                    if key.endswith("EventDetails") and isinstance(details, dict):
                        out[key] = {k: v for k, v in details.items()
                                    if k not in ("input", "output", "parameters")}
            shaped.append(out)
        return {"events": shaped, **({"nextToken": token} if token else {})}

    def list_executions(self, *, stateMachineArn: str | None = None, statusFilter: str | None = None,
                        maxResults: int | None = None, nextToken: str | None = None,
                        mapRunArn: str | None = None, redriveFilter: str | None = None) -> dict[str, Any]:
        with self._lock:
            if mapRunArn is not None:
                if stateMachineArn is not None:
                    raise api_error("ValidationException", "Either a stateMachineArn or a mapRunArn may be "
                                                           "specified, not both")
                items = self._map_run_executions(mapRunArn, statusFilter, redriveFilter)
                chunk, token = page(items, maxResults, nextToken)
                return {"executions": chunk, **({"nextToken": token} if token else {})}
            found = arns.expect(stateMachineArn, "stateMachine")
            machine = self._base_machine(stateMachineArn)
            if found.qualifier is not None:
                self._start_target(stateMachineArn)  # the version or alias must exist
            if machine.type == "EXPRESS":
                raise api_error("StateMachineTypeNotSupported",
                                "This operation is not supported by this type of state machine")
            items = []
            for execution in reversed(machine.executions):
                if statusFilter and execution.status != statusFilter:
                    continue
                if found.qualifier is not None and not self._started_through(execution.arn, stateMachineArn):
                    continue
                if not redrive_filter_matches(execution, redriveFilter):
                    continue
                item = execution_list_item(execution, machine.arn, self._now())
                item.update(self._execution_links(execution.arn))
                items.append(item)
        chunk, token = page(items, maxResults, nextToken)
        return {"executions": chunk, **({"nextToken": token} if token else {})}

    def stop_execution(self, *, executionArn: str, error: str | None = None,
                       cause: str | None = None) -> dict[str, Any]:
        with self._lock:
            execution = self._execution(executionArn)
            if execution.running:
                self._engine.stop(execution, error, cause)
            self._drive()
            return {"stopDate": to_datetime(execution.stop or self._engine.scheduler.now())}

    # ---- callbacks --------------------------------------------------------------------------
    def _open_token(self, token: Any):
        tokens = self._engine.tokens
        if not tokens.well_formed(token):
            raise api_error("InvalidToken", f"Invalid Token: '{token}'")
        record = tokens.get(token)
        if record is None:  # well-formed but never issued (AWS's wording, as recorded)
            raise api_error("InvalidToken", "Invalid Token: 'Invalid token'")
        if not record.open:
            raise api_error("TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'")
        return record

    def send_task_success(self, *, taskToken: str, output: str) -> dict[str, Any]:
        with self._lock:
            check_payload(output, "output")
            record = self._open_token(taskToken)
            try:
                value = json.loads(output)
            except (TypeError, ValueError, RecursionError):
                raise api_error("InvalidOutput", "Invalid Output: 'Output is not valid JSON'") from None
            record.open = False
            record.future.set_result(value)
            self._drive()
            return {}

    def send_task_failure(self, *, taskToken: str, error: str | None = None,
                          cause: str | None = None) -> dict[str, Any]:
        with self._lock:
            record = self._open_token(taskToken)
            record.open = False
            record.future.set_exception(StatesError(error if error is not None else "", cause))
            self._drive()
            return {}

    def send_task_heartbeat(self, *, taskToken: str) -> dict[str, Any]:
        with self._lock:
            record = self._open_token(taskToken)
            record.last_beat = self._engine.scheduler.now()
            self._drive()
            return {}

    # ---- local extras -----------------------------------------------------------------------
    def register_lambda(self, name_or_arn: str, handler: Callable[[Any, Any], Any]) -> None:
        self._engine.lambdas.register(name_or_arn, handler)

    def advance(self, seconds: float) -> None:
        scheduler = self._engine.scheduler
        if not scheduler.virtual:
            raise RuntimeError("advance() needs the virtual clock (StepFunctions(clock='virtual'))")
        if seconds < 0:
            raise ValueError(f"advance() needs seconds >= 0, not {seconds}")
        scheduler.advance(seconds)

    def test_state(self, **kwargs: Any) -> dict[str, Any]:
        """AWS's TestState: the state runs by the engine's own handler in inspection mode
        (`inspection`); the request checks live with the harness (the `workflows.test_state` plugin)."""
        return plugin(TEST_STATE)(self, **kwargs)


# Local extras, not Step Functions operations (their errors name no operation).
_LOCAL_METHODS = {"register_lambda", "advance", "test_state", "engine"}
for _name in [n for n in dir(StepFunctions) if not n.startswith("_") and n not in _LOCAL_METHODS]:
    if callable(getattr(StepFunctions, _name)):
        setattr(StepFunctions, _name, api_operation(getattr(StepFunctions, _name)))
