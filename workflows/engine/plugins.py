"""What the engine finds in other packages without importing them: entry points (pyproject.toml).

Why: the engine sits below the testing package, yet two of its public methods are implemented there -
reading a MockConfigFile (`task_mocks`) and the TestState API's request checks (mock results against
botocore's models, `StepFunctions.test_state`). A package registers the implementation under an entry
point group; the engine loads it by group name, so no engine module imports `workflows.testing`.
"""
from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any, Callable

TASK_MOCKS = "workflows.task_mocks"  # (path or mapping) -> task_mocks.TaskMocks
TEST_STATE = "workflows.test_state"  # (client, **TestState request) -> TestState response


def plugin(group: str) -> Callable[..., Any]:
    """The callable registered under `group` (the first by entry point name)."""
    found = sorted(entry_points(group=group), key=lambda point: point.name)
    if not found:
        raise RuntimeError(f"no package registers a '{group}' entry point (is the workflows package installed?)")
    return found[0].load()
