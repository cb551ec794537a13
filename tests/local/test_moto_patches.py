"""The TransactWriteItems patch (workflows/local/moto_patches.py): moto's semantics, no table copy.

Semantics are checked twice: through boto3 against moto (all-or-nothing, cancellation reasons,
ALL_OLD, two operations on one item, streams), and by replaying random transactions on two moto
backends - one through the patch, one through moto's own unpatched function - and comparing every
error and the final items.
"""
from __future__ import annotations

import copy
import random
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table

from workflows.local import moto_patches

TABLE = "users"


@pytest.fixture
def ddb() -> Any:
    moto_patches.apply()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1", aws_access_key_id="testing",
                              aws_secret_access_key="testing")
        client.create_table(
            TableName=TABLE, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "S"}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
        yield client


def key(pk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": "X"}}


def put(pk: str, **attrs: str) -> dict[str, Any]:
    return {"Put": {"TableName": TABLE, "Item": {**key(pk), **{k: {"S": v} for k, v in attrs.items()}},
                    "ConditionExpression": "attribute_not_exists(pk)"}}


def items(ddb: Any) -> dict[str, dict[str, Any]]:
    return {item["pk"]["S"]: item for item in ddb.scan(TableName=TABLE, ConsistentRead=True)["Items"]}


def cancellation(error: pytest.ExceptionInfo[ClientError]) -> list[dict[str, Any]]:
    assert error.value.response["Error"]["Code"] == "TransactionCanceledException"
    return error.value.response["CancellationReasons"]


def test_the_patch_is_applied_by_the_local_stack() -> None:
    from workflows.local.moto_services import MotoServices

    MotoServices()
    assert moto_patches.applied()
    assert DynamoDBBackend.transact_write_items is moto_patches.transact_write_items


def test_a_transaction_writes_every_item(ddb: Any) -> None:
    ddb.put_item(TableName=TABLE, Item={**key("COUNTER"), "value": {"N": "1"}})
    ddb.transact_write_items(TransactItems=[
        put("A", name="a"), put("B", name="b"),
        {"Update": {"TableName": TABLE, "Key": key("COUNTER"), "UpdateExpression": "ADD #v :one",
                    "ExpressionAttributeNames": {"#v": "value"}, "ExpressionAttributeValues": {":one": {"N": "1"}}}}])
    found = items(ddb)
    assert set(found) == {"A", "B", "COUNTER"} and found["COUNTER"]["value"] == {"N": "2"}


def test_a_failed_condition_cancels_every_write_with_one_reason_per_operation(ddb: Any) -> None:
    ddb.put_item(TableName=TABLE, Item={**key("TAKEN"), "owner": {"S": "first"}})
    ddb.put_item(TableName=TABLE, Item={**key("COUNTER"), "value": {"N": "7"}})
    ddb.put_item(TableName=TABLE, Item={**key("OLD"), "v": {"S": "keep"}})
    before = items(ddb)
    with pytest.raises(ClientError) as error:
        ddb.transact_write_items(TransactItems=[
            put("NEW", name="new"),
            {"Update": {"TableName": TABLE, "Key": key("COUNTER"), "UpdateExpression": "ADD #v :one",
                        "ExpressionAttributeNames": {"#v": "value"},
                        "ExpressionAttributeValues": {":one": {"N": "1"}}}},
            {"Delete": {"TableName": TABLE, "Key": key("OLD")}},
            put("TAKEN", owner="second"),
        ])
    reasons = cancellation(error)
    assert [r["Code"] for r in reasons] == ["None", "None", "None", "ConditionalCheckFailed"]
    assert "ConditionalCheckFailed" in error.value.response["Error"]["Message"]
    assert items(ddb) == before  # the put, the in-place update and the delete are all undone


def test_all_old_returns_the_item_that_failed_its_condition(ddb: Any) -> None:
    ddb.put_item(TableName=TABLE, Item={**key("TAKEN"), "owner": {"S": "first"}})
    check = {"ConditionCheck": {"TableName": TABLE, "Key": key("TAKEN"), "ConditionExpression": "attribute_not_exists(pk)",
                                "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}}
    with pytest.raises(ClientError) as error:
        ddb.transact_write_items(TransactItems=[put("NEW"), check])
    reasons = cancellation(error)
    assert reasons[0] == {"Code": "None"}
    assert reasons[1]["Code"] == "ConditionalCheckFailed"
    assert reasons[1]["Item"]["owner"] == {"S": "first"}
    assert set(items(ddb)) == {"TAKEN"}


def test_two_operations_on_one_item_are_refused_and_nothing_is_written(ddb: Any) -> None:
    with pytest.raises(ClientError) as error:
        ddb.transact_write_items(TransactItems=[put("A"), put("B"), {"Delete": {"TableName": TABLE, "Key": key("A")}}])
    assert error.value.response["Error"]["Code"] == "ValidationException"
    assert "multiple operations on one item" in error.value.response["Error"]["Message"]
    assert items(ddb) == {}


def test_an_entry_with_two_operations_undoes_the_entries_before_it(ddb: Any) -> None:
    """moto raises this one outside its per-operation handler; unpatched, put('A') stayed written."""
    with pytest.raises(ClientError):
        ddb.transact_write_items(TransactItems=[put("A"), {**put("B"), "Delete": {"TableName": TABLE, "Key": key("C")}}])
    assert items(ddb) == {}


def test_a_table_named_by_its_arn_is_undone_too(ddb: Any) -> None:
    arn = ddb.describe_table(TableName=TABLE)["Table"]["TableArn"]
    ddb.put_item(TableName=TABLE, Item={**key("TAKEN")})
    with pytest.raises(ClientError) as error:
        ddb.transact_write_items(TransactItems=[{"Put": {**put(pk)["Put"], "TableName": arn}} for pk in ("A", "TAKEN")])
    cancellation(error)
    assert set(items(ddb)) == {"TAKEN"}


def test_a_cancelled_transaction_leaves_no_stream_records(ddb: Any) -> None:
    from moto.dynamodb.models import dynamodb_backends  # moto serves no DynamoDB Streams API here

    ddb.put_item(TableName=TABLE, Item={**key("TAKEN")})
    with pytest.raises(ClientError):
        ddb.transact_write_items(TransactItems=[put("A"), put("B"), put("TAKEN")])
    ddb.transact_write_items(TransactItems=[put("C")])
    shard = dynamodb_backends["123456789012"]["us-east-1"].tables[TABLE].stream_shard
    assert [(r.record["eventName"], r.record["dynamodb"]["Keys"]["pk"]["S"]) for r in shard.items] == [
        ("INSERT", "TAKEN"), ("INSERT", "C")]


def test_a_client_request_token_is_accepted(ddb: Any) -> None:
    """moto 5.2.5 ignores ClientRequestToken (no idempotency); the patch keeps it accepted."""
    ddb.transact_write_items(TransactItems=[put("A")], ClientRequestToken="token-1")
    assert set(items(ddb)) == {"A"}


def test_the_table_is_not_copied(ddb: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(0, 500, 25):
        ddb.batch_write_item(RequestItems={TABLE: [{"PutRequest": {"Item": key(f"P{j}")}} for j in range(i, i + 25)]})
    ddb.put_item(TableName=TABLE, Item={**key("TAKEN")})
    copied: list[Any] = []
    real_deepcopy = copy.deepcopy

    def counting(value: Any, memo: Any = None) -> Any:
        if isinstance(value, Table):
            copied.append(value)
        return real_deepcopy(value, memo)

    monkeypatch.setattr(copy, "deepcopy", counting)
    from moto.dynamodb.models import dynamodb_backends

    backend = dynamodb_backends["123456789012"]["us-east-1"]
    table_before = backend.tables[TABLE]
    ddb.transact_write_items(TransactItems=[put("A")])
    with pytest.raises(ClientError):
        ddb.transact_write_items(TransactItems=[put("B"), put("TAKEN")])
    assert copied == []
    assert backend.tables[TABLE] is table_before  # moto's restore used to swap in its copy
    assert len(items(ddb)) == 502


def test_a_put_without_its_key_falls_back_to_copying_the_table(ddb: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    copied: list[str] = []
    real_deepcopy = copy.deepcopy
    monkeypatch.setattr(copy, "deepcopy", lambda v, m=None: (copied.append(type(v).__name__) if isinstance(v, Table)
                                                             else None) or real_deepcopy(v, m))
    with pytest.raises(ClientError):
        ddb.transact_write_items(TransactItems=[{"Put": {"TableName": TABLE, "Item": {"pk": {"S": "A"}}}}])
    assert copied == ["Table"]
    assert items(ddb) == {}


def test_an_unreviewed_moto_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(moto_patches.REVIEWED_SOURCES, "DynamoDBBackend.transact_write_items", "0" * 64)
    with pytest.raises(moto_patches.MotoPatchError, match="transact_write_items is not the source"):
        moto_patches.check_reviewed()
    monkeypatch.undo()
    monkeypatch.setattr(moto_patches.moto, "__version__", "5.3.0")
    with pytest.raises(moto_patches.MotoPatchError, match="moto==5.2.5, found moto==5.3.0"):
        moto_patches.check_reviewed()


# -- the patched function and moto's own agree on random transactions ------------------------------------
def _backend() -> DynamoDBBackend:
    backend = DynamoDBBackend("us-east-1", "123456789012")
    backend.create_table(TABLE, schema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                        {"AttributeName": "sk", "KeyType": "RANGE"}],
                         throughput=None, attr=[{"AttributeName": "pk", "AttributeType": "S"},
                                                {"AttributeName": "sk", "AttributeType": "S"}],
                         global_indexes=None, indexes=None, streams=None, billing_mode="PAY_PER_REQUEST",
                         sse_specification=None, tags=[], deletion_protection_enabled=False, warm_throughput=None)
    return backend


def _random_operation(rng: random.Random) -> dict[str, Any]:
    pk = f"K{rng.randrange(6)}"
    condition = rng.choice([None, "attribute_not_exists(pk)", "attribute_exists(pk)", "n = :n"])
    extra: dict[str, Any] = {"ConditionExpression": condition} if condition else {}
    if condition == "n = :n":
        extra["ExpressionAttributeValues"] = {":n": {"N": str(rng.randrange(3))}}
    kind = rng.choice(["Put", "Update", "Delete", "ConditionCheck"])
    if kind == "Put":
        return {"Put": {"TableName": TABLE, "Item": {**key(pk), "n": {"N": str(rng.randrange(3))}}, **extra}}
    if kind == "Update":
        values = {**extra.get("ExpressionAttributeValues", {}), ":one": {"N": "1"}}
        return {"Update": {"TableName": TABLE, "Key": key(pk), "UpdateExpression": "ADD n :one",
                           **extra, "ExpressionAttributeValues": values}}
    if kind == "Delete":
        return {"Delete": {"TableName": TABLE, "Key": key(pk), **extra}}
    return {"ConditionCheck": {"TableName": TABLE, "Key": key(pk), **extra,
                               "ConditionExpression": condition or "attribute_exists(pk)"}}


def _outcome(function: Any, backend: DynamoDBBackend, transaction: list[dict[str, Any]]) -> Any:
    try:
        function(backend, copy.deepcopy(transaction))
    except Exception as error:  # moto's exceptions: compare type and what the client would see
        return type(error).__name__, getattr(error, "description", str(error))
    return None


def _dump(backend: DynamoDBBackend) -> list[str]:
    return sorted(repr(item.to_json()) for item in backend.tables[TABLE].all_items())


def test_random_transactions_end_as_with_moto_unpatched() -> None:
    moto_patches.apply()
    rng = random.Random(15)
    patched, unpatched = _backend(), _backend()
    outcomes = set()
    for _ in range(400):
        transaction = [_random_operation(rng) for _ in range(rng.randrange(1, 5))]
        got = _outcome(moto_patches.transact_write_items, patched, transaction)
        expected = _outcome(moto_patches._original, unpatched, transaction)
        assert got == expected, transaction
        outcomes.add(got[0] if got else None)
        assert set(patched.tables[TABLE].items) == set(unpatched.tables[TABLE].items)  # hash buckets too
        assert _dump(patched) == _dump(unpatched)
    assert outcomes >= {None, "TransactionCanceledException", "MultipleTransactionsException"}


# -- the UpdateItem path: one parse per expression string, the same results as moto's own ---------------
UPDATES = [  # (UpdateExpression, ConditionExpression or None): each applied many times, on items in any state
    ("ADD #value :one SET #mine = if_not_exists(#value, :zero) + :one", "attribute_not_exists(#mine)"),
    ("SET #status = :s, at = :v REMOVE taskToken", "#status = :p OR (#status = :s AND owner = :v)"),
    ("SET tags = list_append(if_not_exists(tags, :empty), :list), nested.deep = :v", None),
    ("SET nested = :map", None),
    ("SET n = n + :one", None),  # fails on an item without n: the path must be resolved per item
    ("REMOVE #mine, tags[0]", None),
    ("DELETE bag :bag ADD bag :bag2", None),
    ("SET n = :v", "attribute_exists(pk)"),  # a type mismatch for the ADD/SET n + 1 that follow
    ("SET = :v", None),  # does not parse: refused every time, never cached
]
VALUES = {":one": {"N": "1"}, ":zero": {"N": "0"}, ":s": {"S": "FALLBACK"}, ":p": {"S": "PENDING"},
          ":v": {"S": "x"}, ":empty": {"L": []}, ":list": {"L": [{"S": "t"}]}, ":map": {"M": {"deep": {"S": "y"}}},
          ":bag": {"SS": ["a"]}, ":bag2": {"SS": ["a", "b"]}}
NAMES = {"#value": "value", "#mine": "alloc-1", "#status": "status"}


def _update(ddb: Any, table: str, pk: str, update: str, condition: str | None) -> Any:
    names = {k: v for k, v in NAMES.items() if k in update or k in (condition or "")}
    values = {k: v for k, v in VALUES.items() if k in update or k in (condition or "")}
    request: dict[str, Any] = {"TableName": table, "Key": key(pk), "UpdateExpression": update,
                               "ReturnValues": "ALL_NEW"}
    if condition:
        request["ConditionExpression"] = condition
    if names:
        request["ExpressionAttributeNames"] = names
    if values:
        request["ExpressionAttributeValues"] = values
    try:
        return ddb.update_item(**request).get("Attributes")
    except ClientError as error:
        return error.response["Error"]["Code"], error.response["Error"]["Message"]


def test_random_updates_end_as_with_moto_unpatched(ddb: Any) -> None:
    """One table through the patched parse and walkers, a twin through moto's own, the same requests."""
    ddb.create_table(TableName="twin", BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                           {"AttributeName": "sk", "AttributeType": "S"}])
    rng, errors = random.Random(5), set()
    for _ in range(300):
        pk, (update, condition) = f"K{rng.randrange(4)}", rng.choice(UPDATES)
        got = _update(ddb, TABLE, pk, update, condition)
        with moto_patches.unpatched_update_path():
            expected = _update(ddb, "twin", pk, update, condition)
        assert got == expected, (pk, update)
        if isinstance(got, tuple):
            errors.add(got[0])
    assert errors >= {"ValidationException", "ConditionalCheckFailedException"}
    twin = {i["pk"]["S"]: i for i in ddb.scan(TableName="twin", ConsistentRead=True)["Items"]}
    assert items(ddb) == twin


def test_an_update_expression_is_parsed_once(ddb: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[str] = []
    original = moto_patches._original_make
    assert original is not None

    def counting(expression: str) -> Any:
        parsed.append(expression)
        return original(expression)

    moto_patches._parsed.cache_clear()
    monkeypatch.setattr(moto_patches, "_original_make", counting)
    for pk in ("A", "B", "C"):
        _update(ddb, TABLE, pk, "SET n = :v", None)
        _update(ddb, TABLE, pk, "SET = :v", None)  # a syntax error is parsed (and refused) each time
    moto_patches._parsed.cache_clear()  # no parse made with the counting stand-in outlives the test
    assert parsed.count("SET n = :v") == 1
    assert parsed.count("SET = :v") == 3


def test_an_update_copies_the_old_image_only_for_a_stream(ddb: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The old image goes to the stream (still there, unchanged); a table without one is not copied for it."""
    ddb.create_table(TableName="plain", BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                           {"AttributeName": "sk", "AttributeType": "S"}])
    copied: list[str] = []
    real = copy.deepcopy

    def counting(value: Any, memo: Any = None) -> Any:
        copied.append(type(value).__name__)
        return real(value, memo)

    monkeypatch.setattr(copy, "deepcopy", counting)  # what _CopyModule hands on to
    items_copied = {}
    for table in ("plain", TABLE):
        copied.clear()
        _update(ddb, table, "A", "SET n = :v", None)
        _update(ddb, table, "A", "SET n = :one", None)
        items_copied[table] = copied.count("Item")
    # the second update's item is copied by moto's handler for ReturnValues on both tables, and for
    # the old image on the stream table only (the first update had no item)
    assert items_copied == {"plain": 1, TABLE: 2}
    from moto.dynamodb.models import dynamodb_backends
    shard = dynamodb_backends["123456789012"]["us-east-1"].tables[TABLE].stream_shard
    last = shard.items[-1].record["dynamodb"]
    assert (last["OldImage"]["n"], last["NewImage"]["n"]) == ({"S": "x"}, {"N": "1"})
