"""The conformance corpus's expression cases, evaluated straight through the expressions API.

Folders asserted at 100%: choiceoperators (491 Choice table rows) and intrinsicfunctions (163).
Every other pure case that the small walker can run (Pass/Choice/Succeed/Fail only) is asserted
too, except the ones listed in EXPECTED_DIFFERENCES with the reason.
"""
from __future__ import annotations

import pytest

from tests.engine_expressions.corpus_runner import Unsupported, compare, folder_cases, load_cases, run_case

CASES = load_cases()
pytestmark = pytest.mark.skipif(not CASES, reason="conformance corpus not present")

# id substring -> why this case is not expected to match through the expressions API alone.
EXPECTED_DIFFERENCES: dict[str, str] = {
    "test_start_large_input": "States.DataLimitExceeded is the engine's payload-size check, not an expression",
    "TestExpressAsync::test_query_runtime_memory": (
        "context object of an async Express execution (express:<part1>:<part2> ARN, RedriveCount present) "
        "differs from the case's `context` values; building $$ is the engine's job"
    ),
}


def _ids(cases: list[dict]) -> list[str]:
    return [c["id"].split("::", 1)[-1] for c in cases]


def _check(case: dict) -> None:
    for key, reason in EXPECTED_DIFFERENCES.items():
        if key in case["id"]:
            pytest.skip(reason)
    try:
        result = run_case(case)
    except Unsupported as exc:
        pytest.skip(f"needs the engine ({exc} state)")
    difference = compare(case, result)
    assert difference is None, difference


CHOICE = folder_cases(CASES, "choiceoperators")
INTRINSIC = folder_cases(CASES, "intrinsicfunctions")
_SEEN = {c["id"] for c in CHOICE + INTRINSIC}
# Every other pure case; those with states beyond Pass/Choice/Succeed/Fail skip (the engine runs them).
OTHER = [c for c in CASES if not c["needs"] and c["id"] not in _SEEN]


def test_corpus_sizes_are_what_the_readme_says() -> None:
    assert len(CHOICE) == 491
    assert len(INTRINSIC) == 163


@pytest.mark.parametrize("case", CHOICE, ids=_ids(CHOICE))
def test_choice_operator_rows(case: dict) -> None:
    _check(case)


@pytest.mark.parametrize("case", INTRINSIC, ids=_ids(INTRINSIC))
def test_intrinsic_function_cases(case: dict) -> None:
    _check(case)


@pytest.mark.parametrize("case", OTHER, ids=_ids(OTHER))
def test_other_pure_cases(case: dict) -> None:
    _check(case)
