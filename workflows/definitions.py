"""The one `${Placeholder}` substitution over `asl/*.asl.json`.

Why this module exists: the CDK app and the local stack must deploy byte-for-byte the same state
machine text, so both call `render()` here instead of each doing its own string replacement. A
placeholder left unfilled would reach Step Functions as a literal `${UsersTable}` and fail only at
run time, far from the cause; `render()` refuses it up front, naming the placeholder and the file.

Placeholders in use (documented in docs/contracts.md):
- `UsersTable`                  DynamoDB table name (signup, create_profile, guard, migrate_user)
- `UserPoolId`                  Cognito user pool id (signup, migrate_user)
- `EventBusName`                EventBridge bus the guard notifies (guard)
- `MigrateUserStateMachineArn`  the migrate_user machine, started once per user (migrate_batch)
- `GroupGrants`                 who may grant which groups (signup), JSON text from api/routes.json
                                (workflows.group_grants); filled from there unless a caller passes it
- `CreateProfileStateMachineArn`, `AccountId`, `Region`, `Partition` are reserved names; no
  machine needs them today (the guard derives the child's execution ARN from the child's own
  state machine ARN, which stays right across partitions and accounts).

Machines that allocate user ids hold the shared allocation states of `workflows.user_id_allocation`
(one rule for signup and migrate_user); `render()` refuses a machine whose copy differs from it, naming
the state and the field, so no hand edit deploys a second rule.

Values are inserted JSON-escaped because every placeholder sits inside a JSON string; CDK tokens
(`${Token[...]}`) pass through unchanged and are resolved by CDK afterwards. Substitution is one
pass, so text inserted by a value is never substituted again.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from workflows import user_id_allocation

ASL_DIR: Path = Path(__file__).resolve().parent.parent / "asl"

# asl/<name>.asl.json; migrate_batch is the Map over a batch of users that starts migrate_user.
MACHINES: tuple[str, ...] = ("signup", "create_profile", "guard", "migrate_user", "migrate_batch")

# Which machines run as Express (started synchronously by API Gateway); the rest are Standard.
MACHINE_TYPES: dict[str, str] = {
    "signup": "EXPRESS",
    "create_profile": "STANDARD",
    "guard": "STANDARD",
    "migrate_user": "STANDARD",
    "migrate_batch": "STANDARD",
}

KNOWN_PLACEHOLDERS: frozenset[str] = frozenset(
    {
        "UsersTable",
        "UserPoolId",
        "EventBusName",
        "CreateProfileStateMachineArn",
        "MigrateUserStateMachineArn",
        "AccountId",
        "Region",
        "Partition",
        "GroupGrants",
    }
)


def _group_grants() -> str:
    from workflows import group_grants

    return group_grants.load().placeholder_value()


# Placeholders whose value is data of this repo rather than a deployed resource: render() fills them
# from their one source when the caller does not pass them, so every renderer deploys the same table.
DATA_PLACEHOLDERS: dict[str, Callable[[], str]] = {"GroupGrants": _group_grants}

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z][A-Za-z0-9_]*)\}")


class DefinitionError(ValueError):
    """An asl/ file is unknown or cannot be rendered with the parameters given."""


class MissingPlaceholderError(DefinitionError, KeyError):
    """A `${Name}` in an asl/ file has no value in the parameters given."""

    def __init__(self, placeholder: str, path: Path) -> None:
        self.placeholder = placeholder
        self.path = path
        super().__init__(f"placeholder ${{{placeholder}}} in {path} has no value; pass {placeholder}=...")

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return self.args[0]


def asl_path(name: str) -> Path:
    """Path of asl/<name>.asl.json; unknown names are refused with the list of known ones."""
    if name not in MACHINES:
        raise DefinitionError(f"unknown state machine {name!r}; known: {', '.join(MACHINES)}")
    return ASL_DIR / f"{name}.asl.json"


def source(name: str) -> str:
    """The raw asl/ text, placeholders unsubstituted."""
    return asl_path(name).read_text(encoding="utf-8")


def placeholders(name: str) -> set[str]:
    """Names of every `${Placeholder}` used by asl/<name>.asl.json."""
    return set(_PLACEHOLDER.findall(source(name)))


def render(name: str, params: Mapping[str, str]) -> str:
    """The exact definition text that is deployed: every `${Name}` replaced by `params[Name]`.

    DATA_PLACEHOLDERS missing from `params` are filled from their source (api/routes.json).
    Raises MissingPlaceholderError (naming the placeholder and the file) when a value is missing,
    and DefinitionError when a value is not a string or the file's copy of the shared user-id
    allocation states differs from `workflows.user_id_allocation`. Extra parameters are ignored, so callers can
    pass one mapping for all machines.
    """
    path = asl_path(name)
    text = path.read_text(encoding="utf-8")
    if name in user_id_allocation.SITES:
        drift = user_id_allocation.problems(name, json.loads(text))
        if drift:
            raise DefinitionError(f"{path}: differs from the shared user-id allocation (workflows/user_id_allocation.py; "
                                  f"`make asl` writes it): " + "; ".join(drift))
    used = set(_PLACEHOLDER.findall(text))
    missing_data = [p for p in used if p in DATA_PLACEHOLDERS and p not in params]
    if missing_data:
        params = {**params, **{p: DATA_PLACEHOLDERS[p]() for p in missing_data}}
    for placeholder in sorted(used):
        if placeholder not in params:
            raise MissingPlaceholderError(placeholder, path)
        value = params[placeholder]
        if not isinstance(value, str):
            raise DefinitionError(
                f"placeholder ${{{placeholder}}} in {path} needs a string, got {type(value).__name__}: {value!r}"
            )

    def substitute(match: re.Match[str]) -> str:
        return json.dumps(params[match.group(1)])[1:-1]

    return _PLACEHOLDER.sub(substitute, text)


def load(name: str, params: Mapping[str, str]) -> dict[str, Any]:
    """The rendered definition parsed as JSON (for tools that want the structure)."""
    return json.loads(render(name, params))


def render_all(params: Mapping[str, str]) -> dict[str, str]:
    """Every machine rendered with one parameter mapping, keyed by machine name."""
    return {name: render(name, params) for name in MACHINES}
