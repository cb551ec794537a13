"""API Gateway mapping templates: the $input, $util and $context variables, rendered by airspeed.

airspeed is a real Velocity engine (LocalStack uses it for the same job); what it lacks is API
Gateway's variables, written here after AWS's "API Gateway mapping template and access logging
variable reference": `$input.body/json/path/params`, `$util.escapeJavaScript/parseJson/urlEncode/
urlDecode/base64Encode/base64Decode`, and `$context` with `authorizer`, `requestOverride` and
`responseOverride`. Values parsed from JSON print the way Java prints them in API Gateway (a map as
`{a=1}`, booleans as `true`), so a template that would emit a Java map instead of JSON on AWS does
so here too. JSONPath is the engine's Jayway-compatible implementation (API Gateway uses Jayway).
"""
from __future__ import annotations

import base64
import json
import urllib.parse
from functools import lru_cache
from typing import Any, Mapping

import airspeed

from workflows.engine.expressions.jsonpath import jsonpath_get


class JavaMap(dict):
    """A parsed JSON object; prints like java.util.LinkedHashMap."""

    def __str__(self) -> str:
        return "{" + ", ".join(f"{k}={_java_str(v)}" for k, v in self.items()) + "}"

    def size(self) -> int:
        return len(self)

    def containsKey(self, key: str) -> bool:  # noqa: N802 - Java name used in templates
        return key in self

    def keySet(self) -> list[str]:  # noqa: N802
        return list(self.keys())


class JavaList(list):
    """A parsed JSON array; prints like java.util.ArrayList."""

    def __str__(self) -> str:
        return "[" + ", ".join(_java_str(v) for v in self) + "]"

    def size(self) -> int:
        return len(self)


class JavaBoolean:
    """A parsed JSON boolean; prints `true` / `false` and is falsy when false (#if works)."""

    def __init__(self, value: bool) -> None:
        self.value = value

    def __bool__(self) -> bool:
        return self.value

    def __eq__(self, other: object) -> bool:
        return bool(other) == self.value if isinstance(other, (bool, JavaBoolean)) else False

    def __hash__(self) -> int:
        return hash(self.value)

    def __str__(self) -> str:
        return "true" if self.value else "false"


# java.lang.String methods that API Gateway templates may call and airspeed does not provide
# (api/templates/signup_request.vtl lower-cases the email). airspeed's documented extension point is
# its per-type method table; we add to it once, at import, without replacing airspeed's own entries.
_JAVA_TRIMMED = "".join(map(chr, range(0x21)))
_JAVA_STRING_METHODS = {
    "toLowerCase": lambda self: self.lower(),
    "toUpperCase": lambda self: self.upper(),
    "trim": lambda self: self.strip(_JAVA_TRIMMED),  # java.lang.String.trim: every char <= U+0020
    "isEmpty": lambda self: JavaBoolean(len(self) == 0),
    "equals": lambda self, other: JavaBoolean(self == other),
    "equalsIgnoreCase": lambda self, other: JavaBoolean(isinstance(other, str) and self.lower() == other.lower()),
    "endsWith": lambda self, suffix: JavaBoolean(self.endswith(suffix)),
    "indexOf": lambda self, sub: self.find(sub),
    "substring": lambda self, start, end=None: self[start:end],
    "replace": lambda self, old, new: self.replace(old, new),
    "concat": lambda self, other: self + other,
}
for _name, _method in _JAVA_STRING_METHODS.items():
    airspeed.__additional_methods__.setdefault(str, {}).setdefault(_name, _method)


def _java_str(value: Any) -> str:
    return "null" if value is None else str(value)


def javaize(value: Any) -> Any:
    """JSON value -> the objects templates see (Java-printing maps, lists and booleans)."""
    if isinstance(value, bool):
        return JavaBoolean(value)
    if isinstance(value, dict):
        return JavaMap({k: javaize(v) for k, v in value.items()})
    if isinstance(value, list):
        return JavaList(javaize(v) for v in value)
    return value


def escape_javascript(text: Any) -> str:
    """Apache commons-lang StringEscapeUtils.escapeJavaScript, which API Gateway's $util uses."""
    out = []
    for ch in str(text):
        code = ord(ch)
        if ch in "\"'\\/":
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\b":
            out.append("\\b")
        elif ch == "\f":
            out.append("\\f")
        elif code < 32 or code > 0x7E:
            if code > 0xFFFF:  # Java strings are UTF-16: escape each surrogate
                code -= 0x10000
                out.append(f"\\u{0xD800 + (code >> 10):04X}\\u{0xDC00 + (code & 0x3FF):04X}")
            else:
                out.append(f"\\u{code:04X}")
        else:
            out.append(ch)
    return "".join(out)


class Util:
    """`$util`."""

    def escapeJavaScript(self, text: Any) -> str:  # noqa: N802
        return escape_javascript(text)

    def parseJson(self, text: Any) -> Any:  # noqa: N802
        return javaize(json.loads(str(text)))

    def urlEncode(self, text: Any) -> str:  # noqa: N802
        return urllib.parse.quote_plus(str(text))

    def urlDecode(self, text: Any) -> str:  # noqa: N802
        return urllib.parse.unquote_plus(str(text))

    def base64Encode(self, text: Any) -> str:  # noqa: N802
        return base64.b64encode(str(text).encode()).decode()

    def base64Decode(self, text: Any) -> str:  # noqa: N802
        return base64.b64decode(str(text)).decode()


class Input:
    """`$input` over one request (or integration response) body."""

    def __init__(self, body: str, *, path: Mapping[str, str] | None = None,
                 querystring: Mapping[str, str] | None = None, header: Mapping[str, str] | None = None) -> None:
        self.body = body
        self._params = {"path": dict(path or {}), "querystring": dict(querystring or {}),
                        "header": dict(header or {})}
        self._parsed: Any = None
        self._parsed_ready = False

    def _data(self) -> Any:
        if not self._parsed_ready:
            try:
                self._parsed = json.loads(self.body) if self.body.strip() else {}
            except ValueError:
                self._parsed = self.body
            self._parsed_ready = True
        return self._parsed

    def _get(self, path: str) -> Any:
        try:
            return jsonpath_get(path, self._data())
        except Exception:  # a missing path is null in API Gateway, never an error
            return None

    def path(self, path: str) -> Any:
        return javaize(self._get(path))

    def json(self, path: str) -> str:
        return json.dumps(self._get(path))

    def params(self, name: str | None = None) -> Any:
        if name is None:
            return JavaMap({k: JavaMap(v) for k, v in self._params.items()})
        for where in ("path", "querystring"):
            if name in self._params[where]:
                return self._params[where][name]
        for header, value in self._params["header"].items():
            if header.lower() == name.lower():
                return value
        return ""


def render(template: str, *, input: Input, context: dict[str, Any],
           stage_variables: Mapping[str, str] | None = None) -> str:
    """Render `template`; `context` is mutated by #set($context.responseOverride...) as on AWS."""
    namespace = {"input": input, "util": Util(), "context": context,
                 "stageVariables": dict(stage_variables or {})}
    return _compiled(template).merge(namespace)


@lru_cache(maxsize=256)
def _compiled(template: str) -> airspeed.Template:
    """Parse a template once (airspeed's parse costs ~10 ms; rendering a parsed one is cheap)."""
    compiled = airspeed.Template(template)
    compiled.ensure_compiled()
    return compiled
