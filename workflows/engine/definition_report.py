"""ValidateStateMachineDefinition: the engine's one checker (`validate_definition`, the same one
CreateStateMachine and `workflows validate` use) reported in AWS's shape.

    {"result": "OK" | "FAIL",
     "diagnostics": [{"severity": "ERROR" | "WARNING", "code": ..., "message": ..., "location": ...}],
     "truncated": bool}

`result` is FAIL exactly when an ERROR diagnostic is present (warnings alone leave it OK, as on
AWS). `severity` chooses what is listed: ERROR (the default) lists errors only, WARNING lists errors
and warnings. `maxResults` (default 100, AWS's maximum) caps the list; `truncated` says whether more
were found.
"""
from __future__ import annotations

from typing import Any

from workflows.engine.api_errors import api_error
from workflows.engine.parser import validate_definition

MAX_DIAGNOSTICS = 100
SEVERITIES = ("ERROR", "WARNING")


def _severity(diagnostic: Any) -> str:
    # Diagnostics carry a severity once the checker reports warnings; until then every one is an error.
    return getattr(diagnostic, "severity", None) or "ERROR"


def validation_report(definition: str, machine_type: str = "STANDARD", severity: str = "ERROR",
                      max_results: int | None = None) -> dict[str, Any]:
    if severity not in SEVERITIES:
        raise api_error("ValidationException",
                        f"1 validation error detected: Value '{severity}' at 'severity' failed to satisfy "
                        f"constraint: Member must satisfy enum value set: [ERROR, WARNING]")
    if machine_type not in ("STANDARD", "EXPRESS"):
        raise api_error("ValidationException",
                        f"1 validation error detected: Value '{machine_type}' at 'type' failed to satisfy "
                        f"constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]")
    found = list(validate_definition(definition, machine_type))
    listed = [d for d in found if severity == "WARNING" or _severity(d) == "ERROR"]
    limit = max_results or MAX_DIAGNOSTICS
    shaped = []
    for diagnostic in listed[:limit]:
        item = {"severity": _severity(diagnostic), "code": diagnostic.code, "message": diagnostic.message}
        if diagnostic.location:
            item["location"] = diagnostic.location
        shaped.append(item)
    failed = any(_severity(d) == "ERROR" for d in found)
    return {"result": "FAIL" if failed else "OK", "diagnostics": shaped, "truncated": len(listed) > limit}


class DefinitionReportOperations:
    def validate_state_machine_definition(self, *, definition: str, type: str = "STANDARD",
                                          severity: str = "ERROR", maxResults: int | None = None) -> dict[str, Any]:
        return validation_report(definition, type, severity, maxResults)
