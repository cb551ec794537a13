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

from workflows.engine import model as m
from workflows.engine.definition_checks import STATE_TYPES, DefinitionChecks, DefinitionError, Diagnostic
from workflows.engine.expressions import compile_choice
from workflows.engine.integrations.resources import ResourceError, parse_resource

__all__ = ["Diagnostic", "DefinitionError", "STATE_TYPES", "parse_definition", "validate_definition"]


def validate_definition(text: str | dict) -> list[Diagnostic]:
    """Every problem in a definition (empty when valid). Used by `workflows validate`."""
    try:
        _Parser(text).parse()
    except DefinitionError as error:
        return error.diagnostics
    return []


def parse_definition(text: str | dict) -> m.Program:
    return _Parser(text).parse()


class _Parser(DefinitionChecks):
    def __init__(self, text: str | dict) -> None:
        super().__init__()
        self.text = text

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
        common = dict(name=name, type=kind, query_language=ql, raw=body,
                      input_path=body.get("InputPath", m.UNSET), output_path=body.get("OutputPath", m.UNSET),
                      assign=body.get("Assign", m.UNSET), output=body.get("Output", m.UNSET))
        if kind not in ("Choice", "Succeed", "Fail"):
            self.transition(body, loc, common)
        builder = getattr(self, f"build_{kind.lower()}")
        return builder(body, loc, common)

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
            catchers.append(m.Catcher(errors, doc.get("Next", ""), doc.get("ResultPath", m.UNSET),
                                      doc.get("Assign", m.UNSET), doc.get("Output", m.UNSET)))
        return retriers, catchers

    # ---- per type -------------------------------------------------------------------------
    def build_pass(self, body: dict, loc: str, common: dict) -> m.State:
        return m.PassState(**common, parameters=body.get("Parameters", m.UNSET),
                           result=body.get("Result", m.UNSET), result_path=body.get("ResultPath", m.UNSET))

    def build_succeed(self, body: dict, loc: str, common: dict) -> m.State:
        return m.SucceedState(**common, end=True)

    def build_fail(self, body: dict, loc: str, common: dict) -> m.State:
        return m.FailState(**common, end=True, error=body.get("Error", m.UNSET),
                           error_path=body.get("ErrorPath", m.UNSET), cause=body.get("Cause", m.UNSET),
                           cause_path=body.get("CausePath", m.UNSET))

    def build_wait(self, body: dict, loc: str, common: dict) -> m.State:
        return m.WaitState(**common, seconds=body.get("Seconds", m.UNSET),
                           seconds_path=body.get("SecondsPath", m.UNSET),
                           timestamp=body.get("Timestamp", m.UNSET),
                           timestamp_path=body.get("TimestampPath", m.UNSET))

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
            try:
                compiled = compile_choice(rule, query_language=common["query_language"], state_name=common["name"])
            except Exception as error:  # noqa: BLE001 - reported as a diagnostic
                self.fail("SCHEMA_VALIDATION_FAILED", str(getattr(error, "cause", None) or error), here)
                continue
            branches.append(m.ChoiceBranch(compiled, rule["Next"], rule.get("Assign", m.UNSET),
                                           rule.get("Output", m.UNSET)))
        return m.ChoiceState(**common, choices=branches, default=body.get("Default"))

    def _retrying(self, body: dict, loc: str, common: dict) -> dict:
        retry, catch = self.retry_catch(body, loc, common["query_language"])
        params = body.get("Arguments", m.UNSET) if common["query_language"] == m.JSONATA else body.get(
            "Parameters", m.UNSET)
        return dict(common, parameters=params, result_selector=body.get("ResultSelector", m.UNSET),
                    result_path=body.get("ResultPath", m.UNSET), retry=retry, catch=catch)

    def build_task(self, body: dict, loc: str, common: dict) -> m.State:
        fields = self._retrying(body, loc, common)
        resource_text = body.get("Resource")
        ref = None
        if isinstance(resource_text, str):
            try:
                ref = parse_resource(resource_text)
            except ResourceError as error:
                self.fail("SCHEMA_VALIDATION_FAILED", str(error), f"{loc}/Resource")
        return m.TaskState(**fields, resource=ref, resource_text=resource_text or "",
                           timeout_seconds=body.get("TimeoutSeconds", m.UNSET),
                           timeout_seconds_path=body.get("TimeoutSecondsPath", m.UNSET),
                           heartbeat_seconds=body.get("HeartbeatSeconds", m.UNSET),
                           heartbeat_seconds_path=body.get("HeartbeatSecondsPath", m.UNSET),
                           credentials=body.get("Credentials", m.UNSET))

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
        selector = body.get("ItemSelector", m.UNSET)
        if selector is m.UNSET and common["query_language"] == m.JSONPATH and "Parameters" in body:
            selector = body["Parameters"]  # legacy name of ItemSelector
            fields["parameters"] = m.UNSET
        return m.MapState(
            **fields, processor=processor, items_path=body.get("ItemsPath", m.UNSET),
            items=body.get("Items", m.UNSET), item_selector=selector,
            item_reader=body.get("ItemReader", m.UNSET), item_batcher=body.get("ItemBatcher", m.UNSET),
            result_writer=body.get("ResultWriter", m.UNSET), max_concurrency=body.get("MaxConcurrency", m.UNSET),
            max_concurrency_path=body.get("MaxConcurrencyPath", m.UNSET),
            tolerated_failure_count=body.get("ToleratedFailureCount", m.UNSET),
            tolerated_failure_count_path=body.get("ToleratedFailureCountPath", m.UNSET),
            tolerated_failure_percentage=body.get("ToleratedFailurePercentage", m.UNSET),
            tolerated_failure_percentage_path=body.get("ToleratedFailurePercentagePath", m.UNSET),
            label=body.get("Label"), legacy_iterator=legacy)
