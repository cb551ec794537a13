"""A minimal model of API Gateway's mapping-template variables, used to check api/ templates offline.

Why hand-written: no maintained Python library models API Gateway's $input/$util/$context; airspeed
only renders Velocity. This model follows AWS's documented semantics where they matter for our
templates — notably Java's escapeJavaScript, which also escapes ' as \\' (the case the templates must
undo) — and is deliberately stricter than the local stack's emulation, which is tested on its own.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import airspeed

# Java String methods the templates call that airspeed does not provide (API Gateway runs Java
# Velocity); an emulation of API Gateway must add them too (api/README.md lists them).
airspeed.__additional_methods__[str].setdefault("toLowerCase", lambda self: self.lower())

API_DIR = Path(__file__).resolve().parents[2] / "api"


def _java_escape_javascript(text: Any) -> str:
    """commons-lang StringEscapeUtils.escapeJavaScript, as API Gateway's $util uses it."""
    out = []
    for char in str(text):
        code = ord(char)
        if char in "\"'\\/":
            out.append("\\" + char)
        elif char in "\b\f\n\r\t":
            out.append({"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}[char])
        elif code < 32 or code > 0x7F:
            out.append("\\u%04X" % code)
        else:
            out.append(char)
    return "".join(out)


def _select(document: Any, path: str) -> Any:
    if path == "$":
        return document
    if not path.startswith("$."):
        raise ValueError(f"JSONPath {path!r} not supported by the test model")
    value = document
    for key in path[2:].split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


class Input:
    def __init__(self, body: str, params: dict[str, str] | None = None) -> None:
        self.body = body
        self._document = json.loads(body) if body.strip() else {}
        self._params = params or {}

    def path(self, path: str) -> Any:
        return _select(self._document, path)

    def json(self, path: str) -> str:
        return json.dumps(_select(self._document, path))

    def params(self, name: str) -> str:
        return self._params.get(name, "")


class Util:
    escapeJavaScript = staticmethod(_java_escape_javascript)

    @staticmethod
    def parseJson(text: str) -> Any:
        return json.loads(text)


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
                               "responseOverride": {"status": None, "header": {}}}
    output = airspeed.Template(text).merge({"input": Input(body, params), "util": Util(), "context": context})
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
    status = context["responseOverride"]["status"] or int(chosen["statusCode"])
    return int(status), json.loads(text)
