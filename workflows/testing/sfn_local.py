"""`workflows test MOCKCONFIG --sfn-local`: the exact steps to replay a mock config on Step Functions Local.

Step Functions Local (AWS's JAR or Docker image) replays the same MockConfigFile the embedded
engine does; this module writes out what AWS documents for it, filled in for one file
(https://docs.aws.amazon.com/step-functions/latest/dg/sfn-local-test-sm-exec.html, sfn-local-jar,
sfn-local-config-options):
1. start it with SFN_MOCK_CONFIG naming the file (JAR: the environment variable; Docker: the file
   bind-mounted read-only and SFN_MOCK_CONFIG set to its path in the container);
2. give the AWS CLI a region and (dummy) keys;
3. create each state machine under the name the mock config gives it, since Step Functions Local
   finds a test case by the machine's name;
4. start each case as "<state machine ARN>#<TestCase>" with the sidecar's input, then read its
   status and the states it entered;
5. or let `workflows test` do 3-4 against SFN_LOCAL_ENDPOINT and judge the cases by the sidecar.

Definitions of the project's asl/ machines are rendered with the harness's test substitutions
(the same text the embedded run creates) into files under the system temp directory, so the
printed `--definition file://...` arguments exist; a sidecar's own definition file is used as is.
Machines are created STANDARD whatever their deployed type: AWS keeps no execution history API for
Express executions and Step Functions Local writes theirs to a log file, and the path is what a
mock test checks.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workflows.testing import clients, machines
from workflows.testing.mock_config import iter_states
from workflows.testing.mock_files import MockSuite
from workflows.testing.runner import definition_for

DEFAULT_ENDPOINT = "http://localhost:8083"  # Step Functions Local's port
DOCKER_IMAGE = "amazon/aws-stepfunctions-local"
CONTAINER_CONFIG = "/home/StepFunctionsLocal/MockConfigFile.json"
GUIDE = "https://docs.aws.amazon.com/step-functions/latest/dg/sfn-local-test-sm-exec.html"
PATH_QUERY = "events[?stateEnteredEventDetails].stateEnteredEventDetails.name"


Line = str | tuple[str, ...]  # a comment, or a shell command as its argv ("export", "A=b") included


@dataclass(frozen=True)
class Step:
    """One step: what it is for, then its lines (comments and commands, in order)."""

    title: str
    lines: tuple[Line, ...] = ()

    @property
    def commands(self) -> list[tuple[str, ...]]:
        return [line for line in self.lines if isinstance(line, tuple)]


@dataclass(frozen=True)
class ReplayPlan:
    mock_config: Path
    endpoint: str
    environment: dict[str, str]  # what Step Functions Local's shell needs
    cli_environment: dict[str, str]  # what the AWS CLI's shell needs
    steps: tuple[Step, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        return {"mockConfig": str(self.mock_config), "endpoint": self.endpoint,
                "environment": self.environment, "cliEnvironment": self.cli_environment,
                "steps": [{"title": s.title, "lines": [{"comment": line} if isinstance(line, str)
                                                         else {"command": list(line)} for line in s.lines]}
                          for s in self.steps]}


def execution_name(case: str) -> str:
    """A valid execution name for a test case (letters, digits, - and _; at most 80 characters)."""
    return (re.sub(r"[^A-Za-z0-9_-]", "-", case) or "case")[:80]


def plan(suite: MockSuite, *, endpoint: str | None = None, region: str | None = None,
         account: str | None = None, definitions_dir: Path | None = None, only: str | None = None) -> ReplayPlan:
    """The steps for `suite`'s config (`only`: that test case); writes the rendered asl/ definitions
    it refers to."""
    endpoint = endpoint or os.environ.get(clients.ENDPOINT_VAR) or DEFAULT_ENDPOINT
    region = region or clients.region()
    account = account or os.environ.get("AWS_ACCOUNT_ID") or clients.DEFAULT_ACCOUNT
    config = suite.config_path.resolve()
    out_dir = definitions_dir or Path(tempfile.gettempdir(), "workflows-sfn-local",
                                      hashlib.sha256(str(config).encode()).hexdigest()[:12])
    aws = ("aws", "stepfunctions")
    at = ("--endpoint-url", endpoint)
    start = Step("Start Step Functions Local with this mock config: from the JAR, in the directory that holds "
                 "StepFunctionsLocal.jar ...", (("export", f"SFN_MOCK_CONFIG={config}"),
                                                ("java", "-jar", "StepFunctionsLocal.jar")))
    docker = Step("... or with Docker (the file mounted read-only; SFN_MOCK_CONFIG is its path inside the container):",
                  (("docker", "run", "-p", "8083:8083", "--mount",
                    f"type=bind,readonly,source={config},destination={CONTAINER_CONFIG}",
                    "-e", f"SFN_MOCK_CONFIG={CONTAINER_CONFIG}", DOCKER_IMAGE),))
    cli_env = {"AWS_DEFAULT_REGION": region, "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}
    cli = Step("In another shell, give the AWS CLI a region and keys (Step Functions Local checks no credentials):",
               (("export", *(f"{k}={v}" for k, v in cli_env.items())),))
    creates: list[Line] = []
    cases: list[Line] = []
    for machine in suite.mocker.test_cases:
        _, definition = definition_for(suite, machine, region, account)
        source = suite.sidecar.machine(machine).definition
        path = source.resolve() if source is not None else _write(out_dir / f"{machine}.asl.json", definition)
        creates.extend(_map_notes(suite, machine, json.loads(definition)))
        creates.append((*aws, "create-state-machine", *at, "--name", machine, "--type", "STANDARD",
                        "--role-arn", machines.role_arn(account), "--definition", f"file://{path}"))
    for machine, case in suite.cases(only):
        spec = suite.case(machine, case)
        arn = f"arn:aws:states:{region}:{account}:stateMachine:{machine}"
        name = execution_name(case)
        execution = f"arn:aws:states:{region}:{account}:execution:{machine}:{name}"
        cases += [f"{machine}#{case}: expect {_describe(spec.expect)}",(*aws, "start-execution", *at, "--state-machine-arn", f"{arn}#{case}", "--name", name,
                   "--input", json.dumps(spec.input, separators=(",", ":"))),
                  (*aws, "describe-execution", *at, "--execution-arn", execution,
                   "--query", "{status: status, error: error, cause: cause, output: output}"),
                  (*aws, "get-execution-history", *at, "--execution-arn", execution, "--query", PATH_QUERY)]
    create = Step("Create each state machine under the name the mock config gives it (Step Functions Local finds "
                  "test cases by that name); STANDARD, so its executions have a history to read:",
                  tuple(creates))
    run = Step('Start each test case as "<state machine ARN>#<TestCase>", then read its outcome and the states it '
               "entered (execution names must be new: restart Step Functions Local, or change --name, to run again):",
               tuple(cases))
    harness = Step(f"Or let the harness do the last two steps and judge each case by {suite.sidecar_path.name}:",
                   ((f"{clients.ENDPOINT_VAR}={endpoint}", "workflows", "test", str(suite.config_path), "--sfn-local"),))
    return ReplayPlan(suite.config_path, endpoint, {"SFN_MOCK_CONFIG": str(config)}, cli_env,
                      (start, docker, cli, create, run, harness))


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


def _describe(expect: Any) -> str:
    parts = [expect.status]
    if expect.error is not None:
        parts.append(f"error {expect.error}")
    if expect.path is not None:
        parts.append("states " + " -> ".join(expect.path))
    return ", ".join(parts)


def _map_notes(suite: MockSuite, machine: str, definition: dict[str, Any]) -> list[str]:
    """AWS's caveat: mocked states inside a Map that runs iterations concurrently may get their
    responses in a different order on each run (AWS advises MaxConcurrency 1)."""
    mocked = {state for case in suite.mocker.test_cases[machine].values() for state in case.states}
    notes = []
    for name, state in iter_states(definition):
        processor = state.get("ItemProcessor") or state.get("Iterator") or {}
        inner = {inner_name for inner_name, _ in iter_states(processor)} & mocked
        if state.get("Type") == "Map" and state.get("MaxConcurrency", 0) != 1 and inner:
            notes.append(f"note: Map state {name} runs with MaxConcurrency {state.get('MaxConcurrency', 0)} and its "
                         f"mocked states ({', '.join(sorted(inner))}) may take their responses in another order "
                         "on each run; AWS advises MaxConcurrency 1 for predictable mocked responses")
    return notes


def render(replay: ReplayPlan) -> str:
    """The plan as a shell script with numbered comments (every command is shell-quoted)."""
    lines = [f"# Replay {replay.mock_config} on Step Functions Local, as AWS documents it:", f"# {GUIDE}"]
    number = 0
    for step in replay.steps:
        continued = step.title.startswith("...")
        number += 0 if continued else 1
        lines += ["", f"# {step.title}" if continued else f"# {number}. {step.title}"]
        lines += [f"#    {line}" if isinstance(line, str) else _shell(line) for line in step.lines]
    return "\n".join(lines) + "\n"


def _shell(command: tuple[str, ...]) -> str:
    if command[0] == "export":
        return "export " + " ".join(_assignment(a) for a in command[1:])
    if "=" in command[0] and not command[0].startswith("-"):  # VAR=value cmd ...
        return _assignment(command[0]) + " " + shlex.join(command[1:])
    return shlex.join(command)


def _assignment(text: str) -> str:
    name, _, value = text.partition("=")
    return f"{name}={shlex.quote(value)}"
