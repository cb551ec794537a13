"""Judge one case: the observed execution against the recorded one, aspect by aspect.

Aspects: status, output, error, cause (what DescribeExecution shows), history types (the order of
event types) and history details (ids, previousEventId and every *EventDetails field). A case
matches when every recorded aspect matches; one placeholder binding table spans all aspects.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .corpus import folder, group, need_group
from .history import compare_details, compare_types
from .matcher import match
from .runner import Observed

PARALLEL_NOTE = "SfnNoneRecursiveParallelTransformer"


@dataclass
class CaseResult:
    case_id: str
    group: str
    folder: str
    need_group: str
    features: list[str]
    diffs: dict[str, str] = field(default_factory=dict)

    @property
    def matched(self) -> bool:
        return not self.diffs

    def one_line(self) -> str:
        aspect, text = next(iter(self.diffs.items()))
        more = f" (+{len(self.diffs) - 1} more aspects)" if len(self.diffs) > 1 else ""
        return f"[{aspect}] {text}{more}"


def compare(case: dict[str, Any], observed: Observed) -> CaseResult:
    result = CaseResult(case["id"], group(case), folder(case), need_group(case), list(case.get("features") or []))
    if observed.problem:
        result.diffs["engine"] = observed.problem
        return result
    expected = case["expected"]
    bindings: dict[str, str] = {}
    if observed.status != expected["status"]:
        result.diffs["status"] = f"{observed.status} != {expected['status']}" + (
            f" (error {observed.error}: {str(observed.cause)[:160]})" if observed.error else "")
    if case["history"] is not None:
        actual_history = observed.history or []
        parallel = any(PARALLEL_NOTE in note for note in case.get("notes") or [])
        diff = compare_types(case["history"], actual_history, parallel)
        if diff:
            result.diffs["history-types"] = diff
        else:
            diff = compare_details(case["history"], actual_history, bindings, parallel)
            if diff:
                result.diffs["history-details"] = diff
    if "output" in expected and expected["status"] == observed.status:
        if observed.output is None:
            result.diffs["output"] = "no output"
        else:
            try:
                actual = json.loads(observed.output)
            except (TypeError, ValueError):
                result.diffs["output"] = f"output is not JSON text: {str(observed.output)[:100]}"
            else:
                # the path names the event the recording took the output from (a transformer can
                # replace a value with its key path)
                diff = match(expected["output"], actual, bindings, "executionSucceededEventDetails.output")
                if diff:
                    result.diffs["output"] = diff
    for key in ("error", "cause"):
        if key in expected:
            diff = match(expected[key], getattr(observed, key), bindings, key, json_text=key == "cause")
            if diff:
                result.diffs[key] = diff
    return result
