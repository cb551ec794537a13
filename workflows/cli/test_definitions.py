"""`workflows test MOCKCONFIG [FILE.asl.json | --definition [NAME=]FILE]`: one's own definitions.

A MockConfigFile names its state machines; the harness finds each one's definition in asl/ or in
the config's sidecar (workflows.testing.mock_sidecar). A user testing their own machine has a
definition file and a mock config, so this module lets the command line say which file stands for
which machine: `--definition NAME=FILE`, or a FILE whose name (without `.asl.json` / `.express.asl.json`)
is the machine's, or - when the config has one machine - any FILE. `.express.asl.json` makes it
Express. The harness then runs a copy of the config and its sidecar (in a scratch directory, through
mock_files.save_suite) whose sidecar points at those files; the user's own files are not touched.
"""
from __future__ import annotations

import dataclasses
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .errors import CliError

SUFFIX, EXPRESS_SUFFIX = ".asl.json", ".express.asl.json"


def split_files(paths: list[str]) -> tuple[list[str], list[str]]:
    """Positional files: *.asl.json are definitions, the rest mock configs (or their sidecars)."""
    return [p for p in paths if not p.endswith(SUFFIX)], [p for p in paths if p.endswith(SUFFIX)]


@contextmanager
def with_definitions(configs: list[str], specs: list[str]) -> Iterator[list[str]]:
    """The config paths to run: `configs` themselves, or scratch copies using the definitions."""
    if not specs:
        yield configs
        return
    with tempfile.TemporaryDirectory(prefix="workflows-test-") as scratch:
        yield [_rewrite(Path(config), specs, Path(scratch) / str(index)) for index, config in enumerate(configs)]


def _rewrite(config: Path, specs: list[str], directory: Path) -> str:
    from workflows.testing.mock_config import MockConfigError
    from workflows.testing.mock_files import load_suite, save_suite
    from workflows.testing.mock_sidecar import MachineSpec

    try:
        suite = load_suite(config)
    except (OSError, MockConfigError) as error:
        raise CliError(str(error)) from None
    names = list(suite.mocker.test_cases)
    machines = dict(suite.sidecar.machines)
    for spec in specs:
        name, eq, file = spec.partition("=")
        if not eq:
            file = spec
            stem = Path(file).name.removesuffix(SUFFIX).removesuffix(".express")
            name = stem if stem in names or len(names) != 1 else names[0]
        path = Path(file)
        if not path.is_file():
            raise CliError(f"definition {file!r} not found")
        if name not in names:
            raise CliError(f"definition {file}: mock config {config} has no state machine {name!r} "
                           f"(have: {', '.join(names) or 'none'}); pass --definition NAME={file}")
        kept = machines.get(name) or MachineSpec()
        kind = "EXPRESS" if path.name.endswith(EXPRESS_SUFFIX) else kept.type
        machines[name] = dataclasses.replace(kept, definition=path.resolve(), type=kind)
    directory.mkdir(parents=True)
    target = directory / config.name
    save_suite(target, suite.config, dataclasses.replace(suite.sidecar, machines=machines))
    return str(target)
