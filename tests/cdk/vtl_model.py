"""Renders api/ templates for the CDK tests through the local stack's API Gateway emulation.

The templates are checked with workflows/local/vtl.py — the same $input/$util/$context emulation
(airspeed + Java-printing values, commons-lang escapeJavaScript) the local stack serves them with —
so a template that passes here behaves the same on a laptop. What stays here is what the CDK tests
need around a render: the api/README.md placeholder rule and the integration-response selection.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from workflows.local import vtl

API_DIR = Path(__file__).resolve().parents[2] / "api"

def substitute(text: str, placeholders: dict[str, str]) -> str:
    """The rule in api/README.md: replace exactly the declared ${Name} placeholders, as text."""
    for name, value in placeholders.items():
        text = text.replace("${" + name + "}", value)
    return text


def render(template: str, placeholders: dict[str, str], body: str, *, params: dict[str, str] | None = None,
           authorizer: dict[str, str] | None = None, request_id: str = "req-1") -> tuple[str, dict[str, Any]]:
    """Render api/<template>; returns the text and the $context (to read responseOverride)."""
    text = substitute((API_DIR / template).read_text(encoding="utf-8"), placeholders)
    context: dict[str, Any] = {"requestId": request_id, "authorizer": dict(authorizer or {}),
                               "responseOverride": {"header": {}}}
    output = vtl.render(text, input=vtl.Input(body, path=params or {}), context=context)
    return output, context


def respond(route: dict[str, Any], placeholders: dict[str, str], backend_status: int, backend_body: Any,
            **kwargs: Any) -> tuple[int, Any]:
    """Integration-response selection + response template + override, as api/README.md describes."""
    chosen = None
    for response in route["integrationResponses"]:
        pattern = response["selectionPattern"]
        if pattern is None:
            chosen = chosen or response
        elif re.fullmatch(pattern, str(backend_status)):
            chosen = response
            break
    assert chosen is not None, f"no integration response for {backend_status}"
    text, context = render(route["responseTemplate"], placeholders, json.dumps(backend_body), **kwargs)
    status = context["responseOverride"].get("status") or int(chosen["statusCode"])
    return int(status), json.loads(text)
