"""Signups per second through the local stack: an empty users table vs one with 100,000 items.

Two `workflows up` servers, each in its own process as a user runs it, real clock: one keeps its
table (nearly) empty, the other gets PREFILL items first (`workflows load`'s prefill: ids from the
counter, email reservations and profiles as signup writes them). Then ROUNDS interleaved rounds,
empty / loaded / empty / ..., each SIGNUPS signups of StartSyncExecution(signup) from CONCURRENCY
callers in this process (workflows.load.driver), after a warm-up round on each. The rate of a round
is users created per second; the medians are reported and their ratio (loaded / empty), so a load
spike on the shared machine moves both sides alike rather than deciding the ratio. Every round's ids
go through the invariant check (workflows.load.invariant); a violation fails the benchmark.

Goal (issue 15): ratio >= 0.8, 0 errors, >= 40 signups/s on 2 cores. Before the TransactWriteItems
patch the loaded side was ~4/s at +5,000 items and timed out at +100,000.
Last line: {"signups_per_s_empty": .., "signups_per_s_100k": .., "ratio": .., "errors": ..}.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from workflows.load import driver, invariant, prefill  # noqa: E402
from workflows.load.target import StackTarget  # noqa: E402

PREFILL = int(os.environ.get("BENCH_PREFILL", 100_000))
CONCURRENCY = 16
SIGNUPS = int(os.environ.get("BENCH_SIGNUPS", 300))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 3))
WARMUP = int(os.environ.get("BENCH_WARMUP", 64))


class Server:
    """`workflows up --port 0 --json` in a child process; its outputs once it serves."""

    def __init__(self) -> None:
        executable = Path(sys.executable).with_name("workflows")
        command = [str(executable)] if executable.exists() else [sys.executable, "-m", "workflows.cli"]
        self.process = subprocess.Popen(command + ["up", "--port", "0", "--json"], cwd=REPO, text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        text = ""
        assert self.process.stdout is not None
        for line in self.process.stdout:  # the outputs are one JSON document, printed once serving
            text += line
            try:
                self.outputs = json.loads(text)
                break
            except ValueError:
                continue
        else:
            raise RuntimeError(f"workflows up exited ({self.process.wait()}) before serving")
        env = self.outputs.get("exports", {})
        if env.get("WORKFLOWS_LOCAL_TOKEN"):  # a stack that guards /_local/ tells its token
            os.environ["WORKFLOWS_LOCAL_TOKEN"] = env["WORKFLOWS_LOCAL_TOKEN"]
        self.target = StackTarget.discover(self.outputs["endpoint"])

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def round_of(target: StackTarget, tag: str, signups: int) -> tuple[float, int, list[str], driver.RunResult]:
    before = invariant.read_counter(target)
    result = driver.run_signups(driver.SfnSignups(target, CONCURRENCY, tag), users=signups,
                                concurrency=CONCURRENCY, time_limit=600, tag=tag, via="sfn")
    report = invariant.check(target, result, before)
    return result.rate, result.errors, report.violations, result


def main() -> int:
    empty, loaded = Server(), Server()
    try:
        started = time.perf_counter()
        filled = prefill.prefill(loaded.target, PREFILL, tag="bench")
        print(f"prefill: {filled.items} items into the loaded stack's table in {filled.seconds:.1f} s "
              f"(wall {time.perf_counter() - started:.1f} s)", flush=True)
        for name, server in (("empty", empty), ("loaded", loaded)):
            round_of(server.target, f"warm-{name}", WARMUP)
        rates: dict[str, list[float]] = {"empty": [], "loaded": []}
        errors, violations = 0, []
        for n in range(ROUNDS):
            for name, server in (("empty", empty), ("loaded", loaded)):
                rate, failed, broken, result = round_of(server.target, f"{name}-{n}", SIGNUPS)
                rates[name].append(rate)
                errors += failed
                violations += [f"{name} round {n}: {v}" for v in broken]
                print(f"round {n} {name:6s}: {rate:6.1f} signups/s, {failed} errors "
                      f"{result.errors_by_type() or ''}, p50 {result.latency(0.5) * 1000:.0f} ms, "
                      f"p99 {result.latency(0.99) * 1000:.0f} ms", flush=True)
    finally:
        empty.stop()
        loaded.stop()
    rate_empty, rate_loaded = statistics.median(rates["empty"]), statistics.median(rates["loaded"])
    print(f"{ROUNDS} interleaved rounds of {SIGNUPS} signups, {CONCURRENCY} concurrent; medians: "
          f"empty {rate_empty:.1f}/s, +{PREFILL} items {rate_loaded:.1f}/s; invariant "
          f"{'holds' if not violations else 'VIOLATED'}")
    for violation in violations[:20]:
        print(f"  {violation}")
    print(json.dumps({"signups_per_s_empty": round(rate_empty, 2), "signups_per_s_100k": round(rate_loaded, 2),
                      "ratio": round(rate_loaded / rate_empty, 3) if rate_empty else 0.0, "errors": errors}))
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
