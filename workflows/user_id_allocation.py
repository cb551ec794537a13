"""The user-id allocation: one rule for every state machine that hands out numeric user ids.

Why this module exists: signup and migrate_user both take ids from the one `COUNTER#userId` item and
must keep the same promise (docs/contracts.md): every id the counter hands out ends as a user or a
tombstone - also when the allocating UpdateItem times out and its write lands later. The states that
keep that promise are built here, once, by `states(site)`; each machine that allocates (`SITES`) holds
them in its asl/ file exactly as built, so asl/ stays complete, plain JSONPath that Step Functions
Local, statelint, `workflows validate`, editors and the CDK's IAM derivation read as they are.
`definitions.render()` refuses a machine whose copy differs (naming the state and the field), so a
hand edit cannot deploy a second rule; `python -m workflows.user_id_allocation` (`make asl`) writes
the copies after a change here.

Why not a shared sub-workflow: the parent's call to it could time out exactly like the UpdateItem,
leaving the parent without its id - the same hole one level up - and signup is Express, which cannot
wait for a child with `.sync`.

The rule:
1. AllocateUserId - ONE UpdateItem: `ADD` to the counter and record the new id under this execution's
   own attribute `alloc-<md5 of the execution id>`, only if that attribute does not exist yet. No
   read-then-write, so concurrent allocations never conflict; and idempotent per execution: a
   timed-out attempt that lands late finds the attribute and changes nothing.
2. Outcome unknown (States.Timeout, InternalServerError, or the condition: an earlier attempt of this
   execution landed) -> FenceAllocation sets the attribute to 0 unless it exists, then
   ReadSettledAllocation reads it back: 0 = nothing was taken (the machine's `not_allocated` state),
   else the id is ours (AdoptSettledId) and the flow goes on with it. Unsettleable -> a Fail named
   `<Machine>.AllocationUnsettled`.
3. Once the id is a user or a tombstone, ShouldReleaseAllocation/ReleaseAllocation remove the record
   of a prompt allocation (the counter item stays small: DynamoDB items stop at 400 KB). A settled
   record stays for good: it is the fence against that allocation's late-landing write.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

COUNTER_KEY: dict[str, Any] = {"pk": {"S": "COUNTER#userId"}, "sk": {"S": "COUNTER"}}
# This execution's allocation record: an attribute of the counter item, named after the execution.
RECORD_NAME = "States.Format('alloc-{}', States.Hash($$.Execution.Id, 'MD5'))"
TABLE = "${UsersTable}"
TIMEOUT_SECONDS = 5
THROTTLES = ["DynamoDB.ProvisionedThroughputExceededException", "DynamoDB.ThrottlingException",
             "DynamoDB.RequestLimitExceeded"]
# Besides States.Timeout, an UpdateItem that failed with one of these may still have applied (or, for the
# condition, an earlier attempt of this execution did).
UNKNOWN_OUTCOME = ["DynamoDB.InternalServerErrorException", "DynamoDB.ConditionalCheckFailedException"]

ALLOCATION_STATES = ("AllocateUserId", "FenceAllocation", "ReadSettledAllocation", "JudgeSettledAllocation",
                     "AdoptSettledId", "AllocationUnsettled")
RELEASE_STATES = ("ShouldReleaseAllocation", "ReleaseAllocation")
GROUPS = (ALLOCATION_STATES, RELEASE_STATES)  # each group stays together, in this order, in the asl/ file


@dataclass(frozen=True)
class AllocationSite:
    """Where one machine's own states meet the shared ones."""

    machine: str
    error_prefix: str  # the machine's error names: <prefix>.AllocationUnsettled
    allocated: str  # goes on with $.allocation.userId, this execution's id
    not_allocated: str  # no id was taken; $.failure says why
    after_release: str  # after ShouldReleaseAllocation (entered once the id is a user or a tombstone)


SITES: dict[str, AllocationSite] = {
    site.machine: site for site in (
        AllocationSite("signup", "Signup", allocated="ReserveEmailAndWriteProfile",
                       not_allocated="AllocationFailed", after_release="RespondToCaller"),
        AllocationSite("migrate_user", "MigrateUser", allocated="ProfileKey",
                       not_allocated="RecordAllocationFailure", after_release="AfterRelease"),
    )
}


def _retry(errors: list[str]) -> list[dict[str, Any]]:
    return [{"ErrorEquals": errors, "IntervalSeconds": 1, "MaxAttempts": 4, "BackoffRate": 2.0,
             "MaxDelaySeconds": 8, "JitterStrategy": "FULL"}]


