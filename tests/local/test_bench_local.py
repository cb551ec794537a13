"""bench/local.py, scaled down: it runs end to end and its last line is the JSON the issue names."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "local.py"


def test_the_bench_prints_its_four_named_numbers_last() -> None:
    env = {**os.environ, "BENCH_PREFILL": "51", "BENCH_SIGNUPS": "6", "BENCH_ROUNDS": "1", "BENCH_WARMUP": "2"}
    done = subprocess.run([sys.executable, str(BENCH)], env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    last = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(last) == {"signups_per_s_empty", "signups_per_s_100k", "ratio", "errors"}
    assert last["errors"] == 0 and last["signups_per_s_empty"] > 0 and last["signups_per_s_100k"] > 0
    assert "prefill: 51 items" in done.stdout and "invariant holds" in done.stdout
