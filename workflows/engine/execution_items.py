"""ListExecutions' ExecutionListItem, one shape whether the list is of a state machine, a version,
an alias or a map run's child workflows."""
from __future__ import annotations

from typing import Any

from workflows.engine.redrive import redrive_fields
from workflows.engine.runtime import Execution, to_datetime


def execution_list_item(execution: Execution, machine_arn: str, now: float) -> dict[str, Any]:
    item: dict[str, Any] = {"executionArn": execution.arn, "stateMachineArn": machine_arn,
                            "name": execution.name, "status": execution.status,
                            "startDate": to_datetime(execution.start)}
    if execution.stop is not None:
        item["stopDate"] = to_datetime(execution.stop)
    redriven = redrive_fields(execution, now)
    item["redriveCount"] = redriven["redriveCount"]
    if "redriveDate" in redriven:
        item["redriveDate"] = redriven["redriveDate"]
    return item
