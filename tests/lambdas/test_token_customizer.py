"""Pre-token-generation trigger: documented V1/V2/V3 events, profile claims, policies, timeouts, SigV4."""

from __future__ import annotations

import copy
import datetime as dt
import json
import socket
import threading
import uuid
from typing import Any, Iterator

import pytest

from lambdas.token_customizer.dynamodb_get_item import (
    Credentials,
    DynamoDBError,
    GetItemClient,
    deserialize,
    host_header,
    resolve_endpoint,
    sign_headers,
)
from lambdas.token_customizer.handler import (
    RESERVED_CLAIMS,
    ProfileUnavailable,
    TokenCustomizer,
    safe_claims,
)

# Event shapes as printed in the Cognito developer guide ("Pre token generation Lambda trigger").
V2_EVENT: dict[str, Any] = {
    "version": "2",
    "triggerSource": "TokenGeneration_Authentication",
    "region": "us-east-1",
    "userPoolId": "us-east-1_EXAMPLE",
    "userName": "1001",
    "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "1example23456789"},
    "request": {
        "userAttributes": {
            "sub": "a36036a8-9061-424d-a737-56d57dae7bbc",
            "cognito:email_alias": "testuser@example.com",
            "cognito:user_status": "CONFIRMED",
            "email_verified": "true",
            "email": "testuser@example.com",
        },
        "groupConfiguration": {"groupsToOverride": ["Registrar"], "iamRolesToOverride": [], "preferredRole": None},
        "scopes": ["aws.cognito.signin.user.admin"],
    },
    "response": {"claimsAndScopeOverrideDetails": None},
}
V1_EVENT: dict[str, Any] = {
    "version": "1",
    "triggerSource": "TokenGeneration_HostedAuth",
    "region": "us-east-1",
    "userPoolId": "us-east-1_EXAMPLE",
    "userName": "1001",
    "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "1example23456789"},
    "request": {
        "userAttributes": {"sub": "a36036a8-9061-424d-a737-56d57dae7bbc", "email_verified": "true", "email": "testuser@example.com"},
        "groupConfiguration": {"groupsToOverride": ["User"], "iamRolesToOverride": [], "preferredRole": None},
    },
    "response": {"claimsOverrideDetails": None},
}
V3_EVENT = {**copy.deepcopy(V2_EVENT), "version": "3", "triggerSource": "TokenGeneration_RefreshTokens"}
V3_CLIENT_CREDENTIALS = {
    "version": "3",
    "triggerSource": "TokenGeneration_ClientCredentials",
    "region": "us-east-1",
    "userPoolId": "us-east-1_EXAMPLE",
    "userName": "ClientCredentials",
    "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "1example23456789"},
    "request": {"userAttributes": {}, "groupConfiguration": None, "scopes": ["example.com/read"]},
    "response": {"claimsAndScopeOverrideDetails": None},
}
PROFILE = {"userId": 1001, "email": "testuser@example.com", "displayName": "Ada", "tenantId": "acme", "plan": "pro",
           "groups": ["Registrar"], "createdAt": "2024-01-01T00:00:00Z"}


def customizer(profile: Any = PROFILE, **env: str) -> TokenCustomizer:
    def read(user: str) -> Any:
        if isinstance(profile, Exception):
            raise profile
        return profile

    return TokenCustomizer({"TABLE_NAME": "users", **env}, read_profile=read)


def test_v2_adds_typed_claims_to_both_tokens_and_group_scopes() -> None:
    event = customizer(GROUP_SCOPES='{"Registrar": ["users/write", "users/read"], "Admin": ["admin"]}')(copy.deepcopy(V2_EVENT))
    details = event["response"]["claimsAndScopeOverrideDetails"]
    assert details["idTokenGeneration"] == {
        "claimsToAddOrOverride": {"userId": 1001, "tenantId": "acme", "plan": "pro", "displayName": "Ada"}
    }
    assert details["accessTokenGeneration"] == {
        "claimsToAddOrOverride": {"userId": 1001, "tenantId": "acme", "plan": "pro"},
        "scopesToAdd": ["users/write", "users/read"],
    }
    assert event["request"] == V2_EVENT["request"]  # the request is left as Cognito sent it


