"""Which error names a Task integration can really raise, for checking mocked `Throw`s.

A mock that throws `DynamoDB.ConditionalCheckFailed` (missing "Exception") makes a Catch on the real
name look untested-but-green: the mock path works locally and the real error falls through on AWS.
Step Functions builds integration error names from the Java SDK exception classes:
- optimized integrations: `<Prefix>.<ErrorShape>[Exception]` with a fixed prefix per service
  (`DynamoDB.`, `SQS.`, `Lambda.`, `StepFunctions.`, ...) plus the SDK v1 base exception
  (`DynamoDB.AmazonDynamoDBException`);
- aws-sdk integrations: `<ServiceId in PascalCase>.<ErrorShape>[Exception]` (`DynamoDb.`, `S3.`,
  `Sfn.`, `SecretsManager.`) plus `<Service>.<Service>Exception`;
- Lambda functions can raise any error type of their own, and callbacks (`.waitForTaskToken`) and
  activities carry whatever SendTaskFailure sent, so only reserved prefixes are checked there.
The error shapes come from botocore's models (all of the service's errors, since an operation's
list is incomplete), so nothing per service is hand-maintained except the prefixes below.
"""
from __future__ import annotations

import difflib
import functools
import re

from workflows.engine.integrations.resources import WAIT_FOR_TASK_TOKEN
from workflows.testing.result_shapes import (
    OPTIMIZED_SERVICES,
    botocore_service_for_sdk,
    resource_ref,
    service_model,
)

# Errors the Step Functions runtime itself can raise for a Task (States.ALL is a matcher only).
STATES_TASK_ERRORS = frozenset({
    "States.TaskFailed", "States.Timeout", "States.HeartbeatTimeout", "States.Permissions",
    "States.Runtime", "States.DataLimitExceeded", "States.ResultPathMatchFailure",
    "States.ParameterPathFailure", "States.IntrinsicFailure", "States.QueryEvaluationError",
    "States.ItemReaderFailed", "States.ResultWriterFailed", "States.ExceedToleratedFailureThreshold",
    "States.BranchFailed", "States.NoChoiceMatched",
})
OPTIMIZED_PREFIXES = {
    "lambda": "Lambda", "dynamodb": "DynamoDB", "sqs": "SQS", "sns": "SNS", "events": "EventBridge",
    "states": "StepFunctions", "ecs": "ECS", "glue": "Glue", "batch": "Batch", "athena": "Athena",
    "codebuild": "CodeBuild", "sagemaker": "SageMaker", "eks": "EKS", "elasticmapreduce": "EMR",
    "bedrock": "Bedrock",
}
# Errors any AWS API can return (AWS "Common Errors"), absent from most botocore models.
COMMON_ERRORS = frozenset({
    "AccessDeniedException", "IncompleteSignature", "InternalFailure", "InvalidAction",
    "InvalidClientTokenId", "NotAuthorized", "OptInRequired", "RequestExpired",
    "ServiceUnavailable", "ServiceUnavailableException", "ThrottlingException",
    "ValidationError", "ValidationException", "UnrecognizedClientException",
    "SdkClientException", "InternalServerError", "InternalServerException",
})
# Names Step Functions' Lambda integration raises besides the Invoke error shapes.
LAMBDA_EXTRA = frozenset({"Unknown", "ServiceException", "AWSLambdaException", "SdkClientException",
                          "ClientExecutionTimeoutException"})
EXTRA_BY_PREFIX = {"EventBridge": frozenset({"FailedEntry"})}


def sdk_prefix(service_id: str) -> str:
    """Java SDK v2 naming: 'DynamoDB' -> 'DynamoDb', 'SFN' -> 'Sfn', 'Secrets Manager' -> 'SecretsManager'."""
    tokens = re.findall(r"[A-Z]+(?![a-z])|[A-Z][a-z]*|[a-z]+|\d+", service_id)
    return "".join(t[:1].upper() + t[1:].lower() for t in tokens)


@functools.lru_cache(maxsize=None)
def _codes(botocore_name: str) -> frozenset[str]:
    model = service_model(botocore_name)
    if model is None:
        return frozenset()
    names = set(COMMON_ERRORS)
    for shape in model.error_shapes:
        names.add(shape.name)
        code = shape.metadata.get("error", {}).get("code")
        if code:
            names.add(code.split(".")[-1])
    return frozenset(names | {n + "Exception" for n in names if not n.endswith("Exception")})


@functools.lru_cache(maxsize=None)
def allowed_errors(resource: str) -> tuple[str, frozenset[str]] | None:
    """(prefix, allowed names) for a resource, or None when any error name is possible."""
    ref = resource_ref(resource)
    if ref is None or ref.kind == "activity" or ref.pattern == WAIT_FOR_TASK_TOKEN:
        return None
    if ref.kind == "lambda-function" or ref.service == "lambda":
        codes = _codes("lambda") | LAMBDA_EXTRA
        return "Lambda", frozenset(f"Lambda.{c}" for c in codes)
    if ref.service.startswith("aws-sdk:"):
        botocore_name = botocore_service_for_sdk(ref.sdk_service)
        model = service_model(botocore_name) if botocore_name else None
        if model is None:
            return None
        prefix = sdk_prefix(model.metadata.get("serviceId", ref.sdk_service))
        codes = _codes(botocore_name) | {f"{prefix}Exception"}
        return prefix, frozenset(f"{prefix}.{c}" for c in codes)
    prefix = OPTIMIZED_PREFIXES.get(ref.service)
    botocore_name = OPTIMIZED_SERVICES.get(ref.service)
    if prefix is None or botocore_name is None:
        return None
    codes = _codes(botocore_name) | EXTRA_BY_PREFIX.get(prefix, frozenset()) | {
        f"Amazon{prefix}Exception", f"AWS{prefix}Exception"}
    return prefix, frozenset(f"{prefix}.{c}" for c in codes)


def check_error(resource: str, error: str) -> str | None:
    """None when `error` can be raised by this resource, else why not (naming what is expected)."""
    if error.startswith("States."):
        if error in STATES_TASK_ERRORS:
            return None
        return f"'{error}' is not an error Step Functions raises (expected one of " \
               f"{', '.join(sorted(STATES_TASK_ERRORS))})"
    allowed = allowed_errors(resource)
    ref = resource_ref(resource)
    if allowed is None:
        return None
    prefix, names = allowed
    if error in names:
        return None
    invokes_function = ref is not None and (
        ref.kind == "lambda-function" or (ref.service == "lambda" and ref.action == "invoke"))
    if invokes_function and not error.startswith(prefix + "."):
        # A function's own error type: anything, except another AWS service's reserved prefix.
        head = error.split(".", 1)[0]
        if "." not in error or head not in set(OPTIMIZED_PREFIXES.values()):
            return None
    close = difflib.get_close_matches(error, sorted(names), n=3, cutoff=0.6)
    hint = f" (did you mean: {', '.join(close)})" if close else ""
    return f"'{error}' is not an error this integration raises: expected States.* or " \
           f"{prefix}.<one of the service's errors>{hint}"
