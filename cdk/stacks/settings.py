"""Deploy-time settings, read from CDK context (cdk.json, `-c key=value`, or app.py's defaults).

Why a dataclass: every knob has one name, one default and one type check, and a wrong value fails the
synth with the key and value instead of surfacing as a broken Lambda at run time.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aws_cdk import aws_logs as logs
from constructs import Node

DEFAULT_GROUP_SCOPES: dict[str, list[str]] = {
    "Admin": ["lifecycle/admin", "lifecycle/register", "lifecycle/self"],
    "Registrar": ["lifecycle/register", "lifecycle/self"],
    "User": ["lifecycle/self"],
}
# CloudWatch Logs accepts only these retention periods (days -> aws_logs.RetentionDays member).
RETENTION_NAMES = {1: "ONE_DAY", 3: "THREE_DAYS", 5: "FIVE_DAYS", 7: "ONE_WEEK", 14: "TWO_WEEKS", 30: "ONE_MONTH",
                   60: "TWO_MONTHS", 90: "THREE_MONTHS", 180: "SIX_MONTHS", 365: "ONE_YEAR"}


@dataclass(frozen=True)
class Settings:
    prefix: str = "user-lifecycle"  # physical names: state machines, log groups, event bus
    token_use: str = "access"  # which token the API authorizer accepts: access | id | any
    missing_profile_policy: str = "open"  # token customizer when the profile is missing or slow
    profile_read_timeout_ms: int = 1000  # well under Cognito's 5 s trigger budget
    group_scopes: dict[str, list[str]] = field(default_factory=lambda: dict(DEFAULT_GROUP_SCOPES))
    retain_data: bool = True  # tables and user pool survive `cdk destroy`
    log_retention_days: int = 30
    authorizer_cache_seconds: int = 300

    def __post_init__(self) -> None:
        if self.token_use not in ("access", "id", "any"):
            raise ValueError(f"context tokenUse must be access, id or any, got {self.token_use!r}")
        if self.missing_profile_policy not in ("open", "closed"):
            raise ValueError(f"context missingProfilePolicy must be open or closed, got {self.missing_profile_policy!r}")
        if not 0 < self.profile_read_timeout_ms < 5000:
            raise ValueError(f"context profileReadTimeoutMs must be in 1..4999, got {self.profile_read_timeout_ms!r}")
        if not self.prefix.replace("-", "").isalnum():
            raise ValueError(f"context prefix must be letters, digits and '-', got {self.prefix!r}")
        if self.log_retention_days not in RETENTION_NAMES:
            raise ValueError(f"context logRetentionDays must be one of {sorted(RETENTION_NAMES)}, "
                             f"got {self.log_retention_days!r}")

    @property
    def log_retention(self) -> logs.RetentionDays:
        """Every log group of the app (Lambdas, state machines, API access logs) keeps this long."""
        return getattr(logs.RetentionDays, RETENTION_NAMES[self.log_retention_days])

    @classmethod
    def from_context(cls, node: Node) -> "Settings":
        def get(key: str, default: Any) -> Any:
            value = node.try_get_context(key)
            return default if value is None else value

        scopes = get("groupScopes", DEFAULT_GROUP_SCOPES)
        if isinstance(scopes, str):  # `-c groupScopes='{"Admin": [...]}'` arrives as text
            scopes = json.loads(scopes)
        return cls(
            prefix=str(get("prefix", cls.prefix)),
            token_use=str(get("tokenUse", cls.token_use)),
            missing_profile_policy=str(get("missingProfilePolicy", cls.missing_profile_policy)),
            profile_read_timeout_ms=int(get("profileReadTimeoutMs", cls.profile_read_timeout_ms)),
            group_scopes=scopes,
            retain_data=str(get("retainData", cls.retain_data)).lower() not in ("false", "0", "no"),
            log_retention_days=int(get("logRetentionDays", cls.log_retention_days)),
            authorizer_cache_seconds=int(get("authorizerCacheSeconds", cls.authorizer_cache_seconds)),
        )
