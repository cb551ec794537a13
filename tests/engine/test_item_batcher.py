"""Distributed Map ItemBatcher with MaxInputBytesPerBatch (literal, *Path, JSONata) alone and together
with MaxItemsPerBatch: every batch's input (BatchInput included) stays within the byte limit, bad
values fail naming the state, the field and the value, and bad literals are rejected at create time."""
from __future__ import annotations

import json

import pytest

from .conftest import batched_map, create, output, run

ITEM = "x" * 8  # 10 bytes of JSON with its quotes
ENVELOPE = len('{"BatchInput":{"k":1},"Items":[]}')  # 33 bytes


def _sizes(batches: list) -> list[int]:
    return [len(json.dumps(b, separators=(",", ":"), ensure_ascii=False).encode()) for b in batches]


def _counts(batches: list) -> list[int]:
    return [len(b["Items"]) for b in batches]


def test_byte_limit_cuts_batches_including_batch_input(sfn):
    # 33 + 10 + 11 = 54 bytes hold two items; a third would make 65.
    batches = output(run(sfn, batched_map({"MaxInputBytesPerBatch": 60, "BatchInput": {"k": 1}}),
                         {"items": [ITEM] * 5}))
    assert _counts(batches) == [2, 2, 1]
    assert all(b["BatchInput"] == {"k": 1} for b in batches)
    assert max(_sizes(batches)) <= 60
    assert [i for b in batches for i in b["Items"]] == [ITEM] * 5


def test_byte_limit_is_inclusive(sfn):
    exact = output(run(sfn, batched_map({"MaxInputBytesPerBatch": ENVELOPE + 21, "BatchInput": {"k": 1}}),
                       {"items": [ITEM] * 4}, name="exact"))
    assert _counts(exact) == [2, 2] and _sizes(exact) == [54, 54]
    below = output(run(sfn, batched_map({"MaxInputBytesPerBatch": ENVELOPE + 20, "BatchInput": {"k": 1}}),
                       {"items": [ITEM] * 4}, name="below"))
    assert _counts(below) == [1, 1, 1, 1]


def test_both_limits_the_tighter_one_wins(sfn):
    bytes_bind = output(run(sfn, batched_map({"MaxItemsPerBatch": 3, "MaxInputBytesPerBatch": 60,
                                           "BatchInput": {"k": 1}}), {"items": [ITEM] * 5}, name="bytes"))
    assert _counts(bytes_bind) == [2, 2, 1]
    items_bind = output(run(sfn, batched_map({"MaxItemsPerBatch": 2, "MaxInputBytesPerBatch": 1000}),
                            {"items": list(range(5))}, name="items"))
    assert items_bind == [{"Items": [0, 1]}, {"Items": [2, 3]}, {"Items": [4]}]


def test_items_of_different_sizes_pack_greedily_in_order(sfn):
    items = ["a", "b" * 34, "c", "d", "e" * 35, "f"]
    batches = output(run(sfn, batched_map({"MaxInputBytesPerBatch": 50, "MaxItemsPerBatch": 2}), {"items": items}))
    # envelope {"Items":[]} is 12 bytes: "a" + "bbb..." would be 52, "c" + "d" hit the item limit
    assert [b["Items"] for b in batches] == [["a"], ["b" * 34], ["c", "d"], ["e" * 35], ["f"]]
    assert max(_sizes(batches)) <= 50


def test_bytes_are_utf8_bytes_not_characters(sfn):
    # "éééé" is 6 characters of JSON but 10 bytes; 12 + 10 + 11 = 33 > 30.
    batches = output(run(sfn, batched_map({"MaxInputBytesPerBatch": 30}), {"items": ["éééé", "éééé"]}))
    assert _counts(batches) == [1, 1]


def test_path_forms_together(sfn):
    definition = batched_map({"MaxItemsPerBatchPath": "$.n", "MaxInputBytesPerBatchPath": "$.bytes",
                           "BatchInput": {"k": 1}})
    batches = output(run(sfn, definition, {"items": [ITEM] * 5, "n": 3, "bytes": 60}))
    assert _counts(batches) == [2, 2, 1]
    batches = output(run(sfn, definition, {"items": [ITEM] * 5, "n": 1, "bytes": 60}))
    assert _counts(batches) == [1] * 5


def test_jsonata_forms_together(sfn):
    definition = batched_map({"MaxItemsPerBatch": "{% $states.input.n %}",
                           "MaxInputBytesPerBatch": "{% $states.input.bytes %}",
                           "BatchInput": {"k": "{% $states.input.k %}"}}, "JSONata")
    batches = output(run(sfn, definition, {"items": [ITEM] * 5, "n": 3, "bytes": 60, "k": 1}))
    assert _counts(batches) == [2, 2, 1]
    assert batches[0]["BatchInput"] == {"k": 1}


