"""`StepFunctions.test_state(...)`: AWS's TestState API, offline.

Takes boto3's TestState request (definition, roleArn, input, stateName, inspectionLevel,
revealSecrets, variables, mock, stateConfiguration, context) and returns boto3's response shape
(status, output, error, cause, nextState, inspectionData). Rejections are raised the way boto3 raises
them: `ParamValidationError` on the client side (botocore's own validator against the TestState
input shape), `ValidationException` / `InvalidDefinition` as the client's botocore `ClientError` subclasses (`sfn.exceptions`) with
AWS's message texts. Mock results are checked by `result_shapes`, the same code that checks
MockConfigFile returns. The state itself runs by the engine's own handler in TestState's inspection
mode (`workflows.engine.inspection`).
"""
from __future__ import annotations

import json
import uuid
from typing import Any, Iterator

from workflows.engine import model as m
from workflows.engine.inspection import InspectionServices, Inspector, StateConfiguration, StateMock, inspect_state
from workflows.engine.parser import DefinitionError, parse_definition
from workflows.engine.runtime import dumps
from workflows.testing import result_shapes

SINGLE_STATE_NAME = "StateName"
MOCK_REJECTS = ("Pass", "Fail", "Succeed", "Choice", "Wait")
CONTEXT_FIELDS = {"Execution", "State", "StateMachine", "Task"}
EXECUTION_FIELDS = {"Id", "Input", "Name", "RoleArn", "StartTime", "RedriveCount", "RedriveTime"}


def reject(code: str, message: str) -> Exception:
    """The engine's API error classes, so `except sfn.exceptions.ValidationException` works."""
    from workflows.engine.api_errors import api_error

    return api_error(code, message, "TestState")


def test_state(sfn: Any = None, /, *, region_name: str | None = None, account_id: str | None = None,
               partition: str | None = None, **request: Any) -> dict[str, Any]:
    """Evaluate one state. `sfn` (the StepFunctions client) supplies region, account and the
    integrations an un-mocked Task calls; without it an un-mocked Task fails, needing a mock."""
    engine = getattr(sfn, "engine", None)
    region_name = region_name or getattr(sfn, "region_name", None) or "us-east-1"
    account_id = account_id or getattr(sfn, "account_id", None) or "123456789012"
    partition = partition or getattr(engine, "partition", None) or "aws"
    _check_params(request)
    doc = _definition(request["definition"])
    single = "Type" in doc and "States" not in doc
    machine = _wrap(doc) if single else doc
    try:
        program = parse_definition(machine)
    except DefinitionError as error:
        raise reject("InvalidDefinition", str(error)) from None
    name = SINGLE_STATE_NAME if single else request.get("stateName") or program.start_at
    state = _find(program, name)
    if state is None:
        raise reject("ValidationException", "State not found in definition")
    mock = request.get("mock")
    config = request.get("stateConfiguration") or {}
    _check_mock(state, mock, config, request)
    context = _context(state, request, region_name, account_id, partition)
    level = request.get("inspectionLevel", "INFO")
    detailed = level in ("DEBUG", "TRACE")
    outcome_mock = _state_mock(mock)
    inspector = Inspector(context, _configuration(config), outcome_mock, detailed)
    services = InspectionServices(engine, region_name, account_id, partition, outcome_mock)
    outcome = inspect_state(state, _input(request), _variables(request), inspector, services,
                            request.get("roleArn"))
    response: dict[str, Any] = {"status": outcome.status}
    if outcome.has_output:
        response["output"] = json.dumps(outcome.output, separators=(",", ":"), ensure_ascii=False)
    if outcome.error is not None:
        response["error"] = outcome.error
    if outcome.cause is not None:
        response["cause"] = outcome.cause
    if outcome.next_state is not None:
        response["nextState"] = outcome.next_state
    if detailed:
        response["inspectionData"] = inspection_text(outcome.data)
    return response


test_state.__test__ = False  # a library function, not a pytest test (tests import it by this name)


def _state_mock(mock: dict | None) -> StateMock | None:
    if mock is None:
        return None
    if "errorOutput" in mock:
        error = mock["errorOutput"] or {}
        return StateMock("throw", error=error.get("error"), cause=error.get("cause"))
    if "result" in mock:
        return StateMock("return", value=json.loads(mock["result"]))
    return None


