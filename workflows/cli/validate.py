"""`workflows validate FILE...`: two offline checkers over each definition, one line per problem.

- the engine's `validate_definition` (what `create_state_machine` would reject, with AWS's codes);
- statelint (pinned in pyproject), the community ASL linter, which checks field types and ranges
  the engine accepts silently (e.g. a BackoffRate below 1).

statelint has two known false alarms. It wants BackoffRate to be a JSON float, so `"BackoffRate": 2`
is reported as "... is 2 but should be a Float" although AWS accepts any number >= 1. Exactly that
message, for an integer >= 1 that really is in the document, is dropped (`"BackoffRate": 0` still
fails: statelint words it as a type problem, AWS as a range problem, and it is wrong either way).
And it refuses every JSONPath filter (`$.items[?(@.price < 10)]`), which Parameters, ItemSelector and
ResultSelector accept on AWS: its "Field "x.$" ... is not a JSONPath or intrinsic function
expression" is dropped when every value of that key in the state's payload templates has a filter
and the engine compiles it (a path the engine refuses keeps the message). Every other statelint
finding is kept.

Both checkers name a place in the document (the engine a JSON pointer, statelint a dotted path
"State Machine.States.A.Retry[0]..." that this module resolves against the document, since state
names may contain dots and spaces). Each problem is reported as file + state + field; when both
checkers report the same state and field it is one problem (the other checker's words are kept
under `also`).

asl/ files carry `${Placeholder}`s inside JSON strings; they are filled with sample values of the
right shape (ARNs, names) before validation, as `definitions.render` would fill them for a
deployment, so the checks see what Step Functions would see.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from .errors import CliError

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z][A-Za-z0-9_]*)\}")
SAMPLE_VALUES = {
    "UsersTable": "users", "UserPoolId": "us-east-1_example", "EventBusName": "default",
    "CreateProfileStateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:create_profile",
    "MigrateUserStateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:migrate_user",
    "AccountId": "123456789012", "Region": "us-east-1", "Partition": "aws",
}
ROOT = "State Machine"  # how statelint names the document root
# statelint's false alarm, word for word: "<path>.Retry[<i>].BackoffRate is <integer> but should be a Float"
INTEGER_BACKOFF_RATE = re.compile(r"^State Machine\..*\.Retry\[\d+\]\.BackoffRate is ([1-9][0-9]*) but should be a Float$")
_FIELD_IN_MESSAGE = re.compile(r"""[Ff]ield ["']([^"']+)["']""")


def fill_placeholders(text: str) -> str:
    return _PLACEHOLDER.sub(lambda m: SAMPLE_VALUES.get(m.group(1), f"sample-{m.group(1)}"), text)


def validate_files(paths: list[str]) -> list[dict[str, Any]]:
    """[{file, valid, problems: [{file, state, field, checker, code, message, location, also}]}] per path."""
    results = []
    for name in paths:
        path = Path(name)
        try:
            text = path.read_text()
        except OSError as error:
            raise CliError(f"{name}: cannot read ({error.strerror})") from None
        problems = [dict(problem, file=name) for problem in check_definition(fill_placeholders(text))]
        results.append({"file": name, "valid": not problems, "problems": problems})
    return results


def check_definition(text: str) -> list[dict[str, Any]]:
    """Every problem the engine and statelint find in one definition's text."""
    from workflows.engine.parser import validate_definition

    problems = [_problem("engine", d.code, d.message, _pointer_segments(d.location))
                for d in validate_definition(text)]
    try:
        document = json.loads(text)
    except ValueError:
        return problems  # the engine already said why; statelint would only say it again
    if not isinstance(document, dict):
        return problems
    seen = {(p["state"], p["field"]): p for p in problems}
    for message in statelint_messages(document):
        segments, end = statelint_location(document, message)
        if _is_integer_backoff_false_alarm(document, message, segments) \
                or is_filter_path_false_alarm(document, message, segments):
            continue
        problem = _problem("statelint", "STATELINT", message, segments)
        if message.startswith(ROOT) and segments:  # "State Machine.States.A.X is 1.5 ..." -> "X is 1.5 ..."
            problem["message"] = f"{problem['field'] or 'the state'}{message[end:]}"
        earlier = seen.get((problem["state"], problem["field"]))
        if earlier is not None:
            earlier["also"].append({"checker": "statelint", "message": message})
            continue
        seen[(problem["state"], problem["field"])] = problem
        problems.append(problem)
    return problems


def statelint_messages(document: dict[str, Any]) -> list[str]:
    from statelint.config import Config
    from statelint.linter import Linter

    return list(Linter.validate(document, Config()))


