"""TestState is the engine's own handlers in an inspection mode (issue #14): for each rule TestState
used to re-implement (Retry backoff, a Map's tolerated failures, result processing, Catch output),
an execution and `test_state` must agree."""
from __future__ import annotations

import json

import pytest

from workflows.engine import StepFunctions
from workflows.testing import test_state as test_state_module

from .conftest import ROLE, run

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:f"


@pytest.mark.parametrize("retrier", [
    {"IntervalSeconds": 3, "BackoffRate": 2, "MaxAttempts": 4},
    {"IntervalSeconds": 2, "BackoffRate": 3, "MaxAttempts": 4, "MaxDelaySeconds": 10},
])
def test_retry_backoff_is_the_same_in_an_execution_and_in_test_state(sfn, retrier):
    attempts: list[float] = []

    def flaky(event, context):
        attempts.append(sfn.engine.scheduler.now())
        raise RuntimeError("busy")

    sfn.register_lambda("f", flaky)
    state = {"Type": "Task", "Resource": LAMBDA, "End": True, "Retry": [{"ErrorEquals": ["RuntimeError"], **retrier}]}
    run(sfn, {"StartAt": "T", "States": {"T": state}})
    waited = [round(b - a, 6) for a, b in zip(attempts, attempts[1:])]
    reported = []
    for count in range(retrier["MaxAttempts"]):
        answer = sfn.test_state(definition=json.dumps(state), inspectionLevel="DEBUG",
                                mock={"errorOutput": {"error": "RuntimeError", "cause": "busy"}},
                                stateConfiguration={"retrierRetryCount": count})
        assert answer["status"] == "RETRIABLE"
        reported.append(answer["inspectionData"]["errorDetails"]["retryBackoffIntervalSeconds"])
    assert waited == reported


def _tolerant_map(count: int) -> dict:
    return {"Type": "Map", "ItemsPath": "$.items", "ToleratedFailureCount": count, "End": True,
            "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                              "StartAt": "F", "States": {"F": {
                                  "Type": "Choice", "Choices": [{"Variable": "$", "NumericEquals": 0, "Next": "Bad"}],
                                  "Default": "Good"},
                                  "Bad": {"Type": "Fail", "Error": "Item.Failed"}, "Good": {"Type": "Pass", "End": True}}}}


@pytest.mark.parametrize("count, status", [(1, "FAILED"), (2, "SUCCEEDED")])
def test_tolerated_failures_are_judged_alike(sfn, count, status):
    state = _tolerant_map(count)
    executed = run(sfn, {"StartAt": "M", "States": {"M": state}}, {"items": [0, 0, 1]}, name=f"m{count}")
    tested = sfn.test_state(definition=json.dumps(state), input=json.dumps({"items": [0, 0, 1]}),
                            mock={"result": "[null, null, 1]"}, stateConfiguration={"mapIterationFailureCount": 2})
    assert executed["status"] == tested["status"] == status
    if status == "FAILED":
        assert executed["error"] == tested["error"] == "States.ExceedToleratedFailureThreshold"
        assert executed["cause"] == tested["cause"] == "The specified tolerated failure threshold was exceeded"


PROCESSED = {"Type": "Task", "Resource": LAMBDA, "InputPath": "$.in", "Parameters": {"n.$": "$.n"},
             "ResultSelector": {"doubled.$": "$.value"}, "ResultPath": "$.out", "OutputPath": "$.out",
             "Assign": {"last.$": "$.doubled"}, "Next": "After"}


def test_result_processing_is_the_same_in_an_execution_and_in_test_state(sfn):
    sfn.register_lambda("f", lambda event, context: {"value": event["n"] * 2})
    definition = {"StartAt": "T", "States": {"T": PROCESSED, "After": {"Type": "Pass", "End": True}}}
    executed = run(sfn, definition, {"in": {"n": 21}})
    tested = sfn.test_state(definition=json.dumps(PROCESSED), input=json.dumps({"in": {"n": 21}}),
                            roleArn=ROLE, inspectionLevel="DEBUG")
    assert json.loads(tested["output"]) == json.loads(executed["output"]) == {"doubled": 42}
    assert tested["nextState"] == "After"
    data = {k: json.loads(v) for k, v in tested["inspectionData"].items()}
    assert data == {"input": {"in": {"n": 21}}, "afterInputPath": {"n": 21}, "afterParameters": {"n": 21},
                    "result": {"value": 42}, "afterResultSelector": {"doubled": 42},
                    "afterResultPath": {"in": {"n": 21}, "out": {"doubled": 42}}, "variables": {"last": 42}}


def test_catch_output_is_the_same_in_an_execution_and_in_test_state(sfn):
    state = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f"},
             "ResultPath": "$.r", "Next": "Done",
             "Catch": [{"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.error", "Next": "Handle"}]}
    definition = {"StartAt": "T", "States": {"T": state, "Handle": {"Type": "Pass", "End": True},
                                             "Done": {"Type": "Pass", "End": True}}}
    sfn.register_lambda("f", lambda event, context: (_ for _ in ()).throw(ValueError("bad")))
    executed = run(sfn, definition, {"keep": 1})
    error = json.loads(executed["output"])["error"]
    tested = sfn.test_state(definition=json.dumps(state), input=json.dumps({"keep": 1}), inspectionLevel="DEBUG",
                            mock={"errorOutput": {"error": error["Error"], "cause": error["Cause"]}})
    assert (tested["status"], tested["nextState"]) == ("CAUGHT_ERROR", "Handle")
    assert json.loads(tested["output"]) == json.loads(executed["output"])
    assert tested["inspectionData"]["errorDetails"] == {"catchIndex": 0}


def test_a_wait_state_returns_at_once_with_its_output(sfn):
    state = {"Type": "Wait", "Seconds": 86_400, "OutputPath": "$.a", "Next": "N"}
    tested = sfn.test_state(definition=json.dumps(state), input='{"a": 1}')
    assert (tested["status"], tested["output"], tested["nextState"]) == ("SUCCEEDED", "1", "N")


def test_parallel_mock_results_go_through_the_states_result_processing(sfn):
    state = {"Type": "Parallel", "End": True, "ResultSelector": {"first.$": "$[0]"},
             "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}},
                          {"StartAt": "B", "States": {"B": {"Type": "Pass", "End": True}}}]}
    tested = sfn.test_state(definition=json.dumps(state), mock={"result": '["x", "y"]'})
    assert json.loads(tested["output"]) == {"first": "x"}


def test_the_test_state_function_is_not_collected_by_pytest_when_imported():
    assert test_state_module.test_state.__test__ is False
    assert StepFunctions().test_state(definition=json.dumps({"Type": "Pass", "End": True}))["status"] == "SUCCEEDED"


def test_no_engine_module_imports_the_testing_package():
    from pathlib import Path

    import workflows.engine

    root = Path(workflows.engine.__file__).parent
    offenders = [str(path.relative_to(root)) for path in root.rglob("*.py")
                 if "import workflows.testing" in path.read_text() or "from workflows.testing" in path.read_text()]
    assert offenders == []


def test_test_state_runs_with_its_own_context_object(sfn):
    state = {"Type": "Pass", "Parameters": {"x.$": "$$.State.Name"}, "End": True}
    tested = sfn.test_state(definition=json.dumps(state))
    assert json.loads(tested["output"]) == {"x": "StateName"}
