"""Authorizer behaviour: claims rules, JWKS refresh, caching, role models, response shapes, moto tokens."""

from __future__ import annotations

import gzip
import http.server
import json
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from lambda_tokens import CLIENT_ID, KID, METHOD_ARN, NEW_ISSUER, access_claims, id_claims, jwk_of, sign_token
from lambdas.authorizer.cognito_jwt import CognitoVerifier, InvalidToken, VerifierConfig
from lambdas.authorizer.iam_policy import NotAnApiArn, RoleModel, RoleModelError, api_prefix
from lambdas.authorizer.jwks_keys import JwksError, KeySet, parse_jwks

PREFIX = "arn:aws:execute-api:eu-west-1:123456789012:api123/prod"


def token_event(token: str, arn: str = METHOD_ARN) -> dict[str, Any]:
    return {"type": "TOKEN", "authorizationToken": f"Bearer {token}", "methodArn": arn}


def effect(response: dict[str, Any]) -> str:
    return response["policyDocument"]["Statement"][0]["Effect"]


def resources(response: dict[str, Any]) -> list[str]:
    return response["policyDocument"]["Statement"][0]["Resource"]


def test_access_token_allowed_with_flat_scalar_context(make_authorizer: Any, make_token: Any) -> None:
    response = make_authorizer()(token_event(make_token()))
    assert effect(response) == "Allow"
    assert response["principalId"] == access_claims()["sub"]
    assert response["context"] == {
        "userId": "1001", "username": "1001", "sub": access_claims()["sub"], "tenantId": "acme",
        "groups": "[\"Registrar\"]", "tokenUse": "access",
    }
    assert all(isinstance(v, (str, int, float, bool)) for v in response["context"].values())


def test_groups_are_json_array_text_and_custom_user_id_claim(make_authorizer: Any, make_token: Any) -> None:
    token = make_token(access_claims(**{"cognito:groups": ["User", "Registrar"], "userId": 42}))
    context = make_authorizer(TOKEN_USE="access")(token_event(token))["context"]
    assert json.loads(context["groups"]) == ["User", "Registrar"] and context["userId"] == "42"


def test_a_group_name_with_a_comma_stays_one_group(make_authorizer: Any, make_token: Any) -> None:
    token = make_token(access_claims(**{"cognito:groups": ["User,Admin", "Tea \"Time\""]}))
    context = make_authorizer(TOKEN_USE="access")(token_event(token))["context"]
    assert json.loads(context["groups"]) == ["User,Admin", 'Tea "Time"']  # never ["User", "Admin", ...]
    assert json.loads(make_authorizer(TOKEN_USE="access")(token_event(make_token(
        access_claims(**{"cognito:groups": []}))))["context"]["groups"]) == []


def test_both_issuer_forms_accepted(make_authorizer: Any, make_token: Any) -> None:
    authorizer = make_authorizer()
    assert effect(authorizer(token_event(make_token(access_claims(iss=NEW_ISSUER))))) == "Allow"
    assert effect(authorizer(token_event(make_token(id_claims(iss=NEW_ISSUER, **{"cognito:groups": ["Admin"]}))))) == "Allow"


def test_token_use_configuration(make_authorizer: Any, make_token: Any) -> None:
    admin_id = make_token(id_claims(**{"cognito:groups": ["Admin"]}))
    admin_access = make_token(access_claims(**{"cognito:groups": ["Admin"]}))
    assert effect(make_authorizer(TOKEN_USE="id")(token_event(admin_id))) == "Allow"
    assert effect(make_authorizer(TOKEN_USE="id")(token_event(admin_access))) == "Deny"
    assert effect(make_authorizer(TOKEN_USE="access")(token_event(admin_id))) == "Deny"
    assert effect(make_authorizer(TOKEN_USE="access")(token_event(admin_access))) == "Allow"


def test_second_client_id_and_audience_accepted(make_authorizer: Any, make_token: Any) -> None:
    authorizer = make_authorizer()
    assert effect(authorizer(token_event(make_token(access_claims(client_id="client-second"))))) == "Allow"


