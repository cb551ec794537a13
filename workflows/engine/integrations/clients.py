"""boto3 clients for service integrations, created once per service and reused.

Creating a boto3 client costs ~150 ms (service model load), so an integration must never create one
per call. The caller decides where clients point: a `client_factory` given to `StepFunctions`
(moto in-process, a local endpoint, a test double) or, by default, `boto3.client(service,
region_name=region)`, which honours AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> - except for the
services the engine answers itself (`serve_locally`: Step Functions, for aws-sdk:sfn).
"""
from __future__ import annotations

import os
import threading
from typing import Any, Callable

ClientFactory = Callable[[str], Any]


class ClientProvider:
    """Hands out one cached boto3 client per service name (thread-safe)."""

    def __init__(self, region_name: str, client_factory: ClientFactory | None = None) -> None:
        self.region_name = region_name
        self._factory = client_factory
        self._clients: dict[str, Any] = {}
        self._local: dict[str, Callable[[], Any]] = {}  # services answered in this process
        self._lock = threading.Lock()

    def serve_locally(self, service_name: str, make: Callable[[], Any]) -> None:
        """Answer `service_name` with the client `make()` builds (on first use) instead of boto3's
        default: a plain engine's own stepfunctions API, so aws-sdk:sfn never leaves the process."""
        self._local[service_name] = make

    def get(self, service_name: str) -> Any:
        client = self._clients.get(service_name)
        if client is not None:
            return client
        with self._lock:
            client = self._clients.get(service_name)
            if client is None:
                client = self._create(service_name)
                self._clients[service_name] = client
            return client

    def remote_allowed(self, service_name: str) -> bool:
        """Whether a call may leave the process: a client factory was given or an endpoint is set.

        Without either, boto3 would try real AWS; for an unregistered Lambda function the engine
        then reports ResourceNotFound as AWS would, instead of a network error."""
        return (self._factory is not None or service_name in self._clients or service_name in self._local
                or bool(os.environ.get("AWS_ENDPOINT_URL"))
                or bool(os.environ.get(f"AWS_ENDPOINT_URL_{service_name.upper()}")))

    def _create(self, service_name: str) -> Any:
        if self._factory is not None:
            return self._factory(service_name)
        if service_name in self._local:
            return self._local[service_name]()
        import boto3  # imported lazily: pure-ASL users never pay for it

        return boto3.client(service_name, region_name=self.region_name)
