"""The TestState corpus recorded on AWS, replayed through `test_state` (the issue's >= 95% bar)."""
from __future__ import annotations

import pytest

from teststate_corpus import compare, expected_differences, load_cases, run_case

CASES = load_cases(pure_only=True)
KNOWN = expected_differences()


def _outcomes() -> dict[str, str | None]:
    return {case["id"]: compare(case, run_case(case)) for case in CASES}


@pytest.fixture(scope="module")
def outcomes() -> dict[str, str | None]:
    return _outcomes()


def test_corpus_is_the_recorded_one():
    assert len(CASES) == 201


def test_at_least_95_percent_of_pure_cases_match_aws(outcomes):
    matched = sum(1 for diff in outcomes.values() if diff is None)
    assert matched / len(outcomes) >= 0.95, f"{matched}/{len(outcomes)} matched"


def test_every_difference_is_listed_with_a_reason(outcomes):
    unexpected = {case_id: diff for case_id, diff in outcomes.items() if diff and case_id not in KNOWN}
    assert not unexpected, "\n".join(f"{k}: {v}" for k, v in unexpected.items())
    assert all(reason.strip() for reason in KNOWN.values())


def test_listed_differences_still_differ_so_the_list_only_shrinks(outcomes):
    fixed = [case_id for case_id in KNOWN if outcomes.get(case_id, "not in corpus") is None]
    assert not fixed, f"now matching AWS, remove from the expected-differences file: {fixed}"
    stale = [case_id for case_id in KNOWN if case_id not in outcomes]
    assert not stale, f"not a pure corpus case: {stale}"
