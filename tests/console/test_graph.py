"""The definition graph: states, containers, edge kinds and labels, Choice rules as text."""
from __future__ import annotations

import json

import pytest

from workflows.console.graph import GraphError, describe_rule, parse_graph
from workflows.definitions import render
from workflows.testing.machines import test_params

MACHINE = {
    "StartAt": "Check",
    "States": {
        "Check": {"Type": "Choice", "Choices": [
            {"Variable": "$.n", "NumericGreaterThan": 3, "Next": "Work"},
            {"Not": {"Variable": "$.email", "IsPresent": True}, "Next": "Bad"},
            {"Variable": "$.kind", "StringEquals": "x", "Next": "Bad"}], "Default": "Fan"},
        "Work": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "Fan",
                 "Catch": [{"ErrorEquals": ["States.Timeout", "States.TaskFailed"], "Next": "Bad"}]},
        "Fan": {"Type": "Parallel", "Next": "Each", "Branches": [
            {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}},
            {"StartAt": "B", "States": {"B": {"Type": "Wait", "Seconds": 1, "End": True}}}]},
        "Each": {"Type": "Map", "End": True, "ItemProcessor": {"StartAt": "One", "States": {
            "One": {"Type": "Pass", "Next": "Ghost"}}}},
        "Bad": {"Type": "Fail", "Error": "Oops"},
    },
}


def test_states_edges_and_kinds() -> None:
    graph = parse_graph(json.dumps(MACHINE))
    edges = {(e.key, e.kind): e.label for e in graph.edges()}
    assert edges[("Check->Work", "choice")] == "$.n > 3"
    # two rules to one state: one edge, both rules in its label
    assert edges[("Check->Bad", "choice")] == '$.email is not present, $.kind == "x"'
    assert edges[("Check->Fan", "default")] == "Default"
    assert edges[("Work->Bad", "catch")] == "States.Timeout, States.TaskFailed"
    assert edges[("Work->Fan", "next")] == ""
    assert ("One->Ghost", "next") not in edges  # a transition to no state is left out
    assert [n.name for n in graph.nodes()] == ["Check", "Work", "Fan", "A", "B", "Each", "One", "Bad"]
    assert graph.parents() == {"A": "Fan", "B": "Fan", "One": "Each"}
    assert [len(b.states) for b in graph.node("Fan").branches] == [1, 1]
    assert graph.node("Work").subtitle == "lambda:invoke"
    assert graph.node("Bad").terminal and graph.node("Each").terminal and not graph.node("Work").terminal


@pytest.mark.parametrize("rule, text", [
    ({"And": [{"Variable": "$.a", "IsNull": False}, {"Or": [{"Variable": "$.b", "BooleanEquals": True},
                                                            {"Variable": "$.c", "StringMatches": "*x"}]}]},
     '$.a is not null and ($.b == true or $.c matches "*x")'),
    ({"Variable": "$.a", "NumericLessThanEqualsPath": "$.b"}, "$.a <= $.b"),
    ({"Not": {"Variable": "$.a", "StringEquals": "x"}}, 'not $.a == "x"'),
    ({"Condition": "{% $states.input.n > 1 %}"}, "$states.input.n > 1"),
])
def test_rules_as_text(rule: dict, text: str) -> None:
    assert describe_rule(rule) == text


def test_every_asl_machine_parses() -> None:
    for name in ("signup", "create_profile", "guard", "migrate_user", "migrate_batch"):
        graph = parse_graph(render(name, test_params("us-east-1", "123456789012")))
        assert graph.node(graph.root.start) is not None


def test_not_a_definition() -> None:
    with pytest.raises(GraphError, match="not JSON"):
        parse_graph("{")
    with pytest.raises(GraphError, match="no States/StartAt"):
        parse_graph("{}")


def test_statuses_and_kinds_are_the_public_words() -> None:
    from workflows.console.graph import EDGE_KINDS
    from workflows.console.trace import STATUSES

    assert STATUSES == ("succeeded", "failed", "caught", "running", "cancelled", "not-run")
    assert EDGE_KINDS == ("next", "choice", "default", "catch")
    assert {e.kind for e in parse_graph(json.dumps(MACHINE)).edges()} == set(EDGE_KINDS)