@pytest.mark.parametrize("value, shown", [("abc", '"abc" which is not a valid integer'),
                                          (0, '"0" which is not an integer from 1 to 262144'),
                                          (262145, '"262145" which is not an integer from 1 to 262144')])
def test_bad_path_value_names_state_field_and_value(sfn, value, shown):
    failed = run(sfn, batched_map({"MaxInputBytesPerBatchPath": "$.bytes"}), {"items": [1], "bytes": value})
    assert failed["status"] == "FAILED" and failed["error"] == "States.Runtime"
    assert "state 'M'" in failed["cause"]
    assert f"The MaxInputBytesPerBatchPath field refers to value {shown}: $.bytes" in failed["cause"]


def test_bad_items_path_value_zero_fails_instead_of_meaning_no_limit(sfn):
    failed = run(sfn, batched_map({"MaxItemsPerBatchPath": "$.n"}), {"items": [1, 2], "n": 0})
    assert failed["error"] == "States.Runtime"
    assert 'The MaxItemsPerBatchPath field refers to value "0" which is not a positive integer: $.n' in failed["cause"]


@pytest.mark.parametrize("value, expected", [(0, "Expected an integer from 1 to 262144, but was: 0"),
                                             (1.5, "Expected an integer from 1 to 262144, but was: 1.5"),
                                             ("big", "Expected 'integer', but was 'string' for value: \"big\"")])
def test_bad_jsonata_value_names_state_field_and_value(sfn, value, expected):
    failed = run(sfn, batched_map({"MaxInputBytesPerBatch": "{% $states.input.bytes %}"}, "JSONata"),
                 {"items": [1], "bytes": value})
    assert failed["error"] == "States.QueryEvaluationError"
    assert "state 'M'" in failed["cause"] and "field 'MaxInputBytesPerBatch'" in failed["cause"]
    assert expected in failed["cause"]


def test_item_too_large_for_any_batch_fails_naming_it(sfn):
    failed = run(sfn, batched_map({"MaxInputBytesPerBatch": 20}), {"items": ["ok", "x" * 30]})
    assert failed["error"] == "States.Runtime"
    assert "state 'M'" in failed["cause"]
    assert "item at index 1 needs a batch input of 44 bytes" in failed["cause"]
    assert "MaxInputBytesPerBatch limit of 20 bytes" in failed["cause"]


@pytest.mark.parametrize("batcher, message, where", [
    ({"MaxInputBytesPerBatch": 0}, "MaxInputBytesPerBatch is 0; AWS requires an integer from 1 to 262144",
     "/States/M/ItemBatcher/MaxInputBytesPerBatch"),
    ({"MaxInputBytesPerBatch": 262145}, "MaxInputBytesPerBatch is 262145; AWS requires an integer from 1 to 262144", "/States/M/ItemBatcher/MaxInputBytesPerBatch"),
    ({"MaxInputBytesPerBatch": "100"}, "MaxInputBytesPerBatch is \"100\"; AWS requires an integer from 1 to 262144", "/States/M/ItemBatcher/MaxInputBytesPerBatch"),
    ({"MaxItemsPerBatch": -1}, "MaxItemsPerBatch is -1; AWS requires a positive integer",
     "/States/M/ItemBatcher/MaxItemsPerBatch"),
    ({"MaxInputBytesPerBatch": 10, "MaxInputBytesPerBatchPath": "$.b"},
     "Only one of 'MaxInputBytesPerBatch' or 'MaxInputBytesPerBatchPath' can be present", "/States/M/ItemBatcher"),
    ({"MaxInputBytesPerBatchPath": "$.["}, "MaxInputBytesPerBatchPath is \"$.[\"; AWS requires a valid JSONPath",
     "/States/M/ItemBatcher/MaxInputBytesPerBatchPath"),
    ({"MaxBytes": 10}, "Field 'MaxBytes' is not supported", "/States/M/ItemBatcher"),
])
def test_bad_static_batcher_is_rejected_at_create_time(sfn, batcher, message, where):
    with pytest.raises(sfn.exceptions.InvalidDefinition) as raised:
        create(sfn, batched_map(batcher))
    text = str(raised.value)
    assert message in text and where in text


def test_path_field_is_rejected_in_jsonata(sfn):
    with pytest.raises(sfn.exceptions.InvalidDefinition) as raised:
        create(sfn, batched_map({"MaxInputBytesPerBatchPath": "$.b"}, "JSONata"))
    assert "'MaxInputBytesPerBatchPath' is not supported for the QueryLanguage JSONata" in str(raised.value)


def test_largest_static_limit_is_accepted(sfn):
    batches = output(run(sfn, batched_map({"MaxInputBytesPerBatch": 262144}), {"items": [1, 2, 3]}))
    assert batches == [{"Items": [1, 2, 3]}]