def test_v3_user_event_same_as_v2() -> None:
    v2 = customizer()(copy.deepcopy(V2_EVENT))["response"]
    assert customizer()(copy.deepcopy(V3_EVENT))["response"] == v2


def test_v3_client_credentials_passes_through_without_reading() -> None:
    def explode(user: str) -> Any:
        raise AssertionError("no profile read for machine identities")

    event = TokenCustomizer({"TABLE_NAME": "users"}, read_profile=explode)(copy.deepcopy(V3_CLIENT_CREDENTIALS))
    assert event == V3_CLIENT_CREDENTIALS


def test_v1_adds_string_claims_to_id_token_only() -> None:
    event = customizer()(copy.deepcopy(V1_EVENT))
    assert event["response"] == {
        "claimsOverrideDetails": {
            "claimsToAddOrOverride": {"userId": "1001", "tenantId": "acme", "plan": "pro", "displayName": "Ada"}
        }
    }


def test_scopes_already_present_are_not_added_twice() -> None:
    event = copy.deepcopy(V2_EVENT)
    event["request"]["scopes"].append("users/read")
    out = customizer(GROUP_SCOPES='{"Registrar": ["users/read"]}')(event)
    assert "scopesToAdd" not in out["response"]["claimsAndScopeOverrideDetails"]["accessTokenGeneration"]


@pytest.mark.parametrize("event", [V1_EVENT, V2_EVENT])
def test_missing_profile_open_issues_tokens_without_claims(event: dict[str, Any], caplog: Any) -> None:
    out = customizer(None, MISSING_PROFILE_POLICY="open")(copy.deepcopy(event))
    response = out["response"]
    if "claimsOverrideDetails" in response:
        assert response["claimsOverrideDetails"]["claimsToAddOrOverride"] == {}
    else:
        assert response["claimsAndScopeOverrideDetails"]["idTokenGeneration"]["claimsToAddOrOverride"] == {}
        assert response["claimsAndScopeOverrideDetails"]["accessTokenGeneration"]["claimsToAddOrOverride"] == {}
    assert "without profile claims" in caplog.text and "no profile item" in caplog.text


def test_missing_profile_closed_refuses_sign_in() -> None:
    with pytest.raises(ProfileUnavailable, match="user 1001 unavailable: no profile item"):
        customizer(None, MISSING_PROFILE_POLICY="closed")(copy.deepcopy(V2_EVENT))


@pytest.mark.parametrize("policy", ["open", "closed"])
def test_failed_read_follows_the_policy(policy: str) -> None:
    failing = customizer(DynamoDBError("RequestTimeout", "timed out"), MISSING_PROFILE_POLICY=policy)
    if policy == "closed":
        with pytest.raises(ProfileUnavailable, match="RequestTimeout"):
            failing(copy.deepcopy(V2_EVENT))
    else:
        details = failing(copy.deepcopy(V2_EVENT))["response"]["claimsAndScopeOverrideDetails"]
        assert details["idTokenGeneration"]["claimsToAddOrOverride"] == {}


@pytest.mark.parametrize("profile", [["not", "an", "object"], "USER#1001", 42, True])
@pytest.mark.parametrize("policy", ["open", "closed"])
def test_a_profile_that_is_no_object_follows_the_policy(profile: Any, policy: str, caplog: Any) -> None:
    run = customizer(profile, MISSING_PROFILE_POLICY=policy)
    if policy == "closed":
        with pytest.raises(ProfileUnavailable, match="no object"):
            run(copy.deepcopy(V2_EVENT))
        return
    details = run(copy.deepcopy(V2_EVENT))["response"]["claimsAndScopeOverrideDetails"]
    assert details["idTokenGeneration"]["claimsToAddOrOverride"] == {} and "no object" in caplog.text


