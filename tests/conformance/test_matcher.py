"""The placeholder-aware matcher: each rule of the corpus README, and that differences are caught."""
from __future__ import annotations

from .history import compare_details, compare_types
from .matcher import match


def test_equal_values_match_and_different_values_do_not() -> None:
    assert match({"a": [1, "x", None, True]}, {"a": [1, "x", None, True]}, {}) is None
    assert match({"a": 1}, {"a": 2}, {}) is not None
    assert match({"a": 1}, {"a": 1, "b": 2}, {}) is not None  # extra keys are differences
    assert match([1, 2], [1, 2, 3], {}) is not None


def test_bool_is_not_a_number() -> None:
    assert match(1, True, {}) is not None
    assert match(True, 1, {}) is not None


def test_placeholder_binds_once_per_case() -> None:
    bindings: dict[str, str] = {}
    assert match("<uuid:1>", "abc", bindings) is None
    assert match("<uuid:1>", "abc", bindings) is None
    assert match("<uuid:1>", "other", bindings) is not None


def test_placeholder_inside_a_longer_string() -> None:
    bindings: dict[str, str] = {}
    expected = "arn:<partition>:states:<region>:111111111111:execution:<ArnPart_0idx>:<ExecArnPart_0idx>"
    assert match(expected, "arn:aws:states:us-east-1:111111111111:execution:sm:run-1", bindings) is None
    assert bindings["<region>"] == "us-east-1" and bindings["<ExecArnPart_0idx>"] == "run-1"
    assert match("<region>", "eu-west-1", bindings) is not None


def test_date_stands_for_iso_timestamps_even_inside_strings() -> None:
    assert match("date", "2024-03-17T11:10:13.123Z", {}) is None
    assert match('"date"', '"2024-03-17T11:10:13.123Z"', {}, json_text=True) is None
    assert match("started at date", "started at 2024-03-17T11:10:13Z", {}) is None
    assert match("date", "not a time", {}) is not None
    assert match({"Date": "date"}, {"Date": ["Sat, 21 Nov 2026 11:20:57 GMT"]}, {}) is None


def test_generic_values_accept_any_value() -> None:
    assert match({"RequestId": "RequestId"}, {"RequestId": "1b2c"}, {}) is None
    assert match({"timestamp": "timestamp"}, {"timestamp": 1700000000}, {}) is None


def test_recorded_object_was_json_text() -> None:
    assert match({"a": 1}, '{"a": 1}', {}) is None
    assert match({"a": 1}, '{"a": 2}', {}) is not None
    # history details: raw JSON text compares by value, not by spacing
    assert match("[1,2]", "[1, 2]", {}, json_text=True) is None
    assert match("[1,2]", "[1, 3]", {}, json_text=True) is not None
    assert match(1, "1", {}, json_text=True) is None  # an 'output' field a transformer decoded
    assert match(1, "1", {}) is not None  # but not in execution output


def test_value_replaced_by_its_key_path_accepts_any_value() -> None:
    assert match({"output": "stateExitedEventDetails.output"}, {"output": "[1]"}, {},
                 "event #1 ParallelStateExited.stateExitedEventDetails") is None


def test_bare_role_name_binds_like_a_placeholder() -> None:
    bindings: dict[str, str] = {}
    assert match("snf_role_arn", "arn:aws:iam::111111111111:role/r", bindings) is None
    assert match("snf_role_arn", "arn:aws:iam::111111111111:role/other", bindings) is not None


def _event(kind: str, event_id, previous, **details) -> dict:
    return {"type": kind, "id": event_id, "previousEventId": previous, **details}


def test_history_types_and_details() -> None:
    expected = [_event("ExecutionStarted", 1, 0), _event("PassStateEntered", 2, 0,
                stateEnteredEventDetails={"name": "A", "input": {}, "inputDetails": {"truncated": False}})]
    actual = [dict(e, timestamp="t") for e in expected]
    actual[1] = dict(actual[1], stateEnteredEventDetails={"name": "A", "input": "{}",
                                                           "inputDetails": {"truncated": False}})
    assert compare_types(expected, actual, False) is None
    assert compare_details(expected, actual, {}, False) is None
    wrong = [actual[0], dict(actual[1], previousEventId=1)]
    assert compare_details(expected, wrong, {}, False) is not None
    assert compare_types(expected, actual[:1], False) is not None


def test_parallel_normalised_history_matches_branch_events_in_any_order() -> None:
    expected = [_event("ParallelStateStarted", 3, 2), _event("PassStateEntered", [0], 0),
                _event("PassStateExited", [0], 0), _event("ParallelStateExited", 7, 6)]
    actual = [_event("ParallelStateStarted", 3, 2), _event("PassStateExited", 5, 4),
              _event("PassStateEntered", 4, 3), _event("ParallelStateSucceeded", 6, 5),
              _event("ParallelStateExited", 7, 6)]
    assert compare_types(expected, actual, True) is None
    assert compare_details(expected, actual, {}, True) is None
    assert compare_types(expected, actual[:2] + actual[3:], True) is not None
