"""Issue 10, item 6: what the local stack exposes to the other programs and web pages of the machine.

Over real sockets against a running LocalStack: moto's /moto-api/ is 404 unless asked for; a foreign
Host (DNS rebinding) is refused; foreign origins get no CORS and are refused; /_local/ control
endpoints need the per-start token; tokens are signed with a key made at start, so a token forged
with moto's published key is refused by the API's authorizer.
"""
from __future__ import annotations

import base64
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey
from moto.utilities.utils import load_resource

from workflows.local.stack import LocalStack

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "Exposure-Tests-Pass-1!"


@pytest.fixture(scope="module")
def stack():
    with LocalStack(clock="virtual") as running:
        yield running


@pytest.fixture()
def moto_api_stack():
    """A second stack, for one test at a time: stacks in one process share the environment the
    in-process Lambdas read, so two must not serve requests at once."""
    with LocalStack(clock="virtual", moto_api=True) as running:
        yield running


def request(stack: LocalStack, method: str, path: str, body: bytes | None = None, *, host: str | None = None,
            **headers: str) -> tuple[int, dict[str, str], bytes]:
    """One raw HTTP request with exactly these headers (Host defaults to the stack's own)."""
    connection = http.client.HTTPConnection("127.0.0.1", stack.server.port, timeout=30)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", host if host is not None else f"127.0.0.1:{stack.server.port}")
        for name, value in headers.items():
            connection.putheader(name.replace("_", "-"), value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def no_cors(headers: dict[str, str]) -> bool:
    return not any(name.startswith("access-control-") for name in headers)


def test_moto_api_is_not_served_by_default(stack: LocalStack) -> None:
    for method, path in (("GET", "/moto-api/"), ("GET", "/moto-api/data.json"), ("POST", "/moto-api/reset"),
                         ("GET", "/moto-api")):
        status, headers, body = request(stack, method, path, b"" if method == "POST" else None)
        assert status == 404 and "--moto-api" in json.loads(body)["message"], path
        assert no_cors(headers)
    # the reset did not happen: the stack still has its pool
    assert stack.client("cognito-idp").describe_user_pool(UserPoolId=stack.user_pool_id)["UserPool"]["Id"]


def test_moto_api_when_asked_for_still_has_no_cors_for_other_pages(moto_api_stack: LocalStack) -> None:
    status, headers, body = request(moto_api_stack, "GET", "/moto-api/data.json")
    assert status == 200 and "cognitoidp" in json.loads(body) and no_cors(headers)
    status, headers, _ = request(moto_api_stack, "GET", "/moto-api/data.json", origin="http://evil.example")
    assert status == 403 and no_cors(headers)
    status, _, _ = request(moto_api_stack, "POST", "/moto-api/reset", b"", origin="http://evil.example",
                           content_type="text/plain")
    assert status == 403
    assert moto_api_stack.client("cognito-idp").describe_user_pool(UserPoolId=moto_api_stack.user_pool_id)


@pytest.mark.parametrize("host", ["evil.example:{port}", "attacker.test", "127.0.0.1:1", "localhost", "10.0.0.1:{port}"])
def test_a_foreign_host_is_refused_dns_rebinding(stack: LocalStack, host: str) -> None:
    host = host.format(port=stack.server.port)
    for method, path in (("GET", "/_local/health"), ("GET", "/moto-api/data.json"), ("POST", "/"),
                         ("GET", f"/{stack.user_pool_id}/.well-known/jwks.json"), ("POST", "/local/users")):
        status, headers, body = request(stack, method, path, b"{}" if method == "POST" else None, host=host,
                                        content_type="application/x-amz-json-1.0",
                                        x_amz_target="AWSStepFunctions.ListStateMachines")
        assert status == 421 and no_cors(headers), (method, path)
        assert "DNS rebinding" in json.loads(body)["message"]


def test_loopback_names_with_the_port_are_served(stack: LocalStack) -> None:
    port = stack.server.port
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"):
        assert request(stack, "GET", "/_local/health", host=host)[0] == 200


def test_foreign_origins_get_no_cors_and_are_refused(stack: LocalStack) -> None:
    target = {"content_type": "application/x-amz-json-1.0", "x_amz_target": "AWSStepFunctions.ListStateMachines"}
    for origin in ("http://evil.example", "null", "http://127.0.0.1:1"):
        for method, path, headers in (("GET", "/_local/health", {}), ("POST", "/", target),
                                      ("OPTIONS", "/local/users", {"access_control_request_method": "POST"}),
                                      ("POST", "/", {"content_type": "application/x-www-form-urlencoded"})):
            status, answered, _ = request(stack, method, path, b"{}" if method == "POST" else None,
                                          origin=origin, **headers)
            assert status == 403 and no_cors(answered), (origin, method, path)
    # no Origin (an SDK): served, with none of moto's `Access-Control-Allow-Origin: *`
    status, headers, body = request(stack, "POST", "/", b"{}", **target)
    assert status == 200 and "stateMachines" in json.loads(body) and no_cors(headers)
    status, headers, _ = request(stack, "GET", "/?Action=ListQueues")
    assert no_cors(headers)
    # the stack's own origin (its console) gets CORS for itself only
    own = f"http://127.0.0.1:{stack.server.port}"
    status, headers, _ = request(stack, "GET", "/_local/health", origin=own)
    assert status == 200 and headers["access-control-allow-origin"] == own


def test_a_cross_site_form_or_image_request_is_refused(stack: LocalStack) -> None:
    queue = stack.client("sqs").create_queue(QueueName="exposure-victim")["QueueUrl"]
    path = f"/?Action=DeleteQueue&QueueUrl={queue}"
    status, _, _ = request(stack, "GET", path, sec_fetch_site="cross-site", sec_fetch_mode="no-cors",
                           sec_fetch_dest="image")
    assert status == 403
    assert queue in stack.client("sqs").list_queues().get("QueueUrls", [])


def test_control_endpoints_need_the_per_start_token(stack: LocalStack) -> None:
    advance = b'{"seconds": 1}'
    status, _, body = request(stack, "POST", "/_local/clock/advance", advance, content_type="text/plain")
    assert status == 403 and "X-Workflows-Local-Token" in json.loads(body)["message"]
    status, _, _ = request(stack, "POST", "/_local/clock/advance", advance, x_workflows_local_token="guess")
    assert status == 403
    status, _, _ = request(stack, "POST", "/_local/clock/advance", advance, content_type="text/plain",
                           origin="http://evil.example", x_workflows_local_token=stack.token)
    assert status == 403  # even with the token: a foreign page is refused
    status, _, body = request(stack, "POST", "/_local/clock/advance", advance, x_workflows_local_token=stack.token)
    assert status == 200 and json.loads(body)["advancedSeconds"] == 1


def test_health_and_exports_carry_the_token(stack: LocalStack) -> None:
    status, _, body = request(stack, "GET", "/_local/health")
    assert status == 200 and json.loads(body)["exports"]["WORKFLOWS_LOCAL_TOKEN"] == stack.token
    assert stack.exports()["WORKFLOWS_LOCAL_TOKEN"] == stack.token and len(stack.token) >= 40


def test_every_start_has_its_own_token_and_signing_key(stack: LocalStack, moto_api_stack: LocalStack) -> None:
    assert stack.token != moto_api_stack.token
    jwks = [json.loads(request(s, "GET", f"/{s.user_pool_id}/.well-known/jwks.json")[2])["keys"]
            for s in (stack, moto_api_stack)]
    moto_keys = load_resource("cognitoidp/resources/jwks-public.json")["keys"]
    assert jwks[0][0]["n"] != jwks[1][0]["n"]
    for keys in jwks:
        assert {k["n"] for k in keys}.isdisjoint({k["n"] for k in moto_keys})
        assert "dummy" not in {k["kid"] for k in keys}


def member_token(stack: LocalStack, username: str, group: str) -> str:
    idp = stack.client("cognito-idp")
    idp.admin_create_user(UserPoolId=stack.user_pool_id, Username=username, MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=stack.user_pool_id, Username=username, Password=PASSWORD, Permanent=True)
    idp.admin_add_user_to_group(UserPoolId=stack.user_pool_id, Username=username, GroupName=group)
    return idp.initiate_auth(ClientId=stack.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={
        "USERNAME": username, "PASSWORD": PASSWORD})["AuthenticationResult"]["AccessToken"]


def claims_of(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_a_token_forged_with_motos_published_key_is_refused(stack: LocalStack) -> None:
    real = member_token(stack, "forge-victim", "User")
    header = json.loads(base64.urlsafe_b64decode(real.split(".")[0] + "=="))
    assert header["kid"] == stack.signing_key.kid  # what the stack issues is signed with its own key
    claims = dict(claims_of(real), **{"cognito:groups": ["Admin"], "username": "forged-admin",
                                      "exp": int(time.time()) + 3600})
    moto_private = RSAKey.import_key(load_resource("cognitoidp/resources/jwks-private.json"))
    forged = jwt.encode({"kid": "dummy", "alg": "RS256"}, claims, moto_private)
    body = json.dumps({"email": "forged@example.com", "groups": ["Admin"]}).encode()
    for token in (forged, jwt.encode({"kid": stack.signing_key.kid, "alg": "RS256"}, claims, moto_private)):
        status, _, _ = request(stack, "POST", "/local/users", body, content_type="application/json",
                               authorization=f"Bearer {token}")
        assert status in (401, 403)
    users = stack.client("cognito-idp").list_users(UserPoolId=stack.user_pool_id)["Users"]
    assert {u["Username"] for u in users} == {"forge-victim"}
    # the real token of an Admin works through the same path
    admin = member_token(stack, "real-admin", "Admin")
    status, _, answer = request(stack, "POST", "/local/users", body, content_type="application/json",
                                authorization=f"Bearer {admin}")
    assert status == 201, answer


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_workflows_up_moto_api_flag() -> None:
    """`workflows up --moto-api` serves moto's API; `workflows up` (above, in process) does not."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
    proc = subprocess.Popen([sys.executable, "-m", "workflows.cli", "up", "--port", str(port), "--json",
                             "--moto-api"], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        while not lines or not lines[-1].startswith("}"):
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            lines.append(line)
        info = json.loads("".join(lines))
        assert info["exports"]["WORKFLOWS_LOCAL_TOKEN"]
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", "/moto-api/data.json")
        assert connection.getresponse().status == 200
    finally:
        proc.kill()
        proc.wait(timeout=10)
