"""IAM needs of a state machine, read from its asl/ source (placeholders still in place).

Why: least privilege must follow the definitions, not a hand-kept list that drifts when a state is
added. Each Task's Resource gives the exact IAM action; the placeholder in its parameters
(`${UsersTable}`, `${UserPoolId}`, `${EventBusName}`, `${...StateMachineArn}`) gives the resource it
acts on, which the CDK stack maps to that resource's ARN. An integration this module does not know is
refused with the state's name, so a new one forces an explicit IAM decision. No aws_cdk import here:
it is plain analysis, testable without a synth.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterator

from workflows import definitions

# Targets that are not placeholders.
DYNAMIC_CHILD = "dynamic-child"  # StateMachineArn.$ from input: the stack decides which machines
SYNC_RULE = "sync-events-rule"  # the managed rule .sync integrations create to watch children
EXECUTIONS_OF = "executions:"  # prefix: executions of the machine named after it (DescribeExecution...)

_RESOURCE = re.compile(
    r"^arn:aws:states:::(?:(?P<sdk>aws-sdk):)?(?P<service>[a-z0-9-]+):(?P<action>[A-Za-z0-9]+)"
    r"(?P<pattern>\.sync(?::2)?|\.waitForTaskToken)?$"
)
_PLACEHOLDER = re.compile(r"^\$\{([A-Za-z][A-Za-z0-9_]*)\}$")
_OPTIMIZED_DYNAMODB = {"getItem", "putItem", "updateItem", "deleteItem"}
_TRANSACT = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem"}


class UnsupportedIntegration(ValueError):
    """A Task resource (or its target) that this module cannot turn into exact IAM permissions."""


@dataclass(frozen=True, order=True)
class Need:
    """One IAM action on one target (a placeholder name or one of the constants above)."""

    action: str
    target: str


def _tasks(states: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, state in states.items():
        if state.get("Type") == "Task":
            yield name, state
        for branch in state.get("Branches", []):
            yield from _tasks(branch["States"])
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if processor:
            yield from _tasks(processor["States"])


def _target(state_name: str, parameters: dict[str, Any], field: str) -> str:
    if f"{field}.$" in parameters:
        return DYNAMIC_CHILD
    value = parameters.get(field)
    match = _PLACEHOLDER.match(value) if isinstance(value, str) else None
    if not match:
        raise UnsupportedIntegration(
            f"state {state_name!r}: Parameters.{field} must be a ${{Placeholder}} (or a .$ path for a child "
            f"machine) so its IAM resource is known, got {value!r}"
        )
    return match.group(1)


def _pascal(action: str) -> str:
    return action[:1].upper() + action[1:]


def _dynamodb(state_name: str, sdk: bool, action: str, parameters: dict[str, Any]) -> set[Need]:
    if action == "transactWriteItems":
        items = parameters.get("TransactItems")
        if not isinstance(items, list):
            raise UnsupportedIntegration(f"state {state_name!r}: TransactItems must be a literal list, got {items!r}")
        needs = set()
        for index, item in enumerate(items):
            (kind, body), = item.items()
            if kind not in _TRANSACT:
                raise UnsupportedIntegration(f"state {state_name!r}: TransactItems[{index}] has unknown {kind!r}")
            needs.add(Need(f"dynamodb:{_TRANSACT[kind]}", _target(state_name, body, "TableName")))
        return needs
    if not sdk and action not in _OPTIMIZED_DYNAMODB:
        raise UnsupportedIntegration(f"state {state_name!r}: dynamodb:{action} is not an optimized integration")
    return {Need(f"dynamodb:{_pascal(action)}", _target(state_name, parameters, "TableName"))}


def needs_of_definition(definition: dict[str, Any]) -> set[Need]:
    """Every (action, target) the definition's Tasks need."""
    needs: set[Need] = set()
    for state_name, state in _tasks(definition["States"]):
        resource = state.get("Resource", "")
        match = _RESOURCE.match(resource)
        if not match:
            raise UnsupportedIntegration(f"state {state_name!r}: Resource {resource!r} is not a known integration")
        sdk, service, action, pattern = bool(match["sdk"]), match["service"], match["action"], match["pattern"]
        parameters = state.get("Parameters") or {}
        if service == "dynamodb":
            needs |= _dynamodb(state_name, sdk, action, parameters)
        elif service == "cognitoidentityprovider" and sdk:
            needs.add(Need(f"cognito-idp:{_pascal(action)}", _target(state_name, parameters, "UserPoolId")))
        elif service == "events" and action == "putEvents" and not sdk:
            for entry in parameters.get("Entries", []):
                needs.add(Need("events:PutEvents", _target(state_name, entry, "EventBusName")))
        elif service == "states" and action == "startExecution" and not sdk:
            child = _target(state_name, parameters, "StateMachineArn")
            needs.add(Need("states:StartExecution", child))
            if pattern and pattern.startswith(".sync"):
                needs |= {Need("states:DescribeExecution", EXECUTIONS_OF + child),
                          Need("states:StopExecution", EXECUTIONS_OF + child)}
                needs |= {Need(f"events:{a}", SYNC_RULE) for a in ("PutTargets", "PutRule", "DescribeRule")}
        else:
            raise UnsupportedIntegration(f"state {state_name!r}: no IAM mapping for Resource {resource!r}")
    return needs


def needs_of(name: str) -> set[Need]:
    """IAM needs of asl/<name>.asl.json."""
    return needs_of_definition(json.loads(definitions.source(name)))
