"""tests/cdk: one session-wide synth (CloudFormation validation off) shared by the assertion tests.

The repo root (for `cdk` and `workflows`) and this folder (helpers) go on sys.path. Importing `cdk`
sets the jsii environment (Node 20 banner off, private package cache, no telemetry).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
for _path in (str(REPO), str(Path(__file__).resolve().parent)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

import cdk  # noqa: E402,F401  (jsii environment defaults, before any test module imports aws_cdk)

# CDK bundles assets only for the stacks this context names (the CLI sets it to the stacks being deployed):
# empty, so no test synth runs pip; tests/cdk/test_cdk_bundling.py checks the bundling itself.
SKIP_BUNDLING = {"aws:cdk:bundling-stacks": []}

PSEUDO = {"AWS::Partition": "aws", "AWS::Region": "us-east-1", "AWS::AccountId": "123456789012",
          "AWS::URLSuffix": "amazonaws.com", "AWS::StackName": "UserLifecycle"}


def resolve(value: Any) -> Any:
    """CloudFormation intrinsics -> text: pseudo parameters get fixed values, Ref/GetAtt become
    <Ref:Id> / <GetAtt:Id.Attr>, Fn::Join is joined. Anything else stays as it is."""
    if isinstance(value, dict) and len(value) == 1:
        (key, arg), = value.items()
        if key == "Ref":
            return PSEUDO.get(arg, f"<Ref:{arg}>")
        if key == "Fn::GetAtt":
            return f"<GetAtt:{arg[0]}.{arg[1]}>"
        if key == "Fn::Join":
            return arg[0].join(str(resolve(part)) for part in arg[1])
    if isinstance(value, list):
        return [resolve(v) for v in value]
    if isinstance(value, dict):
        return {k: resolve(v) for k, v in value.items()}
    return value


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory):
    """(stack, assertions.Template, template dict, cloud assembly dir) of the app, validation and
    bundling off."""
    from aws_cdk import assertions

    from cdk.app import build_app

    outdir = tmp_path_factory.mktemp("cdk-out")
    app, stack = build_app(context=SKIP_BUNDLING, outdir=str(outdir), validation=False)
    assembly = app.synth()
    template = json.loads((Path(assembly.directory) / f"{stack.stack_name}.template.json").read_text())
    return stack, assertions.Template.from_json(template), template, Path(assembly.directory)


@pytest.fixture(scope="session")
def template(synth) -> dict[str, Any]:
    return synth[2]


@pytest.fixture(scope="session")
def assert_template(synth):
    return synth[1]


def resources_of(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def only(template: dict[str, Any], kind: str) -> tuple[str, dict[str, Any]]:
    found = resources_of(template, kind)
    assert len(found) == 1, f"expected one {kind}, got {sorted(found)}"
    return next(iter(found.items()))
