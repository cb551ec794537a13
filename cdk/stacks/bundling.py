"""Lambda code assets that carry their third-party wheels, built for Lambda (ARM64, Python 3.13) without Docker.

Why hand-written: CDK's own Python bundler (aws-lambda-python-alpha's PythonFunction) is an alpha
package and bundles only inside Docker, which this machine and many laptops do not have. CDK's
``ILocalBundling`` hook is the supported way around that: ``PipLocalBundling.try_bundle`` runs the
local ``pip`` with ``--platform``/``--python-version``/``--implementation``/``--only-binary=:all:``, so
pip picks the manylinux aarch64 CPython 3.13 wheels whatever the build machine is, then copies the
function folder itself (minus ``__pycache__``). Only when there is no pip for this interpreter does it
return False, and CDK falls back to the same install inside the Lambda build image.

Pins live in ``cdk/requirements/<function>.txt`` (one per function that needs third-party code), exact
``name==version`` lines equal to ``pyproject.toml``: what is deployed is what the tests ran against. A
function without a file is packaged as its folder alone (the token customizer is stdlib-only by design).
boto3/botocore are not bundled: the Lambda Python runtime provides them (RUNTIME_PROVIDED, docs/deploy.md).

CDK skips bundling for stacks outside the ``aws:cdk:bundling-stacks`` context (the CLI sets it to the
stacks being deployed); the tests synthesize with it empty, so they never run pip.
"""
from __future__ import annotations

import importlib.util
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import BundlingOptions, ILocalBundling
from aws_cdk import aws_lambda as lambda_

REQUIREMENTS_DIR = Path(__file__).resolve().parents[1] / "requirements"
ASSET_EXCLUDE = ["__pycache__", "*.pyc", "tests"]
# Provided by the Lambda Python runtime, so deliberately not bundled: the functions use only long-stable
# calls (StartExecution, SendTaskSuccess, GetItem); pinning them is a requirements file away.
RUNTIME_PROVIDED = frozenset({"boto3", "botocore"})

TARGET_PYTHON = "3.13"
# Lambda's python3.13 runs on Amazon Linux 2023 (glibc 2.34): manylinux2014 first (what AWS documents),
# then the newer glibc tags it can also run, for packages that no longer publish manylinux2014 wheels.
TARGET_PLATFORMS = ("manylinux2014_aarch64", "manylinux_2_28_aarch64", "manylinux_2_34_aarch64")
DOCKER_PLATFORM = "linux/arm64"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9][A-Za-z0-9.+!_-]*)$")


class BundlingError(RuntimeError):
    """pip could not build a function's dependencies (message names the function and pip's error)."""


def requirements_file(function_name: str) -> Path | None:
    path = REQUIREMENTS_DIR / f"{function_name}.txt"
    return path if path.is_file() else None


def read_pins(path: Path) -> dict[str, str]:
    """``name==version`` lines (comments and blank lines ignored) -> {name: version}; anything looser
    (ranges, options, URLs, extras) is refused, naming the file and line, because it would let a deploy
    resolve something the tests never ran."""
    pins: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = _PIN.match(line)
        if match is None:
            raise ValueError(f"{path}:{number}: {line!r} is not an exact pin (name==version)")
        name, version = match.groups()
        if name in pins:
            raise ValueError(f"{path}:{number}: {name} is pinned twice")
        pins[name] = version
    if not pins:
        raise ValueError(f"{path}: no pins (delete the file if the function needs no third-party code)")
    return pins


def pip_install_command(requirements: Path, target: str, python: str | None = None) -> list[str]:
    """The local pip run: wheels only, for Lambda's platform and Python, into ``target``. ``--no-compile``
    because byte code compiled by the build machine's Python would be for the wrong version."""
    platforms = [arg for platform in TARGET_PLATFORMS for arg in ("--platform", platform)]
    return [python or sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "--no-input",
            "--no-compile", "--only-binary=:all:", *platforms, "--python-version", TARGET_PYTHON,
            "--implementation", "cp", "--requirement", str(requirements), "--target", target]


@jsii.implements(ILocalBundling)
class PipLocalBundling:
    """Local bundling of one function folder: its pinned wheels, then its own files."""

    def __init__(self, function_dir: Path, requirements: Path) -> None:
        self.function_dir = Path(function_dir)
        self.requirements = Path(requirements)

    def try_bundle(self, output_dir: str, *_options: Any, **_keywords: Any) -> bool:
        """CDK passes the BundlingOptions positionally or as keywords depending on the jsii path; they
        are not needed here. False (no pip) makes CDK use the Docker fallback; a pip failure raises,
        because falling back would only hide it behind "docker: not found"."""
        if importlib.util.find_spec("pip") is None:
            return False
        command = pip_install_command(self.requirements, output_dir)
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            tail = "\n".join((result.stderr or result.stdout or "").strip().splitlines()[-15:])
            raise BundlingError(f"bundling lambdas/{self.function_dir.name}: pip install -r {self.requirements} "
                                f"for {TARGET_PLATFORMS[0]} / Python {TARGET_PYTHON} failed "
                                f"(exit {result.returncode}):\n{tail}")
        output = Path(output_dir)
        shutil.rmtree(output / "bin", ignore_errors=True)  # console scripts with this machine's shebang
        for cache in [p for p in output.rglob("__pycache__") if p.is_dir()]:
            shutil.rmtree(cache, ignore_errors=True)
        shutil.copytree(self.function_dir, output, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns(*ASSET_EXCLUDE))
        return True


def docker_command(pins: dict[str, str]) -> list[str]:
    """The fallback inside the Lambda build image (already ARM64 Python 3.13, so no platform flags). The
    pins are spelled out so they are part of the asset hash CDK computes from the bundling options."""
    requirements = shlex.join(f"{name}=={version}" for name, version in pins.items())
    return ["bash", "-c",
            f"pip install --no-cache-dir --no-compile --only-binary=:all: --target /asset-output {requirements}"
            " && rm -rf /asset-output/bin && cp -R /asset-input/. /asset-output/"
            " && find /asset-output \\( -name __pycache__ -o -name '*.pyc' \\) -prune -exec rm -rf {} +"]


def bundling_options(function_dir: Path, requirements: Path) -> BundlingOptions:
    return BundlingOptions(
        image=lambda_.Runtime.PYTHON_3_13.bundling_image,
        platform=DOCKER_PLATFORM,
        command=docker_command(read_pins(requirements)),
        local=PipLocalBundling(function_dir, requirements),
    )


def function_code(function_dir: Path) -> lambda_.Code:
    """The folder alone, or (with cdk/requirements/<name>.txt) the folder plus its wheels. The asset hash
    is the folder's (``__pycache__`` excluded) plus the bundling options, so it changes with the pins
    and stays the same whether or not this synth ran the bundling."""
    requirements = requirements_file(function_dir.name)
    if requirements is None:
        return lambda_.Code.from_asset(str(function_dir), exclude=ASSET_EXCLUDE)
    return lambda_.Code.from_asset(str(function_dir), exclude=ASSET_EXCLUDE,
                                   bundling=bundling_options(function_dir, requirements))
