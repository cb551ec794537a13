"""The conformance corpus's expression cases, evaluated straight through the expressions API.

Folders asserted at 100%: choiceoperators (491 Choice table rows) and intrinsicfunctions (163).
The pure assign / outputdecl / evaluatejsonata cases that the small walker can run are asserted too,
except the ones listed in EXPECTED_DIFFERENCES with the reason.
"""
from __future__ import annotations

import pytest

from tests.engine_expressions.corpus_runner import Unsupported, compare, folder_cases, load_cases, run_case

CASES = load_cases()
pytestmark = pytest.mark.skipif(not CASES, reason="conformance corpus not present")

# id substring -> why this case is not expected to match through the expressions API alone.
EXPECTED_DIFFERENCES: dict[str, str] = {}


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
OTHER = [
    c
    for folder in ("assign", "outputdecl", "evaluatejsonata", "context_object")
    for c in folder_cases(CASES, folder)
    if not c["needs"]
]


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
def test_assign_output_and_jsonata_cases(case: dict) -> None:
    _check(case)
