"""The console in a real headless Chromium against a running local stack (port 0).

One stack and one browser for the module. The runs: a migrate_user left to its deadline (its
callback task's States.Timeout caught -> the invitation fallback), a migrate_batch (a Map over two
users), callback executions driven by hand from the page (send task success, stop), and a machine
whose state name and input are markup. Skips without Chromium (see conftest.py).
"""
from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest

from .conftest import screenshot

pytestmark = pytest.mark.timeout(240)
DAY = 86_400
EVIL = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def runs(stack: Any) -> dict[str, str]:
    sfn = stack.client("stepfunctions")
    deadline = sfn.start_execution(stateMachineArn=stack.state_machines["migrate_user"], name="deadline",
                                   input=json.dumps({"legacyUserId": "L-1", "email": "late@example.com"}))
    batch = sfn.start_execution(stateMachineArn=stack.state_machines["migrate_batch"], name="batch", input=json.dumps(
        {"batchId": "b1", "users": [{"legacyUserId": "L-2", "email": "two@example.com"},
                                    {"legacyUserId": "L-3", "email": "three@example.com"}]}))
    stack.advance(180 * DAY + 60)
    return {"deadline": deadline["executionArn"], "batch": batch["executionArn"]}


def _url(stack: Any, path: str) -> str:
    return stack.url + path


def _execution(stack: Any, arn: str, query: str = "") -> str:
    return f"{stack.console_url}executions/{quote(arn, safe='')}{query}"


def test_state_machines_page(stack: Any, page: Any, runs: dict[str, str]) -> None:
    page.goto(stack.console_url)
    for name in stack.state_machines:
        assert page.locator(f'tr[data-state-machine="{name}"]').count() == 1
    row = page.locator('tr[data-state-machine="migrate_user"]')
    assert int(row.locator('[data-count="SUCCEEDED"]').inner_text()) >= 1
    assert "STANDARD" in row.inner_text()
    assert page.errors == []


def test_state_machine_page(stack: Any, page: Any, runs: dict[str, str]) -> None:
    page.goto(stack.console_url + "state-machines/migrate_user")
    graph = page.locator("svg[data-graph]")
    assert graph.count() == 1
    definition = json.loads(stack.client("stepfunctions").describe_state_machine(
        stateMachineArn=stack.state_machines["migrate_user"])["definition"])
    assert page.locator("g[data-state]").count() == len(definition["States"])
    assert page.locator('g[data-state]:not([data-status="not-run"])').count() == 0
    catch = page.locator('path[data-edge="RegisterAndWait->ClaimFallback"]')
    assert catch.get_attribute("data-kind") == "catch"
    assert "States.Timeout" in page.locator('[data-edge-label="RegisterAndWait->ClaimFallback"]').text_content()
    assert page.locator('path[data-edge="ValidateInput->ApplyDefaults"]').get_attribute("data-kind") == "default"
    assert page.locator('path[data-edge="ValidateInput->InvalidInput"]').get_attribute("data-kind") == "choice"
    assert page.locator('[data-marker="start"]').count() == 1 and page.locator('[data-marker="end"]').count() == 1
    assert page.locator(f'tr[data-execution-arn="{runs["deadline"]}"]').count() == 1
    page.locator('a[data-status-filter="RUNNING"]').click()
    assert "status=RUNNING" in page.url
    assert page.locator('tr[data-execution-arn][data-status="SUCCEEDED"]').count() == 0
    assert "legacyUserId" in page.locator("[data-definition]").inner_text()
    assert page.errors == []


def test_execution_with_a_caught_error(stack: Any, page: Any, runs: dict[str, str]) -> None:
    page.goto(_execution(stack, runs["deadline"]))
    assert page.locator("[data-execution-status]").get_attribute("data-execution-status") == "SUCCEEDED"
    status = {name: page.locator(f'g[data-state="{name}"]').get_attribute("data-status")
              for name in ("ValidateInput", "RegisterAndWait", "ClaimFallback", "InvalidInput", "NormalizeCallback")}
    assert status == {"ValidateInput": "succeeded", "RegisterAndWait": "caught", "ClaimFallback": "succeeded",
                      "InvalidInput": "not-run", "NormalizeCallback": "not-run"}
    assert page.locator('path[data-edge="RegisterAndWait->ClaimFallback"]').get_attribute("data-taken") == "true"
    events = stack.client("stepfunctions").get_execution_history(executionArn=runs["deadline"], maxResults=1000)["events"]
    assert page.locator("tr[data-event-id]").count() == len(events)
    first = page.locator('tr[data-event-id="1"]')
    assert "ExecutionStarted" in first.inner_text()
    first.locator("summary").click()
    assert "late@example.com" in first.locator("pre").inner_text()
    timeline = page.locator('tr[data-state-row="RegisterAndWait"] td.timeline rect.span')
    assert float(timeline.get_attribute("width")) > 90  # it waited for nearly all of the 180 days
    page.locator('g[data-state="RegisterAndWait"]').scroll_into_view_if_needed()
    assert screenshot(page, "execution-caught").stat().st_size > 10_000
    assert page.errors == []


