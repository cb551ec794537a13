"""The Lambdas' third-party code: pins, what pip is asked for, and what ends up in the authorizer's asset.

No test runs the real pip (offline, fast): try_bundle is driven against a fake pip, once directly and
once through CDK's own bundling of the real app (the jsii callback path `cdk deploy` takes).
"""
from __future__ import annotations

import ast
import importlib.metadata
import json
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from .conftest import REPO
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from cdk.stacks import bundling
from cdk.stacks.bundling import (REQUIREMENTS_DIR, RUNTIME_PROVIDED, BundlingError, PipLocalBundling, bundling_options,
                                 read_pins, requirements_file)

LAMBDAS = REPO / "lambdas"
FUNCTIONS = sorted(p.name for p in LAMBDAS.iterdir() if (p / "handler.py").is_file())
# Lambda python3.13 on arm64, for evaluating dependency markers
TARGET_ENV = {"python_version": "3.13", "python_full_version": "3.13.0", "implementation_name": "cpython",
              "platform_python_implementation": "CPython", "sys_platform": "linux", "platform_system": "Linux",
              "platform_machine": "aarch64", "os_name": "posix", "extra": ""}


def pyproject_pins() -> dict[str, str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    lines = project["dependencies"] + [d for group in project["optional-dependencies"].values() for d in group]
    pins = {}
    for line in lines:
        req = Requirement(line)
        (spec,) = req.specifier
        assert spec.operator == "==", line
        pins[canonicalize_name(req.name)] = spec.version
    return pins


class FakePip:
    """subprocess.run stand-in: records the command and installs a fake package (with byte code and a
    console script, as real wheels bring) into --target."""

    def __init__(self, returncode: int = 0, stderr: str = "") -> None:
        self.calls: list[list[str]] = []
        self.returncode, self.stderr = returncode, stderr

    def __call__(self, command: list[str], **kwargs: Any) -> subprocess.CompletedProcess:
        self.calls.append(list(command))
        target = Path(command[command.index("--target") + 1])
        (target / "cryptography" / "__pycache__").mkdir(parents=True)
        (target / "cryptography" / "__init__.py").write_text("FAKE = True\n")
        (target / "cryptography" / "__pycache__" / "__init__.cpython-311.pyc").write_bytes(b"\0")
        (target / "bin").mkdir()
        (target / "bin" / "fake-script").write_text("#!/usr/bin/python3.11\n")
        return subprocess.CompletedProcess(command, self.returncode, "", self.stderr)


def expected_pip_command(requirements: Path, target: str) -> list[str]:
    return [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--no-compile",
            "--only-binary=:all:",
            "--platform", "manylinux2014_aarch64", "--platform", "manylinux_2_28_aarch64",
            "--platform", "manylinux_2_34_aarch64",
            "--python-version", "3.13", "--implementation", "cp",
            "--requirement", str(requirements), "--target", target]


@pytest.fixture
def function_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "src" / "demo_fn"
    (folder / "__pycache__").mkdir(parents=True)
    (folder / "handler.py").write_text("def handler(event, context): return event\n")
    (folder / "helper.py").write_text("X = 1\n")
    (folder / "data.json").write_text("{}\n")
    (folder / "__pycache__" / "handler.cpython-311.pyc").write_bytes(b"\0")
    (folder / "stray.pyc").write_bytes(b"\0")
    (folder / "tests").mkdir()
    (folder / "tests" / "test_x.py").write_text("")
    return folder


def tree(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


# --- pins -------------------------------------------------------------------------------------------

def test_requirements_files_are_for_real_functions_and_the_authorizer_has_one() -> None:
    files = sorted(p.stem for p in REQUIREMENTS_DIR.glob("*.txt"))
    assert set(files) <= set(FUNCTIONS), files
    assert requirements_file("authorizer") == REQUIREMENTS_DIR / "authorizer.txt"
    assert requirements_file("token_customizer") is None  # stdlib only, by design


@pytest.mark.parametrize("path", sorted(REQUIREMENTS_DIR.glob("*.txt")), ids=lambda p: p.stem)
def test_requirements_pin_exactly_the_pyproject_versions(path: Path) -> None:
    pyproject = pyproject_pins()
    pins = {canonicalize_name(name): version for name, version in read_pins(path).items()}
    assert {name: pyproject.get(name) for name in pins} == pins


@pytest.mark.parametrize("path", sorted(REQUIREMENTS_DIR.glob("*.txt")), ids=lambda p: p.stem)
def test_requirements_are_closed_under_their_dependencies_on_lambda(path: Path) -> None:
    """pip may not resolve anything unpinned at deploy time: every dependency of a pinned package (as it
    applies on Lambda's Python 3.13 / aarch64) is pinned too. Read from the venv, which has the same versions."""
    pins = {canonicalize_name(name): version for name, version in read_pins(path).items()}
    missing = {}
    for name, version in pins.items():
        assert importlib.metadata.version(name) == version, name
        for line in importlib.metadata.requires(name) or []:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate(TARGET_ENV):
                if canonicalize_name(req.name) not in pins:
                    missing[req.name] = name
    assert missing == {}


def test_marker_evaluation_used_above_sees_the_lambda_target() -> None:
    assert Marker("platform_python_implementation != 'PyPy'").evaluate(TARGET_ENV)
    assert not Marker("python_full_version < '3.11'").evaluate(TARGET_ENV)
    assert not Marker("extra == 'ssh'").evaluate(TARGET_ENV)


@pytest.mark.parametrize("line", ["cryptography>=50", "cryptography", "-e .", "orjson==3.13.0 --hash=sha256:00",
                                  "cryptography[ssh]==50.0.2", "git+https://example.com/x.git"])
def test_read_pins_refuses_anything_but_exact_pins_naming_file_and_line(tmp_path: Path, line: str) -> None:
    path = tmp_path / "fn.txt"
    path.write_text(f"# comment\norjson==3.13.0\n{line}\n")
    with pytest.raises(ValueError, match=rf"fn\.txt:3: .* is not an exact pin"):
        read_pins(path)


def test_read_pins_refuses_duplicates_and_empty_files(tmp_path: Path) -> None:
    path = tmp_path / "fn.txt"
    path.write_text("orjson==3.13.0\norjson==3.13.0\n")
    with pytest.raises(ValueError, match=r"fn\.txt:2: orjson is pinned twice"):
        read_pins(path)
    path.write_text("# nothing\n\n")
    with pytest.raises(ValueError, match="no pins"):
        read_pins(path)


# --- every import is deployed -----------------------------------------------------------------------

def third_party_imports(folder: Path) -> set[str]:
    """Distributions a function folder imports (top level or lazily), other than the stdlib and its own modules."""
    own = {p.stem for p in folder.glob("*.py")} | {p.name for p in folder.iterdir() if p.is_dir()}
    modules: set[str] = set()
    for source in folder.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(), str(source))):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    modules -= own | set(sys.stdlib_module_names) | {"__future__"}
    distributions = importlib.metadata.packages_distributions()
    unknown = sorted(m for m in modules if m not in distributions)
    assert not unknown, f"{folder.name} imports {unknown}, which no installed distribution provides"
    return {canonicalize_name(d) for m in modules for d in distributions[m]}


