"""`workflows demo`: the whole user lifecycle on an in-process local stack, checked step by step.

Everything goes through the interfaces a client uses on AWS: HTTP calls to the API routes (with the
authorizer in front and the VTL templates), Cognito's API for sign-in (triggers run as on AWS), the
Step Functions API for executions. The stack runs on the virtual clock, so the migration deadline -
the workflow's own default, 180 days - is reached with `advance()` instead of waiting; everything
else is real. The exit status is 0 only if every check passed.

The first Admin cannot be created through POST /users (that route needs an Admin or Registrar), so
the demo bootstraps the operator the way a deployment would: one signup execution started directly
on the Step Functions API (`workflows run signup --input ...`), giving the operator a numeric user id
and a profile like every other user.
"""
from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from .pretoken import decode_claims as claims_of
from .stack import LocalStack

OPERATOR = ("ops@example.com", "Operator-Pass-1!")
USER_PASSWORD = "Demo-Pass-123!"
LEGACY = [("L-100", "grace@legacy.example", "Grace Hopper", "Cobol-Rocks-1!"),
          ("L-200", "linus@legacy.example", "Linus T", "Kernel-Rocks-1!")]
DAY = 86_400
DEFAULT_DEADLINE_SECONDS = 180 * DAY  # migrate_batch / migrate_user default (asl/: timeoutSeconds 15552000)
BATCH_ID = "demo-1"


@dataclass
class Report:
    """Checks and tables collected while the demo runs."""

    checks: list[tuple[str, bool, str]] = field(default_factory=list)
    executions: list[tuple[str, str]] = field(default_factory=list)  # (label, execution ARN)
    claims: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple[str, str, int, int]] = field(default_factory=list)  # who, request, expected, got

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        self.checks.append((name, bool(ok), detail))
        return bool(ok)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(ok for _, ok, _ in self.checks)


def api_call(url: str, method: str, path: str, token: str | None = None, body: Any = None) -> tuple[int, Any]:
    """One HTTP call to the local API; (status, parsed JSON body or raw text)."""
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, text = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode()
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


