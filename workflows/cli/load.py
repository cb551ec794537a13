"""`workflows load signup --users N --concurrency C [--prefill M]`: a load test of signup on a local stack.

Against a running `workflows up` (loopback endpoints only; --endpoint, else $WORKFLOWS_ENDPOINT, else
http://127.0.0.1:4599): optionally prefill the users table with M realistic items, run N signups from
C concurrent callers (StartSyncExecution, or POST /users with --via api) for at most --time-limit
seconds, with a progress bar, then print the rate, latency percentiles, errors by type, and the
invariant check of every id the run allocated. Exit status 0 only if every signup created its user,
none was left unstarted by the time limit, and the invariant holds; 1 otherwise (and for bad input,
named on one line); 2 for argparse usage errors.
"""
from __future__ import annotations

import argparse
import secrets
import time
from typing import Any

from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import output, remote
from .errors import CliError

MACHINES = ("signup",)
MAX_CONCURRENCY = 256


def add_parser(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    load = sub.add_parser("load", parents=parents, help="load-test signup on a running local stack")
    load.add_argument("machine", metavar="MACHINE", help="the workflow to load: signup")
    load.add_argument("--users", type=int, default=100, help="signups to run (default 100)")
    load.add_argument("--concurrency", type=int, default=16, help="concurrent callers (default 16)")
    load.add_argument("--prefill", type=int, default=0, metavar="M",
                      help="first put M signup-shaped items into the users table (default 0)")
    load.add_argument("--time-limit", type=float, default=300.0, metavar="SECONDS",
                      help="start no signup after this many seconds (default 300)")
    load.add_argument("--via", choices=["sfn", "api"], default="sfn",
                      help="StartSyncExecution of signup (default) or POST /users through the API routes")


def validate(args: argparse.Namespace) -> None:
    if args.machine not in MACHINES:
        raise CliError(f"cannot load {args.machine!r}: load knows signup only (its input and its invariant)")
    if args.users < 1:
        raise CliError(f"--users {args.users}: must be at least 1")
    if not 1 <= args.concurrency <= MAX_CONCURRENCY:
        raise CliError(f"--concurrency {args.concurrency}: must be 1..{MAX_CONCURRENCY}")
    if args.prefill < 0:
        raise CliError(f"--prefill {args.prefill}: must be 0 or more items")
    if not args.time_limit > 0:  # also NaN
        raise CliError(f"--time-limit {args.time_limit}: must be a number of seconds > 0")


def cmd_load(args: argparse.Namespace) -> int:
    from workflows.load import driver, invariant, prefill
    from workflows.load.target import StackTarget, TargetError

    validate(args)
    url = remote.endpoint(args.endpoint)
    if url is None:
        raise CliError("load runs against a local stack only, never AWS (--endpoint aws)")
    try:
        target = StackTarget.discover(url)
    except TargetError as error:
        raise CliError(str(error)) from None
    tag = secrets.token_hex(3)
    with _progress(args.json) as progress:
        filled = None
        if args.prefill:
            task = progress.add_task("prefill", total=args.prefill, detail="")
            filled = prefill.prefill(target, args.prefill, tag=tag,
                                     on_progress=lambda n: progress.advance(task, n))
        signup = (driver.ApiSignups if args.via == "api" else driver.SfnSignups)(target, args.concurrency, tag)
        before = invariant.read_counter(target)
        task = progress.add_task("signups", total=args.users, detail="")
        counts = {"errors": 0}
        started = time.perf_counter()

        def on_outcome(outcome: driver.Outcome) -> None:
            counts["errors"] += outcome.kind != driver.CREATED
            done = progress.tasks[task].completed + 1
            rate = done / max(time.perf_counter() - started, 1e-9)
            progress.update(task, advance=1, detail=f"{rate:.1f}/s, {counts['errors']} errors")

        result = driver.run_signups(signup, users=args.users, concurrency=args.concurrency,
                                    time_limit=args.time_limit, tag=tag, via=args.via, on_outcome=on_outcome)
    report = invariant.check(target, result, before)
    summary = summarize(target.endpoint, result, report, filled)
    if args.json:
        output.emit_json(summary)
    else:
        print_summary(summary)
    return 0 if report.ok and result.errors == 0 and not result.stopped_by_time_limit else 1


def summarize(endpoint: str, result: Any, report: Any, filled: Any) -> dict[str, Any]:
    """The run as one JSON-able document (what --json prints)."""
    return {
        "endpoint": endpoint, "via": result.via, "requested": result.requested, "concurrency": result.concurrency,
        "started": len(result.outcomes), "created": len(result.created), "errors": result.errors,
        "errorsByType": result.errors_by_type(), "elapsedSeconds": round(result.elapsed, 3),
        "signupsPerSecond": round(result.rate, 2), "stoppedByTimeLimit": result.stopped_by_time_limit,
        "latencySeconds": {name: round(result.latency(q), 4) for name, q in
                           (("p50", 0.50), ("p95", 0.95), ("p99", 0.99), ("max", 1.0))},
        "prefill": None if filled is None else {"items": filled.items, "firstId": filled.first_id,
                                                "lastId": filled.last_id, "seconds": round(filled.seconds, 2)},
        "invariant": {"ok": report.ok, "firstId": report.first_id, "lastId": report.last_id,
                      "users": report.users, "tombstones": report.tombstones, "violations": report.violations},
    }


def print_summary(summary: dict[str, Any]) -> None:
    table = Table(title=f"signup load via {summary['via']} ({summary['concurrency']} concurrent)",
                  show_header=False)
    table.add_column(style="bold")
    table.add_column()
    if summary["prefill"]:
        p = summary["prefill"]
        table.add_row("prefill", f"{p['items']} items (ids {p['firstId']}..{p['lastId']}) in {p['seconds']} s")
    limit = " [yellow](stopped by --time-limit)[/]" if summary["stoppedByTimeLimit"] else ""
    table.add_row("signups", f"{summary['created']} created of {summary['started']} started "
                             f"({summary['requested']} requested){limit}")
    table.add_row("rate", f"{summary['signupsPerSecond']} signups/s over {summary['elapsedSeconds']} s")
    lat = summary["latencySeconds"]
    table.add_row("latency", f"p50 {lat['p50'] * 1000:.0f} ms, p95 {lat['p95'] * 1000:.0f} ms, "
                             f"p99 {lat['p99'] * 1000:.0f} ms, max {lat['max'] * 1000:.0f} ms")
    errors = ", ".join(f"{escape(kind)}: {n}" for kind, n in summary["errorsByType"].items())
    table.add_row("errors", f"[red]{summary['errors']}[/] ({errors})" if summary["errors"] else "[green]0[/]")
    inv = summary["invariant"]
    span = f"ids {inv['firstId']}..{inv['lastId']}" if inv["lastId"] >= inv["firstId"] else "no ids allocated"
    verdict = "[green]holds[/]" if inv["ok"] else f"[red]VIOLATED[/] ({len(inv['violations'])})"
    table.add_row("invariant", f"{span}: {inv['users']} users, {inv['tombstones']} tombstones - {verdict}")
    for violation in inv["violations"]:
        table.add_row("", f"[red]{escape(violation)}[/]")
    output.console.print(table)


def _progress(quiet: bool) -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[detail]}"), TimeElapsedColumn(),
                    console=output.errors if quiet else output.console, transient=False, disable=quiet)