@pytest.mark.parametrize("user_name", [None, "", 1001, ["1001"]])
@pytest.mark.parametrize("policy", ["open", "closed"])
def test_an_event_without_user_name_follows_the_policy(user_name: Any, policy: str) -> None:
    event = copy.deepcopy(V2_EVENT)
    if user_name is None:
        del event["userName"]
    else:
        event["userName"] = user_name
    run = customizer(MISSING_PROFILE_POLICY=policy)
    if policy == "closed":
        with pytest.raises(ProfileUnavailable, match="no userName"):
            run(event)
        return
    details = run(event)["response"]["claimsAndScopeOverrideDetails"]
    assert details["accessTokenGeneration"]["claimsToAddOrOverride"] == {}


def test_malformed_request_parts_are_read_as_absent() -> None:
    event = copy.deepcopy(V2_EVENT)
    event["request"]["groupConfiguration"] = {"groupsToOverride": "Registrar"}
    event["request"]["scopes"] = None
    out = customizer(GROUP_SCOPES='{"Registrar": ["users/read"]}')(event)
    assert "scopesToAdd" not in out["response"]["claimsAndScopeOverrideDetails"]["accessTokenGeneration"]


def test_added_claims_and_scopes_are_bounded_so_tokens_stay_under_the_authorizer_limit() -> None:
    from lambdas.authorizer.cognito_jwt import MAX_TOKEN_BYTES
    from lambdas.token_customizer import handler

    huge = {"userId": 1001, "tenantId": "t" * 100_000, "plan": {"nested": "object"}, "displayName": "D" * 257}
    details = customizer(huge)(copy.deepcopy(V2_EVENT))["response"]["claimsAndScopeOverrideDetails"]
    assert details["idTokenGeneration"]["claimsToAddOrOverride"] == {"userId": 1001}  # the rest left out
    # at the bounds: every claim kept; many groups with many long scopes: scopes cut at the bound
    at_limit = {"userId": 10**15, "tenantId": "t" * 256, "plan": "p" * 256, "displayName": "\u00e9" * 256}
    scopes = {f"G{i}": [f"resource-server-{i}/{'s' * 200}-{j}" for j in range(20)] for i in range(50)}
    event = copy.deepcopy(V2_EVENT)
    event["request"]["groupConfiguration"]["groupsToOverride"] = list(scopes)
    details = customizer(at_limit, GROUP_SCOPES=json.dumps(scopes))(event)["response"]["claimsAndScopeOverrideDetails"]
    id_added = details["idTokenGeneration"]["claimsToAddOrOverride"]
    assert id_added == at_limit
    added_scopes = details["accessTokenGeneration"]["scopesToAdd"]
    assert 0 < len(" ".join(added_scopes).encode()) <= handler.MAX_ADDED_SCOPES_BYTES
    # the worst case of what this trigger adds, on top of a large Cognito token, is still accepted
    cognito_claims = {"sub": str(uuid.uuid4()), "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_EXAMPLE",
                      "client_id": "1example23456789", "origin_jti": str(uuid.uuid4()), "event_id": str(uuid.uuid4()),
                      "token_use": "access", "scope": "aws.cognito.signin.user.admin", "auth_time": 1, "exp": 2,
                      "iat": 1, "jti": str(uuid.uuid4()), "username": "1001",
                      "cognito:groups": [f"group-{i:03d}-{'g' * 40}" for i in range(50)]}
    claims = {**cognito_claims, **id_added, "scope": cognito_claims["scope"] + " " + " ".join(added_scopes)}
    payload = len(json.dumps(claims, separators=(",", ":")).encode())
    token_bytes = 4 * (payload + 100) // 3 + 350  # header, RS256 signature, base64url
    assert token_bytes < MAX_TOKEN_BYTES, token_bytes


