"""State types and data flow, in both query languages."""
from __future__ import annotations

import datetime
import json

import pytest

from .conftest import batched_map, create, history_types, output, run


def test_pass_jsonpath_pipeline(sfn):
    described = run(sfn, {"StartAt": "P", "States": {"P": {
        "Type": "Pass", "InputPath": "$.in", "Parameters": {"v.$": "$.x", "s": "lit"},
        "ResultPath": "$.in.r", "OutputPath": "$.in", "End": True}}}, {"in": {"x": 5}})
    assert output(described) == {"x": 5, "r": {"v": 5, "s": "lit"}}


def test_result_path_null_keeps_input(sfn):
    assert output(run(sfn, {"StartAt": "P", "States": {"P": {
        "Type": "Pass", "Result": 1, "ResultPath": None, "End": True}}}, {"a": 1})) == {"a": 1}


def test_choice_and_no_match(sfn):
    definition = {"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThan": 3, "Next": "Big"}]},
        "Big": {"Type": "Succeed"}}}
    assert run(sfn, definition, {"n": 4})["status"] == "SUCCEEDED"
    failed = run(sfn, definition, {"n": 1})
    assert failed["status"] == "FAILED" and failed["error"] == "States.NoChoiceMatched"


def test_wait_a_year_costs_no_wall_time(sfn):
    described = run(sfn, {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 365 * 86400, "End": True}}})
    assert described["status"] == "SUCCEEDED"
    assert (described["stopDate"] - described["startDate"]).days == 365


def test_wait_timestamp_and_bad_seconds_path(sfn):
    ok = run(sfn, {"StartAt": "W", "States": {"W": {"Type": "Wait", "TimestampPath": "$.t", "End": True}}},
             {"t": "2000-01-01T00:00:00Z"})
    assert ok["status"] == "SUCCEEDED"
    bad = run(sfn, {"StartAt": "W", "States": {"W": {"Type": "Wait", "SecondsPath": "$.s", "End": True}}},
              {"s": -1}, name="bad")
    assert bad["error"] == "States.Runtime"
    assert bad["cause"] == ("An error occurred while executing the state 'W' (entered at the event id #2). "
                            "The SecondsPath parameter references a negative value: $.s == -1")


@pytest.mark.parametrize(("field", "value", "refused"), [
    ("SecondsPath", 2**31 - 1, False), ("SecondsPath", 2**31, True),
    ("TimestampPath", 24_855, False), ("TimestampPath", 24_856, True),  # days ahead, as recorded
])
def test_a_wait_longer_than_aws_allows_is_refused(sfn, field, value, refused):
    """AWS (recorded test_timestamp_too_far_in_future_boundary[24856]): a delay above 2^31 - 1
    seconds fails the state with States.Runtime "Wait state delay is too long."."""
    if field == "TimestampPath":
        start = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=value)
        value = start.strftime("%Y-%m-%dT%H:%M:%SZ")
    described = run(sfn, {"StartAt": "W", "States": {"W": {"Type": "Wait", field: "$.v", "End": True}}}, {"v": value})
    if refused:
        assert (described["status"], described["error"], described["cause"]) == (
            "FAILED", "States.Runtime", "An error occurred while executing the state 'W' (entered at the event "
                                        "id #2). Wait state delay is too long.")
    else:
        assert described["status"] == "SUCCEEDED"


def test_fail_state_error_and_cause_paths(sfn):
    failed = run(sfn, {"StartAt": "F", "States": {"F": {"Type": "Fail", "ErrorPath": "$.e", "CausePath": "$.c"}}},
                 {"e": "Boom", "c": "why"})
    assert (failed["error"], failed["cause"]) == ("Boom", "why")


def test_parallel_collects_branch_outputs_in_order(sfn):
    described = run(sfn, {"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "A", "States": {"A": {"Type": "Wait", "Seconds": 10, "Next": "A2"},
                                    "A2": {"Type": "Pass", "Result": "a", "End": True}}},
        {"StartAt": "B", "States": {"B": {"Type": "Pass", "Result": "b", "End": True}}}]}}})
    assert output(described) == ["a", "b"]


