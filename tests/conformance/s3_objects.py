"""The S3 objects a Distributed Map's ItemReader reads, rebuilt from the recording.

The corpus records what AWS returned, not the objects the test uploaded first. What the reader must
have read is evident from the recorded output, so the object is rebuilt from it: a JSON reader's
items as a JSON array, a CSV reader's rows as CSV text (a header row when the headers come from the
first row), a listing's keys as objects of the recorded size. Where the definition truncates the
read (ReaderConfig.MaxItems / MaxItemsPath) more items are written than the output shows, so the
engine's truncation is exercised and not assumed; a case that records the reader's failure gets an
object that provokes the same failure (a JSON object where a list is wanted). The rebuilt objects
are the harness's own data, derived from the recorded outputs only.
"""
from __future__ import annotations

import csv
import io
import json
from typing import Any

PADDING_ITEMS = 3  # items written beyond what a MaxItems-truncated output shows
LIST_BUCKET = "conformance-listing"  # the listing case's recorded bucket name is no valid S3 name


def find_map(node: Any) -> dict[str, Any] | None:
    """The first state (at any depth) with an ItemReader or ResultWriter."""
    if isinstance(node, dict):
        if "ItemReader" in node or "ResultWriter" in node:
            return node
        for child in node.values():
            found = find_map(child)
            if found is not None:
                return found
    elif isinstance(node, list):
        for child in node:
            found = find_map(child)
            if found is not None:
                return found
    return None


def _limit(config: dict[str, Any], definition: dict[str, Any], execution_input: Any) -> int | None:
    """The reader's MaxItems as the recorded run saw it (a literal, a JSONata expression, a path
    into the input or a variable assigned by an earlier state), or None."""
    literal = config.get("MaxItems")
    if isinstance(literal, int):
        return literal
    if isinstance(literal, str) and literal.startswith("{%"):
        import jsonata

        return int(jsonata.Jsonata(literal[2:-2]).evaluate(execution_input))
    path = config.get("MaxItemsPath")
    if isinstance(path, str) and path.startswith("$.") and isinstance(execution_input, dict):
        value = execution_input.get(path[2:])
        return value if isinstance(value, int) else None
    if isinstance(path, str) and path.startswith("$") and not path.startswith("$$"):
        assigned = _assigned(definition, path[1:])
        return int(assigned) if isinstance(assigned, (int, str)) and str(assigned).isdigit() else None
    return None


def _assigned(node: Any, name: str) -> Any:
    if isinstance(node, dict):
        if isinstance(node.get("Assign"), dict) and name in node["Assign"]:
            return node["Assign"][name]
        for child in node.values():
            found = _assigned(child, name)
            if found is not None:
                return found
    return None


def _csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _padding_row(width: int, n: int) -> list[str]:
    return [f"padding-{n}-{column}" for column in range(width)]


def objects_for(case: dict[str, Any], definition: dict[str, Any], execution_input: Any) -> list[tuple[str, str, bytes]]:
    """(bucket, key, body) for every object the case's reader needs; [] when it needs none."""
    state = find_map(definition)
    if state is None or "ItemReader" not in state:
        return []
    reader = state["ItemReader"]
    config = reader.get("ReaderConfig") or {}
    expected = case["expected"]
    output = expected.get("output")
    succeeded = expected["status"] == "SUCCEEDED" and isinstance(output, list)
    resource = reader.get("Resource", "")
    bucket = execution_input.get("Bucket") if isinstance(execution_input, dict) else None
    key = execution_input.get("Key") if isinstance(execution_input, dict) else None
    if resource.endswith("listObjectsV2"):
        if not succeeded:
            return []
        return [(LIST_BUCKET, item["Key"], b"x" * int(item.get("Size", 0))) for item in output]
    if not bucket or not key:
        return []
    kind = config.get("InputType", "JSON")
    limit = _limit(config, definition, execution_input)
    truncated = succeeded and limit is not None and 0 < limit == len(output)
    if not succeeded:
        body = json.dumps({"not": "a list"}) if kind == "JSON" else "H1,H2\nv1,v2\n"
        return [(bucket, key, body.encode())]
    if kind == "JSON":
        items = list(output)
        if truncated:
            items += [{"padding": n} for n in range(PADDING_ITEMS)]
        return [(bucket, key, json.dumps(items).encode())]
    if kind == "CSV":
        given = config.get("CSVHeaderLocation") == "GIVEN"
        headers = list(config["CSVHeaders"]) if given else (list(output[0]) if output else ["H1"])
        rows = [[str(row.get(h, "")) for h in headers] for row in output]
        if truncated:
            rows += [_padding_row(len(headers), n) for n in range(PADDING_ITEMS)]
        return [(bucket, key, _csv_text(rows if given else [headers] + rows).encode())]
    return []


def result_buckets(definition: dict[str, Any]) -> list[str]:
    """Buckets a ResultWriter writes to (they must exist before the run)."""
    state = find_map(definition)
    writer = (state or {}).get("ResultWriter") or {}
    bucket = (writer.get("Parameters") or writer.get("Arguments") or {}).get("Bucket")
    return [bucket] if isinstance(bucket, str) else []
