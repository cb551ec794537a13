"""`StepFunctions`: the engine behind the boto3 stepfunctions client's method names, keyword
arguments, response shapes and error codes, so a test written against it runs unchanged against
Step Functions Local or AWS.

Every call takes the scheduler lock (the HTTP server calls from many threads) and, under the
virtual clock, returns only after every execution ran as far as it can without outside input.
A call made from inside a running task (an in-process Lambda starting an execution or sending a
task token) only enqueues: the drive already in progress picks the work up.
"""
from __future__ import annotations

import base64
import json
import re
import threading
from typing import Any, Callable

from workflows.engine.aws_behaviour import AwsBehaviour
from workflows.engine.api_errors import Exceptions, api_error, api_operation
from workflows.engine.executions import Engine
from workflows.engine.errors import StatesError
from workflows.engine.parser import DefinitionError, parse_definition
from workflows.engine.runtime import Execution, StateMachineRecord, to_datetime
from workflows.engine.task_mocks import TaskMocks, MockSource, load_task_mocks

_NAME_RE = re.compile(r"^[^\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]{1,80}$")
_MAX_PAGE = 1000


def _check_name(name: Any) -> None:
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise api_error("InvalidName", f"Invalid Name: '{name}'")


def _page(items: list, max_results: int | None, next_token: str | None) -> tuple[list, str | None]:
    start = 0
    if next_token:
        try:
            start = int(base64.urlsafe_b64decode(next_token.encode()).decode())
        except (ValueError, UnicodeDecodeError):
            raise api_error("InvalidToken", f"Invalid Token: '{next_token}'") from None
    size = max_results or _MAX_PAGE
    if not 0 <= size <= _MAX_PAGE:
        raise api_error("ValidationException",
                        f"1 validation error detected: Value '{max_results}' at 'maxResults' failed to "
                        f"satisfy constraint: Member must have value less than or equal to 1000")
    chunk = items[start:start + size]
    end = start + size
    token = base64.urlsafe_b64encode(str(end).encode()).decode() if end < len(items) else None
    return chunk, token


