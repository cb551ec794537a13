"""Parse and validate an ASL definition once, into the typed states of `model`.

Validation collects every problem as a `Diagnostic` (code, message, location) so `workflows
validate` can list them all; `parse_definition` raises `DefinitionError` whose text is AWS's
InvalidDefinition style: "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: ... at
/States/X/Field'". Choice rules are compiled here by the expressions package. The structural rules
(fields, paths, transitions, reachability) live in `definition_checks`; this module builds.
"""
from __future__ import annotations

import json
from typing import Any

from workflows.engine import dynamic
from workflows.engine import model as m
from workflows.engine.definition_checks import STATE_TYPES, DefinitionChecks, DefinitionError, Diagnostic
from workflows.engine.errors import StatesError
from workflows.engine.expressions import ChoiceRule, compile_choice
from workflows.engine.integrations.resources import ResourceError, parse_resource

_NEVER = lambda data, context, variables, states: False  # noqa: E731 - a refused rule's stand-in (never run)

__all__ = ["Diagnostic", "DefinitionError", "STATE_TYPES", "parse_definition", "validate_definition"]


def validate_definition(text: str | dict, machine_type: str = "STANDARD") -> list[Diagnostic]:
    """Every problem in a definition (empty when valid) for a machine of `machine_type` (STANDARD or
    EXPRESS: an Express machine refuses what only Standard runs). Used by `workflows validate`."""
    try:
        _Parser(text, machine_type).parse()
    except DefinitionError as error:
        return error.diagnostics
    return []


def parse_definition(text: str | dict, machine_type: str = "STANDARD") -> m.Program:
    return _Parser(text, machine_type).parse()


def _template(body: dict, key: str) -> m.Template | None:
    """A payload field as a Template; None when absent (an explicit null is a value)."""
    return m.Template(body[key]) if key in body else None


def _item_reader(doc: Any, jsonata: bool) -> m.ItemReader | None:
    if not isinstance(doc, dict):
        return None
    config = doc.get("ReaderConfig")
    config = config if isinstance(config, dict) else {}
    return m.ItemReader(str(doc.get("Resource", "")), m.Template(doc.get("Arguments" if jsonata else "Parameters", {})),
                        config, dynamic.build(config, "ReaderConfig", "MaxItems", jsonata))


def _result_writer(doc: Any, jsonata: bool) -> m.ResultWriter | None:
    if not isinstance(doc, dict):
        return None
    config = doc.get("WriterConfig")
    resource = doc.get("Resource")
    return m.ResultWriter(resource if isinstance(resource, str) and resource else None,
                          m.Template(doc.get("Arguments" if jsonata else "Parameters", {})),
                          config if isinstance(config, dict) else {})


def _path(body: dict, key: str) -> str | None:
    """A path field: "$" when absent, None for ASL's null."""
    value = body.get(key, "$")
    return value if isinstance(value, str) or value is None else "$"


