"""State machine versions and aliases, and which revision an execution starts on.

- A version is a numbered, immutable snapshot of a revision (`revisions`):
  `arn:...:stateMachine:<name>:<n>`. Numbers start at 1 and only grow, also across deletions.
  Publishing the revision that already has a version returns that version (AWS's idempotency);
  `revisionId`, when given, must be the current revision's, else ConflictException. At most 1000
  versions per state machine (ServiceQuotaExceededException).
- An alias (`arn:...:stateMachine:<name>:<alias>`) routes StartExecution to one version, or splits
  it between two by weight (the weights sum to 100). The version is drawn from the engine's seeded
  RNG, so a seeded run is reproducible. At most 100 aliases per state machine. A version an alias
  routes to cannot be deleted (ConflictException naming the aliases).
- StartExecution / StartSyncExecution on a version or alias ARN run that version's revision;
  DescribeExecution and ListExecutions then show stateMachineVersionArn (and
  stateMachineAliasArn), and ListExecutions of a version or alias ARN lists only the executions
  started through it.

Deleting the state machine deletes its versions and aliases.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from workflows.engine import arns
from workflows.engine.api_core import ClientCore
from workflows.engine.api_errors import api_error
from workflows.engine.paging import paged
from workflows.engine.revisions import MachineRevision, describe
from workflows.engine.runtime import StateMachineRecord, to_datetime

MAX_VERSIONS = 1000
MAX_ALIASES = 100
ALIAS_NAME = re.compile(r"^(?=.*[a-zA-Z_\-.])[a-zA-Z0-9_\-.]{1,80}$")
NOT_FOUND = "Request references a resource that does not exist."


@dataclass
class Version:
    number: int
    arn: str
    revision: StateMachineRecord
    description: str | None
    created: float


@dataclass
class Alias:
    name: str
    arn: str
    description: str | None
    routing: list[dict[str, Any]]  # [{"stateMachineVersionArn": ..., "weight": ...}]
    created: float
    updated: float


@dataclass
class MachineVersions:
    """The versions and aliases of one state machine."""

    versions: dict[int, Version] = field(default_factory=dict)
    aliases: dict[str, Alias] = field(default_factory=dict)
    last_number: int = 0

    def version_of(self, revision: StateMachineRecord) -> Version | None:
        return next((v for v in self.versions.values() if v.revision is revision), None)

    def aliases_routing_to(self, version_arn: str) -> list[Alias]:
        return [a for a in self.aliases.values()
                if any(r["stateMachineVersionArn"] == version_arn for r in a.routing)]


@dataclass(frozen=True)
class StartTarget:
    """What a StartExecution ARN resolves to: the revision to run and how it was reached."""

    revision: StateMachineRecord
    version_arn: str | None = None
    alias_arn: str | None = None


class VersionOperations(ClientCore):
    _versions: dict[str, MachineVersions]  # by state machine ARN
    _started_via: dict[str, StartTarget]  # by execution ARN, for executions of a version/alias

    def _versions_of(self, machine_arn: str) -> MachineVersions:
        return self._versions.setdefault(machine_arn, MachineVersions())

    def _forget_versions(self, machine_arn: str) -> None:
        self._versions.pop(machine_arn, None)

    # ---- resolving ARNs ---------------------------------------------------------------------
    def _version(self, arn: Any) -> Version:
        found = arns.expect(arn, "stateMachine")
        entry = self._versions.get(found.base)
        version = entry.versions.get(int(found.qualifier)) if entry and found.is_version else None
        if version is None:
            raise api_error("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}'")
        return version

    def _alias(self, arn: Any) -> Alias:
        found = arns.expect(arn, "stateMachine")
        entry = self._versions.get(found.base)
        alias = entry.aliases.get(found.qualifier or "") if entry and found.is_alias else None
        if alias is None:
            raise api_error("ResourceNotFound", NOT_FOUND)
        return alias

    def _start_target(self, arn: Any) -> StartTarget:
        """The revision StartExecution runs for a machine, version or alias ARN."""
        machine = self._engine.machines.get(arn) if isinstance(arn, str) else None
        if machine is not None:  # the machine itself (the common case): its ARN was checked when created
            return StartTarget(machine)
        found = arns.expect(arn, "stateMachine")
        machine = self._engine.machines.get(found.base)
        if machine is None or found.is_map_state:
            raise api_error("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}'")
        if found.qualifier is None:
            return StartTarget(machine)
        if found.is_version:
            version = self._version(arn)
            return StartTarget(version.revision, version.arn)
        entry = self._versions.get(found.base)
        alias = entry.aliases.get(found.qualifier) if entry else None
        if alias is None:
            raise api_error("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}'")
        route = self._pick_route(alias)
        return StartTarget(self._version(route).revision, route, alias.arn)

    def _pick_route(self, alias: Alias) -> str:
        draw = self._engine.rng.random() * 100
        total = 0
        for route in alias.routing:
            total += route["weight"]
            if draw < total:
                return route["stateMachineVersionArn"]
        return next(r["stateMachineVersionArn"] for r in reversed(alias.routing) if r["weight"] > 0)

    def _execution_links(self, execution_arn: str) -> dict[str, str]:
        """stateMachineVersionArn / stateMachineAliasArn for DescribeExecution and ListExecutions."""
        target = self._started_via.get(execution_arn)
        if target is None:
            return {}
        links = {"stateMachineVersionArn": target.version_arn} if target.version_arn else {}
        if target.alias_arn:
            links["stateMachineAliasArn"] = target.alias_arn
        return links

    def _started_through(self, execution_arn: str, arn: str) -> bool:
        """Whether the execution was started through the version or alias ARN `arn`."""
        target = self._started_via.get(execution_arn)
        return target is not None and arn in (target.version_arn, target.alias_arn)

    # ---- versions ---------------------------------------------------------------------------
    def _publish(self, machine: StateMachineRecord, description: str | None) -> Version:
        entry = self._versions_of(machine.arn)
        existing = entry.version_of(machine)
        if existing is not None:
            return existing
        if len(entry.versions) >= MAX_VERSIONS:
            raise api_error("ServiceQuotaExceededException",
                            f"The state machine '{machine.arn}' already has {MAX_VERSIONS} versions, the "
                            f"maximum: delete unused versions with DeleteStateMachineVersion")
        entry.last_number += 1
        version = Version(entry.last_number, f"{machine.arn}:{entry.last_number}", machine, description,
                          self._now())
        entry.versions[version.number] = version
        return version

    def publish_state_machine_version(self, *, stateMachineArn: str, revisionId: str | None = None,
                                      description: str | None = None) -> dict[str, Any]:
        with self._lock:
            found = arns.expect(stateMachineArn, "stateMachine")
            machine = self._engine.machines.get(stateMachineArn) if found.qualifier is None else None
            if machine is None:
                raise api_error("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{stateMachineArn}'")
            current = machine.revision_id if isinstance(machine, MachineRevision) else None
            if revisionId is not None and revisionId != current:
                raise api_error("ConflictException",
                                f"Failed to publish the State Machine version for revision {revisionId}. "
                                f"The current State Machine revision is {current}.")
            version = self._publish(machine, description)
            return {"creationDate": to_datetime(version.created), "stateMachineVersionArn": version.arn}

    def list_state_machine_versions(self, *, stateMachineArn: str, nextToken: str | None = None,
                                    maxResults: int | None = None) -> dict[str, Any]:
        found = arns.expect(stateMachineArn, "stateMachine")
        with self._lock:
            entry = self._versions.get(found.base) if found.qualifier is None else None
            versions = sorted(entry.versions.values(), key=lambda v: -v.number) if entry else []
            items = [{"stateMachineVersionArn": v.arn, "creationDate": to_datetime(v.created)} for v in versions]
        return paged("stateMachineVersions", items, maxResults, nextToken)

    def delete_state_machine_version(self, *, stateMachineVersionArn: str) -> dict[str, Any]:
        found = arns.expect(stateMachineVersionArn, "stateMachine")
        if not found.is_version:
            raise api_error("ValidationException",
                            f"Invalid version ARN: '{stateMachineVersionArn}' (expected "
                            f"arn:<partition>:states:<region>:<account>:stateMachine:<name>:<version number>)")
        with self._lock:
            entry = self._versions.get(found.base)
            if entry is None or int(found.qualifier or 0) not in entry.versions:
                return {}  # AWS: deleting a version that is gone already succeeds
            routed = entry.aliases_routing_to(stateMachineVersionArn)
            if routed:
                raise api_error("ConflictException",
                                "Version to be deleted must not be referenced by an alias. Current list of "
                                f"aliases referencing this version: [{', '.join(a.name for a in routed)}]")
            del entry.versions[int(found.qualifier or 0)]
            return {}

    def _describe_version(self, arn: str) -> dict[str, Any]:
        version = self._version(arn)
        return describe(version.revision, version.arn, version.created, version.description)

    # ---- aliases ----------------------------------------------------------------------------
    def _routing(self, routing: Any) -> list[dict[str, Any]]:
        """A checked routingConfiguration: 1-2 distinct versions of one existing state machine,
        weights 0-100 summing to 100."""
        if not isinstance(routing, list) or not 1 <= len(routing) <= 2 or not all(
                isinstance(r, dict) and isinstance(r.get("weight"), int) for r in routing):
            raise api_error("ValidationException",
                            f"routingConfiguration must list 1 or 2 {{stateMachineVersionArn, weight}} "
                            f"entries, got {routing!r}")
        targets = [r.get("stateMachineVersionArn") for r in routing]
        parsed = [arns.parse(t) for t in targets]
        if not all(p is not None and p.resource_type == "stateMachine" and p.is_version for p in parsed):
            raise api_error("ValidationException", "Routing configuration must contain state machine version "
                                                   f"ARNs. Received: [{', '.join(map(str, targets))}]")
        if len(set(targets)) != len(targets):
            raise api_error("ValidationException", "Routing configuration must contain distinct state machine "
                                                   f"version ARNs. Received: [{', '.join(targets)}]")
        weights = [r["weight"] for r in routing]
        for index, weight in enumerate(weights, start=1):
            if not 0 <= weight <= 100:
                raise api_error("ValidationException",
                                f"1 validation error detected: Value '{weight}' at 'routingConfiguration.{index}."
                                f"member.weight' failed to satisfy constraint: Member must have value "
                                f"{'less than or equal to 100' if weight > 100 else 'greater than or equal to 0'}")
        if sum(weights) != 100:
            raise api_error("ValidationException", "Sum of routing configuration weights must equal 100. "
                                                   f"Received: [{', '.join(map(str, weights))}]")
        if len({p.base for p in parsed if p is not None}) != 1:
            raise api_error("ValidationException", "Routing configuration must contain versions of the same "
                                                   f"state machine. Received: [{', '.join(targets)}]")
        for target in targets:
            try:
                self._version(target)
            except Exception:
                raise api_error("ResourceNotFound", NOT_FOUND) from None
        return [{"stateMachineVersionArn": t, "weight": w} for t, w in zip(targets, weights)]

    def create_state_machine_alias(self, *, name: str, routingConfiguration: list[dict[str, Any]],
                                   description: str | None = None) -> dict[str, Any]:
        if not isinstance(name, str) or not ALIAS_NAME.match(name):
            raise api_error("ValidationException",
                            f"1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: "
                            f"Member must satisfy regular expression pattern: ^(?=.*[a-zA-Z_\\-\\.])[a-zA-Z0-9_\\-\\.]+$")
        with self._lock:
            routing = self._routing(routingConfiguration)
            machine_arn = arns.expect(routing[0]["stateMachineVersionArn"], "stateMachine").base
            entry = self._versions_of(machine_arn)
            existing = entry.aliases.get(name)
            if existing is not None:
                if existing.routing == routing and existing.description == description:
                    return {"stateMachineAliasArn": existing.arn, "creationDate": to_datetime(existing.created)}
                raise api_error("ConflictException", "Failed to create alias because an alias with the same "
                                                     "name and a different routing configuration already exists.")
            if len(entry.aliases) >= MAX_ALIASES:
                raise api_error("ServiceQuotaExceededException",
                                f"The state machine '{machine_arn}' already has {MAX_ALIASES} aliases, the maximum")
            now = self._now()
            alias = Alias(name, f"{machine_arn}:{name}", description, routing, now, now)
            entry.aliases[name] = alias
            return {"stateMachineAliasArn": alias.arn, "creationDate": to_datetime(alias.created)}

    def describe_state_machine_alias(self, *, stateMachineAliasArn: str) -> dict[str, Any]:
        with self._lock:
            alias = self._alias(stateMachineAliasArn)
            response: dict[str, Any] = {"stateMachineAliasArn": alias.arn, "name": alias.name}
            if alias.description is not None:
                response["description"] = alias.description
            response.update({"routingConfiguration": [dict(r) for r in alias.routing],
                             "creationDate": to_datetime(alias.created), "updateDate": to_datetime(alias.updated)})
            return response

    def update_state_machine_alias(self, *, stateMachineAliasArn: str, description: str | None = None,
                                   routingConfiguration: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        if description is None and routingConfiguration is None:
            raise api_error("ValidationException", "Either the description or the routingConfiguration must be "
                                                   "specified to update a state machine alias")
        with self._lock:
            alias = self._alias(stateMachineAliasArn)
            if routingConfiguration is not None:
                routing = self._routing(routingConfiguration)
                if arns.expect(routing[0]["stateMachineVersionArn"], "stateMachine").base != \
                        arns.expect(alias.arn, "stateMachine").base:
                    raise api_error("ValidationException",
                                    "Routing configuration must contain versions of the alias's state machine. "
                                    f"Received: [{', '.join(r['stateMachineVersionArn'] for r in routing)}]")
                alias.routing = routing
            if description is not None:
                alias.description = description
            alias.updated = self._now()
            return {"updateDate": to_datetime(alias.updated)}

    def delete_state_machine_alias(self, *, stateMachineAliasArn: str) -> dict[str, Any]:
        found = arns.expect(stateMachineAliasArn, "stateMachine")
        if not found.is_alias:
            raise api_error("ValidationException", f"Invalid alias ARN: '{stateMachineAliasArn}'")
        with self._lock:
            entry = self._versions.get(found.base)
            if entry is not None:
                entry.aliases.pop(found.qualifier or "", None)
            return {}

    def list_state_machine_aliases(self, *, stateMachineArn: str, nextToken: str | None = None,
                                   maxResults: int | None = None) -> dict[str, Any]:
        found = arns.expect(stateMachineArn, "stateMachine")
        with self._lock:
            if found.is_alias or self._engine.machines.get(found.base) is None:
                raise api_error("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{stateMachineArn}'")
            entry = self._versions.get(found.base) or MachineVersions()
            if found.is_version:
                self._version(stateMachineArn)
                aliases = entry.aliases_routing_to(stateMachineArn)
            else:
                aliases = list(entry.aliases.values())
            items = [{"stateMachineAliasArn": a.arn, "creationDate": to_datetime(a.created)} for a in aliases]
        return paged("stateMachineAliases", items, maxResults, nextToken, invalid_token="Invalid Token: 'Invalid token'")
