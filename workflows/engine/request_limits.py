"""AWS's request limits on the Step Functions API, for every caller of the engine (boto3-shaped
calls in process as much as the HTTP API of the local stack).

- Payloads: an execution's input (StartExecution, StartSyncExecution) and a task's output
  (SendTaskSuccess) are at most 256 KiB of UTF-8 JSON; a larger one is refused with
  ValidationException before anything runs.
- Definitions: at most 1 MiB (CreateStateMachine, UpdateStateMachine), else ValidationException.
- roleArn: an IAM role ARN (`arn:<partition>:iam::<12-digit account>:role/<path and name>`), else
  InvalidArn naming the value.

Messages follow AWS's wording ("1 validation error detected: Value at 'input' failed to satisfy
constraint: ..."). The run-time quotas (history events, Express duration, state payloads) are in
quotas.py.
"""
from __future__ import annotations

import re
from typing import Any

from workflows.engine.api_errors import api_error

PAYLOAD_LIMIT_BYTES = 256 * 1024
DEFINITION_LIMIT_BYTES = 1024 * 1024
# IAM role names: 1-64 of [\w+=,.@-]; paths: "/" or "/.../" of printable ASCII 0x21-0x7E; ARN <= 2048.
ROLE_ARN = re.compile(r"arn:aws(?:-[a-z]+)*:iam::\d{12}:role/(?:[\x21-\x7e]*/)?[\w+=,.@-]{1,64}")


def _utf8_length(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def check_payload(text: Any, member: str) -> None:
    """`text` (an input or output JSON string) is within 256 KiB of UTF-8."""
    if isinstance(text, str) and _utf8_length(text) > PAYLOAD_LIMIT_BYTES:
        raise api_error("ValidationException", f"1 validation error detected: Value at '{member}' failed to "
                                               f"satisfy constraint: Member must have length less than or equal "
                                               f"to {PAYLOAD_LIMIT_BYTES}")


def check_definition(text: Any) -> None:
    """A definition is within 1 MiB of UTF-8."""
    if isinstance(text, str) and _utf8_length(text) > DEFINITION_LIMIT_BYTES:
        raise api_error("ValidationException", f"1 validation error detected: Value at 'definition' failed to "
                                               f"satisfy constraint: Member must have length less than or equal "
                                               f"to {DEFINITION_LIMIT_BYTES}")


def check_role_arn(value: Any) -> None:
    """`value` is an IAM role ARN."""
    if not isinstance(value, str) or len(value) > 2048 or not ROLE_ARN.fullmatch(value):
        shown = value if isinstance(value, str) else repr(value)
        raise api_error("InvalidArn", f"Invalid Arn: 'Resource type not valid in this context: {shown[:256]}' "
                                      "(roleArn must be an IAM role ARN, arn:aws:iam::<account>:role/<name>)")
