"""Request-response service integrations against moto: results and AWS's error names and causes."""
from __future__ import annotations

import json
import os

import pytest

from workflows.engine.errors import StatesError
from workflows.engine.integrations import aws_sdk, dynamodb, events, sdk_models, sns, sqs
from workflows.engine.integrations.clients import ClientProvider

TABLE = "users"


@pytest.fixture()
def clients():
    from moto import mock_aws

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        provider = ClientProvider("us-east-1")
        provider.get("dynamodb").create_table(
            TableName=TABLE, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        )
        yield provider


def failure(fn, *args) -> StatesError:
    with pytest.raises(StatesError) as raised:
        fn(*args)
    return raised.value


@pytest.mark.parametrize(("service_id", "java"), [
    ("DynamoDB", "DynamoDb"), ("SFN", "Sfn"), ("S3", "S3"), ("Cognito Identity Provider", "CognitoIdentityProvider"),
    ("Secrets Manager", "SecretsManager"), ("EventBridge", "EventBridge"), ("EC2", "Ec2"), ("SESv2", "SesV2"),
])
def test_java_service_names(service_id: str, java: str) -> None:
    assert sdk_models.java_service_name(service_id) == java


@pytest.mark.parametrize(("asl", "boto3_name"), [
    ("cognitoidentityprovider", "cognito-idp"), ("sfn", "stepfunctions"), ("eventbridge", "events"),
    ("cloudwatchlogs", "logs"), ("dynamodb", "dynamodb"), ("secretsmanager", "secretsmanager"),
])
def test_aws_sdk_service_names_map_to_boto3(asl: str, boto3_name: str) -> None:
    assert sdk_models.boto3_service_name(asl) == boto3_name


def test_dynamodb_optimized_round_trip_keeps_attribute_values_and_sdk_metadata(clients) -> None:
    put = dynamodb.call("putItem", {"TableName": TABLE, "Item": {"pk": {"S": "1"}, "n": {"N": "5"}}}, clients)
    assert set(put) == {"SdkHttpMetadata", "SdkResponseMetadata"}
    assert put["SdkHttpMetadata"]["HttpStatusCode"] == 200
    assert put["SdkResponseMetadata"]["RequestId"]
    got = dynamodb.call("getItem", {"TableName": TABLE, "Key": {"pk": {"S": "1"}}}, clients)
    assert got["Item"] == {"pk": {"S": "1"}, "n": {"N": "5"}}
    updated = dynamodb.call("updateItem", {
        "TableName": TABLE, "Key": {"pk": {"S": "1"}}, "UpdateExpression": "ADD n :one",
        "ExpressionAttributeValues": {":one": {"N": "1"}}, "ReturnValues": "UPDATED_NEW"}, clients)
    assert updated["Attributes"] == {"n": {"N": "6"}}
    dynamodb.call("deleteItem", {"TableName": TABLE, "Key": {"pk": {"S": "1"}}}, clients)
    assert "Item" not in dynamodb.call("getItem", {"TableName": TABLE, "Key": {"pk": {"S": "1"}}}, clients)


def test_dynamodb_optimized_errors_use_v1_names_and_causes(clients) -> None:
    item = {"TableName": TABLE, "Item": {"pk": {"S": "1"}}}
    dynamodb.call("putItem", item, clients)
    conditional = failure(dynamodb.call, "putItem", {**item, "ConditionExpression": "attribute_not_exists(pk)"}, clients)
    assert conditional.error == "DynamoDB.ConditionalCheckFailedException"
    assert "(Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ConditionalCheckFailedException;" in conditional.cause
    missing = failure(dynamodb.call, "putItem", {"TableName": "nope", "Item": {"pk": {"S": "1"}}}, clients)
    assert missing.error == "DynamoDB.ResourceNotFoundException"
    null_item = failure(dynamodb.call, "putItem", {"TableName": TABLE, "Item": None}, clients)
    assert null_item.error == "DynamoDB.AmazonDynamoDBException"
    assert null_item.cause.startswith(
        "1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null")
    assert failure(dynamodb.call, "query", {}, clients).error == "States.Runtime"


def test_aws_sdk_dynamodb_uses_v2_names_and_drops_metadata(clients) -> None:
    assert aws_sdk.call("dynamodb", "putItem", {"TableName": TABLE, "Item": {"pk": {"S": "1"}}}, clients) == {}
    got = aws_sdk.call("dynamodb", "getItem", {"TableName": TABLE, "Key": {"pk": {"S": "1"}}}, clients)
    assert got == {"Item": {"pk": {"S": "1"}}}
    error = failure(aws_sdk.call, "dynamodb", "putItem",
                    {"TableName": TABLE, "Item": {"pk": {"S": "1"}}, "ConditionExpression": "attribute_not_exists(pk)"},
                    clients)
    assert error.error == "DynamoDb.ConditionalCheckFailedException"
    assert "(Service: DynamoDb, Status Code: 400, Request ID: " in error.cause
    assert failure(aws_sdk.call, "dynamodb", "putItem", {"TableName": TABLE, "Item": None}, clients).error == \
        "DynamoDb.DynamoDbException"


