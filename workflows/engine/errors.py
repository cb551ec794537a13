"""The one error type that travels through an execution.

Every failure inside an execution — a Fail state, a task that raised, a path that matched nothing —
becomes a `StatesError` carrying the error name and cause exactly as AWS reports them. Retry and
Catch match on `error`; the history and DescribeExecution show `error` and `cause`.
"""
from __future__ import annotations


class StatesError(Exception):
    """An ASL runtime error: `error` is the name Retry/Catch match (e.g. States.Runtime).

    `error` is None only for a Fail state without Error (AWS then reports no error name).
    `location` is the field an evaluation failed in (EvaluationFailed's `location`, JSONata fields);
    `prefixed` says the cause already names the state (AWS's prefix is added once, by the innermost
    state); `recorded` says its EvaluationFailed event is in the history already.
    """

    catch_cause: str | None = None  # the Cause a Catch hands on when `cause` is None

    def __init__(self, error: str | None, cause: str | None = None, *, location: str | None = None) -> None:
        super().__init__(f"{error}: {cause}" if cause is not None else error)
        self.error = error
        self.cause = cause
        self.location = location
        self.prefixed = False
        self.recorded = False

    def set_cause(self, cause: str) -> None:
        self.cause = cause
        self.args = (f"{self.error}: {cause}",)


# Error names defined by the Amazon States Language and reported by AWS.
ALL = "States.ALL"
RUNTIME = "States.Runtime"
TIMEOUT = "States.Timeout"
TASK_FAILED = "States.TaskFailed"
RESULT_PATH_MATCH_FAILURE = "States.ResultPathMatchFailure"
NO_CHOICE_MATCHED = "States.NoChoiceMatched"
INTRINSIC_FAILURE = "States.IntrinsicFailure"
QUERY_EVALUATION_ERROR = "States.QueryEvaluationError"
EXCEED_TOLERATED_FAILURE_THRESHOLD = "States.ExceedToleratedFailureThreshold"
ITEM_READER_FAILED = "States.ItemReaderFailed"
RESULT_WRITER_FAILED = "States.ResultWriterFailed"
DATA_LIMIT_EXCEEDED = "States.DataLimitExceeded"
