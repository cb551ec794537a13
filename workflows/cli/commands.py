"""One function per `workflows` subcommand: parse nothing, print results, return the exit status."""
from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from typing import Any, Callable

from . import output, remote
from .errors import CliError


def cmd_up(args: argparse.Namespace) -> int:
    from workflows.local.stack import LocalStack

    from workflows.local.lambdas import HandlerSpecError, load_handler
    from workflows.local.state_dir import StateDirError
    from workflows.local.user_definitions import DefinitionsError

    _check_port(args.port)
    try:
        functions = dict(load_handler(spec) for spec in args.lambdas)
        stack = LocalStack(clock=args.clock, port=args.port, definitions=args.definitions, functions=functions,
                           request_log=None if args.quiet else sys.stderr, moto_api=args.moto_api,
                           state_dir=args.state_dir).start()
    except (HandlerSpecError, DefinitionsError, StateDirError) as error:
        raise CliError(str(error)) from None
    except OSError as error:
        raise _cannot_listen(args.port, error) from None
    try:
        _serve_until_stopped(lambda: output.emit_json(stack.outputs()) if args.json else _print_up(stack))
    finally:
        stack.close()
        if not args.json:
            output.console.print("[dim]local stack stopped[/]")
    return 0


def _print_up(stack: Any) -> None:
    from rich.table import Table

    table = Table(title=f"workflows local stack ({stack.clock} clock)", show_header=False)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    table.add_row("Step Functions API", stack.url)
    table.add_row("AWS services (DynamoDB, Cognito, SQS)", stack.url)
    table.add_row("Step Functions console", stack.console_url)
    table.add_row("API Gateway routes", stack.api_url)
    for route in stack.api.routes:
        table.add_row("", f"{route.method} {stack.api_url}{route.path} -> {route.action} {route.state_machine}")
    table.add_row("user pool / app client", f"{stack.user_pool_id} / {stack.client_id}")
    table.add_row("JWKS", stack.jwks_url)
    table.add_row("users table / legacy users table", f"{stack.users_table} / {stack.legacy_table}")
    control = f"GET {stack.url}/_local/health"
    if stack.clock == "virtual":
        control += (f"\nPOST {stack.url}/_local/clock/advance  (`workflows advance 180d`; header "
                    "X-Workflows-Local-Token: $WORKFLOWS_LOCAL_TOKEN)")
    table.add_row("local-only control (not AWS)", control)
    if stack.state is not None:
        table.add_row("kept across restarts (--state-dir)", f"{stack.state.path}: state machines, executions, "
                                                             "DynamoDB tables")
    for name, arn in stack.state_machines.items():
        table.add_row(f"state machine {name}", arn)
    for name, arn in stack.user_state_machines.items():
        table.add_row(f"state machine {name} (--definitions)", arn)
    for name in stack.user_functions:
        table.add_row(f"Lambda function {name} (--lambda)", stack.lambdas.arn(name))
    output.console.print(table)
    output.console.print("# to point AWS SDKs and the aws CLI at it:")
    for key, value in stack.exports().items():
        print(f"export {key}={value}")
    output.console.print("[dim]with these, e.g. aws stepfunctions list-state-machines; workflows executions;"
                         " Ctrl-C stops[/]")


def cmd_console(args: argparse.Namespace) -> int:
    """Serves workflows.console in front of the endpoint until Ctrl-C (code: workflows/console/standalone.py)."""
    from workflows.console import standalone

    _check_port(args.port)
    url = remote.endpoint(args.endpoint)
    try:
        served = standalone.start(url, args.port)
    except OSError as error:
        raise _cannot_listen(args.port, error) from None

    def announce() -> None:
        if args.json:
            output.emit_json({"console": served.url, "endpoint": url or "aws"})
        else:
            output.console.print(f"Step Functions console for {url or 'AWS'}: {served.url}  (Ctrl-C stops)",
                                 highlight=False, soft_wrap=True)
    try:
        _serve_until_stopped(announce)
    finally:
        served.close()
    return 0


def _check_port(port: int) -> None:
    if not 0 <= port <= 65535:
        raise CliError(f"--port {port} is not a port number (0-65535)")


def _cannot_listen(port: int, error: OSError) -> CliError:
    return CliError(f"cannot listen on 127.0.0.1:{port}: {error.strerror}")


def _serve_until_stopped(announce: Callable[[], None]) -> None:
    """For the serving commands (up, console): Ctrl-C or SIGTERM ends the wait (the caller's `finally`
    closes the server); the handlers go in before `announce` prints the addresses a script may act on."""
    stopped = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopped.set())
    announce()
    sys.stdout.flush()
    stopped.wait()


def cmd_demo(args: argparse.Namespace) -> int:
    from workflows.local.demo import run_demo

    if args.users < 2:
        raise CliError(f"--users {args.users}: the demo needs at least 2 users")
    return run_demo(users=args.users, as_json=args.json, serve=args.serve)