class Demo:
    def __init__(self, stack: LocalStack, users: int, report: Report, advance: Callable[[float], None]) -> None:
        self.stack, self.users, self.report, self.advance = stack, users, report, advance
        self.idp = stack.client("cognito-idp")
        self.sfn = stack.client("stepfunctions")
        self.ddb = stack.client("dynamodb")
        self.operator_token = ""
        self.operator_id = ""
        self.created: list[dict[str, Any]] = []
        self.user_id = ""
        self.user_token = ""

    def sign_in(self, username: str, password: str) -> dict[str, Any]:
        return self.idp.initiate_auth(ClientId=self.stack.client_id, AuthFlow="USER_PASSWORD_AUTH",
                                      AuthParameters={"USERNAME": username, "PASSWORD": password})["AuthenticationResult"]

    def bootstrap_operator(self) -> None:
        email, password = OPERATOR
        result = self.sfn.start_sync_execution(
            stateMachineArn=self.stack.state_machines["signup"], name="bootstrap-operator",
            input=json.dumps({"email": email, "displayName": "Operator", "tenantId": "acme",
                              "groups": ["Admin"], "emailVerified": True}))
        output = json.loads(result.get("output") or "{}")
        body = output.get("body")
        body = json.loads(body) if isinstance(body, str) else body or {}
        self.operator_id = str(body.get("userId", ""))
        self.idp.admin_set_user_password(UserPoolId=self.stack.user_pool_id, Username=self.operator_id,
                                         Password=password, Permanent=True)
        tokens = self.sign_in(email, password)
        self.operator_token = tokens["AccessToken"]
        groups = claims_of(self.operator_token).get("cognito:groups", [])
        self.report.check("operator bootstrapped by a signup execution (POST /users needs an Admin), signs in",
                          output.get("statusCode") == 201 and "Admin" in groups,
                          f"user {self.operator_id}, groups {groups}")

    def concurrent_signups(self, on_done: Callable[[], None]) -> None:
        def signup(i: int) -> tuple[int, Any]:
            status, body = api_call(self.stack.api_url, "POST", "/users", self.operator_token,
                              {"email": f"user{i:03d}@example.com", "displayName": f"User {i}",
                               "tenantId": "acme", "plan": "pro" if i % 2 else "free",
                               "groups": ["User"], "emailVerified": True})
            on_done()
            if isinstance(body, dict):
                body = dict(body, displayName=f"User {i}")  # what this caller asked for
            return status, body

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(signup, range(self.users)))
        elapsed = time.perf_counter() - started
        statuses = [status for status, _ in results]
        ids = sorted(body["userId"] for status, body in results if status == 201 and isinstance(body, dict))
        self.created = [body for status, body in results if status == 201]
        self.report.check(f"{self.users} concurrent signups via POST /users -> 201",
                          statuses == [201] * self.users, f"statuses {sorted(set(statuses))}, "
                          f"{self.users / elapsed:.1f} signups/s")
        self.report.check("user ids unique and consecutive", len(ids) == self.users and
                          ids == list(range(ids[0], ids[0] + self.users)), f"ids {ids[0]}..{ids[-1]}" if ids else "none")
        status, body = api_call(self.stack.api_url, "POST", "/users", self.operator_token,
                                {"email": "user000@example.com", "groups": ["User"]})
        self.report.check("duplicate email -> 409, nothing left behind", status == 409, json.dumps(body)[:80])

    def user_sign_in(self) -> str:
        first = min(self.created, key=lambda b: b["userId"])
        username, email = str(first["userId"]), first["email"]
        self.idp.admin_set_user_password(UserPoolId=self.stack.user_pool_id, Username=username,
                                         Password=USER_PASSWORD, Permanent=True)
        tokens = self.sign_in(email, USER_PASSWORD)  # by email alias, as a person would
        id_claims, access_claims = claims_of(tokens["IdToken"]), claims_of(tokens["AccessToken"])
        self.report.claims = {"id": id_claims, "access": access_claims}
        self.report.check(f"user {username} signs in by email; profile claims in the ID token",
                          id_claims.get("userId") == first["userId"] and id_claims.get("tenantId") == "acme"
                          and id_claims.get("displayName") == first["displayName"],
                          f"userId={id_claims.get('userId')} tenantId={id_claims.get('tenantId')}")
        self.report.check("... and in the access token, with group scopes",
                          access_claims.get("userId") == first["userId"]
                          and "users/read" in str(access_claims.get("scope", "")).split(),
                          f"scope={access_claims.get('scope')}")
        self.user_id = username
        return str(tokens["AccessToken"])

    def start_migrations(self) -> None:
        for legacy_id, email, name, password in LEGACY:
            self.stack.put_legacy_user(email=email, password=password, legacy_user_id=legacy_id,
                                       display_name=name, tenant_id="legacy")
        batch = {"batchId": BATCH_ID,  # no timeoutSeconds: the workflow's default deadline (180 days)
                 "users": [{"legacyUserId": legacy_id, "email": email} for legacy_id, email, _, _ in LEGACY]}
        status, body = api_call(self.stack.api_url, "POST", "/migrations", self.operator_token, batch)
        self.report.calls.append(("operator (Admin)", "POST /migrations", 202, status))
        self.report.check("operator: POST /migrations -> 202 allowed", status == 202, json.dumps(body)[:100])
        if status == 202:
            self.report.executions.append((f"migrate_batch {BATCH_ID}", body["executionArn"]))
        for legacy_id, *_ in LEGACY:
            self.report.executions.append((f"migrate_user {legacy_id}", self._migration_arn(legacy_id)))
        waiting = [self._status(self._migration_arn(i)) for i, *_ in LEGACY]
        deadlines = [self._item(email).get("deadline", {}).get("S", "") for _, email, _, _ in LEGACY]
        self.report.check("two migrations wait for their callback; deadline = the default 180 days",
                          waiting == ["RUNNING", "RUNNING"] and all(d.endswith(f"/PT{DEFAULT_DEADLINE_SECONDS}S")
                                                                    for d in deadlines),
                          f"{waiting}, deadline {deadlines[0] or 'missing'}")

    def authorization(self, user_token: str, user_id: str) -> None:
        url, batch_path = self.stack.api_url, f"/executions/{BATCH_ID}"
        status, body = api_call(url, "GET", batch_path, self.operator_token)
        self.report.calls.append(("operator (Admin)", f"GET {batch_path}", 200, status))
        own = isinstance(body, dict) and body.get("name") == f"{self.operator_id}-{BATCH_ID}"
        self.report.check(f"operator: GET {batch_path} -> 200 with its own run", status == 200 and own
                          and body.get("status") in {"RUNNING", "SUCCEEDED"},
                          f"{body.get('name')}: {body.get('status')}" if isinstance(body, dict) else str(body)[:80])
        status, body = api_call(url, "GET", batch_path, user_token)
        self.report.calls.append(("user (User)", f"GET {batch_path}", 404, status))
        self.report.check(
            f"user: GET {batch_path} -> 404, allowed", status == 404 and isinstance(body, dict)
            and body.get("error") == "ExecutionNotFound",
            f"authorized (any signed-in user), then DescribeExecution of migrate_batch:{user_id}-{BATCH_ID}: "
            "the route reads only the caller's own runs and only Admins start runs, so a User owns none "
            f"and the operator's {BATCH_ID} stays invisible")
        denied = [("user (User)", "POST /users", user_token, "/users", {"email": "x@example.com"}, 403),
                  ("anonymous", "POST /users", None, "/users", {"email": "x@example.com"}, 401),
                  ("user (User)", "POST /migrations", user_token, "/migrations", {"batchId": "b"}, 403)]
        for who, label, token, path, request, expected in denied:
            status, _ = api_call(url, "POST", path, token, request)
            self.report.calls.append((who, label, expected, status))
            self.report.check(f"{who}: {label} -> {expected} denied", status == expected, f"got {status}")

    def migration_by_sign_in(self) -> None:
        _, grace, _, grace_password = LEGACY[0]
        tokens = self.sign_in(grace, grace_password)
        self.report.check("legacy user signs in: user-migration trigger -> SendTaskSuccess",
                          bool(tokens.get("AccessToken")) and self._migration(grace) == "MIGRATED"
                          and self._status(self._migration_arn("L-100")) == "SUCCEEDED",
                          f"record {self._migration(grace)}")
        # complete like a signed-up user: numeric id, email reserved, profile under the name Cognito
        # created (what she typed), so the token customizer's userId/tenantId claims reach her tokens
        user_id = self._item(grace).get("userId", {}).get("N", "")
        profile = self._profile(grace)
        claims = claims_of(str(tokens.get("IdToken", "")))
        self.report.check("migrated by sign-in: numeric userId, email reserved, profile, userId claim",
                          user_id.isdigit() and profile.get("userId", {}).get("N") == user_id
                          and self._email_owner(grace) == user_id and str(claims.get("userId")) == user_id
                          and claims.get("tenantId") == "legacy",
                          f"userId={user_id or 'missing'} claim={claims.get('userId')} tenantId={claims.get('tenantId')}")

    def migration_deadline(self) -> None:
        _, linus, _, _ = LEGACY[1]
        arn = self._migration_arn("L-200")
        late_token = self._item(linus).get("taskToken", {}).get("S", "")
        self.advance(DEFAULT_DEADLINE_SECONDS - DAY)
        self.report.check("virtual clock +179 days: still waiting", self._status(arn) == "RUNNING"
                          and self._migration(linus) == "PENDING",
                          f"{self._status(arn)}, record {self._migration(linus)}")
        self.advance(DAY + 1)
        invited = self.idp.list_users(UserPoolId=self.stack.user_pool_id, Filter=f'email = "{linus}"')["Users"]
        self.report.check("+180 days, no sign-in: deadline -> invitation fallback",
                          self._migration(linus) == "FALLBACK" and self._status(arn) == "SUCCEEDED"
                          and len(invited) == 1, f"record {self._migration(linus)}, invited {len(invited)}")
        user_id = self._item(linus).get("userId", {}).get("N", "")
        self.report.check("invited user is complete: Cognito username = numeric userId, profile, email reserved",
                          user_id.isdigit() and [u["Username"] for u in invited] == [user_id]
                          and self._profile(user_id).get("email", {}).get("S") == linus
                          and self._email_owner(linus) == user_id, f"userId={user_id or 'missing'}")
        code = "accepted"
        try:
            self.sfn.send_task_success(taskToken=late_token, output=json.dumps({"legacyUserId": "L-200"}))
        except Exception as error:  # botocore ClientError
            code = getattr(error, "response", {}).get("Error", {}).get("Code", type(error).__name__)
        self.report.check("late callback rejected, nothing changes", code in {"TaskTimedOut", "TaskDoesNotExist"}
                          and self._migration(linus) == "FALLBACK", code)

    def _migration_arn(self, legacy_id: str) -> str:
        return f"{self.stack.execution_arn_prefix('migrate_user')}migrate-{legacy_id}"

    def _item(self, email: str) -> dict[str, Any]:
        return self.ddb.get_item(TableName=self.stack.users_table, ConsistentRead=True,
                                 Key={"pk": {"S": f"MIGRATION#{email}"}, "sk": {"S": "MIGRATION"}}).get("Item", {})

    def _profile(self, cognito_username: str) -> dict[str, Any]:
        return self.ddb.get_item(TableName=self.stack.users_table, ConsistentRead=True, Key={
            "pk": {"S": f"USER#{cognito_username}"}, "sk": {"S": "PROFILE"}}).get("Item", {})

    def _email_owner(self, email: str) -> str:
        return str(self.ddb.get_item(TableName=self.stack.users_table, ConsistentRead=True, Key={
            "pk": {"S": f"EMAIL#{email}"}, "sk": {"S": "EMAIL"}}).get("Item", {}).get("userId", {}).get("N", ""))

    def _migration(self, email: str) -> str:
        return str(self._item(email).get("status", {}).get("S", "missing"))

    def _status(self, arn: str) -> str:
        return str(self.sfn.describe_execution(executionArn=arn)["status"])