def test_reserved_claims_are_never_set() -> None:
    hostile = {name: "x" for name in RESERVED_CLAIMS} | {"cognito:groups": ["Admin"], "cognito:username": "0", "tenant": "t"}
    assert safe_claims(hostile, "access") == {"tenant": "t"}
    assert safe_claims({"email_verified": {"a": 1}, "address": ["x"], "updated_at": 5}, "id") == {"updated_at": 5}
    for event in (V1_EVENT, V2_EVENT):
        out = json.dumps(customizer({**PROFILE, "sub": "evil", "exp": 1})(copy.deepcopy(event))["response"])
        for name in ("sub", "exp", "iss", "aud", "token_use", "cognito:groups", "scope"):
            assert f'"{name}"' not in out


@pytest.mark.parametrize(
    "env,message",
    [
        ({"MISSING_PROFILE_POLICY": "maybe"}, "MISSING_PROFILE_POLICY"),
        ({"PROFILE_READ_TIMEOUT_MS": "6000"}, "PROFILE_READ_TIMEOUT_MS"),
        ({"GROUP_SCOPES": "[1]"}, "GROUP_SCOPES"),
        ({"GROUP_SCOPES": "{"}, "GROUP_SCOPES"),
        ({"TABLE_NAME": ""}, "TABLE_NAME"),
    ],
)
def test_configuration_errors_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TokenCustomizer({"TABLE_NAME": "users", **env})


# --- the signed GetItem client ----------------------------------------------------------------------------

FIXED = dt.datetime(2024, 5, 17, 8, 30, 45, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize(
    "url,region,token",
    [
        ("https://dynamodb.us-east-1.amazonaws.com", "us-east-1", None),
        ("https://dynamodb.eu-west-1.amazonaws.com", "eu-west-1", "FwoGZXIvYXdzEJr//session+token="),
        ("http://127.0.0.1:4566", "us-east-1", None),
        ("http://localhost:8000/", "ap-southeast-2", "tok"),
        ("https://dynamodb.us-east-1.amazonaws.com:443", "us-east-1", None),
        ("http://[::1]:5000/dynamo/../", "us-west-2", None),
    ],
)
def test_signature_matches_botocore_byte_for_byte(url: str, region: str, token: str | None, monkeypatch: Any) -> None:
    import botocore.auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials as BotoCredentials

    body = b'{"TableName":"users","Key":{"pk":{"S":"USER#1001"},"sk":{"S":"PROFILE"}},"ConsistentRead":false}'
    headers = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.GetItem"}
    ours = sign_headers(method="POST", url=url, headers=headers, body=body, region=region,
                        credentials=Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token), now=FIXED)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: FIXED.replace(tzinfo=None))
    request = AWSRequest(method="POST", url=url, headers=dict(headers), data=body)
    botocore.auth.SigV4Auth(BotoCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token), "dynamodb", region).add_auth(request)
    assert ours["Authorization"].encode() == request.headers["Authorization"].encode()
    assert ours["X-Amz-Date"] == request.headers["X-Amz-Date"]
    assert ours.get("X-Amz-Security-Token") == request.headers.get("X-Amz-Security-Token")