def states(site: AllocationSite) -> dict[str, dict[str, Any]]:
    """The shared states, wired to `site`'s own states; keys in file order (see GROUPS)."""
    record = {"#mine.$": RECORD_NAME}
    def catch(errors: list[list[str]], result_path: str, target: str) -> list[dict[str, Any]]:
        return [{"ErrorEquals": e, "ResultPath": result_path, "Next": target} for e in errors]

    # States.Timeout is named before every catch-all, so the timeout path is visible (asl rules)
    unsettled = catch([["States.Timeout"], ["States.ALL"]], "$.settleFailure", "AllocationUnsettled")
    return {
        "AllocateUserId": {
            "Type": "Task",
            "Comment": "ONE atomic update (shared rule: workflows/user_id_allocation.py): ADD to the counter and "
                       "record the new id under this execution's own attribute, only if that attribute does not "
                       "exist yet. So the allocation is idempotent per execution: an attempt that timed out and "
                       "lands late finds the attribute (set by FenceAllocation or by itself) and changes nothing. "
                       "No read-then-write: concurrent allocations never conflict or retry.",
            "Resource": "arn:aws:states:::dynamodb:updateItem",
            "Parameters": {
                "TableName": TABLE, "Key": COUNTER_KEY,
                "UpdateExpression": "ADD #value :one SET #mine = if_not_exists(#value, :zero) + :one",
                "ConditionExpression": "attribute_not_exists(#mine)",
                "ExpressionAttributeNames": {"#value": "value", **record},
                "ExpressionAttributeValues": {":one": {"N": "1"}, ":zero": {"N": "0"}},
                "ReturnValues": "UPDATED_NEW",
            },
            "ResultSelector": {"userId.$": "$.Attributes.value.N", "recordHeld": True},
            "ResultPath": "$.allocation",
            "TimeoutSeconds": TIMEOUT_SECONDS,
            "Retry": _retry(THROTTLES),
            "Catch": [*catch([["States.Timeout"], UNKNOWN_OUTCOME], "$.failure", "FenceAllocation"),
                      *catch([["States.ALL"]], "$.failure", site.not_allocated)],
            "Next": site.allocated,
        },
        "FenceAllocation": {
            "Type": "Task",
            "Comment": "The allocation's outcome is unknown (it timed out, or DynamoDB failed ambiguously): set "
                       "this execution's allocation record to 0 unless the update landed. From then on a "
                       "late-landing attempt fails its condition, so the record says for good whether an id was "
                       "taken, and which.",
            "Resource": "arn:aws:states:::dynamodb:updateItem",
            "Parameters": {
                "TableName": TABLE, "Key": COUNTER_KEY,
                "UpdateExpression": "SET #mine = if_not_exists(#mine, :unallocated)",
                "ExpressionAttributeNames": record,
                "ExpressionAttributeValues": {":unallocated": {"N": "0"}},
            },
            "ResultPath": None,
            "TimeoutSeconds": TIMEOUT_SECONDS,
            "Retry": _retry([*THROTTLES, "States.Timeout"]),
            "Catch": unsettled,
            "Next": "ReadSettledAllocation",
        },
        "ReadSettledAllocation": {
            "Type": "Task",
            "Comment": "Only after the fence: read back this execution's record (0 = nothing allocated, else our id).",
            "Resource": "arn:aws:states:::dynamodb:getItem",
            "Parameters": {"TableName": TABLE, "Key": COUNTER_KEY, "ProjectionExpression": "#mine",
                           "ExpressionAttributeNames": record, "ConsistentRead": True},
            "ResultSelector": {"ids.$": "$.Item.*.N"},
            "ResultPath": "$.settledAllocation",
            "TimeoutSeconds": TIMEOUT_SECONDS,
            "Retry": _retry([*THROTTLES, "States.Timeout"]),
            "Catch": unsettled,
            "Next": "JudgeSettledAllocation",
        },
        "JudgeSettledAllocation": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.settledAllocation.ids[0]", "IsPresent": False, "Next": "AllocationUnsettled"},
                        {"Variable": "$.settledAllocation.ids[0]", "StringEquals": "0", "Next": site.not_allocated}],
            "Default": "AdoptSettledId",
        },
        "AdoptSettledId": {
            "Type": "Pass",
            "Comment": "The timed-out update did land: the id is ours and the flow goes on with it (settled: its "
                       "record stays, as the fence).",
            "Parameters": {"userId.$": "$.settledAllocation.ids[0]", "settled": True},
            "ResultPath": "$.allocation",
            "Next": site.allocated,
        },
        "AllocationUnsettled": {
            "Type": "Fail",
            "Error": f"{site.error_prefix}.AllocationUnsettled",
            "Cause": "the user id allocation had an unknown outcome and could not be settled "
                     "(FenceAllocation/ReadSettledAllocation failed); the counter item's alloc-<md5 of the "
                     "execution id> attribute tells whether an id was taken",
        },
        "ShouldReleaseAllocation": {
            "Type": "Choice",
            "Comment": "Entered once the id is a user or a tombstone. A prompt allocation's record is released "
                       "(once); a settled one keeps its record as the fence against its own late-landing "
                       "attempt; an id this execution did not allocate here has no record.",
            "Choices": [{"And": [{"Variable": "$.allocation.recordHeld", "IsPresent": True},
                                 {"Variable": "$.allocation.released", "IsPresent": False}],
                         "Next": "ReleaseAllocation"}],
            "Default": site.after_release,
        },
        "ReleaseAllocation": {
            "Type": "Task",
            "Comment": "Remove this execution's allocation record from the counter item (keeps the item small); "
                       "a failure here loses nothing.",
            "Resource": "arn:aws:states:::dynamodb:updateItem",
            "Parameters": {"TableName": TABLE, "Key": COUNTER_KEY, "UpdateExpression": "REMOVE #mine",
                           "ExpressionAttributeNames": record, "ConditionExpression": "attribute_exists(pk)"},
            "ResultSelector": {"at.$": "$$.State.EnteredTime"},
            "ResultPath": "$.allocation.released",
            "TimeoutSeconds": TIMEOUT_SECONDS,
            "Retry": _retry(THROTTLES),
            "Catch": catch([["States.Timeout"], ["States.ALL"]], "$.releaseFailure", site.after_release),
            "Next": site.after_release,
        },
    }


