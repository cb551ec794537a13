"""Everything the console reads and does, through the Step Functions API and nothing else.

`client` is a boto3 stepfunctions client (Step Functions Local, LocalStack, AWS) or the engine's
`workflows.engine.StepFunctions` (same method names, arguments and shapes). Operations an endpoint
may not have - versions, aliases, map runs, redrive, DescribeStateMachineForExecution - are called
anyway and answer `None` when the endpoint says it does not support them (UnsupportedOperation,
UnknownOperationException, a client without the method), so the console shows what the endpoint
offers instead of failing. Any other API error reaches the page with its code and message.

The local stack's virtual clock is not part of any AWS API; `LocalClock` says whether the endpoint
has one and moves it (in-process for `workflows up`, POST /_local/clock/advance for a console in
front of another process's stack).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Protocol

from botocore.exceptions import ClientError

from workflows.local import control_client

UNSUPPORTED_CODES = frozenset({"UnsupportedOperation", "UnknownOperationException", "UnknownOperation",
                               "NotImplemented", "NotImplementedException", "InvalidAction"})
PAGE_SIZE = 50
COUNT_PAGE = 1000  # executions read per machine for the status counts of the list page


def error_code(error: BaseException) -> str:
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def is_unsupported(error: BaseException) -> bool:
    return isinstance(error, ClientError) and error_code(error) in UNSUPPORTED_CODES


class LocalClock(Protocol):
    """The local stack's clock: "virtual" (movable), "real", or None (not a local stack)."""

    @property
    def mode(self) -> str | None: ...

    def advance(self, seconds: float) -> dict[str, Any]: ...


class NoClock:
    mode = None

    def advance(self, seconds: float) -> dict[str, Any]:
        raise ValueError("this endpoint has no virtual clock (it is not a `workflows up --clock virtual` stack)")


@dataclass
class InProcessClock:
    """The clock of a LocalStack in this process."""
    mode: str | None
    move: Callable[[float], None]

    def advance(self, seconds: float) -> dict[str, Any]:
        if self.mode != "virtual":
            raise ValueError("the stack runs on the real clock; start it with `workflows up --clock virtual`")
        self.move(seconds)
        return {"advancedSeconds": seconds}


class HttpClock:
    """The clock of a `workflows up` stack at `endpoint`, through its /_local/ control endpoints
    (workflows/local/control_client.py, the client `workflows advance` uses too)."""

    def __init__(self, endpoint: str, token: str | None) -> None:
        self.endpoint, self.token = endpoint.rstrip("/"), token
        self._mode: str | None | bool = False  # False: not asked yet

    @property
    def mode(self) -> str | None:
        if self._mode is False:
            health = control_client.health(self.endpoint)
            clock = health.get("clock") if health else None
            self._mode = clock if clock in ("virtual", "real") else None
            # no $WORKFLOWS_LOCAL_TOKEN: the stack's health page shows its token to this machine
            self.token = self.token or control_client.exported_token(health)
        return self._mode or None

    def advance(self, seconds: float) -> dict[str, Any]:
        self.mode  # noqa: B018 - reads the health page (and the token) once
        return control_client.advance_clock(self.endpoint, seconds, self.token)


