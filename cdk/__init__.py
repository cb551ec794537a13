"""The CDK app that deploys asl/, lambdas/ and api/ (see docs/deploy.md).

Importing this package sets the jsii defaults this project relies on (before aws_cdk is imported):
Node 20 without the end-of-life banner, a private jsii package cache, no CLI telemetry.
"""
from __future__ import annotations

import os
import tempfile

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("JSII_RUNTIME_PACKAGE_CACHE_ROOT", os.path.join(tempfile.gettempdir(), "workflows-jsii-cache"))
os.environ.setdefault("CDK_DISABLE_CLI_TELEMETRY", "true")
