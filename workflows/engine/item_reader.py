"""Distributed Map ItemReader over S3 (JSON, JSONL and CSV objects, ListObjectsV2 listings), through
the same cached boto3 clients as the other integrations; run inside the map run (`map_runs`).
The results' way out is `result_writer`."""
from __future__ import annotations

import csv
import io
import json
from typing import Any

from workflows.engine import errors as names
from workflows.engine import model as m
from workflows.engine.dataflow import jsonata_value, parameters
from workflows.engine.dynamic import resolve
from workflows.engine.errors import StatesError
from workflows.engine.json_value import JSON
from workflows.engine.runtime import Frame


def read_items(state: m.MapState, effective: JSON, frame: Frame, ctx: dict, states: dict | None) -> list:
    reader = state.item_reader
    assert reader is not None
    resource, config = reader.resource, reader.config
    if state.jsonata:
        params = jsonata_value(reader.parameters, frame, states or {}, "ItemReader")
    else:
        params = parameters(reader.parameters, effective, frame, ctx, field="ItemReader")
    s3 = frame.services.clients.get("s3")
    action = resource.rsplit(":", 1)[-1]
    try:
        if action == "listObjectsV2":
            items: list = []
            kwargs = dict(params)
            while True:
                page = s3.list_objects_v2(**kwargs)
                for obj in page.get("Contents", []):
                    items.append({"Etag": obj.get("ETag"), "Key": obj["Key"],
                                  "LastModified": obj["LastModified"].timestamp()
                                  if hasattr(obj.get("LastModified"), "timestamp") else obj.get("LastModified"),
                                  "Size": obj.get("Size"), "StorageClass": obj.get("StorageClass", "STANDARD")})
                if not page.get("IsTruncated"):
                    break
                kwargs["ContinuationToken"] = page["NextContinuationToken"]
        elif action == "getObject":
            body = s3.get_object(**params)["Body"].read().decode("utf-8")
            items = _parse(body, config)
        else:
            raise StatesError(names.ITEM_READER_FAILED, f"Unsupported ItemReader resource '{resource}'")
    except StatesError:
        raise
    except Exception as exc:  # noqa: BLE001 - S3/botocore errors fail the reader
        raise StatesError(names.ITEM_READER_FAILED, str(exc)) from None
    limit = resolve(reader.max_items, effective, frame.variables, ctx, states)
    return items[:limit] if isinstance(limit, int) and limit > 0 else items


def _parse(body: str, config: dict) -> list:
    kind = config.get("InputType", "JSON")
    if kind == "JSON":
        value = json.loads(body)
        if not isinstance(value, list):
            raise StatesError(names.ITEM_READER_FAILED, "Attempting to map over non-iterable node.")
        return value
    if kind == "JSONL":
        return [json.loads(line) for line in body.splitlines() if line.strip()]
    if kind == "CSV":
        rows = list(csv.reader(io.StringIO(body), delimiter=config.get("CSVDelimiter", "COMMA") == "COMMA"
                               and "," or _DELIMS.get(config.get("CSVDelimiter"), ",")))
        headers = config.get("CSVHeaders") if config.get("CSVHeaderLocation") == "GIVEN" else None
        if headers is None:
            headers, rows = (rows[0], rows[1:]) if rows else ([], [])
        if len(set(headers)) != len(headers):  # AWS's recorded text, for given and first-row headers
            raise StatesError(names.ITEM_READER_FAILED, "CSV headers cannot contain duplicates.")
        return [dict(zip(headers, row)) for row in rows]
    raise StatesError(names.ITEM_READER_FAILED, f"Unsupported InputType '{kind}'")


_DELIMS = {"COMMA": ",", "PIPE": "|", "SEMICOLON": ";", "SPACE": " ", "TAB": "\t"}