def test_parallel_branch_failure_is_caught(sfn):
    described = run(sfn, {"StartAt": "P", "States": {
        "P": {"Type": "Parallel", "Branches": [
            {"StartAt": "A", "States": {"A": {"Type": "Fail", "Error": "X", "Cause": "c"}}},
            {"StartAt": "B", "States": {"B": {"Type": "Wait", "Seconds": 100, "End": True}}}],
              "Catch": [{"ErrorEquals": ["X"], "Next": "H"}], "End": True},
        "H": {"Type": "Pass", "End": True}}})
    assert output(described) == {"Error": "X", "Cause": "c"}


def test_inline_map_with_selector_and_concurrency(sfn):
    described = run(sfn, {"StartAt": "M", "States": {"M": {
        "Type": "Map", "ItemsPath": "$.xs", "MaxConcurrency": 2,
        "ItemSelector": {"v.$": "$$.Map.Item.Value", "i.$": "$$.Map.Item.Index"},
        "ItemProcessor": {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": True}}},
        "End": True}}}, {"xs": ["a", "b", "c"]})
    assert output(described) == [{"v": "a", "i": 0}, {"v": "b", "i": 1}, {"v": "c", "i": 2}]


def test_distributed_map_tolerated_failures(sfn):
    definition = {"StartAt": "M", "States": {"M": {
        "Type": "Map", "ToleratedFailureCount": 1,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "C", "States": {
                              "C": {"Type": "Choice", "Choices": [{"Variable": "$", "NumericEquals": 0, "Next": "F"}],
                                    "Default": "OK"},
                              "F": {"Type": "Fail", "Error": "Bad"}, "OK": {"Type": "Pass", "End": True}}},
        "End": True}}}
    assert output(run(sfn, definition, [0, 1, 2])) == [None, 1, 2]
    failed = run(sfn, definition, [0, 0, 2], name="too-many")
    assert failed["error"] == "States.ExceedToleratedFailureThreshold"


def test_item_batcher(sfn):
    described = run(sfn, {"StartAt": "M", "States": {"M": {
        "Type": "Map", "ItemBatcher": {"MaxItemsPerBatch": 2, "BatchInput": {"k": 1}},
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                          "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
        "End": True}}}, [1, 2, 3])
    assert output(described) == [{"BatchInput": {"k": 1}, "Items": [1, 2]}, {"BatchInput": {"k": 1}, "Items": [3]}]


def test_item_batcher_jsonata_expressions(sfn):
    definition = batched_map({"MaxItemsPerBatch": "{% $states.input.n %}",
                               "BatchInput": {"k": "{% $states.input.k %}"}}, "JSONata")
    described = run(sfn, definition, {"items": [1, 2, 3], "n": 2, "k": "v"})
    assert output(described) == [{"BatchInput": {"k": "v"}, "Items": [1, 2]}, {"BatchInput": {"k": "v"}, "Items": [3]}]
    failed = run(sfn, definition, {"items": [1], "n": "two", "k": "v"})
    assert failed["error"] == "States.QueryEvaluationError"
    assert "field 'MaxItemsPerBatch'" in failed["cause"] and "'string' for value: \"two\"" in failed["cause"]
    assert "state 'M'" in failed["cause"]


def test_item_batcher_path_that_is_no_integer_names_field_and_value(sfn):
    definition = batched_map({"MaxItemsPerBatchPath": "$.n"})
    assert output(run(sfn, definition, {"items": [1, 2, 3], "n": 2})) == [{"Items": [1, 2]}, {"Items": [3]}]
    failed = run(sfn, definition, {"items": [1], "n": "abc"})
    assert failed["error"] == "States.Runtime"
    assert "state 'M'" in failed["cause"]
    assert 'The MaxItemsPerBatchPath field refers to value "abc" which is not a valid integer: $.n' in failed["cause"]


def test_retry_backoff_max_delay_and_catch(sfn):
    calls = []

    def flaky(event, context):
        calls.append(sfn.engine.scheduler.now())
        raise ValueError("throttled")

    sfn.register_lambda("flaky", flaky)
    described = run(sfn, {"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:flaky",
              "Retry": [{"ErrorEquals": ["ValueError"], "IntervalSeconds": 2, "BackoffRate": 3,
                         "MaxAttempts": 3, "MaxDelaySeconds": 10}],
              "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "H"}], "End": True},
        "H": {"Type": "Pass", "End": True}}})
    gaps = [round(b - a) for a, b in zip(calls, calls[1:])]
    assert gaps == [2, 6, 10]
    error = output(described)["error"]
    assert error["Error"] == "ValueError"
    assert json.loads(error["Cause"])["errorMessage"] == "throttled"


