"""The conformance summary the engine engineers read: /tmp/conformance-report.txt (CONFORMANCE_REPORT).

Counts per group, template folder and ASL feature, the failures grouped by a root-cause key (the
differing aspect plus the diff text with case-specific values removed), then every failing case id
with its one-line diff.
"""
from __future__ import annotations

import collections
import os
import re
from pathlib import Path

from .compare import CaseResult

REPORT_PATH = Path(os.environ.get("CONFORMANCE_REPORT", "/tmp/conformance-report.txt"))


def percent(results: list[CaseResult], group: str) -> tuple[int, int, float]:
    chosen = [r for r in results if r.group == group]
    matched = sum(r.matched for r in chosen)
    return matched, len(chosen), (100.0 * matched / len(chosen)) if chosen else 100.0


def root_cause(result: CaseResult) -> str:
    aspect, text = next(iter(result.diffs.items()))
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "…", text)
    text = re.sub(r"\d+", "N", text)
    return f"{aspect}: {text[:110]}"


def render(results: list[CaseResult], skipped: dict[str, str]) -> str:
    lines: list[str] = ["ASL conformance against /work/shared/conformance/cases.jsonl", ""]
    for group in ("pure", "lambda", "services"):
        matched, total, pct = percent(results, group)
        lines.append(f"{group:9s} {matched:4d}/{total:<4d} matched ({pct:.1f}%)")
    lines.append(f"skipped   {len(skipped)} (need services the harness cannot serve)")
    lines += ["", "By corpus group (what a case needs; matched/run):"]
    by_group: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    for result in results:
        by_group[result.need_group][0] += result.matched
        by_group[result.need_group][1] += 1
    lines += [f"  {name:45s} {m:4d}/{t}" for name, (m, t) in sorted(by_group.items())]
    lines.append("")
    lines.append("Ignoring history details (status, output, error, cause, event types only):")
    for group in ("pure", "lambda", "services"):
        chosen = [r for r in results if r.group == group]
        loose = sum(set(r.diffs) <= {"history-details"} for r in chosen)
        lines.append(f"  {group:9s} {loose:4d}/{len(chosen)}")
    lines += ["", "By template folder (matched/run):"]
    by_folder: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    by_feature: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    for result in results:
        by_folder[result.folder][0] += result.matched
        by_folder[result.folder][1] += 1
        for feature in result.features:
            by_feature[feature][0] += result.matched
            by_feature[feature][1] += 1
    lines += [f"  {name:40s} {m}/{t}" for name, (m, t) in sorted(by_folder.items())]
    lines += ["", "By feature (matched/run, features with failures first):"]
    ordered = sorted(by_feature.items(), key=lambda item: (item[1][0] == item[1][1], item[0]))
    lines += [f"  {name:40s} {m}/{t}" for name, (m, t) in ordered]
    failing = [r for r in results if not r.matched]
    lines += ["", f"Failures by root cause ({len(failing)} cases):"]
    causes = collections.Counter(root_cause(r) for r in failing)
    lines += [f"  {count:4d}  {cause}" for cause, count in causes.most_common()]
    lines += ["", "Failing cases:"]
    for result in sorted(failing, key=lambda r: (r.group, r.case_id)):
        lines.append(f"  [{result.group}] {result.case_id}")
        lines.append(f"      {result.one_line()[:400]}")
    return "\n".join(lines) + "\n"


def write(results: list[CaseResult], skipped: dict[str, str]) -> str:
    text = render(results, skipped)
    REPORT_PATH.write_text(text, encoding="utf-8")
    return text
