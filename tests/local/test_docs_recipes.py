"""docs/local.md's shell recipes run as printed: the bootstrap-an-Admin recipe, in bash, against
`workflows up` in a subprocess, with nothing but the exports it printed (and .venv/bin on PATH)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.local.test_e2e_up import REPO, free_port
from tests.local.test_stock_clients import read_exports

DOC = REPO / "docs" / "local.md"


def recipe(name: str) -> str:
    """The ```sh block that follows `<!-- recipe: NAME ...-->` in docs/local.md."""
    match = re.search(rf"<!-- recipe: {re.escape(name)}\b.*?-->\n```sh\n(.*?)```", DOC.read_text(), re.S)
    assert match, f"docs/local.md has no recipe {name!r}"
    return match.group(1)


def test_bootstrap_an_admin_runs_as_printed(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    proc = subprocess.Popen([sys.executable, "-m", "workflows.cli", "up", "--port", str(free_port()), "--quiet"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        exports = read_exports(proc)
        shell_env = {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", "HOME": str(tmp_path),
                     **exports}
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", recipe("bootstrap-admin")], env=shell_env,
                              capture_output=True, text=True, timeout=180, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        created = json.loads(done.stdout.strip().splitlines()[-1])
        assert created["userId"] == 2 and created["email"] == "bob@example.com", created
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
