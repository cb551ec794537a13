"""Intrinsic functions: parsing (nesting, escapes), each function, and IntrinsicFailure cases."""
from __future__ import annotations

import uuid

import pytest

from workflows.engine.expressions import EvaluationError, evaluate_intrinsic, render_payload, validate_intrinsic

DATA = {"s": "a,b", "n": 3, "arr": [1, 2, 2, {"k": 1}, {"k": 1}], "obj": {"x": 1}, "text": "it's"}


@pytest.mark.parametrize(
    "expr,expected",
    [
        ("States.Format('x={} y={}', $.n, $.obj)", "x=3 y={x=1}"),
        ("States.Format('lit \\{\\} {}', $.n)", "lit {} 3"),
        ("States.Format('quote \\' {}', $.text)", "quote ' it's"),
        ("States.Format('{}', $.arr)", "[1, 2, 2, {k=1}, {k=1}]"),
        ("States.Format('{} {} {}', null, true, 1.5)", "null true 1.5"),
        ("States.StringToJson('{\"a\": [1]}')", {"a": [1]}),
        ("States.StringToJson('  ')", None),
        ("States.JsonToString($.obj)", '{"x":1}'),
        ("States.Array(1, 'two', $.n, States.Array())", [1, "two", 3, []]),
        ("States.ArrayPartition($.arr, 2)", [[1, 2], [2, {"k": 1}], [{"k": 1}]]),
        ("States.ArrayContains($.arr, $.obj)", False),
        ("States.ArrayContains($.arr, States.StringToJson('{\"k\":1}'))", True),
        ("States.ArrayContains(States.Array(1), true)", False),
        ("States.ArrayRange(1, 9, 2)", [1, 3, 5, 7, 9]),
        ("States.ArrayRange(5, 1, -2)", [5, 3, 1]),
        ("States.ArrayGetItem($.arr, 3)", {"k": 1}),
        ("States.ArrayLength($.arr)", 5),
        ("States.ArrayUnique($.arr)", [1, 2, {"k": 1}]),
        ("States.Base64Encode('Data to encode')", "RGF0YSB0byBlbmNvZGU="),
        ("States.Base64Decode('RGF0YSB0byBlbmNvZGU=')", "Data to encode"),
        ("States.Hash('input data', 'SHA-1')", "aaff4a450a104cd177d28d18d74485e8cae074b7"),
        ("States.JsonMerge($.obj, States.StringToJson('{\"y\":2}'), false)", {"x": 1, "y": 2}),
        ("States.MathAdd(1.5, -0.5)", 2),
        ("States.MathAdd($.n, -1)", 2),
        ("States.StringSplit($.s, ',')", ["a", "b"]),
        ("States.StringSplit('a.b+c', '.+')", ["a", "b", "c"]),
        ("States.ArrayGetItem(States.StringSplit('a-b-c', '-'), States.MathAdd(States.ArrayLength(States.StringSplit('a-b-c', '-')), -1))", "c"),
    ],
)
def test_functions(expr: str, expected: object) -> None:
    assert evaluate_intrinsic(expr, DATA) == expected


def test_paths_from_context_and_variables() -> None:
    out = evaluate_intrinsic(
        "States.Format('{}-{}', $$.Execution.Name, $who)", {}, context={"Execution": {"Name": "ex"}}, variables={"who": "me"}
    )
    assert out == "ex-me"


def test_path_argument_with_brackets_and_commas() -> None:
    data = {"a,b": [5, 6]}
    assert evaluate_intrinsic("States.ArrayGetItem($['a,b'], 1)", data) == 6


def test_uuid_and_random() -> None:
    assert uuid.UUID(evaluate_intrinsic("States.UUID()", {})).version == 4
    value = evaluate_intrinsic("States.MathRandom(1, 10)", {})
    assert isinstance(value, int) and 1 <= value < 10
    seeded = [evaluate_intrinsic("States.MathRandom(0, 1000, 7)", {}) for _ in range(3)]
    assert len(set(seeded)) == 1


@pytest.mark.parametrize(
    "expr",
    [
        "States.Format('{} {}', 1)",
        "States.ArrayGetItem($.arr, 9)",
        "States.ArrayPartition($.arr, 0)",
        "States.Hash('x', 'SHA-3')",
        "States.Base64Decode('%%%')",
        "States.StringToJson('{bad')",
        "States.MathAdd('1', 2)",
        "States.ArrayRange(0, 2000, 1)",
        "States.JsonMerge($.obj, $.arr, false)",
        "States.ArrayLength($.obj)",
        "States.MathRandom(5, 1)",
        "States.NoSuchFunction()",
    ],
)
def test_misuse_is_intrinsic_failure(expr: str) -> None:
    with pytest.raises(EvaluationError) as info:
        evaluate_intrinsic(expr, DATA)
    assert info.value.error == "States.IntrinsicFailure"
    assert info.value.cause


def test_render_payload_nested_templates() -> None:
    template = {
        "plain": {"keep.me": [1, {"x": 2}]},
        "fromPath.$": "$.n",
        "ctx.$": "$$.State.Name",
        "var.$": "$v",
        "fn.$": "States.Format('n={}', $.n)",
        "nested": [{"deep.$": "$.obj.x"}],
    }
    out = render_payload(template, DATA, context={"State": {"Name": "S"}}, variables={"v": "V"})
    assert out == {
        "plain": {"keep.me": [1, {"x": 2}]},
        "fromPath": 3,
        "ctx": "S",
        "var": "V",
        "fn": "n=3",
        "nested": [{"deep": 1}],
    }


def test_render_payload_error_names_the_field() -> None:
    with pytest.raises(EvaluationError) as info:
        render_payload({"value.$": "$.missing"}, {"a": 1})
    assert "'value.$'" in info.value.cause and "'$.missing'" in info.value.cause


@pytest.mark.parametrize(
    "bad", ["States.Format('x'", "States.Nope(1)", "States.Array(1,)", "Format('x')", "States.Array() extra", "States.Format('unterminated)"]
)
def test_validate_intrinsic_names_the_problem(bad: str) -> None:
    with pytest.raises(ValueError):
        validate_intrinsic(bad)
