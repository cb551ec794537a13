"""`workflows test MOCKCONFIG [--case NAME]`: run every test case of a Step Functions Local mock
config against its state machine and report cases, states visited and final status.

The MockConfigFile stays exactly AWS's format; what the run needs besides comes from its sidecar,
<config>.expect.json (`mock_sidecar`, `mock_files`): each case's input (default {}) and expected
status / error / cause / output / path (default: SUCCEEDED), and for a machine that is not in asl/
its definition file. Each `StateMachines.<name>` is created under that name, because Step Functions
Local finds a test case by the state machine's name ("<arn>#<TestCase>").
A case fails when its outcome differs from what is expected, or when the mock config does not fit
the machine (validation names the state and field). Exit code: 0 all passed, 1 a case failed,
2 the config could not be used.

Targets: the embedded engine (default), or any Step Functions endpoint (`local`: SFN_LOCAL_ENDPOINT,
e.g. Step Functions Local started with SFN_MOCK_CONFIG naming the same file). There, machines are
created as STANDARD whatever their deployed type, because the path comes from
GetExecutionHistory, which AWS and Step Functions Local keep for Standard executions only.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from workflows.testing import clients, helpers, machines, mock_sidecar
from workflows.testing.mock_config import MockConfigError
from workflows.testing.mock_files import MockSuite, load_suite


@dataclass
class CaseResult:
    machine: str
    case: str
    status: str
    path: list[str] = field(default_factory=list)
    error: str | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems


def run_mock_config(path: str | Path | MockSuite, case: str | None = None, console: Any = None,
                    target: str = "embedded", show_progress: bool | None = None) -> int:
    """Run the cases, print a rich table (and a progress bar for more than 3 cases); exit code."""
    from rich.console import Console

    from rich.markup import escape

    console = console or Console()
    try:
        suite = path if isinstance(path, MockSuite) else load_suite(path)
        plan = suite.cases(case)
    except (OSError, ValueError) as error:  # MockConfigError is a ValueError
        console.print(f"[red]cannot use mock config {escape(str(path))}: {escape(str(error))}[/red]")
        return 2
    results = _run(plan, suite, target, console, show_progress)
    _report(results, console)
    return 0 if all(r.passed for r in results) else 1


def main(mock_config: str | Path | MockSuite | Sequence[str | Path | MockSuite], case: str | None = None,
         as_json: bool = False, target: str | None = None) -> int:
    """Entry point of `workflows test`: a table per mock config file (or, with `as_json`, one JSON
    document for all of them). Exit 0 if every case passed, 1 if one failed, 2 if a file is unusable.
    Items may be loaded suites (e.g. with `MockSuite.with_definitions`) as well as paths."""
    given = [mock_config] if isinstance(mock_config, (str, Path, MockSuite)) else list(mock_config)
    paths: list[Path | MockSuite] = [item for item in given if isinstance(item, MockSuite)] + config_paths(
        [item for item in given if not isinstance(item, MockSuite)])
    chosen = clients.resolve_target(target)
    if not as_json:
        return max(run_mock_config(path, case, target=chosen) for path in paths)
    records = []
    for path in paths:
        shown = path.config_path if isinstance(path, MockSuite) else path
        try:
            results = run_cases(path, case, chosen)
        except (OSError, ValueError) as error:
            print(json.dumps({"error": str(error), "mockConfig": str(shown)}))
            return 2
        records += [{"mockConfig": str(shown), "stateMachine": r.machine, "testCase": r.case,
                     "status": r.status, "error": r.error, "path": r.path, "passed": r.passed,
                     "problems": r.problems} for r in results]
    print(json.dumps(records, indent=2))
    return 0 if all(r["passed"] for r in records) else 1


def config_paths(paths: Sequence[str | Path]) -> list[Path]:
    """The MockConfigFiles meant: a sidecar stands for its config, and is dropped when that config is
    named too (`tests/mocks/*.json` matches both files of every pair). Other repeats are kept."""
    given = {Path(path) for path in paths}
    return [mock_sidecar.config_path_for(path) for path in paths
            if not (mock_sidecar.is_sidecar(path) and mock_sidecar.config_path_for(path) in given)]


def run_cases(path: str | Path | MockSuite, case: str | None = None, target: str = "embedded") -> list[CaseResult]:
    """The same run without printing (for tests and other tools)."""
    suite = path if isinstance(path, MockSuite) else load_suite(path)
    return _run(suite.cases(case), suite, target, None, False)


def _run(plan: list[tuple[str, str]], suite: MockSuite, target: str, console: Any,
         show_progress: bool | None) -> list[CaseResult]:
    if target == "embedded":
        sfn = clients.sfn_client(target, mock_config=suite.mocker)
    else:
        sfn = clients.sfn_client(target)
    account = machines.account_of(sfn)
    region = getattr(sfn, "region_name", None) or clients.region()
    arns: dict[str, str] = {}
    results: list[CaseResult] = []
    progress = None
    if console is not None and (show_progress or (show_progress is None and len(plan) > 3)):
        from rich.progress import Progress

        progress = Progress(console=console, transient=True)
        progress.start()
        task = progress.add_task(f"mock config {suite.config_path.name}", total=len(plan))
    try:
        for machine, case in plan:
            results.append(replay_case(sfn, suite, machine, case, target=target, arns=arns,
                                       region=region, account=account))
            if progress is not None:
                progress.advance(task)
    finally:
        if progress is not None:
            progress.stop()
    return results


def replay_case(sfn: Any, suite: MockSuite, machine: str, case: str, *, target: str = "embedded",
                arns: dict[str, str] | None = None, region: str | None = None,
                account: str | None = None) -> CaseResult:
    """Run one test case on `sfn` ("<arn>#<case>" with the sidecar's input) and judge it by the
    sidecar's expectation. `arns` caches machines already created on `sfn` (created when absent)."""
    arns = {} if arns is None else arns
    region = region or getattr(sfn, "region_name", None) or clients.region()
    account = account or machines.account_of(sfn)
    spec = suite.case(machine, case)
    try:
        if machine not in arns:
            arns[machine] = create_machine(sfn, suite, machine, region, account, target)
        started = sfn.start_execution(stateMachineArn=f"{arns[machine]}#{case}", input=json.dumps(spec.input))
        described = helpers.wait_for_execution(sfn, started["executionArn"])
        result = CaseResult(machine, case, described["status"],
                            helpers.execution_path(sfn, started["executionArn"]), described.get("error"))
    except Exception as error:  # noqa: BLE001 - one broken case must not hide the others
        return CaseResult(machine, case, "ERROR", problems=[str(error)])
    result.problems.extend(spec.expect.problems(described, result.path))
    return result


def definition_for(suite: MockSuite, machine: str, region: str, account: str) -> tuple[str, str]:
    """(type, definition text) of a machine: the sidecar's definition file, else asl/<machine>
    rendered with the project's test substitutions."""
    spec = suite.sidecar.machine(machine)
    if spec.definition is not None:
        try:
            definition = spec.definition.read_text(encoding="utf-8")
        except OSError as exc:
            raise MockConfigError(
                f"{suite.sidecar.source}: StateMachines.{machine}.definition {spec.definition}: "
                f"{exc.strerror}") from exc
        return spec.type or "STANDARD", definition
    _, definition = machines.definition_text(machine, machines.test_params(region, account))
    return spec.type or machines.machine_type(machine), definition


def create_machine(sfn: Any, suite: MockSuite, machine: str, region: str, account: str,
                   target: str = "embedded") -> str:
    """Create `machine` under its mock-config name (checking the mocks against its definition
    first) and return its ARN. On an endpoint that already has a machine of that name (a second
    run, or `workflows up`'s own machines) it is updated to this definition and reused, keeping
    its type."""
    kind, definition = definition_for(suite, machine, region, account)
    suite.mocker.check_definition(machine, definition)
    kind = kind if target == "embedded" else "STANDARD"  # see the module doc
    role = machines.role_arn(account)
    try:
        return sfn.create_state_machine(name=machine, definition=definition, roleArn=role,
                                        type=kind)["stateMachineArn"]
    except Exception as error:  # noqa: BLE001 - botocore's ClientError or the engine's own
        if _error_code(error) != "StateMachineAlreadyExists" or target == "embedded":
            raise
    arn = next(m["stateMachineArn"] for page in sfn.get_paginator("list_state_machines").paginate()
               for m in page["stateMachines"] if m["name"] == machine)
    # its type cannot change; an EXPRESS one (`workflows up` creates signup so) is used as it is,
    # which works where the endpoint keeps Express history (ours does; AWS does not)
    sfn.update_state_machine(stateMachineArn=arn, definition=definition, roleArn=role)
    return arn


def _error_code(error: Exception) -> str | None:
    response = getattr(error, "response", None)
    return response.get("Error", {}).get("Code") if isinstance(response, dict) else None


def _report(results: list[CaseResult], console: Any) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="mock config test cases")
    for column in ("state machine", "test case", "states visited", "status", "result"):
        table.add_column(column)
    for r in results:
        # problems, errors and state names are free text: escaped so "[/x]" in a cause is no markup
        verdict = "[green]PASS[/green]" if r.passed else "[red]FAIL[/red]\n" + escape("\n".join(r.problems))
        status = r.status + (f"\n{escape(r.error)}" if r.error else "")
        table.add_row(escape(r.machine), escape(r.case), escape(" → ".join(r.path)), status, verdict)
    console.print(table)
    failed = sum(not r.passed for r in results)
    console.print(f"{len(results) - failed} passed, {failed} failed")
