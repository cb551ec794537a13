"""pytest plugin (entry point `workflows`): target selection and markers.

Registered as a `pytest11` entry point so every test in the repo (and in a user's clone) gets the
`--sfn-target` option and the `embedded_only` marker without a conftest import.
"""
from __future__ import annotations

import os

import pytest

TARGETS = ("embedded", "local", "aws")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("workflows", "Step Functions test target")
    group.addoption(
        "--sfn-target", choices=TARGETS, default=None,
        help="embedded (default), local (SFN_LOCAL_ENDPOINT) or aws; env SFN_TARGET",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "embedded_only(reason): needs the embedded engine (virtual clock, in-process Lambdas)",
    )


def selected_target(config: pytest.Config) -> str:
    target = config.getoption("--sfn-target") or os.environ.get("SFN_TARGET") or "embedded"
    if target not in TARGETS:
        raise pytest.UsageError(f"SFN_TARGET={target!r} is not one of {', '.join(TARGETS)}")
    return target


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    target = selected_target(config)
    if target == "embedded":
        return
    for item in items:
        marker = item.get_closest_marker("embedded_only")
        if marker is not None:
            why = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "embedded engine only")
            item.add_marker(pytest.mark.skip(reason=f"cannot run on target {target!r}: {why}"))