def test_exp_leeway_is_configurable(make_authorizer: Any, make_token: Any) -> None:
    now = int(time.time())
    token = make_token(access_claims(exp=now - 10, iat=now - 3600))
    assert effect(make_authorizer()(token_event(token))) == "Allow"
    assert effect(make_authorizer(CLOCK_LEEWAY_SECONDS="0")(token_event(token))) == "Deny"


def test_required_scopes(make_authorizer: Any, make_token: Any) -> None:
    authorizer = make_authorizer(REQUIRED_SCOPES="users/write,users/read")
    assert effect(authorizer(token_event(make_token(access_claims(scope="openid users/read users/write"))))) == "Allow"
    assert effect(authorizer(token_event(make_token(access_claims(scope="users/read"))))) == "Deny"


class FakeClock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def _verifier(rsa_key: Any, clock: Any, fetch: Any = None, **config: Any) -> CognitoVerifier:
    keys = KeySet(parse_jwks({"keys": [jwk_of(rsa_key.public_key(), KID)]}), fetch, 300, clock)
    cfg = VerifierConfig(user_pool_id="eu-west-1_TestPool1", region="eu-west-1", client_ids=frozenset({CLIENT_ID}), **config)
    return CognitoVerifier(cfg, keys, clock=clock)


def test_cache_hit_skips_signature_check_but_rechecks_exp(rsa_key: Any, make_token: Any, monkeypatch: Any) -> None:
    clock = FakeClock()
    verifier = _verifier(rsa_key, clock)
    token = make_token(access_claims(exp=int(clock.now) + 100))
    first = verifier.verify(token)
    calls = []
    monkeypatch.setattr(verifier, "_verify_uncached", lambda *a: calls.append(a))
    assert verifier.verify(token) is first and calls == []
    clock.now += 100 + 30  # past exp + leeway: the cached entry must not be served
    with pytest.raises(InvalidToken, match="expired"):
        verifier.verify(token)


def test_cache_is_bounded(rsa_key: Any) -> None:
    clock = FakeClock()
    verifier = _verifier(rsa_key, clock)
    verifier._cache_size = 3
    tokens = [sign_token(rsa_key, access_claims(jti=str(i))) for i in range(5)]
    for token in tokens:
        verifier.verify(token)
    assert list(verifier._cache) == tokens[2:]


def test_header_cache_remembers_only_signed_headers(rsa_key: Any, other_rsa_key: Any) -> None:
    """Forged tokens (any header, a signature the pool never made) cannot fill the remembered headers
    before the pool's own: after 100 of them the real header is still remembered, none of theirs."""
    from lambdas.authorizer.cognito_jwt import HEADER_CACHE_SIZE

    verifier = _verifier(rsa_key, FakeClock())
    for i in range(HEADER_CACHE_SIZE + 36):
        forged = sign_token(other_rsa_key, access_claims(), {"kid": KID, "alg": "RS256", "n": i})
        with pytest.raises(InvalidToken, match="bad signature"):
            verifier.verify(forged)
    assert verifier._headers == {}
    token = sign_token(rsa_key, access_claims())
    verifier.verify(token)
    assert verifier._headers == {token.split(".")[0].encode(): KID}


def test_unknown_kid_refetches_at_most_once_per_cooldown(rsa_key: Any, other_rsa_key: Any) -> None:
    clock = FakeClock()
    fetches: list[float] = []
    rotated = {"keys": [jwk_of(rsa_key.public_key(), KID), jwk_of(other_rsa_key.public_key(), "rotated")]}

    def fetch() -> bytes:
        fetches.append(clock.now)
        return json.dumps(rotated if len(fetches) >= 2 else {"keys": [jwk_of(rsa_key.public_key(), KID)]}).encode()

    verifier = _verifier(rsa_key, clock, fetch)
    new_token = sign_token(other_rsa_key, access_claims(), {"alg": "RS256", "kid": "rotated"})
    for _ in range(5):  # a flood of unknown kids costs one fetch
        with pytest.raises(InvalidToken, match="unknown kid"):
            verifier.verify(new_token)
    assert len(fetches) == 1
    clock.now += 301
    assert verifier.verify(new_token)["sub"]  # after the cooldown the rotated key is fetched
    assert len(fetches) == 2


