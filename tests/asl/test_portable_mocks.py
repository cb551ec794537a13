"""tests/mocks/*.json: fully mocked Step Functions Local MockConfigFiles, one per workflow.

Every Task on each case's path is mocked, so the same files run unchanged on Step Functions Local
and through `workflows test`. Each config holds AWS's two keys only; inputs and expected outcomes
are in its sidecar, tests/mocks/<name>.expect.json. Run here inside moto so an unmocked call cannot
reach AWS.
"""
from __future__ import annotations

import json
from typing import Any

import pytest
from .conftest import PORTABLE_MOCKS_DIR, AwsFixture, deploy

from workflows.definitions import MACHINES
from workflows.testing.mock_files import load_suite
from workflows.testing.runner import run_cases


@pytest.mark.parametrize("name", MACHINES)
def test_every_case_reaches_its_expected_outcome(aws: AwsFixture, name: str) -> None:
    path = PORTABLE_MOCKS_DIR / f"{name}.json"
    results = run_cases(path)
    raw = json.loads(path.read_text())
    assert {r.case for r in results} == set(raw["StateMachines"][name]["TestCases"])
    assert [(r.case, r.problems) for r in results if not r.passed] == []
    assert aws.calls == {}  # every Task was mocked


SIGNUP_STATUS = {
    "HappyPath": 201, "InvalidEmail": 400, "DuplicateEmail": 409, "UsernameExists": 409, "AliasExists": 409,
    "InvalidParameter": 400, "TooManyRequests": 503, "CognitoTimeout": 503, "GroupNotFound": 500,
    "TransactionTimeout": 503, "AllocationThrottled": 503,
    "AllocationTimedOutButLanded": 201, "AllocationTimedOutNothingLanded": 503,
}


@pytest.mark.parametrize("case, status", sorted(SIGNUP_STATUS.items()))
def test_signup_cases_answer_the_right_status_code(make_sfn: Any, aws: AwsFixture, case: str, status: int) -> None:
    path = PORTABLE_MOCKS_DIR / "signup.json"
    sfn = make_sfn(mock_config=str(path))
    arn = deploy(sfn, aws, "signup")
    body = load_suite(path).case("signup", case).input
    response = sfn.start_sync_execution(stateMachineArn=f"{arn}#{case}", input=json.dumps(body))
    assert json.loads(response["output"])["statusCode"] == status
