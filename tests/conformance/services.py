"""moto-backed AWS services for the corpus cases that call SQS, SNS, DynamoDB, EventBridge, S3...

Each such case runs inside its own `mock_aws()` so cases cannot see each other's resources. The
engine gets boto3 clients through its `client_factory` seam, exactly as the local stack does.
"""
from __future__ import annotations

import contextlib
import os
from typing import Any, Callable, Iterator

from .runner import REGION


@contextlib.contextmanager
def moto_client_factory(case: dict[str, Any]) -> Iterator[Callable[[str], Any]]:
    from moto import mock_aws
    import boto3

    for key, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
        os.environ.setdefault(key, value)
    with mock_aws():
        clients: dict[str, Any] = {}

        def factory(service_name: str) -> Any:
            if service_name not in clients:
                clients[service_name] = boto3.client(service_name, region_name=REGION)
            return clients[service_name]

        yield factory
