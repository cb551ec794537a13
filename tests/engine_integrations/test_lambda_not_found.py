"""An unknown Lambda function fails as AWS records it: the qualified ARN and the Java SDK's suffix."""
from __future__ import annotations

import os
import re

import pytest

from workflows.engine.errors import StatesError
from workflows.engine.integrations.clients import ClientProvider
from workflows.engine.integrations.lambda_invoke import LambdaFunctions

ARN = "arn:aws:lambda:us-east-1:111111111111:function:"
SUFFIX = (r" \(Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; "
          r"Request ID: [0-9a-f-]+; Proxy: null\)")


def _failure(functions: LambdaFunctions, name: str, provider: ClientProvider) -> StatesError:
    with pytest.raises(StatesError) as raised:
        functions.invoke(name, {}, provider)
    assert raised.value.error == "Lambda.ResourceNotFoundException"
    return raised.value


@pytest.mark.parametrize(("name", "arn"), [
    ("missing", ARN + "missing:$LATEST"),
    ("missing:live", ARN + "missing:live"),
    (ARN + "missing", ARN + "missing:$LATEST"),
    (ARN + "missing:3", ARN + "missing:3"),
])
def test_without_a_remote_lambda_the_cause_names_the_qualified_arn(name, arn, monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_LAMBDA", raising=False)
    error = _failure(LambdaFunctions("us-east-1", "111111111111"), name, ClientProvider("us-east-1"))
    assert re.fullmatch(re.escape(f"Function not found: {arn}") + SUFFIX, error.cause), error.cause


def test_moto_lambda_not_found_is_reworded_as_aws_records_it():
    from moto import mock_aws

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        import boto3

        provider = ClientProvider("us-east-1", lambda service: boto3.client(service, region_name="us-east-1"))
        error = _failure(LambdaFunctions("us-east-1", "111111111111"), "missing", provider)
    assert error.cause.startswith(f"Function not found: {ARN}missing:$LATEST (Service: AWSLambda; "
                                  "Status Code: 404; Error Code: ResourceNotFoundException; Request ID: ")
