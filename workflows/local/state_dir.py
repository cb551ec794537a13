"""`workflows up --state-dir DIR`: what a restart keeps - state machines, executions, DynamoDB tables.

Without it every start is a fresh deployment. With it, `up` writes DIR when it stops (Ctrl-C,
SIGTERM) and reads it when it starts, as plain JSON a person can read and diff:

  DIR/stack.json           format version and the stack's resource-name prefix, so the users table,
                           the legacy table and the user pool keep their names
  DIR/state-machines.json  every state machine created through the API (CreateStateMachine): name,
                           definition, role, type, logging/tracing configuration. The project's own
                           asl/ machines are not kept: they are rendered from asl/ at each start (the
                           files are their source of truth), and --definitions files win over a
                           kept machine of the same name
  DIR/executions.json      every Standard execution of every machine, finished ones with their whole
                           history. An execution still RUNNING when the stack stopped cannot be
                           resumed (its in-flight Task, timers and task token lived in the process):
                           it comes back ABORTED, with an ExecutionAborted event saying why. Express
                           executions are not kept (AWS keeps no history of them either)
  DIR/dynamodb.json        every DynamoDB table (key schema, indexes) and all its items

Not kept, and docs/local.md says so: Cognito (a new user pool and app client each start, so users,
passwords and groups are gone - bootstrap an Admin again), SQS messages, activities, task tokens.

Why JSON through the services' own APIs rather than pickling moto's backends: the files survive a
moto upgrade, hold nothing but data, and are readable; executions are the one place that needs the
engine's records directly (no Step Functions API creates a finished execution), in `_restore_execution`.
"""
from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

FORMAT = 1
RUNNING_CAUSE = ("The local stack stopped while this execution ran; --state-dir keeps finished executions, "
                 "a running one cannot be resumed")


class StateDirError(ValueError):
    """DIR cannot be used (not a directory, a file from a newer format, unreadable JSON)."""


class StateDir:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if self.path.exists() and not self.path.is_dir():
            raise StateDirError(f"--state-dir {path}: not a directory")
        self.path.mkdir(parents=True, exist_ok=True)
        self.stack = self._read("stack.json", {})
        if self.stack and self.stack.get("format") != FORMAT:
            raise StateDirError(f"--state-dir {path}: stack.json has format {self.stack.get('format')!r}, "
                                f"this version reads format {FORMAT}")

    # -- identity ----------------------------------------------------------------------------------
    def name_prefix(self) -> str:
        """The kept resource-name prefix, or a new one (written at once, so a crash keeps it too)."""
        prefix = self.stack.get("namePrefix")
        if not isinstance(prefix, str) or not prefix:
            prefix = f"wf{uuid.uuid4().hex[:6]}"
            self.stack = {"format": FORMAT, "namePrefix": prefix}
            self._write("stack.json", self.stack)
        return prefix

    # -- saving --------------------------------------------------------------------------------------
    def save(self, sfn: Any, moto: Any, own_machines: set[str]) -> None:
        """Write state machines and executions (from the StepFunctions facade `sfn`) and every table."""
        machines, executions = export_stepfunctions(sfn, own_machines)
        self._write("state-machines.json", machines)
        self._write("executions.json", executions)
        self._write("dynamodb.json", export_tables(moto))

    # -- restoring -----------------------------------------------------------------------------------
    def restore_machines(self, sfn: Any) -> list[str]:
        """Create the kept state machines; their names."""
        created = []
        for record in self._read("state-machines.json", []):
            kwargs = {k: record[k] for k in ("name", "definition", "roleArn", "type", "loggingConfiguration",
                                             "tracingConfiguration") if record.get(k) is not None}
            sfn.create_state_machine(**kwargs)
            created.append(record["name"])
        return created

    def restore_executions(self, sfn: Any) -> int:
        """Put the kept executions back (after every machine exists); how many."""
        engine = sfn.engine
        count = 0
        with engine.scheduler.lock:
            for record in self._read("executions.json", []):
                machine = engine.machines.get(record["stateMachineArn"])
                if machine is None or record["executionArn"] in engine.executions:
                    continue  # its machine is gone (deleted, or a --definitions file removed)
                _restore_execution(engine, machine, record)
                count += 1
        return count

    def restore_tables(self, moto: Any) -> None:
        """Create kept tables the stack does not create itself, then put every item back."""
        existing = set(_moto(moto, "dynamodb", "ListTables", {}).get("TableNames", []))
        for table in self._read("dynamodb.json", {}).get("tables", []):
            name = table["TableName"]
            if name not in existing:
                _moto(moto, "dynamodb", "CreateTable", _create_table_request(table))
            items = table.get("Items", [])
            for start in range(0, len(items), 25):  # BatchWriteItem's limit
                _moto(moto, "dynamodb", "BatchWriteItem", {"RequestItems": {
                    name: [{"PutRequest": {"Item": item}} for item in items[start:start + 25]]}})

    # -- files ---------------------------------------------------------------------------------------
    def _read(self, name: str, default: Any) -> Any:
        path = self.path / name
        try:
            return json.loads(path.read_text())
        except FileNotFoundError:
            return default
        except (OSError, ValueError) as error:
            raise StateDirError(f"--state-dir {self.path}: cannot read {name} ({error})") from None

    def _write(self, name: str, document: Any) -> None:
        target = self.path / name
        scratch = target.with_name(f".{name}.tmp")
        scratch.write_text(json.dumps(document, indent=1))
        os.replace(scratch, target)  # a crash mid-write leaves the previous file whole