def test_aws_sdk_sfn_answers_in_pascal_case_and_takes_a_json_input_object(clients) -> None:
    """AWS (recorded test_sfn_start_execution*): aws-sdk outputs use the Java SDK's PascalCase member
    names (`ExecutionArn`, not the API's `executionArn`), and a JSON object given for sfn's string
    `Input` is sent as its JSON text; map keys (an Item's attribute names) keep their case."""
    machine = clients.get("stepfunctions").create_state_machine(
        name="target", roleArn="arn:aws:iam::123456789012:role/r",
        definition='{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}')["stateMachineArn"]
    started = aws_sdk.call("sfn", "startExecution", {"StateMachineArn": machine, "Input": {"key": "value"}}, clients)
    assert set(started) == {"ExecutionArn", "StartDate"}
    described = aws_sdk.call("sfn", "describeExecution", {"ExecutionArn": started["ExecutionArn"]}, clients)
    assert json.loads(described["Input"]) == {"key": "value"} and "StateMachineArn" in described
    aws_sdk.call("dynamodb", "putItem", {"TableName": TABLE, "Item": {"pk": {"S": "2"}, "lower": {"S": "x"}}},
                 clients)
    got = aws_sdk.call("dynamodb", "getItem", {"TableName": TABLE, "Key": {"pk": {"S": "2"}}}, clients)
    assert got["Item"] == {"pk": {"S": "2"}, "lower": {"S": "x"}}


def test_aws_sdk_cognito_admin_create_user_and_duplicate(clients) -> None:
    pool = clients.get("cognito-idp").create_user_pool(PoolName="pool")["UserPool"]["Id"]
    created = aws_sdk.call("cognitoidentityprovider", "adminCreateUser", {"UserPoolId": pool, "Username": "1000"}, clients)
    assert created["User"]["Username"] == "1000"
    assert created["User"]["UserCreateDate"].endswith("Z")  # datetimes rendered as ISO text
    json.dumps(created)  # state data must be JSON
    duplicate = failure(aws_sdk.call, "cognitoidentityprovider", "adminCreateUser",
                        {"UserPoolId": pool, "Username": "1000"}, clients)
    assert duplicate.error == "CognitoIdentityProvider.UsernameExistsException"


def test_aws_sdk_s3_blob_body_is_json_text_and_streams_come_back_as_text(clients) -> None:
    clients.get("s3").create_bucket(Bucket="bucket-1")
    put = aws_sdk.call("s3", "putObject", {"Bucket": "bucket-1", "Key": "k", "Body": {"Dict": "Value"}}, clients)
    assert put["ETag"] == '"49e31cee5aec8faf3345893addb14346"'  # md5 of {"Dict":"Value"}, as on AWS
    assert aws_sdk.call("s3", "getObject", {"Bucket": "bucket-1", "Key": "k"}, clients)["Body"] == '{"Dict":"Value"}'
    assert failure(aws_sdk.call, "s3", "getObject", {"Bucket": "bucket-1", "Key": "nope"}, clients).error == \
        "S3.NoSuchKeyException"


def test_aws_sdk_unknown_service_or_action_is_a_clear_runtime_error(clients) -> None:
    assert "not an AWS SDK service" in failure(aws_sdk.call, "nosuchservice", "doIt", {}, clients).cause
    assert "'doIt' is not an action" in failure(aws_sdk.call, "dynamodb", "doIt", {}, clients).cause


def test_sqs_send_message_serializes_json_body_and_reports_missing_body(clients) -> None:
    queue = clients.get("sqs").create_queue(QueueName="q")["QueueUrl"]
    sent = sqs.call("sendMessage", {"QueueUrl": queue, "MessageBody": {"TaskToken": "t"}}, clients)
    assert {"MD5OfMessageBody", "MessageId", "SdkHttpMetadata", "SdkResponseMetadata"} <= set(sent)
    body = clients.get("sqs").receive_message(QueueUrl=queue)["Messages"][0]["Body"]
    assert json.loads(body) == {"TaskToken": "t"}
    missing = failure(sqs.call, "sendMessage", {"QueueUrl": queue, "MessageBody": None}, clients)
    assert missing.error == "SQS.AmazonSQSException"
    assert missing.cause.startswith("The request must contain the parameter MessageBody. (Service: AmazonSQS;")
    assert failure(sqs.call, "sendMessage", {"QueueUrl": queue + "x", "MessageBody": "m"}, clients).error == \
        "SQS.QueueDoesNotExistException"


def test_sns_publish_and_missing_topic(clients) -> None:
    topic = clients.get("sns").create_topic(Name="t")["TopicArn"]
    published = sns.call("publish", {"TopicArn": topic, "Message": {"m": 1}}, clients)
    assert published["MessageId"] and published["SdkHttpMetadata"]["HttpStatusCode"] == 200
    assert failure(sns.call, "publish", {"TopicArn": topic + "x", "Message": "m"}, clients).error == \
        "SNS.NotFoundException"


def test_events_put_events_success_and_failed_entry(clients) -> None:
    ok = events.call("putEvents", {"Entries": [{"Detail": {"a": 1}, "DetailType": "d", "Source": "s"}]}, clients)
    assert ok["FailedEntryCount"] == 0 and set(ok) == {"Entries", "FailedEntryCount"}
    failed = failure(events.call, "putEvents", {"Entries": [{"Detail": {"a": 1}, "DetailType": "d"}]}, clients)
    assert failed.error == "EventBridge.FailedEntry"
    assert json.loads(failed.cause)["Entries"][0]["ErrorCode"] == "InvalidArgument"
