"""MockConfigFile loading, per-invocation replay and validation against the integration's shapes."""
from __future__ import annotations

import json

import pytest

from workflows.testing.mock_config import MockConfigError, MockConfigWarning, MockValidationError, load

PUT = "arn:aws:states:::dynamodb:putItem"
INVOKE = "arn:aws:states:::lambda:invoke"
DEFINITION = {
    "StartAt": "Allocate",
    "States": {
        "Allocate": {"Type": "Task", "Resource": INVOKE, "Next": "Save"},
        "Save": {"Type": "Task", "Resource": PUT, "Next": "Fanout"},
        "Fanout": {"Type": "Parallel", "End": True, "Branches": [{"StartAt": "Notify", "States": {
            "Notify": {"Type": "Task", "Resource": "arn:aws:states:::sns:publish", "End": True}}}]},
    },
}


def config(**responses) -> dict:
    return {
        "StateMachines": {"signup": {"TestCases": {
            "Happy": {"Allocate": "LambdaOk", "Save": "PutOk"},
            "Retry": {"Allocate": "LambdaRetry"},
        }}},
        "MockedResponses": {
            "LambdaOk": {"0": {"Return": {"StatusCode": 200, "Payload": {"id": 7}}}},
            "PutOk": {"0": {"Return": {}}},
            "LambdaRetry": {
                "0": {"Throw": {"Error": "Lambda.TooManyRequestsException", "Cause": "slow down"}},
                "1-2": {"Throw": {"Error": "Lambda.ServiceException", "Cause": "boom"}},
                "3": {"Return": {"StatusCode": 200, "Payload": "done"}},
            },
            **responses,
        },
    }


def call(mocker, state, arn="arn:exec:1", case="Retry", resource=INVOKE):
    return mocker.mocked_result(state_machine_name="signup", test_case=case, state_name=state,
                                execution_arn=arn, resource=resource, parameters={})


def test_invocations_consume_indices_and_ranges_per_execution():
    mocker = load(config())
    seen = [call(mocker, "Allocate") for _ in range(4)]
    assert [o.kind for o in seen] == ["throw", "throw", "throw", "return"]
    assert [o.error for o in seen[:3]] == ["Lambda.TooManyRequestsException", "Lambda.ServiceException",
                                           "Lambda.ServiceException"]
    assert seen[3].value == {"StatusCode": 200, "Payload": "done"}
    # another execution starts from invocation 0 again
    assert call(mocker, "Allocate", arn="arn:exec:2").error == "Lambda.TooManyRequestsException"
    assert mocker.invocations("arn:exec:1", "Allocate") == 4


def test_running_past_the_last_invocation_fails_with_states_runtime_naming_the_state():
    mocker = load(config())
    for _ in range(4):
        call(mocker, "Allocate")
    past = call(mocker, "Allocate")
    assert past.kind == "throw" and past.error == "States.Runtime"
    assert "'Allocate'" in past.cause and "invocation 4" in past.cause


def test_unmocked_state_returns_none_so_the_real_integration_runs():
    assert call(load(config()), "Save", case="Retry", resource=PUT) is None


def test_unknown_test_case_names_what_exists():
    with pytest.raises(MockConfigError, match="no test case 'Nope'.*Happy, Retry"):
        call(load(config()), "Allocate", case="Nope")


def test_loads_from_a_file_unchanged(tmp_path):
    path = tmp_path / "MockConfigFile.json"
    path.write_text(json.dumps(config()))
    assert call(load(path), "Allocate").kind == "throw"
    assert call(load(str(path)), "Allocate", case="Happy").value["Payload"] == {"id": 7}


@pytest.mark.parametrize("responses, message", [
    ({"Bad": {"0": {"Return": {}, "Throw": {"Error": "X", "Cause": "y"}}}}, "exactly one of Return or Throw"),
    ({"Bad": {"1": {"Return": {}}}}, "consecutive from 0"),
    ({"Bad": {"0": {"Return": {}}, "2": {"Return": {}}}}, "starts at 2"),
    ({"Bad": {"x": {"Return": {}}}}, "invocation key \"x\""),
    ({"Bad": {"3-1": {"Return": {}}}}, "ascending range"),
    ({"Bad": {"0": {"Throw": {"Cause": "no error"}}}}, "string Error"),
])
def test_malformed_responses_are_rejected_naming_the_response(responses, message):
    with pytest.raises(MockConfigError, match=message) as info:
        load(config(**responses))
    assert "MockedResponses.Bad" in str(info.value)


