"""The ONE synth with CDK's built-in CloudFormation validation on, and cfn-lint on its template.

Both run offline (bundling skipped, as in every test synth); W3005 (an explicit DependsOn that is also implied) is CDK's own style and ignored.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def validated_assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from cdk.app import build_app
    from .conftest import SKIP_BUNDLING

    outdir = tmp_path_factory.mktemp("cdk-validated")
    app, _ = build_app(context=SKIP_BUNDLING, outdir=str(outdir), validation=True)
    return Path(app.synth().directory)


def test_validated_synth_reports_nothing(validated_assembly: Path) -> None:
    report = json.loads((validated_assembly / "validation-report.json").read_text())
    failures = [v for plugin in report["pluginReports"] for v in plugin.get("violations", [])]
    assert failures == []
    assert (validated_assembly / "UserLifecycle.template.json").is_file()


def test_cfn_lint_is_clean(validated_assembly: Path) -> None:
    templates = sorted(validated_assembly.glob("*.template.json"))
    assert templates
    from cfnlint.api import ManualArgs, lint_file

    for template in templates:
        matches = lint_file(template, config=ManualArgs(ignore_checks=["W3005"]))
        assert [str(m) for m in matches] == [], template


def test_cfn_lint_would_report_a_broken_template(validated_assembly: Path, tmp_path: Path) -> None:
    """The lint above can fail: the same template with a wrong property type is reported."""
    from cfnlint.api import ManualArgs, lint_file

    template = json.loads((validated_assembly / "UserLifecycle.template.json").read_text())
    table = next(r for r in template["Resources"].values() if r["Type"] == "AWS::DynamoDB::Table")
    table["Properties"]["BillingMode"] = "SOMETIMES"
    broken = tmp_path / "broken.template.json"
    broken.write_text(json.dumps(template))
    assert lint_file(broken, config=ManualArgs(ignore_checks=["W3005"]))
