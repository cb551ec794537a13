"""Create / Update / Describe / List / Delete StateMachine, and DescribeStateMachineForExecution.

CreateStateMachine parses the definition once with the engine's one checker (an invalid one is
AWS's InvalidDefinition), checks logging/tracing/encryption (`machine_settings`), keeps the tags
(`tags`) and, with publish=true, publishes version 1 (`versions`). Creating the same machine again
with identical settings returns it (AWS's idempotency); anything different is
StateMachineAlreadyExists.

UpdateStateMachine makes a new revision when something changed (`revisions`); publish=true
publishes the resulting current revision (the existing version when it is published already).
versionDescription without publish is AWS's ValidationException. Version and alias ARNs cannot be
updated (StateMachineDoesNotExist, as AWS answers).

DescribeStateMachine takes the machine's ARN or a version's.
"""
from __future__ import annotations

import uuid
from typing import Any

from workflows.engine import arns
from workflows.engine.api_core import check_name
from workflows.engine.api_errors import api_error
from workflows.engine.map_runs import child_run, processor_definition
from workflows.engine.machine_settings import (
    encryption_configuration, logging_configuration, tracing_configuration,
)
from workflows.engine.paging import paged
from workflows.engine.parser import DefinitionError, parse_definition
from workflows.engine.request_limits import check_definition, check_role_arn
from workflows.engine.revisions import MachineRevision, describe, describe_for_execution, revision_of
from workflows.engine.runtime import to_datetime
from workflows.engine.tags import TagStore, check_tags
from workflows.engine.versions import VersionOperations

MACHINE_TYPES = ("STANDARD", "EXPRESS")


def _parse(definition: Any, operation: str, machine_type: str) -> Any:
    try:
        return parse_definition(definition, machine_type)
    except DefinitionError as error:
        raise api_error("InvalidDefinition", str(error), operation) from None


def _version_description(publish: bool, description: str | None) -> None:
    if description is not None and not publish:
        raise api_error("ValidationException", "Version description can only be set when publish is true")