def test_test_case_naming_an_undefined_response_is_rejected():
    raw = config()
    raw["StateMachines"]["signup"]["TestCases"]["Happy"]["Save"] = "Missing"
    with pytest.raises(MockConfigError, match="Happy.Save names mocked response 'Missing'"):
        load(raw)


def test_misspelled_output_field_is_rejected_naming_state_and_field():
    raw = config(PutOk={"0": {"Return": {"Atributes": {}}}})
    with pytest.raises(MockValidationError) as info:
        load(raw).check_definition("signup", DEFINITION)
    text = str(info.value)
    assert "state 'Save'" in text and "'Atributes'" in text and "Attributes" in text
    assert "PutItemOutput" in text


def test_wrong_type_is_rejected_in_present_mode_but_not_off():
    raw = config(LambdaOk={"0": {"Return": {"StatusCode": "200"}}})
    with pytest.raises(MockValidationError, match="state 'Allocate'.*'StatusCode' must be a number"):
        load(raw, validation="present").check_definition("signup", DEFINITION)
    load(raw, validation="off").check_definition("signup", DEFINITION)


def test_present_mode_allows_unknown_fields_strict_does_not():
    raw = config(PutOk={"0": {"Return": {"Extra": 1}}})
    load(raw, validation="present").check_definition("signup", DEFINITION)
    raw["x-validation"] = "strict"  # the legacy key still works, with a warning naming it
    with pytest.raises(MockValidationError, match="'Extra'"), pytest.warns(MockConfigWarning, match="x-validation"):
        load(raw).check_definition("signup", DEFINITION)


def test_impossible_error_name_is_rejected_naming_state_and_error():
    raw = config(LambdaRetry={"0": {"Throw": {"Error": "Lambda.TooManyRequest", "Cause": "c"}}})
    with pytest.raises(MockValidationError) as info:
        load(raw).check_definition("signup", DEFINITION)
    text = str(info.value)
    assert "state 'Allocate'" in text and "Throw.Error 'Lambda.TooManyRequest'" in text
    assert "Lambda.TooManyRequestsException" in text  # the suggestion


def test_dynamodb_error_must_be_a_real_dynamodb_error():
    raw = config(PutOk={"0": {"Throw": {"Error": "DynamoDB.ConditionalCheckFailed", "Cause": "c"}}})
    with pytest.raises(MockValidationError, match="DynamoDB.ConditionalCheckFailedException"):
        load(raw).check_definition("signup", DEFINITION)
    raw["MockedResponses"]["PutOk"]["0"]["Throw"]["Error"] = "DynamoDB.ConditionalCheckFailedException"
    load(raw).check_definition("signup", DEFINITION)


def test_validation_also_happens_at_invocation():
    raw = config(PutOk={"0": {"Return": {"ConsumedCapacity": {"CapacityUnits": "1"}}}})
    with pytest.raises(MockValidationError, match="'ConsumedCapacity.CapacityUnits' must be a number"):
        call(load(raw), "Save", case="Happy", resource=PUT)


def test_mocking_a_state_the_definition_lacks_or_a_non_task_is_reported():
    raw = config()
    raw["StateMachines"]["signup"]["TestCases"]["Happy"].update({"Nope": "PutOk", "Fanout": "PutOk"})
    with pytest.raises(MockValidationError) as info:
        load(raw).check_definition("signup", DEFINITION)
    assert "no state 'Nope'" in str(info.value) and "'Fanout' is a Parallel state" in str(info.value)


def test_nested_states_are_found_for_validation():
    raw = config(Pub={"0": {"Return": {"MessageId": 5}}})
    raw["StateMachines"]["signup"]["TestCases"]["Happy"]["Notify"] = "Pub"
    with pytest.raises(MockValidationError, match="state 'Notify'.*'MessageId' must be a string"):
        load(raw).check_definition("signup", DEFINITION)


def test_unknown_validation_mode_is_rejected():
    with pytest.raises(MockConfigError, match="x-validation 'loose'"), pytest.warns(MockConfigWarning):
        load({**config(), "x-validation": "loose"})
