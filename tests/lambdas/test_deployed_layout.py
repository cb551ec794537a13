"""Each lambdas/<fn>/ folder is deployed alone as the code root: it must import as ``handler`` there."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

LAMBDAS = Path(__file__).resolve().parents[2] / "lambdas"
PROBE = "import handler, sys; assert callable(handler.handler); print(sorted(m for m in sys.modules if m.startswith('lambdas')))"


@pytest.mark.parametrize("function", ["authorizer", "token_customizer", "post_confirmation", "user_migration"])
def test_folder_imports_as_its_own_code_root(function: str, tmp_path: Path) -> None:
    root = tmp_path / function
    shutil.copytree(LAMBDAS / function, root, ignore=shutil.ignore_patterns("__pycache__"))
    env = {"PATH": "/usr/bin:/bin", "TABLE_NAME": "users", "AWS_REGION": "us-east-1"}
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=root, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"  # nothing from the repository's lambdas package was needed
