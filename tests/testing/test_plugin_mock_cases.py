"""The pytest plugin reads the sidecar: one test per test case, judged by <config>.expect.json."""
from __future__ import annotations

import json
import textwrap

import pytest

from workflows.testing.mock_files import load_suite

pytest_plugins = ["pytester"]
SIGNUP_CASES = [name for _, name in load_suite("tests/mocks/signup.json").cases()]


@pytest.mark.sfn_mock_config("../mocks/signup.json")
def test_each_signup_case_replays_as_its_sidecar_expects(sfn_mock_case, sfn_replay, request) -> None:
    assert request.node.callspec.id == f"signup/{sfn_mock_case.name}"
    assert sfn_mock_case.name in SIGNUP_CASES
    result = sfn_replay(sfn_mock_case)
    assert result.passed, result.problems
    assert result.status == sfn_mock_case.expect.status


def test_one_item_per_case_and_a_wrong_expectation_fails(pytester: pytest.Pytester) -> None:
    definition = {"StartAt": "Save", "States": {"Save": {
        "Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
        "Parameters": {"TableName": "t", "Item": {}}, "End": True}}}
    pytester.makefile(".asl.json", save=json.dumps(definition))
    pytester.makefile(".json", mocks=json.dumps({
        "StateMachines": {"save": {"TestCases": {"Ok": {"Save": "Put"}, "Boom": {"Save": "Fail"}}}},
        "MockedResponses": {"Put": {"0": {"Return": {}}},
                            "Fail": {"0": {"Throw": {"Error": "DynamoDB.AmazonDynamoDBException", "Cause": "x"}}}}}))
    (pytester.path / "mocks.expect.json").write_text(json.dumps({"StateMachines": {"save": {
        "definition": "save.asl.json",
        "TestCases": {"Ok": {"input": {"n": 1}, "expect": {"output": {}, "path": ["Save"]}},
                      "Boom": {"expect": {"status": "SUCCEEDED"}}}}}}))
    pytester.makepyfile(test_cases=textwrap.dedent("""
        import pytest

        @pytest.mark.sfn_mock_config("mocks.json")
        def test_case(sfn_mock_case, sfn_replay):
            result = sfn_replay(sfn_mock_case)
            assert result.passed, result.problems
    """))
    outcome = pytester.runpytest_inprocess("-v", "-p", "no:cacheprovider", "--sfn-target=embedded")
    outcome.assert_outcomes(passed=1, failed=1)
    text = outcome.stdout.str()
    assert "test_case[save/Ok]" in text and "test_case[save/Boom]" in text
    assert "status FAILED (error DynamoDB.AmazonDynamoDBException: x), expected SUCCEEDED" in text
