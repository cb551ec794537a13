"""Choice rules: every operator, type mismatches, missing paths, boolean logic and JSONata."""
from __future__ import annotations

import pytest

from workflows.engine.expressions import EvaluationError, compile_choice

DATA = {
    "s": "hello",
    "n": 5,
    "f": 5.0,
    "b": True,
    "t": "2024-01-02T03:04:05Z",
    "t2": "2024-01-02T04:04:05+01:00",
    "nul": None,
    "star": "a*b",
    "other": 7,
}


def match(rule: dict, data: dict = DATA, **kw: object) -> bool:
    return compile_choice({**rule, "Next": "X"}, query_language="JSONPath", state_name="C").matches(data, **kw)


@pytest.mark.parametrize(
    "rule,expected",
    [
        ({"Variable": "$.s", "StringEquals": "hello"}, True),
        ({"Variable": "$.s", "StringLessThan": "help"}, True),
        ({"Variable": "$.s", "StringGreaterThanEquals": "hello"}, True),
        ({"Variable": "$.s", "StringLessThanEquals": "hell"}, False),
        ({"Variable": "$.s", "StringGreaterThan": "a"}, True),
        ({"Variable": "$.s", "StringMatches": "he*o"}, True),
        ({"Variable": "$.star", "StringMatches": "a\\*b"}, True),
        ({"Variable": "$.s", "StringMatches": "a\\*b"}, False),
        ({"Variable": "$.n", "NumericEquals": 5}, True),
        ({"Variable": "$.f", "NumericEquals": 5}, True),
        ({"Variable": "$.n", "NumericLessThan": 5.5}, True),
        ({"Variable": "$.n", "NumericGreaterThan": 5}, False),
        ({"Variable": "$.n", "NumericLessThanEquals": 5}, True),
        ({"Variable": "$.n", "NumericGreaterThanEquals": 6}, False),
        ({"Variable": "$.n", "NumericLessThanPath": "$.other"}, True),
        ({"Variable": "$.n", "NumericEqualsPath": "$.f"}, True),
        ({"Variable": "$.b", "BooleanEquals": True}, True),
        ({"Variable": "$.b", "BooleanEqualsPath": "$.b"}, True),
        ({"Variable": "$.t", "TimestampEquals": "2024-01-02T03:04:05Z"}, True),
        ({"Variable": "$.t", "TimestampEqualsPath": "$.t2"}, True),
        ({"Variable": "$.t", "TimestampLessThan": "2024-01-02T03:04:06Z"}, True),
        ({"Variable": "$.t", "TimestampGreaterThanEquals": "2025-01-01T00:00:00Z"}, False),
        ({"Variable": "$.s", "StringEqualsPath": "$.s"}, True),
        # type mismatches are false, not errors
        ({"Variable": "$.s", "NumericEquals": 5}, False),
        ({"Variable": "$.n", "StringEquals": "5"}, False),
        ({"Variable": "$.b", "NumericEquals": 1}, False),
        ({"Variable": "$.s", "TimestampEquals": "2024-01-02T03:04:05Z"}, False),
        ({"Variable": "$.n", "StringEqualsPath": "$.s"}, False),
        # type tests
        ({"Variable": "$.nul", "IsNull": True}, True),
        ({"Variable": "$.n", "IsNumeric": True}, True),
        ({"Variable": "$.b", "IsNumeric": True}, False),
        ({"Variable": "$.s", "IsString": True}, True),
        ({"Variable": "$.b", "IsBoolean": True}, True),
        ({"Variable": "$.t", "IsTimestamp": True}, True),
        ({"Variable": "$.s", "IsTimestamp": False}, True),
        ({"Variable": "$.missing", "IsPresent": False}, True),
        ({"Variable": "$.nul", "IsPresent": True}, True),
        ({"Variable": "$.missing", "IsNull": True}, False),
        # logic
        ({"And": [{"Variable": "$.n", "NumericEquals": 5}, {"Variable": "$.s", "StringEquals": "hello"}]}, True),
        ({"Or": [{"Variable": "$.n", "NumericEquals": 4}, {"Variable": "$.s", "StringEquals": "x"}]}, False),
        ({"Not": {"Variable": "$.n", "NumericEquals": 4}}, True),
    ],
)
def test_operators(rule: dict, expected: bool) -> None:
    assert match(rule) is expected


def test_context_and_variable_paths() -> None:
    assert match({"Variable": "$$.Execution.Input.x", "NumericLessThanEquals": 0}, context={"Execution": {"Input": {"x": 0}}})
    assert match({"Variable": "$guess", "StringEqualsPath": "$answer"}, variables={"guess": "a", "answer": "a"})


@pytest.mark.parametrize(
    "rule", [{"Variable": "$.missing", "NumericEquals": 1}, {"Variable": "$.n", "NumericEqualsPath": "$.missing"}]
)
def test_missing_path_is_runtime_error(rule: dict) -> None:
    with pytest.raises(EvaluationError) as info:
        match(rule)
    assert info.value.error == "States.Runtime"
    assert "$.missing" in info.value.cause


@pytest.mark.parametrize(
    "rule",
    [
        {"Variable": "$.n"},
        {"Variable": "$.n", "NumericEquals": "5"},
        {"Variable": "$.n", "NoSuchOperator": 1},
        {"NumericEquals": 1},
        {"And": []},
        {"Variable": "$.t", "TimestampEquals": "yesterday"},
        {"Variable": "bad path", "IsNull": True},
    ],
)
def test_invalid_rules_are_rejected_at_compile_time(rule: dict) -> None:
    with pytest.raises(ValueError):
        compile_choice({**rule, "Next": "X"}, query_language="JSONPath", state_name="C")


def test_rule_keeps_next_assign_output() -> None:
    rule = compile_choice(
        {"Condition": "{% $states.input.v > 1 %}", "Next": "Big", "Assign": {"a": 1}, "Output": "o"},
        query_language="JSONata",
        state_name="C",
    )
    assert (rule.next, rule.assign, rule.output) == ("Big", {"a": 1}, "o")
    assert rule.matches(None, states={"input": {"v": 2}}, variables={})
    assert not rule.matches(None, states={"input": {"v": 0}}, variables={})


def test_jsonata_condition_literal_and_type_check() -> None:
    assert compile_choice({"Condition": True, "Next": "X"}, query_language="JSONata", state_name="C").matches(None)
    rule = compile_choice({"Condition": "{% 'yes' %}", "Next": "X"}, query_language="JSONata", state_name="C")
    with pytest.raises(EvaluationError) as info:
        rule.matches(None, states={"input": {}}, variables={})
    assert info.value.error == "States.QueryEvaluationError"
    assert "Expected 'boolean'" in info.value.cause
