"""Distributed Map runs: ListMapRuns, DescribeMapRun counts, UpdateMapRun on a running map run,
the child workflow executions, and redriving a failed map run."""
from __future__ import annotations

import collections
import json

import pytest

from .conftest import create, history_types, output

FN = "arn:aws:lambda:us-east-1:123456789012:function:"


def distributed(processor_states: dict, start: str, child_type: str = "STANDARD", **map_fields) -> dict:
    return {"StartAt": "Each", "States": {"Each": {
        "Type": "Map", "ItemsPath": "$.items", "End": True, **map_fields,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": child_type},
                          "StartAt": start, "States": processor_states}}}}


PASS_ITEMS = distributed({"P": {"Type": "Pass", "End": True}}, "P", MaxConcurrency=2)


def start(sfn, definition, items, name="machine") -> str:
    arn = create(sfn, definition, name)
    return sfn.start_execution(stateMachineArn=arn, input=json.dumps({"items": items}))["executionArn"]


def only_run(sfn, execution: str) -> str:
    runs = sfn.list_map_runs(executionArn=execution)["mapRuns"]
    assert len(runs) == 1
    return runs[0]["mapRunArn"]


def test_list_and_describe_a_finished_map_run(sfn):
    execution = start(sfn, PASS_ITEMS, [1, 2, 3])
    runs = sfn.list_map_runs(executionArn=execution)["mapRuns"]
    assert len(runs) == 1 and runs[0]["executionArn"] == execution
    run_arn = runs[0]["mapRunArn"]
    assert run_arn.startswith("arn:aws:states:us-east-1:123456789012:mapRun:machine/")
    assert runs[0]["stateMachineArn"] == run_arn.replace(":mapRun:", ":stateMachine:").rsplit(":", 1)[0]
    assert runs[0]["stopDate"] >= runs[0]["startDate"]
    described = sfn.describe_map_run(mapRunArn=run_arn)
    assert described["status"] == "SUCCEEDED" and described["executionArn"] == execution
    assert described["maxConcurrency"] == 2
    assert described["toleratedFailureCount"] == 0 and described["toleratedFailurePercentage"] == 0.0
    counts = {"pending": 0, "running": 0, "succeeded": 3, "failed": 0, "timedOut": 0, "aborted": 0, "total": 3,
              "resultsWritten": 3, "failuresNotRedrivable": 0, "pendingRedrive": 0}
    assert described["itemCounts"] == counts and described["executionCounts"] == counts
    assert described["redriveCount"] == 0 and "redriveDate" not in described


def test_the_label_names_the_map_run_and_its_children(sfn):
    execution = start(sfn, distributed({"P": {"Type": "Pass", "End": True}}, "P", Label="Orders"), [1])
    run_arn = only_run(sfn, execution)
    assert run_arn.startswith("arn:aws:states:us-east-1:123456789012:mapRun:machine/Orders:")
    children = sfn.list_executions(mapRunArn=run_arn)["executions"]
    assert children[0]["executionArn"].startswith("arn:aws:states:us-east-1:123456789012:execution:machine/Orders:")
    assert children[0]["stateMachineArn"] == "arn:aws:states:us-east-1:123456789012:stateMachine:machine/Orders"


