"""What every field of an ASL definition may hold: one table, read by the create-time checker and by
the engine's run-time resolution of dynamic values.

Why a table: AWS documents each field once (the ASL spec, the Step Functions developer guide, and
AWS's own JSON schema in amazon-states-language-service) - its type, its range, which forms it may
take (a literal, a `*Path` twin in JSONPath, a `{% JSONata %}` string in JSONata) and in which query
language it exists. Writing those facts down once lets `definition_checks` reject what AWS rejects
at CreateStateMachine with AWS's expectation in the message, and lets the runtime resolver check a
value that came from a path or an expression against the same range, in the same words.

Shape:
- `FieldRule` - one field: `name`, `kind` (see the KIND constants), `languages` (where the field
  exists), `minimum`/`maximum` (numbers; lengths for strings), `choices` (enums), `nullable`,
  `jsonata` (a `{% %}` string may stand for the value in JSONata), `twin` (X and XPath: at most one),
  `resolves` (a *Path field: the field whose rule the value found at the path must meet),
  `section` (an object with fields of its own: the key into SECTIONS), `required`.
  `rule.expects` is AWS's wording of a valid value ("a number >= 1.0") and `rule.problem(value)` the
  whole message for a literal that is not one ("BackoffRate is 0; AWS requires a number >= 1.0"),
  or None when the literal is valid.
- `STATE_FIELDS[Type]` - the fields of each state type, `SECTIONS[name]` - the fields of the
  nested objects (the top level, branches/processors, Retry and Catch entries, ItemReader and its
  ReaderConfig, ItemBatcher, ResultWriter and its WriterConfig, ProcessorConfig, Credentials).
- `rule_for(owner, field)` - one rule (owner: a state type or a section name), for the resolver.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

JSONPATH = "JSONPath"
JSONATA = "JSONata"
BOTH = frozenset({JSONPATH, JSONATA})
PATH_ONLY = frozenset({JSONPATH})
JSONATA_ONLY = frozenset({JSONATA})

# kinds of value
INTEGER = "integer"
NUMBER = "number"
STRING = "string"
BOOLEAN = "boolean"
ENUM = "enum"
OBJECT = "object"
ARRAY = "array"
ANY = "any"
TIMESTAMP = "timestamp"  # RFC 3339 text, as Wait.Timestamp
PATH = "path"  # a JSONPath: "$...", "$$..." (context object) or "$name..." (variable)
REFERENCE_PATH = "reference_path"  # "$" followed by names and single indexes (ResultPath)
TEMPLATE = "template"  # a payload template: keys ending in ".$" hold a path or an intrinsic function
ERROR_NAMES = "error_names"  # a non-empty array of error-name strings
STATE_NAME = "state_name"  # the name of a state in the same block
STRINGS = "strings"  # a non-empty array of strings (CSVHeaders)
BLOCK = "block"  # a StartAt + States object (ItemProcessor, Iterator)
BLOCKS = "blocks"  # a non-empty array of blocks (Branches)
SECTION = "section"  # an object whose fields are a table of their own (see SECTIONS)
SECTIONS_LIST = "sections"  # an array of such objects (Retry, Catch)
CHOICES = "choices"  # Choice rules (compiled by expressions.choice)

MAX_SECONDS = 99_999_999  # AWS's cap on every *Seconds field of a state (and on MaxAttempts)
MAX_DELAY_SECONDS = 31_622_400  # MaxDelaySeconds: at most a year, the longest an execution can run
MAX_READER_ITEMS = 100_000_000  # ItemReader.ReaderConfig.MaxItems
MAX_LABEL = 40  # Map Label characters
LABEL_FORBIDDEN = set(" \t\n\r<>{}[]?*\"#%\\^|~`$&,;:/")  # AWS: no whitespace, brackets, wildcards, specials

_KIND_WORDS = {STRING: "a string", BOOLEAN: "true or false", OBJECT: "a JSON object", ARRAY: "a JSON array",
               ANY: "a JSON value", TIMESTAMP: "an ISO-8601 timestamp such as 2016-03-14T01:59:00Z",
               PATH: "a JSONPath that starts with '$'",
               REFERENCE_PATH: "a reference path: '$' followed by names and single indexes only",
               TEMPLATE: "a JSON object", ERROR_NAMES: "a non-empty array of error names",
               STATE_NAME: "the name of a state", STRINGS: "a non-empty array of strings",
               BLOCK: "an object with StartAt and States", BLOCKS: "a non-empty array of branches",
               SECTION: "a JSON object", SECTIONS_LIST: "an array of objects", CHOICES: "a non-empty array of rules"}


def shown(value: Any) -> str:
    """A value as the message quotes it: compact JSON (strings in quotes, null, true)."""
    try:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else str(value)


@dataclass(frozen=True)
class FieldRule:
    name: str
    kind: str
    languages: frozenset = BOTH
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    nullable: bool = False
    jsonata: bool = False
    twin: str | None = None
    resolves: str | None = None
    section: str | None = None
    required: bool = False
    wording: str = ""  # overrides the wording made from kind and range

    @property
    def expects(self) -> str:
        """AWS's wording of a valid value for this field."""
        if self.wording:
            return self.wording
        low, high = self.minimum, self.maximum
        if self.kind == INTEGER:
            if low is not None and high is not None:
                return f"an integer from {_number_text(low)} to {_number_text(high)}"
            if low == 0:
                return "a non-negative integer"
            if low == 1:
                return "a positive integer"
            return "an integer"
        if self.kind == NUMBER:
            if low is not None and high is not None:
                return f"a number from {_number_text(low)} to {_number_text(high)}"
            if low is not None:
                return f"a number >= {float(low)}"
            return "a number"
        if self.kind == ENUM:
            return "one of " + ", ".join(self.choices)
        if self.kind == STRING and high is not None:
            return f"a string of 1 to {_number_text(high)} characters"
        if self.kind == STRING and low:
            return "a non-empty string"
        return _KIND_WORDS.get(self.kind, f"a {self.kind}")

    def allows(self, language: str) -> bool:
        return language in self.languages

    def accepts(self, value: Any) -> bool:
        """True when a literal (or a value found at run time) is of this field's type and range."""
        return self.problem(value) is None

    def problem(self, value: Any) -> str | None:
        """The message for a literal value AWS refuses in this field, or None when it is valid.

        Only the value's own type and range are checked here; what a string means (a path, an
        intrinsic, a JSONata expression, a state name) is `definition_checks`' business.
        """
        if value is None:
            return None if self.nullable or self.kind == ANY else self._message(value)
        kind = self.kind
        if kind in (INTEGER, NUMBER):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or (
                    isinstance(value, float) and not math.isfinite(value)):
                return self._message(value)
            if kind == INTEGER and isinstance(value, float) and not value.is_integer():
                return self._message(value)
            if (self.minimum is not None and value < self.minimum) or (
                    self.maximum is not None and value > self.maximum):
                return self._message(value)
            return None
        if kind == ENUM:
            return None if isinstance(value, str) and value in self.choices else self._message(value)
        if kind in (STRING, TIMESTAMP, PATH, REFERENCE_PATH, STATE_NAME):
            if not isinstance(value, str):
                return self._message(value)
            if kind == STRING and ((self.minimum and len(value) < self.minimum) or (
                    self.maximum is not None and len(value) > self.maximum)):
                return self._message(value)
            if kind in (PATH, REFERENCE_PATH, STATE_NAME) and not value:
                return self._message(value)
            return None
        if kind == BOOLEAN:
            return None if isinstance(value, bool) else self._message(value)
        if kind in (OBJECT, TEMPLATE, SECTION, BLOCK):
            return None if isinstance(value, dict) else self._message(value)
        if kind in (ERROR_NAMES, STRINGS):
            ok = isinstance(value, list) and value and all(isinstance(v, str) for v in value)
            return None if ok else self._message(value)
        if kind in (BLOCKS, CHOICES):
            return None if isinstance(value, list) and value else self._message(value)
        if kind in (ARRAY, SECTIONS_LIST):
            return None if isinstance(value, list) else self._message(value)
        return None  # ANY

    def _message(self, value: Any) -> str:
        if isinstance(value, (list, dict)) and not value and self.kind in (ERROR_NAMES, STRINGS, BLOCKS, CHOICES):
            return f"{self.name} is empty; AWS requires {self.expects}"
        return f"{self.name} is {shown(value)}; AWS requires {self.expects}"


