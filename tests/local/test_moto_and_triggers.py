"""Contract tests of the moto adapter: serialized request handling and the Cognito triggers.

These pin the behaviour workflows.local adds on top of moto 5.2.5 with recording stand-in trigger
functions, so a moto upgrade that changes what the adapter relies on fails here first.
"""
from __future__ import annotations

import json
import threading
import urllib.request
from typing import Any

import boto3
import jwt as pyjwt
import pytest
from botocore.exceptions import ClientError

from workflows.local.cognito_triggers import TARGET_PREFIX, CognitoTriggers
from workflows.local.lambdas import LambdaRegistry
from workflows.local.moto_services import MotoServices
from workflows.local.server import LoopbackServer

PASSWORD = "Passw0rd!Passw0rd"


class Recorder:
    """A trigger function that records its events and answers with `respond(event)`."""

    def __init__(self, respond: Any = None) -> None:
        self.events: list[dict[str, Any]] = []
        self.respond = respond

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        self.events.append(event)
        if self.respond is not None:
            return self.respond(event)
        return event


def customize(event: dict[str, Any]) -> dict[str, Any]:
    event["response"]["claimsAndScopeOverrideDetails"] = {
        "idTokenGeneration": {"claimsToAddOrOverride": {"tenantId": "t-1", "plan": "pro"}},
        "accessTokenGeneration": {"claimsToAddOrOverride": {"userId": event["userName"]},
                                  "claimsToSuppress": ["auth_time_extra"], "scopesToAdd": ["users/read"]},
    }
    return event


