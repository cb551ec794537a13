"""CDK entry point: `cdk deploy` (cdk.json runs `python3 app.py`) or `python app.py` to synth.

`python app.py` does not read cdk.json, so the context defaults live here too (DEFAULT_CONTEXT); the
CLI's `-c key=value` and cdk.json context arrive through CDK_CONTEXT_JSON and win over them.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import cdk  # noqa: E402,F401  (jsii environment defaults before aws_cdk loads)
import aws_cdk  # noqa: E402

from cdk.stacks.user_lifecycle import UserLifecycleStack  # noqa: E402

STACK_NAME = "UserLifecycle"
DEFAULT_CONTEXT: dict[str, Any] = {"prefix": "user-lifecycle", "tokenUse": "access", "missingProfilePolicy": "open"}


def build_app(context: dict[str, Any] | None = None, outdir: str | None = None,
              validation: bool | None = None) -> tuple[aws_cdk.App, UserLifecycleStack]:
    """validation: CDK's built-in CloudFormation validation at synth (None = CDK's default, which
    CDK_VALIDATION=false turns off)."""
    app = aws_cdk.App(context={**DEFAULT_CONTEXT, **(context or {})}, outdir=outdir,
                      builtin_cloud_formation_validation=validation)
    stack = UserLifecycleStack(app, STACK_NAME, description="Cognito user-lifecycle workflows on Step Functions")
    return app, stack


def main() -> None:
    app, _ = build_app()
    app.synth()


if __name__ == "__main__":
    main()