def run_demo(users: int = 12, as_json: bool = False, serve: bool | None = None) -> int:
    """Run the demo; print checks, claims and execution tables; 0 only if every check passed.

    It ends with the console URL of each run it made. `serve` keeps the stack serving them until
    Ctrl-C (None: only when a person is at the terminal, who is then asked to press Enter)."""
    from workflows.cli import output
    from workflows.testing.helpers import history

    console = Console(stderr=as_json)
    report = Report()
    logging.getLogger("lambdas").addHandler(logging.NullHandler())  # the tables tell the story
    steps = ["start the local stack", "operator bootstrapped", "concurrent signups", "user signs in",
             "migration batch", "authorization", "migration by sign-in", "migration deadline (180 days)",
             "execution histories"]
    started = time.perf_counter()
    histories: list[tuple[str, str, list[dict[str, Any]]]] = []
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=console, transient=True) as progress:
        overall = progress.add_task("demo", total=len(steps))
        stack = LocalStack(clock="virtual")
        try:
            progress.update(overall, description=steps[0])
            stack.start()
            demo = Demo(stack, users, report, stack.advance)
            plan: list[tuple[str, Callable[[], Any]]] = [
                (steps[1], demo.bootstrap_operator),
                (steps[2], lambda: demo.concurrent_signups(lambda: progress.advance(signups))),
                (steps[3], lambda: setattr(demo, "user_token", demo.user_sign_in())),
                (steps[4], demo.start_migrations),
                (steps[5], lambda: demo.authorization(demo.user_token, demo.user_id)),
                (steps[6], demo.migration_by_sign_in),
                (steps[7], demo.migration_deadline),
            ]
            signups = progress.add_task("signups", total=users, visible=False)
            progress.advance(overall)
            for description, action in plan:
                progress.update(overall, description=description)
                progress.update(signups, visible=description == steps[2])
                try:
                    action()
                except Exception as error:  # a step that crashes is a failed check, and the demo goes on
                    report.check(description, False, f"{type(error).__name__}: {error}"[:200])
                progress.advance(overall)
            progress.update(overall, description=steps[-1])
            sfn = stack.client("stepfunctions")
            for label, arn in report.executions:
                try:
                    events = history(sfn, arn)
                    status = sfn.describe_execution(executionArn=arn)["status"]
                    histories.append((label, status, events))
                except Exception as error:
                    report.check(f"history of {label}", False, str(error)[:120])
            progress.advance(overall)
        except BaseException:
            stack.close()
            raise
    elapsed = time.perf_counter() - started
    try:
        links = _console_links(stack, report)
        if as_json:
            output.emit_json({"ok": report.ok, "seconds": round(elapsed, 2),
                              "checks": [{"check": n, "ok": ok, "detail": d} for n, ok, d in report.checks],
                              "claims": report.claims,
                              "executions": [{"label": label, "status": status, "path": output.path_of(events),
                                              "console": links.get(label)}
                                             for label, status, events in histories],
                              "console": stack.console_url})
        else:
            _print_report(console, report, histories, elapsed)
        _offer_console(console, stack, links, False if serve is None and as_json else serve)
    finally:
        stack.close()
    return 0 if report.ok else 1


