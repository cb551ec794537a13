"""The embedded local stack: everything the CDK app deploys, on one loopback port, in one process.

`LocalStack` (workflows.local.stack) assembles moto (thread-safe) for DynamoDB, Cognito and SQS,
the Cognito triggers wired to lambdas/ in-process, the engine behind a Step Functions-compatible
HTTP API, and API Gateway emulation of api/routes.json. `workflows up` serves it; `workflows demo`
and tests/local drive it.
"""
from __future__ import annotations

from typing import Any

__all__ = ["LocalStack"]


def __getattr__(name: str) -> Any:  # lazy: importing moto costs ~1 s, only pay when used
    if name == "LocalStack":
        from workflows.local.stack import LocalStack

        return LocalStack
    raise AttributeError(name)