def test_full_jitter_is_seeded_and_bounded(sfn):
    from workflows.engine import StepFunctions

    def gaps(seed):
        engine = StepFunctions(seed=seed)
        calls = []
        engine.register_lambda("f", lambda e, c: calls.append(engine.engine.scheduler.now()) or 1 / 0)
        run(engine, {"StartAt": "T", "States": {"T": {
            "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f",
            "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 100, "MaxAttempts": 4,
                       "JitterStrategy": "FULL"}], "End": True}}})
        return [b - a for a, b in zip(calls, calls[1:])]

    first = gaps(1)
    assert first == gaps(1) and first != gaps(2)
    assert all(0 <= gap <= 100 * 2 ** i for i, gap in enumerate(first))


def test_jsonata_arguments_output_assign_and_variables_scope(sfn):
    described = run(sfn, {"QueryLanguage": "JSONata", "StartAt": "A", "States": {
        "A": {"Type": "Pass", "Assign": {"base": "{% $states.input.n %}"}, "Next": "M"},
        "M": {"Type": "Map", "Items": "{% [1, 2] %}",
              "ItemProcessor": {"StartAt": "I", "States": {"I": {
                  "Type": "Pass", "Assign": {"inner": "{% $states.input %}"},
                  "Output": "{% $states.input * $base %}", "End": True}}},
              "Assign": {"total": "{% $sum($states.result) %}"}, "Next": "Out"},
        "Out": {"Type": "Pass", "Output": "{% {'total': $total, 'inner': $exists($inner)} %}", "End": True}}},
        {"n": 10})
    assert output(described) == {"total": 30, "inner": False}


def test_assign_uses_values_from_before_the_state(sfn):
    described = run(sfn, {"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Assign": {"x": 1}, "Next": "B"},
        "B": {"Type": "Pass", "Assign": {"x": 2, "old.$": "$x"}, "Parameters": {"seen.$": "$x"}, "Next": "C"},
        "C": {"Type": "Pass", "Parameters": {"x.$": "$x", "old.$": "$old"}, "End": True}}})
    assert output(described) == {"x": 2, "old": 1}


def test_jsonata_evaluation_error_has_prefix_and_event(sfn):
    arn = create(sfn, {"QueryLanguage": "JSONata", "StartAt": "P", "States": {
        "P": {"Type": "Pass", "Output": "{% $undefinedThing %}", "End": True}}})
    execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    described = sfn.describe_execution(executionArn=execution)
    assert described["error"] == "States.QueryEvaluationError"
    assert described["cause"].startswith("An error occurred while executing the state 'P' (entered at the event id #2). ")
    assert history_types(sfn, execution)[-2:] == ["EvaluationFailed", "ExecutionFailed"]


def test_context_object_fields(sfn):
    described = run(sfn, {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"c.$": "$$"}, "End": True}}})
    ctx = output(described)["c"]
    assert ctx["Execution"]["Id"] == described["executionArn"]
    assert ctx["Execution"]["RoleArn"].endswith("engine-tests") and ctx["Execution"]["RedriveCount"] == 0
    assert ctx["State"]["Name"] == "P" and ctx["State"]["EnteredTime"].endswith("Z")
    assert ctx["StateMachine"]["Name"] == "machine"


def test_express_context_has_redrive_count_only_when_started_async(sfn):
    """AWS (recorded the same day): async Express $$.Execution has RedriveCount, StartSyncExecution not."""
    arn = create(sfn, {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"e.$": "$$.Execution"},
                                                         "End": True}}}, name="ex", type_="EXPRESS")
    synced = json.loads(sfn.start_sync_execution(stateMachineArn=arn, input="{}")["output"])["e"]
    started = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    described = output(sfn.describe_execution(executionArn=started))["e"]
    assert "RedriveCount" not in synced and described["RedriveCount"] == 0


def test_state_level_query_language_override(sfn):
    described = run(sfn, {"StartAt": "A", "States": {
        "A": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% $states.input.v + 1 %}", "End": True}}},
        {"v": 1})
    assert output(described) == 2


@pytest.mark.parametrize("size", [300 * 1024])
def test_data_limit_exceeded(sfn, size):
    failed = run(sfn, {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": "x" * size, "End": True}}})
    assert failed["error"] == "States.DataLimitExceeded"
