"""The create-time checker of an ASL definition: AWS's rules, reported as `Diagnostic`s.

One checker serves CreateStateMachine, UpdateStateMachine, ValidateStateMachineDefinition and
`workflows validate`. `parser._Parser` builds typed states on top of it and calls in here for every
rule: the fields each state type and each nested object may hold, in which query language, of which
type and range (all read from `field_rules`, the table the engine's run-time resolution reads too),
what strings mean (`value_checks`: the engine's own JSONPath grammar, intrinsic functions with their
arities, payload templates, JSONata), the rules between fields (X or XPath, HeartbeatSeconds below
TimeoutSeconds, exactly one Wait duration, CSVHeaders when GIVEN), transition targets and
reachability. Problems are collected, not raised, so every one is listed; `DefinitionError` carries
them in AWS's InvalidDefinition wording ("Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED:
... at /States/X/Field'"). A `Diagnostic` has what ValidateStateMachineDefinition returns: severity
(ERROR or WARNING), code, message and location.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from workflows.engine import model as m
from workflows.engine.expressions import is_timestamp
from workflows.engine.expressions.choice import COMPARISON_OPERATORS
from workflows.engine.expressions.jsonata_eval import is_jsonata_template
from workflows.engine.field_rules import (
    BLOCK, BLOCKS, CHOICES, PATH, REFERENCE_PATH, SECTION, SECTIONS, SECTIONS_LIST, STATE_FIELDS, STATE_NAME,
    TEMPLATE, TIMESTAMP, FieldRule, label_problem, shown,
)
from workflows.engine.integrations.resources import SYNC, SYNC2, WAIT_FOR_TASK_TOKEN
from workflows.engine.value_checks import jsonata_problem, path_problem, template_problems

STATE_TYPES = tuple(STATE_FIELDS)
SCHEMA = "SCHEMA_VALIDATION_FAILED"
ERROR, WARNING = "ERROR", "WARNING"
_TEMPLATES = {"Parameters", "ResultSelector", "ItemSelector", "Assign", "BatchInput"}  # ".$" keys, JSONPath
_NESTED = ("ItemProcessor", "Iterator", "Branches")  # blocks: checked as blocks of their own
_S3_ACTION = re.compile(r"^arn:[^:]+:states:::(?P<action>[^:]+:[^:]+)$")
_READER_ACTIONS = ("s3:getObject", "s3:listObjectsV2")
_WRITER_ACTIONS = ("s3:putObject",)
_CHOICE_JSONPATH_ONLY = frozenset(COMPARISON_OPERATORS | {"Variable", "And", "Or", "Not"})


@dataclass(frozen=True)
class Diagnostic:
    code: str  # SCHEMA_VALIDATION_FAILED, MISSING_TRANSITION_TARGET, UNREACHABLE_STATE, ...
    message: str
    location: str  # a JSON pointer-like path: "/States/X/Retry[0]/BackoffRate"
    severity: str = ERROR  # ERROR (refused) or WARNING (a second opinion; never refuses)

    def __str__(self) -> str:
        return f"{self.code}: {self.message} at {self.location}"


class DefinitionError(ValueError):
    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        super().__init__(
            "Invalid State Machine Definition: '" + ", ".join(str(d) for d in diagnostics) + "'"
        )


class DefinitionChecks:
    """Collects diagnostics; `parser._Parser` builds states on top of it."""

    def __init__(self) -> None:
        self.diags: list[Diagnostic] = []

    def fail(self, code: str, message: str, location: str) -> None:
        self.diags.append(Diagnostic(code, message, location or "/"))

    def schema(self, message: str, location: str) -> None:
        self.fail(SCHEMA, message, location)

    # ---- whole objects from the table ------------------------------------------------------------
    def check_object(self, doc: dict, table: dict[str, FieldRule], loc: str, ql: str, where: str) -> None:
        """Every key of `doc` against `table`: known, in this query language, of the right form."""
        for key, value in doc.items():
            rule = table.get(key)
            if rule is None:
                self.schema(f"Field '{key}' is not supported{where}", loc)
            elif not rule.allows(ql):
                self.schema(f"The field '{key}' is not supported for the QueryLanguage {ql}", f"{loc}/{key}")
            else:
                self.check_field(rule, value, f"{loc}/{key}", ql)
        for rule in table.values():
            if rule.required and rule.name not in doc and rule.allows(ql):
                self.schema(f"These fields are required: [{rule.name}]", loc)
            if rule.twin and rule.name < rule.twin and rule.name in doc and rule.twin in doc:
                first, second = sorted((rule.name, rule.twin), key=len)
                self.schema(f"Only one of '{first}' or '{second}' can be present", loc)

    def check_field(self, rule: FieldRule, value: Any, loc: str, ql: str) -> None:
        if ql == m.JSONATA and isinstance(value, str) and is_jsonata_template(value):
            if not rule.jsonata and rule.kind not in ("any", "string"):
                self.schema(f"{rule.name} is {shown(value)}; AWS requires {rule.expects} here, "
                            "not a JSONata expression", loc)
            return  # the expression itself is checked with the rest of the state's JSONata
        kind = rule.kind
        if kind in (PATH, REFERENCE_PATH):
            if value is None and rule.nullable:
                return
            intrinsic = rule.name in ("ErrorPath", "CausePath")
            problem = path_problem(rule.name, value, reference=kind == REFERENCE_PATH, intrinsic=intrinsic)
        elif kind == SECTION:
            problem = rule.problem(value)
            if problem is None:
                self.check_section(rule, value, loc, ql)
        elif kind == SECTIONS_LIST:
            problem = rule.problem(value)
            if problem is None:
                self.check_entries(rule, value, loc, ql)
        elif kind in (BLOCK, BLOCKS, CHOICES):
            problem = rule.problem(value)  # their content is the parser's (blocks, compiled rules)
        elif rule.name == "Label":
            problem = label_problem(value)
        else:
            problem = rule.problem(value)
            if problem is None and kind == TIMESTAMP and not is_timestamp(value):
                problem = f"{rule.name} is {shown(value)}; AWS requires {rule.expects}"
        if problem is not None:
            self.schema(problem, loc)
            return
        if ql == m.JSONPATH and (kind == TEMPLATE or rule.name in _TEMPLATES):
            for where, message in template_problems(rule.name, value):
                self.schema(message, f"{loc}/{where}")

    def check_section(self, rule: FieldRule, doc: dict, loc: str, ql: str) -> None:
        name = rule.section or rule.name
        if name == "Credentials":
            self.check_credentials(doc, loc, ql)
            return
        self.check_object(doc, SECTIONS[name], loc, ql, f" in {rule.name}")
        if name == "ReaderConfig" and doc.get("CSVHeaderLocation") == "GIVEN" and "CSVHeaders" not in doc:
            self.schema("CSVHeaderLocation is \"GIVEN\"; AWS requires the column names in CSVHeaders", loc)
        if name in ("ItemReader", "ResultWriter") and isinstance(doc.get("Resource"), str):
            allowed = _READER_ACTIONS if name == "ItemReader" else _WRITER_ACTIONS
            match = _S3_ACTION.match(doc["Resource"])
            if match and match.group("action") not in allowed:
                self.schema(f"{name}.Resource is {shown(doc['Resource'])}; AWS requires "
                            + " or ".join(f"arn:aws:states:::{a}" for a in allowed), f"{loc}/Resource")
        if name == "ResultWriter" and not doc.get("Resource") and "WriterConfig" not in doc:
            self.schema("ResultWriter has neither Resource nor WriterConfig; AWS requires at least one", loc)

    def check_entries(self, rule: FieldRule, entries: list, loc: str, ql: str) -> None:
        kind = "Retrier" if rule.name == "Retry" else "Catcher"
        for index, doc in enumerate(entries):
            here = f"{loc}[{index}]"
            if not isinstance(doc, dict):
                self.schema(f"{rule.name}[{index}] is {shown(doc)}; AWS requires a JSON object", here)
                continue
            self.check_object(doc, SECTIONS[rule.section or kind], here, ql, f" in a {kind}")
            self.check_error_equals(doc, here, index, len(entries), kind)

    def check_credentials(self, doc: dict, loc: str, ql: str) -> None:
        """Credentials is a role: {"RoleArn": "arn:..."} or, in JSONPath, {"RoleArn.$": path}."""
        keys = set(doc)
        allowed = {"RoleArn", "RoleArn.$"} if ql == m.JSONPATH else {"RoleArn"}
        for key in sorted(keys - allowed):
            self.schema(f"Field '{key}' is not supported in Credentials; AWS requires only RoleArn", loc)
        if not keys & allowed and not keys - allowed:
            self.schema(f"Credentials is {shown(doc)}; AWS requires a role: {{\"RoleArn\": \"arn:aws:iam::...\"}}", loc)
        elif len(keys & allowed) > 1:
            self.schema("Only one of 'RoleArn' or 'RoleArn.$' can be present", loc)
        if "RoleArn" in doc:
            value = doc["RoleArn"]
            if not (ql == m.JSONATA and isinstance(value, str) and is_jsonata_template(value)):
                problem = SECTIONS["Credentials"]["RoleArn"].problem(value)
                if problem:
                    self.schema(problem, f"{loc}/RoleArn")
        if "RoleArn.$" in doc and ql == m.JSONPATH:
            for where, message in template_problems("Credentials", {"RoleArn.$": doc["RoleArn.$"]}):
                self.schema(message, f"{loc}/{where}")

    def check_error_equals(self, doc: dict, here: str, index: int, count: int, kind: str) -> None:
        errors = doc.get("ErrorEquals")
        if isinstance(errors, list) and "States.ALL" in errors and (len(errors) > 1 or index != count - 1):
            self.schema(f"States.ALL must appear alone and in the last {kind[0].lower() + kind[1:]}",
                        f"{here}/ErrorEquals")

    # ---- what an Express machine cannot run ----------------------------------------------------------
    def check_express_resource(self, ref: Any, here: str) -> None:
        """An Express machine runs Request Response integrations only: no activity, no .sync (nor
        .sync:2), no .waitForTaskToken - in every state, Parallel branches and Map processors too.
        AWS's words, as CreateStateMachine returned them (localstack test_sfn_api_express snapshot,
        recorded on AWS 2024-07-03); the '.waitForTaskToken' one really ends in a space ("... service
        integration  at /States/Publish/Resource")."""
        if ref.kind == "activity":
            self.schema("Express state machine does not support Activity ARN", here)
        elif ref.kind == "service" and ref.pattern == WAIT_FOR_TASK_TOKEN:
            self.schema("Express state machine does not support '.waitForTaskToken' service integration ", here)
        elif ref.kind == "service" and ref.pattern in (SYNC, SYNC2):
            self.schema("Express state machine does not support '.sync' service integration", here)

    # ---- the top level, blocks, states ---------------------------------------------------------------
    def check_top(self, doc: dict, ql: str) -> None:
        self.check_object(doc, SECTIONS["StateMachine"], "", ql, " at the top level")
        self.check_states_present(doc, "")

    def check_block(self, doc: dict, loc: str, ql: str) -> None:
        self.check_object(doc, SECTIONS["Block"], loc, ql, f" in {loc.rsplit('/', 1)[-1].split('[')[0]}")
        self.check_states_present(doc, loc)

    def check_states_present(self, doc: dict, loc: str) -> None:
        states = doc.get("States")
        if isinstance(states, dict) and not states:
            self.schema("States is empty: a state machine needs at least one state", f"{loc}/States")

    def check_state_fields(self, body: dict, loc: str, kind: str, ql: str) -> None:
        """A state's fields from the table, then the rules between its fields."""
        self.check_object(body, STATE_FIELDS[kind], loc, ql, f" in a {kind} state")
        if ql == m.JSONATA:
            self.check_jsonata_tree(body, loc)
        if kind == "Task":
            self.check_heartbeat(body, loc)
        elif kind == "Wait":
            given = [k for k in ("Seconds", "SecondsPath", "Timestamp", "TimestampPath") if k in body]
            if len(given) != 1:
                self.schema("Exactly one of 'Seconds', 'SecondsPath', 'Timestamp' or 'TimestampPath' is required"
                            + (f", not {len(given)}: {', '.join(given)}" if given else ""), loc)
        elif kind == "Map":
            if "Iterator" in body and "ItemProcessor" in body:
                self.schema("Only one of 'ItemProcessor' or 'Iterator' can be present", loc)
            if "ItemSelector" in body and "Parameters" in body:
                self.schema("Only one of 'ItemSelector' or 'Parameters' can be present", loc)
        if kind not in ("Choice", "Succeed", "Fail"):
            nxt, end = body.get("Next"), body.get("End")
            if nxt is not None and end is not None:
                self.schema("Only one of 'Next' or 'End' can be present", loc)
            elif nxt is None and end is not True:
                self.schema("These fields are required: [Next]" if end is None
                            else f"End is {shown(end)}; AWS requires End: true or a Next state", loc)

    # ---- Choice rules ---------------------------------------------------------------------------
    def check_choice_rule(self, rule: dict, loc: str, ql: str, nested: bool = False) -> bool:
        """A Choice rule's fields and shape (nested And/Or/Not rules too); True when a problem was reported.
        JSONPath: one comparison operator with its Variable, or one of And, Or, Not; JSONata: a Condition.
        Operand values are judged where the rule is compiled (expressions.choice)."""
        before = len(self.diags)
        kind = "a nested Choice rule" if nested else "a Choice rule"
        own = {"Comment"} if nested else {"Comment", "Next", "Assign"}
        if ql == m.JSONATA:
            allowed, other = own | {"Condition"} | (set() if nested else {"Output"}), _CHOICE_JSONPATH_ONLY
        else:
            allowed, other = own | _CHOICE_JSONPATH_ONLY, {"Condition", "Output"}
        for key in rule:
            if key in other:
                self.schema(f"The field '{key}' is not supported for the QueryLanguage {ql}", f"{loc}/{key}")
            elif key not in allowed:
                self.schema(f"Field '{key}' is not supported in {kind}", loc)
        if ql == m.JSONATA:
            if "Condition" not in rule:
                self.schema("These fields are required: [Condition]", loc)
            return len(self.diags) > before
        tests = [k for k in rule if k in COMPARISON_OPERATORS or k in ("And", "Or", "Not")]
        if not tests:
            self.schema(f"{kind[0].upper()}{kind[1:]} has no comparison; AWS requires a Variable with one comparison "
                        "operator (StringEquals, NumericGreaterThan, IsPresent, ...), or And, Or or Not", loc)
        elif len(tests) > 1:
            self.schema(f"{kind[0].upper()}{kind[1:]} has {' and '.join(tests)}; AWS requires exactly one comparison "
                        "operator, And, Or or Not", loc)
        elif tests[0] in ("And", "Or"):
            if "Variable" in rule:
                self.schema(f"Field 'Variable' is not supported in {kind} with {tests[0]}", loc)
            self.check_nested_rules(tests[0], rule[tests[0]], loc, ql)
        elif tests[0] == "Not":
            if "Variable" in rule:
                self.schema(f"Field 'Variable' is not supported in {kind} with Not", loc)
            inner = rule["Not"]
            if isinstance(inner, dict):
                self.check_choice_rule(inner, f"{loc}/Not", ql, nested=True)
            else:
                self.schema(f"Not is {shown(inner)}; AWS requires one Choice rule (a JSON object)", f"{loc}/Not")
        elif "Variable" not in rule:
            self.schema("These fields are required: [Variable]", loc)
        return len(self.diags) > before

    def check_nested_rules(self, key: str, rules: Any, loc: str, ql: str) -> None:
        if not isinstance(rules, list) or not rules:
            self.schema(f"{key} is {shown(rules)}; AWS requires a non-empty array of Choice rules", f"{loc}/{key}")
            return
        for index, inner in enumerate(rules):
            here = f"{loc}/{key}[{index}]"
            if isinstance(inner, dict):
                self.check_choice_rule(inner, here, ql, nested=True)
            else:
                self.schema(f"{key}[{index}] is {shown(inner)}; AWS requires a Choice rule (a JSON object)", here)

    def check_heartbeat(self, body: dict, loc: str) -> None:
        timeout, heartbeat = body.get("TimeoutSeconds"), body.get("HeartbeatSeconds")
        numbers = all(isinstance(v, int) and not isinstance(v, bool) for v in (timeout, heartbeat))
        if numbers and heartbeat >= timeout:
            self.schema(f"HeartbeatSeconds is {heartbeat}; AWS requires it to be less than TimeoutSeconds "
                        f"({timeout})", f"{loc}/HeartbeatSeconds")

    def check_jsonata_tree(self, value: Any, loc: str) -> None:
        if isinstance(value, str):
            problem = jsonata_problem(loc.rsplit("/", 1)[-1], value)
            if problem:
                self.schema(problem, loc)
        elif isinstance(value, dict):
            for key, item in value.items():
                if key not in _NESTED:
                    self.check_jsonata_tree(item, f"{loc}/{key}")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                self.check_jsonata_tree(item, f"{loc}[{i}]")

    # ---- transitions (on built states) ---------------------------------------------------------------
    def check_transitions(self, states: dict[str, m.State], loc: str) -> None:
        for state in states.values():
            targets: list[tuple[str, str]] = []
            if state.next is not None:
                targets.append((state.next, "Next"))
            if isinstance(state, m.ChoiceState):
                targets += [(b.next, "Choices") for b in state.choices]
                if state.default is not None:
                    targets.append((state.default, "Default"))
            if isinstance(state, m.RetryingState):
                targets += [(c.next, "Catch") for c in state.catch]
            for target, field in targets:
                if isinstance(target, str) and target not in states:
                    self.fail("MISSING_TRANSITION_TARGET", f"Missing 'Next' target: {target}",
                              f"{loc}/States/{state.name}/{field}")

    def check_reachable(self, start: str, states: dict[str, m.State], loc: str) -> None:
        seen, todo = {start}, [start]
        while todo:
            state = states.get(todo.pop())
            if state is None:
                continue
            nexts = [state.next] if state.next else []
            if isinstance(state, m.ChoiceState):
                nexts += [b.next for b in state.choices] + ([state.default] if state.default else [])
            if isinstance(state, m.RetryingState):
                nexts += [c.next for c in state.catch]
            for name in nexts:
                if name in states and name not in seen:
                    seen.add(name)
                    todo.append(name)
        for name in states:
            if name not in seen:
                self.fail("UNREACHABLE_STATE", f"State \"{name}\" is not reachable.", f"{loc}/States/{name}")
