"""What the operation modules (tags, activities, versions, map runs, redrive, ...) share with the
client: the engine, its lock and the lookups every operation starts with.

`StepFunctions` (the client) inherits every `*Operations` mixin; each mixin inherits this class so
its methods are typed against the same core. The lookups raise AWS's errors: InvalidArn for an ARN
of the wrong shape (see `arns`), XDoesNotExist for one that names nothing.
"""
from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING, Any

from workflows.engine import arns
from workflows.engine.api_errors import api_error

if TYPE_CHECKING:
    from workflows.engine.runtime import Execution, StateMachineRecord


# AWS's Name shape: 1-80 characters, none of whitespace, brackets, wildcards, the listed
# punctuation or control characters (U+0000-001F, U+007F-009F).
_NAME_RE = re.compile(r"^[^\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]{1,80}$")


def check_name(name: Any) -> None:
    """A state machine, activity or execution name as AWS accepts it, else InvalidName."""
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise api_error("InvalidName", f"Invalid Name: '{name}'")


class ClientCore:
    region_name: str
    account_id: str
    _engine: Any  # the Engine (typed loosely: the engine package is mid-rename)
    _lock: threading.RLock

    def _base_machine(self, arn: Any) -> StateMachineRecord:
        """The state machine an unqualified (or version/alias) ARN belongs to."""
        found = arns.expect(arn, "stateMachine")
        machine = self._engine.machines.get(found.base)
        if machine is None:
            raise api_error("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}'")
        return machine

    def _any_execution(self, arn: Any) -> Execution:
        """A Standard execution (or a map run's child), by ARN."""
        arns.expect(arn, "execution")
        execution = self._engine.executions.get(arn)
        if execution is None:
            raise api_error("ExecutionDoesNotExist", f"Execution Does Not Exist: '{arn}'")
        return execution

    @property
    def _partition(self) -> str:
        return self._engine.partition

    def _now(self) -> float:
        return self._engine.scheduler.now()
