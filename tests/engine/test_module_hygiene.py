"""The engine and the test harness carry no dead code and no oversized module (issue #14).

Dead code is found by vulture (the maintained dead-code finder) over the whole repository, so a
function only the tests or the Lambdas call counts as used. What vulture cannot see being used is
listed below with the reason; anything else it reports in workflows/engine or workflows/testing is
dead and should go (a second, unused copy of a rule drifts from the one that runs).
"""

from __future__ import annotations

import functools
from pathlib import Path

import vulture

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("workflows", "tests", "lambdas", "bench", "cdk")
CHECKED = ("workflows/engine/", "workflows/testing/")

# (file, name): why it is used although no Python code reads it by name.
NOT_DEAD = {
    # boto3's stepfunctions keyword arguments, accepted so a call written for boto3 runs unchanged
    ("workflows/engine/client.py", "traceHeader"): "boto3 parameter",
    ("workflows/engine/client.py", "includedData"): "boto3 parameter",
    ("workflows/engine/state_machines.py", "includedData"): "boto3 parameter",
    # the Lambda context object's documented attributes, read by users' handlers
    **{("workflows/engine/integrations/lambda_invoke.py", name): "Lambda context attribute"
       for name in ("function_version", "invoked_function_arn", "memory_limit_in_mb", "log_group_name",
                    "log_stream_name")},
    # pytest calls its hooks by name
    **{("workflows/testing/pytest_plugin.py", name): "pytest hook"
       for name in ("pytest_addoption", "pytest_configure", "pytest_collection_modifyitems",
                    "pytest_generate_tests")},
    # TestState's stateConfiguration.errorCausedByState, accepted and kept (not evaluated yet)
    ("workflows/engine/inspection.py", "error_caused_by_state"): "TestState request field",
    # a dataclass field callers may read (whether the sidecar came from a file or defaults)
    ("workflows/testing/mock_files.py", "has_sidecar_file"): "public field",
    ("workflows/testing/result_shapes.py", "field_names"): "public helper for mock authors",
}


@functools.lru_cache(maxsize=1)
def _reported() -> tuple[tuple[str, int, str, str], ...]:
    """(file, line, kind, name) of everything vulture finds unused, in the checked packages."""
    finder = vulture.Vulture()
    finder.scavenge([str(ROOT / source) for source in SOURCES])
    items = ((Path(item.filename).resolve().relative_to(ROOT).as_posix(), item.first_lineno, item.typ,
              item.name) for item in finder.get_unused_code(min_confidence=60))
    return tuple(item for item in items if item[0].startswith(CHECKED))


def test_no_dead_code_in_the_engine_or_the_harness():
    dead = [f"{path}:{line} {kind} {name}" for path, line, kind, name in _reported()
            if (path, name) not in NOT_DEAD]
    assert dead == []


def test_every_allowance_still_names_something_vulture_reports():
    """An allowance whose code is gone (or now used) would hide the next dead thing of that name."""
    reported = {(path, name) for path, _, _, name in _reported()}
    assert sorted(set(NOT_DEAD) - reported) == []


def test_no_engine_module_over_400_lines():
    long = {path.relative_to(ROOT).as_posix(): count
            for path in (ROOT / "workflows/engine").rglob("*.py")
            if (count := len(path.read_text().splitlines())) > 400}
    assert long == {}
