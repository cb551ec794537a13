"""Distributed Map ItemReader (and ResultWriter) over moto's S3, as AWS runs them.

AWS reads an ItemReader's items inside the map run: MapStateStarted says length 0, MapRunStarted
follows, and a failed read is the run's MapRunFailed (the corpus records this order). MaxItems may be
a literal, a MaxItemsPath (a number, or its text) or a JSONata expression - one typed value
resolved by `dynamic`; a negative one fails the read with AWS's recorded text.
"""
from __future__ import annotations

import json
import os

import pytest

from workflows.engine import StepFunctions

ROLE = "arn:aws:iam::123456789012:role/reader-tests"
BUCKET = "items"
CSV = "Col1,Col2\n" + "".join(f"a{i},b{i}\n" for i in range(5))


@pytest.fixture()
def sfn():
    from moto import mock_aws
    import boto3

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        s3.put_object(Bucket=BUCKET, Key="rows.csv", Body=CSV.encode())
        s3.put_object(Bucket=BUCKET, Key="object.json", Body=b'{"not": "a list"}')
        clients: dict = {}
        yield StepFunctions(region_name="us-east-1", account_id="123456789012", seed=3,
                            client_factory=lambda name: clients.setdefault(name, boto3.client(name,
                                                                                             region_name="us-east-1")))


def reader_map(config: dict, key: str = "rows.csv", jsonata: bool = False, before: dict | None = None) -> dict:
    params = ({"Arguments": {"Bucket": BUCKET, "Key": key}} if jsonata
              else {"Parameters": {"Bucket": BUCKET, "Key": key}})
    states: dict = {"M": {"Type": "Map", "ItemReader": {
        "Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": config, **params},
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
        "End": True}}
    start = "M"
    if before is not None:
        states["Before"] = {**before, "Next": "M"}
        start = "Before"
    return {**({"QueryLanguage": "JSONata"} if jsonata else {}), "StartAt": start, "States": states}


def run(sfn: StepFunctions, definition: dict, value: dict | None = None) -> tuple[dict, list[dict]]:
    arn = sfn.create_state_machine(name=f"m{len(sfn.list_state_machines()['stateMachines'])}",
                                   definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps(value or {}))["executionArn"]
    return (sfn.describe_execution(executionArn=execution),
            sfn.get_execution_history(executionArn=execution)["events"])


CSV_ROWS = {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"}


@pytest.mark.parametrize(("config", "value", "count"), [
    ({**CSV_ROWS, "MaxItems": 2}, {}, 2),
    ({**CSV_ROWS, "MaxItemsPath": "$.max"}, {"max": 3}, 3),
    ({**CSV_ROWS, "MaxItemsPath": "$.max"}, {"max": "2"}, 2),  # AWS read the text "2" as 2
    ({**CSV_ROWS, "MaxItemsPath": "$.max"}, {"max": 0}, 5),  # 0: every item
    ({**CSV_ROWS, "MaxItemsPath": "$.max"}, {"max": 100_000_001}, 5),  # above the cap: every item here
])
def test_max_items_from_a_literal_or_a_path(sfn, config, value, count):
    described, _ = run(sfn, reader_map(config), value)
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == [{"Col1": f"a{i}", "Col2": f"b{i}"} for i in range(count)]


def test_max_items_path_may_read_a_variable(sfn):
    definition = reader_map({**CSV_ROWS, "MaxItemsPath": "$limit"},
                            before={"Type": "Pass", "Assign": {"limit": "1"}})
    described, _ = run(sfn, definition)
    assert json.loads(described["output"]) == [{"Col1": "a0", "Col2": "b0"}]


def test_max_items_from_a_jsonata_expression(sfn):
    described, _ = run(sfn, reader_map({**CSV_ROWS, "MaxItems": "{% $n := 1 + 1 %}"}, jsonata=True))
    assert len(json.loads(described["output"])) == 2


def _failed_in_the_map_run(described: dict, events: list[dict], error: str, cause: str) -> None:
    assert (described["status"], described["error"], described["cause"]) == ("FAILED", error, cause)
    assert [e["type"] for e in events] == [
        "ExecutionStarted", "MapStateEntered", "MapStateStarted", "MapRunStarted", "MapRunFailed",
        "MapStateFailed", "ExecutionFailed"]
    assert events[2]["mapStateStartedEventDetails"] == {"length": 0}
    assert events[4]["mapRunFailedEventDetails"] == {"error": error, "cause": cause}


def test_a_negative_max_items_fails_the_read_inside_the_map_run(sfn):
    described, events = run(sfn, reader_map({**CSV_ROWS, "MaxItemsPath": "$.max"}), {"max": -1})
    _failed_in_the_map_run(described, events, "States.ItemReaderFailed", "field MaxItems must be positive")


def test_a_json_object_that_is_no_list_fails_inside_the_map_run(sfn):
    described, events = run(sfn, reader_map({"InputType": "JSON"}, key="object.json"))
    _failed_in_the_map_run(described, events, "States.ItemReaderFailed", "Attempting to map over non-iterable node.")


@pytest.mark.parametrize("config", [
    {"InputType": "CSV", "CSVHeaderLocation": "GIVEN", "CSVHeaders": ["H1", "H1"]},
])
def test_duplicate_csv_headers_are_refused(sfn, config):
    described, events = run(sfn, reader_map(config))
    _failed_in_the_map_run(described, events, "States.ItemReaderFailed", "CSV headers cannot contain duplicates.")


def test_duplicate_first_row_headers_are_refused(sfn):
    import boto3

    boto3.client("s3", region_name="us-east-1").put_object(Bucket=BUCKET, Key="dup.csv", Body=b"A,A\n1,2\n")
    described, events = run(sfn, reader_map(CSV_ROWS, key="dup.csv"))
    _failed_in_the_map_run(described, events, "States.ItemReaderFailed", "CSV headers cannot contain duplicates.")


def test_the_failed_map_run_is_described_as_failed(sfn):
    described, _ = run(sfn, reader_map({**CSV_ROWS, "MaxItemsPath": "$.max"}), {"max": -1})
    run_arn = sfn.list_map_runs(executionArn=described["executionArn"])["mapRuns"][0]["mapRunArn"]
    map_run = sfn.describe_map_run(mapRunArn=run_arn)
    assert map_run["status"] == "FAILED" and map_run["itemCounts"]["total"] == 0


# ---- ResultWriter ------------------------------------------------------------------------------
def writer_map(writer: dict, processor_states: dict | None = None, **map_fields) -> dict:
    return {"StartAt": "M", "States": {"M": {
        "Type": "Map", "ResultWriter": writer, "Label": "Export", **map_fields,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "P", "States": processor_states or {"P": {"Type": "Pass", "End": True}}},
        "End": True}}}


