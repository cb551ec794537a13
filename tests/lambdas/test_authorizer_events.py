"""Malformed event fields around a VALID token: a clean, logged denial - no exception, no stack trace.

The security suite varies the token; these vary everything else API Gateway would send (methodArn,
routeArn, routeKey, rawPath, requestContext), plus header values whose error message could recurse.
"""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

import pytest

from lambda_tokens import KID, METHOD_ARN, access_claims, b64url
from test_authorizer_security import assert_denied

from lambdas.authorizer.cognito_jwt import InvalidToken

BAD_ARNS = [None, 5, 1.5, True, [], [METHOD_ARN], {}, {"arn": METHOD_ARN}, b"arn:aws:execute-api:x", "", "x",
            "arn:aws:execute-api:", "arn:aws:lambda:us-east-1:1:function:f", "POST /users"]
BAD_HTTP_FIELDS: list[dict[str, Any]] = [
    {"requestContext": "http"},
    {"requestContext": []},
    {"requestContext": {"http": []}},
    {"requestContext": {"http": "GET"}},
    {"requestContext": {"http": {"method": 5}}, "rawPath": "/users"},
    {"requestContext": {"http": {"method": "POST"}}, "rawPath": ["/users"]},
    {"requestContext": {"http": {"method": "POST"}}, "rawPath": 7},
    {"routeKey": ["POST", "/users"]},
    {"routeKey": {"POST": "/users"}},
    {"routeKey": 5},
    {"routeKey": "$default"},
    {},
]


def _no_stack_traces(caplog: pytest.LogCaptureFixture) -> None:
    traced = [r.getMessage() for r in caplog.records if r.exc_info]
    assert traced == [], traced


@pytest.mark.parametrize("arn", BAD_ARNS, ids=repr)
@pytest.mark.parametrize("shape", ["TOKEN", "REQUEST", "HTTP-policy"])
def test_bad_method_arn_is_a_clean_deny(
    make_authorizer: Any, make_token: Any, caplog: pytest.LogCaptureFixture, arn: Any, shape: str
) -> None:
    caplog.set_level(logging.INFO, logger="lambdas.authorizer.handler")
    token = make_token(access_claims(**{"cognito:groups": ["Admin"]}))
    if shape == "TOKEN":
        event = {"type": "TOKEN", "authorizationToken": token, "methodArn": arn}
        authorizer = make_authorizer()
    elif shape == "REQUEST":
        event = {"type": "REQUEST", "headers": {"Authorization": token}, "methodArn": arn}
        authorizer = make_authorizer()
    else:
        event = {"version": "2.0", "type": "REQUEST", "identitySource": [token], "routeArn": arn}
        authorizer = make_authorizer(HTTP_API_RESPONSE="policy")
    response = authorizer(event)
    assert_denied(response)
    json.dumps(response)  # what API Gateway receives must serialize
    _no_stack_traces(caplog)
    assert any(r.getMessage().startswith("deny:") for r in caplog.records)


@pytest.mark.parametrize("fields", BAD_HTTP_FIELDS, ids=repr)
def test_http_api_event_without_a_usable_route_is_a_clean_deny(
    make_authorizer: Any, make_token: Any, caplog: pytest.LogCaptureFixture, fields: dict[str, Any]
) -> None:
    caplog.set_level(logging.INFO, logger="lambdas.authorizer.handler")
    token = make_token(access_claims(**{"cognito:groups": ["Admin"]}))
    event = {"version": "2.0", "type": "REQUEST", "routeArn": METHOD_ARN, "identitySource": [token], **fields}
    assert make_authorizer()(event) == {"isAuthorized": False}
    _no_stack_traces(caplog)


def test_http_api_route_control_the_same_token_is_allowed_on_a_well_formed_event(make_authorizer: Any, make_token: Any) -> None:
    token = make_token(access_claims(**{"cognito:groups": ["Admin"]}))
    event = {"version": "2.0", "type": "REQUEST", "routeArn": METHOD_ARN, "identitySource": [token],
             "routeKey": "POST /users", "rawPath": "/users", "requestContext": {"http": {"method": "POST"}}}
    assert make_authorizer()(event)["isAuthorized"] is True
    assert make_authorizer()({**event, "rawPath": None, "requestContext": {}})["isAuthorized"] is True  # routeKey alone


@pytest.mark.parametrize("depth", [10, 500, 990, 1000, 1020, 1023])
def test_deeply_nested_alg_is_invalid_token_not_recursion_error(make_authorizer: Any, depth: int) -> None:
    """Naming a bad alg in the deny reason must not repr() an attacker's 1000-deep nested list."""
    header = b'{"alg":' + b"[" * depth + b"]" * depth + b',"kid":"' + KID.encode() + b'"}'
    token = f"{b64url(header)}.{b64url(json.dumps(access_claims()).encode())}.{b64url(b'x' * 256)}"
    authorizer = make_authorizer()
    with pytest.raises(InvalidToken, match="alg must be RS256, got list"):
        authorizer.verifier.verify(token)
    assert_denied(authorizer({"type": "TOKEN", "authorizationToken": token, "methodArn": METHOD_ARN}))


def test_long_string_alg_is_shortened_in_the_reason(make_authorizer: Any) -> None:
    header = json.dumps({"alg": "A" * 5000, "kid": KID}).encode()
    token = f"{b64url(header)}.{b64url(b'{}')}.{base64.urlsafe_b64encode(b'x' * 256).decode().rstrip('=')}"
    with pytest.raises(InvalidToken) as raised:
        make_authorizer().verifier.verify(token)
    assert len(raised.value.reason) < 80
