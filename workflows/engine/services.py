"""What running states need from the engine around them, as one small protocol.

Why: state handlers used to reach through `frame.execution.engine.<x>` for the clock, the RNG, the
boto3 clients, task tokens and the integrations, which tied every handler to the one `Engine` class.
Handlers now ask `frame.services` for exactly this protocol, so the same handlers run an execution
(`executions.Engine` implements it) and a single TestState evaluation (`inspection.InspectionServices`
implements it with a private virtual clock and the TestState mock in place of the integration).
"""
from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from workflows.engine.aws_behaviour import AwsBehaviour
    from workflows.engine.integrations import ClientProvider, ResourceRef
    from workflows.engine.model import TaskState
    from workflows.engine.runtime import Execution, Frame
    from workflows.engine.scheduler import Scheduler
    from workflows.engine.task_mocks import MockedOutcome
    from workflows.engine.tokens import TokenRegistry


class Services(Protocol):
    scheduler: Scheduler  # the clock (now, sleep_until) and the coroutines (spawn, pause, blocking)
    rng: random.Random  # seedable: task tokens, retry jitter, generated names
    clients: ClientProvider  # boto3 clients for the integrations
    behaviour: AwsBehaviour  # which era of AWS behaviour to follow
    tokens: TokenRegistry  # task tokens (.waitForTaskToken, activities)
    region: str
    account_id: str
    activities: dict[str, Any]

    @property
    def arn_prefix(self) -> str:
        """"arn:<partition>:states:<region>:<account>" - the start of every ARN the engine makes."""

    def mocked_result(self, execution: Execution, state: TaskState, params: Any) -> MockedOutcome | None:
        """The mocked outcome of this Task invocation, or None to run its integration."""

    async def run_integration(self, ref: ResourceRef, params: Any, frame: Frame, state: TaskState,
                              token: str | None, events: Any) -> Any:
        """Run the Task's integration (its result, or a StatesError)."""
