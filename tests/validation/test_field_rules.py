"""Every create-time rule, both verdicts: AWS accepts the first definition of each pair and refuses the
second, and the refusal names the field and the value and says what AWS expects, at the state's location."""
from __future__ import annotations

import json

import pytest

from workflows.engine import validate_definition
from workflows.engine.field_rules import STATE_FIELDS, rule_for

LAMBDA = "arn:aws:states:::lambda:invoke"


def task(**fields) -> dict:
    return {"Type": "Task", "Resource": LAMBDA, "End": True, **fields}


def retry(**fields) -> dict:
    return task(Retry=[{"ErrorEquals": ["States.ALL"], **fields}])


def dmap(**fields) -> dict:
    body = {"Type": "Map", "End": True, "ItemProcessor": {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}}}
    return {**body, **fields}


def reader(**config) -> dict:
    return dmap(ItemReader={"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": config,
                            "Parameters": {"Bucket": "b", "Key": "k.csv"}})


def machine(state: dict, **top) -> dict:
    return {"StartAt": "S", "States": {"S": state}, **top}


def problems(definition: dict) -> list[tuple[str, str]]:
    return [(d.message, d.location) for d in validate_definition(json.dumps(definition))]


# (accepted state, refused state, message, location below /States/S)
PAIRS = [
    (retry(BackoffRate=1), retry(BackoffRate=0), "BackoffRate is 0; AWS requires a number >= 1.0", "/Retry[0]/BackoffRate"),
    (retry(BackoffRate=2), retry(BackoffRate=-1.5), "BackoffRate is -1.5; AWS requires a number >= 1.0",
     "/Retry[0]/BackoffRate"),
    (retry(BackoffRate=1.5), retry(BackoffRate="2"), 'BackoffRate is "2"; AWS requires a number >= 1.0',
     "/Retry[0]/BackoffRate"),
    (retry(MaxDelaySeconds=1), retry(MaxDelaySeconds=-1),
     "MaxDelaySeconds is -1; AWS requires an integer from 1 to 31622400", "/Retry[0]/MaxDelaySeconds"),
    (retry(MaxDelaySeconds=31622400), retry(MaxDelaySeconds=31622401),
     "MaxDelaySeconds is 31622401; AWS requires an integer from 1 to 31622400", "/Retry[0]/MaxDelaySeconds"),
    (retry(MaxAttempts=0), retry(MaxAttempts=-1), "MaxAttempts is -1; AWS requires an integer from 0 to 99999999",
     "/Retry[0]/MaxAttempts"),
    (retry(MaxAttempts=3), retry(MaxAttempts=2.5), "MaxAttempts is 2.5; AWS requires an integer from 0 to 99999999",
     "/Retry[0]/MaxAttempts"),
    (retry(IntervalSeconds=1), retry(IntervalSeconds=0),
     "IntervalSeconds is 0; AWS requires an integer from 1 to 99999999", "/Retry[0]/IntervalSeconds"),
    (retry(JitterStrategy="FULL"), retry(JitterStrategy="HALF"),
     'JitterStrategy is "HALF"; AWS requires one of FULL, NONE', "/Retry[0]/JitterStrategy"),
    (retry(Comment="x"), retry(Bogus=1), "Field 'Bogus' is not supported in a Retrier", "/Retry[0]"),
    (task(Retry=[{"ErrorEquals": ["A"]}]), task(Retry=[{"ErrorEquals": []}]),
     "ErrorEquals is empty; AWS requires a non-empty array of error names", "/Retry[0]/ErrorEquals"),
    (task(Retry=[{"ErrorEquals": ["A"]}]), task(Retry=[{"MaxAttempts": 1}]),
     "These fields are required: [ErrorEquals]", "/Retry[0]"),
    (task(TimeoutSeconds=1), task(TimeoutSeconds=0), "TimeoutSeconds is 0; AWS requires an integer from 1 to 99999999",
     "/TimeoutSeconds"),
    (task(HeartbeatSeconds=5), task(HeartbeatSeconds=-5),
     "HeartbeatSeconds is -5; AWS requires an integer from 1 to 99999999", "/HeartbeatSeconds"),
    (task(TimeoutSeconds=60, HeartbeatSeconds=59), task(TimeoutSeconds=60, HeartbeatSeconds=60),
     "HeartbeatSeconds is 60; AWS requires it to be less than TimeoutSeconds (60)", "/HeartbeatSeconds"),
    (task(TimeoutSecondsPath="$.t"), task(TimeoutSeconds=5, TimeoutSecondsPath="$.t"),
     "Only one of 'TimeoutSeconds' or 'TimeoutSecondsPath' can be present", ""),
    (task(Credentials={"RoleArn": "arn:aws:iam::111122223333:role/X"}), task(Credentials="arn:aws:iam::1:role/X"),
     'Credentials is "arn:aws:iam::1:role/X"; AWS requires a JSON object', "/Credentials"),
    (task(Credentials={"RoleArn.$": "$.role"}), task(Credentials={}),
     'Credentials is {}; AWS requires a role: {"RoleArn": "arn:aws:iam::..."}', "/Credentials"),
    (task(Credentials={"RoleArn.$": "States.Format('arn:aws:iam::{}:role/R', $.account)"}),
     task(Credentials={"Role": "arn:aws:iam::1:role/X"}),
     "Field 'Role' is not supported in Credentials; AWS requires only RoleArn", "/Credentials"),
    (task(Credentials={"RoleArn": "arn:aws:iam::1:role/X"}), task(Credentials={"RoleArn": 7}),
     "RoleArn is 7; AWS requires the ARN of an IAM role (a string, or 'RoleArn.$' with a path)", "/Credentials/RoleArn"),
    ({"Type": "Wait", "Seconds": 0, "End": True}, {"Type": "Wait", "Seconds": -1, "End": True},
     "Seconds is -1; AWS requires an integer from 0 to 99999999", "/Seconds"),
    ({"Type": "Wait", "Timestamp": "2016-03-14T01:59:00Z", "End": True},
     {"Type": "Wait", "Timestamp": "2016-03-14 01:59", "End": True},
     'Timestamp is "2016-03-14 01:59"; AWS requires an ISO-8601 timestamp such as 2016-03-14T01:59:00Z', "/Timestamp"),
    ({"Type": "Wait", "SecondsPath": "$.s", "End": True}, {"Type": "Wait", "End": True},
     "Exactly one of 'Seconds', 'SecondsPath', 'Timestamp' or 'TimestampPath' is required", ""),
    ({"Type": "Pass", "End": True}, {"Type": "Pass", "End": False},
     "End is false; AWS requires End: true or a Next state", ""),
    ({"Type": "Fail", "Error": "E"}, {"Type": "Fail", "Error": "E", "ErrorPath": "$.e"},
     "Only one of 'Error' or 'ErrorPath' can be present", ""),
    ({"Type": "Fail", "ErrorPath": "States.Format('{}', $.e)"}, {"Type": "Fail", "Error": 5},
     "Error is 5; AWS requires a string", "/Error"),
    (dmap(ItemsPath="$.items"), dmap(ItemsPath=None),
     "ItemsPath is null; AWS requires a JSONPath that starts with '$'", "/ItemsPath"),
    (dmap(Label="my-label_1"), dmap(Label="two words"),
     'Label is "two words"; AWS requires a string of 1 to 40 characters without whitespace, brackets, wildcards '
     'or any of " # % \\ ^ | ~ ` $ & , ; : /', "/Label"),
    (dmap(Label="x" * 40), dmap(Label="x" * 41), None, "/Label"),
    (dmap(MaxConcurrency=0), dmap(MaxConcurrency=-1), "MaxConcurrency is -1; AWS requires a non-negative integer",
     "/MaxConcurrency"),
    (dmap(ToleratedFailurePercentage=12.5), dmap(ToleratedFailurePercentage=101),
     "ToleratedFailurePercentage is 101; AWS requires a number from 0 to 100", "/ToleratedFailurePercentage"),
    (dmap(ToleratedFailureCount=0), dmap(ToleratedFailureCount=-2),
     "ToleratedFailureCount is -2; AWS requires a non-negative integer", "/ToleratedFailureCount"),
    (reader(InputType="CSV", CSVHeaderLocation="FIRST_ROW", CSVDelimiter="SEMICOLON", MaxItems=10),
     reader(InputType="XML"), 'InputType is "XML"; AWS requires one of CSV, JSON, JSONL, MANIFEST, PARQUET',
     "/ItemReader/ReaderConfig/InputType"),
    (reader(InputType="CSV", CSVHeaderLocation="GIVEN", CSVHeaders=["a", "b"]),
     reader(InputType="CSV", CSVHeaderLocation="GIVEN"),
     'CSVHeaderLocation is "GIVEN"; AWS requires the column names in CSVHeaders', "/ItemReader/ReaderConfig"),
    (reader(InputType="CSV", CSVHeaderLocation="FIRST_ROW"), reader(InputType="CSV", CSVHeaderLocation="LAST_ROW"),
     'CSVHeaderLocation is "LAST_ROW"; AWS requires one of FIRST_ROW, GIVEN', "/ItemReader/ReaderConfig/CSVHeaderLocation"),
    (reader(InputType="CSV", CSVDelimiter="TAB"), reader(InputType="CSV", CSVDelimiter=","),
     'CSVDelimiter is ","; AWS requires one of COMMA, PIPE, SEMICOLON, SPACE, TAB', "/ItemReader/ReaderConfig/CSVDelimiter"),
    (reader(InputType="CSV", CSVHeaderLocation="GIVEN", CSVHeaders=["a"]),
     reader(InputType="CSV", CSVHeaderLocation="GIVEN", CSVHeaders=[]),
     "CSVHeaders is empty; AWS requires a non-empty array of strings", "/ItemReader/ReaderConfig/CSVHeaders"),
    (reader(InputType="JSON", MaxItemsPath="$.max"), reader(InputType="JSON", MaxItems=-1),
     "MaxItems is -1; AWS requires an integer from 0 to 100000000", "/ItemReader/ReaderConfig/MaxItems"),
    (reader(InputType="JSON", MaxItems=5), reader(InputType="JSON", MaxItems=5, MaxItemsPath="$.max"),
     "Only one of 'MaxItems' or 'MaxItemsPath' can be present", "/ItemReader/ReaderConfig"),
    (reader(InputType="JSON"), reader(InputType="JSON", Bogus=1), "Field 'Bogus' is not supported in ReaderConfig",
     "/ItemReader/ReaderConfig"),
    (dmap(ItemReader={"Resource": "arn:aws:states:::s3:listObjectsV2", "Parameters": {"Bucket.$": "$.bucket"}}),
     dmap(ItemReader={"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "b"}}),
     'ItemReader.Resource is "arn:aws:states:::s3:putObject"; AWS requires arn:aws:states:::s3:getObject or '
     "arn:aws:states:::s3:listObjectsV2", "/ItemReader/Resource"),
    (dmap(ResultWriter={"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "b", "Prefix": "p"},
                        "WriterConfig": {"OutputType": "JSONL", "Transformation": "FLATTEN"}}),
     dmap(ResultWriter={"WriterConfig": {"OutputType": "CSV"}}),
     'OutputType is "CSV"; AWS requires one of JSON, JSONL', "/ResultWriter/WriterConfig/OutputType"),
    (dmap(ResultWriter={"WriterConfig": {"Transformation": "COMPACT", "OutputType": "JSON"}}),
     dmap(ResultWriter={"WriterConfig": {"Transformation": "ZIP"}}),
     'Transformation is "ZIP"; AWS requires one of NONE, COMPACT, FLATTEN', "/ResultWriter/WriterConfig/Transformation"),
    (dmap(ItemBatcher={"MaxItemsPerBatch": 10, "BatchInput": {"job.$": "$.job"}}),
     dmap(ItemBatcher={"MaxItemsPerBatch": 0}), "MaxItemsPerBatch is 0; AWS requires a positive integer",
     "/ItemBatcher/MaxItemsPerBatch"),
    (dmap(ItemSelector={"value.$": "$$.Map.Item.Value"}), dmap(ItemSelector={"value.$": "Map.Item"}),
     'ItemSelector.value.$ is "Map.Item"; AWS requires a JSONPath (starting with \'$\') or an intrinsic function '
     "(States.*)", "/ItemSelector/value.$"),
    (dmap(), dmap(ItemProcessor={"ProcessorConfig": {"Mode": "REMOTE"}, "StartAt": "I",
                                 "States": {"I": {"Type": "Pass", "End": True}}}),
     'Mode is "REMOTE"; AWS requires one of INLINE, DISTRIBUTED', "/ItemProcessor/ProcessorConfig/Mode"),
    ({"Type": "Parallel", "End": True, "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Succeed"}}}]},
     {"Type": "Parallel", "End": True, "Branches": []},
     "Branches is empty; AWS requires a non-empty array of branches", "/Branches"),
    ({"Type": "Choice", "Choices": [{"Variable": "$.a", "IsPresent": True, "Next": "S"}]},
     {"Type": "Choice", "Choices": []}, "Choices is empty; AWS requires a non-empty array of rules", "/Choices"),
]