def test_signature_matches_a_real_boto3_get_item(monkeypatch: Any) -> None:
    """Capture what boto3 itself sends for GetItem and re-sign the same bytes: identical Authorization."""
    import boto3

    captured: dict[str, Any] = {}

    def capture(request: Any, **kwargs: Any) -> Any:
        captured["url"], captured["body"] = request.url, request.body
        captured["headers"] = {k: v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()}
        from botocore.awsrequest import AWSResponse

        return AWSResponse(request.url, 200, {}, type("Raw", (), {"stream": lambda self, **k: iter([b"{}"])})())

    client = boto3.client("dynamodb", region_name="eu-central-1", endpoint_url="http://127.0.0.1:8000",
                          aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret/key+1", aws_session_token="sess")
    client.meta.events.register("before-send", capture)
    client.get_item(TableName="users", Key={"pk": {"S": "USER#1001"}, "sk": {"S": "PROFILE"}})
    sent = captured["headers"]
    when = dt.datetime.strptime(sent["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc)
    ours = GetItemClient(
        {"AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:8000", "AWS_REGION": "eu-central-1",
         "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret/key+1", "AWS_SESSION_TOKEN": "sess"}
    ).signed(captured["body"], now=when)
    assert ours["Authorization"] == sent["Authorization"]  # same signed headers, same signature
    assert {k: ours[k] for k in ("Content-Type", "X-Amz-Target", "X-Amz-Date", "X-Amz-Security-Token")} == {
        k: sent[k] for k in ("Content-Type", "X-Amz-Target", "X-Amz-Date", "X-Amz-Security-Token")
    }


def test_endpoint_resolution_follows_boto3_env_vars() -> None:
    assert resolve_endpoint({}, "eu-west-1") == "https://dynamodb.eu-west-1.amazonaws.com"
    assert resolve_endpoint({"AWS_ENDPOINT_URL": "http://a:1"}, "x") == "http://a:1"
    assert resolve_endpoint({"AWS_ENDPOINT_URL": "http://a:1", "AWS_ENDPOINT_URL_DYNAMODB": "http://b:2"}, "x") == "http://b:2"
    assert resolve_endpoint({"AWS_ENDPOINT_URL": "http://a:1", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}, "x").startswith("https://dynamodb.x")
    assert host_header("https://dynamodb.us-east-1.amazonaws.com:443/") == "dynamodb.us-east-1.amazonaws.com"
    assert host_header("http://localhost:8000") == "localhost:8000"


def test_deserialize_attribute_values() -> None:
    item = {"n": {"N": "12"}, "f": {"N": "1.5"}, "l": {"L": [{"S": "a"}, {"BOOL": True}]}, "m": {"M": {"x": {"NULL": True}}}}
    assert {k: deserialize(v) for k, v in item.items()} == {"n": 12, "f": 1.5, "l": ["a", True], "m": {"x": None}}


def test_missing_credentials_is_a_read_failure() -> None:
    client = GetItemClient({"AWS_ENDPOINT_URL": "http://127.0.0.1:9"}, timeout_seconds=0.2)
    with pytest.raises(DynamoDBError, match="AWS_ACCESS_KEY_ID"):
        client.get_item("users", {"pk": {"S": "x"}})


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def users_table(moto_endpoint: str, aws_env: None) -> str:
    import boto3

    name = f"users-{uuid.uuid4().hex[:8]}"
    ddb = boto3.client("dynamodb", endpoint_url=moto_endpoint, region_name="us-east-1")
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}])
    ddb.put_item(TableName=name, Item={
        "pk": {"S": "USER#1001"}, "sk": {"S": "PROFILE"}, "userId": {"N": "1001"}, "email": {"S": "testuser@example.com"},
        "displayName": {"S": "Ada"}, "tenantId": {"S": "acme"}, "plan": {"S": "pro"},
        "groups": {"L": [{"S": "Registrar"}]}, "createdAt": {"S": "2024-01-01T00:00:00Z"},
    })
    return name


