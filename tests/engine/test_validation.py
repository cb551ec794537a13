"""Definitions are validated once, with AWS's InvalidDefinition wording, state and field named."""
from __future__ import annotations

import json

import pytest

from workflows.engine import validate_definition

from .conftest import ROLE


def _codes(definition: dict) -> list[str]:
    return [str(d) for d in validate_definition(json.dumps(definition))]


def test_valid_definition_has_no_diagnostics():
    assert _codes({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}) == []


@pytest.mark.parametrize("definition, expected", [
    ({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True, "Bogus": 1}}},
     "SCHEMA_VALIDATION_FAILED: Field 'Bogus' is not supported in a Pass state at /States/A"),
    ({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}},
     "MISSING_TRANSITION_TARGET: Missing 'Next' target: Nowhere at /States/A/Next"),
    ({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}, "B": {"Type": "Pass", "End": True}}},
     'UNREACHABLE_STATE: State "B" is not reachable. at /States/B'),
    ({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True,
                                       "Retry": [{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["X"]}]}}},
     "at /States/A/Retry[0]/ErrorEquals"),
    ({"StartAt": "A", "States": {"A": {"Type": "Pass", "InputPath": "not-a-path", "End": True}}},
     "at /States/A/InputPath"),
    ({"QueryLanguage": "JSONata", "StartAt": "A", "States": {"A": {"Type": "Pass", "Output": "{% $x( %}", "End": True}}},
     "at /States/A/Output"),
    ({"StartAt": "A", "States": {"A": {"Type": "Nope"}}},
     "The field 'Type' should have one of these values"),
    ({"StartAt": "A", "States": {"A": {"Type": "Pass"}}}, "These fields are required: [Next] at /States/A"),
    ({"StartAt": "A", "States": {"A": {"Type": "Map", "ItemProcessor": {"StartAt": "I", "States": {
        "I": {"Type": "Pass", "Next": "Gone"}}}, "End": True}}},
     "Missing 'Next' target: Gone at /States/A/ItemProcessor/States/I/Next"),
])
def test_each_problem_names_state_and_field(definition, expected):
    assert any(expected in text for text in _codes(definition)), _codes(definition)


def test_create_state_machine_raises_invalid_definition(sfn):
    with pytest.raises(sfn.exceptions.InvalidDefinition) as caught:
        sfn.create_state_machine(name="m", roleArn=ROLE, definition=json.dumps(
            {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}}))
    message = caught.value.response["Error"]["Message"]
    assert message.startswith("Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET")


def test_not_json_is_reported():
    assert validate_definition("{nope")[0].code == "INVALID_JSON_DESCRIPTION"