def test_state_panel(stack: Any, page: Any, runs: dict[str, str]) -> None:
    page.goto(_execution(stack, runs["deadline"]))
    page.locator('g[data-state="RegisterAndWait"] a').first.click()
    panel = page.locator('[data-panel="state-details"]')
    assert "state=RegisterAndWait" in page.url and panel.count() == 1
    assert panel.locator('[data-panel-status]').inner_text() == "caught"
    assert panel.locator('[data-field="state-error"]').inner_text() == "States.Timeout"
    assert "late@example.com" in panel.locator('[data-field="state-input"]').inner_text()
    assert panel.locator('[data-field="retries"]').inner_text() == "0"
    kinds = panel.locator("tr[data-event-type]").evaluate_all("rows => rows.map(r => r.dataset.eventType)")
    assert kinds[0] == "TaskStateEntered" and "TaskTimedOut" in kinds and kinds[-1] == "TaskStateExited"


def test_map_container_and_iterations(stack: Any, page: Any, runs: dict[str, str]) -> None:
    page.goto(_execution(stack, runs["batch"]))
    container = page.locator('g[data-state="StartMigrations"]')
    assert container.get_attribute("data-type") == "Map"
    inner = container.locator('g[data-state="StartMigration"]')
    assert inner.count() == 1 and inner.get_attribute("data-status") == "succeeded"
    assert "2 iterations" in container.text_content()
    page.locator('[data-iterations="StartMigrations"] a[data-iteration="1"]').click()
    assert "iteration=1" in page.url and "map=StartMigrations" in page.url
    assert page.locator("text=Showing Map iteration StartMigrations #1").count() == 1
    assert page.locator('tr[data-state-row="StartMigration"]').count() == 2


def test_start_then_send_task_success(stack: Any, page: Any) -> None:
    page.goto(stack.console_url + "state-machines/migrate_user")
    form = page.locator('form[data-form="start"]')
    form.locator('input[name="name"]').fill("by-hand")
    form.locator('textarea[name="input"]').fill('{"legacyUserId": "L-9", ')
    form.locator('button[type="submit"]').click()
    assert "is not valid JSON" in form.locator('[data-json-error="input"]').inner_text()  # checked before submit
    assert page.url.endswith("/state-machines/migrate_user")
    form.locator('textarea[name="input"]').fill('{"legacyUserId": "L-9", "email": "hand@example.com"}')
    form.locator('button[type="submit"]').click()
    page.wait_for_url("**/executions/**")
    assert page.locator("[data-execution-status]").get_attribute("data-execution-status") == "RUNNING"
    assert page.locator('g[data-state="RegisterAndWait"]').get_attribute("data-status") == "running"
    task = page.locator('[data-waiting-state="RegisterAndWait"] form[data-form="task-success"]')
    assert task.locator('input[name="taskToken"]').input_value()  # found in the task's parameters
    task.locator('textarea[name="output"]').fill(json.dumps(
        {"legacyUserId": "L-9", "email": "hand@example.com", "migratedVia": "operator"}))
    task.locator('button[type="submit"]').click()
    page.wait_for_load_state()
    assert page.locator("[data-execution-status]").get_attribute("data-execution-status") == "SUCCEEDED"
    assert page.locator('g[data-state="RegisterAndWait"]').get_attribute("data-status") == "succeeded"
    assert page.locator('g[data-state="ClaimFallback"]').get_attribute("data-status") == "not-run"
    assert page.errors == []


def test_stop_and_live_refresh(stack: Any, page: Any) -> None:
    sfn = stack.client("stepfunctions")
    arn = sfn.start_execution(stateMachineArn=stack.state_machines["migrate_user"], name="to-stop",
                              input=json.dumps({"legacyUserId": "L-8", "email": "stop@example.com"}))["executionArn"]
    page.goto(_execution(stack, arn))
    form = page.locator('form[data-form="stop"]')
    form.locator('input[name="cause"]').fill("stopped from the console")
    form.locator('button[type="submit"]').click()
    page.wait_for_load_state()
    assert page.locator("[data-execution-status]").get_attribute("data-execution-status") == "ABORTED"
    assert page.locator('g[data-state="RegisterAndWait"]').get_attribute("data-status") == "cancelled"
    # a running page follows the run by itself
    other = sfn.start_execution(stateMachineArn=stack.state_machines["migrate_user"], name="live",
                                input=json.dumps({"legacyUserId": "L-7", "email": "live@example.com"}))["executionArn"]
    page.goto(_execution(stack, other))
    assert page.locator("main[data-refresh]").count() == 1
    sfn.stop_execution(executionArn=other)
    page.wait_for_selector('[data-execution-status="ABORTED"]', timeout=15_000)


def test_markup_in_names_and_inputs_is_text(stack: Any, page: Any) -> None:
    sfn = stack.client("stepfunctions")
    definition = {"StartAt": EVIL, "States": {EVIL: {"Type": "Pass", "End": True}}}
    arn = sfn.create_state_machine(name="escaping", definition=json.dumps(definition),
                                   roleArn="arn:aws:iam::123456789012:role/r")["stateMachineArn"]
    run = sfn.start_execution(stateMachineArn=arn, input=json.dumps(
        {"note": "<script>window.__pwned = true</script>"}))["executionArn"]
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(_execution(stack, run, "?state=" + quote(EVIL)))
    node = page.locator(f'g[data-state="{EVIL}"]')
    assert node.count() == 1 and node.get_attribute("data-status") == "succeeded"
    assert EVIL in node.text_content()
    assert "<script>window.__pwned = true</script>" in page.locator('[data-field="input"]').inner_text()
    assert page.locator('img[src="x"]').count() == 0
    assert page.evaluate("window.__pwned === undefined") and dialogs == []
    page.goto(stack.console_url + "state-machines/escaping")
    assert page.locator(f'g[data-state="{EVIL}"]').count() == 1 and dialogs == []
