"""`workflows test MOCKCONFIG... [DEFINITION.asl.json...] [--definition [NAME=]FILE] [--case NAME] [--sfn-local] [--json]`.

Replays Step Functions Local MockConfigFiles (the harness, workflows.testing.runner, owns the
semantics; each config's inputs and expectations come from its sidecar <config>.expect.json).
One's own definitions come as positional *.asl.json files or `--definition [NAME=]FILE`: each
stands for the config's state machine NAME (default: the file name without .asl.json, or the
config's only machine when it has one; a `.express.asl.json` file is created EXPRESS), in place of
the sidecar's `definition` - the files themselves are not changed.
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


SUFFIX = ".asl.json"
EXPRESS_SUFFIX = ".express.asl.json"


def run(args: argparse.Namespace) -> int:
    from workflows.testing import clients, runner
    from workflows.testing.mock_config import MockConfigWarning

    configs = [p for p in args.mock_configs if not p.endswith(SUFFIX)]
    specs = [p for p in args.mock_configs if p.endswith(SUFFIX)] + list(getattr(args, "definition", None) or [])
    if not configs:
        raise CliError("name at least one mock config file (MockConfigFile.json)")
    for path in configs:
        if not Path(path).is_file():
            raise CliError(f"mock config {path!r} not found")
    with warnings.catch_warnings():
        warnings.simplefilter("always", MockConfigWarning)
        warnings.showwarning = _print_warning
        paths = runner.config_paths(configs)
        items: list[Any] = _with_definitions(paths, specs) if specs else paths
        if not args.sfn_local:
            return int(runner.main(items, case=args.case, as_json=args.json))
        endpoint = os.environ.get(clients.ENDPOINT_VAR)
        if not endpoint:
            return _print_plans(items, args.case, args.json)
        for path in paths:
            print(f"workflows test: replaying {path} on {endpoint} ({clients.ENDPOINT_VAR}); that server must "
                  f"have been started with SFN_MOCK_CONFIG={Path(path).resolve()}", file=sys.stderr)
        return int(runner.main(items, case=args.case, as_json=args.json, target="local"))


def _load(path: Any) -> Any:
    from workflows.testing.mock_files import MockSuite, load_suite

    if isinstance(path, MockSuite):
        return path
    try:
        return load_suite(path)
    except (OSError, ValueError) as error:  # MockConfigError is a ValueError
        raise CliError(f"cannot use mock config {path}: {error}", exit_code=2) from None


def _with_definitions(paths: list[Path], specs: list[str]) -> list[Any]:
    """Each config as a suite whose machines run from the given definition files."""
    suites = []
    for path in paths:
        suite = _load(path)
        machines = list(suite.mocker.test_cases)
        chosen: dict[str, tuple[Path, str | None]] = {}
        for spec in specs:
            name, eq, file = spec.partition("=")
            if not eq:
                file = spec
                stem = Path(file).name.removesuffix(SUFFIX).removesuffix(".express")
                name = stem if stem in machines or len(machines) != 1 else machines[0]
            if not Path(file).is_file():
                raise CliError(f"definition {file!r} not found")
            if name not in machines:
                raise CliError(f"definition {file}: mock config {path} has no state machine {name!r} "
                               f"(have: {', '.join(machines) or 'none'}); pass --definition NAME={file}")
            chosen[name] = (Path(file).resolve(), "EXPRESS" if file.endswith(EXPRESS_SUFFIX) else None)
        suites.append(suite.with_definitions(chosen))
    return suites


def _print_plans(items: list[Any], case: str | None, as_json: bool) -> int:
    from workflows.testing import sfn_local

    plans = []
    for item in items:
        suite = _load(item)
        try:
            plans.append(sfn_local.plan(suite, only=case))
        except (OSError, ValueError) as error:  # MockConfigError is a ValueError
            raise CliError(f"cannot use mock config {suite.config_path}: {error}", exit_code=2) from None
    if as_json:
        print(json.dumps([p.to_json() for p in plans], indent=2))
    else:
        print("\n".join(sfn_local.render(p) for p in plans), end="")
    return 0


def _print_warning(message: Any, category: type, filename: str, lineno: int, file: Any = None,
                   line: str | None = None) -> None:
    print(f"workflows test: warning: {message}", file=sys.stderr)
