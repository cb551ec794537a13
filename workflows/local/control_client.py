"""The client side of a `workflows up` stack's /_local/ control endpoints (served by control.py).

Step Functions has no API for time, so moving a stack's virtual clock from another process is a POST
to /_local/clock/advance carrying the stack's per-start token (loopback_guard.py). Two tools do it:
`workflows advance` (workflows/cli/clock.py) and a console in front of another process's stack
(`HttpClock`, workflows/console/source.py). This module is the one place that finds the token, reads
the health page, sends the advance and turns the stack's answer into one sentence, so the two cannot
drift apart. Plain urllib and nothing of the stack itself: both callers run without moto.
"""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from typing import Any

from .loopback_guard import TOKEN_ENV, TOKEN_HEADER

HEALTH_PATH = "/_local/health"  # control.py serves these paths (and imports moto, which this must not)
ADVANCE_PATH = "/_local/clock/advance"
HEALTH_TIMEOUT_SECONDS = 5
ADVANCE_TIMEOUT_SECONDS = 120  # a long advance fires every timer due on the way


class ControlError(ValueError):
    """A control request the stack refused or nobody answered; the message is one sentence to show."""


def health(url: str) -> dict[str, Any] | None:
    """GET /_local/health (public: no token needed), or None when no local stack answers there."""
    try:
        with urllib.request.urlopen(f"{url}{HEALTH_PATH}", timeout=HEALTH_TIMEOUT_SECONDS) as response:
            found = json.load(response)
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def exported_token(found: dict[str, Any] | None) -> str | None:
    """The token in a health page's exports: the stack shows it only to clients on this machine that
    are not foreign web pages (loopback_guard.py)."""
    exports = found.get("exports") if found else None
    token = exports.get(TOKEN_ENV) if isinstance(exports, dict) else None
    return str(token) if token else None


def stack_token(url: str) -> str | None:
    """$WORKFLOWS_LOCAL_TOKEN (from the exports `workflows up` prints), else the stack's health page."""
    return os.environ.get(TOKEN_ENV) or exported_token(health(url))


def advance_clock(url: str, seconds: float, token: str | None) -> dict[str, Any]:
    """POST the advance to the stack at `url`; its JSON answer, or a ControlError saying what went wrong
    (the stack's own message, "not a workflows local stack", or "no local stack answers")."""
    headers = {"Content-Type": "application/json", **({TOKEN_HEADER: token} if token else {})}
    request = urllib.request.Request(f"{url}{ADVANCE_PATH}", method="POST", headers=headers,
                                     data=json.dumps({"seconds": seconds}).encode())
    try:
        with urllib.request.urlopen(request, timeout=ADVANCE_TIMEOUT_SECONDS) as response:
            return dict(json.load(response))
    except urllib.error.HTTPError as error:
        try:
            message = str(json.loads(error.read()).get("message", ""))
        except (ValueError, AttributeError):
            message = ""
        if error.code == 404 and not message.startswith("no local control endpoint"):
            message = f"{url} is not a workflows local stack (no {ADVANCE_PATH})"
        raise ControlError(message or f"{url} answered HTTP {error.code} to the clock advance") from None
    except OSError as error:
        raise ControlError(f"no local stack answers at {url} ({error.__class__.__name__}); "
                           "start one with `workflows up --clock virtual` or pass --endpoint") from None