def test_failed_refresh_keeps_old_keys(rsa_key: Any, make_token: Any) -> None:
    clock = FakeClock()

    def broken() -> bytes:
        raise OSError("network down")

    verifier = _verifier(rsa_key, clock, broken)
    with pytest.raises(InvalidToken):
        verifier.verify(make_token(header={"alg": "RS256", "kid": "other"}))
    assert verifier.keys.refresh_count == 1
    assert verifier.verify(make_token())["username"] == "1001"
    assert verifier.keys.kids() == [KID]


def test_jwks_validation_names_the_problem(rsa_key: Any) -> None:
    with pytest.raises(JwksError, match="keys"):
        parse_jwks({"nokeys": []})
    with pytest.raises(JwksError, match="'n'"):
        parse_jwks({"keys": [{"kty": "RSA", "kid": "k", "e": "AQAB", "n": 5}]})
    assert parse_jwks({"keys": [{"kty": "EC", "kid": "ec"}, {"kty": "RSA", "use": "enc", "kid": "x"}]}) == {}


@pytest.fixture
def jwks_server(rsa_key: Any) -> Iterator[tuple[str, list[str]]]:
    hits: list[str] = []
    body = json.dumps({"keys": [jwk_of(rsa_key.public_key(), KID)]}).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/pool/.well-known/jwks.json", hits
    server.shutdown()


def test_jwks_fetched_at_init_without_bundled_file(make_authorizer: Any, make_token: Any, jwks_server: Any) -> None:
    url, hits = jwks_server
    authorizer = make_authorizer(JWKS_PATH="", JWKS_URL=url)
    assert hits == ["/pool/.well-known/jwks.json"]
    assert effect(authorizer(token_event(make_token()))) == "Allow"
    assert len(hits) == 1


def test_default_jwks_url_is_the_pools() -> None:
    from lambdas.authorizer.handler import jwks_url

    assert jwks_url("eu-west-1_Abc", "us-east-1") == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc/.well-known/jwks.json"


# --- role models and policies ---------------------------------------------------------------------------


def test_hierarchical_most_permissive_role_wins(make_authorizer: Any, make_token: Any) -> None:
    authorizer = make_authorizer()
    admin = authorizer(token_event(make_token(access_claims(**{"cognito:groups": ["User", "Admin"]}))))
    assert resources(admin) == [f"{PREFIX}/*/*"]
    registrar = resources(authorizer(token_event(make_token())))
    assert sorted(registrar) == [f"{PREFIX}/GET/executions/*", f"{PREFIX}/POST/users"]  # includes User's grants
    user = resources(authorizer(token_event(make_token(access_claims(**{"cognito:groups": ["User"]})))))
    assert user == [f"{PREFIX}/GET/executions/*"]


def test_no_known_group_is_denied(make_authorizer: Any, make_token: Any) -> None:
    authorizer = make_authorizer()
    for groups in ([], ["Hackers"]):
        assert effect(authorizer(token_event(make_token(access_claims(**{"cognito:groups": groups}))))) == "Deny"


def test_policy_is_cache_safe_across_routes(make_authorizer: Any, make_token: Any) -> None:
    """API Gateway reuses the answer for every route: the policy must not depend on the route asked."""
    authorizer = make_authorizer(TOKEN_CACHE_SIZE="0")
    token = make_token()
    one = authorizer(token_event(token, f"{PREFIX}/POST/users"))
    other = authorizer(token_event(token, f"{PREFIX}/GET/users/77"))
    assert one["policyDocument"] == other["policyDocument"]
    assert f"{PREFIX}/GET/executions/*" in resources(one) and f"{PREFIX}/POST/users" in resources(one)


def test_lateral_model_is_the_union(tmp_path: Path, make_authorizer: Any, make_token: Any) -> None:
    model = tmp_path / "lateral.json"
    model.write_text(json.dumps({
        "model": "lateral",
        "roles": {"Billing": ["GET /invoices/{id}"], "Support": ["GET /tickets", "POST /tickets"]},
        "routes": [{"method": "GET", "path": "/health", "groups": []}],
    }))
    authorizer = make_authorizer(ROLE_MODEL_PATH=str(model))
    both = resources(authorizer(token_event(make_token(access_claims(**{"cognito:groups": ["Billing", "Support"]})))))
    assert sorted(both) == sorted([f"{PREFIX}/GET/health", f"{PREFIX}/GET/invoices/*", f"{PREFIX}/GET/tickets", f"{PREFIX}/POST/tickets"])
    one = resources(authorizer(token_event(make_token(access_claims(**{"cognito:groups": ["Billing"]})))))
    assert sorted(one) == [f"{PREFIX}/GET/health", f"{PREFIX}/GET/invoices/*"]


