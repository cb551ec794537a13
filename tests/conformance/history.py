"""Compare a GetExecutionHistory event list with the recorded one.

Two comparisons, reported separately because the engine team fixes them separately:
`event_types` (the order of event types, what the issue's acceptance counts) and `event_details`
(ids, previousEventId and every *EventDetails field, placeholder-aware).

Six recorded Parallel histories were rewritten by LocalStack's SfnNoneRecursiveParallelTransformer:
events inside a Parallel state carry `id: [0]`, are sorted by their JSON text, and some
ParallelStateSucceeded/Exited events were dropped. For those cases the events with integer ids must
appear in the actual history, in order, at the same ids; each `[0]` event must match a distinct
actual event anywhere in the history. That is as strict as the recording allows.
"""
from __future__ import annotations

from typing import Any

from .matcher import match

DETAIL_SUFFIX = "EventDetails"


def _strip(event: dict[str, Any]) -> dict[str, Any]:
    """The parts of an actual event the recording kept (it dropped the timestamp)."""
    return {k: v for k, v in event.items() if k != "timestamp"}


def _match_event(expected: dict[str, Any], actual: dict[str, Any], bindings: dict[str, str],
                 where: str, check_ids: bool = True) -> str | None:
    if expected["type"] != actual.get("type"):
        return f"{where}: type {actual.get('type')} != {expected['type']}"
    actual = _strip(actual)
    if check_ids:
        for key in ("id", "previousEventId"):
            if expected.get(key) != actual.get(key):
                return f"{where} {expected['type']}: {key} {actual.get(key)} != {expected.get(key)}"
    exp_keys = {k for k in expected if k.endswith(DETAIL_SUFFIX)}
    act_keys = {k for k in actual if k.endswith(DETAIL_SUFFIX)}
    if exp_keys != act_keys:
        return f"{where} {expected['type']}: detail fields {sorted(act_keys)} != {sorted(exp_keys)}"
    for key in sorted(exp_keys):
        diff = match(expected[key], actual[key], bindings, f"{where} {expected['type']}.{key}", json_text=True)
        if diff:
            return diff
    return None


def compare_types(expected: list[dict], actual: list[dict], parallel_normalised: bool) -> str | None:
    exp_types = [e["type"] for e in expected if not parallel_normalised or isinstance(e["id"], int)]
    if parallel_normalised:
        by_id = {e["id"]: e["type"] for e in actual}
        act_types = [by_id.get(e["id"], "<missing>") for e in expected if isinstance(e["id"], int)]
        inner_exp = sorted(e["type"] for e in expected if not isinstance(e["id"], int))
        remaining = [e["type"] for e in actual]
        for event_type in inner_exp:
            if event_type not in remaining:
                return f"history: branch event {event_type} missing"
            remaining.remove(event_type)
    else:
        act_types = [e["type"] for e in actual]
    if exp_types == act_types:
        return None
    for index, (exp, act) in enumerate(zip(exp_types, act_types)):
        if exp != act:
            return f"history types differ at #{index + 1}: got {act}, expected {exp} (got {len(act_types)} events, expected {len(exp_types)})"
    return f"history length {len(act_types)} != {len(exp_types)}; " + (
        f"extra {act_types[len(exp_types):][:4]}" if len(act_types) > len(exp_types) else f"missing {exp_types[len(act_types):][:4]}"
    )


def compare_details(expected: list[dict], actual: list[dict], bindings: dict[str, str],
                    parallel_normalised: bool) -> str | None:
    if not parallel_normalised:
        for index, (exp, act) in enumerate(zip(expected, actual)):
            diff = _match_event(exp, act, bindings, f"event #{index + 1}")
            if diff:
                return diff
        return None
    by_id = {e["id"]: e for e in actual}
    used: set[int] = set()
    for exp in expected:
        if isinstance(exp["id"], int):
            act = by_id.get(exp["id"])
            if act is None:
                return f"event id {exp['id']} ({exp['type']}) missing"
            diff = _match_event(exp, act, bindings, f"event #{exp['id']}")
            if diff:
                return diff
            used.add(exp["id"])
    for exp in expected:
        if isinstance(exp["id"], int):
            continue
        for act in actual:
            if act["id"] in used:
                continue
            trial = dict(bindings)
            if _match_event(exp, act, trial, "branch event", check_ids=False) is None:
                bindings.update(trial)
                used.add(act["id"])
                break
        else:
            return f"branch event {exp['type']} with recorded details has no match"
    return None
