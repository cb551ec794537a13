"""Local-only control endpoints under ``/_local/``: not part of any AWS API.

Step Functions Local has no notion of moving time; our stack can run on a virtual clock, and a tool
driving `workflows up --clock virtual` over HTTP needs a way to move it (the in-process demo calls
`LocalStack.advance()` directly). These endpoints live under the ``/_local/`` prefix, which no AWS
API uses, so they can never shadow an SDK request:

  GET  /_local/health           the stack's outputs (endpoints, pool, tables, state machines, clock)
  POST /_local/clock/advance    body {"seconds": N}: fire every timer due within N seconds
                                (waits, retries, heartbeats, task deadlines) and move the clock on;
                                409 when the stack runs on the real clock

Errors are ``{"message": ...}`` with a 4xx status, one sentence naming what was wrong.
"""
from __future__ import annotations

import json
import math
import threading
from typing import Any, Callable, Iterable

from .control_client import ADVANCE_PATH, HEALTH_PATH
from .moto_services import status_line

PREFIX = "/_local/"


class ControlApi:
    """WSGI app for the ``/_local/`` paths of the stack."""

    def __init__(self, *, info: Callable[[], dict[str, Any]], clock: str,
                 advance: Callable[[float], None]) -> None:
        self.info, self.clock, self._advance = info, clock, advance
        self._lock = threading.Lock()
        self.advanced_seconds = 0.0  # total moved by this endpoint, reported back to the caller

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "")
        if path == HEALTH_PATH:
            status, body = (200, self.info()) if method == "GET" else _not_allowed(method, path, "GET")
        elif path == ADVANCE_PATH:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            raw = environ["wsgi.input"].read(length) if length else b""
            status, body = self.advance(raw) if method == "POST" else _not_allowed(method, path, "POST")
        else:
            status, body = 404, {"message": f"no local control endpoint {path} "
                                            f"(known: GET {HEALTH_PATH}, POST {ADVANCE_PATH})"}
        data = json.dumps(body).encode()
        start_response(status_line(status), [("Content-Type", "application/json"),
                                              ("Content-Length", str(len(data)))])
        return [data]

    def advance(self, raw: bytes) -> tuple[int, dict[str, Any]]:
        """(status, body) for one advance request."""
        if self.clock != "virtual":
            return 409, {"message": "the stack runs on the real clock; only a stack started with "
                                    "`workflows up --clock virtual` can be advanced"}
        try:
            request = json.loads(raw or b"{}")
        except ValueError as error:
            return 400, {"message": f"request body is not JSON: {error}"}
        seconds = request.get("seconds") if isinstance(request, dict) else None
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) \
                or not math.isfinite(seconds) or seconds < 0:
            return 400, {"message": f"'seconds' must be a number >= 0, got {json.dumps(seconds)}"}
        with self._lock:  # one advance at a time: the totals stay consistent
            self._advance(float(seconds))
            self.advanced_seconds += float(seconds)
            total = self.advanced_seconds
        return 200, {"clock": "virtual", "advancedSeconds": seconds, "totalAdvancedSeconds": total}


def _not_allowed(method: str, path: str, allowed: str) -> tuple[int, dict[str, Any]]:
    return 405, {"message": f"{method} {path}: use {allowed}"}
