"""Run each corpus case at most once per process and remember its verdict."""
from __future__ import annotations

import functools

from .compare import CaseResult, compare
from .corpus import load_cases, runnable
from .runner import run_case
from .services import moto_client_factory


@functools.lru_cache(maxsize=None)
def cases_by_id() -> dict[str, dict]:
    return {case["id"]: case for case in load_cases()}


@functools.lru_cache(maxsize=None)
def result_for(case_id: str) -> CaseResult:
    case = cases_by_id()[case_id]
    if case["needs"]:
        # Lambda cases too: a function the test never created must fail like AWS, not reach AWS.
        with moto_client_factory(case) as (factory, replacements):
            return compare(case, run_case(case, factory, replacements))
    return compare(case, run_case(case))


def all_results() -> tuple[list[CaseResult], dict[str, str]]:
    results: list[CaseResult] = []
    skipped: dict[str, str] = {}
    for case_id, case in cases_by_id().items():
        reason = runnable(case)
        if reason:
            skipped[case_id] = reason
        else:
            results.append(result_for(case_id))
    return results, skipped
