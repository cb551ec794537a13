"""Run N signups from C concurrent callers against a local stack, within a time limit.

Two ways in, both what a client of the deployed system does:
- ``sfn``: StartSyncExecution of the signup state machine (an operator starting it directly);
- ``api``: POST /users through the API routes - authorizer, request template, Step Functions - with
  the access token of a Registrar that is itself bootstrapped by one direct signup execution (as
  `workflows demo` bootstraps its operator), so every user the load makes is a real signup.

Each signup has its own email (``load-<tag>-<n>@example.com``; the tag keeps runs apart). A caller
takes the next signup until N are taken or the time limit has passed (signups in flight then
finish). Every outcome is kept: what it was (``created``, or the status and error signup answered,
or the client-side error) and how long it took.
"""
from __future__ import annotations

import json
import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from .target import StackTarget

CREATED = "created"
OPERATOR_PASSWORD = "Load-Operator-Pass-1!"
VIAS = ("sfn", "api")


@dataclass(frozen=True)
class Outcome:
    index: int
    email: str
    kind: str  # CREATED, or e.g. "409 EmailAlreadyRegistered", "FAILED States.Timeout", "ReadTimeoutError"
    user_id: int | None
    seconds: float


@dataclass
class RunResult:
    requested: int
    concurrency: int
    via: str
    outcomes: list[Outcome] = field(default_factory=list)
    elapsed: float = 0.0
    stopped_by_time_limit: bool = False

    @property
    def created(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.kind == CREATED]

    @property
    def errors(self) -> int:
        return len(self.outcomes) - len(self.created)

    def errors_by_type(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for outcome in self.outcomes:
            if outcome.kind != CREATED:
                counts[outcome.kind] = counts.get(outcome.kind, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    @property
    def rate(self) -> float:
        """Signups that created a user, per second of the run."""
        return len(self.created) / self.elapsed if self.elapsed > 0 else 0.0

    def latency(self, quantile: float) -> float:
        """Nearest-rank quantile of every signup's latency (seconds; 0 when none ran)."""
        values = sorted(o.seconds for o in self.outcomes)
        if not values:
            return 0.0
        rank = math.ceil(round(quantile * len(values), 9))  # round: 0.95 * 100 is 95.00000000000001
        return values[min(max(rank, 1), len(values)) - 1]


def signup_input(tag: str, index: int) -> dict[str, Any]:
    return {"email": f"load-{tag}-{index:06d}@example.com", "displayName": f"Load {index}", "groups": ["User"]}


def classify(output: Any) -> tuple[str, int | None]:
    """signup's result {statusCode, body} -> (kind, user id when created)."""
    if not isinstance(output, dict):
        return "InvalidOutput", None
    body = output.get("body")
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            body = {}
    body = body if isinstance(body, dict) else {}
    status = output.get("statusCode")
    if status == 201 and isinstance(body.get("userId"), int):
        return CREATED, int(body["userId"])
    return f"{status} {body.get('error') or body.get('message') or ''}".strip(), None


class SfnSignups:
    """One signup = StartSyncExecution of signup."""

    def __init__(self, target: StackTarget, concurrency: int, tag: str) -> None:
        self.target, self.tag = target, tag
        self.sfn = target.client("stepfunctions", pool_size=concurrency, read_timeout=150)

    def __call__(self, index: int) -> tuple[str, int | None]:
        result = self.sfn.start_sync_execution(stateMachineArn=self.target.signup_arn,
                                               name=f"load-{self.tag}-{index}",
                                               input=json.dumps(signup_input(self.tag, index)))
        if result.get("status") != "SUCCEEDED":
            return f"{result.get('status')} {result.get('error', '')}".strip(), None
        try:
            return classify(json.loads(result.get("output") or "null"))
        except ValueError:
            return "InvalidOutput", None


class ApiSignups:
    """One signup = POST /users with a Registrar's access token."""

    def __init__(self, target: StackTarget, concurrency: int, tag: str) -> None:
        import urllib3

        self.target, self.tag = target, tag
        self.http = urllib3.PoolManager(maxsize=concurrency, timeout=urllib3.Timeout(connect=10, read=150),
                                        retries=False)
        self.token = bootstrap_operator(target, tag)

    def __call__(self, index: int) -> tuple[str, int | None]:
        response = self.http.request("POST", f"{self.target.api_url}/users",
                                     body=json.dumps(signup_input(self.tag, index)).encode(),
                                     headers={"Content-Type": "application/json",
                                              "Authorization": f"Bearer {self.token}"})
        try:
            body = json.loads(response.data or b"null")
        except ValueError:
            body = None
        if response.status == 201 and isinstance(body, dict) and isinstance(body.get("userId"), int):
            return CREATED, int(body["userId"])
        error = (body.get("error") or body.get("message") or body.get("Message")) if isinstance(body, dict) else None
        return f"{response.status} {error or ''}".strip(), None


def bootstrap_operator(target: StackTarget, tag: str) -> str:
    """A Registrar made by one direct signup execution, signed in: its access token."""
    email = f"load-operator-{tag}@example.com"
    result = target.client("stepfunctions").start_sync_execution(
        stateMachineArn=target.signup_arn, name=f"load-{tag}-operator",
        input=json.dumps({"email": email, "displayName": "Load operator", "groups": ["Registrar"]}))
    kind, user_id = classify(json.loads(result.get("output") or "null")) if result.get("output") else (
        f"{result.get('status')} {result.get('error', '')}", None)
    if user_id is None:
        raise RuntimeError(f"could not sign up the load's operator: {kind}")
    idp = target.client("cognito-idp")
    idp.admin_set_user_password(UserPoolId=target.user_pool_id, Username=str(user_id),
                                Password=OPERATOR_PASSWORD, Permanent=True)
    tokens = idp.initiate_auth(ClientId=target.client_id, AuthFlow="USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": str(user_id), "PASSWORD": OPERATOR_PASSWORD})
    return str(tokens["AuthenticationResult"]["AccessToken"])


def run_signups(signup: Callable[[int], tuple[str, int | None]], *, users: int, concurrency: int,
                time_limit: float, tag: str, via: str,
                on_outcome: Callable[[Outcome], None] = lambda _o: None) -> RunResult:
    """Up to `users` signups from `concurrency` threads, none started after `time_limit` seconds."""
    result = RunResult(requested=users, concurrency=concurrency, via=via)
    lock, taken = threading.Lock(), [0]
    started = time.perf_counter()
    deadline = started + time_limit

    def take() -> int | None:
        with lock:
            if taken[0] >= users:
                return None
            if time.perf_counter() >= deadline:
                result.stopped_by_time_limit = True
                return None
            taken[0] += 1
            return taken[0] - 1

    def caller() -> None:
        while (index := take()) is not None:
            begun = time.perf_counter()
            try:
                kind, user_id = signup(index)
            except Exception as error:  # a client-side failure is an outcome too, named by its type/code
                kind, user_id = _error_kind(error), None
            outcome = Outcome(index, signup_input(tag, index)["email"], kind, user_id, time.perf_counter() - begun)
            with lock:
                result.outcomes.append(outcome)
            on_outcome(outcome)

    threads = [threading.Thread(target=caller, name=f"load-{n}", daemon=True) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.elapsed = time.perf_counter() - started
    result.outcomes.sort(key=lambda o: o.index)
    return result


def _error_kind(error: Exception) -> str:
    code = getattr(error, "response", {}).get("Error", {}).get("Code") if hasattr(error, "response") else None
    return str(code or type(error).__name__)