def _configuration(config: dict) -> StateConfiguration:
    reader_data = config.get("mapItemReaderData")
    return StateConfiguration(int(config.get("retrierRetryCount", 0) or 0), config.get("mapIterationFailureCount"),
                              json.loads(reader_data) if reader_data is not None else None,
                              config.get("errorCausedByState"))


def inspection_text(data: dict[str, Any]) -> dict[str, Any]:
    """InspectionData as the API sends it: JSON values as JSON text, numbers as numbers."""
    numbers = ("maxConcurrency", "toleratedFailureCount", "toleratedFailurePercentage", "errorDetails")
    return {key: value if key in numbers else dumps(value) for key, value in data.items()}


# -- request ---------------------------------------------------------------------------------------
def _check_params(request: dict[str, Any]) -> None:
    from botocore.validate import validate_parameters

    shape = result_shapes.service_model("stepfunctions").operation_model("TestState").input_shape
    validate_parameters(request, shape)  # raises ParamValidationError like a boto3 client


def _definition(text: str) -> dict[str, Any]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as error:
        raise reject("InvalidDefinition", "Invalid State Machine Definition: "
                     f"'INVALID_JSON_DESCRIPTION: {error.msg} at /'") from None
    if not isinstance(doc, dict):
        raise reject("InvalidDefinition", "Invalid State Machine Definition: "
                     "'SCHEMA_VALIDATION_FAILED: Expected an object at /'")
    return doc


def _wrap(state: dict[str, Any]) -> dict[str, Any]:
    """A one-state machine; transitions out of it lead to placeholder Succeed states."""
    body = dict(state)
    if body.get("Type") not in ("Succeed", "Fail", "Choice") and "Next" not in body:
        body.setdefault("End", True)
    states: dict[str, Any] = {SINGLE_STATE_NAME: body}
    for target in _targets(body):
        if target != SINGLE_STATE_NAME:
            states.setdefault(target, {"Type": "Succeed"})
    machine: dict[str, Any] = {"StartAt": SINGLE_STATE_NAME, "States": states}
    if "QueryLanguage" in body:
        machine["QueryLanguage"] = body["QueryLanguage"]
    return machine


def _targets(state: dict[str, Any]) -> Iterator[str]:
    for value in [state.get("Next"), state.get("Default")]:
        if isinstance(value, str):
            yield value
    for key in ("Catch", "Choices"):
        for item in state.get(key) or []:
            if isinstance(item, dict) and isinstance(item.get("Next"), str):
                yield item["Next"]


def _find(program: m.Program, name: str) -> m.State | None:
    if name in program.states:
        return program.states[name]
    for state in program.states.values():
        inner = [state.processor] if isinstance(state, m.MapState) and state.processor else []
        inner += state.branches if isinstance(state, m.ParallelState) else []
        for child in inner:
            found = _find(child, name)
            if found is not None:
                return found
    return None


def _input(request: dict[str, Any]) -> Any:
    text = request.get("input")
    if text is None:
        return {}
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise reject("ValidationException", "Invalid input: the input must be valid JSON") from None


def _variables(request: dict[str, Any]) -> dict[str, Any]:
    text = request.get("variables")
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        raise reject("ValidationException", "Invalid variables: must be a JSON object") from None
    if not isinstance(value, dict):
        raise reject("ValidationException", "Invalid variables: must be a JSON object")
    return value


