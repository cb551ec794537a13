"""The console's pages and forms over HTTP (werkzeug's test client on the WSGI app, engine in-process).

The browser tests (test_browser.py) drive the same pages in Chromium against a running stack; these
cover what needs no browser: routes, errors, pagination, escaping, headers and the form guard.
"""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import quote

import pytest
from botocore.exceptions import ClientError
from werkzeug.test import Client

from workflows.console import ConsoleApp, Source, execution_url, machine_url
from workflows.engine import StepFunctions

ROLE = "arn:aws:iam::123456789012:role/r"
TOKEN = "form-token-for-tests"
EVIL = "<img src=x onerror=alert(1)>"
FLOW = {"StartAt": "Check", "States": {
    "Check": {"Type": "Choice", "Choices": [{"Variable": "$.fail", "IsPresent": True, "Next": "Work"}],
              "Default": "Each"},
    "Work": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
             "Parameters": {"FunctionName": "f", "Payload.$": "$"},
             "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": EVIL}], "Next": "Each"},
    EVIL: {"Type": "Pass", "Next": "Each"},
    "Each": {"Type": "Map", "ItemsPath": "$.items", "End": True, "ItemProcessor": {
        "StartAt": "One", "States": {"One": {"Type": "Pass", "End": True}}}}}}


def _fail(event: Any, context: Any) -> Any:
    raise RuntimeError("no luck")


@pytest.fixture(scope="module")
def sfn() -> StepFunctions:
    engine = StepFunctions()
    engine.register_lambda("f", _fail)
    engine.create_state_machine(name="flow", definition=json.dumps(FLOW), roleArn=ROLE)
    return engine


@pytest.fixture(scope="module")
def client(sfn: StepFunctions) -> Client:
    return Client(ConsoleApp(Source(sfn, endpoint_label="engine"), token=TOKEN))


def _arn(sfn: StepFunctions) -> str:
    return sfn.list_state_machines()["stateMachines"][0]["stateMachineArn"]


def _start(sfn: StepFunctions, payload: Any, name: str | None = None) -> str:
    kwargs = {"name": name} if name else {}
    return sfn.start_execution(stateMachineArn=_arn(sfn), input=json.dumps(payload), **kwargs)["executionArn"]


def _svg(html: str) -> ET.Element:
    found = re.search(r"<svg data-graph.*?</svg>", html, re.S)
    assert found, "no <svg data-graph> on the page"
    return ET.fromstring(found.group(0).replace("<svg data-graph ", '<svg data-graph="" '))


def _attr(element: ET.Element, name: str) -> str:
    return element.attrib.get(name, "")


