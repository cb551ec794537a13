"""The harness pieces that prepare a case: placeholder substitution, run-time timestamps, handlers."""
from __future__ import annotations

import datetime
import json
import os

import pytest

from .runner import _load_handler, concretize, runtime_timestamp
from .services import moto_client_factory


def test_concretize_replaces_snapshot_placeholders_with_valid_values() -> None:
    value = {"Resource": "arn:<partition>:lambda:<region>:111111111111:function:<lambda_function_name>",
             "Assign": {"x": "<omitted>"}, "list": ["<resource:1>"]}
    assert concretize(value) == {
        "Resource": "arn:aws:lambda:us-east-1:111111111111:function:lambda_function_name",
        "Assign": {"x": "<omitted>"}, "list": ["resource_1"]}


def test_runtime_timestamp_follows_the_recorded_description() -> None:
    now = datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    assert runtime_timestamp("UTC now, formatted %Y-%m-%dT%H:%M:%S followed by '.000000Z' (computed)", now) == \
        "2024-01-02T03:04:05.000000Z"
    assert runtime_timestamp("UTC now + 1 days, formatted %Y-%m-%dT%H:%M:%S.000Z (computed)", now) == \
        "2024-01-03T03:04:05.000Z"


def test_corpus_handler_code_loads_as_a_module_with_its_environment() -> None:
    handler = _load_handler({"handler": "handler.handler", "source_path": "h.py", "environment": {"GREETING": "hi"},
                             "code": "import os\ndef handler(event, context):\n    return os.environ['GREETING'] + event\n"})
    assert handler("!", None) == "hi!"


def test_a_service_case_restores_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # The local stack follows $MOTO_ACCOUNT_ID: a case's account must not outlive the case.
    monkeypatch.delenv("MOTO_ACCOUNT_ID", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "callers-key")
    before = dict(os.environ)
    with moto_client_factory({"id": "x::test_send_message", "needs": ["sqs"]}) as (_, replacements):
        assert os.environ["MOTO_ACCOUNT_ID"] == "111111111111"
        assert "/111111111111/conformance-queue" in replacements["sqs_queue_url"]
    assert dict(os.environ) == before


def test_s3_objects_are_rebuilt_from_the_recorded_output_with_truncation_exercised() -> None:
    from .s3_objects import PADDING_ITEMS, objects_for

    reader = {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "CSV",
                                                                           "CSVHeaderLocation": "FIRST_ROW",
                                                                           "MaxItems": 2}}
    definition = {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemReader": reader, "End": True}}}
    case = {"expected": {"status": "SUCCEEDED", "output": [{"A": "1", "B": "2"}, {"A": "3", "B": "4"}]}}
    [(bucket, key, body)] = objects_for(case, definition, {"Bucket": "b", "Key": "k.csv"})
    lines = body.decode().splitlines()
    assert (bucket, key) == ("b", "k.csv") and lines[:3] == ["A,B", "1,2", "3,4"]
    assert len(lines) == 3 + PADDING_ITEMS  # more rows than MaxItems lets through
    reader["ReaderConfig"] = {"InputType": "JSON", "MaxItems": 5}  # output shorter than the limit: no padding
    [(_, _, body)] = objects_for(case, definition, {"Bucket": "b", "Key": "k.json"})
    assert json.loads(body) == case["expected"]["output"]
    failed = {"expected": {"status": "FAILED", "error": "States.ItemReaderFailed"}}
    [(_, _, body)] = objects_for(failed, definition, {"Bucket": "b", "Key": "k.json"})
    assert not isinstance(json.loads(body), list)  # provokes the recorded reader failure


def test_target_machines_end_the_way_the_recording_shows() -> None:
    from .sub_machines import target_machines

    target = "arn:aws:states:us-east-1:111111111111:stateMachine:child"
    scheduled = {"type": "TaskScheduled", "taskScheduledEventDetails": {
        "resource": "startExecution.sync", "parameters": {"StateMachineArn": target}}}
    succeeded = {"type": "TaskSucceeded", "taskSucceededEventDetails": {
        "output": {"Status": "SUCCEEDED", "Output": "{\"a\":1}"}}}
    failed = {"type": "TaskFailed", "taskFailedEventDetails": {
        "error": "States.TaskFailed", "cause": {"Status": "FAILED", "Error": "Boom", "Cause": "why"}}}
    same = lambda value: value  # noqa: E731
    done = target_machines({"history": [scheduled, succeeded]}, same, "held")[target]
    assert done["States"]["Done"] == {"Type": "Pass", "Result": {"a": 1}, "End": True}
    broken = target_machines({"history": [scheduled, failed]}, same, "held")[target]
    assert broken["States"]["Failed"] == {"Type": "Fail", "Error": "Boom", "Cause": "why"}


def test_the_driver_plans_the_recorded_interactions_in_order() -> None:
    from .driver import Plan

    history = [
        {"type": "TaskScheduled", "taskScheduledEventDetails": {"parameters": {"TaskToken": "<task_token:1>"}}},
        {"type": "TaskSucceeded", "taskSucceededEventDetails": {"output": "\"first\""}},
        {"type": "TaskScheduled", "taskScheduledEventDetails": {"parameters": {"NoToken": True}}},
        {"type": "TaskSucceeded", "taskSucceededEventDetails": {"output": "{}"}},  # not a callback
        {"type": "ActivityStarted", "activityStartedEventDetails": {"workerName": "w"}},
        {"type": "ActivityFailed", "activityFailedEventDetails": {"error": "E"}},
        {"type": "ExecutionAborted", "executionAbortedEventDetails": {}},
    ]
    plan = Plan({"history": history}, lambda value: value)
    assert [c["taskSucceededEventDetails"]["output"] for c in plan.callbacks] == ["\"first\""]
    assert plan.activities[0]["started"] == {"workerName": "w"}
    assert plan.activities[0]["outcome"]["type"] == "ActivityFailed"
    assert plan.stop == {} and plan.stop_after == 6


def test_moto_answers_get_the_body_layout_and_headers_aws_sends() -> None:
    from .services import _aws_body

    moto_xml = (b'<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>'
                b'7987ce56-9b6f-407b-a5d5-a6f935e7430a</MessageId></PublishResult><ResponseMetadata><RequestId>'
                + b"x" * 52 + b"</RequestId></ResponseMetadata></PublishResponse>")
    body, request_id = _aws_body(moto_xml, "text/xml")
    assert len(body) == 294 and len(request_id) == 36  # AWS's recorded Content-Length for Publish
    assert _aws_body(b'{"MD5OfMessageBody": "m", "MessageId": "i"}', "application/x-amz-json-1.0")[0] == \
        b'{"MD5OfMessageBody":"m","MessageId":"i"}'