def _env(endpoint: str, table: str, **extra: str) -> dict[str, str]:
    return {"TABLE_NAME": table, "AWS_ENDPOINT_URL_DYNAMODB": endpoint, "AWS_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "tok", **extra}


def test_reads_profile_through_moto_server(moto_endpoint: str, users_table: str) -> None:
    handler = TokenCustomizer(_env(moto_endpoint, users_table))
    for _ in range(2):  # second call reuses the keep-alive connection
        details = handler(copy.deepcopy(V2_EVENT))["response"]["claimsAndScopeOverrideDetails"]
        assert details["accessTokenGeneration"]["claimsToAddOrOverride"] == {"userId": 1001, "tenantId": "acme", "plan": "pro"}


def test_generic_endpoint_variable_and_missing_item(moto_endpoint: str, users_table: str) -> None:
    env = _env(moto_endpoint, users_table, MISSING_PROFILE_POLICY="closed")
    env["AWS_ENDPOINT_URL"] = env.pop("AWS_ENDPOINT_URL_DYNAMODB")
    event = copy.deepcopy(V2_EVENT)
    event["userName"] = "999"
    with pytest.raises(ProfileUnavailable, match="no profile item"):
        TokenCustomizer(env)(event)


def test_missing_table_error_follows_policy(moto_endpoint: str, aws_env: None) -> None:
    with pytest.raises(ProfileUnavailable, match="ResourceNotFoundException"):
        TokenCustomizer(_env(moto_endpoint, "no-such-table", MISSING_PROFILE_POLICY="closed"))(copy.deepcopy(V2_EVENT))


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """Accepts connections and never answers: a DynamoDB that is too slow."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()


def test_slow_read_times_out_and_fails_open(silent_endpoint: str, caplog: Any) -> None:
    env = _env(silent_endpoint, "users", PROFILE_READ_TIMEOUT_MS="150", MISSING_PROFILE_POLICY="open")
    details = TokenCustomizer(env)(copy.deepcopy(V2_EVENT))["response"]["claimsAndScopeOverrideDetails"]
    assert details["idTokenGeneration"]["claimsToAddOrOverride"] == {}
    assert "RequestTimeout" in caplog.text


def test_slow_read_times_out_and_fails_closed(silent_endpoint: str) -> None:
    env = _env(silent_endpoint, "users", PROFILE_READ_TIMEOUT_MS="150", MISSING_PROFILE_POLICY="closed")
    with pytest.raises(ProfileUnavailable, match="RequestTimeout"):
        TokenCustomizer(env)(copy.deepcopy(V2_EVENT))


def test_module_handler_uses_environment(moto_endpoint: str, users_table: str, monkeypatch: Any) -> None:
    from lambdas.token_customizer import handler as module

    for name, value in _env(moto_endpoint, users_table).items():
        monkeypatch.setenv(name, value)
    module.reset()
    try:
        out = module.handler(copy.deepcopy(V1_EVENT))
        assert out["response"]["claimsOverrideDetails"]["claimsToAddOrOverride"]["tenantId"] == "acme"
    finally:
        module.reset()


class ScriptedEndpoint:
    """A raw HTTP endpoint answering every request with ``answer`` (optionally one byte per ``drip`` s)."""

    def __init__(self, answer: bytes, drip: float = 0.0) -> None:
        self.answer, self.drip = answer, drip
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.listener.settimeout(0.05)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(2)
                data = b""
                while b"\r\n\r\n" not in data:
                    data += conn.recv(65536)
                head, _, rest = data.partition(b"\r\n\r\n")
                length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
                while len(rest) < length:
                    rest += conn.recv(65536)
                if not self.drip:
                    conn.sendall(self.answer)
                    continue
                for index in range(len(self.answer)):
                    if self.stop.wait(self.drip):
                        break
                    conn.sendall(self.answer[index : index + 1])

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.listener.close()


def _http_answer(body: bytes, status: str = "200 OK") -> bytes:
    return (f"HTTP/1.1 {status}\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body


PROFILE_ANSWER = _http_answer(json.dumps({"Item": {"userId": {"N": "1001"}, "tenantId": {"S": "acme"}}}).encode())


def test_scripted_endpoint_control_a_prompt_answer_is_read() -> None:
    endpoint = ScriptedEndpoint(PROFILE_ANSWER)
    try:
        client = GetItemClient(_env(endpoint.url, "users"), timeout_seconds=2)
        assert client.get_item("users", {"pk": {"S": "USER#1001"}}) == {"userId": 1001, "tenantId": "acme"}
    finally:
        endpoint.close()


def test_dripping_answer_is_cut_at_the_total_deadline(caplog: Any) -> None:
    """Each byte arrives well inside the socket timeout, so only a total deadline stops the read
    (the whole answer would take ~100 x 50 ms, far past the budget): the policy decides instead."""
    endpoint = ScriptedEndpoint(PROFILE_ANSWER, drip=0.05)
    try:
        env = _env(endpoint.url, "users", PROFILE_READ_TIMEOUT_MS="400", MISSING_PROFILE_POLICY="open")
        details = TokenCustomizer(env)(copy.deepcopy(V2_EVENT))["response"]["claimsAndScopeOverrideDetails"]
        assert details["accessTokenGeneration"]["claimsToAddOrOverride"] == {}
        assert "RequestTimeout" in caplog.text
    finally:
        endpoint.close()


def test_stalled_dns_resolution_is_cut_at_the_total_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    """getaddrinfo has no timeout; a resolver that hangs must not hold the sign-in past the budget."""
    real = socket.getaddrinfo
    release = threading.Event()

    def stalled(*args: Any, **kwargs: Any) -> Any:
        release.wait(5)
        return real(*args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", stalled)
    try:
        client = GetItemClient(_env("http://localhost:9", "users"), timeout_seconds=0.2)
        with pytest.raises(DynamoDBError) as raised:
            client.get_item("users", {"pk": {"S": "USER#1001"}})
        assert raised.value.code == "RequestTimeout"
    finally:
        release.set()


@pytest.mark.parametrize(
    "answer",
    [
        _http_answer(b"not json"),
        _http_answer(b"[1, 2]"),
        _http_answer(json.dumps({"Item": {"userId": {"N": 1001}}}).encode()),
        _http_answer(json.dumps({"Item": {"userId": {"X": "1", "Y": "2"}}}).encode()),
        _http_answer(json.dumps({"Item": ["userId"]}).encode()),
        _http_answer(b"<html>bad gateway</html>", "502 Bad Gateway"),
    ],
    ids=["not-json", "array", "number-not-string", "two-types", "item-not-object", "html-502"],
)
@pytest.mark.parametrize("policy", ["open", "closed"])
def test_malformed_answers_follow_the_policy_never_crash(answer: bytes, policy: str) -> None:
    endpoint = ScriptedEndpoint(answer)
    try:
        customizer = TokenCustomizer(_env(endpoint.url, "users", MISSING_PROFILE_POLICY=policy))
        if policy == "closed":
            with pytest.raises(ProfileUnavailable, match="profile read failed"):
                customizer(copy.deepcopy(V2_EVENT))
        else:
            details = customizer(copy.deepcopy(V2_EVENT))["response"]["claimsAndScopeOverrideDetails"]
            assert details["idTokenGeneration"]["claimsToAddOrOverride"] == {}
    finally:
        endpoint.close()


def test_unexpected_reader_error_follows_the_policy(caplog: Any) -> None:
    def broken(user: str) -> dict[str, Any]:
        raise KeyError("surprise")

    details = TokenCustomizer({"MISSING_PROFILE_POLICY": "open"}, read_profile=broken)(copy.deepcopy(V2_EVENT))
    assert details["response"]["claimsAndScopeOverrideDetails"]["idTokenGeneration"]["claimsToAddOrOverride"] == {}
    assert "KeyError" in caplog.text
    with pytest.raises(ProfileUnavailable, match="KeyError"):
        TokenCustomizer({"MISSING_PROFILE_POLICY": "closed"}, read_profile=broken)(copy.deepcopy(V2_EVENT))


def test_one_list_of_refused_claims_for_the_lambda_and_the_local_emulation() -> None:
    """lambdas/token_customizer/cognito_claims.py is read by the Lambda (which leaves the claims out)
    and by the local stack's Cognito emulation (which refuses an answer touching them): one list."""
    from lambdas.token_customizer.cognito_claims import REFUSED_CLAIMS
    from workflows.local import pretoken

    for name in sorted(REFUSED_CLAIMS) + ["cognito:groups", "cognito:anything"]:
        assert safe_claims({name: "x"}, "access") == {}, name
        answer = {"claimsAndScopeOverrideDetails": {"accessTokenGeneration": {"claimsToAddOrOverride": {name: "x"}}}}
        with pytest.raises(pretoken.InvalidLambdaResponse, match=name):
            pretoken.apply_response("2", answer, {}, {})
    assert safe_claims({"tenantId": "t"}, "access") == {"tenantId": "t"}
    pretoken.apply_response("2", {"claimsAndScopeOverrideDetails": {"accessTokenGeneration": {
        "claimsToAddOrOverride": {"tenantId": "t"}}}}, {}, {})
