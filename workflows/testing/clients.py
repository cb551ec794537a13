"""One stepfunctions client for three targets, so one test module runs on all of them.

- `embedded` (default): the in-process engine, `workflows.engine.StepFunctions` (virtual clock).
- `local`: any Step Functions-compatible endpoint at SFN_LOCAL_ENDPOINT (Step Functions Local, the
  project's `workflows up` server). botocore prefixes StartSyncExecution's host with "sync-"
  (an endpoint `hostPrefix` in the service model), which a localhost endpoint cannot resolve, so
  host-prefix injection is turned off for this target.
- `aws`: boto3's default client (credentials and region from the environment).

The target comes from the explicit argument, else SFN_TARGET, else `local` when
SFN_LOCAL_ENDPOINT is set, else `embedded`.
"""
from __future__ import annotations

import os
from typing import Any, Mapping

TARGETS = ("embedded", "local", "aws")
ENDPOINT_VAR = "SFN_LOCAL_ENDPOINT"
TARGET_VAR = "SFN_TARGET"
DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT = "123456789012"


class TargetError(ValueError):
    """The requested target is unknown or lacks what it needs (e.g. SFN_LOCAL_ENDPOINT)."""


def resolve_target(target: str | None = None) -> str:
    chosen = target or os.environ.get(TARGET_VAR) or ("local" if os.environ.get(ENDPOINT_VAR) else "embedded")
    if chosen not in TARGETS:
        raise TargetError(f"Step Functions target {chosen!r} is not one of {', '.join(TARGETS)}")
    return chosen


def region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION


def sfn_client(target: str | None = None, *, mock_config: Any = None, endpoint_url: str | None = None,
               region_name: str | None = None, **engine_options: Any) -> Any:
    """A stepfunctions client for `target`; `mock_config` applies to the embedded engine only
    (a Step Functions Local server reads its own SFN_MOCK_CONFIG)."""
    chosen = resolve_target(target)
    region_name = region_name or region()
    if chosen == "embedded":
        from workflows.engine import StepFunctions

        return StepFunctions(region_name=region_name, account_id=os.environ.get("AWS_ACCOUNT_ID", DEFAULT_ACCOUNT),
                             mock_config=mock_config, **engine_options)
    if chosen == "local":
        endpoint_url = endpoint_url or os.environ.get(ENDPOINT_VAR)
        if not endpoint_url:
            raise TargetError(f"target 'local' needs {ENDPOINT_VAR} (e.g. http://localhost:8083)")
        return endpoint_client("stepfunctions", endpoint_url, region_name=region_name, retries={"max_attempts": 2})
    import boto3

    return boto3.client("stepfunctions", region_name=region_name)


def endpoint_kwargs(endpoint_url: str, *, region_name: str | None = None, retries: Mapping[str, Any] | None = None,
                    credentials: Mapping[str, str] | None = None) -> dict[str, Any]:
    """boto3.client/resource arguments for a loopback endpoint (Step Functions Local, `workflows up`).

    botocore prefixes StartSyncExecution's host with "sync-", which no localhost endpoint resolves,
    so host-prefix injection is off. Keys: `credentials`, else the environment's, else moto's dummy
    "testing" ones (a local endpoint checks no signature, but botocore refuses to sign without keys).
    """
    from botocore.config import Config

    keys = credentials or {name: os.environ.get(name, "testing")
                           for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    config = Config(inject_host_prefix=False, **({"retries": dict(retries)} if retries is not None else {}))
    return {"endpoint_url": endpoint_url, "region_name": region_name or region(), "config": config,
            "aws_access_key_id": keys["AWS_ACCESS_KEY_ID"], "aws_secret_access_key": keys["AWS_SECRET_ACCESS_KEY"]}


def endpoint_client(service: str, endpoint_url: str, **options: Any) -> Any:
    """A boto3 client for `service` on a loopback endpoint; `options` as for `endpoint_kwargs`."""
    import boto3

    return boto3.client(service, **endpoint_kwargs(endpoint_url, **options))