def s3_json(key: str):
    import boto3

    return boto3.client("s3", region_name="us-east-1").get_object(Bucket=BUCKET, Key=key)["Body"].read()


EXPORT = {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": BUCKET, "Prefix": "jobs"}}


def test_result_writer_writes_the_results_and_a_manifest_and_returns_its_key(sfn):
    described, _ = run(sfn, writer_map(EXPORT), ["a", "b"])
    output = json.loads(described["output"])
    run_arn = sfn.list_map_runs(executionArn=described["executionArn"])["mapRuns"][0]["mapRunArn"]
    run_id = run_arn.rsplit(":", 1)[-1]
    assert output == {"MapRunArn": run_arn,
                      "ResultWriterDetails": {"Bucket": BUCKET, "Key": f"jobs/{run_id}/manifest.json"}}
    manifest = json.loads(s3_json(f"jobs/{run_id}/manifest.json"))
    succeeded = s3_json(f"jobs/{run_id}/SUCCEEDED_0.json")
    assert manifest == {"DestinationBucket": BUCKET, "MapRunArn": run_arn, "ResultFiles": {
        "FAILED": [], "PENDING": [], "SUCCEEDED": [{"Key": f"jobs/{run_id}/SUCCEEDED_0.json", "Size": len(succeeded)}]}}
    records = json.loads(succeeded)
    assert [(r["Input"], r["Output"], r["Status"]) for r in records] == [('"a"', '"a"', "SUCCEEDED"),
                                                                         ('"b"', '"b"', "SUCCEEDED")]
    children = sfn.list_executions(mapRunArn=run_arn)["executions"]
    assert {r["ExecutionArn"] for r in records} == {c["executionArn"] for c in children}
    assert records[0]["StateMachineArn"] == children[0]["stateMachineArn"]
    assert (records[0]["RedriveStatus"], records[0]["InputDetails"]) == ("NOT_REDRIVABLE", {"Included": True})


def test_tolerated_failures_go_to_the_failed_file_jsonl_compact(sfn):
    processor = {"P": {"Type": "Choice", "Choices": [{"Variable": "$", "StringEquals": "bad", "Next": "Boom"}],
                       "Default": "Ok"},
                 "Ok": {"Type": "Pass", "End": True}, "Boom": {"Type": "Fail", "Error": "Bad", "Cause": "item"}}
    writer = {**EXPORT, "WriterConfig": {"Transformation": "COMPACT", "OutputType": "JSONL"}}
    described, _ = run(sfn, writer_map(writer, processor, ToleratedFailureCount=1), ["ok", "bad"])
    key = json.loads(described["output"])["ResultWriterDetails"]["Key"]
    manifest = json.loads(s3_json(key))
    succeeded = s3_json(manifest["ResultFiles"]["SUCCEEDED"][0]["Key"]).decode()
    failed = s3_json(manifest["ResultFiles"]["FAILED"][0]["Key"]).decode()
    assert succeeded == '"ok"\n'  # COMPACT: the output only
    record = json.loads(failed)  # a failed child keeps its whole record
    assert (record["Status"], record["Error"], record["Cause"]) == ("FAILED", "Bad", "item")


def test_a_writer_config_alone_previews_the_transformed_output(sfn):
    processor = {"P": {"Type": "Pass", "Parameters": {"pair.$": "States.Array($, $)"}, "OutputPath": "$.pair",
                       "End": True}}
    described, _ = run(sfn, writer_map({"WriterConfig": {"Transformation": "FLATTEN", "OutputType": "JSON"}},
                                       processor), [1, 2])
    assert json.loads(described["output"]) == [1, 1, 2, 2]