def test_machines_page_counts_by_status(client: Client, sfn: StepFunctions) -> None:
    _start(sfn, {"items": [1]})
    response = client.get("/console/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and '<tr data-state-machine="flow">' in html
    row = html.split('<tr data-state-machine="flow">')[1].split("</tr>")[0]
    assert re.search(r'data-count="SUCCEEDED">(\d+)<', row).group(1) != "0"
    assert "STANDARD" in row
    assert client.get("/console").status_code == 308


def test_machine_page_graph_all_not_run_with_containers_and_edges(client: Client) -> None:
    html = client.get(machine_url("flow")).get_data(as_text=True)
    svg = _svg(html)
    states = {_attr(g, "data-state"): g for g in svg.iter("{http://www.w3.org/2000/svg}g") if "data-state" in g.attrib}
    assert set(states) == {"Check", "Work", EVIL, "Each", "One"}
    assert {_attr(g, "data-status") for g in states.values()} == {"not-run"}
    assert _attr(states["Each"], "data-type") == "Map"
    assert any(_attr(g, "data-state") == "One" for g in states["Each"].iter() if g is not states["Each"])
    edges = {(_attr(p, "data-edge"), _attr(p, "data-kind")) for p in svg.iter("{http://www.w3.org/2000/svg}path")
             if "data-edge" in p.attrib}
    assert edges == {("Check->Work", "choice"), ("Check->Each", "default"), (f"Work->{EVIL}", "catch"),
                     ("Work->Each", "next"), (f"{EVIL}->Each", "next")}
    markers = {_attr(g, "data-marker") for g in svg.iter() if "data-marker" in g.attrib}
    assert markers == {"start", "end"}
    assert "$.fail is present" in html and "States.ALL" in html
    assert EVIL not in html  # only ever escaped
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_execution_page_path_panel_history(client: Client, sfn: StepFunctions) -> None:
    arn = _start(sfn, {"fail": True, "items": [1, 2], "note": "<script>alert(2)</script>"}, name="caught-run")
    html = client.get(execution_url(arn)).get_data(as_text=True)
    svg = _svg(html)
    status = {_attr(g, "data-state"): _attr(g, "data-status") for g in svg.iter() if "data-state" in g.attrib}
    assert status == {"Check": "succeeded", "Work": "caught", EVIL: "succeeded", "Each": "succeeded",
                      "One": "succeeded"}
    events = sfn.get_execution_history(executionArn=arn)["events"]
    assert re.findall(r'<tr data-event-id="(\d+)"', html) == [str(e["id"]) for e in events]
    assert "<script>alert(2)</script>" not in html and "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert 'data-taken="true"' in html
    panel = client.get(execution_url(arn, state="Work")).get_data(as_text=True)
    assert 'data-panel="state-details"' in panel and "RuntimeError" in panel
    iteration = client.get(execution_url(arn, map="Each", iteration=1)).get_data(as_text=True)
    assert 'data-iteration="1"' in iteration and "Showing Map iteration Each #1" in iteration
    assert client.get(execution_url(arn, state="Nope")).status_code == 404
    assert client.get(execution_url(arn, map="Each")).status_code == 400


def test_filters_pages_and_errors(client: Client, sfn: StepFunctions) -> None:
    for index in range(60):
        _start(sfn, {"items": []}, name=f"page-{index:02d}")
    first = client.get(machine_url("flow", status="SUCCEEDED")).get_data(as_text=True)
    rows = re.findall(r'<tr data-execution-arn="([^"]+)" data-status="(\w+)"', first)
    assert len(rows) == 50 and {s for _, s in rows} == {"SUCCEEDED"}
    assert rows[0][0].endswith("page-59")  # newest first
    older = re.search(r'href="([^"]+)" data-page="next"', first).group(1).replace("&amp;", "&")
    second = client.get(older).get_data(as_text=True)
    assert re.findall(r'<tr data-execution-arn="[^"]+page-09"', second) and 'data-page="previous"' in second
    assert client.get(machine_url("flow", status="BOGUS")).status_code == 400
    assert client.get(machine_url("missing")).status_code == 404
    assert client.get("/console/executions/" + quote("arn:aws:states:us-east-1:123456789012:execution:flow:none",
                                                      safe="")).status_code == 404
    assert client.get("/console/nothing").status_code == 404


def test_headers_and_static(client: Client) -> None:
    response = client.get("/console/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert client.get("/console/static/console.js").status_code == 200
    assert client.get("/console/static/..%2Fapp.py").status_code == 404


def test_forms_need_the_token_and_same_origin(client: Client, sfn: StepFunctions) -> None:
    form = {"machine": "flow", "input": '{"items": []}', "_token": TOKEN}
    assert client.post("/console/actions/start", data={**form, "_token": "guess"}).status_code == 403
    foreign = client.post("/console/actions/start", data=form, headers={"Origin": "http://evil.example"})
    assert foreign.status_code == 403 and b"cross-origin" in foreign.data
    cross_site = client.post("/console/actions/start", data=form, headers={"Sec-Fetch-Site": "cross-site"})
    assert cross_site.status_code == 403
    bad = client.post("/console/actions/start", data={**form, "input": '{"items": [1,}', "name": "kept"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "input is not valid JSON" in text
    assert "{&#34;items&#34;: [1,}" in text and 'value="kept"' in text  # nothing typed is lost
    ok = client.post("/console/actions/start", data={**form, "name": "from-the-form"},
                     headers={"Origin": "http://localhost"})
    assert ok.status_code == 303 and ok.headers["Location"].endswith(quote(":flow:from-the-form", safe=""))
    twice = client.post("/console/actions/start", data={**form, "name": "from-the-form", "input": "{}"})
    assert twice.status_code == 400 and "ExecutionAlreadyExists" in twice.get_data(as_text=True)
    assert client.post("/console/actions/bogus", data=form).status_code == 404
    assert client.get("/console/actions/start").status_code == 405


class _NoVersions:
    """A client whose endpoint refuses the newer operations, as Step Functions Local does."""

    def __init__(self, inner: StepFunctions) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        if name in ("list_state_machine_versions", "list_state_machine_aliases", "describe_state_machine_for_execution"):
            def refuse(**_: Any) -> Any:
                raise ClientError({"Error": {"Code": "UnknownOperationException", "Message": "no"}}, name)
            return refuse
        return getattr(self._inner, name)


def test_endpoints_without_newer_operations_degrade(sfn: StepFunctions) -> None:
    client = Client(ConsoleApp(Source(_NoVersions(sfn)), token=TOKEN))
    page = client.get(machine_url("flow"))
    assert page.status_code == 200 and "does not offer state machine versions or aliases" in page.get_data(as_text=True)
    arn = _start(sfn, {"items": []})
    assert client.get(execution_url(arn)).status_code == 200


def test_distributed_map_runs_and_child_execution_urls(sfn: StepFunctions) -> None:
    definition = {"StartAt": "Fan", "States": {"Fan": {"Type": "Map", "ItemsPath": "$.items", "End": True,
                  "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                                    "StartAt": "Item", "States": {"Item": {"Type": "Pass", "End": True}}}}}}
    arn = sfn.create_state_machine(name="distributed", definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]
    run = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"items": [1, 2]}))["executionArn"]
    client = Client(ConsoleApp(Source(sfn), token=TOKEN))
    html = client.get(execution_url(run)).get_data(as_text=True)
    assert re.search(r'data-map-run-arn="arn:aws:states:us-east-1:123456789012:mapRun:distributed/', html)
    children = re.findall(r'<tr data-execution-arn="([^"]+)"><td><a href="([^"]+)"', html)
    assert len(children) == 2 and all("/" in arn for arn, _ in children)  # machine/run:name
    # a map run's child execution ARN holds a "/": its page still routes, and shows the item's run
    child = client.get(children[0][1].replace("&amp;", "&"))
    assert child.status_code == 200 and b'data-state="Item"' in child.data


def test_versions_aliases_and_redrive(sfn: StepFunctions) -> None:
    definition = {"StartAt": "Try", "States": {"Try": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                                                       "Parameters": {"FunctionName": "f"}, "End": True}}}
    arn = sfn.create_state_machine(name="versioned", definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]
    version = sfn.publish_state_machine_version(stateMachineArn=arn)["stateMachineVersionArn"]
    alias = sfn.create_state_machine_alias(name="live", routingConfiguration=[
        {"stateMachineVersionArn": version, "weight": 100}])["stateMachineAliasArn"]
    client = Client(ConsoleApp(Source(sfn), token=TOKEN))
    page = client.get(machine_url("versioned")).get_data(as_text=True)
    assert f'data-version-arn="{version}"' in page and f'data-alias-arn="{alias}"' in page
    run = sfn.start_execution(stateMachineArn=alias, input="{}")["executionArn"]
    html = client.get(execution_url(run)).get_data(as_text=True)
    assert 'data-form="redrive"' in html and alias in html and version in html
    done = client.post("/console/actions/redrive", data={"_token": TOKEN, "executionArn": run})
    assert done.status_code == 303
    assert sfn.describe_execution(executionArn=run)["redriveCount"] == 1
    assert "ExecutionRedriven" in client.get(execution_url(run)).get_data(as_text=True)