@pytest.fixture()
def stack():
    moto = MotoServices()
    lambdas = LambdaRegistry("us-east-1", "123456789012")
    triggers = CognitoTriggers(moto, lambdas)

    def app(environ, start_response):
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith(TARGET_PREFIX):
            return triggers(environ, start_response)
        if environ.get("PATH_INFO", "").endswith("/.well-known/jwks.json"):  # as the stack's router does
            return triggers.signing_key.serve_jwks(environ, start_response)
        return moto(environ, start_response)

    server = LoopbackServer(app).start()
    recorders = {"pre": Recorder(customize), "post": Recorder(), "migrate": Recorder()}
    for name, recorder in recorders.items():
        lambdas.register(name, recorder)
    idp = boto3.client("cognito-idp", endpoint_url=server.url, region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    pool = idp.create_user_pool(
        PoolName="contract", AliasAttributes=["email"],
        Schema=[{"Name": "legacy_user_id", "AttributeDataType": "String", "Mutable": True}],
        LambdaConfig={"PreTokenGenerationConfig": {"LambdaVersion": "V2_0", "LambdaArn": lambdas.arn("pre")},
                      "PostConfirmation": lambdas.arn("post"), "UserMigration": lambdas.arn("migrate")})["UserPool"]
    client_id = idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName="app",
                                            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH",
                                                               "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
    yield {"server": server, "idp": idp, "pool": pool["Id"], "client": client_id, "lambdas": lambdas,
           "moto": moto, **recorders}
    server.close()


def create_user(s: dict[str, Any], name: str = "1001", email: str = "ada@example.com", group: str | None = "User") -> None:
    s["idp"].admin_create_user(UserPoolId=s["pool"], Username=name, MessageAction="SUPPRESS",
                               UserAttributes=[{"Name": "email", "Value": email},
                                               {"Name": "email_verified", "Value": "true"}])
    s["idp"].admin_set_user_password(UserPoolId=s["pool"], Username=name, Password=PASSWORD, Permanent=True)
    if group:
        s["idp"].create_group(UserPoolId=s["pool"], GroupName=group)
        s["idp"].admin_add_user_to_group(UserPoolId=s["pool"], Username=name, GroupName=group)


def sign_in(s: dict[str, Any], name: str, password: str = PASSWORD) -> dict[str, Any]:
    return s["idp"].initiate_auth(ClientId=s["client"], AuthFlow="USER_PASSWORD_AUTH",
                                  AuthParameters={"USERNAME": name, "PASSWORD": password})


def verify(s: dict[str, Any], token: str, **kwargs: Any) -> dict[str, Any]:
    """Verify a token the way a client would: the pool's JWKS endpoint, RS256, issuer."""
    with urllib.request.urlopen(f"{s['server'].url}/{s['pool']}/.well-known/jwks.json") as response:
        jwks = json.load(response)
    header = pyjwt.get_unverified_header(token)
    key = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    return pyjwt.decode(token, pyjwt.PyJWK(key).key, algorithms=["RS256"],
                        issuer=f"https://cognito-idp.us-east-1.amazonaws.com/{s['pool']}", **kwargs)


def test_concurrent_counter_updates_are_never_lost(stack: dict[str, Any]) -> None:
    url = stack["server"].url
    make = lambda: boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1",  # noqa: E731
                                aws_access_key_id="testing", aws_secret_access_key="testing")
    make().create_table(TableName="counter", BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    values: list[int] = []
    lock = threading.Lock()

    def add(n: int) -> None:
        client = make()
        for _ in range(n):
            got = client.update_item(TableName="counter", Key={"pk": {"S": "COUNTER#userId"}},
                                     UpdateExpression="ADD #v :one", ExpressionAttributeNames={"#v": "value"},
                                     ExpressionAttributeValues={":one": {"N": "1"}}, ReturnValues="UPDATED_NEW")
            with lock:
                values.append(int(got["Attributes"]["value"]["N"]))

    threads = [threading.Thread(target=add, args=(25,)) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    final = make().get_item(TableName="counter", Key={"pk": {"S": "COUNTER#userId"}})["Item"]["value"]["N"]
    assert int(final) == 250
    assert sorted(values) == list(range(1, 251))  # every caller got its own number


def test_pre_token_v2_customizes_both_tokens_and_keeps_them_verifiable(stack: dict[str, Any]) -> None:
    create_user(stack)
    tokens = sign_in(stack, "1001")["AuthenticationResult"]
    event = stack["pre"].events[-1]
    assert event["version"] == "2" and event["triggerSource"] == "TokenGeneration_Authentication"
    assert event["userName"] == "1001" and event["callerContext"]["clientId"] == stack["client"]
    assert event["request"]["userAttributes"]["email"] == "ada@example.com"
    assert event["request"]["groupConfiguration"]["groupsToOverride"] == ["User"]
    assert event["request"]["scopes"] == ["aws.cognito.signin.user.admin"]
    id_claims = verify(stack, tokens["IdToken"], audience=stack["client"])
    access = verify(stack, tokens["AccessToken"])
    assert id_claims["tenantId"] == "t-1" and id_claims["plan"] == "pro" and id_claims["cognito:groups"] == ["User"]
    assert access["userId"] == "1001" and access["client_id"] == stack["client"]
    assert access["scope"].split() == ["aws.cognito.signin.user.admin", "users/read"]
    # moto still recognises the rewritten access token
    assert stack["idp"].get_user(AccessToken=tokens["AccessToken"])["Username"] == "1001"


def test_refresh_runs_the_trigger_with_the_refresh_source(stack: dict[str, Any]) -> None:
    create_user(stack)
    refresh = sign_in(stack, "1001")["AuthenticationResult"]["RefreshToken"]
    tokens = stack["idp"].initiate_auth(ClientId=stack["client"], AuthFlow="REFRESH_TOKEN_AUTH",
                                        AuthParameters={"REFRESH_TOKEN": refresh})["AuthenticationResult"]
    assert stack["pre"].events[-1]["triggerSource"] == "TokenGeneration_RefreshTokens"
    assert verify(stack, tokens["AccessToken"])["userId"] == "1001"


def test_trigger_touching_a_protected_claim_is_an_invalid_lambda_response(stack: dict[str, Any]) -> None:
    create_user(stack)

    def bad(event: dict[str, Any]) -> dict[str, Any]:
        event["response"]["claimsAndScopeOverrideDetails"] = {
            "accessTokenGeneration": {"claimsToAddOrOverride": {"sub": "someone-else"}}}
        return event

    stack["pre"].respond = bad
    with pytest.raises(ClientError) as caught:
        sign_in(stack, "1001")
    assert caught.value.response["Error"]["Code"] == "InvalidLambdaResponseException"
    assert "'sub'" in caught.value.response["Error"]["Message"]


def test_failing_trigger_is_a_user_lambda_validation_error(stack: dict[str, Any]) -> None:
    create_user(stack)

    def boom(event: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("profile store down")

    stack["pre"].respond = boom
    with pytest.raises(ClientError) as caught:
        sign_in(stack, "1001")
    assert caught.value.response["Error"]["Code"] == "UserLambdaValidationException"
    assert caught.value.response["Error"]["Message"] == "PreTokenGeneration failed with error profile store down."


def test_post_confirmation_follows_confirm_sign_up(stack: dict[str, Any]) -> None:
    stack["idp"].sign_up(ClientId=stack["client"], Username="2002", Password=PASSWORD,
                         UserAttributes=[{"Name": "email", "Value": "bo@example.com"}])
    assert stack["post"].events == []
    stack["idp"].admin_confirm_sign_up(UserPoolId=stack["pool"], Username="2002")
    (event,) = stack["post"].events
    assert event["triggerSource"] == "PostConfirmation_ConfirmSignUp"
    assert event["userName"] == "2002" and event["userPoolId"] == stack["pool"]
    assert event["request"]["userAttributes"]["email"] == "bo@example.com"
    assert event["request"]["userAttributes"]["cognito:user_status"] == "CONFIRMED"


def test_user_migration_creates_the_user_then_signs_in(stack: dict[str, Any]) -> None:
    def migrate(event: dict[str, Any]) -> dict[str, Any]:
        if event["request"]["password"] != "Legacy-Pass-1!":
            raise RuntimeError("Bad password")
        event["response"].update(userAttributes={"email": event["userName"], "email_verified": "true",
                                                 "custom:legacy_user_id": "L-7"},
                                 finalUserStatus="CONFIRMED", messageAction="SUPPRESS")
        return event

    stack["migrate"].respond = migrate
    with pytest.raises(ClientError) as caught:
        sign_in(stack, "old@example.com", "wrong")
    assert caught.value.response["Error"]["Code"] == "UserLambdaValidationException"
    tokens = sign_in(stack, "old@example.com", "Legacy-Pass-1!")["AuthenticationResult"]
    event = stack["migrate"].events[-1]
    assert event["triggerSource"] == "UserMigration_Authentication" and event["userName"] == "old@example.com"
    user = stack["idp"].admin_get_user(UserPoolId=stack["pool"], Username="old@example.com")
    assert user["UserStatus"] == "CONFIRMED"
    assert {"Name": "custom:legacy_user_id", "Value": "L-7"} in user["UserAttributes"]
    assert verify(stack, tokens["IdToken"], audience=stack["client"])["tenantId"] == "t-1"
    # second sign-in: the user exists now, the trigger is not called again
    sign_in(stack, "old@example.com", "Legacy-Pass-1!")
    assert len(stack["migrate"].events) == 2


def test_migrated_password_must_meet_the_pool_policy(stack: dict[str, Any]) -> None:
    stack["migrate"].respond = lambda event: dict(event, response={
        "userAttributes": {"email": event["userName"]}, "finalUserStatus": "CONFIRMED"})
    with pytest.raises(ClientError) as caught:
        sign_in(stack, "weak@example.com", "short")
    assert caught.value.response["Error"]["Code"] == "InvalidPasswordException"
    with pytest.raises(ClientError):  # nothing half-created
        stack["idp"].admin_get_user(UserPoolId=stack["pool"], Username="weak@example.com")


def test_sign_in_by_verified_email_alias(stack: dict[str, Any]) -> None:
    create_user(stack, name="1003", email="Cy@Example.com", group=None)
    tokens = sign_in(stack, "cy@example.com")["AuthenticationResult"]
    assert verify(stack, tokens["AccessToken"])["username"] == "1003"
    assert stack["migrate"].events == []


def test_admin_initiate_auth_and_new_password_challenge_run_the_trigger(stack: dict[str, Any]) -> None:
    idp, pool = stack["idp"], stack["pool"]
    idp.admin_create_user(UserPoolId=pool, Username="1004", TemporaryPassword="Temp-Pass-123!",
                          MessageAction="SUPPRESS", UserAttributes=[{"Name": "email", "Value": "d@example.com"}])
    challenge = sign_in(stack, "1004", "Temp-Pass-123!")
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED" and stack["pre"].events == []
    tokens = idp.respond_to_auth_challenge(
        ClientId=stack["client"], ChallengeName="NEW_PASSWORD_REQUIRED", Session=challenge["Session"],
        ChallengeResponses={"USERNAME": "1004", "NEW_PASSWORD": PASSWORD})["AuthenticationResult"]
    assert stack["pre"].events[-1]["triggerSource"] == "TokenGeneration_NewPasswordChallenge"
    assert verify(stack, tokens["AccessToken"])["userId"] == "1004"
    tokens = idp.admin_initiate_auth(UserPoolId=pool, ClientId=stack["client"], AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                     AuthParameters={"USERNAME": "1004", "PASSWORD": PASSWORD})["AuthenticationResult"]
    assert stack["pre"].events[-1]["triggerSource"] == "TokenGeneration_Authentication"
    assert verify(stack, tokens["IdToken"], audience=stack["client"])["plan"] == "pro"


def test_forgot_password_for_an_unknown_user_migrates_with_reset_required(stack: dict[str, Any]) -> None:
    def migrate(event: dict[str, Any]) -> dict[str, Any]:
        assert "password" not in event["request"]
        event["response"].update(userAttributes={"email": event["userName"], "email_verified": "true"},
                                 finalUserStatus="RESET_REQUIRED", messageAction="SUPPRESS")
        return event

    stack["migrate"].respond = migrate
    stack["idp"].forgot_password(ClientId=stack["client"], Username="forgot@example.com")
    assert stack["migrate"].events[-1]["triggerSource"] == "UserMigration_ForgotPassword"
    user = stack["idp"].admin_get_user(UserPoolId=stack["pool"], Username="forgot@example.com")
    assert user["UserStatus"] == "RESET_REQUIRED"
    stack["idp"].forgot_password(ClientId=stack["client"], Username="forgot@example.com")
    assert len(stack["migrate"].events) == 1  # the user exists now


def test_triggers_follow_moto_account_id(stack: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """moto files resources under $MOTO_ACCOUNT_ID when set; the adapter must look there too."""
    monkeypatch.setenv("MOTO_ACCOUNT_ID", "111111111111")
    idp = stack["idp"]
    pool = idp.create_user_pool(PoolName="other-account", LambdaConfig={
        "PreTokenGenerationConfig": {"LambdaVersion": "V2_0", "LambdaArn": stack["lambdas"].arn("pre")}})["UserPool"]
    client_id = idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName="c")["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool["Id"], Username="2001", MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool["Id"], Username="2001", Password=PASSWORD, Permanent=True)
    idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                      AuthParameters={"USERNAME": "2001", "PASSWORD": PASSWORD})
    assert stack["pre"].events[-1]["userPoolId"] == pool["Id"]