def _check_mock(state: m.State, mock: dict | None, config: dict, request: dict) -> None:
    if mock is not None and "result" in mock and "errorOutput" in mock:
        raise reject("ValidationException",
                     "A test mock should have only one of the following fields: [result, errorOutput].")
    if mock is not None and request.get("revealSecrets"):
        raise reject("ValidationException",
                     "TestState does not support RevealSecrets when a mock is specified.")
    if mock is None and "mapIterationFailureCount" in config:
        raise reject("ValidationException",
                     "TestState does not support MapIterationFailureCount when a mock is not specified.")
    if mock is None and state.type in ("Map", "Parallel"):
        raise reject("InvalidDefinition", "TestState API does not support Map or Parallel states. "
                     "Supported state types include: [Task, Wait, Pass, Succeed, Fail, Choice]")
    if mock is not None and state.type in MOCK_REJECTS:
        raise reject("ValidationException",
                     f"State type '{state.type}' is not supported when a mock is specified")
    if mock is None and state.type == "Task" and not request.get("roleArn"):
        raise reject("ValidationException", "RoleArn must be specified when testing a Task state")
    if mock is None or "result" not in mock:
        return
    try:
        result = json.loads(mock["result"])
    except (TypeError, json.JSONDecodeError):
        raise reject("ValidationException", "Mocked result must be valid JSON") from None
    if isinstance(state, m.TaskState):
        schema = result_shapes.schema_for(state.resource_text)
        mode = mock.get("fieldValidationMode", result_shapes.STRICT)
        if schema is not None:
            violations = result_shapes.validate(schema, result, mode, timestamps=result_shapes.API_MODEL)
            if violations:
                raise reject("ValidationException",
                             f"Mock result schema validation error: {violations[0].message}")
    elif isinstance(state, m.ParallelState):
        if not isinstance(result, list):
            raise reject("ValidationException", "Mocked result must be an array.")
        if len(result) != len(state.branches):
            raise reject("ValidationException", "Mocked result must contain the same number of items "
                         "as number of Parallel branches.")
    elif isinstance(state, m.MapState):
        if state.result_writer is not None:
            if not isinstance(result, dict):
                raise reject("ValidationException", "Mocked result must be a JSON object.")
        elif not isinstance(result, list):
            raise reject("ValidationException", "Mocked result must be an array.")
        failures = config.get("mapIterationFailureCount")
        if failures is not None and isinstance(result, list) and failures > len(result):
            raise reject("ValidationException", "Map iteration failure count must be less than or "
                         "equal to the number of Map iterations")


def _context(state: m.State, request: dict, region: str, account: str, partition: str) -> dict:
    machine_name, execution_name = str(uuid.uuid4()), str(uuid.uuid4())
    prefix = f"arn:{partition}:states:{region}:{account}"
    input_value = _input(request)
    context: dict[str, Any] = {
        "Execution": {"Id": f"{prefix}:express:{machine_name}:{execution_name}", "Input": input_value,
                      "Name": execution_name, "RoleArn": request.get("roleArn"),
                      "StartTime": _now_iso()},
        "StateMachine": {"Id": f"{prefix}:stateMachine:{machine_name}", "Name": machine_name},
        "State": {"Name": SINGLE_STATE_NAME, "EnteredTime": _now_iso()},
    }
    if state.type in ("Task", "Map", "Parallel"):
        context["State"]["RetryCount"] = int((request.get("stateConfiguration") or {}).get(
            "retrierRetryCount", 0) or 0)
    given = request.get("context")
    if given is None:
        return context
    try:
        supplied = json.loads(given)
    except json.JSONDecodeError:
        raise reject("ValidationException", "Invalid Context object provided: not valid JSON") from None
    _check_context(state, supplied)
    return supplied  # AWS uses a supplied context object as it is, not merged with its own


def _check_context(state: m.State, supplied: Any) -> None:
    def bad(text: str) -> Exception:
        return reject("ValidationException", f"Invalid Context object provided: {text}")

    if not isinstance(supplied, dict):
        raise bad("the Context object must be a JSON object")
    if "Map" in supplied:
        raise bad("'Map' field is not supported when mocking a Context object")
    for key in supplied:
        if key not in CONTEXT_FIELDS:
            raise bad(f"Field '{key}' is not allowed")
    execution = supplied.get("Execution")
    if isinstance(execution, dict):
        for key in execution:
            if key not in EXECUTION_FIELDS:
                raise bad(f"Field '{key}' is not allowed")
        for key in ("Id", "Name", "RoleArn", "StartTime"):
            if key in execution and not isinstance(execution[key], str):
                raise bad(f"Execution.{key} must be a string")
    if "Task" in supplied:
        ref = getattr(state, "resource", None)
        if not isinstance(state, m.TaskState) or ref is None or not ref.pattern:
            raise bad("Context object contains 'Task' when state is not a Task state with a '.sync' "
                      "or '.waitForTaskToken' service integration pattern")


def _now_iso() -> str:
    from datetime import datetime, timezone

    stamp = datetime.now(timezone.utc)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"
