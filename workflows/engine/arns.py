"""Step Functions ARNs as the API reads them, and AWS's InvalidArn wording.

Every operation that takes an ARN first checks its shape the way AWS does: text that is no ARN at
all is refused with "Invalid ARN prefix", an ARN of the wrong resource type (an execution ARN where
a state machine is wanted, an Express execution, a map run) with "Resource type not valid in this
context: <type>". What a state machine ARN's qualifier means is decided here once:

    arn:aws:states:us-east-1:123456789012:stateMachine:orders          the state machine
    arn:aws:states:us-east-1:123456789012:stateMachine:orders:3        version 3
    arn:aws:states:us-east-1:123456789012:stateMachine:orders:PROD     alias PROD
    arn:aws:states:us-east-1:123456789012:stateMachine:orders/Label    a Distributed Map's runs

Alias names must contain a letter, '_', '-' or '.', so an all-digit qualifier is always a version.
"""
from __future__ import annotations

from dataclasses import dataclass

from workflows.engine.api_errors import SfnClientError, api_error


@dataclass(frozen=True, slots=True)
class StatesArn:
    """A parsed `arn:<partition>:states:<region>:<account>:<type>:<rest>`."""

    text: str
    resource_type: str  # stateMachine, execution, express, activity, mapRun
    resource: str  # everything after the type, qualifiers included

    @property
    def base(self) -> str:
        """The state machine ARN without a version/alias qualifier or test-case suffix."""
        prefix = self.text[: len(self.text) - len(self.resource)]
        return prefix + self.resource.split("#", 1)[0].split(":", 1)[0]

    @property
    def qualifier(self) -> str | None:
        """'3' for a version ARN, 'PROD' for an alias ARN, None for the state machine itself."""
        name, _, qualifier = self.resource.split("#", 1)[0].partition(":")
        return qualifier or None

    @property
    def is_version(self) -> bool:
        return self.qualifier is not None and self.qualifier.isdigit()

    @property
    def is_alias(self) -> bool:
        return self.qualifier is not None and not self.qualifier.isdigit()

    @property
    def is_map_state(self) -> bool:
        """`stateMachine:<name>/<label>`: the Distributed Map's "state machine" of a map run."""
        return "/" in self.resource.split(":", 1)[0]


def parse(arn: object) -> StatesArn | None:
    if not isinstance(arn, str):
        return None
    parts = arn.split(":", 6)
    if len(parts) != 7 or parts[0] != "arn" or parts[2] != "states" or not parts[6]:
        return None
    return StatesArn(arn, parts[5], parts[6])


def invalid_arn(arn: object) -> SfnClientError:
    found = parse(arn)
    if found is None:
        return api_error("InvalidArn", f"Invalid Arn: 'Invalid ARN prefix: {arn}'")
    return api_error("InvalidArn", f"Invalid Arn: 'Resource type not valid in this context: {found.resource_type}'")


def expect(arn: object, *resource_types: str) -> StatesArn:
    """`arn` parsed, or AWS's InvalidArn when it is no ARN of one of `resource_types`."""
    found = parse(arn)
    if found is None or found.resource_type not in resource_types:
        raise invalid_arn(arn)
    return found


def state_machine_arn(partition: str, region: str, account: str, name: str) -> str:
    return f"arn:{partition}:states:{region}:{account}:stateMachine:{name}"
