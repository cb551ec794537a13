"""JSONPath filters read and evaluated as Jayway (the library AWS evaluates JSONPath with) does: its word
operators, JSON-array literals, regex, and its typing of values; accepted at create time, evaluated at run time."""
from __future__ import annotations

import json

import pytest

from workflows.engine import StepFunctions, validate_definition
from workflows.engine.expressions import jsonpath_get
from workflows.engine.expressions.errors import EvaluationError

ITEMS = {"items": [
    {"id": 1, "s": "A", "n": 1, "tags": ["x", "y"]},
    {"id": 2, "s": "B", "n": "2", "tags": []},
    {"id": 3, "n": 3, "tags": ["y"]},
    {"id": 4, "s": "C", "n": 2.5, "tags": ["x", "y", "z"]},
]}


def ids(filter_text: str) -> list:
    return jsonpath_get(f"$.items[?({filter_text})].id", ITEMS)


@pytest.mark.parametrize("filter_text, expected", [
    ("@.s in ['A', 'C']", [1, 4]),
    ("@.s IN [\"A\"]", [1]),                         # operator words in any case, double-quoted strings
    ("@.s nin ['A', 'C']", [2, 3]),                  # a missing property is not in the list
    ("@.n in [1, '2']", [1, 2]),                     # '2' == 2 in Jayway
    ("@.tags subsetof ['x', 'y']", [1, 2, 3]),
    ("@.tags anyof ['z', 'q']", [4]),
    ("@.tags noneof ['x']", [2, 3]),
    ("@.tags contains 'y'", [1, 3, 4]),
    ("@.s contains 'A'", [1]),
    ("@.tags size 2", [1]),
    ("@.s size 1", [1, 2, 4]),
    ("@.tags empty true", [2]),
    ("@.tags empty false", [1, 3, 4]),
    ("@.s =~ /[ab]/i", [1, 2]),
    ("@.n =~ /2.*/", [2, 4]),                         # numbers match as their text
    ("@.n == '2'", [2]),
    ("@.n == 2", [2]),
    ("@.n === 2", []),                                # type-safe equality: '2' is a string
    ("@.n !== 2", [1, 2, 3, 4]),
    ("@.s != 'A'", [2, 3, 4]),                        # != holds when the property is missing
    ("@.n >= 2", [2, 3, 4]),                          # the string '2' is ordered against 2 as text ("2" >= "2")
    ("@.n > '10'", [2, 3, 4]),                        # and a number against a string as text
    ("@.tags == ['x', 'y']", [1]),
    ("!@.s", [3]),
    ("!(@.n == 1)", [2, 3, 4]),
    ("@.s in ['A'] || @.n > 2 && @.tags size 3", [1, 4]),  # && binds tighter than ||
    ("@.id in $.pick", [2]),                          # a list operand can be a path ($ is the document)
])
def test_filter_evaluates_as_jayway_does(filter_text: str, expected: list) -> None:
    assert jsonpath_get(f"$.items[?({filter_text})].id", {**ITEMS, "pick": [2]}) == expected


@pytest.mark.parametrize("filter_text, why", [
    ("@.s in 'A'", "a list (a JSON array) is expected, not \"A\""),
    ("@.s in @.nowhere", "a list (a JSON array) is expected, not a missing value"),
    ("@.tags anyof ['x']", "a list (a JSON array) is expected, not a missing value"),
    ("@.tags empty 1", "'empty' needs true or false, not 1"),
])
def test_operands_jayway_cannot_use_fail_the_evaluation(filter_text: str, why: str) -> None:
    data = {"items": [{"s": "A", "tags": ["x"]}, {"s": "B"}]}
    with pytest.raises(EvaluationError) as caught:
        jsonpath_get(f"$.items[?({filter_text})]", data)
    assert caught.value.error == "States.Runtime"
    assert caught.value.cause == f"The JSONPath filter [?({filter_text})] cannot be evaluated: {why}"


def _machine(path: str) -> dict:
    return {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"picked.$": path}, "End": True}}}


@pytest.mark.parametrize("path", [
    "$.items[?(@.s in ['A','C'])]", "$.items[?(@.tags subsetof ['x','y'])]", "$.items[?(@.tags anyof ['x'])]",
    "$.items[?(@.tags noneof ['x'])]", "$.items[?(@.tags size 2)]", "$.items[?(@.tags empty false)]",
    "$.items[?(@.s nin [\"A\"])]", "$.items[?(@.s =~ /a.*/i)]", "$.items[?(@.n in [1, 2.5, 'x', true, null])]",
    "$.items[?(@.tags contains 'x')]", "$.items[?(@.a == {'k': 1})]",
])
def test_jayway_operators_are_accepted_at_create_time(path: str) -> None:
    assert validate_definition(json.dumps(_machine(path))) == []


@pytest.mark.parametrize("path, why", [
    ("$.items[?(@.tags all ['x'])]", "the filter operator 'all' is not supported here"),
    ("$.items[?(@.s in)]", "unexpected 'in' in filter expression"),
    ("$.items[?(@.s in ['A')]", "'[' is not closed"),
    ("$.items[?(@.s =~ /[/)]", "the regular expression /[/ is invalid"),
    ("$.items[?(@.s == 'A)]", "unbalanced parentheses"),
    ("$.items[?(@.s === )]", "unexpected end of filter expression"),
    ("$.items[?('A')]", "a filter term needs a comparison or is a path"),
])
def test_filters_jayway_cannot_read_are_refused_at_create_time(path: str, why: str) -> None:
    [diagnostic] = validate_definition(json.dumps(_machine(path)))
    assert diagnostic.location == "/States/P/Parameters/picked.$"
    assert diagnostic.message.startswith(f"Parameters.picked.$ is {json.dumps(path)}; AWS requires a valid JSONPath (")
    assert why in diagnostic.message


def test_operators_run_in_an_execution() -> None:
    sfn = StepFunctions(region_name="us-east-1", account_id="123456789012", seed=7)
    arn = sfn.create_state_machine(name="m", roleArn="arn:aws:iam::123456789012:role/r",
                                   definition=json.dumps(_machine("$.items[?(@.s in ['A','C'])].id")))["stateMachineArn"]
    run = sfn.start_execution(stateMachineArn=arn, input=json.dumps(ITEMS))
    described = sfn.describe_execution(executionArn=run["executionArn"])
    assert described["status"] == "SUCCEEDED" and json.loads(described["output"]) == {"picked": [1, 4]}


def test_a_bare_word_is_accepted_at_create_time_and_fails_when_evaluated() -> None:
    """AWS deploys `[?(@.Name==Receipt)]` (public samples do) but Jayway cannot read it: the state fails."""
    definition = _machine("$.Labels[?(@.Name==Receipt)]")
    assert validate_definition(json.dumps(definition)) == []
    sfn = StepFunctions(region_name="us-east-1", account_id="123456789012", seed=7)
    arn = sfn.create_state_machine(name="m", roleArn="arn:aws:iam::123456789012:role/r",
                                   definition=json.dumps(definition))["stateMachineArn"]
    run = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"Labels": [{"Name": "Receipt"}]}))
    described = sfn.describe_execution(executionArn=run["executionArn"])
    assert described["status"] == "FAILED" and described["error"] == "States.Runtime"
    assert "the literal Receipt is neither a number nor a quoted string (quote it: 'Receipt')" in described["cause"]
