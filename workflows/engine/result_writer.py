"""Distributed Map ResultWriter: the child workflows' results exported to S3, as AWS exports them.

AWS's "ResultWriter (Map)" page: with Resource arn:aws:states:::s3:putObject and Parameters
{Bucket, Prefix}, the map run writes its children's results under `<Prefix>/<map run id>/` - one
file per outcome (SUCCEEDED_0.json, FAILED_0.json for failed, timed-out or aborted children,
PENDING_0.json for those never started) and a `manifest.json` that lists them:
{"DestinationBucket", "MapRunArn", "ResultFiles": {"FAILED": [...], "PENDING": [...],
"SUCCEEDED": [{"Key", "Size"}]}}. The Map state's output is then {"MapRunArn", "ResultWriterDetails":
{"Bucket", "Key": <the manifest's key>}} (the recorded corpus case). Each file holds one record per
child (ExecutionArn, Input, InputDetails, Name, Output or Error/Cause, OutputDetails, RedriveCount,
RedriveStatus, RedriveStatusReason, StartDate, StateMachineArn, Status, StopDate).

WriterConfig: Transformation NONE (the records; the default when exporting), COMPACT (the outputs
only; a failed child's record stays whole) or FLATTEN (COMPACT with array outputs spread);
OutputType JSON (an array) or JSONL (one record a line). A ResultWriter with only a WriterConfig
writes nothing: the state's output is the transformed results (a preview).
"""
from __future__ import annotations

import json
from typing import Any

from workflows.engine import errors as names
from workflows.engine import model as m
from workflows.engine.dataflow import jsonata_value, parameters
from workflows.engine.errors import StatesError
from workflows.engine.json_value import JSON, Context, JSONObject
from workflows.engine.redrive import redrive_fields
from workflows.engine.runtime import Execution, Frame, dumps, iso_millis

FILE_OF = {"SUCCEEDED": "SUCCEEDED", "FAILED": "FAILED", "TIMED_OUT": "FAILED", "ABORTED": "FAILED"}


def write_results(state: m.MapState, results: list, effective: JSON, frame: Frame, ctx: Context,
                  states: dict | None) -> JSON:
    """The Map state's result once its ResultWriter has run (see the module doc)."""
    writer = state.result_writer
    assert writer is not None
    config = writer.config
    run = next((entry["run"] for entry in reversed(frame.execution.map_runs)
                if entry.get("stateName") == state.name and "run" in entry), None)
    if not writer.resource or run is None:  # a preview: the transformed results are the output
        return _transformed(results, run, config.get("Transformation", "COMPACT"), frame)
    if state.jsonata:
        target = jsonata_value(writer.parameters, frame, states or {}, "ResultWriter")
    else:
        target = parameters(writer.parameters, effective, frame, ctx, field="ResultWriter")
    bucket = target.get("Bucket") if isinstance(target, dict) else None
    prefix = str(target.get("Prefix", "")) if isinstance(target, dict) else ""
    run_id = run.arn.rsplit(":", 1)[-1]
    folder = f"{prefix.rstrip('/')}/{run_id}".lstrip("/")
    files: dict[str, list[JSON]] = {"FAILED": [], "PENDING": [], "SUCCEEDED": []}
    transformation = config.get("Transformation", "NONE")
    for index, child in enumerate(run.children):
        if child is None or child.status == "RUNNING":  # never started: its item, as the child's input
            files["PENDING"].append({"Input": dumps(run.values[index]), "InputDetails": {"Included": True}})
            continue
        outcome = FILE_OF[child.status]
        files[outcome] += _transformed([run.results[index]], run, transformation, frame, [child])
    manifest: JSONObject = {"DestinationBucket": bucket, "MapRunArn": run.arn,
                            "ResultFiles": {"FAILED": [], "PENDING": [], "SUCCEEDED": []}}
    s3 = frame.services.clients.get("s3")
    try:
        for outcome, records in files.items():
            if not records:
                continue
            key = f"{folder}/{outcome}_0.json"
            body = _text(records, config.get("OutputType", "JSON"))
            s3.put_object(Bucket=bucket, Key=key, Body=body)
            manifest["ResultFiles"][outcome].append({"Key": key, "Size": len(body)})
        manifest_key = f"{folder}/manifest.json"
        s3.put_object(Bucket=bucket, Key=manifest_key, Body=json.dumps(manifest).encode("utf-8"))
    except Exception as exc:  # noqa: BLE001 - S3/botocore errors fail the writer
        raise StatesError(names.RESULT_WRITER_FAILED, str(exc)) from None
    return {"MapRunArn": run.arn, "ResultWriterDetails": {"Bucket": bucket, "Key": manifest_key}}


def _transformed(results: list, run: Any, transformation: str, frame: Frame,
                 children: list[Execution | None] | None = None) -> list:
    """The results as `transformation` shapes them; `children` pairs each result with its child."""
    children = children if children is not None else (run.children if run is not None else [None] * len(results))
    shaped: list = []
    for result, child in zip(results, children):
        failed = child is not None and child.status != "SUCCEEDED"
        if transformation == "NONE" or failed:
            shaped.append(_record(child, run, frame) if child is not None else result)
        elif transformation == "FLATTEN" and isinstance(result, list):
            shaped.extend(result)
        else:
            shaped.append(result)
    return shaped


def _record(child: Execution, run: Any, frame: Frame) -> JSONObject:
    """One child execution as AWS's result files describe it."""
    record: JSONObject = {"ExecutionArn": child.arn, "Input": child.input_text, "InputDetails": {"Included": True},
                          "Name": child.name}
    if child.status == "SUCCEEDED":
        record.update({"Output": child.output_text, "OutputDetails": {"Included": True}})
    else:
        if child.error is not None:
            record["Error"] = child.error
        if child.cause is not None:
            record["Cause"] = child.cause
    redrive = redrive_fields(child, frame.services.scheduler.now())
    record["RedriveCount"] = redrive["redriveCount"]
    record["RedriveStatus"] = redrive["redriveStatus"]
    if "redriveStatusReason" in redrive:
        record["RedriveStatusReason"] = redrive["redriveStatusReason"]
    record.update({"StartDate": iso_millis(child.start), "StateMachineArn": run.machine_arn, "Status": child.status})
    if child.stop is not None:
        record["StopDate"] = iso_millis(child.stop)
    return record


def _text(records: list, output_type: str) -> bytes:
    if output_type == "JSONL":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")
    return json.dumps(records, ensure_ascii=False).encode("utf-8")