def _rules(*rules: FieldRule) -> dict[str, FieldRule]:
    return {r.name: r for r in rules}


def _seconds(name: str, low: int = 1, high: int = MAX_SECONDS) -> tuple[FieldRule, FieldRule]:
    """A seconds field with its JSONPath-only *Path twin."""
    return (FieldRule(name, INTEGER, minimum=low, maximum=high, jsonata=True, twin=name + "Path"),
            FieldRule(name + "Path", PATH, PATH_ONLY, twin=name, resolves=name))


def _counted(name: str, kind: str = INTEGER, low: float = 0, high: float | None = None) -> tuple[FieldRule, FieldRule]:
    return (FieldRule(name, kind, minimum=low, maximum=high, jsonata=True, twin=name + "Path"),
            FieldRule(name + "Path", PATH, PATH_ONLY, twin=name, resolves=name))


_COMMON = (FieldRule("Type", ENUM, choices=("Task", "Wait", "Pass", "Succeed", "Fail", "Choice", "Parallel", "Map"),
                     required=True),
           FieldRule("Comment", STRING),
           FieldRule("QueryLanguage", ENUM, choices=(JSONPATH, JSONATA)))
_TRANSITION = (FieldRule("Next", STATE_NAME), FieldRule("End", BOOLEAN))
_IO = (FieldRule("InputPath", PATH, PATH_ONLY, nullable=True), FieldRule("OutputPath", PATH, PATH_ONLY, nullable=True))
_ASSIGN = (FieldRule("Assign", OBJECT),)
_OUTPUT = (FieldRule("Output", ANY, JSONATA_ONLY),)
_RESULT = (FieldRule("ResultPath", REFERENCE_PATH, PATH_ONLY, nullable=True),
           FieldRule("ResultSelector", TEMPLATE, PATH_ONLY))
