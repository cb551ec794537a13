"""JSONata as Step Functions evaluates it: bindings, AWS functions, result rules and errors."""
from __future__ import annotations

import uuid

import pytest

from workflows.engine.expressions import (
    EvaluationError,
    compile_jsonata,
    evaluate_jsonata,
    is_jsonata_template,
    render_jsonata,
    validate_jsonata,
)

STATES = {"input": {"a": [1, 2, 3], "s": '{"x": 1}', "n": None}, "context": {"State": {"Name": "S"}}}


def ev(expr: str, **variables: object) -> object:
    return evaluate_jsonata(expr, states=STATES, variables=variables, field="Output")


def test_states_and_variables_are_bound() -> None:
    assert ev("$states.input.a[1]") == 2
    assert ev("$states.context.State.Name") == "S"
    assert ev("$myVar + 1", myVar=41) == 42
    assert ev("$v = null", v=None) is True
    assert ev("$states.input.n") is None


def test_integral_numbers_come_back_as_ints() -> None:
    value = ev("$x * 1", x=2.0)
    assert value == 2 and isinstance(value, int)
    assert ev("7 / 2") == 3.5


def test_aws_functions() -> None:
    assert ev("$partition($states.input.a, 2)") == [[1, 2], [3]]
    assert ev("$range(0, 9, 3)") == [0, 3, 6, 9]
    assert ev("$range(1, 9, 9)") == 1  # a one-item sequence collapses, as on AWS
    assert ev("$hash('input data', 'MD5')") == "812f45842bc6d66ee14572ce20db8e86"
    assert 0 <= ev("$random()") < 1
    assert ev("$random(7)") == ev("$random(7)")
    assert uuid.UUID(ev("$uuid()")).version == 4
    assert ev("$parse($states.input.s)") == {"x": 1}


def test_undefined_result_is_query_evaluation_error() -> None:
    with pytest.raises(EvaluationError) as info:
        evaluate_jsonata("$doesNotExist", states=STATES, variables={}, field="Output/result")
    assert info.value.error == "States.QueryEvaluationError"
    assert info.value.cause == (
        "The JSONata expression '$doesNotExist' specified for the field 'Output/result' returned nothing (undefined)."
    )
    assert info.value.location == "Output/result"


def test_function_result_is_unsupported() -> None:
    with pytest.raises(EvaluationError) as info:
        evaluate_jsonata("$fn := function($x){$x}", states=STATES, variables={}, field="Items")
    assert info.value.cause == (
        "The JSONata expression '$fn := function($x){$x}' specified for the field 'Items' returned an unsupported result type."
    )


def test_expected_type_is_checked_with_aws_wording() -> None:
    with pytest.raises(EvaluationError) as info:
        evaluate_jsonata("{'foo': 'bar'}", states=STATES, variables={}, field="Items", expected="array")
    assert info.value.cause == (
        "The JSONata expression '{'foo': 'bar'}' specified for the field 'Items' returned an unexpected result type. "
        "Expected 'array', but was 'object' for value: {\"foo\":\"bar\"}"
    )


def test_runtime_errors_are_query_evaluation_errors() -> None:
    with pytest.raises(EvaluationError) as info:
        ev("$partition($states.input.a, 0)")
    assert info.value.error == "States.QueryEvaluationError"
    with pytest.raises(EvaluationError):
        ev("$states.input.a.foo()")


def test_render_walks_templates_and_names_nested_fields() -> None:
    template = {"x": "{% $states.input.a[0] %}", "l": [1, "{% 1 + 1 %}"], "lit": " {% not jsonata %} ", "c": None}
    assert render_jsonata(template, states=STATES, variables={}, field="Output") == {
        "x": 1, "l": [1, 2], "lit": " {% not jsonata %} ", "c": None,
    }
    with pytest.raises(EvaluationError) as info:
        render_jsonata({"result": "{% $nope %}"}, states=STATES, variables={}, field="Output")
    assert "'Output/result'" in info.value.cause


def test_templates_detection_and_validation() -> None:
    assert is_jsonata_template("{% 1 %}") and not is_jsonata_template(" {% 1 %}")
    validate_jsonata("{% $states.input %}")
    with pytest.raises(ValueError):
        validate_jsonata("{% 1 + %}")


def test_expressions_are_compiled_once() -> None:
    assert compile_jsonata("$states.input.a") is compile_jsonata("$states.input.a")