class _Parser(DefinitionChecks):
    def __init__(self, text: str | dict, machine_type: str = "STANDARD") -> None:
        super().__init__()
        self.text = text
        self.machine_type = machine_type

    def parse(self) -> m.Program:
        doc = self.text
        if isinstance(doc, (str, bytes)):
            try:
                doc = json.loads(doc)
            except ValueError as error:
                raise DefinitionError([Diagnostic("INVALID_JSON_DESCRIPTION", str(error), "/")]) from None
        if not isinstance(doc, dict):
            raise DefinitionError([Diagnostic("SCHEMA_VALIDATION_FAILED", "Expected an object", "/")])
        ql = doc.get("QueryLanguage", m.JSONPATH)
        if ql not in (m.JSONPATH, m.JSONATA):
            ql = m.JSONPATH
        self.check_top(doc, ql)
        timeout = doc.get("TimeoutSeconds")
        if not isinstance(timeout, int) or isinstance(timeout, bool):
            timeout = None
        program = self.program(doc, "", ql, top=True)
        program.timeout_seconds = timeout
        if self.diags:
            raise DefinitionError(self.diags)
        return program

    # ---- blocks ---------------------------------------------------------------------------
    def program(self, doc: Any, loc: str, ql: str, top: bool = False) -> m.Program:
        if not isinstance(doc, dict):
            self.fail("SCHEMA_VALIDATION_FAILED", "Expected an object", loc)
            return m.Program("", {}, ql)
        if not top:
            self.check_block(doc, loc, ql)
        start = doc.get("StartAt")
        states_doc = doc.get("States")
        if not isinstance(start, str):
            start = None
        if not isinstance(states_doc, dict) or not states_doc:
            return m.Program(start or "", {}, ql)
        states: dict[str, m.State] = {}
        for name, body in states_doc.items():
            state = self.state(name, body, f"{loc}/States/{name}", ql)
            if state is not None:
                states[name] = state
        if isinstance(start, str) and start not in states_doc:
            self.fail("MISSING_TRANSITION_TARGET", f"Missing 'Next' target: {start}", f"{loc}/StartAt")
        self.check_transitions(states, loc)
        if isinstance(start, str) and start in states:
            self.check_reachable(start, states, loc)
        return m.Program(start or "", states, ql)

    # ---- states ---------------------------------------------------------------------------
    def state(self, name: str, body: Any, loc: str, parent_ql: str) -> m.State | None:
        if not isinstance(body, dict):
            self.fail("SCHEMA_VALIDATION_FAILED", "Expected an object", loc)
            return None
        if len(name) > 80:
            self.fail("SCHEMA_VALIDATION_FAILED", "State name is too long (max 80 characters)", loc)
        kind = body.get("Type")
        if kind not in STATE_TYPES:
            self.fail("SCHEMA_VALIDATION_FAILED",
                      "The field 'Type' should have one of these values: "
                      "[Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map]", f"{loc}/Type")
            return None
        ql = body.get("QueryLanguage", parent_ql)
        if ql not in (m.JSONPATH, m.JSONATA):
            ql = parent_ql
        if parent_ql == m.JSONATA and ql == m.JSONPATH:
            self.fail("SCHEMA_VALIDATION_FAILED",
                      "The QueryLanguage 'JSONPath' of a state cannot be used when the state machine "
                      "uses 'JSONata'", f"{loc}/QueryLanguage")
        self.check_state_fields(body, loc, kind, ql)
        common = dict(name=name, type=kind, query_language=ql,
                      input_path=_path(body, "InputPath"), output_path=_path(body, "OutputPath"),
                      assign=_template(body, "Assign"), output=_template(body, "Output"))
        if kind not in ("Choice", "Succeed", "Fail"):
            self.transition(body, loc, common)
        builders = {"Pass": self.build_pass, "Succeed": self.build_succeed, "Fail": self.build_fail,
                    "Wait": self.build_wait, "Choice": self.build_choice, "Task": self.build_task,
                    "Parallel": self.build_parallel, "Map": self.build_map}
        return builders[kind](body, loc, common)

    def transition(self, body: dict, loc: str, common: dict) -> None:
        nxt, end = body.get("Next"), body.get("End")
        common["next"], common["end"] = (nxt if isinstance(nxt, str) else None), end is True

    def retry_catch(self, body: dict, loc: str, ql: str) -> tuple[list[m.Retrier], list[m.Catcher]]:
        retriers: list[m.Retrier] = []
        for doc in body.get("Retry") if isinstance(body.get("Retry"), list) else []:
            if not isinstance(doc, dict):
                continue
            errors = doc.get("ErrorEquals") if isinstance(doc.get("ErrorEquals"), list) else []
            jitter = doc.get("JitterStrategy", "NONE")
            retriers.append(m.Retrier(errors, doc.get("IntervalSeconds", 1), doc.get("MaxAttempts", 3),
                                      doc.get("BackoffRate", 2.0), doc.get("MaxDelaySeconds"),
                                      jitter == "FULL"))
        catchers: list[m.Catcher] = []
        for doc in body.get("Catch") if isinstance(body.get("Catch"), list) else []:
            if not isinstance(doc, dict):
                continue
            errors = doc.get("ErrorEquals") if isinstance(doc.get("ErrorEquals"), list) else []
            catchers.append(m.Catcher(errors, doc.get("Next", ""), _path(doc, "ResultPath"),
                                      _template(doc, "Assign"), _template(doc, "Output")))
        return retriers, catchers

    # ---- per type -------------------------------------------------------------------------
    def build_pass(self, body: dict, loc: str, common: dict) -> m.State:
        return m.PassState(**common, parameters=_template(body, "Parameters"), result=_template(body, "Result"),
                           result_path=_path(body, "ResultPath"))

    def build_succeed(self, body: dict, loc: str, common: dict) -> m.State:
        return m.SucceedState(**common, end=True)

    def build_fail(self, body: dict, loc: str, common: dict) -> m.State:
        jsonata = common["query_language"] == m.JSONATA
        return m.FailState(**common, end=True, error=dynamic.build(body, "Fail", "Error", jsonata),
                           cause=dynamic.build(body, "Fail", "Cause", jsonata))

    def build_wait(self, body: dict, loc: str, common: dict) -> m.State:
        jsonata = common["query_language"] == m.JSONATA
        return m.WaitState(**common, seconds=dynamic.build(body, "Wait", "Seconds", jsonata),
                           timestamp=dynamic.build(body, "Wait", "Timestamp", jsonata))

    def build_choice(self, body: dict, loc: str, common: dict) -> m.State:
        choices = body.get("Choices")
        if not isinstance(choices, list):
            choices = []
        branches: list[m.ChoiceBranch] = []
        for i, rule in enumerate(choices):
            here = f"{loc}/Choices[{i}]"
            if not isinstance(rule, dict) or not isinstance(rule.get("Next"), str):
                self.fail("SCHEMA_VALIDATION_FAILED", "These fields are required: [Next]", here)
                continue
            if self.check_choice_rule(rule, here, common["query_language"]):
                # its fields or shape are wrong: reported, and compiling it would only say so again; its Next
                # still counts, so the state it names is not reported unreachable as well
                branches.append(m.ChoiceBranch(ChoiceRule(_NEVER, rule["Next"]), rule["Next"]))
                continue
            try:
                compiled = compile_choice(rule, query_language=common["query_language"], state_name=common["name"])
            except Exception as error:  # noqa: BLE001 - reported as a diagnostic
                cause = error.cause if isinstance(error, StatesError) else None
                self.fail("SCHEMA_VALIDATION_FAILED", str(cause or error), here)
                branches.append(m.ChoiceBranch(ChoiceRule(_NEVER, rule["Next"]), rule["Next"]))
                continue
            branches.append(m.ChoiceBranch(compiled, rule["Next"], _template(rule, "Assign"),
                                           _template(rule, "Output")))
        return m.ChoiceState(**common, choices=branches, default=body.get("Default"))

    def _retrying(self, body: dict, loc: str, common: dict) -> dict:
        retry, catch = self.retry_catch(body, loc, common["query_language"])
        params = _template(body, "Arguments" if common["query_language"] == m.JSONATA else "Parameters")
        return dict(common, parameters=params, result_selector=_template(body, "ResultSelector"),
                    result_path=_path(body, "ResultPath"), retry=retry, catch=catch)

    def build_task(self, body: dict, loc: str, common: dict) -> m.State:
        fields = self._retrying(body, loc, common)
        resource_text = body.get("Resource")
        ref = None
        if isinstance(resource_text, str):
            try:
                ref = parse_resource(resource_text)
            except ResourceError as error:
                self.fail("SCHEMA_VALIDATION_FAILED", str(error), f"{loc}/Resource")
        if ref is not None and self.machine_type == "EXPRESS":
            self.check_express_resource(ref, f"{loc}/Resource")
        jsonata = common["query_language"] == m.JSONATA
        return m.TaskState(**fields, resource=ref, resource_text=resource_text or "",
                           timeout_seconds=dynamic.build(body, "Task", "TimeoutSeconds", jsonata),
                           heartbeat_seconds=dynamic.build(body, "Task", "HeartbeatSeconds", jsonata),
                           credentials=_template(body, "Credentials"))

    def build_parallel(self, body: dict, loc: str, common: dict) -> m.State:
        fields = self._retrying(body, loc, common)
        docs = body.get("Branches")
        if not isinstance(docs, list):
            docs = []
        branches = [self.program(doc, f"{loc}/Branches[{i}]", common["query_language"])
                    for i, doc in enumerate(docs)]
        return m.ParallelState(**fields, branches=branches)

    def build_map(self, body: dict, loc: str, common: dict) -> m.State:
        fields = self._retrying(body, loc, common)
        legacy = "Iterator" in body
        key = "Iterator" if legacy else "ItemProcessor"
        doc = body.get(key)
        if doc is None:
            self.fail("SCHEMA_VALIDATION_FAILED", "These fields are required: [ItemProcessor]", loc)
            doc = {}
        processor = self.program(doc, f"{loc}/{key}", common["query_language"])
        config = doc.get("ProcessorConfig") or {} if isinstance(doc, dict) else {}
        processor.processor_mode = config.get("Mode", "INLINE")
        processor.execution_type = config.get("ExecutionType", "STANDARD")
        jsonata = common["query_language"] == m.JSONATA
        selector = _template(body, "ItemSelector")
        if selector is None and not jsonata and "Parameters" in body:
            selector = m.Template(body["Parameters"])  # legacy name of ItemSelector
            fields["parameters"] = None
        batcher = body.get("ItemBatcher")
        item_batcher = None
        if isinstance(batcher, dict):
            item_batcher = m.ItemBatcher(dynamic.build(batcher, "ItemBatcher", "MaxItemsPerBatch", jsonata),
                                         dynamic.build(batcher, "ItemBatcher", "MaxInputBytesPerBatch", jsonata),
                                         _template(batcher, "BatchInput"))
        reader, writer = body.get("ItemReader"), body.get("ResultWriter")
        return m.MapState(
            **fields, processor=processor,
            items=dynamic.build(body if jsonata or "ItemsPath" in body else {**body, "ItemsPath": "$"},
                                "Map", "Items", jsonata, path_field="ItemsPath"),
            item_selector=selector, item_reader=_item_reader(reader, jsonata),
            item_batcher=item_batcher, result_writer=_result_writer(writer, jsonata),
            max_concurrency=dynamic.build(body, "Map", "MaxConcurrency", jsonata),
            tolerated_failure_count=dynamic.build(body, "Map", "ToleratedFailureCount", jsonata),
            tolerated_failure_percentage=dynamic.build(body, "Map", "ToleratedFailurePercentage", jsonata),
            label=body.get("Label"))