def test_child_workflows_are_executions_of_their_own(sfn):
    execution = start(sfn, PASS_ITEMS, [{"n": 1}, {"n": 2}])
    run_arn = only_run(sfn, execution)
    children = sfn.list_executions(mapRunArn=run_arn)["executions"]
    assert len(children) == 2 and {c["status"] for c in children} == {"SUCCEEDED"}
    assert all(c["mapRunArn"] == run_arn and c["itemCount"] == 1 for c in children)
    child = children[0]["executionArn"]
    described = sfn.describe_execution(executionArn=child)
    assert described["status"] == "SUCCEEDED" and json.loads(described["input"]) in ({"n": 1}, {"n": 2})
    assert history_types(sfn, child) == ["ExecutionStarted", "PassStateEntered", "PassStateExited",
                                         "ExecutionSucceeded"]
    for_child = sfn.describe_state_machine_for_execution(executionArn=child)
    assert for_child["mapRunArn"] == run_arn and for_child["label"] == run_arn.split("/")[1].split(":")[0]
    assert json.loads(for_child["definition"]) == {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    # the children are not executions of the parent's state machine
    assert [e["executionArn"] for e in sfn.list_executions(stateMachineArn=described["stateMachineArn"])[
        "executions"]] == [execution]
    assert "history" not in history_types(sfn, execution)  # nothing of theirs in the parent history
    assert "PassStateEntered" not in history_types(sfn, execution)


def test_item_counts_count_items_and_execution_counts_count_batches(sfn):
    definition = distributed({"P": {"Type": "Pass", "End": True}}, "P", ItemBatcher={"MaxItemsPerBatch": 2})
    execution = start(sfn, definition, [1, 2, 3, 4, 5])
    described = sfn.describe_map_run(mapRunArn=only_run(sfn, execution))
    assert described["itemCounts"]["total"] == 5 and described["itemCounts"]["succeeded"] == 5
    assert described["executionCounts"]["total"] == 3 and described["executionCounts"]["succeeded"] == 3


@pytest.fixture
def worker(sfn) -> str:
    return sfn.create_activity(name="item-worker")["activityArn"]


def waiting_children(worker: str, **map_fields) -> dict:
    return distributed({"Work": {"Type": "Task", "Resource": worker, "End": True}}, "Work", **map_fields)


def answer_all(sfn, worker: str, fail: bool = False) -> int:
    answered = 0
    while True:
        task = sfn.get_activity_task(activityArn=worker)
        if "taskToken" not in task:
            return answered
        if fail:
            sfn.send_task_failure(taskToken=task["taskToken"], error="Item.Bad", cause=task["input"])
        else:
            sfn.send_task_success(taskToken=task["taskToken"], output=task["input"])
        answered += 1


def test_update_map_run_raises_concurrency_while_it_runs(sfn, worker):
    execution = start(sfn, waiting_children(worker, MaxConcurrency=1), list(range(5)))
    run_arn = only_run(sfn, execution)
    counts = sfn.describe_map_run(mapRunArn=run_arn)["executionCounts"]
    assert (counts["running"], counts["pending"]) == (1, 4)
    sfn.update_map_run(mapRunArn=run_arn, maxConcurrency=3)
    described = sfn.describe_map_run(mapRunArn=run_arn)
    assert described["maxConcurrency"] == 3 and described["status"] == "RUNNING"
    assert (described["executionCounts"]["running"], described["executionCounts"]["pending"]) == (3, 2)
    assert answer_all(sfn, worker) == 5
    assert sfn.describe_map_run(mapRunArn=run_arn)["status"] == "SUCCEEDED"
    assert output(sfn.describe_execution(executionArn=execution)) == list(range(5))


def test_update_map_run_tolerance_lets_the_run_finish(sfn, worker):
    execution = start(sfn, waiting_children(worker, MaxConcurrency=5, ToleratedFailureCount=0), list(range(4)))
    run_arn = only_run(sfn, execution)
    sfn.update_map_run(mapRunArn=run_arn, toleratedFailureCount=4, toleratedFailurePercentage=100)
    answer_all(sfn, worker, fail=True)
    described = sfn.describe_map_run(mapRunArn=run_arn)
    assert described["status"] == "SUCCEEDED" and described["itemCounts"]["failed"] == 4
    assert described["toleratedFailureCount"] == 4 and described["toleratedFailurePercentage"] == 100.0
    assert sfn.describe_execution(executionArn=execution)["status"] == "SUCCEEDED"


def test_a_failed_map_run_and_its_errors(sfn, worker):
    execution = start(sfn, waiting_children(worker, MaxConcurrency=1), [1, 2, 3])
    run_arn = only_run(sfn, execution)
    answer_all(sfn, worker, fail=True)
    described = sfn.describe_map_run(mapRunArn=run_arn)
    assert described["status"] == "FAILED"
    assert described["executionCounts"]["failed"] == 1 and described["executionCounts"]["aborted"] == 2
    with pytest.raises(sfn.exceptions.ValidationException):
        sfn.update_map_run(mapRunArn=run_arn, maxConcurrency=2)
    with pytest.raises(sfn.exceptions.ResourceNotFound):
        sfn.describe_map_run(mapRunArn=run_arn[:-4] + "0000")
    with pytest.raises(sfn.exceptions.InvalidArn):
        sfn.describe_map_run(mapRunArn=execution)
    with pytest.raises(sfn.exceptions.ExecutionDoesNotExist):
        sfn.list_map_runs(executionArn=execution + "-missing")


@pytest.mark.parametrize("child_type", ["STANDARD", "EXPRESS"])
def test_redriving_the_parent_redrives_the_failed_map_run(sfn, child_type):
    calls = collections.Counter()

    def handler(event, context):
        calls[event["i"]] += 1
        if event["i"] == 2 and calls[2] == 1:
            raise RuntimeError("first try fails")
        return event

    sfn.register_lambda("item", handler)
    definition = distributed({"Before": {"Type": "Pass", "Next": "Work"},
                              "Work": {"Type": "Task", "Resource": FN + "item", "End": True}}, "Before",
                             child_type=child_type, MaxConcurrency=1, ToleratedFailureCount=0)
    execution = start(sfn, definition, [{"i": i} for i in range(4)])
    assert sfn.describe_execution(executionArn=execution)["status"] == "FAILED"
    run_arn = only_run(sfn, execution)
    failed_child = next(c for c in sfn.list_executions(mapRunArn=run_arn)["executions"] if c["status"] == "FAILED")
    child_status = sfn.describe_execution(executionArn=failed_child["executionArn"])
    assert child_status["redriveStatus"] == "REDRIVABLE_BY_MAP_RUN"
    with pytest.raises(sfn.exceptions.ExecutionNotRedrivable):
        sfn.redrive_execution(executionArn=failed_child["executionArn"])

    sfn.redrive_execution(executionArn=execution)
    described = sfn.describe_execution(executionArn=execution)
    assert described["status"] == "SUCCEEDED" and output(described) == [{"i": i} for i in range(4)]
    assert calls == {0: 1, 1: 1, 2: 2, 3: 1}  # the succeeded children did not run again
    assert only_run(sfn, execution) == run_arn  # the same map run, redriven
    run = sfn.describe_map_run(mapRunArn=run_arn)
    assert run["status"] == "SUCCEEDED" and run["redriveCount"] == 1 and "redriveDate" in run
    assert run["itemCounts"]["succeeded"] == 4
    events = sfn.get_execution_history(executionArn=execution)["events"]
    redriven = next(e for e in events if e["type"] == "MapRunRedriven")
    assert redriven["mapRunRedrivenEventDetails"] == {"mapRunArn": run_arn, "redriveCount": 1}
    child_history = history_types(sfn, failed_child["executionArn"])
    if child_type == "STANDARD":  # redriven where it stopped: Before is not entered again
        assert child_history.count("ExecutionRedriven") == 1 and child_history.count("PassStateEntered") == 1
        assert sfn.describe_execution(executionArn=failed_child["executionArn"])["status"] == "SUCCEEDED"
    else:  # Express children start over, as new executions
        assert child_history[-1] == "ExecutionFailed"
        assert len(sfn.list_executions(mapRunArn=run_arn)["executions"]) == 4
