"""Expressions of the Amazon States Language: JSONPath, payload templates, intrinsic functions,
JSONata and Choice rules. Everything is compiled once and cached; errors are `EvaluationError`s
whose `cause` is AWS's detail text (the engine adds the "An error occurred while executing the
state ..." prefix)."""
from workflows.engine.expressions.choice import ChoiceRule, compile_choice
from workflows.engine.expressions.errors import EvaluationError
from workflows.engine.expressions.intrinsic_functions import evaluate_intrinsic, validate_intrinsic
from workflows.engine.expressions.intrinsic_parser import looks_like_intrinsic
from workflows.engine.expressions.jsonpath import (
    compile_path,
    jsonpath_get,
    jsonpath_set,
    path_exists,
    validate_path,
    validate_reference_path,
)
from workflows.engine.expressions.jsonata_eval import (
    compile_jsonata,
    evaluate_jsonata,
    is_jsonata_template,
    json_type,
    render_jsonata,
    strip_template,
    validate_jsonata,
)
from workflows.engine.expressions.payload import compile_template, render_payload, validate_payload
from workflows.engine.expressions.timestamps import is_timestamp, parse_timestamp

__all__ = [
    "ChoiceRule",
    "compile_choice",
    "compile_jsonata",
    "evaluate_jsonata",
    "is_jsonata_template",
    "is_timestamp",
    "json_type",
    "parse_timestamp",
    "render_jsonata",
    "strip_template",
    "validate_jsonata",
    "EvaluationError",
    "compile_path",
    "compile_template",
    "evaluate_intrinsic",
    "jsonpath_get",
    "jsonpath_set",
    "looks_like_intrinsic",
    "path_exists",
    "render_payload",
    "validate_intrinsic",
    "validate_path",
    "validate_payload",
    "validate_reference_path",
]
