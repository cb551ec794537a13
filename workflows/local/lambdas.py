"""In-process Lambda functions: a registry from name/ARN to a Python handler, invoked as Lambda does.

Lambda passes JSON in and out, so an invocation round-trips the event and the result through
`json` (a handler that returns a datetime fails here as it would on AWS), and hands the handler a
context object with the attributes AWS's Python runtime provides.
"""
from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

Handler = Callable[[Any, Any], Any]


@dataclass
class LambdaContext:
    """The attributes of AWS's Python runtime context object that handlers use."""

    function_name: str
    invoked_function_arn: str
    timeout_seconds: float = 5.0
    memory_limit_in_mb: int = 128
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = f"local/{self.aws_request_id}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class LambdaRegistry:
    """Functions by name; resolved from a bare name, a function ARN or a qualified ARN."""

    def __init__(self, region_name: str, account_id: str) -> None:
        self.region_name = region_name
        self.account_id = account_id
        self._handlers: dict[str, Handler] = {}

    def arn(self, name: str) -> str:
        return f"arn:aws:lambda:{self.region_name}:{self.account_id}:function:{name}"

    def register(self, name: str, handler: Handler) -> str:
        """Register `handler` under `name`; returns the function ARN to configure triggers with."""
        self._handlers[name] = handler
        return self.arn(name)

    def names(self) -> list[str]:
        return sorted(self._handlers)

    def function_name(self, name_or_arn: str) -> str:
        if name_or_arn.startswith("arn:"):
            parts = name_or_arn.split(":")
            if len(parts) < 7 or parts[5] != "function":
                raise KeyError(f"not a Lambda function ARN: {name_or_arn!r}")
            return parts[6]
        return name_or_arn

    def handler(self, name_or_arn: str) -> Handler:
        name = self.function_name(name_or_arn)
        try:
            return self._handlers[name]
        except KeyError:
            raise KeyError(f"no local Lambda function named {name!r} (registered: {self.names()})") from None

    def invoke(self, name_or_arn: str, event: Any, timeout_seconds: float = 5.0) -> Any:
        """Call the handler with a JSON copy of `event`; return a JSON copy of its result."""
        name = self.function_name(name_or_arn)
        handler = self.handler(name)
        context = LambdaContext(function_name=name, invoked_function_arn=self.arn(name),
                                timeout_seconds=timeout_seconds)
        result = handler(json.loads(json.dumps(event)), context)
        return json.loads(json.dumps(result)) if result is not None else None