def export_stepfunctions(sfn: Any, own_machines: set[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(state machines to re-create, Standard executions) from the engine's records."""
    engine = sfn.engine
    machines: list[dict[str, Any]] = []
    executions: list[dict[str, Any]] = []
    with engine.scheduler.lock:
        for machine in engine.machines.values():
            if machine.name not in own_machines:
                machines.append({"name": machine.name, "definition": machine.definition_text,
                                 "roleArn": machine.role_arn, "type": machine.type,
                                 "loggingConfiguration": machine.logging, "tracingConfiguration": machine.tracing})
            for execution in machine.executions:
                if execution.express:
                    continue
                executions.append({
                    "executionArn": execution.arn, "stateMachineArn": machine.arn, "name": execution.name,
                    "input": execution.input_text, "start": execution.start, "stop": execution.stop,
                    "status": execution.status, "output": execution.output_text, "error": execution.error,
                    "cause": execution.cause, "events": execution.events})
    executions.sort(key=lambda record: record["start"])
    return machines, executions


def _restore_execution(engine: Any, machine: Any, record: dict[str, Any]) -> None:
    from workflows.engine.runtime import Execution

    try:
        value = json.loads(record["input"])
    except (TypeError, ValueError):
        value = record["input"]
    execution = Execution(engine, machine, record["executionArn"], record["name"], value, record["input"],
                          record["start"], express=False, sync=False)
    execution.events = list(record["events"])
    if record["status"] == "RUNNING":
        execution.finish("ABORTED", cause=RUNNING_CAUSE, previous=len(execution.events))
    else:
        execution.status, execution.stop = record["status"], record["stop"]
        execution.output_text, execution.error, execution.cause = record["output"], record["error"], record["cause"]
        execution.done.set_result(execution)
    engine.executions[execution.arn] = execution
    machine.executions.append(execution)


def export_tables(moto: Any) -> dict[str, Any]:
    tables = []
    for name in _moto(moto, "dynamodb", "ListTables", {}).get("TableNames", []):
        described = _moto(moto, "dynamodb", "DescribeTable", {"TableName": name})["Table"]
        items: list[dict[str, Any]] = []
        request: dict[str, Any] = {"TableName": name}
        while True:
            page = _moto(moto, "dynamodb", "Scan", request)
            items.extend(page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        tables.append({**{k: described[k] for k in ("TableName", "KeySchema", "AttributeDefinitions")},
                       "BillingMode": described.get("BillingModeSummary", {}).get("BillingMode", "PAY_PER_REQUEST"),
                       "GlobalSecondaryIndexes": described.get("GlobalSecondaryIndexes", []),
                       "LocalSecondaryIndexes": described.get("LocalSecondaryIndexes", []),
                       "ProvisionedThroughput": described.get("ProvisionedThroughput"), "Items": items})
    return {"tables": tables}


def _create_table_request(table: dict[str, Any]) -> dict[str, Any]:
    request: dict[str, Any] = {k: table[k] for k in ("TableName", "KeySchema", "AttributeDefinitions")}
    request["BillingMode"] = table.get("BillingMode", "PAY_PER_REQUEST")
    index_keys = ("IndexName", "KeySchema", "Projection")
    if table.get("GlobalSecondaryIndexes"):
        request["GlobalSecondaryIndexes"] = [{k: i[k] for k in index_keys if k in i}
                                             for i in table["GlobalSecondaryIndexes"]]
    if table.get("LocalSecondaryIndexes"):
        request["LocalSecondaryIndexes"] = [{k: i[k] for k in index_keys if k in i}
                                            for i in table["LocalSecondaryIndexes"]]
    if request["BillingMode"] == "PROVISIONED":
        throughput = table.get("ProvisionedThroughput") or {}
        request["ProvisionedThroughput"] = {"ReadCapacityUnits": throughput.get("ReadCapacityUnits", 5),
                                            "WriteCapacityUnits": throughput.get("WriteCapacityUnits", 5)}
        for index in request.get("GlobalSecondaryIndexes", []):
            index["ProvisionedThroughput"] = dict(request["ProvisionedThroughput"])
    return request


def _moto(moto: Any, service: str, action: str, payload: dict[str, Any]) -> dict[str, Any]:
    response = moto.call(service, action, payload)
    if response.status != 200:
        raise StateDirError(f"--state-dir: {service} {action} failed: {response.body.decode()[:300]}")
    return dict(response.json())
