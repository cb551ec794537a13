"""botocore clients served in-process (workflows/local/in_process.py): same answers, no socket."""
from __future__ import annotations

from typing import Any

import pytest
from botocore.awsrequest import AWSPreparedRequest
from botocore.exceptions import ClientError

from workflows.local.in_process import attach, wsgi_environ
from workflows.local.moto_services import MotoServices
from workflows.testing.clients import endpoint_client

NOBODY_LISTENS = "http://127.0.0.1:9"  # the discard port: a socket request would fail to connect


@pytest.fixture
def ddb() -> Any:
    client = endpoint_client("dynamodb", NOBODY_LISTENS, region_name="us-east-1", retries={"max_attempts": 1})
    attach(client, MotoServices())
    return client


def test_a_client_reaches_the_app_without_a_socket(ddb: Any) -> None:
    ddb.create_table(TableName="in-process", BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    ddb.put_item(TableName="in-process", Item={"pk": {"S": "a"}, "n": {"N": "1"}})
    assert ddb.get_item(TableName="in-process", Key={"pk": {"S": "a"}})["Item"]["n"] == {"N": "1"}


def test_errors_come_back_as_the_client_errors_aws_sends(ddb: Any) -> None:
    with pytest.raises(ClientError) as error:
        ddb.get_item(TableName="no-such-table", Key={"pk": {"S": "a"}})
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_the_environ_is_what_the_server_would_build() -> None:
    request = AWSPreparedRequest(method="GET", url="http://127.0.0.1:4620/local/users/7?x=1&y=2",
                                 headers={"Content-Type": "application/json", "X-Amz-Target": "T.Op",
                                          "Authorization": b"Bearer t"}, body=b"{}", stream_output=False)
    environ = wsgi_environ(request)
    assert (environ["REQUEST_METHOD"], environ["PATH_INFO"], environ["QUERY_STRING"]) == ("GET", "/local/users/7", "x=1&y=2")
    assert (environ["HTTP_HOST"], environ["SERVER_PORT"], environ["REMOTE_ADDR"]) == ("127.0.0.1:4620", "4620", "127.0.0.1")
    assert environ["CONTENT_TYPE"] == "application/json" and environ["HTTP_X_AMZ_TARGET"] == "T.Op"
    assert environ["HTTP_AUTHORIZATION"] == "Bearer t" and environ["CONTENT_LENGTH"] == "2"
    assert environ["wsgi.input"].read() == b"{}"


def test_the_stack_serves_its_own_clients_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    from workflows.local import in_process
    from workflows.local.stack import LocalStack

    served: list[str] = []
    real_call = in_process.InProcessTransport.__call__
    monkeypatch.setattr(in_process.InProcessTransport, "__call__",
                        lambda self, request, **kw: served.append(request.headers.get("X-Amz-Target", b"")) or
                        real_call(self, request, **kw))
    with LocalStack(clock="virtual") as stack:
        stack.client("dynamodb").get_item(TableName=stack.users_table, Key={"pk": {"S": "x"}, "sk": {"S": "y"}})
        assert served[-1] in (b"DynamoDB_20120810.GetItem", "DynamoDB_20120810.GetItem")
        out = stack.engine.start_sync_execution(stateMachineArn=stack.state_machines["signup"],
                                                input='{"email": "in-process@example.com"}')
        assert out["status"] == "SUCCEEDED", out
        targets = {t.decode() if isinstance(t, bytes) else t for t in served}
        assert {"DynamoDB_20120810.UpdateItem", "DynamoDB_20120810.TransactWriteItems",
                "AWSCognitoIdentityProviderService.AdminCreateUser"} <= targets  # the workflow's Tasks