def problems(machine: str, definition: dict[str, Any]) -> list[str]:
    """How `definition`'s copy of the shared states differs from `states()` (empty: it does not)."""
    site = SITES.get(machine)
    if site is None:
        return []
    found = definition.get("States", {})
    out = []
    for name, expected in states(site).items():
        state = found.get(name)
        if state is None:
            out.append(f"state {name!r} is missing")
            continue
        fields = sorted({*expected, *state}, key=lambda f: (f not in expected, f))
        diff = [f for f in fields if state.get(f) != expected.get(f)]
        if diff:
            out.append(f"state {name!r}, field {diff[0]}: {json.dumps(state.get(diff[0]))[:200]}, the shared rule "
                       f"has {json.dumps(expected.get(diff[0]))[:200]}")
    return out


def with_shared_states(machine: str, definition: dict[str, Any]) -> dict[str, Any]:
    """`definition` with its copy of the shared states replaced by `states()`: each group where its first
    state present in the file stood (appended at the end if none is there yet), the other states in place."""
    shared = states(SITES[machine])
    old = definition["States"]
    new: dict[str, Any] = {}
    for name, state in old.items():
        group = next((g for g in GROUPS if name in g), None)
        if group is None:
            new[name] = state
        elif group[0] not in new:
            new.update({n: shared[n] for n in group})
    for group in GROUPS:
        new.update({n: shared[n] for n in group if n not in new})
    return {**definition, "States": new}


def write(machine: str, path: Path) -> bool:
    """Rewrite asl/<machine>.asl.json with the shared states; True if the file changed."""
    text = path.read_text(encoding="utf-8")
    updated = json.dumps(with_shared_states(machine, json.loads(text)), indent=2) + "\n"
    if updated == text:
        return False
    path.write_text(updated, encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workflows.user_id_allocation",
                                     description="Write the shared user-id allocation states into asl/.")
    parser.add_argument("--check", action="store_true", help="only report machines whose copy differs")
    args = parser.parse_args(argv)
    from workflows import definitions

    stale = 0
    for machine in SITES:
        path = definitions.asl_path(machine)
        if args.check:
            found = problems(machine, json.loads(path.read_text(encoding="utf-8")))
            stale += bool(found)
            for problem in found:
                print(f"{path}: {problem}")
        elif write(machine, path):
            print(f"wrote {path}")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
