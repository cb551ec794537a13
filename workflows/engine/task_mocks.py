"""The mock hook: a Task's outcome taken from a test's mocks instead of its integration.

Why a protocol: the engine must not depend on the harness that tests with it. The engine defines
what it asks (`TaskMocks`) and the testing package implements it (Step Functions Local's
MockConfigFile, `workflows.testing.mock_config`). A mock config given as a file path or a mapping
(`StepFunctions(mock_config=...)`, or the path in SFN_MOCK_CONFIG, as Step Functions Local reads it)
is turned into a `TaskMocks` by the loader a package registers under the `workflows.task_mocks`
entry point (pyproject.toml), so the engine never imports the testing package and another harness
can plug in its own reader.
"""
from __future__ import annotations

import os
from typing import Any, Callable, Mapping, Protocol

from workflows.engine.plugins import TASK_MOCKS, plugin

ENV_VAR = "SFN_MOCK_CONFIG"


class MockedOutcome(Protocol):
    """One mocked invocation: `kind` "return" (`value`) or "throw" (`error`, `cause`)."""

    @property
    def kind(self) -> str: ...

    @property
    def value(self) -> Any: ...

    @property
    def error(self) -> str | None: ...

    @property
    def cause(self) -> str | None: ...


class TaskMocks(Protocol):
    """What the engine asks before running a Task integration of an execution started as
    "<stateMachineArn>#<TestCase>". The implementation counts invocations itself (per execution
    and state, consumed across retries)."""

    def mocked_result(self, *, state_machine_name: str, test_case: str, state_name: str,
                      execution_arn: str, resource: str, parameters: Any) -> MockedOutcome | None:
        """The outcome for this invocation, or None to run the real integration."""

    def check_definition(self, state_machine_name: str, definition: str) -> None:
        """Raise (naming state, response and field) if this machine's test cases do not fit it."""


MockSource = str | os.PathLike | Mapping[str, Any]


def load_task_mocks(source: TaskMocks | MockSource | None) -> TaskMocks | None:
    """`source` as a `TaskMocks`: itself when it already is one, else read by the registered
    loader; None (no mocks) when neither `source` nor SFN_MOCK_CONFIG names any."""
    if source is None:
        source = os.environ.get(ENV_VAR) or None
        if source is None:
            return None
    if isinstance(source, (str, os.PathLike, Mapping)):
        return _loader()(source)
    return source


def _loader() -> Callable[[MockSource], TaskMocks]:
    return plugin(TASK_MOCKS)