class StepFunctions:
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

    # ---- helpers ----------------------------------------------------------------------------
    @property
    def engine(self) -> Engine:
        return self._engine

    def _machine(self, arn: Any) -> StateMachineRecord:
        if not isinstance(arn, str) or not arn.startswith("arn:") or ":stateMachine:" not in arn:
            raise api_error("InvalidArn", f"Invalid Arn: 'Resource type not valid in this context: {arn}'")
        machine = self._engine.machines.get(arn.split("#", 1)[0])
        if machine is None:
            raise api_error("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}'")
        return machine

    def _execution(self, arn: Any) -> Execution:
        if not isinstance(arn, str) or not arn.startswith("arn:") or (
                ":execution:" not in arn and ":express:" not in arn):
            raise api_error("InvalidArn", f"Invalid Arn: 'Resource type not valid in this context: {arn}'")
        execution = self._engine.executions.get(arn)
        if execution is None:
            raise api_error("ExecutionDoesNotExist", f"Execution Does Not Exist: '{arn}'")
        return execution

    def _drive(self) -> None:
        self._engine.scheduler.kick()

    # ---- state machines ---------------------------------------------------------------------
    def create_state_machine(self, *, name: str, definition: str, roleArn: str, type: str = "STANDARD",
                             loggingConfiguration: Any = None, tracingConfiguration: Any = None,
                             tags: Any = None, **_: Any) -> dict[str, Any]:
        _check_name(name)
        if type not in ("STANDARD", "EXPRESS"):
            raise api_error("ValidationException", f"Value '{type}' at 'type' failed to satisfy constraint: "
                                                   f"Member must satisfy enum value set: [STANDARD, EXPRESS]")
        try:
            program = parse_definition(definition)
        except DefinitionError as error:
            raise api_error("InvalidDefinition", str(error), "CreateStateMachine") from None
        self._check_mocks(name, definition)
        with self._lock:
            arn = self._engine.machine_arn(name)
            existing = self._engine.machines.get(arn)
            if existing is not None:
                if existing.definition_text == definition and existing.role_arn == roleArn and existing.type == type:
                    return {"stateMachineArn": arn, "creationDate": to_datetime(existing.created)}
                raise api_error("StateMachineAlreadyExists", f"State Machine Already Exists: '{arn}'")
            record = StateMachineRecord(arn, name, definition, program, roleArn, type,
                                        self._engine.scheduler.now(), loggingConfiguration, tracingConfiguration)
            self._engine.machines[arn] = record
            return {"stateMachineArn": arn, "creationDate": to_datetime(record.created)}

    def _check_mocks(self, name: str, definition: str) -> None:
        """With a mock config loaded, its test cases for this machine must fit the definition now
        (the harness's MockValidationError names state, response and field), not mid-run."""
        check = getattr(self._engine.mocker, "check_definition", None)
        if check is not None:
            check(name, definition)

    def update_state_machine(self, *, stateMachineArn: str, definition: str | None = None,
                             roleArn: str | None = None, **_: Any) -> dict[str, Any]:
        with self._lock:
            machine = self._machine(stateMachineArn)
            if definition is not None:
                try:
                    machine.program = parse_definition(definition)
                except DefinitionError as error:
                    raise api_error("InvalidDefinition", str(error), "UpdateStateMachine") from None
                self._check_mocks(machine.name, definition)
                machine.definition_text = definition
            if roleArn is not None:
                machine.role_arn = roleArn
            return {"updateDate": to_datetime(self._engine.scheduler.now())}

    def describe_state_machine(self, *, stateMachineArn: str, **_: Any) -> dict[str, Any]:
        with self._lock:
            machine = self._machine(stateMachineArn)
            return {
                "stateMachineArn": machine.arn, "name": machine.name, "status": "ACTIVE",
                "definition": machine.definition_text, "roleArn": machine.role_arn, "type": machine.type,
                "creationDate": to_datetime(machine.created),
                "loggingConfiguration": machine.logging or {"level": "OFF", "includeExecutionData": False},
                "tracingConfiguration": machine.tracing or {"enabled": False},
            }

    def list_state_machines(self, *, maxResults: int | None = None, nextToken: str | None = None) -> dict:
        with self._lock:
            items = [{"stateMachineArn": m.arn, "name": m.name, "type": m.type,
                      "creationDate": to_datetime(m.created)} for m in self._engine.machines.values()]
        chunk, token = _page(items, maxResults, nextToken)
        return {"stateMachines": chunk, **({"nextToken": token} if token else {})}

    def delete_state_machine(self, *, stateMachineArn: str) -> dict[str, Any]:
        with self._lock:
            self._engine.machines.pop(stateMachineArn, None)
            return {}

    # ---- executions -------------------------------------------------------------------------
    def _start(self, stateMachineArn: str, name: str | None, input: str | None, sync: bool) -> Execution:
        machine_arn, _, test_case = (stateMachineArn or "").partition("#")
        machine = self._machine(machine_arn)
        if name is not None:
            _check_name(name)
        text = "{}" if input is None else input
        try:
            value = json.loads(text)
        except (TypeError, ValueError):
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
        return self._engine.start(machine, name, text, value, sync=sync, test_case=test_case or None)

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
            if not execution.express:
                response["redriveCount"] = 0
                response["redriveStatus"] = "NOT_REDRIVABLE"
            return response

    def get_execution_history(self, *, executionArn: str, maxResults: int | None = None,
                              reverseOrder: bool = False, nextToken: str | None = None,
                              includeExecutionData: bool = True) -> dict[str, Any]:
        with self._lock:
            execution = self._execution(executionArn)
            events = list(reversed(execution.events)) if reverseOrder else list(execution.events)
        chunk, token = _page(events, maxResults, nextToken)
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
                        mapRunArn: str | None = None, **_: Any) -> dict[str, Any]:
        with self._lock:
            machine = self._machine(stateMachineArn)
            if machine.type == "EXPRESS":
                raise api_error("StateMachineTypeNotSupported",
                                "This operation is not supported by this type of state machine")
            items = []
            for execution in reversed(machine.executions):
                if statusFilter and execution.status != statusFilter:
                    continue
                item = {"executionArn": execution.arn, "stateMachineArn": machine.arn, "name": execution.name,
                        "status": execution.status, "startDate": to_datetime(execution.start)}
                if execution.stop is not None:
                    item["stopDate"] = to_datetime(execution.stop)
                items.append(item)
        chunk, token = _page(items, maxResults, nextToken)
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
        if record is None:
            raise api_error("InvalidToken", "Invalid token")
        if not record.open:
            raise api_error("TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'")
        return record

    def send_task_success(self, *, taskToken: str, output: str) -> dict[str, Any]:
        with self._lock:
            record = self._open_token(taskToken)
            try:
                value = json.loads(output)
            except (TypeError, ValueError):
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

    # ---- activities (minimal) ---------------------------------------------------------------
    def create_activity(self, *, name: str, **_: Any) -> dict[str, Any]:
        _check_name(name)
        with self._lock:
            arn = f"arn:{self._engine.partition}:states:{self.region_name}:{self.account_id}:activity:{name}"
            activity = self._engine.activities.setdefault(arn, {"name": name, "queue": [],
                                                                "created": self._engine.scheduler.now()})
            return {"activityArn": arn, "creationDate": to_datetime(activity["created"])}

    def delete_activity(self, *, activityArn: str) -> dict[str, Any]:
        with self._lock:
            self._engine.activities.pop(activityArn, None)
            return {}

    def get_activity_task(self, *, activityArn: str, workerName: str | None = None) -> dict[str, Any]:
        with self._lock:
            activity = self._engine.activities.get(activityArn)
            if activity is None:
                raise api_error("ActivityDoesNotExist", f"Activity Does Not Exist: '{activityArn}'")
            while activity["queue"]:
                token = activity["queue"].pop(0)
                record = self._engine.tokens.get(token)
                if record is not None and record.open:
                    record.extra["on_start"](workerName)
                    return {"taskToken": token, "input": record.input_text}
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
        from workflows.testing.test_state import test_state  # lazy: harness-owned

        return test_state(self, **kwargs)


_API_METHODS = (
    "create_state_machine", "update_state_machine", "describe_state_machine", "list_state_machines",
    "delete_state_machine", "start_execution", "start_sync_execution", "describe_execution",
    "get_execution_history", "list_executions", "stop_execution", "send_task_success",
    "send_task_failure", "send_task_heartbeat", "create_activity", "delete_activity", "get_activity_task",
)
for _name in _API_METHODS:
    setattr(StepFunctions, _name, api_operation(getattr(StepFunctions, _name)))