def cmd_run(args: argparse.Namespace) -> int:
    from rich.markup import escape

    if not args.wait >= 0:  # also NaN
        raise CliError(f"--wait {args.wait}: must be a number of seconds >= 0")
    url = remote.endpoint(args.endpoint)
    result = remote.run(url, args.name, args.input, args.execution_name, args.wait)
    execution = result["execution"]
    if args.json:
        output.emit_json(result)
    else:
        output.console.print(f"{execution['executionArn']}  {output.status_text(execution['status'])}")
        if result["events"]:
            output.console.print(output.path_line(result["events"]))
            output.console.print(output.history_table(result["events"]))
        for field in ("output", "error", "cause"):
            if execution.get(field):
                output.console.print(f"[bold]{field}[/]: {escape(str(execution[field]))}")
    return 1 if execution["status"] in {"FAILED", "TIMED_OUT", "ABORTED"} else 0


def cmd_executions(args: argparse.Namespace) -> int:
    if args.max < 1:
        raise CliError(f"--max {args.max}: must be at least 1")
    found = remote.executions(remote.endpoint(args.endpoint), args.state_machine, args.status, args.max)
    if args.json:
        output.emit_json(found)
    else:
        output.console.print(output.executions_table(found))
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    if not args.execution_arn.startswith("arn:"):
        raise CliError(f"{args.execution_arn!r} is not an execution ARN (arn:aws:states:...:execution:...)")
    url = remote.endpoint(args.endpoint)
    events = remote.history(url, args.execution_arn)
    if args.json:
        output.emit_json(events)
    else:
        output.console.print(output.path_line(events))
        output.console.print(output.history_table(events, title=args.execution_arn))
    return 0


def cmd_send_task_success(args: argparse.Namespace) -> int:
    remote.send_task_success(remote.endpoint(args.endpoint), args.token, args.output)
    return _done(args, "task completed")


def cmd_send_task_failure(args: argparse.Namespace) -> int:
    remote.send_task_failure(remote.endpoint(args.endpoint), args.token, args.error, args.cause)
    return _done(args, "task failed")


def cmd_send_task_heartbeat(args: argparse.Namespace) -> int:
    remote.send_task_heartbeat(remote.endpoint(args.endpoint), args.token)
    return _done(args, "heartbeat sent")


def _done(args: argparse.Namespace, message: str) -> int:
    if args.json:
        output.emit_json({"ok": True})
    else:
        output.console.print(message)
    return 0


def cmd_advance(args: argparse.Namespace) -> int:
    from . import clock

    seconds = clock.parse_seconds(args.seconds)
    result = clock.advance(remote.endpoint(args.endpoint), seconds)
    if args.json:
        output.emit_json(result)
    else:
        output.console.print(clock.describe(result))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from rich.markup import escape

    from .validate import describe, validate_files

    results = validate_files(args.files, warnings=args.warnings, machine_type=args.machine_type)
    if args.json:
        output.emit_json(results)
    else:
        for result in results:
            if result["valid"]:
                output.console.print(f"[green]valid[/]    {result['file']}", highlight=False, soft_wrap=True)
            for problem in result["problems"]:
                output.console.print(f"[red]invalid[/]  {escape(describe(problem))}", highlight=False,
                                     soft_wrap=True)
            for warning in result.get("warnings", []):
                output.console.print(f"[yellow]warning[/]  {escape(describe(warning))}", highlight=False,
                                     soft_wrap=True)
    return 0 if all(r["valid"] for r in results) else 1


def cmd_test(args: argparse.Namespace) -> int:
    """Delegates to workflows/cli/mock_test.py (the harness, workflows.testing, owns the semantics)."""
    from .mock_test import run

    return run(args)


def cmd_load(args: argparse.Namespace) -> int:
    from .load import cmd_load as run_load

    return run_load(args)


def cmd_mock_from_history(args: argparse.Namespace) -> int:
    from rich.markup import escape

    from . import mock_from_history as recorder

    if args.source.startswith("arn:"):
        source = recorder.from_endpoint(remote.endpoint(args.endpoint), args.source)
    else:
        source = recorder.from_file(args.source)
        if args.definition and not Path(args.definition).is_file():
            raise CliError(f"--definition {args.definition!r} not found")
    machine = args.state_machine or source.machine or (
        Path(args.definition).name.removesuffix(".asl.json").removesuffix(".express") if args.definition else None)
    if not machine:
        raise CliError(f"{args.source} does not say which state machine ran: pass --state-machine NAME "
                       "(and --definition FILE, so `workflows test` can create it)")
    case = args.case or recorder.case_name(source.execution_name or Path(args.source).stem)
    recording = recorder.read_history(source.events, machine, case)
    output_path = args.output or f"{machine}.mock.json"
    written = recorder.write(recording, source, output_path, args.definition)
    if args.json:
        output.emit_json(written)
    else:
        output.console.print(f"wrote test case [bold]{escape(case)}[/] of {escape(machine)}: "
                             f"{written['taskAttempts']} Task attempts of {len(written['mockedStates'])} states, "
                             f"expecting {written['expect']['status']} via {len(recording.path)} states", highlight=False)
        output.console.print(f"  {escape(written['mockConfig'])} (MockConfigFile), {escape(written['sidecar'])} "
                             f"(input, expectations{', definition' if written['definition'] else ''})", highlight=False)
        output.console.print(f"  replay: workflows test {escape(written['mockConfig'])} --case {escape(case)}",
                             highlight=False)
    for problem in recording.problems:
        print(f"workflows mock-from-history: warning: {problem}", file=sys.stderr)
    return 0
