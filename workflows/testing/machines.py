"""Creating the project's state machines on a test target, with the project's substitutions.

Definitions always go through `workflows.definitions.render` (the one substitution function the
CDK app and the local stack use), so a test runs the text that is deployed. Test parameter values
are placeholders for resources the test target provides; callers override any of them.
"""
from __future__ import annotations

import json
from typing import Any, Mapping

from workflows import definitions


def test_params(region: str, account_id: str, partition: str = "aws") -> dict[str, str]:
    """Values for every known placeholder; ARNs point at machines named after their asl/ file."""
    machine = f"arn:{partition}:states:{region}:{account_id}:stateMachine"
    return {
        "UsersTable": "workflows-users", "UserPoolId": f"{region}_workflows",
        "EventBusName": "default", "AccountId": account_id, "Region": region,
        "Partition": partition,
        "CreateProfileStateMachineArn": f"{machine}:create_profile",
        "MigrateUserStateMachineArn": f"{machine}:migrate_user",
    }


test_params.__test__ = False  # not a pytest test


def definition_text(source: str | Mapping[str, Any], params: Mapping[str, str]) -> tuple[str, str]:
    """(name, definition JSON) for an asl/ machine name or a definition given as dict/JSON text."""
    if isinstance(source, Mapping):
        return "machine", json.dumps(source)
    if source in definitions.MACHINES:
        return source, definitions.render(source, params)
    text = source.strip()
    if text.startswith("{"):
        return "machine", text
    raise definitions.DefinitionError(
        f"{source!r} is neither an asl/ machine ({', '.join(definitions.MACHINES)}) nor a JSON definition")


def machine_type(name: str) -> str:
    return definitions.MACHINE_TYPES.get(name, "STANDARD")


def role_arn(account_id: str, partition: str = "aws") -> str:
    return f"arn:{partition}:iam::{account_id}:role/workflows-test-execution"


def account_of(sfn: Any) -> str:
    """The account the client's ARNs live in (embedded engine attribute, else STS-free default)."""
    for attr in ("account_id", "_account_id"):
        value = getattr(sfn, attr, None)
        if isinstance(value, str):
            return value
    return "123456789012"
