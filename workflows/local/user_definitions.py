"""`workflows up --definitions DIR`: the user's own state machines, created when the stack starts.

Every ``*.asl.json`` directly in DIR becomes one state machine, named after its file and created as
AWS would (the same engine checks as CreateStateMachine):

  greet.asl.json            -> "greet", STANDARD
  orders.express.asl.json   -> "orders", EXPRESS    (the ``.express`` suffix picks the type)

The text is used verbatim (no ``${Placeholder}`` substitution: that is the project's own asl/ files'
convention, not the user's), with the role ``arn:aws:iam::<account>:role/<name>-role``. All files are
checked before any machine is created; when one is wrong, `up` refuses to start and names every
problem as file, state and field (what `workflows validate` prints), so nothing is half-created.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SUFFIX = ".asl.json"
EXPRESS_SUFFIX = ".express.asl.json"


class DefinitionsError(ValueError):
    """--definitions DIR cannot be used as given; the message names every file and problem."""


@dataclass(frozen=True)
class UserDefinition:
    path: Path
    name: str
    type: str  # STANDARD | EXPRESS
    text: str


def discover(directory: str | Path) -> list[UserDefinition]:
    """The definitions in `directory`, sorted by name; a DefinitionsError for an unusable directory."""
    root = Path(directory)
    if not root.is_dir():
        raise DefinitionsError(f"--definitions {directory}: not a directory")
    found: list[UserDefinition] = []
    problems: list[str] = []
    for path in sorted(root.glob(f"*{SUFFIX}")):
        express = path.name.endswith(EXPRESS_SUFFIX)
        name = path.name[: -len(EXPRESS_SUFFIX if express else SUFFIX)]
        try:
            text = path.read_text()
        except (OSError, UnicodeDecodeError) as error:
            problems.append(f"{path}: cannot read ({error})")
            continue
        found.append(UserDefinition(path, name, "EXPRESS" if express else "STANDARD", text))
    if not found and not problems:
        raise DefinitionsError(f"--definitions {directory}: no *{SUFFIX} files in it "
                               f"(name them NAME{SUFFIX}, or NAME{EXPRESS_SUFFIX} for an Express machine)")
    seen: dict[str, Path] = {}
    for definition in found:
        if definition.name in seen:
            problems.append(f"{definition.path}: state machine name {definition.name!r} is also "
                            f"{seen[definition.name]}")
        seen[definition.name] = definition.path
    if problems:
        raise DefinitionsError("\n".join(problems))
    return found


def create_all(engine: Any, definitions: list[UserDefinition], account_id: str,
               taken: dict[str, str]) -> dict[str, str]:
    """Create every definition on `engine` (the StepFunctions facade); name -> ARN.

    `taken` are the stack's own machines (name -> ARN): a file with one of their names is refused
    rather than silently replacing the project's workflow. Every problem is collected first.
    """
    problems: list[str] = []
    for definition in definitions:
        if definition.name in taken:
            problems.append(f"{definition.path}: {definition.name!r} is one of the stack's own state machines "
                            f"({', '.join(sorted(taken))}); rename the file")
            continue
        problems.extend(_problems(definition))
    if problems:
        raise DefinitionsError("\n".join(problems))
    created: dict[str, str] = {}
    for definition in definitions:
        try:
            response = engine.create_state_machine(
                name=definition.name, definition=definition.text, type=definition.type,
                roleArn=f"arn:aws:iam::{account_id}:role/{definition.name}-role")
        except Exception as error:  # noqa: BLE001 - InvalidName, StateMachineAlreadyExists (a --state-dir copy)
            code = getattr(error, "response", {}).get("Error", {}).get("Code", type(error).__name__)
            if code == "StateMachineAlreadyExists":
                arn = engine.engine.machine_arn(definition.name)  # kept by --state-dir: the file wins
                engine.update_state_machine(stateMachineArn=arn, definition=definition.text)
                created[definition.name] = arn
                continue
            raise DefinitionsError(f"{definition.path}: {code}: {error}") from None
        created[definition.name] = response["stateMachineArn"]
    return created


def _problems(definition: UserDefinition) -> list[str]:
    """What CreateStateMachine would reject, one line each: file, state, field, message."""
    from workflows.engine import validate_definition

    if not validate_definition(definition.text, definition.type):
        return []
    from workflows.cli.validate import check_definition, describe

    try:
        json.loads(definition.text)
    except ValueError as error:
        return [f"{definition.path}: not JSON ({error})"]
    return [describe(dict(problem, file=str(definition.path)))
            for problem in check_definition(definition.text, definition.type) if problem["checker"] == "engine"]
