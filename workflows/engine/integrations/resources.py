"""Task `Resource` ARNs, parsed once at definition time.

Step Functions recognises three resource shapes and the history names them differently:
- optimized / SDK integrations `arn:aws:states:::<service>:<action>[.sync|.sync:2|.waitForTaskToken]`
  and `arn:aws:states:::aws-sdk:<service>:<action>[...]` -> TaskScheduled with resourceType
  `<service>` (or `aws-sdk:<service>`) and resource `<action>[.<pattern>]`;
- plain Lambda function ARNs `arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]`
  -> LambdaFunctionScheduled events;
- activity ARNs `arn:aws:states:<region>:<account>:activity:<name>` -> Activity* events.
An SDK integration may also name its region and account, `arn:aws:states:<region>:<account>:aws-sdk:...`:
AWS accepts and runs that form (step-functions-workflows-collection script-generator deploys it through
`!Sub arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:aws-sdk:...` and shows its results);
TaskScheduled names that region. Optimized integrations keep `:::` (no public definition names a region).
Parsing splits on ':' without checking the partition/region text so templated ARNs
(`arn:<partition>:...`) parse too.
"""
from __future__ import annotations

from dataclasses import dataclass

REQUEST_RESPONSE = ""
SYNC = "sync"
SYNC2 = "sync:2"
WAIT_FOR_TASK_TOKEN = "waitForTaskToken"
PATTERNS = (SYNC2, SYNC, WAIT_FOR_TASK_TOKEN)


@dataclass(frozen=True, slots=True)
class ResourceRef:
    arn: str
    kind: str  # "service" | "lambda-function" | "activity"
    service: str  # "lambda", "dynamodb", "aws-sdk:dynamodb", "states", ... ("" for activities)
    action: str  # "invoke", "putItem", ... (function or activity name for the other kinds)
    pattern: str  # REQUEST_RESPONSE | SYNC | SYNC2 | WAIT_FOR_TASK_TOKEN
    region: str

    @property
    def history_resource(self) -> str:
        return f"{self.action}.{self.pattern}" if self.pattern else self.action

    @property
    def history_resource_type(self) -> str:
        return self.service

    @property
    def sdk_service(self) -> str:
        """'dynamodb' for both 'dynamodb' and 'aws-sdk:dynamodb'."""
        return self.service.split(":", 1)[1] if self.service.startswith("aws-sdk:") else self.service


class ResourceError(ValueError):
    """The Resource field is not an ARN Step Functions can run."""


def parse_resource(arn: str, default_region: str = "") -> ResourceRef:
    if not isinstance(arn, str) or not arn.startswith("arn:"):
        raise ResourceError(f"Resource '{arn}' is not a valid ARN")
    parts = arn.split(":")
    if len(parts) < 6:
        raise ResourceError(f"Resource '{arn}' is not a valid ARN")
    service_ns, region = parts[2], parts[3]
    if service_ns == "lambda" and len(parts) >= 7 and parts[5] == "function":
        return ResourceRef(arn, "lambda-function", "lambda", parts[6], "", region or default_region)
    if service_ns == "states" and parts[5] == "activity" and len(parts) >= 7:
        return ResourceRef(arn, "activity", "", parts[6], "", region or default_region)
    regional_sdk = service_ns == "states" and parts[5] == "aws-sdk" and region != "" and parts[4] != ""
    if service_ns == "states" and (region == "" and parts[4] == "" or regional_sdk):
        rest = parts[5:]
        if rest and rest[0] == "aws-sdk":
            if len(rest) < 3:
                raise ResourceError(f"Resource '{arn}' is missing the aws-sdk service or action")
            service, action_text = f"aws-sdk:{rest[1]}", ":".join(rest[2:])
        else:
            if len(rest) < 2:
                raise ResourceError(f"Resource '{arn}' is missing the service action")
            service, action_text = rest[0], ":".join(rest[1:])
        action, pattern = _split_pattern(action_text)
        if not action:
            raise ResourceError(f"Resource '{arn}' is missing the service action")
        return ResourceRef(arn, "service", service, action, pattern, region if regional_sdk else default_region)
    raise ResourceError(f"Resource '{arn}' is not a supported Step Functions resource")


def _split_pattern(text: str) -> tuple[str, str]:
    for pattern in PATTERNS:
        suffix = "." + pattern
        if text.endswith(suffix):
            return text[: -len(suffix)], pattern
    return text, REQUEST_RESPONSE
