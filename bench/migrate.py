"""Users migrated per second through migrate_batch on the virtual clock: 1,000 users vs 10,000.

Each size on a fresh LocalStack(clock="virtual") in this process: the users started as batches of
BATCH users (under migrate_batch's maximum, workflows/load/migration.py) a minute of virtual time
apart, then one advance past every deadline, so each migrate_user falls back (ClaimFallback,
AllocateUserId, WriteUser, InviteUser, ...). What is timed is the advance: the fallbacks. The per-user
time of 10,000 is reported against 1,000 measured in the same run (a loaded machine moves both), and
both runs go through the same checks: every batch and migration SUCCEEDED, no States.Timeout but the
deadlines, the id invariant. No legacy records are written: the fallback needs none.
Last line: {"ms_per_user_1k": .., "ms_per_user_10k": .., "per_user_10k_vs_1k": .., "timeouts": ..,
"failed": .., "invariant": ..}.
"""
from __future__ import annotations

import gc
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from workflows.engine.gc_pauses import FullCollections  # noqa: E402
from workflows.load import migration  # noqa: E402
from workflows.local.stack import LocalStack  # noqa: E402

SIZES = tuple(int(n) for n in os.environ.get("BENCH_MIGRATE_SIZES", "1000,10000").split(","))
BATCH = int(os.environ.get("BENCH_MIGRATE_BATCH", 1000))
PACE = 60.0  # virtual seconds between batch starts
DEADLINE = 180 * 86400  # migrate_user's default timeoutSeconds


def run(size: int) -> tuple[float, migration.MigrationReport]:
    with LocalStack(clock="virtual") as stack:
        target = migration.MigrationStack.of(stack)
        users = migration.legacy_users(size)
        before = target.counter()
        started = time.perf_counter()
        arns = migration.start_batches(target, users, min(BATCH, size), tag=f"bench-{size}", pace=PACE)
        print(f"  {size}: {len(arns)} batches started in {time.perf_counter() - started:.1f} s", flush=True)
        collections = FullCollections()
        gc.callbacks.append(collections)
        started = time.perf_counter()
        try:
            stack.advance(DEADLINE + PACE * len(arns))
        finally:
            gc.callbacks.remove(collections)
        elapsed = time.perf_counter() - started
        print(f"  {size}: advance past the deadlines {elapsed:.1f} s ({1000 * elapsed / size:.1f} ms per user; "
              f"{collections.count} full garbage collections, longest {collections.longest:.2f} s)", flush=True)
        report = migration.check(target, users, arns, before)
        print(f"  {size}: {report.summary()}", flush=True)
        return 1000 * elapsed / size, report


def main() -> int:
    results = {}
    for size in SIZES:
        print(f"migrating {size} users in batches of {min(BATCH, size)}", flush=True)
        results[size] = run(size)
    (small, small_report), (large, large_report) = results[SIZES[0]], results[SIZES[-1]]
    reports = [r for _, r in results.values()]
    summary = {"ms_per_user_1k": round(small, 1), "ms_per_user_10k": round(large, 1),
               "per_user_10k_vs_1k": round(large / small, 3),
               "timeouts": sum(r.timeouts for r in reports), "failed": sum(r.failed for r in reports),
               "invariant": all(not r.violations for r in reports)}
    print(json.dumps(summary))
    return 0 if all(r.ok for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
