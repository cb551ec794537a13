"""`workflows load signup`: loopback only, bounded, prefill shaped like signup, and an invariant check
that fails when the table says an id was lost or a profile orphaned."""
from __future__ import annotations

import json
from typing import Any

import pytest

from workflows.cli import main
from workflows.load import driver, invariant
from workflows.load.target import TOKEN_HEADER, StackTarget, TargetError, control_headers, require_loopback
from workflows.local.stack import LocalStack


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def stack():
    with LocalStack(clock="real") as running:
        yield running


@pytest.mark.parametrize("url", ["http://127.0.0.1:4599", "http://localhost:4599/", "http://[::1]:4599",
                                 "http://127.1.2.3:80", "http://app.localhost:4599"])
def test_loopback_endpoints_are_accepted(url: str) -> None:
    assert require_loopback(url) == url.rstrip("/")


@pytest.mark.parametrize(("url", "named"), [
    ("http://example.com:4599", "'example.com' is not loopback"),
    ("http://10.0.0.7:4599", "'10.0.0.7' is not loopback"),
    ("http://localhost.evil.example:4599", "'localhost.evil.example' is not loopback"),
    ("ftp://127.0.0.1", "not an http:// URL"),
])
def test_other_endpoints_are_refused_by_name_before_any_request(url: str, named: str, capsys) -> None:
    with pytest.raises(TargetError, match=named):
        require_loopback(url)
    code, _, err = run(capsys, "load", "signup", "--endpoint", url)
    assert code == 1 and named in err


def test_aws_is_refused(capsys) -> None:
    code, _, err = run(capsys, "load", "signup", "--endpoint", "aws")
    assert code == 1 and "never AWS" in err


@pytest.mark.parametrize(("argv", "named"), [
    (["load", "migrate_batch"], "cannot load 'migrate_batch'"),
    (["load", "signup", "--users", "0"], "--users 0"),
    (["load", "signup", "--concurrency", "0"], "--concurrency 0"),
    (["load", "signup", "--prefill", "-1"], "--prefill -1"),
    (["load", "signup", "--time-limit", "nan"], "--time-limit nan"),
])
def test_bad_options_are_named(argv: list[str], named: str, capsys) -> None:
    code, _, err = run(capsys, *argv, "--endpoint", "http://127.0.0.1:9")
    assert code == 1 and named in err


def test_the_control_token_is_sent_when_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WORKFLOWS_LOCAL_TOKEN", raising=False)
    assert control_headers() == {}
    monkeypatch.setenv("WORKFLOWS_LOCAL_TOKEN", "t0ken")
    assert control_headers() == {TOKEN_HEADER: "t0ken"}


def test_no_stack_is_a_one_line_error(capsys) -> None:
    code, _, err = run(capsys, "load", "signup", "--endpoint", "http://127.0.0.1:9")
    assert code == 1 and "no local stack answers at http://127.0.0.1:9" in err


def count(stack: LocalStack, prefix: str) -> int:
    ddb, total, kwargs = stack.client("dynamodb"), 0, {}
    while True:
        page = ddb.scan(TableName=stack.users_table, FilterExpression="begins_with(pk, :p)", Select="COUNT",
                        ExpressionAttributeValues={":p": {"S": prefix}}, **kwargs)
        total += page["Count"]
        if "LastEvaluatedKey" not in page:
            return total
        kwargs = {"ExclusiveStartKey": page["LastEvaluatedKey"]}


def test_a_prefilled_load_creates_every_user_and_the_invariant_holds(stack: LocalStack, capsys) -> None:
    before = {prefix: count(stack, prefix) for prefix in ("USER#", "EMAIL#", "TOMBSTONE#")}
    code, out, _ = run(capsys, "load", "signup", "--users", "40", "--concurrency", "8", "--prefill", "101",
                       "--endpoint", stack.url, "--json")
    summary = json.loads(out)
    assert code == 0, summary
    assert (summary["created"], summary["errors"], summary["errorsByType"]) == (40, 0, {})
    assert summary["prefill"]["items"] == 101
    assert summary["prefill"]["lastId"] - summary["prefill"]["firstId"] == 50  # 50 users + 1 tombstone
    inv = summary["invariant"]
    assert inv["ok"] and (inv["users"], inv["tombstones"]) == (40, 0)
    assert inv["firstId"] == summary["prefill"]["lastId"] + 1 and inv["lastId"] == inv["firstId"] + 39
    assert 0 < summary["latencySeconds"]["p50"] <= summary["latencySeconds"]["p95"] <= summary["latencySeconds"]["p99"]
    assert summary["signupsPerSecond"] > 0
    after = {prefix: count(stack, prefix) for prefix in before}
    assert after == {"USER#": before["USER#"] + 90, "EMAIL#": before["EMAIL#"] + 90,
                     "TOMBSTONE#": before["TOMBSTONE#"] + 1}


