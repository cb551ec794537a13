"""After a load: did signup keep its promise for every id the run allocated?

signup's invariant (asl/signup.asl.json, docs/contracts.md): the counter hands out each id once;
every id allocated ends either as a user - profile ``USER#<id>``, email reservation
``EMAIL#<email>`` naming that id, Cognito user ``<id>`` - or as a tombstone ``TOMBSTONE#<id>``,
never both, never neither; nothing half-made is left behind.

Checked here for the ids between the counter's value before the run and after it (other callers'
signups meanwhile are held to the same rule), plus every email the run tried:
- ids unique: no two created signups answered the same id; each answered id is in the run's range;
- ids consecutive: every id of the range is accounted for - a user or a tombstone (an id that is
  neither is *lost*: the counter moved, nothing says why);
- no orphan profile: a profile has its email reservation (naming its id) and its Cognito user, and no
  tombstone beside it; a failed signup's email is not reserved for a tombstoned id.
Reads are key lookups (BatchGetItem, AdminGetUser), so the check costs O(run), not O(table).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable

from .driver import CREATED, RunResult
from .prefill import COUNTER_KEY
from .target import StackTarget

BATCH_GET = 100


@dataclass
class InvariantReport:
    first_id: int  # the range checked: first_id..last_id (empty when last_id < first_id)
    last_id: int
    users: int = 0
    tombstones: int = 0
    violations: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations

    def summary(self) -> str:
        span = f"ids {self.first_id}..{self.last_id}" if self.last_id >= self.first_id else "no ids allocated"
        verdict = "holds" if self.ok else f"VIOLATED ({len(self.violations)})"
        return f"{span}: {self.users} users, {self.tombstones} tombstones - invariant {verdict}"


def read_counter(target: StackTarget, ddb: Any = None) -> int:
    return read_counter_item(ddb or target.client("dynamodb"), target.users_table)


def read_counter_item(ddb: Any, table: str) -> int:
    """The last id the counter handed out (0 before the first)."""
    item = ddb.get_item(TableName=table, Key=COUNTER_KEY, ConsistentRead=True).get("Item")
    return int(item["value"]["N"]) if item and "value" in item else 0


def check(target: StackTarget, result: RunResult, counter_before: int, counter_after: int | None = None,
          limit: int = 20) -> InvariantReport:
    """The invariant for ids counter_before+1..counter_after and the run's emails (first `limit` problems)."""
    ddb = target.client("dynamodb", pool_size=4)
    idp = target.client("cognito-idp")
    after = read_counter(target, ddb) if counter_after is None else counter_after
    report = InvariantReport(counter_before + 1, after)
    ids = range(counter_before + 1, after + 1)
    problems: list[str] = []

    answered = Counter(o.user_id for o in result.created if o.user_id is not None)
    duplicates = sorted(i for i, n in answered.items() if n > 1)
    if duplicates:
        problems.append(f"ids answered to more than one signup: {duplicates[:10]}")
    outside = sorted(i for i in set(answered) if i not in ids)
    if outside:
        problems.append(f"ids answered outside the run's range {report.first_id}..{report.last_id}: {outside[:10]}")

    keys = [k for i in ids for k in (item_key(f"USER#{i}", "PROFILE"), item_key(f"TOMBSTONE#{i}", "TOMBSTONE"))]
    emails = {o.email for o in result.outcomes}
    found = batch_get(ddb, target.users_table, keys)
    profiles = {int(item["userId"]["N"]): item for item in found if item["sk"]["S"] == "PROFILE"}
    emails |= {p["email"]["S"] for p in profiles.values() if "email" in p}
    reservations = {item["pk"]["S"][len("EMAIL#"):]: int(item["userId"]["N"]) for item in
                    batch_get(ddb, target.users_table, [item_key(f"EMAIL#{e}", "EMAIL") for e in sorted(emails)])}
    tombstoned = {int(item["userId"]["N"]) for item in found if item["sk"]["S"] == "TOMBSTONE"}

    for user_id in ids:
        profile, tomb = profiles.get(user_id), user_id in tombstoned
        if profile is None and not tomb:
            problems.append(f"id {user_id} lost: neither a user nor a tombstone")
            continue
        if tomb:
            report.tombstones += 1
            if profile is not None:
                problems.append(f"id {user_id} is a tombstone and still has a profile (orphan profile)")
            if cognito_user_exists(idp, target.user_pool_id, str(user_id)):
                problems.append(f"id {user_id} is a tombstone and still has a Cognito user")
            continue
        report.users += 1
        email = profile.get("email", {}).get("S", "")
        if reservations.get(email) != user_id:
            problems.append(f"orphan profile USER#{user_id}: EMAIL#{email} "
                            + ("is missing" if email not in reservations else f"names id {reservations[email]}"))
        if not cognito_user_exists(idp, target.user_pool_id, str(user_id)):
            problems.append(f"orphan profile USER#{user_id}: no Cognito user {user_id}")
    for outcome in result.outcomes:
        reserved = reservations.get(outcome.email)
        if outcome.kind != CREATED and reserved is not None and reserved in tombstoned:
            problems.append(f"EMAIL#{outcome.email} is still reserved for tombstoned id {reserved}")
        if outcome.kind == CREATED and reserved != outcome.user_id:
            problems.append(f"signup {outcome.index} answered id {outcome.user_id} but EMAIL#{outcome.email} "
                            f"names {reserved}")
    if len(problems) > limit:
        problems = problems[:limit] + [f"... and {len(problems) - limit} more"]
    report.violations = problems
    return report


def item_key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def batch_get(ddb: Any, table: str, keys: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    keys, found = list(keys), []
    for start in range(0, len(keys), BATCH_GET):
        request: dict[str, Any] = {table: {"Keys": keys[start:start + BATCH_GET], "ConsistentRead": True}}
        while request:
            page = ddb.batch_get_item(RequestItems=request)
            found.extend(page.get("Responses", {}).get(table, []))
            request = page.get("UnprocessedKeys") or {}
    return found


def cognito_user_exists(idp: Any, pool_id: str, username: str) -> bool:
    try:
        idp.admin_get_user(UserPoolId=pool_id, Username=username)
        return True
    except Exception as error:  # UserNotFoundException is the answer; anything else is a real failure
        if getattr(error, "response", {}).get("Error", {}).get("Code") == "UserNotFoundException":
            return False
        raise
