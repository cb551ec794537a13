"""pytest plugin (entry point `workflows`): one test module, three Step Functions targets.

Fixtures:
- `sfn_target`: "embedded" | "local" | "aws" (`--sfn-target`, else SFN_TARGET, else `local` when
  SFN_LOCAL_ENDPOINT is set, else embedded).
- `sfn`: a stepfunctions client for that target (a fresh embedded engine per test).
- `state_machine`: factory `state_machine(name_or_definition, *, params=None, type=None, name=None)`
  -> state machine ARN, rendered with the project's substitutions; deleted after the test on
  remote targets.
- `sfn_wait` / `sfn_path`: `wait_for_execution` and `execution_path` bound to `sfn`.
Marker `sfn_mock_config(path)`: the embedded engine loads that MockConfigFile (relative to the test
file; its sidecar <config>.expect.json sets the validation mode); other targets must have loaded it
themselves, as Step Functions Local does from SFN_MOCK_CONFIG.
- `sfn_mock_case`: a test that takes it runs once per test case of the marker's MockConfigFile
  (ids "<machine>/<case>"); each value is a `MockCase` (machine, name, input, expect from the
  sidecar).
- `sfn_replay(case)`: create the case's machine on the target under its mock-config name (reused
  when it exists), start "<arn>#<case>" with the sidecar's input, wait, and return a
  `runner.CaseResult` judged by the sidecar (`.passed`, `.problems`, `.path`, `.status`).
Marker `embedded_only(reason)`: the test needs the embedded engine (virtual clock, in-process
Lambdas); it is skipped on other targets with that reason.
It is registered as a `pytest11` entry point so a clone of the repo needs no conftest import.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

import pytest

from workflows.testing import clients, helpers  # light: loaded in every pytest run of the repo


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("workflows", "Step Functions test target")
    group.addoption("--sfn-target", choices=clients.TARGETS, default=None,
                    help="embedded (default), local (SFN_LOCAL_ENDPOINT) or aws; env SFN_TARGET")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "embedded_only(reason): needs the embedded engine (virtual clock, in-process Lambdas)")
    config.addinivalue_line(
        "markers", "sfn_mock_config(path): MockConfigFile the embedded `sfn` fixture loads")


def selected_target(config: pytest.Config) -> str:
    try:
        return clients.resolve_target(config.getoption("--sfn-target"))
    except clients.TargetError as error:
        raise pytest.UsageError(str(error)) from None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    target = selected_target(config)
    if target == "embedded":
        return
    for item in items:
        marker = item.get_closest_marker("embedded_only")
        if marker is not None:
            why = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "embedded engine only")
            item.add_marker(pytest.mark.skip(reason=f"cannot run on target {target!r}: {why}"))


@dataclass(frozen=True)
class MockCase:
    """One test case of a MockConfigFile, with its sidecar's input and expectation."""

    suite: Any  # workflows.testing.mock_files.MockSuite
    machine: str
    name: str

    @property
    def input(self) -> Any:
        return self.suite.case(self.machine, self.name).input

    @property
    def expect(self) -> Any:
        return self.suite.case(self.machine, self.name).expect

    def __str__(self) -> str:
        return f"{self.machine}/{self.name}"


def _mock_config_path(marker: pytest.Mark, test_file: Path) -> Path:
    if not marker.args:
        raise pytest.UsageError("sfn_mock_config needs the MockConfigFile's path")
    return test_file.parent / marker.args[0]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "sfn_mock_case" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("sfn_mock_config")
    if marker is None:
        raise pytest.UsageError(f"{metafunc.definition.nodeid}: sfn_mock_case needs "
                                "@pytest.mark.sfn_mock_config(PATH)")
    from workflows.testing.mock_files import load_suite

    suite = load_suite(_mock_config_path(marker, Path(str(metafunc.definition.path))))
    cases = [MockCase(suite, machine, name) for machine, name in suite.cases()]
    metafunc.parametrize("sfn_mock_case", cases, ids=[str(case) for case in cases])


@pytest.fixture
def sfn_replay(sfn: Any, sfn_target: str) -> Callable[[MockCase], Any]:
    from workflows.testing import runner

    arns: dict[str, str] = {}
    return lambda case: runner.replay_case(sfn, case.suite, case.machine, case.name, target=sfn_target,
                                           arns=arns)


@pytest.fixture(scope="session")
def sfn_target(pytestconfig: pytest.Config) -> str:
    return selected_target(pytestconfig)


@pytest.fixture
def sfn(sfn_target: str, request: pytest.FixtureRequest) -> Any:
    marker = request.node.get_closest_marker("sfn_mock_config")
    if marker is None or sfn_target != "embedded":
        return clients.sfn_client(sfn_target)
    return clients.sfn_client(sfn_target, mock_config=_mock_config_path(marker, request.path))


@pytest.fixture
def state_machine(sfn: Any, sfn_target: str) -> Iterator[Callable[..., str]]:
    from workflows.testing import machines  # lazy: pulls in workflows.definitions

    created: list[str] = []
    account = machines.account_of(sfn)
    region = getattr(getattr(sfn, "meta", None), "region_name", None) or clients.region()

    def create(source: str | Mapping[str, Any], *, params: Mapping[str, str] | None = None,
               type: str | None = None, name: str | None = None) -> str:
        values = {**machines.test_params(region, account), **(params or {})}
        base, definition = machines.definition_text(source, values)
        unique = name or (base if sfn_target == "embedded" else f"{base}-{uuid.uuid4().hex[:8]}")
        response = sfn.create_state_machine(
            name=unique, definition=definition, roleArn=machines.role_arn(account),
            type=type or machines.machine_type(base))
        created.append(response["stateMachineArn"])
        return response["stateMachineArn"]

    yield create
    if sfn_target != "embedded":
        for arn in created:
            try:
                sfn.delete_state_machine(stateMachineArn=arn)
            except Exception:  # noqa: BLE001 - cleanup must not mask the test's own result
                pass


@pytest.fixture
def sfn_wait(sfn: Any) -> Callable[..., dict]:
    return lambda execution_arn, **kw: helpers.wait_for_execution(sfn, execution_arn, **kw)


@pytest.fixture
def sfn_path(sfn: Any) -> Callable[[str], list[str]]:
    return lambda execution_arn: helpers.execution_path(sfn, execution_arn)