@pytest.mark.parametrize("good, bad, message, where", PAIRS)
def test_each_rule_accepts_and_refuses(good: dict, bad: dict, message: str | None, where: str) -> None:
    assert problems(machine(good)) == []
    found = problems(machine(bad))
    assert [w for _, w in found] == ["/States/S" + where], found
    if message is not None:
        assert found[0][0] == message


def test_empty_states_says_a_machine_needs_a_state() -> None:
    assert problems({"StartAt": "X", "States": {}}) == [
        ("States is empty: a state machine needs at least one state", "/States")]


def test_top_level_timeout_is_a_non_negative_integer() -> None:
    ok = machine({"Type": "Succeed"}, TimeoutSeconds=60)
    assert problems(ok) == []
    assert problems({**ok, "TimeoutSeconds": -1}) == [
        ("TimeoutSeconds is -1; AWS requires an integer from 0 to 99999999", "/TimeoutSeconds")]


def test_path_fields_exist_only_in_jsonpath() -> None:
    ok = machine(task(TimeoutSeconds="{% $states.input.t %}"), QueryLanguage="JSONata")
    assert problems(ok) == []
    bad = machine(task(TimeoutSecondsPath="$.t"), QueryLanguage="JSONata")
    assert problems(bad) == [("The field 'TimeoutSecondsPath' is not supported for the QueryLanguage JSONata",
                              "/States/S/TimeoutSecondsPath")]


def test_jsonata_items_and_an_expression_where_a_literal_is_required() -> None:
    ok = machine(dmap(Items="{% $states.input.list %}", Label="L"), QueryLanguage="JSONata")
    assert problems(ok) == []
    bad = machine(retry(BackoffRate="{% 2 %}"), QueryLanguage="JSONata")
    assert problems(bad) == [('BackoffRate is "{% 2 %}"; AWS requires a number >= 1.0 here, not a JSONata expression',
                              "/States/S/Retry[0]/BackoffRate")]


def test_the_table_covers_every_state_type_and_is_the_lookup_the_resolver_uses() -> None:
    assert set(STATE_FIELDS) == {"Task", "Wait", "Pass", "Succeed", "Fail", "Choice", "Parallel", "Map"}
    rule = rule_for("Retrier", "BackoffRate")
    assert rule.accepts(1) and rule.accepts(2.5) and not rule.accepts(0.9) and not rule.accepts(True)
    assert rule_for("Task", "TimeoutSecondsPath").resolves == "TimeoutSeconds"
    assert rule_for("ReaderConfig", "MaxItems").expects == "an integer from 0 to 100000000"
