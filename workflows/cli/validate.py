"""`workflows validate FILE...`: the engine's checker decides; statelint is a second opinion.

- The engine's `validate_definition` is the authority (the same checker CreateStateMachine,
  UpdateStateMachine and ValidateStateMachineDefinition use): its problems make a file invalid.
- statelint (pinned in pyproject), the community ASL linter, never decides. Where it reports the
  same state and field as the engine, its words are kept under the engine's problem (`also`).
  Its known false alarms - statelint predates or misreads what AWS accepts: integer BackoffRate and
  other integers "but should be a Float", hyphens, brackets, filters and "$.[0]" in paths ("is not a
  JSONPath ...", "should be a JSONPath / Reference Path"), Distributed Map fields (Label, ItemReader's
  ReaderConfig, ItemBatcher, ResultWriter), JSONata fields and variables ("Field ... not allowed" for
  a field the engine's table allows there) - are dropped: the engine checked that value with AWS's
  rule and found it valid. Every other statelint finding is a warning, shown with `--warnings` and
  never failing a file.
- The engine's own warnings (`value_checks.unreadable_filters`): what AWS accepts but cannot run, e.g. a
  filter comparing with a bare word (`[?(@.Name==Receipt)]`) that Jayway cannot read - the state fails.

Each file is judged as the type of machine it would be created as: STANDARD, or EXPRESS for a
NAME.express.asl.json (as `workflows up --definitions` creates it) or with `--type EXPRESS` - an Express
machine refuses activities, `.sync` and `.waitForTaskToken` integrations.

Both checkers name a place in the document (the engine a JSON pointer, statelint a dotted path
"State Machine.States.A.Retry[0]..." that this module resolves against the document, since state
names may contain dots and spaces). Each problem is reported as file + state + field.

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
_FIELD_IN_MESSAGE = re.compile(r"""[Ff]ield ["']([^"']+)["']""")


# A "Resource": "${X}" is a whole ARN substituted at deploy time (SAM DefinitionSubstitutions, CDK, Terraform):
# a Lambda function ARN stands in for it, the one kind of ARN every Task accepts.
_RESOURCE_PLACEHOLDER = re.compile(r'("Resource"\s*:\s*")\$\{([A-Za-z][A-Za-z0-9_]*)\}"')


def fill_placeholders(text: str) -> str:
    text = _RESOURCE_PLACEHOLDER.sub(
        lambda m: m.group(1) + (SAMPLE_VALUES.get(m.group(2)) if m.group(2) in SAMPLE_VALUES else
                                f"arn:aws:lambda:us-east-1:123456789012:function:{m.group(2)}") + '"', text)
    return _PLACEHOLDER.sub(lambda m: SAMPLE_VALUES.get(m.group(1), f"sample-{m.group(1)}"), text)


# statelint's known false alarms (see the module doc). Each is dropped only where the engine's checker,
# which holds AWS's rule for that field, found nothing wrong at the same place.
FALSE_ALARMS = (
    re.compile(r" is -?\d+ but should be a Float$"),  # AWS takes any number (BackoffRate 2)
    re.compile(r" is not a JSONPath or intrinsic function expression$"),  # hyphens, brackets, filters
    re.compile(r" but should be a (JSONPath|Reference Path|Reference Path or an Intrinsic Function|JSONata)$"),
    re.compile(r'^Field "[^"]+" not allowed in '),  # Label, ReaderConfig, ItemBatcher, Assign, Output, ...
)


EXPRESS_SUFFIX = ".express.asl.json"  # as `workflows up --definitions` names an Express machine


def machine_type_of(name: str, given: str | None = None) -> str:
    """The type a file is judged as: the one asked for, else EXPRESS for NAME.express.asl.json, else STANDARD."""
    return given or ("EXPRESS" if Path(name).name.endswith(EXPRESS_SUFFIX) else "STANDARD")


def validate_files(paths: list[str], warnings: bool = False, machine_type: str | None = None) -> list[dict[str, Any]]:
    """[{file, type, valid, problems: [{file, state, field, checker, code, message, location, also}]}] per path,
    each judged as `machine_type` (default: by its name, see `machine_type_of`); with `warnings`, each result
    also has `warnings`: statelint's extra opinions, in the same shape."""
    results = []
    for name in definition_files(paths):
        path = Path(name)
        try:
            text = path.read_text()
        except OSError as error:
            raise CliError(f"{name}: cannot read ({error.strerror})") from None
        kind = machine_type_of(name, machine_type)
        problems, extra = check_with_warnings(fill_placeholders(text), kind)
        result: dict[str, Any] = {"file": name, "type": kind, "valid": not problems,
                                  "problems": [dict(p, file=name) for p in problems]}
        if warnings:
            result["warnings"] = [dict(p, file=name, severity="WARNING") for p in extra]
        results.append(result)
    return results


def definition_files(paths: list[str]) -> list[str]:
    """Each path as given; a directory stands for the *.asl.json files below it (sorted), as
    `workflows up --definitions DIR` would create them - an empty one is an error, not "all valid"."""
    files: list[str] = []
    for name in paths:
        path = Path(name)
        if not path.is_dir():
            files.append(name)
            continue
        found = sorted(str(f) for f in path.rglob("*.asl.json") if f.is_file())
        if not found:
            raise CliError(f"{name}: a directory with no *.asl.json file below it")
        files.extend(found)
    return files


def check_definition(text: str, machine_type: str = "STANDARD") -> list[dict[str, Any]]:
    """The problems in one definition's text: the engine's, with statelint's agreeing words under `also`."""
    return check_with_warnings(text, machine_type)[0]


def check_with_warnings(text: str, machine_type: str = "STANDARD") -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(problems, warnings) in one definition's text: the engine's problems, with statelint's agreeing
    words under `also`, and statelint's other findings that are no known false alarm."""
    from workflows.engine import validate_definition

    problems = [_problem("engine", d.code, d.message, _pointer_segments(d.location))
                for d in validate_definition(text, machine_type)]
    try:
        document = json.loads(text)
    except ValueError:
        return problems, []  # the engine already said why; statelint would only say it again
    if not isinstance(document, dict):
        return problems, []
    from workflows.engine.value_checks import unreadable_filters

    warnings: list[dict[str, Any]] = [_problem("engine", "UNREADABLE_FILTER", message, segments)
                                      for segments, message in unreadable_filters(document)]
    for message in statelint_messages(document):
        segments, end = statelint_location(document, message)
        finding = _problem("statelint", "STATELINT", message, segments)
        if message.startswith(ROOT) and segments:  # "State Machine.States.A.X is 1.5 ..." -> "X is 1.5 ..."
            finding["message"] = f"{finding['field'] or 'the state'}{message[end:]}"
        engine = next((p for p in problems if _same_place(p, finding)), None)
        if engine is not None:
            engine["also"].append({"checker": "statelint", "message": message})
        elif not any(alarm.search(message) for alarm in FALSE_ALARMS) and not any(
                _same_place(w, finding) for w in warnings):
            warnings.append(finding)
    return problems, warnings


def _same_place(engine: dict[str, Any], finding: dict[str, Any]) -> bool:
    """Both name one problem: the same state, and one field is the other or contains it
    ("Choices[0]" and "Choices[0].NumericEquals"); a missing transition target either way."""
    if engine["state"] != finding["state"]:
        return False
    if engine["code"] == "MISSING_TRANSITION_TARGET" and finding["message"].startswith("No state found named"):
        return True
    short, long = sorted((engine["field"], finding["field"]), key=len)
    return short == long or (bool(short) and long.startswith(short) and long[len(short)] in ".[")


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