def test_routes_shaped_model_follows_hierarchy() -> None:
    model = RoleModel({
        "model": "hierarchical", "hierarchy": ["Admin", "Registrar", "User"],
        "routes": [{"method": "POST", "path": "/users", "groups": ["Registrar"]},
                   {"method": "GET", "path": "/me", "groups": []}],
    })
    assert {g.path for g in model.grants_for(["Admin"])} == {"/users", "/me"}
    assert {g.path for g in model.grants_for(["User"])} == {"/me"}


@pytest.mark.parametrize(
    "document,message",
    [
        ({"model": "flat"}, "'model'"),
        ({"model": "hierarchical", "roles": {}}, "hierarchy"),
        ({"model": "lateral", "roles": {"A": ["GET users"]}}, "roles.A"),
        ({"model": "lateral", "roles": {"A": ["FETCH /x"]}}, "method"),
        ({"model": "lateral", "routes": [{"method": "GET", "path": "/x", "groups": "A"}]}, r"routes\[0\].groups"),
    ],
)
def test_role_model_errors_name_the_field(document: dict[str, Any], message: str) -> None:
    with pytest.raises(RoleModelError, match=message):
        RoleModel(document)


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def test_api_prefix() -> None:
    assert api_prefix("arn:aws:execute-api:us-east-1:1:abc/prod/GET/a/b") == "arn:aws:execute-api:us-east-1:1:abc/prod"
    assert api_prefix("arn:aws:execute-api:us-east-1:1:abc/$default/POST/users") == "arn:aws:execute-api:us-east-1:1:abc/$default"
    for no_stage in ("arn:aws:execute-api:us-east-1:1:abc", "arn:aws:execute-api:us-east-1:1:abc//GET/users"):
        with pytest.raises(NotAnApiArn, match="without a stage"):
            api_prefix(no_stage)


@pytest.mark.parametrize("method_arn", ["arn:aws:execute-api:us-east-1:123456789012:abc",
                                        "arn:aws:execute-api:us-east-1:123456789012:abc/",
                                        "arn:aws:execute-api:us-east-1:123456789012:abc//POST/users"])
def test_a_method_arn_without_a_stage_is_denied(make_authorizer: Any, make_token: Any, method_arn: str) -> None:
    """Allowing it would hand out a policy for `abc/*/...`: every stage of the API."""
    token = make_token(access_claims(**{"cognito:groups": ["Admin"]}))
    response = make_authorizer()({"type": "TOKEN", "authorizationToken": token, "methodArn": method_arn})
    assert effect(response) == "Deny"
    assert all("/*/" not in r and not r.endswith(":abc/*") or r == "*"
               for s in response["policyDocument"]["Statement"] for r in _as_list(s["Resource"]))


# --- event shapes -------------------------------------------------------------------------------------------


def test_rest_request_authorizer_reads_header_case_insensitively(make_authorizer: Any, make_token: Any) -> None:
    event = {"type": "REQUEST", "methodArn": METHOD_ARN, "headers": {"AUTHORIZATION": make_token()}}
    assert effect(make_authorizer()(event)) == "Allow"


def test_http_api_simple_response_checks_the_route(make_authorizer: Any, make_token: Any) -> None:
    authorizer = make_authorizer()
    token = make_token(access_claims(**{"cognito:groups": ["User"]}))

    def event(route_key: str, path: str) -> dict[str, Any]:
        return {"version": "2.0", "type": "REQUEST", "routeArn": METHOD_ARN, "routeKey": route_key, "rawPath": path,
                "identitySource": [token], "headers": {"authorization": token},
                "requestContext": {"http": {"method": route_key.split()[0], "path": path}}}

    me = authorizer(event("GET /executions/{executionId}", "/executions/x1"))
    assert me == {"isAuthorized": True, "context": me["context"]} and me["context"]["groups"] == '["User"]'
    assert authorizer(event("POST /users", "/users"))["isAuthorized"] is False
    assert authorizer(event("GET /executions/{executionId}", "/executions/abc"))["isAuthorized"] is True


