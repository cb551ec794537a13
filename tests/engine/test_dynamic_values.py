"""One typed value per literal / *Path / JSONata field, one resolver (issue #14).

Each rule that used to be written twice (the engine's Map, Task and Wait handlers and TestState's
probe) is checked here through both: an execution and `test_state` must fail with the same error
and the same detail (an execution's cause carries AWS's "An error occurred while executing the
state ..." prefix, TestState's does not).
"""
from __future__ import annotations

import json
from typing import Any

import pytest

from workflows.engine import dynamic, field_rules
from workflows.engine.dynamic import Expression, Literal, Nested, PathRef
from workflows.engine.parser import parse_definition

from .conftest import ROLE, run


def distributed_map(**fields: Any) -> dict:
    return {"Type": "Map", "ItemsPath": "$.items", "End": True, **fields,
            "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                              "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}}


def both(sfn, state: dict, value: Any, mock: dict | None = None) -> tuple[dict, dict]:
    """(describe_execution of a one-state machine, test_state of the same state) for `value`."""
    executed = run(sfn, {"StartAt": "S", "States": {"S": state}}, value)
    tested = sfn.test_state(definition=json.dumps(state), input=json.dumps(value), roleArn=ROLE,
                            **({"mock": mock} if mock else {}))
    return executed, tested


def assert_same_failure(executed: dict, tested: dict, error: str, detail: str) -> None:
    assert (executed["status"], tested["status"]) == ("FAILED", "FAILED")
    assert executed["error"] == tested["error"] == error
    assert executed["cause"].endswith(detail) and tested["cause"] == detail


@pytest.mark.parametrize("given, detail", [
    (150, "ToleratedFailurePercentage must be between 0 and 100."),
    ("abc", 'The ToleratedFailurePercentagePath field refers to value "abc" which is not a valid float: $.p'),
])
def test_tolerated_failure_percentage_path_fails_alike_in_execution_and_test_state(sfn, given, detail):
    state = distributed_map(ToleratedFailurePercentagePath="$.p")
    executed, tested = both(sfn, state, {"items": [1, 2], "p": given}, mock={"result": "[1, 2]"})
    assert_same_failure(executed, tested, "States.Runtime", detail)


@pytest.mark.parametrize("field, given, detail", [
    ("ToleratedFailureCountPath", -1, "ToleratedFailureCount cannot be negative."),
    ("MaxConcurrencyPath", "x", 'The MaxConcurrencyPath field refers to value "x" which is not a valid integer: $.p'),
    ("MaxConcurrencyPath", -2, "MaxConcurrency cannot be negative."),
])
def test_map_settings_from_paths_fail_alike(sfn, field, given, detail):
    state = distributed_map(**{field: "$.p"})
    executed, tested = both(sfn, state, {"items": [1], "p": given}, mock={"result": "[1]"})
    assert_same_failure(executed, tested, "States.Runtime", detail)


def test_map_items_that_are_no_array_fail_alike(sfn):
    state = distributed_map(ItemsPath="$.items")
    executed, tested = both(sfn, state, {"items": {"not": "an array"}}, mock={"result": "[]"})
    assert_same_failure(executed, tested, "States.Runtime", 'Reference path "$.items" must point to array.')


def test_jsonata_items_that_are_no_array_fail_alike(sfn):
    state = {**distributed_map(), "QueryLanguage": "JSONata", "Items": "{% $states.input.items %}"}
    del state["ItemsPath"]
    executed, tested = both(sfn, state, {"items": 7}, mock={"result": "[]"})
    detail = ("The JSONata expression '$states.input.items' specified for the field 'Items' returned an "
              "unexpected result type. Expected 'array', but was 'number' for value: 7")
    assert_same_failure(executed, tested, "States.QueryEvaluationError", detail)


def test_task_timeout_seconds_path_fails_alike(sfn):
    state = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSecondsPath": "$.t",
             "Parameters": {"FunctionName": "f"}, "End": True}
    executed, tested = both(sfn, state, {"t": 0}, mock={"result": json.dumps({"Payload": 1, "StatusCode": 200})})
    assert_same_failure(executed, tested, "States.Runtime",
                        'The TimeoutSecondsPath field refers to value "0" which is not an integer from 1 to '
                        '99999999: $.t')


def test_wait_seconds_path_fails_alike(sfn):
    state = {"Type": "Wait", "SecondsPath": "$.s", "End": True}
    executed, tested = both(sfn, state, {"s": -1})
    assert_same_failure(executed, tested, "States.Runtime",
                        "The SecondsPath parameter references a negative value: $.s == -1")


def test_fail_error_path_fails_alike(sfn):
    state = {"Type": "Fail", "ErrorPath": "$.e", "Cause": "c"}
    executed, tested = both(sfn, state, {"e": 42})
    assert_same_failure(executed, tested, "States.Runtime", "The ErrorPath '$.e' did not resolve to a string: 42")


# ---- the parser builds one typed value per field ---------------------------------------------
def _state(definition: dict) -> Any:
    return next(iter(parse_definition(definition).states.values()))


def test_each_form_becomes_one_typed_value():
    task = _state({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                                                    "TimeoutSecondsPath": "$.t", "HeartbeatSeconds": 5, "End": True}}})
    assert task.timeout_seconds.source == PathRef("$.t") and task.timeout_seconds.field == "TimeoutSeconds"
    assert task.heartbeat_seconds.source == Literal(5)
    assert task.timeout_seconds.rule is field_rules.rule_for("Task", "TimeoutSeconds")
    wait = _state({"QueryLanguage": "JSONata", "StartAt": "W",
                   "States": {"W": {"Type": "Wait", "Seconds": "{%  $states.input.s  %}", "End": True}}})
    assert wait.seconds.source == Expression("{%  $states.input.s  %}", "$states.input.s")
    items = _state({"QueryLanguage": "JSONata", "StartAt": "M", "States": {"M": {
        "Type": "Map", "Items": [1, "{% 2 %}"], "End": True,
        "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}}}})
    assert items.items.source == Nested([1, "{% 2 %}"])


def test_a_jsonpath_map_without_items_path_iterates_its_input():
    state = _state({"StartAt": "M", "States": {"M": {
        "Type": "Map", "End": True, "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}}}})
    assert state.items.source == PathRef("$")
    assert dynamic.resolve(state.items, [1, 2], {}, {}, None) == [1, 2]


@pytest.mark.parametrize("source, found", [(PathRef("$.n"), "7"), (Expression("{% 7.0 %}", "7.0"), None)])
def test_the_resolver_applies_the_fields_type_from_the_table(source, found):
    rule = field_rules.rule_for("Map", "MaxConcurrency")
    value = dynamic.DynamicValue("MaxConcurrency", source, rule, dynamic.WORDINGS["MaxConcurrency"],
                                 isinstance(source, Expression))
    resolved = dynamic.resolve(value, {"n": found}, {}, {}, {})
    assert resolved == 7 and isinstance(resolved, int)
