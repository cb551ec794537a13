"""Placeholder-aware comparison of an execution's observable results with a recorded AWS snapshot.

Why hand-written: the corpus was normalised by LocalStack's snapshot library (see
../shared/conformance/README.md), and no library undoes that normalisation. The rules it encodes:

* `<uuid:1>`, `<resource:2>`, `<ArnPart_0idx>`, `<region>`... (any `<token>`) is a wildcard that binds
  to ONE value per case: the first match fixes it, every later occurrence must equal it. Tokens
  also occur inside longer strings (ARNs, URLs, causes).
* The word `date` replaced every ISO-8601 timestamp, also inside strings.
* A handful of whole values (`"datetime"`, `"timestamp"`, `"RequestId"`...) stand for "any value".
* A recorded object where the API returns a string was JSON text the snapshot library parsed (it
  parses strings that start with `{`); in history details and causes any string is raw JSON text,
  so two JSON texts that differ only in spacing are equal.

`match()` returns None on a match or a one-line description of the first difference, and extends
`bindings` with the values it bound.
"""
from __future__ import annotations

import json
import re
from typing import Any

# Bare names the tests fixed for resources they created (the README's name placeholders, and the
# whole values the tests' snapshot transformers put in place of a queue URL, topic ARN or bucket).
BARE_NAMES = ("snf_role_arn", "sfn_role_arn", "activity_arn", "sqs_queue_url", "sqs-queue-url", "topic-arn",
              "bucket_name")
TOKEN = re.compile(r"(<[A-Za-z][A-Za-z0-9_:\-.]*>|date|" + "|".join(BARE_NAMES) + ")")
ISO_TIMESTAMP = (
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"
)
ISO_FULL = re.compile(ISO_TIMESTAMP)
# Whole values the snapshot library substituted for volatile data of that kind.
ANY_TIMESTAMP = {"date", "datetime", "start-date", "stop-date", "start-time", "entered-time",
                 "<date>", "<start-time>", "<entered-time>"}
ANY_VALUE = {
    "timestamp", "RequestId", "x-amzn-RequestId", "x-amzn-requestid", "X-Amzn-Trace-Id",
    "x-amz-crc32", "bucket-name", "file-key", "table-name", "map_run_arn",
    "RandomNumberGenerated", "generated-uuid", "Server",
}
# Keeps a diff line readable.
_SHOW = 120


def _short(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= _SHOW else text[: _SHOW - 3] + "..."


def _looks_like_time(value: Any) -> bool:
    if isinstance(value, list):  # a header's value list (AllHttpHeaders.Date) was replaced whole
        return len(value) == 1 and _looks_like_time(value[0])
    if isinstance(value, str):
        return value in ANY_TIMESTAMP or ISO_FULL.fullmatch(value) is not None or bool(
            re.fullmatch(r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT", value)
        )
    return isinstance(value, (int, float)) and not isinstance(value, bool) or hasattr(value, "isoformat")


def match_string(expected: str, actual: str, bindings: dict[str, str]) -> bool:
    """Match one recorded string (with tokens) against an actual string, binding tokens."""
    if expected == actual:
        return True
    if "<" not in expected and "date" not in expected and not any(n in expected for n in BARE_NAMES):
        return False
    parts = TOKEN.split(expected)
    pattern: list[str] = []
    groups: dict[str, str] = {}
    for index, part in enumerate(parts):
        if index % 2 == 0:
            pattern.append(re.escape(part))
        elif part == "date":
            pattern.append(f"(?:date|{ISO_TIMESTAMP})")
        elif part in bindings:
            pattern.append(re.escape(bindings[part]))
        elif part in groups:
            pattern.append(f"(?P={groups[part]})")
        else:
            groups[part] = f"g{len(groups)}"
            pattern.append(f"(?P<{groups[part]}>.+?)")
    found = re.fullmatch("".join(pattern), actual, flags=re.DOTALL)
    if found is None:
        return False
    for token, group in groups.items():
        bindings[token] = found.group(group)
    return True


def _parse_json_text(text: str) -> tuple[bool, Any]:
    try:
        return True, json.loads(text)
    except (ValueError, TypeError):
        return False, None


def match(expected: Any, actual: Any, bindings: dict[str, str], path: str = "$",
          json_text: bool = False) -> str | None:
    """Compare recursively; `json_text` marks a field whose strings are JSON text (history, cause)."""
    if isinstance(expected, str):
        if expected in ANY_TIMESTAMP and _looks_like_time(actual):
            return None
        if expected in ANY_VALUE and actual is not None:
            return None
        if "." in expected and path.endswith(expected) and actual is not None:
            return None  # a transformer replaced the value with its own key path
        if isinstance(actual, str):
            if match_string(expected, actual, bindings):
                return None
            if json_text:
                ok_e, parsed_e = _parse_json_text(expected)
                ok_a, parsed_a = _parse_json_text(actual)
                if ok_e and ok_a and not (isinstance(parsed_e, str) and parsed_e == expected):
                    trial = dict(bindings)
                    if match(parsed_e, parsed_a, trial, path) is None:
                        bindings.update(trial)
                        return None
        return f"{path}: expected {_short(expected)}, got {_short(actual)}"
    if isinstance(actual, str) and (json_text or isinstance(expected, dict)):
        # A recorded non-string where the API returns text: the snapshot library decoded it.
        ok, parsed = _parse_json_text(actual)
        if ok:
            return match(expected, parsed, bindings, path)
        return f"{path}: expected JSON text of {_short(expected)}, got {_short(actual)}"
    if isinstance(expected, bool) or expected is None:
        if actual is expected:
            return None
        return f"{path}: expected {_short(expected)}, got {_short(actual)}"
    if isinstance(expected, (int, float)):
        if isinstance(actual, (int, float)) and not isinstance(actual, bool) and actual == expected:
            return None
        return f"{path}: expected {_short(expected)}, got {_short(actual)}"
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f"{path}: expected object, got {_short(actual)}"
        missing = [k for k in expected if k not in actual]
        extra = [k for k in actual if k not in expected]
        if missing or extra:
            return f"{path}: keys missing {missing} extra {extra}"
        for key, value in expected.items():
            diff = match(value, actual[key], bindings, f"{path}.{key}", json_text)
            if diff:
                return diff
        return None
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return f"{path}: expected array, got {_short(actual)}"
        if len(expected) != len(actual):
            return f"{path}: expected {len(expected)} items, got {len(actual)}: {_short(actual)}"
        for index, (exp_item, act_item) in enumerate(zip(expected, actual)):
            diff = match(exp_item, act_item, bindings, f"{path}[{index}]", json_text)
            if diff:
                return diff
        return None
    return f"{path}: unsupported expected value {_short(expected)}"