def _console_links(stack: LocalStack, report: Report) -> dict[str, str]:
    from workflows.console import execution_url

    return {label: stack.url + execution_url(arn) for label, arn in report.executions}


def _offer_console(console: Console, stack: LocalStack, links: dict[str, str], serve: bool | None) -> None:
    """The demo's last lines: where to see its runs in the Step Functions console (workflows/console)."""
    import sys

    interactive = sys.stdin.isatty() and console.is_terminal
    keep = interactive if serve is None else serve
    console.print(f"\n[bold]Step Functions console[/]: {stack.console_url}", highlight=False, soft_wrap=True)
    for label, url in links.items():
        console.print(f"  {escape(label)}: {url}", highlight=False, soft_wrap=True)
    if not keep:
        console.print("[dim](the demo's stack has stopped; `workflows demo --serve` keeps it serving these until "
                      "Ctrl-C, or run `workflows up` and `workflows console`)[/]", highlight=False)
        return
    try:
        if serve:
            console.print("[dim]serving until Ctrl-C[/]")
            threading.Event().wait()
        else:
            console.input("[dim]the stack serves these until you press Enter (or Ctrl-C)[/] ")
    except (KeyboardInterrupt, EOFError):
        pass


def _print_report(console: Console, report: Report, histories: list[tuple[str, str, list[dict[str, Any]]]],
                  elapsed: float) -> None:
    from workflows.cli import output

    if report.claims:
        table = Table(title="Customized token claims (pre-token generation V2_0)", header_style="bold")
        for column in ("claim", "ID token", "access token"):
            table.add_column(column)
        interesting = ["userId", "tenantId", "plan", "displayName", "cognito:groups", "scope", "token_use"]
        for claim in interesting:
            table.add_row(claim, *(escape(json.dumps(report.claims[t].get(claim))) if claim in report.claims[t] else "-"
                                   for t in ("id", "access")))
        console.print(table)
    if report.calls:
        table = Table(title="API calls through the authorizer", header_style="bold")
        for column in ("caller", "request", "expected", "got"):
            table.add_column(column)
        for who, label, expected, got in report.calls:
            table.add_row(who, label, str(expected), f"[{'green' if got == expected else 'red'}]{got}[/]")
        console.print(table)
    for label, status, events in histories:
        console.print(f"\n[bold]{label}[/]  {output.status_text(status)}")
        console.print(output.path_line(events), highlight=False)
        console.print(output.state_table(events))
    table = Table(title=f"Demo checks ({elapsed:.1f} s)", header_style="bold")
    for column in ("", "check", "detail"):
        table.add_column(column)
    for name, ok, detail in report.checks:
        table.add_row("[green]PASS[/]" if ok else "[red]FAIL[/]", escape(name), escape(detail))
    console.print(table)
    console.print("[bold green]every step behaved[/]" if report.ok else "[bold red]some steps failed[/]")