def test_a_load_through_the_api_routes(stack: LocalStack, capsys) -> None:
    code, out, _ = run(capsys, "load", "signup", "--users", "12", "--concurrency", "4", "--via", "api",
                       "--endpoint", stack.url)
    assert code == 0
    assert "12 created of 12 started" in out and "holds" in out


def test_the_time_limit_stops_starting_signups(stack: LocalStack, capsys) -> None:
    code, out, _ = run(capsys, "load", "signup", "--users", "100000", "--concurrency", "2",
                       "--time-limit", "0.3", "--endpoint", stack.url, "--json")
    summary = json.loads(out)
    assert code == 1  # not every requested signup ran
    assert summary["stoppedByTimeLimit"] and 0 < summary["started"] < 1000
    assert summary["invariant"]["ok"] and summary["created"] == summary["started"]


def _load(stack: LocalStack, tag: str, users: int = 6) -> tuple[StackTarget, driver.RunResult, int]:
    target = StackTarget.discover(stack.url)
    before = invariant.read_counter(target)
    result = driver.run_signups(driver.SfnSignups(target, 3, tag), users=users, concurrency=3,
                                time_limit=60, tag=tag, via="sfn")
    assert len(result.created) == users
    return target, result, before


def test_the_invariant_check_finds_a_lost_id_and_orphans(stack: LocalStack) -> None:
    target, result, before = _load(stack, "inv1")
    assert invariant.check(target, result, before).ok
    ddb: Any = stack.client("dynamodb")
    lost, orphaned, half = (o for o in result.created[:3])
    ddb.delete_item(TableName=stack.users_table, Key={"pk": {"S": f"USER#{lost.user_id}"}, "sk": {"S": "PROFILE"}})
    ddb.delete_item(TableName=stack.users_table, Key={"pk": {"S": f"EMAIL#{orphaned.email}"}, "sk": {"S": "EMAIL"}})
    ddb.put_item(TableName=stack.users_table, Item={"pk": {"S": f"TOMBSTONE#{half.user_id}"}, "sk": {"S": "TOMBSTONE"},
                                                    "userId": {"N": str(half.user_id)}})
    report = invariant.check(target, result, before)
    assert not report.ok
    text = "\n".join(report.violations)
    assert f"id {lost.user_id} lost: neither a user nor a tombstone" in text
    assert f"orphan profile USER#{orphaned.user_id}: EMAIL#{orphaned.email} is missing" in text
    assert f"id {half.user_id} is a tombstone and still has a profile" in text
    assert f"id {half.user_id} is a tombstone and still has a Cognito user" in text


def test_the_invariant_check_finds_duplicate_answers_and_a_missing_cognito_user(stack: LocalStack) -> None:
    target, result, before = _load(stack, "inv2", users=3)
    first, second, third = result.created
    result.outcomes[1] = driver.Outcome(second.index, second.email, driver.CREATED, first.user_id, second.seconds)
    stack.client("cognito-idp").admin_delete_user(UserPoolId=stack.user_pool_id, Username=str(third.user_id))
    text = "\n".join(invariant.check(target, result, before).violations)
    assert f"ids answered to more than one signup: [{first.user_id}]" in text
    assert f"orphan profile USER#{third.user_id}: no Cognito user {third.user_id}" in text


def test_percentiles_are_nearest_rank() -> None:
    result = driver.RunResult(requested=100, concurrency=1, via="sfn",
                              outcomes=[driver.Outcome(i, "", driver.CREATED, i, (i + 1) / 100) for i in range(100)])
    assert (result.latency(0.5), result.latency(0.95), result.latency(0.99), result.latency(1.0)) == (0.5, 0.95, 0.99, 1.0)
    assert driver.RunResult(requested=0, concurrency=1, via="sfn").latency(0.5) == 0.0


def test_outcomes_are_classified_by_what_signup_answered() -> None:
    assert driver.classify({"statusCode": 201, "body": json.dumps({"userId": 7})}) == (driver.CREATED, 7)
    assert driver.classify({"statusCode": 409, "body": '{"error": "EmailAlreadyRegistered"}'}) == (
        "409 EmailAlreadyRegistered", None)
    assert driver.classify({"statusCode": 503, "body": {"error": "ServiceUnavailable"}}) == ("503 ServiceUnavailable", None)
    assert driver.classify("nonsense") == ("InvalidOutput", None)
