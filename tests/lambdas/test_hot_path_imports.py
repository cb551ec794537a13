"""The hot-path functions must not pull boto3/botocore/urllib/PyJWT into a cold start."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
HEAVY = ["boto3", "botocore", "urllib.request", "jwt", "joserfc", "requests", "email.mime"]

PROBE = """
import json, os, sys
sys.path.insert(0, {repo!r})
import {module}
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


def loaded_heavy_modules(module: str, env: dict[str, str]) -> list[str]:
    code = PROBE.format(repo=str(REPO), module=module, heavy=HEAVY)
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_authorizer_cold_start_imports_stay_small(authorizer_env: dict[str, Any]) -> None:
    env = {**authorizer_env, "PATH": "/usr/bin:/bin"}
    assert loaded_heavy_modules("lambdas.authorizer.handler", env) == []


def test_token_customizer_cold_start_imports_stay_small() -> None:
    env = {"TABLE_NAME": "users", "AWS_REGION": "us-east-1", "PATH": "/usr/bin:/bin"}
    assert loaded_heavy_modules("lambdas.token_customizer.handler", env) == []
