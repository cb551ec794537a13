"""`workflows console [--endpoint URL|aws] [--port N]`: the console in front of any Step Functions endpoint.

It reads through a boto3 stepfunctions client - so it is also a console for Step Functions Local
and LocalStack, which have none, and for AWS with the user's credentials (`--endpoint aws`) - and
serves on 127.0.0.1 only, behind the loopback guard (Host and Origin checked) with a form token made
at start. When the endpoint is a `workflows up` stack it also offers that stack's virtual clock
(POST /_local/clock/advance, with $WORKFLOWS_LOCAL_TOKEN when the stack asks for one).
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from typing import Any, Iterable

from werkzeug.utils import redirect

from workflows.local.loopback_guard import TOKEN_ENV as LOCAL_TOKEN_VARIABLE

from .app import PREFIX, ConsoleApp
from .source import HttpClock, LocalClock, NoClock, Source

DEFAULT_PORT = 4600


class _Root:
    """/console/... to the console; anything else on this port is sent there."""

    def __init__(self, console: ConsoleApp) -> None:
        self.console = console

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == PREFIX or path.startswith(PREFIX + "/"):
            return self.console(environ, start_response)
        return redirect(PREFIX + "/", 302)(environ, start_response)


@dataclass
class StandaloneConsole:
    server: Any  # workflows.local.server.LoopbackServer
    app: ConsoleApp
    endpoint: str | None  # None: AWS

    @property
    def url(self) -> str:
        return f"{self.server.url}{PREFIX}/"

    def close(self) -> None:
        self.server.close()


def start(endpoint: str | None, port: int = DEFAULT_PORT, *, region: str | None = None,
          client: Any = None) -> StandaloneConsole:
    """Serve the console for `endpoint` (None = AWS) on 127.0.0.1:`port` (0 = any free port)."""
    from workflows.cli import remote
    from workflows.local.loopback_guard import LoopbackGuard, new_token
    from workflows.local.server import LoopbackServer

    sfn = client if client is not None else remote.client(endpoint, region)
    clock: LocalClock = HttpClock(endpoint, os.environ.get(LOCAL_TOKEN_VARIABLE)) if endpoint else NoClock()
    label = endpoint or f"AWS {getattr(getattr(sfn, 'meta', None), 'region_name', '')}".strip()
    console = ConsoleApp(Source(sfn, clock, endpoint_label=label), token=secrets.token_urlsafe(24))
    guard: list[LoopbackGuard] = []  # the guard needs the bound port, the server needs an app first
    server = LoopbackServer(lambda environ, start_response: guard[0](environ, start_response), port=port)
    guard.append(LoopbackGuard(_Root(console), port=server.port, token=new_token()))
    return StandaloneConsole(server.start(), console, endpoint)
