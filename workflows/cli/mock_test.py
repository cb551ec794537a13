"""`workflows test MOCKCONFIG... [--case NAME] [--sfn-local] [--json]`.

Replays Step Functions Local MockConfigFiles (the harness, workflows.testing.runner, owns the
semantics; each config's inputs and expectations come from its sidecar <config>.expect.json).
- default: on the embedded engine (or SFN_TARGET / SFN_LOCAL_ENDPOINT's endpoint, as the plugin);
- `--sfn-local` without SFN_LOCAL_ENDPOINT: print the environment and commands that replay the
  same file on Step Functions Local (workflows.testing.sfn_local), exit 0;
- `--sfn-local` with SFN_LOCAL_ENDPOINT: run the cases on that endpoint through boto3 - it must be
  a Step Functions Local (or `workflows up`) started with SFN_MOCK_CONFIG naming the same file.
Warnings about a config (top-level keys AWS's format does not have) go to stderr, one line each.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from pathlib import Path
from typing import Any

from .errors import CliError


def run(args: argparse.Namespace) -> int:
    from workflows.testing import clients, runner
    from workflows.testing.mock_config import MockConfigWarning

    for path in args.mock_configs:
        if not Path(path).is_file():
            raise CliError(f"mock config {path!r} not found")
    with warnings.catch_warnings():
        warnings.simplefilter("always", MockConfigWarning)
        warnings.showwarning = _print_warning
        if not args.sfn_local:
            return int(runner.main(args.mock_configs, case=args.case, as_json=args.json))
        endpoint = os.environ.get(clients.ENDPOINT_VAR)
        if not endpoint:
            return _print_plans(runner.config_paths(args.mock_configs), args.json)
        for path in runner.config_paths(args.mock_configs):
            print(f"workflows test: replaying {path} on {endpoint} ({clients.ENDPOINT_VAR}); that server must "
                  f"have been started with SFN_MOCK_CONFIG={Path(path).resolve()}", file=sys.stderr)
        return int(runner.main(args.mock_configs, case=args.case, as_json=args.json, target="local"))


def _print_plans(paths: list[Path], as_json: bool) -> int:
    from workflows.testing import sfn_local
    from workflows.testing.mock_files import load_suite

    plans = []
    for path in paths:
        try:
            plans.append(sfn_local.plan(load_suite(path)))
        except (OSError, ValueError) as error:  # MockConfigError is a ValueError
            raise CliError(f"cannot use mock config {path}: {error}", exit_code=2) from None
    if as_json:
        print(json.dumps([p.to_json() for p in plans], indent=2))
    else:
        print("\n".join(sfn_local.render(p) for p in plans), end="")
    return 0


def _print_warning(message: Any, category: type, filename: str, lineno: int, file: Any = None,
                   line: str | None = None) -> None:
    print(f"workflows test: warning: {message}", file=sys.stderr)
