"""bench/migrate.py, scaled down (20 users, then 60 in 3 batches): it runs end to end, its checks pass
and its last line is the JSON the issue names."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "migrate.py"


def test_the_bench_prints_its_named_numbers_last() -> None:
    env = {**os.environ, "BENCH_MIGRATE_SIZES": "20,60", "BENCH_MIGRATE_BATCH": "20"}
    done = subprocess.run([sys.executable, str(BENCH)], env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    last = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(last) == {"ms_per_user_1k", "ms_per_user_10k", "per_user_10k_vs_1k", "timeouts", "failed", "invariant"}
    assert (last["timeouts"], last["failed"], last["invariant"]) == (0, 0, True)
    assert "60: 3 batches started" in done.stdout and "invariant holds" in done.stdout
