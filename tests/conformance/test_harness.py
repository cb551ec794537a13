"""The harness pieces that prepare a case: placeholder substitution, run-time timestamps, handlers."""
from __future__ import annotations

import datetime
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
