"""Migrating many users through migrate_batch on a local stack, and checking what it left behind.

Used by bench/migrate.py and tests/local/test_migration_scale.py, so both run the same flow:
- `max_users_per_batch()`: the batch maximum, read from asl/migrate_batch.asl.json's CheckBatchSize
  (the one place it is set: each user's result must fit the batch's 256 KiB output, and its 7
  history events the 25,000-event quota - docs/local.md "Migrating at scale");
- `start_batches()`: the users in batches of at most that many, one execution each, `pace` virtual
  seconds apart - as an operator starts batches one after another. On the virtual clock starting
  costs no time, so without a pace every deadline of the run would fall on one instant and every
  fallback would run interleaved at once, each holding its allocation record on the one counter item
  (docs/contracts.md) - at 10,000 about 430 KB, over DynamoDB's 400 KB item limit;
- `check()`: every batch and migration SUCCEEDED, no States.Timeout but each migration's own
  deadline, and the id invariant: every id the counter handed out is a profile's userId or a
  tombstone, and every migrated user has its profile (keyed by its Cognito username), its EMAIL#
  reservation and its Cognito user. Key lookups only: O(run).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Iterable

from workflows.definitions import asl_path

from .invariant import batch_get, cognito_user_exists, item_key, read_counter_item

DEADLINE_STATE = "RegisterAndWait"  # migrate_user's callback: its States.Timeout is the designed deadline


def max_users_per_batch() -> int:
    """The largest batch migrate_batch accepts (its CheckBatchSize Choice)."""
    states = json.loads(asl_path("migrate_batch").read_text())["States"]
    (rule,) = states["CheckBatchSize"]["Choices"]
    return int(rule["NumericGreaterThan"])


def legacy_users(count: int, start: int = 0) -> list[dict[str, str]]:
    """`count` users shaped as migrate_batch takes them (no legacy record: the fallback needs none)."""
    return [{"legacyUserId": f"L-{i}", "email": f"m{i}@example.com"} for i in range(start, start + count)]


@dataclass(frozen=True)
class MigrationStack:
    """The clients and names a migration run needs (a LocalStack's, see `of`)."""

    sfn: Any
    ddb: Any
    idp: Any
    users_table: str
    user_pool_id: str
    batch_arn: str
    user_arn: str
    stack: Any = None  # the LocalStack, for its virtual clock

    @classmethod
    def of(cls, stack: Any) -> "MigrationStack":
        return cls(stack.client("stepfunctions"), stack.client("dynamodb"), stack.client("cognito-idp"),
                   stack.users_table, stack.user_pool_id, stack.state_machines["migrate_batch"],
                   stack.state_machines["migrate_user"], stack)

    def counter(self) -> int:
        return read_counter_item(self.ddb, self.users_table)


def start_batches(target: MigrationStack, users: list[dict[str, str]], batch_size: int, *, tag: str,
                  pace: float = 60.0) -> list[str]:
    """Start one migrate_batch per `batch_size` users (refused above the maximum), `pace` virtual
    seconds apart; the batch execution ARNs, each waited for until it left RUNNING."""
    limit = max_users_per_batch()
    if not 1 <= batch_size <= limit:
        raise ValueError(f"batch_size {batch_size} is outside 1..{limit} (migrate_batch's maximum)")
    arns = []
    for number, first in enumerate(range(0, len(users), batch_size)):
        if number and pace:
            target.stack.advance(pace)
        body = json.dumps({"users": users[first:first + batch_size]})
        arn = target.sfn.start_execution(stateMachineArn=target.batch_arn, name=f"{tag}-{number}",
                                         input=body)["executionArn"]
        _wait(target.sfn, arn)
        arns.append(arn)
    return arns


def _wait(sfn: Any, arn: str, limit: float = 600.0) -> str:
    deadline = time.monotonic() + limit
    while (status := sfn.describe_execution(executionArn=arn)["status"]) == "RUNNING":
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    return str(status)


@dataclass
class MigrationReport:
    users: int
    batches: dict[str, int] = field(default_factory=dict)  # batch status -> count
    migrations: dict[str, int] = field(default_factory=dict)  # migrate_user status -> count
    deadlines: int = 0  # States.Timeout of the callback (the designed fallback), one per user
    timeouts: int = 0  # any other States.Timeout, or a TIMED_OUT execution
    timeout_states: dict[str, int] = field(default_factory=dict)  # where those happened: state -> count
    violations: list[str] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return (sum(n for s, n in self.batches.items() if s != "SUCCEEDED")
                + sum(n for s, n in self.migrations.items() if s != "SUCCEEDED"))

    @property
    def ok(self) -> bool:
        return not self.failed and not self.timeouts and not self.violations and self.deadlines == self.users

    def summary(self) -> str:
        verdict = "holds" if not self.violations else f"VIOLATED ({len(self.violations)}): {self.violations[:3]}"
        return (f"{self.users} users: batches {self.batches}, migrations {self.migrations}, deadlines "
                f"{self.deadlines}, other timeouts {self.timeouts}{' ' + str(self.timeout_states) if self.timeouts else ''}; "
                f"invariant {verdict}")


def check(target: MigrationStack, users: list[dict[str, str]], batch_arns: Iterable[str],
          counter_before: int, limit: int = 20) -> MigrationReport:
    """The run's outcome (see the module doc); `counter_before`: the counter's value before it."""
    report = MigrationReport(len(users))
    for arn in batch_arns:
        status = target.sfn.describe_execution(executionArn=arn)["status"]
        report.batches[status] = report.batches.get(status, 0) + 1
    prefix = target.user_arn.replace(":stateMachine:", ":execution:") + ":"
    for user in users:
        arn = f"{prefix}migrate-{user['legacyUserId']}"
        status = target.sfn.describe_execution(executionArn=arn)["status"]
        report.migrations[status] = report.migrations.get(status, 0) + 1
        report.timeouts += status == "TIMED_OUT"
        state = ""  # migrate_user runs one state at a time: an event belongs to the last one entered
        for event in _history(target.sfn, arn):
            if event["type"].endswith("StateEntered"):
                state = event["stateEnteredEventDetails"]["name"]
            details = next((v for k, v in event.items() if k.endswith("EventDetails")), {})
            if details.get("error") == "States.Timeout":
                if event["type"] == "TaskTimedOut" and state == DEADLINE_STATE:
                    report.deadlines += 1
                else:
                    report.timeouts += 1
                    report.timeout_states[state] = report.timeout_states.get(state, 0) + 1
    report.violations = _invariant(target, users, counter_before)[:limit]
    return report


def _history(sfn: Any, arn: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    token = None
    while True:
        page = sfn.get_execution_history(executionArn=arn, maxResults=1000, **({"nextToken": token} if token else {}))
        events.extend(page["events"])
        token = page.get("nextToken")
        if not token:
            return events


def _invariant(target: MigrationStack, users: list[dict[str, str]], counter_before: int) -> list[str]:
    problems: list[str] = []
    table = target.users_table
    migrations = {item["pk"]["S"][len("MIGRATION#"):]: item for item in
                  batch_get(target.ddb, table, [item_key(f"MIGRATION#{u['email']}", "MIGRATION") for u in users])}
    bound: dict[int, str] = {}
    for user in users:
        record = migrations.get(user["email"])
        if record is None or "userId" not in record or "cognitoUsername" not in record:
            problems.append(f"{user['legacyUserId']}: MIGRATION#{user['email']} is missing or has no userId")
            continue
        user_id = int(record["userId"]["N"])
        if user_id in bound:
            problems.append(f"id {user_id} bound to {bound[user_id]} and {user['email']}")
        bound[user_id] = record["cognitoUsername"]["S"]
    after = target.counter()
    ids = range(counter_before + 1, after + 1)
    found = batch_get(target.ddb, table, [item_key(f"TOMBSTONE#{i}", "TOMBSTONE") for i in ids]
                      + [item_key(f"USER#{name}", "PROFILE") for name in bound.values()])
    profiles = {item["pk"]["S"][len("USER#"):]: item for item in found if item["sk"]["S"] == "PROFILE"}
    tombstoned = {int(item["userId"]["N"]) for item in found if item["sk"]["S"] == "TOMBSTONE"}
    reservations = {item["pk"]["S"][len("EMAIL#"):]: int(item["userId"]["N"]) for item in
                    batch_get(target.ddb, table, [item_key(f"EMAIL#{u['email']}", "EMAIL") for u in users])}
    users_by_id = {int(p["userId"]["N"]): name for name, p in profiles.items()}
    for user_id in ids:
        if user_id not in users_by_id and user_id not in tombstoned:
            problems.append(f"id {user_id} lost: neither a profile's userId nor a tombstone")
        if user_id in users_by_id and user_id in tombstoned:
            problems.append(f"id {user_id} is a tombstone and a profile's userId")
    for user_id, name in bound.items():
        profile = profiles.get(name)
        if profile is None or int(profile["userId"]["N"]) != user_id:
            problems.append(f"migrated id {user_id}: no profile USER#{name} naming it")
            continue
        email = profile.get("email", {}).get("S", "")
        if reservations.get(email) != user_id:
            problems.append(f"profile USER#{name}: EMAIL#{email} does not name id {user_id}")
        if not cognito_user_exists(target.idp, target.user_pool_id, name):
            problems.append(f"migrated id {user_id}: no Cognito user {name}")
    return problems
