"""The `workflows` command.

  workflows up [--port 4599] [--clock real|virtual] [--definitions DIR] [--lambda NAME=module:function]
                                         serve the local stack (Step Functions API, AWS services, the API routes)
  workflows console [--endpoint URL|aws] [--port 4600]  the Step Functions console in a browser, for any endpoint
  workflows demo                         the whole lifecycle on an in-process stack (what `make demo` runs)
  workflows run NAME|ARN --input JSON|@file  start an execution of any machine on the endpoint, show its path
  workflows executions [--state-machine NAME|ARN] [--status S]   every machine's executions, with their ARNs
  workflows history EXECUTION_ARN
  workflows send-task-success TOKEN [--output JSON|@file]
  workflows send-task-failure TOKEN [--error E] [--cause C]
  workflows send-task-heartbeat TOKEN
  workflows load signup --users N --concurrency C [--prefill M]  load-test signup on a running stack
  workflows advance SECONDS              move the virtual clock of `workflows up --clock virtual` (90, 15m, 180d)
  workflows validate FILE|DIR... [--warnings] [--type STANDARD|EXPRESS] offline definition checks (AWS's rules; statelint warnings)
  workflows mock-from-history (EXECUTION_ARN | history.json) [--endpoint ...] [-o FILE]
                                         a recorded execution as a mock config test case (every Task attempt)
  workflows test MOCKCONFIG... [--definition [NAME=]FILE] [--case NAME]
                                         replay Step Functions Local mock test cases on the engine
  workflows test MOCKCONFIG --sfn-local  the commands to replay it on Step Functions Local; with
                                         SFN_LOCAL_ENDPOINT set, run the cases there

`workflows up` serves everything on ONE loopback port: the Step Functions API (AWS JSON 1.0, as
Step Functions Local), DynamoDB/Cognito/SQS (moto, thread-safe, with the Cognito triggers wired to
lambdas/), and the API Gateway routes of api/routes.json under the stage path /local (e.g.
POST http://127.0.0.1:4599/local/users). It runs the engine on the real clock by default; with
--clock virtual, time only moves with `workflows advance` (a local-only endpoint,
POST /_local/clock/advance), so a 180-day migration deadline is reached at once. `workflows demo`
runs the same stack in-process on the virtual clock.

Commands that need a running stack (run, executions, history, send-task-*, advance) talk to `workflows up`
over HTTP: --endpoint URL, else $WORKFLOWS_ENDPOINT, else $AWS_ENDPOINT_URL_SFN, else
http://127.0.0.1:4599 (`--endpoint aws` uses AWS itself with your credentials). Every command takes --json for machine-readable output.
Bad input prints one line naming what was wrong and exits non-zero.
"""
from __future__ import annotations

import argparse
import sys
from typing import Any

from .errors import CliError


