"""The graph of a state machine definition, as the console draws it: states, containers, edges.

A definition (Amazon States Language, JSONPath or JSONata) becomes a `Graph`: one `Branch` per
scope (the machine itself, each Parallel branch, each Map's item processor), each holding its
`StateNode`s and the `Edge`s between them. Edge kinds are the console's public vocabulary:
``next`` (Next), ``choice`` (a Choice rule; labelled with the rule, e.g. ``$.email is not present``),
``default`` (a Choice's Default) and ``catch`` (a Catch; labelled with its error names). Several
rules or catchers that lead to the same state are one edge with one label, as the AWS console draws
them. Transitions to a state the definition does not have are left out (the engine refuses such a
definition; a remote endpoint may still hold one) rather than failing the page.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable

EDGE_KINDS = ("next", "choice", "default", "catch")
CONTAINER_TYPES = ("Map", "Parallel")
LABEL_LIMIT = 40  # characters of an edge label drawn on the graph; the whole text is its tooltip

_OPERATORS = {
    "StringEquals": "==", "NumericEquals": "==", "BooleanEquals": "==", "TimestampEquals": "==",
    "StringLessThan": "<", "NumericLessThan": "<", "TimestampLessThan": "<",
    "StringGreaterThan": ">", "NumericGreaterThan": ">", "TimestampGreaterThan": ">",
    "StringLessThanEquals": "<=", "NumericLessThanEquals": "<=", "TimestampLessThanEquals": "<=",
    "StringGreaterThanEquals": ">=", "NumericGreaterThanEquals": ">=", "TimestampGreaterThanEquals": ">=",
    "StringMatches": "matches",
}
_TYPE_TESTS = {"IsPresent": "present", "IsNull": "null", "IsString": "a string", "IsNumeric": "numeric",
               "IsBoolean": "a boolean", "IsTimestamp": "a timestamp"}


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: str  # one of EDGE_KINDS
    label: str = ""  # the full text (Choice rule, Catch error names); drawn shortened to LABEL_LIMIT

    @property
    def key(self) -> str:
        """The public `data-edge` value."""
        return f"{self.source}->{self.target}"

    @property
    def short_label(self) -> str:
        return self.label if len(self.label) <= LABEL_LIMIT else self.label[:LABEL_LIMIT - 1] + "\u2026"


@dataclass(frozen=True)
class StateNode:
    name: str
    type: str
    subtitle: str  # what the state does, e.g. "dynamodb:putItem.waitForTaskToken"; "" when only the type says it
    terminal: bool  # End: true, Succeed or Fail: the scope ends here
    branches: tuple["Branch", ...] = ()  # Parallel: one per branch; Map: its item processor

    @property
    def is_container(self) -> bool:
        return self.type in CONTAINER_TYPES


@dataclass(frozen=True)
class Branch:
    start: str
    states: tuple[StateNode, ...]
    edges: tuple[Edge, ...]


@dataclass(frozen=True)
class Graph:
    root: Branch

    def nodes(self) -> Iterable[StateNode]:
        """Every state, containers before the states they hold."""
        stack = list(reversed(self.root.states))
        while stack:
            node = stack.pop()
            yield node
            for branch in reversed(node.branches):
                stack.extend(reversed(branch.states))

    def node(self, name: str) -> StateNode | None:
        return next((n for n in self.nodes() if n.name == name), None)

    def edges(self) -> Iterable[Edge]:
        scopes = [self.root]
        while scopes:
            branch = scopes.pop()
            yield from branch.edges
            scopes.extend(b for n in branch.states for b in n.branches)

    def parents(self) -> dict[str, str]:
        """state name -> name of the Map/Parallel holding it (absent for top-level states)."""
        found: dict[str, str] = {}
        for node in self.nodes():
            for branch in node.branches:
                for inner in branch.states:
                    found[inner.name] = node.name
        return found


class GraphError(ValueError):
    """The definition is not JSON, or not a state machine (no States/StartAt)."""


def parse_graph(definition: str) -> Graph:
    try:
        document = json.loads(definition)
    except ValueError as error:
        raise GraphError(f"the definition is not JSON: {error}") from None
    if not isinstance(document, dict):
        raise GraphError("the definition is not a JSON object")
    return Graph(_branch(document, "the definition"))


def _branch(scope: dict[str, Any], where: str) -> Branch:
    states = scope.get("States")
    if not isinstance(states, dict) or not isinstance(scope.get("StartAt"), str):
        raise GraphError(f"{where} has no States/StartAt")
    nodes = tuple(_node(name, body) for name, body in states.items() if isinstance(body, dict))
    known = {n.name for n in nodes}
    edges: dict[tuple[str, str, str], list[str]] = {}
    for name, body in states.items():
        if isinstance(body, dict):
            for target, kind, label in _transitions(body):
                if target in known:
                    edges.setdefault((name, target, kind), []).append(label)
    return Branch(scope["StartAt"], nodes, tuple(
        Edge(source, target, kind, ", ".join(dict.fromkeys(label for label in labels if label)))
        for (source, target, kind), labels in edges.items()))


def _node(name: str, body: dict[str, Any]) -> StateNode:
    kind = str(body.get("Type", "?"))
    scopes: list[dict[str, Any]] = []
    if kind == "Parallel":
        scopes = [b for b in body.get("Branches", []) if isinstance(b, dict)]
    elif kind == "Map":
        processor = body.get("ItemProcessor") or body.get("Iterator")
        scopes = [processor] if isinstance(processor, dict) else []
    branches = tuple(_branch(scope, f"state {name!r}") for scope in scopes)
    terminal = bool(body.get("End")) or kind in ("Succeed", "Fail")
    return StateNode(name, kind, _subtitle(kind, body), terminal, branches)


def _subtitle(kind: str, body: dict[str, Any]) -> str:
    if kind == "Task":
        resource = str(body.get("Resource", ""))
        if resource.startswith("arn:aws:states:::"):
            return resource[len("arn:aws:states:::"):].removeprefix("aws-sdk:")
        return resource.rsplit(":", 1)[-1] if resource.startswith("arn:") else resource
    if kind == "Map":
        processor = body.get("ItemProcessor") or {}
        mode = (processor.get("ProcessorConfig") or {}).get("Mode") if isinstance(processor, dict) else None
        return "Distributed" if mode == "DISTRIBUTED" else ""
    if kind == "Fail" and isinstance(body.get("Error"), str):
        return body["Error"]
    return ""


def _transitions(body: dict[str, Any]) -> Iterable[tuple[str, str, str]]:
    """(target, kind, label) for every way out of a state."""
    if isinstance(body.get("Next"), str):
        yield body["Next"], "next", ""
    for number, rule in enumerate(body.get("Choices") or [], start=1):
        if isinstance(rule, dict) and isinstance(rule.get("Next"), str):
            yield rule["Next"], "choice", describe_rule(rule) or f"Rule #{number}"
    if isinstance(body.get("Default"), str):
        yield body["Default"], "default", "Default"
    for catcher in body.get("Catch") or []:
        if isinstance(catcher, dict) and isinstance(catcher.get("Next"), str):
            errors = catcher.get("ErrorEquals") or []
            yield catcher["Next"], "catch", ", ".join(str(e) for e in errors)


def describe_rule(rule: dict[str, Any]) -> str:
    """A Choice rule as one line of text: `$.n > 3`, `$.email is not present`, `not ($.a == "x")`."""
    if isinstance(rule.get("Condition"), str):  # JSONata
        return rule["Condition"].removeprefix("{%").removesuffix("%}").strip()
    for key, word in (("And", " and "), ("Or", " or ")):
        if isinstance(rule.get(key), list):
            return word.join(_grouped(describe_rule(r)) for r in rule[key] if isinstance(r, dict))
    if isinstance(rule.get("Not"), dict):
        inner = rule["Not"]
        test = next((k for k in _TYPE_TESTS if k in inner), None)
        if test and "Variable" in inner:  # `not (x is present)` reads better as `x is not present`
            return _type_test(str(inner["Variable"]), test, not inner[test])
        return f"not {_grouped(describe_rule(inner))}"
    variable = str(rule.get("Variable", ""))
    for test in _TYPE_TESTS:
        if test in rule:
            return _type_test(variable, test, bool(rule[test]))
    for key, value in rule.items():
        operator = _OPERATORS.get(key.removesuffix("Path"))
        if operator:
            operand = str(value) if key.endswith("Path") else json.dumps(value)
            return f"{variable} {operator} {operand}"
    return ""


def _type_test(variable: str, test: str, positive: bool) -> str:
    return f"{variable} is {'' if positive else 'not '}{_TYPE_TESTS[test]}"


def _grouped(text: str) -> str:
    return f"({text})" if " and " in text or " or " in text else text