def statelint_location(document: Any, message: str) -> tuple[list[str | int], int]:
    """The document path a statelint message names, as pointer segments, and where it ends in `message`."""
    start = message.find(ROOT)
    if start < 0:
        return [], 0
    text, i, node, segments = message[start + len(ROOT):], 0, document, []
    while i < len(text):
        if text[i] == "[" and isinstance(node, list):
            match = re.match(r"\[(\d+)\]", text[i:])
            if not match or int(match.group(1)) >= len(node):
                break
            node = node[int(match.group(1))]
            segments.append(int(match.group(1)))
            i += match.end()
        elif text[i] == "." and isinstance(node, dict):
            rest = text[i + 1:]
            step = _longest_key(node, rest)
            implicit = _longest_key(node["States"], rest) if isinstance(node.get("States"), dict) else None
            if implicit is not None and (step is None or len(implicit) > len(step)):
                # statelint names some states without their "States." (e.g. "No transition found to state")
                node, segments = node["States"][implicit], segments + ["States", implicit]
                i += 1 + len(implicit)
            elif step is not None:
                node, segments = node[step], segments + [step]
                i += 1 + len(step)
            else:
                break
        else:
            break
    return segments, start + len(ROOT) + i


def _longest_key(node: dict[str, Any], rest: str) -> str | None:
    keys = [k for k in node if rest.startswith(k) and (len(rest) == len(k) or rest[len(k)] in ".[ ,\"")]
    return max(keys, key=len) if keys else None


def _is_integer_backoff_false_alarm(document: Any, message: str, segments: list[str | int]) -> bool:
    match = INTEGER_BACKOFF_RATE.match(message)
    if not match or not segments or segments[-1] != "BackoffRate":
        return False
    value: Any = document
    for segment in segments:
        value = value[segment]
    return type(value) is int and value == int(match.group(1)) and value >= 1


_PAYLOAD_FIELD_ALARM = re.compile(r'^Field "(?P<key>[^"]+\.\$)" of (?:Parameters|ItemSelector|ResultSelector) '
                                  r'at "[^"]*" is not a JSONPath or intrinsic function expression$')
_PAYLOAD_FIELDS = ("Parameters", "ItemSelector", "ResultSelector")


def is_filter_path_false_alarm(document: Any, message: str, segments: list[str | int]) -> bool:
    """statelint's refusal of a JSONPath filter that the engine (and AWS) accepts."""
    from workflows.engine.expressions.jsonpath_parser import validate_path

    match = _PAYLOAD_FIELD_ALARM.match(message)
    if not match:
        return False
    state: Any = document
    for segment in segments:
        state = state[segment]
    values: list[Any] = []

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == match.group("key"):
                    values.append(value)
                collect(value)
        elif isinstance(node, list):
            for item in node:
                collect(item)

    for field in _PAYLOAD_FIELDS:
        collect(state.get(field) if isinstance(state, dict) else None)
    if not values or not all(isinstance(v, str) and "[?(" in v for v in values):
        return False
    try:
        for value in values:
            validate_path(value)
    except ValueError:
        return False
    return True


def _pointer_segments(location: str) -> list[str | int]:
    parts = [p.replace("~1", "/").replace("~0", "~") for p in location.strip("/").split("/") if p]
    return [int(p) if p.isdigit() else p for p in parts]


def _problem(checker: str, code: str, message: str, segments: list[str | int]) -> dict[str, Any]:
    state, field_parts = "", list(segments)
    for index in range(len(segments) - 1):
        if segments[index] == "States" and isinstance(segments[index + 1], str):
            state, field_parts = str(segments[index + 1]), list(segments[index + 2:])
    field = _field_name(field_parts)
    if not field:
        named = _FIELD_IN_MESSAGE.search(message)
        field = named.group(1) if named else ""
    location = "/" + "/".join(str(s).replace("~", "~0").replace("/", "~1") for s in segments)
    return {"state": state, "field": field, "checker": checker, "code": code, "message": message,
            "location": location, "also": []}


def _field_name(parts: list[str | int]) -> str:
    name = ""
    for part in parts:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name


def describe(problem: dict[str, Any]) -> str:
    """One line: file, state, field, what is wrong, and which checker said so."""
    where = f"state {problem['state']!r}" if problem["state"] else "top level"
    field = f", field {problem['field']}" if problem["field"] else ""
    checkers = "+".join([problem["checker"]] + [a["checker"] for a in problem["also"]])
    code = f" {problem['code']}" if problem["checker"] == "engine" else ""
    return f"{problem['file']}: {where}{field}: {problem['message']} [{checkers}{code}]"
