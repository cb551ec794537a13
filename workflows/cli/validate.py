"""`workflows validate FILE...`: the engine's definition checks, offline, one verdict per file.

asl/ files carry `${Placeholder}`s inside JSON strings; they are filled with sample values of the
right shape (ARNs, names) before validation, as `definitions.render` would fill them for a
deployment, so the check sees what Step Functions would see.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .errors import CliError

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z][A-Za-z0-9_]*)\}")
SAMPLE_VALUES = {
    "UsersTable": "users", "UserPoolId": "us-east-1_example", "EventBusName": "default",
    "CreateProfileStateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:create_profile",
    "MigrateUserStateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:migrate_user",
    "AccountId": "123456789012", "Region": "us-east-1", "Partition": "aws",
}


def fill_placeholders(text: str) -> str:
    return _PLACEHOLDER.sub(lambda m: SAMPLE_VALUES.get(m.group(1), f"sample-{m.group(1)}"), text)


def validate_files(paths: list[str]) -> list[dict[str, Any]]:
    """[{file, valid, problems: [{code, message, location}]}] for each path."""
    from workflows.engine.parser import validate_definition

    results = []
    for name in paths:
        path = Path(name)
        try:
            text = path.read_text()
        except OSError as error:
            raise CliError(f"{name}: cannot read ({error.strerror})") from None
        problems = [{"code": d.code, "message": d.message, "location": d.location}
                    for d in validate_definition(fill_placeholders(text))]
        results.append({"file": name, "valid": not problems, "problems": problems})
    return results