@pytest.mark.parametrize("name", FUNCTIONS)
def test_every_third_party_import_is_bundled_or_provided_by_the_runtime(name: str) -> None:
    requirements = requirements_file(name)
    bundled = {canonicalize_name(n) for n in read_pins(requirements)} if requirements else set()
    runtime = {canonicalize_name(n) for n in RUNTIME_PROVIDED}
    assert third_party_imports(LAMBDAS / name) - bundled - runtime == set()


def test_the_import_scan_finds_the_authorizers_packages() -> None:
    """The check above can fail: the authorizer without its requirements would be missing these."""
    assert {"cryptography", "orjson", "pybase64"} <= third_party_imports(LAMBDAS / "authorizer")
    assert third_party_imports(LAMBDAS / "token_customizer") == set()
    assert third_party_imports(LAMBDAS / "post_confirmation") == {"boto3"}


# --- try_bundle against a fake pip -----------------------------------------------------------------

def test_try_bundle_runs_pip_for_lambda_arm64_python313_and_copies_the_folder_without_caches(
        function_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pip = FakePip()
    monkeypatch.setattr(bundling.subprocess, "run", pip)
    requirements = tmp_path / "demo_fn.txt"
    requirements.write_text("orjson==3.13.0\n")
    output = tmp_path / "out"
    output.mkdir()

    assert PipLocalBundling(function_dir, requirements).try_bundle(str(output)) is True

    assert pip.calls == [expected_pip_command(requirements, str(output))]
    assert tree(output) == {"cryptography", "cryptography/__init__.py", "handler.py", "helper.py", "data.json"}


def test_try_bundle_accepts_the_options_jsii_passes(function_dir: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bundling.subprocess, "run", FakePip())
    requirements = tmp_path / "r.txt"
    requirements.write_text("orjson==3.13.0\n")
    options = bundling_options(function_dir, requirements)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert PipLocalBundling(function_dir, requirements).try_bundle(str(tmp_path / "a"), options)
    assert PipLocalBundling(function_dir, requirements).try_bundle(str(tmp_path / "b"), image=options.image)


def test_try_bundle_without_pip_returns_false_so_cdk_uses_docker(function_dir: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    pip = FakePip()
    monkeypatch.setattr(bundling.subprocess, "run", pip)
    monkeypatch.setattr(bundling.importlib.util, "find_spec", lambda name: None)
    assert PipLocalBundling(function_dir, tmp_path / "r.txt").try_bundle(str(tmp_path)) is False
    assert pip.calls == []


def test_a_pip_failure_is_an_error_naming_the_function_and_pips_message(function_dir: Path, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bundling.subprocess, "run", FakePip(returncode=1, stderr=(
        "ERROR: Could not find a version that satisfies the requirement orjson==9.9.9")))
    with pytest.raises(BundlingError, match=r"lambdas/demo_fn: .* failed \(exit 1\):\nERROR: Could not find .*9\.9\.9"):
        PipLocalBundling(function_dir, tmp_path / "r.txt").try_bundle(str(tmp_path))


def test_docker_fallback_is_the_lambda_python313_arm64_image_installing_the_same_pins() -> None:
    requirements = REQUIREMENTS_DIR / "authorizer.txt"
    options = bundling_options(LAMBDAS / "authorizer", requirements)
    assert options.image.image == "public.ecr.aws/sam/build-python3.13"
    assert options.platform == "linux/arm64"
    assert isinstance(options.local, PipLocalBundling) and options.local.requirements == requirements
    shell = options.command[2]
    assert options.command[:2] == ["bash", "-c"]
    for name, version in read_pins(requirements).items():
        assert f" {name}=={version}" in shell
    assert "--target /asset-output" in shell and "__pycache__" in shell


# --- the real app, bundled by CDK through the jsii callback -----------------------------------------

def test_cdk_bundles_the_authorizer_with_its_requirements_and_only_it(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from cdk.app import build_app

    pip = FakePip()
    monkeypatch.setattr(bundling.subprocess, "run", pip)
    app, stack = build_app(outdir=str(tmp_path / "out"), validation=False)  # bundling-stacks defaults to all
    assembly = Path(app.synth().directory)

    assert len(pip.calls) == 1
    assert pip.calls[0][pip.calls[0].index("--requirement") + 1] == str(REQUIREMENTS_DIR / "authorizer.txt")
    template = json.loads((assembly / "UserLifecycle.template.json").read_text())

    def asset_of(prefix: str) -> set[str]:
        (code,) = [r["Properties"]["Code"] for k, r in template["Resources"].items()
                   if r["Type"] == "AWS::Lambda::Function" and k.startswith(prefix)]
        return tree(assembly / f"asset.{code['S3Key'].removesuffix('.zip')}")

    files = asset_of("authorizerfunction")
    assert {"handler.py", "cognito_jwt.py", "jwks_keys.py", "iam_policy.py", "cryptography/__init__.py"} <= files
    assert not [f for f in files if "__pycache__" in f or f.endswith(".pyc") or f.startswith("bin")]
    assert asset_of("tokencustomizerfunction") == {p.name for p in (LAMBDAS / "token_customizer").glob("*.py")}
