"""One Lambda function per lambdas/<name>/ folder, ARM64 on Python 3.13.

The code asset is the folder plus, when cdk/requirements/<name>.txt exists, its pinned wheels for
Lambda's platform (cdk/stacks/bundling.py).
"""
from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from .bundling import function_code

LAMBDAS_DIR = Path(__file__).resolve().parents[2] / "lambdas"


def lambda_function(scope: Construct, name: str, *, environment: dict[str, str], timeout_seconds: int,
                    memory_mb: int, retention_days: int,
                    layers: list[lambda_.ILayerVersion] | None = None) -> lambda_.Function:
    """lambdas/<name>/handler.py as a function; the folder (plus its pinned wheels) is the code asset."""
    folder = LAMBDAS_DIR / name
    if not (folder / "handler.py").is_file():
        raise FileNotFoundError(f"lambda {name!r}: {folder / 'handler.py'} does not exist")
    log_group = logs.LogGroup(
        scope, f"{name}-logs",
        retention=logs.RetentionDays(_retention(retention_days)),
        removal_policy=RemovalPolicy.DESTROY,
    )
    return lambda_.Function(
        scope, f"{name}-function",
        runtime=lambda_.Runtime.PYTHON_3_13,
        architecture=lambda_.Architecture.ARM_64,
        handler="handler.handler",
        code=function_code(folder),
        environment=environment,
        timeout=Duration.seconds(timeout_seconds),
        memory_size=memory_mb,
        tracing=lambda_.Tracing.ACTIVE,
        log_group=log_group,
        layers=layers,
    )


def _retention(days: int) -> str:
    names = {1: "ONE_DAY", 3: "THREE_DAYS", 5: "FIVE_DAYS", 7: "ONE_WEEK", 14: "TWO_WEEKS", 30: "ONE_MONTH",
             60: "TWO_MONTHS", 90: "THREE_MONTHS", 180: "SIX_MONTHS", 365: "ONE_YEAR"}
    if days not in names:
        raise ValueError(f"context logRetentionDays must be one of {sorted(names)}, got {days}")
    return names[days]
