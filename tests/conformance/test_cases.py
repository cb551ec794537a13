"""The engine against executions recorded on real AWS Step Functions.

Every corpus case is one test: it must match AWS (status, output, error, cause, history event
types in order and their details), or be listed in expected_differences.json with the reason it
still differs; a listed case that now matches fails too, so the list only shrinks.
`test_acceptance` checks the thresholds (>= 98% of the pure cases, >= 95% of the Lambda-only
cases) and writes the summary to /tmp/conformance-report.txt.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from .corpus import load_cases, runnable
from .report import percent, write
from .results import all_results, result_for

EXPECTED_DIFFERENCES_FILE = Path(__file__).with_name("expected_differences.json")
EXPECTED_DIFFERENCES: dict[str, str] = json.loads(EXPECTED_DIFFERENCES_FILE.read_text(encoding="utf-8"))
CASES = load_cases()
pytestmark = pytest.mark.skipif(not CASES, reason="conformance corpus not found (CONFORMANCE_CASES)")


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_case(case: dict) -> None:
    reason = runnable(case)
    if reason:
        pytest.skip(reason)
    result = result_for(case["id"])
    listed = EXPECTED_DIFFERENCES.get(case["id"])
    if listed is not None:
        assert not result.matched, (
            "this case now matches AWS: remove it from expected_differences.json"
        )
        pytest.xfail(f"{listed} | now: {result.one_line()[:200]}")
    assert result.matched, result.one_line()


def test_expected_differences_name_real_cases() -> None:
    ids = {case["id"] for case in CASES}
    unknown = sorted(set(EXPECTED_DIFFERENCES) - ids)
    assert not unknown, f"expected_differences.json lists ids not in the corpus: {unknown[:5]}"
    empty = sorted(k for k, v in EXPECTED_DIFFERENCES.items() if not v.strip())
    assert not empty, f"expected_differences.json entries need a reason: {empty[:5]}"


def test_acceptance() -> None:
    results, skipped = all_results()
    write(results, skipped)
    pure_matched, pure_total, pure_pct = percent(results, "pure")
    lambda_matched, lambda_total, lambda_pct = percent(results, "lambda")
    assert pure_total == 924 and lambda_total == 90, "the corpus's pure/lambda groups changed size"
    assert not skipped, f"every corpus case runs in the gate; skipped: {sorted(skipped)[:5]}"
    assert pure_pct >= 98.0, f"pure cases: {pure_matched}/{pure_total} = {pure_pct:.1f}% < 98%"
    assert lambda_pct >= 95.0, f"lambda cases: {lambda_matched}/{lambda_total} = {lambda_pct:.1f}% < 95%"
