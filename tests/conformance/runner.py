"""Run one corpus case through `workflows.engine.StepFunctions` and collect what AWS would show.

Only the engine's public face is used (create_state_machine, start_execution /
start_sync_execution, describe_execution, get_execution_history, register_lambda). Each case gets
its own engine: cases reuse function names with different handler code.

Placeholders in the definition and input (`<region>`, `<ArnPart_0idx>`, `<lambda_function_name>`)
are replaced by concrete, valid values; the matcher binds the recorded placeholders to whatever the
engine then shows, consistently within the case.
"""
from __future__ import annotations

import contextlib
import datetime
import json
import linecache
import os
import re
import signal
import threading
import time
import types
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from workflows.engine import virtual_sleep
from workflows.testing.helpers import history

REGION = "us-east-1"
PARTITION = "aws"
ACCOUNT = "111111111111"
CASE_TIME_LIMIT_S = 5.0
TOKEN = re.compile(r"<([A-Za-z][A-Za-z0-9_\-.:]*)>")
KEEP_TOKENS = {"omitted"}
LAMBDA_TASK_ROOT = "/var/task"  # literal text in a definition, not a snapshot placeholder


@dataclass
class Observed:
    status: str | None = None
    output: Any = None  # JSON text as the API returns it
    error: str | None = None
    cause: str | None = None
    history: list[dict[str, Any]] | None = None
    problem: str | None = None  # the harness or the engine raised instead of returning
    notes: list[str] = field(default_factory=list)


def concrete_name(token: str) -> str:
    if token == "partition":
        return PARTITION
    if token == "region":
        return REGION
    return re.sub(r"[^A-Za-z0-9_\-.]", "_", token)


def concretize(value: Any, timestamps: dict[str, str] | None = None) -> Any:
    """Replace snapshot placeholders with concrete values, recursively."""
    if isinstance(value, str):
        def repl(found: re.Match[str]) -> str:
            token = found.group(1)
            if token in KEEP_TOKENS:
                return found.group(0)
            if token == "timestamp" and timestamps is not None and "timestamp" in timestamps:
                return timestamps["timestamp"]
            return concrete_name(token)
        return TOKEN.sub(repl, value)
    if isinstance(value, dict):
        return {concretize(k, timestamps): concretize(v, timestamps) for k, v in value.items()}
    if isinstance(value, list):
        return [concretize(v, timestamps) for v in value]
    return value


def runtime_timestamp(description: str, now: datetime.datetime) -> str:
    """Compute the `<timestamp>` a test computed at run time from its README description."""
    days = re.search(r"\+ (\d+) days", description)
    moment = now + datetime.timedelta(days=int(days.group(1))) if days else now
    fmt = re.search(r"formatted (\S+)", description).group(1)
    text = moment.strftime(fmt)
    suffix = re.search(r"followed by '([^']*)'", description)
    return text + (suffix.group(1) if suffix else "")


class _NoWaitTime:
    """`time` for corpus handlers: `sleep` is `workflows.engine.virtual_sleep`.

    Some handlers sleep 60 s so that a 5 s TimeoutSeconds fires on AWS. Under the virtual clock
    the engine charges that sleep to the task as virtual time, so the timeout fires as on AWS and
    the suite spends no wall time on it.
    """

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)

    @staticmethod
    def sleep(seconds: float) -> None:
        virtual_sleep(seconds)


def recorded_on(case: dict[str, Any]) -> datetime.date | None:
    """The day AWS recorded this case ("24-10-2023, 17:18:16"): the engine emulates AWS as of then."""
    text = (case.get("source") or {}).get("recorded_date") or ""
    try:
        return datetime.datetime.strptime(text.split(",")[0].strip(), "%d-%m-%Y").date()
    except ValueError:
        return None


def _load_handler(spec: dict[str, Any]) -> Callable[[Any, Any], Any]:
    module_name = spec["handler"].split(".")[0]
    module = types.ModuleType(module_name)
    # Lambda deploys the code as /var/task/<module>.py; stack traces in causes name that file.
    module.__file__ = f"{LAMBDA_TASK_ROOT}/{module_name}.py"
    linecache.cache[module.__file__] = (len(spec["code"]), None, spec["code"].splitlines(True), module.__file__)
    exec(compile(spec["code"], module.__file__, "exec"), module.__dict__)  # noqa: S102 - corpus code
    if isinstance(module.__dict__.get("time"), types.ModuleType):
        module.time = _NoWaitTime()
    handler = getattr(module, spec["handler"].rsplit(".", 1)[-1])
    environment = spec.get("environment") or {}
    if not environment:
        return handler

    def with_environment(event: Any, context: Any) -> Any:
        saved = {k: os.environ.get(k) for k in environment}
        os.environ.update({k: str(v) for k, v in environment.items()})
        try:
            return handler(event, context)
        finally:
            for key, old in saved.items():
                if old is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = old

    return with_environment


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Stop a runaway execution (an engine bug must fail one case, not hang the suite)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum: int, frame: Any) -> None:
        raise TimeoutError(f"case ran longer than {seconds} s of wall time")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_case(case: dict[str, Any], client_factory: Callable[[str], Any] | None = None,
             replacements: dict[str, str] | None = None) -> Observed:
    """`replacements` swaps whole concrete strings for provisioned values (a real queue URL)."""
    observed = Observed()
    try:
        with time_limit(CASE_TIME_LIMIT_S):
            _run(case, observed, client_factory, replacements or {})
    except Exception as exc:  # noqa: BLE001 - any engine failure is a reported difference
        observed.problem = f"{type(exc).__name__}: {str(exc)[:300]}"
    return observed