class Source:
    """The console's one door to Step Functions."""

    def __init__(self, client: Any, clock: LocalClock | None = None, endpoint_label: str = "") -> None:
        self.client = client
        self.clock: LocalClock = clock or NoClock()
        self.endpoint_label = endpoint_label

    def _optional(self, operation: str, **kwargs: Any) -> Any:
        method = getattr(self.client, operation, None)
        if method is None:
            return None
        try:
            return method(**kwargs)
        except ClientError as error:
            if is_unsupported(error):
                return None
            raise

    # -- state machines -------------------------------------------------------------------------
    def state_machines(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            page = self.client.list_state_machines(**({"nextToken": token} if token else {}))
            found.extend(page.get("stateMachines", []))
            token = page.get("nextToken")
            if not token:
                return found

    def find_state_machine(self, name: str) -> dict[str, Any] | None:
        return next((m for m in self.state_machines() if m.get("name") == name), None)

    def describe_state_machine(self, arn: str) -> dict[str, Any]:
        return dict(self.client.describe_state_machine(stateMachineArn=arn))

    def versions(self, arn: str) -> list[dict[str, Any]] | None:
        page = self._optional("list_state_machine_versions", stateMachineArn=arn)
        return None if page is None else list(page.get("stateMachineVersions", []))

    def aliases(self, arn: str) -> list[dict[str, Any]] | None:
        page = self._optional("list_state_machine_aliases", stateMachineArn=arn)
        return None if page is None else list(page.get("stateMachineAliases", []))

    # -- executions -----------------------------------------------------------------------------
    def executions(self, arn: str, *, status: str | None = None, token: str | None = None,
                   page_size: int = PAGE_SIZE, map_run: bool = False) -> tuple[list[dict[str, Any]], str | None]:
        """One page, newest first; raises ClientError StateMachineTypeNotSupported for Express machines."""
        kwargs: dict[str, Any] = {"mapRunArn" if map_run else "stateMachineArn": arn, "maxResults": page_size}
        if status:
            kwargs["statusFilter"] = status
        if token:
            kwargs["nextToken"] = token
        page = self.client.list_executions(**kwargs)
        return list(page.get("executions", [])), page.get("nextToken")

    def status_counts(self, arn: str) -> tuple[Counter[str], bool] | None:
        """Executions by status among the newest COUNT_PAGE (truncated=True when there are more);
        None for machines the API lists no executions of (Express)."""
        try:
            items, token = self.executions(arn, page_size=COUNT_PAGE)
        except ClientError as error:
            if error_code(error) == "StateMachineTypeNotSupported":
                return None
            raise
        return Counter(item.get("status", "?") for item in items), token is not None

    def describe_execution(self, arn: str) -> dict[str, Any]:
        return dict(self.client.describe_execution(executionArn=arn))

    def machine_for_execution(self, execution: dict[str, Any]) -> dict[str, Any]:
        """The definition this execution ran (its version's), else the machine's current one."""
        found = self._optional("describe_state_machine_for_execution", executionArn=execution["executionArn"])
        return dict(found) if found is not None else self.describe_state_machine(execution["stateMachineArn"])

    def history(self, arn: str) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"executionArn": arn, "maxResults": 1000}
            if token:
                kwargs["nextToken"] = token
            page = self.client.get_execution_history(**kwargs)
            events.extend(page.get("events", []))
            token = page.get("nextToken")
            if not token:
                return events

    def map_run_executions(self, map_run_arn: str) -> tuple[list[dict[str, Any]] | None, str]:
        """A Distributed Map run's child executions (newest page), or (None, why not)."""
        try:
            items, more = self.executions(map_run_arn, map_run=True)
        except ClientError as error:
            if is_unsupported(error):
                return None, "this endpoint does not list a map run's executions"
            return None, (f"this endpoint did not list the map run's executions ({error_code(error)}: "
                          f"{error.response.get('Error', {}).get('Message', '')})")
        return items, "newest " + str(len(items)) + " shown" if more else ""

    # -- actions --------------------------------------------------------------------------------
    def start_execution(self, arn: str, name: str | None, input_text: str) -> str:
        kwargs: dict[str, Any] = {"stateMachineArn": arn, "input": input_text}
        if name:
            kwargs["name"] = name
        return str(self.client.start_execution(**kwargs)["executionArn"])

    def stop_execution(self, arn: str, error: str | None, cause: str | None) -> None:
        kwargs: dict[str, Any] = {"executionArn": arn}
        if error:
            kwargs["error"] = error
        if cause:
            kwargs["cause"] = cause
        self.client.stop_execution(**kwargs)

    def redrive_execution(self, arn: str) -> bool:
        """False when the endpoint has no RedriveExecution."""
        return self._optional("redrive_execution", executionArn=arn) is not None

    def send_task_success(self, token: str, output: str) -> None:
        self.client.send_task_success(taskToken=token, output=output)

    def send_task_failure(self, token: str, error: str | None, cause: str | None) -> None:
        kwargs: dict[str, Any] = {"taskToken": token}
        if error:
            kwargs["error"] = error
        if cause:
            kwargs["cause"] = cause
        self.client.send_task_failure(**kwargs)
