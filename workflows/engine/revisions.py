"""State machine revisions: what UpdateStateMachine makes and versions pin.

A revision is immutable. UpdateStateMachine that changes anything (definition, role, logging,
tracing, encryption) makes a new revision with a new revisionId and makes it the machine's
current one; an update that changes nothing keeps the current revision (and its id), as on AWS.
The first revision, made by CreateStateMachine, has no revisionId (AWS reports none until the
first update).

Because a revision never changes, an execution simply keeps the revision it started on: running
executions go on with the definition and role they started with, DescribeStateMachineForExecution
reports that revision, and a version is a pinned revision. All revisions of one machine share one
list of executions (ListExecutions of the machine lists every one of them).
"""
from __future__ import annotations

from typing import Any

from workflows.engine.runtime import StateMachineRecord, to_datetime


class MachineRevision(StateMachineRecord):
    """A `StateMachineRecord` that also carries its revision id, date and encryption settings."""

    __slots__ = ("revision_id", "updated", "encryption")

    def __init__(self, arn: str, name: str, definition_text: str, program: Any, role_arn: str, type_: str,
                 created: float, logging: dict[str, Any], tracing: dict[str, Any],
                 encryption: dict[str, Any] | None, revision_id: str | None = None,
                 updated: float | None = None) -> None:
        super().__init__(arn, name, definition_text, program, role_arn, type_, created, logging, tracing)
        self.encryption = encryption
        self.revision_id = revision_id
        self.updated = created if updated is None else updated

    def settings(self) -> tuple[Any, ...]:
        """What an update compares: equal settings mean no new revision."""
        return (self.definition_text, self.role_arn, self.logging, self.tracing, self.encryption)

    def revised(self, *, definition_text: str, program: Any, role_arn: str, logging: dict[str, Any],
                tracing: dict[str, Any], encryption: dict[str, Any] | None, revision_id: str,
                updated: float) -> MachineRevision:
        revision = MachineRevision(self.arn, self.name, definition_text, program, role_arn, self.type,
                                   self.created, logging, tracing, encryption, revision_id, updated)
        revision.executions = self.executions  # one history of executions across revisions
        return revision


def revision_of(record: StateMachineRecord) -> MachineRevision | None:
    return record if isinstance(record, MachineRevision) else None


def describe(record: StateMachineRecord, arn: str | None = None, created: float | None = None,
             description: str | None = None) -> dict[str, Any]:
    """DescribeStateMachine's answer for the machine (or, with `arn`, `created` and `description`,
    for one of its versions)."""
    revision = revision_of(record)
    response: dict[str, Any] = {
        "stateMachineArn": arn or record.arn, "name": record.name, "status": "ACTIVE",
        "definition": record.definition_text, "roleArn": record.role_arn, "type": record.type,
        "creationDate": to_datetime(record.created if created is None else created),
        "loggingConfiguration": record.logging or {"level": "OFF", "includeExecutionData": False},
        "tracingConfiguration": record.tracing or {"enabled": False},
    }
    if revision is not None and revision.revision_id:
        response["revisionId"] = revision.revision_id
    if description:
        response["description"] = description
    if revision is not None and revision.encryption is not None:
        response["encryptionConfiguration"] = dict(revision.encryption)
    return response


def describe_for_execution(record: StateMachineRecord) -> dict[str, Any]:
    """DescribeStateMachineForExecution: the revision the execution runs."""
    revision = revision_of(record)
    response: dict[str, Any] = {
        "stateMachineArn": record.arn, "name": record.name, "definition": record.definition_text,
        "roleArn": record.role_arn,
        "updateDate": to_datetime(revision.updated if revision is not None else record.created),
        "loggingConfiguration": record.logging or {"level": "OFF", "includeExecutionData": False},
        "tracingConfiguration": record.tracing or {"enabled": False},
    }
    if revision is not None and revision.revision_id:
        response["revisionId"] = revision.revision_id
    if revision is not None and revision.encryption is not None:
        response["encryptionConfiguration"] = dict(revision.encryption)
    return response
