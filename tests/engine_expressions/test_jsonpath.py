"""JSONPath with Jayway semantics, AWS error wording, ResultPath and the validation helper."""
from __future__ import annotations

import pytest

from workflows.engine.expressions import EvaluationError, jsonpath_get, jsonpath_set, path_exists, validate_path
from workflows.engine.expressions.jsonpath import compile_path

DATA = {
    "a": {"b": [10, 20, {"c": 3}]},
    "items": [{"v": 1, "s": 0, "name": "x"}, {"v": 2, "s": 1}, {"v": 3, "s": 0}],
    "delivery-partner": "ups",
    "weird key": {"k": True},
    "n": None,
}


@pytest.mark.parametrize(
    "path,expected",
    [
        ("$", DATA),
        ("$.a.b[0]", 10),
        ("$.a.b[-1].c", 3),
        ("$['a']['b'][1]", 20),
        ("$['weird key'].k", True),
        ("$.delivery-partner", "ups"),
        ("$.n", None),
        ("$.items[*].v", [1, 2, 3]),
        ("$.items[:1]", [{"v": 1, "s": 0, "name": "x"}]),
        ("$.items[1:3].v", [2, 3]),
        ("$.items[?(@.s == 0)].v", [1, 3]),
        ("$.items[?(@.v > 1 && @.s == 0)].v", [3]),
        ("$.items[?(@.name)].v", [1]),
        ("$..c", [3]),
        ("$.items[0,2].v", [1, 3]),
        ("$.items[*].name", ["x"]),
        ("$.nothing[*]", []),
    ],
)
def test_get_definite_and_indefinite_paths(path: str, expected: object) -> None:
    assert jsonpath_get(path, DATA) == expected


def test_context_and_variable_roots() -> None:
    ctx = {"Execution": {"Id": "arn:x", "Input": {"k": 1}}}
    assert jsonpath_get("$$.Execution.Id", {}, context=ctx) == "arn:x"
    assert jsonpath_get("$$", {}, context=ctx) == ctx
    assert jsonpath_get("$var.field[1]", {}, variables={"var": {"field": [5, 6]}}) == 6
    assert jsonpath_get("$var", {}, variables={"var": 7}) == 7


def test_missing_leaf_in_input_path_uses_jayway_wording() -> None:
    with pytest.raises(EvaluationError) as info:
        jsonpath_get("$.NoSuchInputPath", {"a": 1}, field="InputPath")
    assert info.value.error == "States.Runtime"
    assert info.value.cause == "Invalid path '$.NoSuchInputPath' : No results for path: $['NoSuchInputPath']"


def test_missing_intermediate_says_missing_property() -> None:
    with pytest.raises(EvaluationError) as info:
        jsonpath_get("$.no.such.result.path", {}, field="OutputPath")
    assert info.value.cause == "Invalid path '$.no.such.result.path' : Missing property in path $['no']"


def test_missing_path_in_a_payload_field_names_the_field_and_input() -> None:
    with pytest.raises(EvaluationError) as info:
        jsonpath_get("$.no_such_jsonpath", {"a": 1}, field="value.$")
    assert info.value.cause == (
        "The JSONPath '$.no_such_jsonpath' specified for the field 'value.$' could not be found in the input '{\"a\":1}'"
    )


def test_undefined_variable_is_a_runtime_error() -> None:
    with pytest.raises(EvaluationError) as info:
        jsonpath_get("$nope", {}, variables={}, field="x.$")
    assert info.value.error == "States.Runtime" and "$nope" in info.value.cause


def test_path_exists() -> None:
    assert path_exists("$.n", DATA)
    assert not path_exists("$.missing", DATA)
    assert not path_exists("$.a.b[9]", DATA)


def test_set_creates_intermediates_without_mutating_input() -> None:
    original = {"keep": 1, "x": {"y": 1}}
    out = jsonpath_set(original, "$.x.z.w", "v")
    assert out == {"keep": 1, "x": {"y": 1, "z": {"w": "v"}}}
    assert original == {"keep": 1, "x": {"y": 1}}


def test_set_dollar_replaces_and_none_discards() -> None:
    assert jsonpath_set({"a": 1}, "$", [1]) == [1]
    data = {"a": 1}
    assert jsonpath_set(data, None, "ignored") is data


def test_set_into_array_index() -> None:
    assert jsonpath_set({"l": [1, 2]}, "$.l[1]", 9) == {"l": [1, 9]}


@pytest.mark.parametrize("data,path", [("hello", "$.x"), ({"a": "str"}, "$.a.b"), ({"l": [1]}, "$.l[5]")])
def test_set_that_cannot_apply_is_result_path_match_failure(data: object, path: str) -> None:
    with pytest.raises(EvaluationError) as info:
        jsonpath_set(data, path, 1)
    assert info.value.error == "States.ResultPathMatchFailure"
    assert path in info.value.cause


def test_set_rejects_indefinite_paths() -> None:
    with pytest.raises(EvaluationError) as info:
        jsonpath_set({"a": []}, "$.a[*]", 1)
    assert info.value.error == "States.ResultPathMatchFailure"


@pytest.mark.parametrize("bad", ["a.b", "$.a[", "$.a[?(@.x ==)]", "$.a[x]", "$..", 5])
def test_validate_path_names_the_problem(bad: object) -> None:
    with pytest.raises(ValueError):
        validate_path(bad)  # type: ignore[arg-type]


def test_paths_are_compiled_once() -> None:
    assert compile_path("$.cache.me") is compile_path("$.cache.me")
    assert compile_path("$.cache.me").keys == ("cache", "me")
