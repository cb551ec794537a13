"""Every path and every ".$" value is parsed with the grammar the engine evaluates with (Jayway's:
hyphens, brackets, filters, "$.[0]"), wherever it appears; intrinsic functions are checked by name and
by argument count. Each rule: a definition AWS accepts and one it refuses, with the message."""
from __future__ import annotations

import json

import pytest

from workflows.engine import validate_definition
from workflows.engine.expressions import jsonpath_get

LAMBDA = "arn:aws:states:::lambda:invoke"


def pass_state(**fields) -> dict:
    return {"StartAt": "S", "States": {"S": {"Type": "Pass", "End": True, **fields}}}


def problems(definition: dict) -> list[tuple[str, str]]:
    return [(d.message, d.location) for d in validate_definition(json.dumps(definition))]


ACCEPTED_PATHS = [
    "$.detail-type", "$.test-run-id", "$.Tasks[?(@.TaskType == 'Map')]", "$.detail['flow-name']",
    "$.[0]", "$.Snapshots.[0].State", "$.[?(@.OU > 0)]", "$.[*].['bucket', 'key']", "$..Name",
    "$.items[0:2]", "$.items[-1:]", "$.a[?(@.price < 10 && @.tag)]", "$.a[?(@.name =~ /foo.*/i)]",
    "$$.Execution.Input.detail-type", "$$.Map.Item.Value", "$['a b']['c-d']",
]


@pytest.mark.parametrize("path", ACCEPTED_PATHS)
@pytest.mark.parametrize("field", ["InputPath", "OutputPath", "Parameters"])
def test_jayway_paths_are_accepted_in_every_field(path: str, field: str) -> None:
    fields = {"Parameters": {"value.$": path}} if field == "Parameters" else {field: path}
    assert problems(pass_state(**fields)) == []


@pytest.mark.parametrize("path", ["$.detail-type", "$.detail['flow-name']", "$.Tasks[?(@.TaskType == 'Map')]"])
def test_the_same_grammar_evaluates(path: str) -> None:
    data = {"detail-type": "x", "detail": {"flow-name": "f"}, "Tasks": [{"TaskType": "Map"}, {"TaskType": "Pass"}]}
    expected = {"$.detail-type": "x", "$.detail['flow-name']": "f", "$.Tasks[?(@.TaskType == 'Map')]": [{"TaskType": "Map"}]}
    assert jsonpath_get(path, data) == expected[path]


REFUSED_PATHS = [
    ("$.a b", "the property name 'a b' contains a blank"),
    ("$.[", "unterminated '['"),
    ("$.a[?(@.x == )]", "unexpected end of filter expression"),
    ("$.", "empty property name"),
]


@pytest.mark.parametrize("path, why", REFUSED_PATHS)
def test_malformed_paths_are_refused_in_inputpath_and_parameters(path: str, why: str) -> None:
    [(message, where)] = problems(pass_state(InputPath=path))
    assert where == "/States/S/InputPath"
    assert message.startswith(f"InputPath is {json.dumps(path)}; AWS requires a valid JSONPath (") and why in message
    [(message, where)] = problems(pass_state(Parameters={"nested": {"value.$": path}}))
    assert where == "/States/S/Parameters/nested/value.$"
    assert message.startswith(f"Parameters.nested.value.$ is {json.dumps(path)}; AWS requires a valid JSONPath (")


def test_a_filter_with_a_bare_word_is_accepted_as_aws_accepts_it() -> None:
    """Public samples deploy `[?(@.Name==Receipt)]`; Jayway cannot read it, so it fails only when evaluated
    (tests/engine_expressions/test_jsonpath_filters.py) and `workflows validate --warnings` says so."""
    assert problems(pass_state(InputPath="$.a[?(@.Name==Receipt)]")) == []
    assert problems(pass_state(Parameters={"v.$": "$.a[?(@.Type.Text==AMOUNT_PAID)].Value"})) == []


def test_result_path_is_a_reference_path() -> None:
    assert problems(pass_state(ResultPath="$.detail['flow-name'].out")) == []
    assert problems(pass_state(ResultPath="$.items[*]")) == [
        ('ResultPath is "$.items[*]"; AWS requires a reference path: \'$\' followed by names and single indexes',
         "/States/S/ResultPath")]