_RECOVERY = (FieldRule("Retry", SECTIONS_LIST, section="Retrier"),
             FieldRule("Catch", SECTIONS_LIST, section="Catcher"))
_PARAMETERS = FieldRule("Parameters", ANY, PATH_ONLY)  # any JSON (AWS's schema); ".$" keys inside are paths
_ARGUMENTS = FieldRule("Arguments", OBJECT, JSONATA_ONLY, jsonata=True,
                       wording="a JSON object or a JSONata expression")

STATE_FIELDS: dict[str, dict[str, FieldRule]] = {
    "Pass": _rules(*_COMMON, *_TRANSITION, *_IO, *_ASSIGN, *_OUTPUT, _PARAMETERS,
                   FieldRule("Result", ANY, PATH_ONLY),
                   FieldRule("ResultPath", REFERENCE_PATH, PATH_ONLY, nullable=True)),
    "Task": _rules(*_COMMON, *_TRANSITION, *_IO, *_ASSIGN, *_OUTPUT, *_RESULT, *_RECOVERY, _PARAMETERS, _ARGUMENTS,
                   FieldRule("Resource", STRING, required=True, minimum=1),
                   *_seconds("TimeoutSeconds"), *_seconds("HeartbeatSeconds"),
                   FieldRule("Credentials", SECTION, section="Credentials", jsonata=True)),
    "Choice": _rules(*_COMMON, *_IO, *_ASSIGN, *_OUTPUT,
                     FieldRule("Choices", CHOICES, required=True),
                     FieldRule("Default", STATE_NAME)),
    "Wait": _rules(*_COMMON, *_TRANSITION, *_IO, *_ASSIGN, *_OUTPUT,
                   *_seconds("Seconds", low=0),
                   FieldRule("Timestamp", TIMESTAMP, jsonata=True, twin="TimestampPath"),
                   FieldRule("TimestampPath", PATH, PATH_ONLY, twin="Timestamp", resolves="Timestamp")),
    "Succeed": _rules(*_COMMON, *_IO, *_OUTPUT),
    "Fail": _rules(FieldRule("Type", ENUM, choices=("Fail",), required=True), FieldRule("Comment", STRING),
                   FieldRule("QueryLanguage", ENUM, choices=(JSONPATH, JSONATA)),
                   FieldRule("Error", STRING, jsonata=True, twin="ErrorPath"),
                   FieldRule("ErrorPath", PATH, PATH_ONLY, twin="Error", resolves="Error",
                             wording="a JSONPath or an intrinsic function"),
                   FieldRule("Cause", STRING, jsonata=True, twin="CausePath"),
                   FieldRule("CausePath", PATH, PATH_ONLY, twin="Cause", resolves="Cause",
                             wording="a JSONPath or an intrinsic function")),
    "Parallel": _rules(*_COMMON, *_TRANSITION, *_IO, *_ASSIGN, *_OUTPUT, *_RESULT, *_RECOVERY, _PARAMETERS, _ARGUMENTS,
                       FieldRule("Branches", BLOCKS, required=True)),
    "Map": _rules(*_COMMON, *_TRANSITION, *_IO, *_ASSIGN, *_OUTPUT, *_RESULT, *_RECOVERY,
                  FieldRule("Parameters", ANY, PATH_ONLY),  # the legacy name of ItemSelector
                  FieldRule("ItemProcessor", BLOCK), FieldRule("Iterator", BLOCK),
                  FieldRule("ItemsPath", PATH, PATH_ONLY),
                  FieldRule("Items", ARRAY, JSONATA_ONLY, jsonata=True, wording="a JSON array or a JSONata expression"),
                  FieldRule("ItemSelector", ANY),
                  FieldRule("ItemReader", SECTION, section="ItemReader"),
                  FieldRule("ItemBatcher", SECTION, section="ItemBatcher"),
                  FieldRule("ResultWriter", SECTION, section="ResultWriter"),
                  *_counted("MaxConcurrency"), *_counted("ToleratedFailureCount"),
                  *_counted("ToleratedFailurePercentage", NUMBER, 0, 100),
                  FieldRule("Label", STRING, minimum=1, maximum=MAX_LABEL,
                            wording=f"a string of 1 to {MAX_LABEL} characters without whitespace, brackets, "
                                    "wildcards or any of \" # % \\ ^ | ~ ` $ & , ; : /")),
}

