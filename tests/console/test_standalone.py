"""`workflows console --endpoint URL`: the console in front of another process's endpoint, through boto3.

Here the endpoint is a local stack on port 0 (what `workflows up` serves); the console reaches it
only over HTTP, as it would Step Functions Local, LocalStack or AWS.
"""
from __future__ import annotations

import http.client
import json
import re
import urllib.parse
import urllib.request
from typing import Any, Iterator

import pytest

from workflows.cli import main
from workflows.console import execution_url, standalone


@pytest.fixture(scope="module")
def served(stack: Any) -> Iterator[standalone.StandaloneConsole]:
    console = standalone.start(stack.url, 0)
    try:
        yield console
    finally:
        console.close()


def _request(console: standalone.StandaloneConsole, method: str, path: str, headers: dict[str, str] | None = None,
             body: bytes | None = None) -> tuple[int, str, dict[str, str]]:
    connection = http.client.HTTPConnection("127.0.0.1", console.server.port, timeout=60)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    return response.status, response.read().decode(), dict(response.getheaders())


def test_pages_through_boto3(stack: Any, served: standalone.StandaloneConsole) -> None:
    sfn = stack.client("stepfunctions")
    arn = sfn.start_execution(stateMachineArn=stack.state_machines["migrate_user"], name="remote",
                              input=json.dumps({"legacyUserId": "L-5", "email": "remote@example.com"}))["executionArn"]
    status, html, _ = _request(served, "GET", "/console/")
    assert status == 200 and all(f'data-state-machine="{name}"' in html for name in stack.state_machines)
    assert stack.url in html  # the endpoint it reads
    status, html, _ = _request(served, "GET", execution_url(arn))
    assert status == 200 and 'data-state="RegisterAndWait" data-type="Task" data-status="running"' in html
    assert 'data-form="advance"' in html  # the endpoint is a virtual-clock stack
    token = re.search(r'name="_token" value="([^"]+)"', html).group(1)
    form = urllib.parse.urlencode({"_token": token, "seconds": "180d", "executionArn": arn,
                                   "back": execution_url(arn)}).encode()
    status, _, headers = _request(served, "POST", "/console/actions/advance", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Origin": f"http://127.0.0.1:{served.server.port}"})
    assert status == 303 and headers["Location"].endswith(execution_url(arn))
    assert sfn.describe_execution(executionArn=arn)["status"] == "SUCCEEDED"  # the deadline passed: fallback


def test_guard_and_root(served: standalone.StandaloneConsole) -> None:
    port = served.server.port
    assert _request(served, "GET", "/console/", {"Host": f"evil.example:{port}"})[0] == 421
    assert _request(served, "GET", "/console/", {"Host": f"127.0.0.1:{port + 1}"})[0] == 421
    assert _request(served, "GET", "/console/", {"Host": f"localhost:{port}"})[0] == 200
    assert _request(served, "POST", "/console/actions/start", {"Origin": "http://evil.example"})[0] == 403
    status, _, headers = _request(served, "GET", "/")
    assert status == 302 and headers["Location"].endswith("/console/")
    with urllib.request.urlopen(served.url) as response:
        assert response.status == 200


def test_cli_refuses_a_bad_port(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["console", "--port", "70000", "--endpoint", "http://127.0.0.1:9"]) == 1
    assert "--port 70000 is not a port number" in capsys.readouterr().err