class StateMachineOperations(VersionOperations):
    _tags: TagStore

    def _check_mocks(self, name: str, definition: str) -> None:
        """With a mock config loaded, its test cases for this machine must fit the definition now
        (the harness's MockValidationError names state, response and field), not mid-run."""
        check = getattr(self._engine.mocker, "check_definition", None)  # optional for simple mockers
        if check is not None:
            check(name, definition)

    def create_state_machine(self, *, name: str, definition: str, roleArn: str, type: str = "STANDARD",
                             loggingConfiguration: dict[str, Any] | None = None,
                             tracingConfiguration: dict[str, Any] | None = None,
                             tags: list[dict[str, str]] | None = None, publish: bool = False,
                             versionDescription: str | None = None,
                             encryptionConfiguration: dict[str, Any] | None = None) -> dict[str, Any]:
        check_definition(definition)
        check_role_arn(roleArn)
        check_name(name)
        if type not in MACHINE_TYPES:
            raise api_error("ValidationException", f"Value '{type}' at 'type' failed to satisfy constraint: "
                                                   f"Member must satisfy enum value set: [STANDARD, EXPRESS]")
        _version_description(publish, versionDescription)
        check_tags(tags)
        logging = logging_configuration(loggingConfiguration)
        tracing = tracing_configuration(tracingConfiguration)
        encryption = None if encryptionConfiguration is None else encryption_configuration(encryptionConfiguration)
        program = _parse(definition, "CreateStateMachine", type)
        self._check_mocks(name, definition)
        with self._lock:
            arn = self._engine.machine_arn(name)
            machine = self._engine.machines.get(arn)
            if machine is not None:
                same = (machine.definition_text, machine.role_arn, machine.type, machine.logging,
                        machine.tracing) == (definition, roleArn, type, logging, tracing)
                if not same or getattr(machine, "encryption", None) != encryption:
                    raise api_error("StateMachineAlreadyExists", f"State Machine Already Exists: '{arn}'")
            else:
                machine = MachineRevision(arn, name, definition, program, roleArn, type, self._now(),
                                          logging, tracing, encryption)
                self._tags.add(arn, tags)
                self._engine.machines[arn] = machine
            response: dict[str, Any] = {"stateMachineArn": arn, "creationDate": to_datetime(machine.created)}
            if publish:
                response["stateMachineVersionArn"] = self._publish(machine, versionDescription).arn
            return response

    def update_state_machine(self, *, stateMachineArn: str, definition: str | None = None,
                             roleArn: str | None = None, loggingConfiguration: dict[str, Any] | None = None,
                             tracingConfiguration: dict[str, Any] | None = None, publish: bool = False,
                             versionDescription: str | None = None,
                             encryptionConfiguration: dict[str, Any] | None = None) -> dict[str, Any]:
        found = arns.expect(stateMachineArn, "stateMachine")
        if all(v is None for v in (definition, roleArn, loggingConfiguration, tracingConfiguration,
                                   encryptionConfiguration)):
            raise api_error("MissingRequiredParameter", "Either the definition, the role ARN, the "
                                                        "LoggingConfiguration, or the TracingConfiguration "
                                                        "must be specified")
        _version_description(publish, versionDescription)
        if definition is not None:
            check_definition(definition)
        if roleArn is not None:
            check_role_arn(roleArn)
        logging = None if loggingConfiguration is None else logging_configuration(loggingConfiguration)
        tracing = None if tracingConfiguration is None else tracing_configuration(tracingConfiguration)
        encryption = None if encryptionConfiguration is None else encryption_configuration(encryptionConfiguration)
        known = self._engine.machines.get(stateMachineArn)  # its type never changes; Express rules apply to it
        program = None if definition is None else _parse(definition, "UpdateStateMachine",
                                                         getattr(known, "type", "STANDARD"))
        with self._lock:
            current = self._engine.machines.get(stateMachineArn) if found.qualifier is None else None
            if current is None:
                raise api_error("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{stateMachineArn}'")
            if definition is not None:
                self._check_mocks(current.name, definition)
            revision = revision_of(current) or MachineRevision(
                current.arn, current.name, current.definition_text, current.program, current.role_arn,
                current.type, current.created, current.logging, current.tracing, None)
            revision.executions = current.executions
            wanted = (definition if definition is not None else revision.definition_text,
                      roleArn if roleArn is not None else revision.role_arn,
                      logging if logging is not None else revision.logging,
                      tracing if tracing is not None else revision.tracing,
                      encryption if encryption is not None else revision.encryption)
            now = self._now()
            if wanted != revision.settings() or revision is not current:
                revision = revision.revised(
                    definition_text=wanted[0], program=program if program is not None else revision.program,
                    role_arn=wanted[1], logging=wanted[2], tracing=wanted[3], encryption=wanted[4], updated=now,
                    revision_id=str(uuid.UUID(int=self._engine.rng.getrandbits(128), version=4)))
                self._engine.machines[current.arn] = revision
            response: dict[str, Any] = {"updateDate": to_datetime(now)}
            if revision.revision_id:
                response["revisionId"] = revision.revision_id
            if publish:
                response["stateMachineVersionArn"] = self._publish(revision, versionDescription).arn
            return response

    def describe_state_machine(self, *, stateMachineArn: str, includedData: str | None = None) -> dict[str, Any]:
        found = arns.expect(stateMachineArn, "stateMachine")
        with self._lock:
            if found.is_version:
                return self._describe_version(stateMachineArn)
            machine = self._engine.machines.get(stateMachineArn) if found.qualifier is None else None
            if machine is None:
                raise api_error("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{stateMachineArn}'")
            return describe(machine)

    def list_state_machines(self, *, maxResults: int | None = None, nextToken: str | None = None) -> dict[str, Any]:
        with self._lock:
            items = [{"stateMachineArn": m.arn, "name": m.name, "type": m.type,
                      "creationDate": to_datetime(m.created)} for m in self._engine.machines.values()]
        return paged("stateMachines", items, maxResults, nextToken)

    def delete_state_machine(self, *, stateMachineArn: str) -> dict[str, Any]:
        found = arns.expect(stateMachineArn, "stateMachine")
        if found.is_map_state:
            raise api_error("ValidationException", f"Cannot delete the state machine of a Distributed Map state: "
                                                   f"'{stateMachineArn}'")
        with self._lock:
            if found.is_version:
                return self.delete_state_machine_version(stateMachineVersionArn=stateMachineArn)
            if found.is_alias:
                return self.delete_state_machine_alias(stateMachineAliasArn=stateMachineArn)
            self._engine.machines.pop(stateMachineArn, None)
            self._forget_versions(stateMachineArn)
            self._tags.drop(stateMachineArn)
            return {}

    def describe_state_machine_for_execution(self, *, executionArn: str,
                                             includedData: str | None = None) -> dict[str, Any]:
        with self._lock:
            execution = self._any_execution(executionArn)
            run = child_run(execution)
            if run is not None:  # a map run's child workflow: the Map state's processor
                response = describe_for_execution(execution.machine)
                response.update({"definition": processor_definition(run), "mapRunArn": run.arn,
                                 "label": run.label, "stateMachineArn": run.machine_arn})
                return response
            if execution.express:
                raise arns.invalid_arn(executionArn)
            return describe_for_execution(execution.machine)