SECTIONS: dict[str, dict[str, FieldRule]] = {
    "StateMachine": _rules(FieldRule("StartAt", STATE_NAME, required=True), FieldRule("States", OBJECT, required=True),
                           FieldRule("Comment", STRING), FieldRule("Version", STRING),
                           FieldRule("TimeoutSeconds", INTEGER, minimum=0, maximum=MAX_SECONDS),
                           FieldRule("QueryLanguage", ENUM, choices=(JSONPATH, JSONATA))),
    "Block": _rules(FieldRule("StartAt", STATE_NAME, required=True), FieldRule("States", OBJECT, required=True),
                    FieldRule("Comment", STRING), FieldRule("ProcessorConfig", SECTION, section="ProcessorConfig"),
                    FieldRule("QueryLanguage", ENUM, choices=(JSONPATH, JSONATA))),
    "ProcessorConfig": _rules(FieldRule("Mode", ENUM, choices=("INLINE", "DISTRIBUTED")),
                              FieldRule("ExecutionType", ENUM, choices=("STANDARD", "EXPRESS"))),
    "Retrier": _rules(FieldRule("ErrorEquals", ERROR_NAMES, required=True), FieldRule("Comment", STRING),
                      FieldRule("IntervalSeconds", INTEGER, minimum=1, maximum=MAX_SECONDS),
                      FieldRule("MaxAttempts", INTEGER, minimum=0, maximum=MAX_SECONDS),
                      FieldRule("BackoffRate", NUMBER, minimum=1.0),
                      FieldRule("MaxDelaySeconds", INTEGER, minimum=1, maximum=MAX_DELAY_SECONDS),
                      FieldRule("JitterStrategy", ENUM, choices=("FULL", "NONE"))),
    "Catcher": _rules(FieldRule("ErrorEquals", ERROR_NAMES, required=True), FieldRule("Comment", STRING),
                      FieldRule("Next", STATE_NAME, required=True),
                      FieldRule("ResultPath", REFERENCE_PATH, PATH_ONLY, nullable=True),
                      FieldRule("Assign", OBJECT), FieldRule("Output", ANY, JSONATA_ONLY)),
    "ItemReader": _rules(FieldRule("Resource", STRING, required=True, minimum=1),
                         FieldRule("Parameters", TEMPLATE, PATH_ONLY), _ARGUMENTS,
                         FieldRule("ReaderConfig", SECTION, section="ReaderConfig")),
    "ReaderConfig": _rules(FieldRule("InputType", ENUM, choices=("CSV", "JSON", "JSONL", "MANIFEST", "PARQUET")),
                           FieldRule("CSVHeaderLocation", ENUM, choices=("FIRST_ROW", "GIVEN")),
                           FieldRule("CSVHeaders", STRINGS),
                           FieldRule("CSVDelimiter", ENUM, choices=("COMMA", "PIPE", "SEMICOLON", "SPACE", "TAB")),
                           *_counted("MaxItems", INTEGER, 0, MAX_READER_ITEMS),  # AWS accepts 0
                           FieldRule("ManifestType", ENUM, choices=("ATHENA_DATA", "S3_INVENTORY")),
                           FieldRule("ItemsPointer", STRING, minimum=1),
                           FieldRule("Transformation", ENUM, choices=("NONE", "LOAD_AND_FLATTEN"))),
    "ItemBatcher": _rules(FieldRule("BatchInput", ANY),
                          *_counted("MaxItemsPerBatch", INTEGER, 1),
                          *_counted("MaxInputBytesPerBatch", INTEGER, 1, 262_144)),
    "ResultWriter": _rules(FieldRule("Resource", STRING, minimum=1),
                           FieldRule("Parameters", TEMPLATE, PATH_ONLY), _ARGUMENTS,
                           FieldRule("WriterConfig", SECTION, section="WriterConfig")),
    "WriterConfig": _rules(FieldRule("OutputType", ENUM, choices=("JSON", "JSONL")),
                           FieldRule("Transformation", ENUM, choices=("NONE", "COMPACT", "FLATTEN"))),
    "Credentials": _rules(FieldRule("RoleArn", STRING, minimum=1, jsonata=True,
                                    wording="the ARN of an IAM role (a string, or 'RoleArn.$' with a path)")),
}


def rule_for(owner: str, field: str) -> FieldRule | None:
    """The rule of `field` in a state type ("Task") or a section ("Retrier", "ReaderConfig")."""
    table = STATE_FIELDS.get(owner) or SECTIONS.get(owner) or {}
    return table.get(field)


def label_problem(label: Any) -> str | None:
    """Map Label: AWS's rule is a length and a set of characters it may not contain."""
    rule = STATE_FIELDS["Map"]["Label"]
    if not isinstance(label, str) or not 1 <= len(label) <= MAX_LABEL or any(
            ch in LABEL_FORBIDDEN or ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in label):
        return rule._message(label)
    return None