def _replace(value: Any, replacements: dict[str, str]) -> Any:
    if isinstance(value, str):
        return replacements.get(value, value)
    if isinstance(value, dict):
        return {k: _replace(v, replacements) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, replacements) for v in value]
    return value


def _run(case: dict[str, Any], observed: Observed, client_factory: Callable[[str], Any] | None,
         replacements: dict[str, str]) -> None:
    from workflows.engine import StepFunctions
    from workflows.local.sfn_client import in_process_client

    from .driver import Plan, drive
    from .s3_objects import LIST_BUCKET, objects_for, result_buckets
    from .sub_machines import UNANSWERED_ACTIVITY, target_machines

    context = case.get("context") or {}
    needs = set(case["needs"])
    timestamps = {}
    for token, description in (case.get("input_placeholders") or {}).items():
        if token == "<timestamp>":
            timestamps["timestamp"] = runtime_timestamp(description, datetime.datetime.now(datetime.timezone.utc))
    # The activity the test created (and deleted) appears as the bare name `activity_arn`.
    activity = f"arn:{PARTITION}:states:{REGION}:{context.get('accountId', ACCOUNT)}:activity:conformance-activity"
    replacements = {"activity_arn": activity, "bucket_name": LIST_BUCKET, **replacements}

    def concrete(value: Any) -> Any:
        return _replace(concretize(value, timestamps), replacements)

    engines: list[Any] = []

    def factory(service_name: str) -> Any:
        # aws-sdk:sfn calls this engine, through a real boto3 client answered in-process
        if service_name == "stepfunctions":
            return in_process_client(engines[0], REGION)
        return client_factory(service_name) if client_factory is not None else None

    # A test that stops its execution while a Wait runs needs the Wait to take real time.
    clock = "real" if "api:stop_execution" in needs else "virtual"
    sfn = StepFunctions(region_name=REGION, account_id=context.get("accountId", ACCOUNT), clock=clock,
                        client_factory=factory if client_factory is not None or "aws-sdk:sfn" in needs else None,
                        aws_behaviour_as_of=recorded_on(case))
    engines.append(sfn)
    for spec in case.get("lambda_code") or []:
        handler = _load_handler(spec)
        for alias in {spec["function_name"], spec["function_arn"]}:
            sfn.register_lambda(concretize(alias), handler)
    definition = concrete(case["definition"])
    name = concrete_name(context.get("stateMachineName", "<StateMachine>").strip("<>"))
    role = concretize(context.get("roleArn", f"arn:aws:iam::{ACCOUNT}:role/conformance"))
    if not role.startswith("arn:"):  # the recording's bare placeholder (snf_role_arn): AWS takes role ARNs only
        role = f"arn:aws:iam::{ACCOUNT}:role/{role}"
    value = concrete(case["input"])
    if "activity-worker" in needs:  # the test created the activity and worked it
        sfn.create_activity(name="conformance-activity")
    held = sfn.create_activity(name=UNANSWERED_ACTIVITY)["activityArn"]
    targets = target_machines(case, concrete, held)
    for arn, target in targets.items():
        sfn.create_state_machine(name=arn.rsplit(":", 1)[-1], definition=json.dumps(target), roleArn=role)
    if sfn.engine.machine_arn(name) in targets:  # the recording names the target like the parent
        name += "-parent"
    if needs & {"s3", "aws-sdk:s3"} and client_factory is not None:
        s3 = client_factory("s3")
        for bucket, key, body in objects_for(case, definition, value):
            _ensure_bucket(s3, bucket)
            s3.put_object(Bucket=bucket, Key=key, Body=body)
        for bucket in result_buckets(definition):
            _ensure_bucket(s3, bucket)
    created = sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=role,
                                       type=case["state_machine_type"])
    payload = json.dumps(value)
    start: dict[str, Any] = {"stateMachineArn": created["stateMachineArn"], "input": payload}
    if context.get("executionName"):
        start["name"] = concrete_name(context["executionName"].strip("<>"))
    if any("StartSyncExecution" in note for note in case.get("notes") or ()):
        # Async Express cases go through start_execution: $$.Execution differs (RedriveCount).
        response = sfn.start_sync_execution(**start)
        observed.status = response.get("status")
        observed.output = response.get("output")
        observed.error = response.get("error")
        observed.cause = response.get("cause")
        return
    started = sfn.start_execution(**start)
    drive(sfn, started["executionArn"], Plan(case, concrete), activity)
    if clock == "real":
        _wait_until_stopped(sfn, started["executionArn"])
    described = sfn.describe_execution(executionArn=started["executionArn"])
    observed.status = described.get("status")
    observed.output = described.get("output")
    observed.error = described.get("error")
    observed.cause = described.get("cause")
    if case["history"] is not None:
        observed.history = history(sfn, started["executionArn"])


def _ensure_bucket(s3: Any, bucket: str) -> None:
    try:
        s3.head_bucket(Bucket=bucket)
    except Exception:  # noqa: BLE001 - missing: create it
        s3.create_bucket(Bucket=bucket)


def _wait_until_stopped(sfn: Any, execution_arn: str, seconds: float = 2.0) -> None:
    deadline = time.monotonic() + seconds
    while sfn.describe_execution(executionArn=execution_arn)["status"] == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.01)
