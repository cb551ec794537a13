"""Rewrite expected_differences.json from the current results (run by hand, then review the diff).

    .venv/bin/python -m tests.conformance.refresh_expected

Every case that differs gets a one-line reason: a known cause outside the engine (moto is not AWS,
a resource the harness does not provision) or `engine:` with the first difference, which is what
the engine team fixes. Cases that match are dropped, so the list only shrinks as the engine grows.
"""
from __future__ import annotations

import json

from .compare import CaseResult
from .results import all_results, cases_by_id
from .test_cases import EXPECTED_DIFFERENCES_FILE

# (substring of the case id or of its first difference, reason) - the first that applies wins.
KNOWN = [
    ("AllHttpHeaders: keys missing ['x-amzn-requestid']", "corpus: AWS sent x-amzn-requestid in lower case in this recording (the harness answers x-amzn-RequestId, as most recordings show)"),
    ("SdkHttpMetadata.AllHttpHeaders: keys", "moto: HTTP response headers differ from AWS's (names, casing, values) in SdkHttpMetadata"),
    ("MessageGroupId", "moto: SNS words the missing-MessageGroupId error of a FIFO topic differently from AWS"),
    ("keys missing ['SequenceNumber']", "moto: Publish to a FIFO topic returns no SequenceNumber"),
    ("test_s3_get_object", "moto: S3 GetObject returns ChecksumCRC32 and no ServerSideEncryption, unlike AWS"),
    ("test_s3_put_object", "moto: S3 PutObject returns no ChecksumType/ServerSideEncryption, unlike AWS"),
    ("malformed_detail", "moto: EventBridge accepts a non-object Detail that AWS rejects as MalformedDetail"),
    ("Extended Request ID", "moto: S3 errors carry no Extended Request ID, and this 2023 recording predates the Java SDK's '(SDK Attempt Count: N)' suffix"),
    ("test_invalid_secret_name", "moto: Secrets Manager accepts the secret name AWS rejects"),
    ("Endpoint does not exist", "moto: SNS says 'Endpoint does not exist' where AWS says 'Topic does not exist'"),
    ("test_put_item_invalid_table_name", "moto: no server-side TableName pattern validation (AWS: ValidationException)"),
    ("ConsumedCapacity", "moto: UpdateItem returns ConsumedCapacity that AWS omits unless asked"),
    ("AllHttpHeaders.Content-Length[0]: expected '294'", "moto: SNS answers Publish with shorter XML than AWS (Content-Length 286, AWS 294)"),
    ("AllHttpHeaders.Date[0]: expected 'Thu, 18 Apr 2024", "corpus: this recording kept a real response Date (the snapshot did not normalise it)"),
    ("local_mocking/test_base_scenarios.py::TestBaseScenarios::test_sns_publish_base",
     "harness: the recorded input holds the snapshot value 'topic-arn', replaced here by a real topic ARN"),
    ("local_mocking/test_base_scenarios.py::TestBaseScenarios::test_sqs_send_message",
     "harness: the recorded input holds the snapshot value 'sqs-queue-url', replaced here by a real queue URL"),
]


def reason_for(result: CaseResult) -> str:
    first = result.one_line()
    for needle, reason in KNOWN:
        if needle in result.case_id or needle in first:
            return reason
    return "engine: " + first[:300]


def main() -> None:
    results, _ = all_results()
    failing = {r.case_id: reason_for(r) for r in results if not r.matched}
    order = list(cases_by_id())
    ordered = {case_id: failing[case_id] for case_id in order if case_id in failing}
    EXPECTED_DIFFERENCES_FILE.write_text(json.dumps(ordered, indent=1) + "\n", encoding="utf-8")
    print(f"{len(ordered)} expected differences written to {EXPECTED_DIFFERENCES_FILE}")


if __name__ == "__main__":
    main()
