"""Distributed Map `ItemBatcher`: cutting the selected items into the batches child executions get.

Why its own module: the byte limit is more than slicing. AWS documents MaxInputBytesPerBatch as the
maximum size of one batch's input in bytes, at most 256 KiB, and, when MaxItemsPerBatch is given
too, says Step Functions puts fewer items in a batch so that the byte limit holds. A batch's input
is the object a child execution receives, `{"BatchInput": ..., "Items": [...]}`, so the size counted
here is that object's compact JSON in UTF-8, BatchInput included. Batches are cut greedily in item
order (each batch takes as many of the next items as both limits allow), in one pass: an item adds
its own JSON size plus one comma to the batch. An item that does not fit even alone in a batch
fails the state, naming the item and both sizes, rather than silently exceeding the limit. The two
limits themselves (literal, *Path or JSONata, range 1..262144 bytes) are `dynamic` values the Map
state resolves before it cuts.
"""
from __future__ import annotations


from workflows.engine import errors as names
from workflows.engine.expressions import EvaluationError
from workflows.engine.json_value import JSON, JSONObject
from workflows.engine.runtime import dumps

def _size(value: JSON) -> int:
    return len(dumps(value).encode("utf-8"))


def cut_batches(items: list, batch_input: JSON, max_items: int | None, max_bytes: int | None) -> list[dict]:
    """Batch `items` so no batch has more than `max_items` items or `max_bytes` bytes of input."""
    head: JSONObject = {} if batch_input is None else {"BatchInput": batch_input}
    if max_bytes is None:
        step = max_items or len(items) or 1
        return [{**head, "Items": items[start:start + step]} for start in range(0, len(items), step)]
    empty = _size({**head, "Items": []})  # the envelope: {"BatchInput":...,"Items":[]}
    batches: list[dict] = []
    current: list = []
    used = empty
    for index, item in enumerate(items):
        size = _size(item)
        if empty + size > max_bytes:
            raise EvaluationError(names.RUNTIME,
                                  f"The item at index {index} needs a batch input of {empty + size} bytes, more "
                                  f"than the MaxInputBytesPerBatch limit of {max_bytes} bytes allows")
        added = size + (1 if current else 0)
        if current and (used + added > max_bytes or (max_items is not None and len(current) >= max_items)):
            batches.append({**head, "Items": current})
            current, used, added = [], empty, size
        current.append(item)
        used += added
    if current:
        batches.append({**head, "Items": current})
    return batches
