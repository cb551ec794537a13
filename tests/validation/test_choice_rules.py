"""Choice rules are checked field by field, nested And/Or/Not rules too: an unknown field, a Next inside a
nested rule, two comparisons in one rule or none, a field of the other query language - each named, with
the rule's location; a well-formed rule passes."""
from __future__ import annotations

import json

import pytest

from workflows.engine import validate_definition


def problems(rule: dict, query_language: str = "JSONPath") -> list[tuple[str, str]]:
    definition = {"QueryLanguage": query_language, "StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [rule], "Default": "E"}, "E": {"Type": "Succeed"}}}
    return [(d.message, d.location) for d in validate_definition(json.dumps(definition))]


@pytest.mark.parametrize("rule, query_language", [
    ({"Variable": "$.a", "StringEquals": "x", "Next": "E", "Comment": "c", "Assign": {"seen": True}}, "JSONPath"),
    ({"And": [{"Variable": "$.a", "IsPresent": True, "Comment": "c"},
              {"Not": {"Variable": "$.a", "StringEquals": "x"}},
              {"Or": [{"Variable": "$.n", "NumericGreaterThan": 1}, {"Variable": "$.n", "NumericLessThanPath": "$.m"}]}],
      "Next": "E"}, "JSONPath"),
    ({"Condition": "{% $states.input.a = 1 %}", "Next": "E", "Comment": "c", "Assign": {"v": 1}, "Output": {}}, "JSONata"),
])
def test_well_formed_rules_pass(rule: dict, query_language: str) -> None:
    assert problems(rule, query_language) == []


@pytest.mark.parametrize("rule, expected", [
    ({"Variable": "$.a", "StringEquals": "x", "Foo": 1, "Next": "E"},
     [("Field 'Foo' is not supported in a Choice rule", "/States/C/Choices[0]")]),
    ({"And": [{"Variable": "$.a", "IsPresent": True}, {"Variable": "$.b", "StringEquals": "x", "Bar": 2}], "Next": "E"},
     [("Field 'Bar' is not supported in a nested Choice rule", "/States/C/Choices[0]/And[1]")]),
    ({"Or": [{"Not": {"Variable": "$.a", "BooleanEquals": True, "Baz": 3}}], "Next": "E"},
     [("Field 'Baz' is not supported in a nested Choice rule", "/States/C/Choices[0]/Or[0]/Not")]),
    ({"And": [{"Variable": "$.a", "StringEquals": "x", "Next": "E"}], "Next": "E"},
     [("Field 'Next' is not supported in a nested Choice rule", "/States/C/Choices[0]/And[0]")]),
    ({"Variable": "$.a", "StringEquals": "x", "NumericEquals": 1, "Next": "E"},
     [("A Choice rule has StringEquals and NumericEquals; AWS requires exactly one comparison operator, And, Or "
       "or Not", "/States/C/Choices[0]")]),
    ({"Variable": "$.a", "Next": "E"},
     [("A Choice rule has no comparison; AWS requires a Variable with one comparison operator (StringEquals, "
       "NumericGreaterThan, IsPresent, ...), or And, Or or Not", "/States/C/Choices[0]")]),
    ({"StringEquals": "x", "Next": "E"}, [("These fields are required: [Variable]", "/States/C/Choices[0]")]),
    ({"Variable": "$.a", "And": [{"Variable": "$.a", "IsNull": False}], "Next": "E"},
     [("Field 'Variable' is not supported in a Choice rule with And", "/States/C/Choices[0]")]),
    ({"Or": [], "Next": "E"}, [("Or is []; AWS requires a non-empty array of Choice rules", "/States/C/Choices[0]/Or")]),
    ({"Not": [{"Variable": "$.a", "IsNull": True}], "Next": "E"},
     [('Not is [{"Variable":"$.a","IsNull":true}]; AWS requires one Choice rule (a JSON object)',
       "/States/C/Choices[0]/Not")]),
    ({"Variable": "$.a", "StringEquals": "x", "Next": "E", "Condition": "{% true %}"},
     [("The field 'Condition' is not supported for the QueryLanguage JSONPath", "/States/C/Choices[0]/Condition")]),
])
def test_malformed_jsonpath_rules_are_refused(rule: dict, expected: list) -> None:
    assert problems(rule) == expected


@pytest.mark.parametrize("rule, expected", [
    ({"Condition": "{% true %}", "Variable": "$.a", "Next": "E"},
     [("The field 'Variable' is not supported for the QueryLanguage JSONata", "/States/C/Choices[0]/Variable")]),
    ({"Condition": "{% true %}", "Foo": 1, "Next": "E"}, [("Field 'Foo' is not supported in a Choice rule",
                                                           "/States/C/Choices[0]")]),
    ({"Next": "E"}, [("These fields are required: [Condition]", "/States/C/Choices[0]")]),
])
def test_malformed_jsonata_rules_are_refused(rule: dict, expected: list) -> None:
    assert problems(rule, "JSONata") == expected
