"""Commands that talk to a Step Functions endpoint (run, executions, history, send-task-*, ...).

They use a plain boto3 stepfunctions client on the endpoint (`--endpoint`, else $WORKFLOWS_ENDPOINT,
else $AWS_ENDPOINT_URL_SFN, else http://127.0.0.1:4599), so they work the same against `workflows
up`, Step Functions Local or, with AWS credentials and `--endpoint aws`, AWS itself. State machines
are found through the API (ListStateMachines), by name or ARN: every machine on the endpoint, the
user's as much as the project's. For a loopback endpoint host-prefix injection is off (the
"sync-" prefix of StartSyncExecution and TestState); for AWS the SDK's own settings apply.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from .errors import CliError

DEFAULT_ENDPOINT = "http://127.0.0.1:4599"
FINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}


def endpoint(value: str | None) -> str | None:
    """The endpoint URL to use; None means AWS itself (`--endpoint aws`)."""
    chosen = (value or os.environ.get("WORKFLOWS_ENDPOINT") or os.environ.get("AWS_ENDPOINT_URL_SFN")
              or DEFAULT_ENDPOINT)
    return None if chosen == "aws" else chosen.rstrip("/")


def client(url: str | None, region: str | None = None) -> Any:
    """A stepfunctions client on `url` (no "sync-" host prefix there), or on AWS when `url` is None."""
    from workflows.testing import clients

    if url is not None:
        return clients.endpoint_client("stepfunctions", url, region_name=region,
                                       retries={"max_attempts": 2})  # a stopped stack is reported at once
    import boto3

    return boto3.client("stepfunctions", region_name=region or clients.region())


def read_json_arg(value: str, what: str) -> Any:
    """`value` is JSON text or @path to a JSON file; a clear error names `what` otherwise."""
    text = value
    if value.startswith("@"):
        path = Path(value[1:])
        try:
            text = path.read_text()
        except OSError as error:
            raise CliError(f"{what}: cannot read {path}: {error.strerror}") from None
    try:
        return json.loads(text)
    except ValueError as error:
        raise CliError(f"{what} is not valid JSON ({error})") from None


def state_machines(url: str | None) -> list[dict[str, Any]]:
    """Every state machine on the endpoint (all ListStateMachines pages): name, ARN, type."""
    sfn = client(url)
    found: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {}
    while True:
        page = sfn.list_state_machines(**kwargs)
        found.extend(page.get("stateMachines", []))
        if not page.get("nextToken"):
            return found
        kwargs["nextToken"] = page["nextToken"]


def state_machine_arn(url: str | None, name: str) -> str:
    """`name` as an ARN: an ARN is taken as given, a name is looked up on the endpoint."""
    if name.startswith("arn:"):
        return name
    machines = state_machines(url)
    for machine in machines:
        if machine["name"] == name:
            return str(machine["stateMachineArn"])
    known = ", ".join(sorted(m["name"] for m in machines)) or "none"
    raise CliError(f"unknown state machine {name!r} on {url or 'AWS'} (known: {known})")


def run(url: str | None, name: str, input_arg: str, execution_name: str | None, wait_seconds: float) -> dict[str, Any]:
    """Start `name` and wait for it (up to `wait_seconds`); returns describe + history."""
    payload = read_json_arg(input_arg, "--input")
    sfn = client(url)
    arn = state_machine_arn(url, name)
    kwargs: dict[str, Any] = {"stateMachineArn": arn, "input": json.dumps(payload)}
    if execution_name:
        kwargs["name"] = execution_name
    machine_type = sfn.describe_state_machine(stateMachineArn=arn).get("type", "STANDARD")
    if machine_type == "EXPRESS":
        result = sfn.start_sync_execution(**kwargs)
        return {"execution": result, "events": []}
    execution_arn = sfn.start_execution(**kwargs)["executionArn"]
    deadline = time.monotonic() + wait_seconds
    while True:
        described = sfn.describe_execution(executionArn=execution_arn)
        if described["status"] in FINAL or time.monotonic() >= deadline:
            break
        time.sleep(0.1)
    return {"execution": described, "events": history(url, execution_arn)}


def history(url: str | None, execution_arn: str) -> list[dict[str, Any]]:
    from workflows.testing.helpers import history as paged_history

    return paged_history(client(url), execution_arn)


def executions(url: str | None, name: str | None, status: str | None, limit: int) -> list[dict[str, Any]]:
    """The newest `limit` executions of `name`, or of every Standard machine on the endpoint."""
    sfn = client(url)
    if name:
        arns = [state_machine_arn(url, name)]
    else:  # Express machines keep no execution list (ListExecutions refuses them, on AWS as here)
        arns = [m["stateMachineArn"] for m in state_machines(url) if m.get("type", "STANDARD") != "EXPRESS"]
    found: list[dict[str, Any]] = []
    for arn in arns:
        kwargs: dict[str, Any] = {"stateMachineArn": arn, "maxResults": min(limit, 1000)}
        if status:
            kwargs["statusFilter"] = status
        try:
            while True:  # each machine's list is newest first: `limit` of each is enough
                page = sfn.list_executions(**kwargs)
                found.extend(page["executions"])
                if not page.get("nextToken") or len(page["executions"]) >= limit:
                    break
                kwargs["nextToken"] = page["nextToken"]
        except Exception as error:
            if getattr(error, "response", {}).get("Error", {}).get("Code") != "StateMachineTypeNotSupported":
                raise
            if name:
                raise CliError(f"{name} is an EXPRESS state machine: Step Functions lists no executions of it "
                               "(`workflows run` prints each result)") from None
    found.sort(key=lambda e: e["startDate"], reverse=True)
    return found[:limit]


def send_task_success(url: str | None, token: str, output_arg: str) -> dict[str, Any]:
    output = read_json_arg(output_arg, "--output")
    return client(url).send_task_success(taskToken=token, output=json.dumps(output))


def send_task_failure(url: str | None, token: str, error: str | None, cause: str | None) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"taskToken": token}
    if error:
        kwargs["error"] = error
    if cause:
        kwargs["cause"] = cause
    return client(url).send_task_failure(**kwargs)


def send_task_heartbeat(url: str | None, token: str) -> dict[str, Any]:
    return client(url).send_task_heartbeat(taskToken=token)
