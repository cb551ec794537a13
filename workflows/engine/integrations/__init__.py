"""Service integrations as plugins keyed by the Task resource ARN.

The Task state runner parses `Resource` into a `ResourceRef` and asks the `IntegrationRegistry` for
the plugin that serves `ref.service` ("lambda", "dynamodb", "aws-sdk:dynamodb", "states", ...).
A plugin implements `invoke(ref, parameters, env)` as a coroutine. The runner owns the patterns
common to all services (timeouts, heartbeats, `.waitForTaskToken`): for a callback task it awaits
`invoke` (which sends the request) and then the task token. `.sync`/`.sync:2` are service-specific,
so a plugin that supports them handles `ref.pattern` itself and lists them in `patterns`.

Request-response modules (`aws_sdk`, `dynamodb`, `sqs`, `sns`, `events`) expose a blocking
`call(...)` that raises `StatesError` with AWS's names; `ModuleIntegration` adapts them, running the
call through `env.blocking` so the real-time scheduler keeps serving other executions meanwhile.
"""
from __future__ import annotations

import importlib
from typing import Any, Awaitable, Callable, Protocol

from workflows.engine.errors import StatesError
from workflows.engine.integrations.clients import ClientProvider
from workflows.engine.integrations.resources import (
    REQUEST_RESPONSE,
    SYNC,
    SYNC2,
    WAIT_FOR_TASK_TOKEN,
    ResourceError,
    ResourceRef,
    parse_resource,
)

__all__ = [
    "ClientProvider", "Integration", "IntegrationRegistry", "ModuleIntegration", "ResourceError",
    "ResourceRef", "TaskEnv", "parse_resource", "REQUEST_RESPONSE", "SYNC", "SYNC2",
    "WAIT_FOR_TASK_TOKEN",
]


class TaskEnv(Protocol):
    """What the engine gives a plugin for one Task invocation."""

    clients: ClientProvider
    region: str
    account_id: str

    def blocking(self, fn: Callable[[], Any]) -> Awaitable[Any]:
        """Run a blocking call (boto3, a Lambda handler); inline under the virtual clock."""


class Integration(Protocol):
    patterns: frozenset[str]

    async def invoke(self, ref: ResourceRef, parameters: Any, env: TaskEnv) -> Any: ...


class ModuleIntegration:
    """Adapts a request-response module `call(...)` (sqs, sns, dynamodb, events, aws_sdk)."""

    patterns = frozenset({REQUEST_RESPONSE, WAIT_FOR_TASK_TOKEN})

    def __init__(self, module_name: str, *, sdk: bool = False) -> None:
        self.module_name = module_name
        self.sdk = sdk
        self._call: Callable[..., Any] | None = None

    def _resolve(self) -> Callable[..., Any]:
        if self._call is None:
            module = importlib.import_module(f"workflows.engine.integrations.{self.module_name}")
            self._call = module.call
        return self._call

    async def invoke(self, ref: ResourceRef, parameters: Any, env: TaskEnv) -> Any:
        call = self._resolve()
        if self.sdk:
            service = ref.sdk_service
            return await env.blocking(lambda: call(service, ref.action, parameters, env.clients))
        return await env.blocking(lambda: call(ref.action, parameters, env.clients))


class IntegrationRegistry:
    """Service name -> plugin. `aws-sdk:<any>` resolves to the one generic SDK plugin."""

    def __init__(self) -> None:
        self._by_service: dict[str, Integration] = {}
        self._sdk: Integration | None = None

    def register(self, service: str, integration: Integration) -> None:
        if service == "aws-sdk":
            self._sdk = integration
        else:
            self._by_service[service] = integration

    def resolve(self, ref: ResourceRef) -> Integration:
        if ref.service.startswith("aws-sdk:") and self._sdk is not None:
            integration = self._sdk
        else:
            found = self._by_service.get(ref.service)
            if found is None:
                raise StatesError(
                    "States.Runtime", f"The resource '{ref.arn}' is not supported by this engine"
                )
            integration = found
        if ref.pattern not in integration.patterns:
            raise StatesError(
                "States.Runtime",
                f"The resource '{ref.arn}' does not support the integration pattern '{ref.pattern}'",
            )
        return integration


def default_registry() -> IntegrationRegistry:
    """Request-response service modules; the engine adds lambda, states and activities."""
    registry = IntegrationRegistry()
    registry.register("aws-sdk", ModuleIntegration("aws_sdk", sdk=True))
    for service in ("dynamodb", "sqs", "sns", "events"):
        registry.register(service, ModuleIntegration(service))
    return registry