def test_http_api_simple_response_path_parameter_is_exactly_one_segment(make_authorizer: Any,
                                                                        make_token: Any) -> None:
    """A grant for GET /executions/{executionId} is no grant for the collection GET /executions (the
    REST policy's ``.../GET/executions/*`` does not match it either), nor for a deeper path."""
    authorizer = make_authorizer()
    token = make_token(access_claims(**{"cognito:groups": ["User"]}))

    def event(path: str) -> dict[str, Any]:
        return {"version": "2.0", "type": "REQUEST", "routeArn": METHOD_ARN, "rawPath": path,
                "identitySource": [token], "requestContext": {"http": {"method": "GET", "path": path}}}

    assert authorizer(event("/executions/x1"))["isAuthorized"] is True
    assert authorizer(event("/executions"))["isAuthorized"] is False
    assert authorizer(event("/executions/"))["isAuthorized"] is False
    assert authorizer(event("/executions/x1/history"))["isAuthorized"] is False
    assert authorizer(event("/executions/someone-else/../x1"))["isAuthorized"] is False


def test_grant_trailing_wildcard_matches_one_or_more_segments() -> None:
    from lambdas.authorizer.iam_policy import parse_grant

    for text in ("GET /files/{proxy+}", "GET /files/*"):
        grant = parse_grant(text, "test")
        assert grant.matches("GET", "/files/a") and grant.matches("get", "/files/a/b"), text
        assert not grant.matches("GET", "/files") and not grant.matches("GET", "/"), text
        assert not grant.matches("POST", "/files/a"), text
    assert parse_grant("* *", "test").matches("DELETE", "/")


def test_grant_path_parameter_matches_exactly_one_segment() -> None:
    from lambdas.authorizer.iam_policy import parse_grant

    grant = parse_grant("GET /files/{name}", "test")
    assert grant.matches("GET", "/files/a") and grant.matches("GET", "/files/a%2Fb")
    assert not grant.matches("GET", "/files/a/b") and not grant.matches("GET", "/files")
    assert not grant.matches("GET", "/files//x")
    middle = parse_grant("GET /tenants/{tenant}/users", "test")
    assert middle.matches("GET", "/tenants/t1/users") and not middle.matches("GET", "/tenants/t1/x/users")
    assert not middle.matches("GET", "/tenants//users")
    assert grant.resource("arn:aws:execute-api:r:1:api/prod") == "arn:aws:execute-api:r:1:api/prod/GET/files/*"


def test_http_api_simple_response_on_a_named_stage(make_authorizer: Any, make_token: Any) -> None:
    """On a named stage rawPath starts with the stage ("/dev/executions/x1"); the grant is for the route."""
    authorizer = make_authorizer()
    token = make_token(access_claims(**{"cognito:groups": ["User"]}))

    def event(method: str, raw_path: str, stage: str) -> dict[str, Any]:
        return {"version": "2.0", "type": "REQUEST", "routeArn": METHOD_ARN, "rawPath": raw_path,
                "identitySource": [token], "headers": {"authorization": token},
                "requestContext": {"stage": stage, "http": {"method": method, "path": raw_path}}}

    assert authorizer(event("GET", "/dev/executions/x1", "dev"))["isAuthorized"] is True
    assert authorizer(event("POST", "/dev/users", "dev"))["isAuthorized"] is False
    assert authorizer(event("GET", "/executions/x1", "$default"))["isAuthorized"] is True
    # a path that merely starts with the stage's letters is not stripped
    assert authorizer(event("GET", "/devexecutions/x1", "dev"))["isAuthorized"] is False


def test_http_api_policy_response_when_configured(make_authorizer: Any, make_token: Any) -> None:
    event = {"version": "2.0", "type": "REQUEST", "routeArn": METHOD_ARN, "identitySource": [make_token()]}
    assert effect(make_authorizer(HTTP_API_RESPONSE="policy")(event)) == "Allow"


