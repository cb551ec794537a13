"""A state machine's logging, tracing and encryption configuration: checked, normalized, returned.

The engine writes no CloudWatch Logs and no X-Ray traces; what it keeps is the configuration, the
way AWS validates and reports it, so tools that set and read it (CDK, Terraform, the console)
see what they would on AWS:

- logging: a level other than OFF needs exactly one log destination; more than one is never
  allowed (AWS: "Must specify exactly one Log Destination."). Missing fields read back as AWS fills
  them: level OFF, includeExecutionData false; destinations only when given.
- tracing: {"enabled": false} unless set.
- encryption: AWS_OWNED_KEY unless set; a customer managed key needs its kmsKeyId (and an
  AWS-owned key takes none). Nothing is encrypted locally.
"""
from __future__ import annotations

from typing import Any

from workflows.engine.api_errors import api_error

LOG_LEVELS = ("ALL", "ERROR", "FATAL", "OFF")
ENCRYPTION_TYPES = ("AWS_OWNED_KEY", "CUSTOMER_MANAGED_KMS_KEY")
DEFAULT_LOGGING: dict[str, Any] = {"level": "OFF", "includeExecutionData": False}
DEFAULT_TRACING: dict[str, Any] = {"enabled": False}
DEFAULT_ENCRYPTION: dict[str, Any] = {"type": "AWS_OWNED_KEY"}


def logging_configuration(config: Any) -> dict[str, Any]:
    """`config` as AWS stores it, or InvalidLoggingConfiguration naming what is wrong."""
    if config is None:
        return dict(DEFAULT_LOGGING)
    if not isinstance(config, dict):
        raise api_error("InvalidLoggingConfiguration", f"Invalid Logging Configuration: {config!r} is not an object")
    level = config.get("level", "OFF")
    if level not in LOG_LEVELS:
        raise api_error("InvalidLoggingConfiguration",
                        f"Invalid Logging Configuration: level '{level}' is not one of {', '.join(LOG_LEVELS)}")
    destinations = config.get("destinations")
    count = len(destinations) if isinstance(destinations, list) else 0
    if count > 1 or (level != "OFF" and count != 1):
        raise api_error("InvalidLoggingConfiguration",
                        "Invalid Logging Configuration: Must specify exactly one Log Destination.")
    for destination in destinations or ():
        group = destination.get("cloudWatchLogsLogGroup") if isinstance(destination, dict) else None
        arn = group.get("logGroupArn") if isinstance(group, dict) else None
        if not isinstance(arn, str) or not arn.startswith("arn:") or ":logs:" not in arn:
            raise api_error("InvalidLoggingConfiguration",
                            f"Invalid Logging Configuration: the log destination needs "
                            f"cloudWatchLogsLogGroup.logGroupArn (a CloudWatch Logs log group ARN), got {destination!r}")
    stored: dict[str, Any] = {"level": level, "includeExecutionData": bool(config.get("includeExecutionData", False))}
    if destinations is not None:
        stored["destinations"] = [dict(d) for d in destinations]
    return stored


def tracing_configuration(config: Any) -> dict[str, Any]:
    if config is None:
        return dict(DEFAULT_TRACING)
    if not isinstance(config, dict) or not isinstance(config.get("enabled", False), bool):
        raise api_error("InvalidTracingConfiguration",
                        f"Invalid Tracing Configuration: expected {{'enabled': true|false}}, got {config!r}")
    return {"enabled": config.get("enabled", False)}


def encryption_configuration(config: Any) -> dict[str, Any]:
    if config is None:
        return dict(DEFAULT_ENCRYPTION)
    kind = config.get("type") if isinstance(config, dict) else None
    if kind not in ENCRYPTION_TYPES:
        raise api_error("InvalidEncryptionConfiguration",
                        f"Invalid Encryption Configuration: type must be one of {', '.join(ENCRYPTION_TYPES)}, "
                        f"got {kind!r}")
    key = config.get("kmsKeyId")
    if kind == "CUSTOMER_MANAGED_KMS_KEY" and not key:
        raise api_error("InvalidEncryptionConfiguration",
                        "Invalid Encryption Configuration: kmsKeyId is required for type CUSTOMER_MANAGED_KMS_KEY")
    if kind == "AWS_OWNED_KEY" and key:
        raise api_error("InvalidEncryptionConfiguration",
                        "Invalid Encryption Configuration: kmsKeyId can only be set for type CUSTOMER_MANAGED_KMS_KEY")
    return dict(config)
