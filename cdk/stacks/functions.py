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
                    memory_mb: int, retention: logs.RetentionDays,
                    layers: list[lambda_.ILayerVersion] | None = None) -> lambda_.Function:
    """lambdas/<name>/handler.py as a function; the folder (plus its pinned wheels) is the code asset."""
    folder = LAMBDAS_DIR / name
    if not (folder / "handler.py").is_file():
        raise FileNotFoundError(f"lambda {name!r}: {folder / 'handler.py'} does not exist")
    log_group = logs.LogGroup(
        scope, f"{name}-logs",
        retention=retention,
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
