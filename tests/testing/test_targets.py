"""The same test module on two targets: the embedded engine and an HTTP Step Functions endpoint.

The endpoint is the project's own Step Functions-compatible server (workflows.local's AWS JSON 1.0
API over an engine that loaded the module's mock config, as Step Functions Local loads
SFN_MOCK_CONFIG). tests/testing/portable/ runs in a child pytest once per target; each test records
what it observed and the two records must be identical, while the embedded-only test is skipped on
the endpoint with its reason.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from workflows.testing import clients

PORTABLE = Path(__file__).parent / "portable"
ROOT = Path(__file__).resolve().parents[2]


def run_portable(tmp_path: Path, target: str, endpoint: str | None = None) -> tuple[dict, str]:
    results = tmp_path / f"{target}.jsonl"
    env = {k: v for k, v in os.environ.items() if k not in ("SFN_LOCAL_ENDPOINT", "SFN_TARGET",
                                                             "SFN_MOCK_CONFIG")}
    env["WORKFLOWS_PORTABLE_RESULTS"] = str(results)
    if endpoint:
        env["SFN_LOCAL_ENDPOINT"] = endpoint
    done = subprocess.run(
        [sys.executable, "-m", "pytest", str(PORTABLE), "-q", "-rs", "-p", "no:xdist",
         "-p", "no:cacheprovider", f"--sfn-target={target}"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    observed = {}
    for line in results.read_text().splitlines():
        entry = json.loads(line)
        observed[entry.pop("test")] = entry
    return observed, done.stdout


@pytest.fixture
def endpoint():
    from workflows.engine import StepFunctions
    from workflows.local.server import LoopbackServer
    from workflows.local.sfn_api import StepFunctionsApi

    engine = StepFunctions(mock_config=PORTABLE / "mock_config.json")
    server = LoopbackServer(StepFunctionsApi(engine)).start()
    yield server.url
    server.close()


def test_same_module_same_results_on_embedded_and_http_endpoint(tmp_path, endpoint):
    embedded, _ = run_portable(tmp_path, "embedded")
    remote, report = run_portable(tmp_path, "local", endpoint)
    only_embedded = {"test_one_day_wait_is_instant"}
    assert set(embedded) - set(remote) == only_embedded
    assert {name: embedded[name] for name in remote} == remote
    assert "cannot run on target 'local': advances the virtual clock" in report
    assert len(remote) == 6


def test_local_target_disables_host_prefix_injection(monkeypatch):
    monkeypatch.setenv("SFN_LOCAL_ENDPOINT", "http://127.0.0.1:8083")
    client = clients.sfn_client("local")
    assert client.meta.config.inject_host_prefix is False
    assert client.meta.endpoint_url == "http://127.0.0.1:8083"


def test_target_resolution(monkeypatch):
    monkeypatch.delenv("SFN_TARGET", raising=False)
    monkeypatch.delenv("SFN_LOCAL_ENDPOINT", raising=False)
    assert clients.resolve_target() == "embedded"
    monkeypatch.setenv("SFN_LOCAL_ENDPOINT", "http://localhost:8083")
    assert clients.resolve_target() == "local"
    monkeypatch.setenv("SFN_TARGET", "aws")
    assert clients.resolve_target() == "aws"
    with pytest.raises(clients.TargetError, match="not one of"):
        clients.resolve_target("moto")
    monkeypatch.delenv("SFN_LOCAL_ENDPOINT")
    with pytest.raises(clients.TargetError, match="SFN_LOCAL_ENDPOINT"):
        clients.sfn_client("local")
