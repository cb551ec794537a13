"""`workflows test MOCKCONFIG [--case NAME]`: run every test case of a Step Functions Local mock
config against its state machine and report cases, states visited and final status.

Each `StateMachines.<name>` must be an asl/ machine (rendered with the project's substitutions) or
have its definition path under "x-definitions". Optional keys Step Functions Local ignores:
- "x-inputs":  {<machine>: {<case>: <execution input>}}            (default {})
- "x-expect":  {<machine>: {<case>: {"status": "FAILED", "error": "...", "path": [...]}}}
  (default: status SUCCEEDED; `path` is the exact list of states entered)
A case fails when its final status, error or path differs from what is expected, or when the
mock config does not fit the machine (validation names the state and field). The exit code is the
number of failed cases, capped at 1 (0 = all passed, 2 = the config could not be used).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from workflows.testing import clients, helpers, machines
from workflows.testing.mock_config import MockConfigError, TaskMocker, load


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


def run_mock_config(path: str | Path, case: str | None = None, console: Any = None,
                    target: str = "embedded", show_progress: bool | None = None) -> int:
    """Run the cases, print a rich table (and a progress bar for more than 3 cases); exit code."""
    from rich.console import Console

    from rich.markup import escape

    console = console or Console()
    try:
        raw = json.loads(Path(path).read_text())
        mocker = load(path)
        plan = _plan(raw, mocker, case)
    except (OSError, ValueError) as error:  # MockConfigError is a ValueError
        console.print(f"[red]cannot use mock config {escape(str(path))}: {escape(str(error))}[/red]")
        return 2
    results = _run(plan, raw, mocker, path, target, console, show_progress)
    _report(results, console)
    return 0 if all(r.passed for r in results) else 1


def main(mock_config: str | Path | Sequence[str | Path], case: str | None = None, as_json: bool = False,
         target: str | None = None) -> int:
    """Entry point of `workflows test`: a table per mock config file (or, with `as_json`, one JSON
    document for all of them). Exit 0 if every case passed, 1 if one failed, 2 if a file is unusable."""
    paths = [mock_config] if isinstance(mock_config, (str, Path)) else list(mock_config)
    chosen = clients.resolve_target(target)
    if not as_json:
        return max(run_mock_config(path, case, target=chosen) for path in paths)
    records = []
    for path in paths:
        try:
            results = run_cases(path, case, chosen)
        except (OSError, ValueError) as error:
            print(json.dumps({"error": str(error), "mockConfig": str(path)}))
            return 2
        records += [{"mockConfig": str(path), "stateMachine": r.machine, "testCase": r.case,
                     "status": r.status, "error": r.error, "path": r.path, "passed": r.passed,
                     "problems": r.problems} for r in results]
    print(json.dumps(records, indent=2))
    return 0 if all(r["passed"] for r in records) else 1


def run_cases(path: str | Path, case: str | None = None, target: str = "embedded") -> list[CaseResult]:
    """The same run without printing (for tests and other tools)."""
    raw = json.loads(Path(path).read_text())
    mocker = load(path)
    return _run(_plan(raw, mocker, case), raw, mocker, path, target, None, False)


def _plan(raw: dict, mocker: TaskMocker, only: str | None) -> list[tuple[str, str]]:
    plan = [(machine, name) for machine, cases in mocker.test_cases.items() for name in cases
            if only is None or name == only]
    if not plan:
        known = sorted({n for cases in mocker.test_cases.values() for n in cases})
        raise MockConfigError(f"no test case {only!r} (have: {', '.join(known)})")
    return plan


def _run(plan: list[tuple[str, str]], raw: dict, mocker: TaskMocker, path: str | Path,
         target: str, console: Any, show_progress: bool | None) -> list[CaseResult]:
    sfn = clients.sfn_client(target, mock_config=mocker) if target == "embedded" else clients.sfn_client(target)
    account = machines.account_of(sfn)
    region = getattr(sfn, "region_name", None) or clients.region()
    arns: dict[str, str] = {}
    results: list[CaseResult] = []
    progress = None
    if console is not None and (show_progress or (show_progress is None and len(plan) > 3)):
        from rich.progress import Progress

        progress = Progress(console=console, transient=True)
        progress.start()
        task = progress.add_task(f"mock config {Path(path).name}", total=len(plan))
    try:
        for machine, case in plan:
            results.append(_one(sfn, mocker, raw, machine, case, arns, region, account, Path(path)))
            if progress is not None:
                progress.advance(task)
    finally:
        if progress is not None:
            progress.stop()
    return results


def _one(sfn: Any, mocker: TaskMocker, raw: dict, machine: str, case: str, arns: dict[str, str],
         region: str, account: str, config_path: Path) -> CaseResult:
    try:
        if machine not in arns:
            arns[machine] = _create(sfn, mocker, raw, machine, region, account, config_path)
        payload = raw.get("x-inputs", {}).get(machine, {}).get(case, {})
        started = sfn.start_execution(stateMachineArn=f"{arns[machine]}#{case}", input=json.dumps(payload))
        described = helpers.wait_for_execution(sfn, started["executionArn"])
        result = CaseResult(machine, case, described["status"],
                            helpers.execution_path(sfn, started["executionArn"]), described.get("error"))
    except Exception as error:  # noqa: BLE001 - one broken case must not hide the others
        return CaseResult(machine, case, "ERROR", problems=[str(error)])
    expect = raw.get("x-expect", {}).get(machine, {}).get(case, {})
    want_status = expect.get("status", "SUCCEEDED")
    if result.status != want_status:
        result.problems.append(f"status {result.status} (error {result.error}), expected {want_status}")
    if "error" in expect and result.error != expect["error"]:
        result.problems.append(f"error {result.error}, expected {expect['error']}")
    if "path" in expect and result.path != expect["path"]:
        result.problems.append(f"path {result.path}, expected {expect['path']}")
    return result


def _create(sfn: Any, mocker: TaskMocker, raw: dict, machine: str, region: str, account: str,
            config_path: Path) -> str:
    given = raw.get("x-definitions", {}).get(machine)
    if given is not None:
        name, definition = machine, (config_path.parent / given).read_text()
    else:
        name, definition = machines.definition_text(machine, machines.test_params(region, account))
    mocker.check_definition(machine, definition)
    response = sfn.create_state_machine(name=machine, definition=definition,
                                        roleArn=machines.role_arn(account), type=machines.machine_type(name))
    return response["stateMachineArn"]


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