def test_fail_error_path_takes_a_path_or_an_intrinsic() -> None:
    ok = {"StartAt": "F", "States": {"F": {"Type": "Fail", "ErrorPath": "$.error-name",
                                           "CausePath": "States.Format('failed: {}', $.cause)"}}}
    assert problems(ok) == []
    bad = {"StartAt": "F", "States": {"F": {"Type": "Fail", "ErrorPath": "States.Nope($.e)"}}}
    assert problems(bad)[0][1] == "/States/F/ErrorPath"
    assert problems(bad)[0][0].startswith("ErrorPath calls States.Nope, which is not an intrinsic function")


def test_choice_path_comparators_take_hyphens_and_brackets() -> None:
    ok = {"StartAt": "C", "States": {"C": {"Type": "Choice", "Default": "D", "Choices": [
        {"Variable": "$.detail-type", "StringEqualsPath": "$.expected['detail-type']", "Next": "D"}]},
        "D": {"Type": "Succeed"}}}
    assert problems(ok) == []


@pytest.mark.parametrize("value, message", [
    ("hello", 'Parameters.x.$ is "hello"; AWS requires a JSONPath (starting with \'$\') or an intrinsic function '
              "(States.*)"),
    (23, "Parameters.x.$ is 23; AWS requires a JSONPath (starting with '$') or an intrinsic function (States.*)"),
    (None, "Parameters.x.$ is null; AWS requires a JSONPath (starting with '$') or an intrinsic function (States.*)"),
    ("States.Xyz($.a)", "Parameters.x.$ calls States.Xyz, which is not an intrinsic function; AWS supports "
                        "States.Array, States.ArrayContains, States.ArrayGetItem, States.ArrayLength, "
                        "States.ArrayPartition, States.ArrayRange, States.ArrayUnique, States.Base64Decode, "
                        "States.Base64Encode, States.Format, States.Hash, States.JsonMerge, States.JsonToString, "
                        "States.MathAdd, States.MathRandom, States.StringSplit, States.StringToJson, States.UUID"),
    ("States.MathAdd($.a)", "Parameters.x.$ calls States.MathAdd with 1 argument; AWS requires 2 arguments"),
    ("States.Format()", "Parameters.x.$ calls States.Format with 0 arguments; AWS requires at least 1 argument"),
    ("States.MathRandom(1, 2, 3, 4)", "Parameters.x.$ calls States.MathRandom with 4 arguments; AWS requires 2 to 3 "
                                      "arguments"),
    ("States.UUID(1)", "Parameters.x.$ calls States.UUID with 1 argument; AWS requires 0 arguments"),
    ("States.Format('{}', States.Nope())", "Parameters.x.$ calls States.Nope, which is not an intrinsic function; "
                                           "AWS supports States.Array"),
    ("States.Format('{}' $.a)", "Parameters.x.$ is \"States.Format('{}' $.a)\"; AWS requires a valid intrinsic "
                                "function call (expected ',' or ')'"),
])
def test_dynamic_values_must_be_a_path_or_a_known_intrinsic(value: object, message: str) -> None:
    [(found, where)] = problems(pass_state(Parameters={"x.$": value}))
    assert where == "/States/S/Parameters/x.$" and found.startswith(message), found


@pytest.mark.parametrize("value", [
    "States.Format('{} {}', $.a, $.b)", "States.Array()", "States.Array($.a, 1, 'x')", "States.MathRandom(1, 9)",
    "States.MathRandom(1, 9, 42)", "States.UUID()", "States.JsonMerge($.a, $.b, false)",
    "States.StringToJson($.[0].body)", "States.ArrayGetItem($.list, States.MathAdd($.i, 1))",
])
def test_well_formed_intrinsics_are_accepted(value: str) -> None:
    assert problems(pass_state(Parameters={"x.$": value})) == []


@pytest.mark.parametrize("field", ["ResultSelector", "Assign", "ItemSelector"])
def test_dynamic_values_are_checked_in_every_template(field: str) -> None:
    state = {"Type": "Map", "End": True, "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}},
             field: {"ok.$": "$.a-b", "bad.$": "nope"}}
    found = problems({"StartAt": "S", "States": {"S": state}})
    assert found == [(f'{field}.bad.$ is "nope"; AWS requires a JSONPath (starting with \'$\') or an intrinsic '
                      "function (States.*)", f"/States/S/{field}/bad.$")]