def test_module_handler_denies_on_broken_config(monkeypatch: Any, make_token: Any) -> None:
    from lambdas.authorizer import handler as module

    monkeypatch.setenv("USER_POOL_ID", "")
    monkeypatch.delenv("CLIENT_IDS", raising=False)
    module.reset()
    try:
        assert effect(module.handler(token_event(make_token()))) == "Deny"
        assert module.handler({"version": "2.0", "identitySource": ["x"]}) == {"isAuthorized": False}
    finally:
        module.reset()


# --- moto-issued tokens ---------------------------------------------------------------------------------------


def test_moto_cognito_tokens_verify(aws_env: None, tmp_path: Path) -> None:
    """The local stack runs this authorizer against moto's Cognito: its RS256 tokens must verify."""
    import boto3
    import moto
    from moto import mock_aws

    from lambdas.authorizer.handler import Authorizer

    with mock_aws():
        idp = boto3.client("cognito-idp", region_name="us-east-1")
        pool = idp.create_user_pool(PoolName="users")["UserPool"]["Id"]
        client_id = idp.create_user_pool_client(UserPoolId=pool, ClientName="web")["UserPoolClient"]["ClientId"]
        idp.admin_create_user(UserPoolId=pool, Username="7", TemporaryPassword="Temp-pass-123!", MessageAction="SUPPRESS")
        idp.admin_set_user_password(UserPoolId=pool, Username="7", Password="Perm-pass-123!", Permanent=True)
        idp.create_group(UserPoolId=pool, GroupName="Admin")
        idp.admin_add_user_to_group(UserPoolId=pool, Username="7", GroupName="Admin")
        tokens = idp.admin_initiate_auth(
            UserPoolId=pool, ClientId=client_id, AuthFlow="ADMIN_NO_SRP_AUTH",
            AuthParameters={"USERNAME": "7", "PASSWORD": "Perm-pass-123!"},
        )["AuthenticationResult"]
    jwks = tmp_path / "moto-jwks.json"
    jwks.write_bytes(gzip.decompress((Path(moto.__file__).parent / "cognitoidp/resources/jwks-public.json.gz").read_bytes()))
    env = {"AWS_REGION": "us-east-1", "USER_POOL_ID": pool, "CLIENT_IDS": client_id, "JWKS_PATH": str(jwks)}
    arn = "arn:aws:execute-api:us-east-1:123456789012:api/prod/POST/users"
    access = Authorizer({**env, "TOKEN_USE": "access"})(token_event(tokens["AccessToken"], arn))
    assert effect(access) == "Allow" and access["context"]["username"] == "7" and access["context"]["groups"] == '["Admin"]'
    identity = Authorizer({**env, "TOKEN_USE": "id"})(token_event(tokens["IdToken"], arn))
    assert effect(identity) == "Allow" and identity["context"]["userId"] == "7"
    assert effect(Authorizer({**env, "CLIENT_IDS": "someone-else"})(token_event(tokens["AccessToken"], arn))) == "Deny"


def test_the_apis_routes_json_is_a_valid_role_model(tmp_path: Path, make_authorizer: Any, make_token: Any) -> None:
    """CDK and the local stack set ROLE_MODEL_PATH to api/routes.json: its groups are what is enforced."""
    routes_path = Path(__file__).resolve().parents[2] / "api" / "routes.json"
    if not routes_path.exists():
        pytest.skip("api/routes.json not written yet")
    routes = json.loads(routes_path.read_text())
    model = RoleModel.load(str(routes_path))
    authorizer = make_authorizer(ROLE_MODEL_PATH=str(routes_path))
    for route in routes["routes"]:
        for group in route["groups"] or ["SomeoneElse"]:
            token = make_token(access_claims(**{"cognito:groups": [group]}, jti=f"{group}-{route['path']}"))
            granted = resources(authorizer(token_event(token)))
            path = "/".join("*" if s.startswith("{") else s for s in route["path"].strip("/").split("/"))
            assert f"{PREFIX}/{route['method']}/{path}" in granted, (group, route["path"])
    assert model.grants_for([]).grants == model.grants_for(["Nobody"]).grants
