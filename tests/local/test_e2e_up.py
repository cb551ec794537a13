"""End to end: `workflows up` in a subprocess on a free port, driven like a user would drive AWS.

Plain boto3 clients (stepfunctions, cognito-idp, dynamodb) on the printed endpoint and plain HTTP
to the API routes: signup -> sign-in -> authorized call -> denied call -> migration callback; then
the CLI's remote commands against the same server, and Ctrl-C.
"""
from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Callable

import boto3
import pytest

from workflows.local.demo import api_call

REPO = Path(__file__).resolve().parents[2]
ADMIN_PASSWORD = "Operator-Pass-1!"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(predicate: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def start_up(*args: str) -> Any:
    """`workflows up --json` on a free port; yields its printed outputs once it serves."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
    proc = subprocess.Popen([sys.executable, "-m", "workflows.cli", "up", "--port", str(port), "--json", *args],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    try:
        while True:  # the JSON document ends with a closing brace at column 0
            line = proc.stdout.readline()
            if not line:
                raise AssertionError(f"workflows up exited: {proc.stderr.read()}")
            lines.append(line)
            if line.startswith("}"):
                break
        info = json.loads("".join(lines))
        yield {"proc": proc, "info": info, "url": info["endpoint"], "api": info["apiUrl"]}
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def server():
    yield from start_up()


@pytest.fixture(scope="module")
def virtual_server():
    yield from start_up("--clock", "virtual")


def aws(server: dict[str, Any], service: str) -> Any:
    return boto3.client(service, endpoint_url=server["url"], region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def test_up_prints_endpoints_and_exports(server: dict[str, Any]) -> None:
    info = server["info"]
    assert info["endpoint"] == f"http://127.0.0.1:{info['endpoint'].rsplit(':', 1)[1]}"
    assert info["exports"]["AWS_ENDPOINT_URL_SFN"] == info["endpoint"]
    assert info["exports"]["AWS_ENDPOINT_URL_DYNAMODB"] == info["endpoint"]
    assert set(info["stateMachines"]) >= {"signup", "create_profile", "migrate_user", "migrate_batch"}
    assert info["clock"] == "real"


def test_lifecycle_through_boto3_and_http(server: dict[str, Any]) -> None:
    info, idp, sfn, ddb = server["info"], aws(server, "cognito-idp"), aws(server, "stepfunctions"), aws(server, "dynamodb")
    pool, client_id = info["userPoolId"], info["userPoolClientId"]
    idp.admin_create_user(UserPoolId=pool, Username="e2e-admin", MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": "e2e-admin@example.com"}])
    idp.admin_set_user_password(UserPoolId=pool, Username="e2e-admin", Password=ADMIN_PASSWORD, Permanent=True)
    idp.admin_add_user_to_group(UserPoolId=pool, Username="e2e-admin", GroupName="Admin")
    sign_in = lambda user, password: idp.initiate_auth(  # noqa: E731
        ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": user, "PASSWORD": password})["AuthenticationResult"]
    admin = sign_in("e2e-admin", ADMIN_PASSWORD)["AccessToken"]

    # signup through the API (authorizer -> VTL -> StartSyncExecution)
    status, body = api_call(server["api"], "POST", "/users", admin,
                            {"email": "e2e.user@example.com", "displayName": "E2E", "tenantId": "t9",
                             "groups": ["User"], "emailVerified": True})
    assert status == 201, body
    user_id = body["userId"]
    profile = ddb.get_item(TableName=info["usersTable"],
                           Key={"pk": {"S": f"USER#{user_id}"}, "sk": {"S": "PROFILE"}})["Item"]
    assert profile["email"]["S"] == "e2e.user@example.com"

    # sign-in: the pre-token trigger put the profile into the tokens
    idp.admin_set_user_password(UserPoolId=pool, Username=str(user_id), Password="E2e-User-Pass-1!", Permanent=True)
    tokens = sign_in(str(user_id), "E2e-User-Pass-1!")
    access = json.loads(base64.urlsafe_b64decode(tokens["AccessToken"].split(".")[1] + "=="))
    assert access["userId"] == user_id and access["tenantId"] == "t9"

    # authorized call (any signed-in user may ask for their runs) and denied call (User may not sign up others)
    assert api_call(server["api"], "GET", "/executions/none", tokens["AccessToken"])[0] == 404
    assert api_call(server["api"], "POST", "/users", tokens["AccessToken"], {"email": "z@example.com"})[0] == 403
    assert api_call(server["api"], "POST", "/users", "not-a-jwt", {"email": "z@example.com"})[0] == 403
    assert api_call(server["api"], "POST", "/users", None, {"email": "z@example.com"})[0] == 401

    # migration callback: the waiting execution is completed by the legacy user's first sign-in
    from lambdas.user_migration.legacy_store import hash_password

    legacy = {"username": {"S": "ola@legacy.example"}, "email": {"S": "ola@legacy.example"},
              "legacyUserId": {"S": "L-e2e"}, "displayName": {"S": "Ola"}, "tenantId": {"S": "old"}}
    for key, value in hash_password("Legacy-Pass-9!", iterations=1000).items():
        legacy[key] = {"N": str(value)} if isinstance(value, int) else {"S": str(value)}
    ddb.put_item(TableName=info["legacyUsersTable"], Item=legacy)
    status, body = api_call(server["api"], "POST", "/migrations", admin,
                            {"batchId": "e2e", "users": [{"legacyUserId": "L-e2e", "email": "ola@legacy.example"}]})
    assert status == 202, body
    migration_arn = f"arn:aws:states:us-east-1:123456789012:execution:migrate_user:migrate-L-e2e"
    record = lambda: ddb.get_item(TableName=info["usersTable"], ConsistentRead=True, Key={  # noqa: E731
        "pk": {"S": "MIGRATION#ola@legacy.example"}, "sk": {"S": "MIGRATION"}}).get("Item")
    wait_for(lambda: record() and record()["status"]["S"] == "PENDING", what="pending migration")
    assert sfn.describe_execution(executionArn=migration_arn)["status"] == "RUNNING"
    sign_in("ola@legacy.example", "Legacy-Pass-9!")
    wait_for(lambda: sfn.describe_execution(executionArn=migration_arn)["status"] == "SUCCEEDED",
             what="migration to succeed")
    assert record()["status"]["S"] == "MIGRATED"
    events = sfn.get_execution_history(executionArn=migration_arn)["events"]
    assert events[0]["type"] == "ExecutionStarted" and events[-1]["type"] == "ExecutionSucceeded"
    listed = sfn.list_executions(stateMachineArn=info["stateMachines"]["migrate_user"])["executions"]
    assert migration_arn in {e["executionArn"] for e in listed}


def run_cli(server: dict[str, Any], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "workflows.cli", *args, "--endpoint", server["url"]],
                          cwd=REPO, capture_output=True, text=True, timeout=60)


def test_cli_remote_commands(server: dict[str, Any]) -> None:
    done = run_cli(server, "run", "create_profile", "--json", "--input",
                   json.dumps({"userId": "777", "email": "cli@example.com", "displayName": "Cli"}))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["execution"]["status"] == "SUCCEEDED"
    arn = result["execution"]["executionArn"]
    history = run_cli(server, "history", arn, "--json")
    assert history.returncode == 0 and json.loads(history.stdout)[0]["type"] == "ExecutionStarted"
    listed = run_cli(server, "executions", "--state-machine", "create_profile", "--json")
    assert arn in {e["executionArn"] for e in json.loads(listed.stdout)}
    table = run_cli(server, "history", arn)
    assert "ExecutionSucceeded" in table.stdout and "path:" in table.stdout
    bad = run_cli(server, "send-task-success", "no-such-token", "--output", "{}")
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1 and "error" in bad.stderr
    express = run_cli(server, "run", "signup", "--json", "--input", json.dumps({"email": "cli.express@example.com"}))
    assert express.returncode == 0, express.stderr  # StartSyncExecution without the "sync-" host prefix
    assert json.loads(json.loads(express.stdout)["execution"]["output"])["statusCode"] == 201
    every = run_cli(server, "executions", "--json")  # every machine of the stack; Express ones keep no list
    assert every.returncode == 0, every.stderr
    assert arn in {e["executionArn"] for e in json.loads(every.stdout)}
    listed_express = run_cli(server, "executions", "--state-machine", "signup")
    assert listed_express.returncode == 1 and "signup is an EXPRESS state machine" in listed_express.stderr
    unknown = run_cli(server, "run", "nope")
    assert unknown.returncode == 1 and "unknown state machine 'nope'" in unknown.stderr


def test_advance_reaches_a_migration_deadline_on_the_virtual_clock(virtual_server: dict[str, Any]) -> None:
    info, sfn, ddb = virtual_server["info"], aws(virtual_server, "stepfunctions"), aws(virtual_server, "dynamodb")
    assert info["clock"] == "virtual"
    arn = sfn.start_execution(stateMachineArn=info["stateMachines"]["migrate_user"], name="late",
                              input=json.dumps({"legacyUserId": "L-late", "email": "late@legacy.example",
                                                "timeoutSeconds": 3600}))["executionArn"]
    record = lambda: ddb.get_item(TableName=info["usersTable"], ConsistentRead=True, Key={  # noqa: E731
        "pk": {"S": "MIGRATION#late@legacy.example"}, "sk": {"S": "MIGRATION"}}).get("Item")
    wait_for(lambda: record() and record()["status"]["S"] == "PENDING", what="pending migration")

    early = run_cli(virtual_server, "advance", "3599", "--json")  # one second short: still waiting
    assert early.returncode == 0, early.stderr
    assert json.loads(early.stdout) == {"clock": "virtual", "advancedSeconds": 3599.0, "totalAdvancedSeconds": 3599.0}
    assert sfn.describe_execution(executionArn=arn)["status"] == "RUNNING"
    assert record()["status"]["S"] == "PENDING"

    later = run_cli(virtual_server, "advance", "2s")
    assert later.returncode == 0, later.stderr
    assert "virtual clock advanced 2s" in later.stdout
    assert sfn.describe_execution(executionArn=arn)["status"] == "SUCCEEDED"
    path = [e["stateEnteredEventDetails"]["name"] for e in sfn.get_execution_history(executionArn=arn,
            maxResults=1000)["events"] if "stateEnteredEventDetails" in e]
    assert path[path.index("ClaimFallback"):] == [
        "ClaimFallback", "FallbackProfile", "HasUserId", "AllocateUserId", "ProfileKey", "UseIdAsUsername",
        "WriteUser", "ShouldReleaseAllocation", "ReleaseAllocation", "AfterRelease", "AfterWrite", "InviteUser",
        "RecordFallback", "FellBack"], path
    assert record()["status"]["S"] == "FALLBACK"
    user_id = record()["userId"]["N"]  # the invited user is complete: profile keyed by its id, email reserved
    profile = ddb.get_item(TableName=info["usersTable"], Key={"pk": {"S": f"USER#{user_id}"}, "sk": {"S": "PROFILE"}})
    assert profile["Item"]["email"] == {"S": "late@legacy.example"}
    assert ddb.get_item(TableName=info["usersTable"], Key={"pk": {"S": "EMAIL#late@legacy.example"},
                                                            "sk": {"S": "EMAIL"}})["Item"]["userId"] == {"N": user_id}
    invited = aws(virtual_server, "cognito-idp").list_users(UserPoolId=info["userPoolId"],
                                                           Filter='email = "late@legacy.example"')["Users"]
    assert len(invited) == 1


def test_advance_is_refused_on_the_real_clock(server: dict[str, Any]) -> None:
    refused = run_cli(server, "advance", "60")
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1
    assert "the stack runs on the real clock" in refused.stderr
    raw = urllib.request.Request(f"{server['url']}/_local/clock/advance", data=b'{"seconds": 1}', method="POST",
                                 headers=token_header(server))
    with pytest.raises(urllib.error.HTTPError) as answered:
        urllib.request.urlopen(raw, timeout=5)
    assert answered.value.code == 409


def token_header(server: dict[str, Any]) -> dict[str, str]:
    """The control endpoints' token, from the exports `workflows up --json` printed."""
    return {"X-Workflows-Local-Token": server["info"]["exports"]["WORKFLOWS_LOCAL_TOKEN"]}


def test_advance_rejects_bad_requests(virtual_server: dict[str, Any]) -> None:
    url = f"{virtual_server['url']}/_local/clock/advance"
    for body, message in ((b'{"seconds": -1}', "'seconds' must be a number >= 0, got -1"),
                          (b'{"seconds": "1d"}', "'seconds' must be a number >= 0, got \"1d\""),
                          (b'nope', "request body is not JSON")):
        with pytest.raises(urllib.error.HTTPError) as answered:
            urllib.request.urlopen(urllib.request.Request(url, data=body, method="POST",
                                                          headers=token_header(virtual_server)), timeout=5)
        assert answered.value.code == 400 and message in json.loads(answered.value.read())["message"]
    bad = run_cli(virtual_server, "advance", "tomorrow")
    assert bad.returncode == 1 and "'tomorrow' is not a duration" in bad.stderr


def test_ctrl_c_stops_cleanly(server: dict[str, Any]) -> None:
    proc = server["proc"]
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=15) == 0
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{server['url']}/_local/health", timeout=2)