class _Parser(argparse.ArgumentParser):
    """argparse with its usage errors as ONE line (what was wrong, where to look), exit status 2."""

    def error(self, message: str) -> Any:  # argparse's own prints the whole usage block first
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="print one JSON document instead of tables")
    remote = argparse.ArgumentParser(add_help=False)
    remote.add_argument("--endpoint", help="Step Functions endpoint of `workflows up` "
                                           "(default $WORKFLOWS_ENDPOINT or http://127.0.0.1:4599; 'aws' for AWS)")
    parser = _Parser(prog="workflows", description=__doc__.split("\n\n")[0],
                                     epilog=__doc__.split("\n\n", 1)[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    up = sub.add_parser("up", parents=[common], help="serve the local stack on loopback until Ctrl-C")
    up.add_argument("--port", type=int, default=4599, help="port on 127.0.0.1 (0 = any free port)")
    up.add_argument("--clock", choices=["real", "virtual"], default="real",
                    help="real time (default) or a virtual clock that only moves when told")
    up.add_argument("--moto-api", action="store_true",
                    help="also serve moto's own /moto-api/ (a dump of every password and token, and a reset); "
                         "off by default")
    up.add_argument("--definitions", metavar="DIR",
                    help="create DIR/*.asl.json as state machines at start (NAME.express.asl.json: Express)")
    up.add_argument("--lambda", dest="lambdas", action="append", default=[], metavar="NAME=package.module:function",
                    help="serve a Python handler as Lambda function NAME (repeatable)")
    up.add_argument("--quiet", action="store_true", help="no per-request log lines on stderr")
    up.add_argument("--state-dir", metavar="DIR",
                    help="keep state machines, executions and DynamoDB tables in DIR across restarts")

    console = sub.add_parser("console", parents=[common, remote],
                             help="serve the Step Functions console for an endpoint (Step Functions Local, "
                                  "LocalStack, `workflows up`, AWS) until Ctrl-C")
    console.add_argument("--port", type=int, default=4600, help="port on 127.0.0.1 (0 = any free port)")

    demo = sub.add_parser("demo", parents=[common], help="run the whole lifecycle on an in-process stack")
    demo.add_argument("--users", type=int, default=12, help="concurrent signups (default 12)")
    demo.add_argument("--serve", action="store_true", default=None,
                      help="keep the demo's stack serving its runs in the console (/console/) until Ctrl-C")

    run = sub.add_parser("run", parents=[common, remote], help="start an execution and show its path")
    run.add_argument("name", help="state machine name or ARN (any machine on the endpoint)")
    run.add_argument("--input", default="{}", help="execution input: JSON text or @file")
    run.add_argument("--execution-name", help="execution name (default: generated)")
    run.add_argument("--wait", type=float, default=30.0, help="seconds to wait for a Standard execution")

    executions = sub.add_parser("executions", parents=[common, remote], help="list executions")
    executions.add_argument("--state-machine", help="name or ARN (default: every Standard machine on the endpoint)")
    executions.add_argument("--status", choices=["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"])
    executions.add_argument("--max", type=int, default=50)

    history = sub.add_parser("history", parents=[common, remote], help="an execution's history and path")
    history.add_argument("execution_arn")

    success = sub.add_parser("send-task-success", parents=[common, remote], help="complete a callback task")
    success.add_argument("token")
    success.add_argument("--output", default="{}", help="task output: JSON text or @file")

    failure = sub.add_parser("send-task-failure", parents=[common, remote], help="fail a callback task")
    failure.add_argument("token")
    failure.add_argument("--error")
    failure.add_argument("--cause")

    heartbeat = sub.add_parser("send-task-heartbeat", parents=[common, remote],
                               help="report that a callback task is still alive")
    heartbeat.add_argument("token")

    advance = sub.add_parser("advance", parents=[common, remote],
                             help="move the virtual clock of `workflows up --clock virtual`")
    advance.add_argument("seconds", metavar="SECONDS", help="seconds, or a number with s/m/h/d (e.g. 180d)")

    from .load import add_parser as add_load_parser

    add_load_parser(sub, [common, remote])

    validate = sub.add_parser("validate", parents=[common], help="check state machine definitions offline as AWS does (statelint: a second opinion)")
    validate.add_argument("files", nargs="+", metavar="FILE", help="a definition, or a directory: its *.asl.json files")
    validate.add_argument("--warnings", action="store_true",
                          help="also show statelint's extra opinions (warnings; they never fail a file)")
    validate.add_argument("--type", choices=("STANDARD", "EXPRESS"), default=None, dest="machine_type",
                          help="judge every FILE as this type of state machine (default: STANDARD, and EXPRESS "
                               "for a NAME.express.asl.json file, as `workflows up --definitions` creates it)")

    test = sub.add_parser("test", parents=[common], help="replay Step Functions Local mock configs")
    test.add_argument("mock_configs", nargs="+", metavar="MOCKCONFIG",
                      help="Step Functions Local mock config files (and, optionally, your *.asl.json definitions)")
    test.add_argument("--case", help="only this test case")
    test.add_argument("--definition", action="append", default=[], metavar="[NAME=]FILE",
                      help="run state machine NAME of the mock config from this definition file (repeatable)")
    test.add_argument("--sfn-local", action="store_true",
                      help="print the environment and commands that replay the file on Step Functions Local; "
                           "with SFN_LOCAL_ENDPOINT set, run the cases there")
    record = sub.add_parser("mock-from-history", parents=[common, remote],
                            help="write a MockConfigFile test case that replays a recorded execution")
    record.add_argument("source", metavar="EXECUTION_ARN|history.json",
                        help="an execution on the endpoint (or AWS: --endpoint aws), or a saved GetExecutionHistory")
    record.add_argument("--output", "-o", metavar="FILE",
                        help="MockConfigFile to write or add the case to (default NAME.mock.json)")
    record.add_argument("--case", help="test case name (default: the execution's name)")
    record.add_argument("--state-machine", metavar="NAME", help="the machine's name (for a history.json)")
    record.add_argument("--definition", metavar="FILE",
                        help="the definition file the sidecar names (default: the one the execution ran, from the endpoint)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(_dispatch(args) or 0)
    except CliError as error:
        print(f"workflows {args.command}: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # botocore errors and the like: one line, the AWS code first
        if type(error).__name__ == "EndpointConnectionError":
            url = str(getattr(error, "kwargs", {}).get("endpoint_url", "")).rstrip("/")
            print(f"workflows {args.command}: error: no local stack answers at {url}"
                  " (start one with `workflows up`, or pass --endpoint)", file=sys.stderr)
            return 1
        code = getattr(error, "response", {}).get("Error", {}).get("Code") if hasattr(error, "response") else None
        what = f"{code}: {error}" if code else f"{type(error).__name__}: {error}"
        print(f"workflows {args.command}: error: {what}", file=sys.stderr)
        return 1


def _dispatch(args: argparse.Namespace) -> Any:
    from . import commands

    return getattr(commands, "cmd_" + args.command.replace("-", "_"))(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
