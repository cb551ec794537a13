"""Who may use the console: the user's own browser tab on loopback, nobody else's page.

The console listens on loopback, but any web page the user opens can make the browser send it
requests (a form POST to 127.0.0.1, or DNS rebinding a foreign name to 127.0.0.1). So:
  - the Host header must be a loopback name (127.0.0.1, localhost, [::1]) with the console's port
    (a rebinding attacker's name never is);
  - a request carrying a foreign Origin is refused (a cross-site form POST carries its page's);
  - every POST form carries the per-start token (a hidden field the console's own pages hold;
    another page cannot read it) and must come from the console's own origin.

`LoopbackGuard` applies the first two to every request of a standalone `workflows console`; inside
the local stack the stack's own guard does (same rules, one place each, workflows/local).
`check_form` is the POST rule, used by the console's actions in both settings.
"""
from __future__ import annotations

import hmac
import ipaddress
import json
from typing import Any, Callable, Iterable, Mapping

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "[::1]"})
FORM_TOKEN_FIELD = "_token"
WsgiApp = Callable[[dict[str, Any], Any], Iterable[bytes]]


def _split_host(host: str) -> tuple[str, str]:
    if host.startswith("["):
        name, _, rest = host.partition("]")
        return name + "]", rest.removeprefix(":")
    name, _, port = host.partition(":")
    return name, port


def is_loopback_host(host: str, port: int) -> bool:
    name, given = _split_host(host.strip().lower())
    if given != str(port):
        return False
    if name in LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name.strip("[]")).is_loopback
    except ValueError:
        return False


def own_origin(environ: Mapping[str, Any]) -> str:
    return f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"


def same_origin(environ: Mapping[str, Any]) -> bool:
    """No foreign Origin, and the browser's Sec-Fetch-Site (when sent) says same-origin or user-typed."""
    origin = environ.get("HTTP_ORIGIN")
    if origin is not None and origin != own_origin(environ):
        return False
    return environ.get("HTTP_SEC_FETCH_SITE", "same-origin") in ("same-origin", "none")


def check_form(environ: Mapping[str, Any], form: Mapping[str, str], token: str) -> str | None:
    """Why this POST is refused, or None when it may proceed."""
    if not same_origin(environ):
        return (f"cross-origin form refused: Origin {environ.get('HTTP_ORIGIN')!r} is not the console's own "
                f"{own_origin(environ)!r}")
    given = form.get(FORM_TOKEN_FIELD, "")
    if not given or not hmac.compare_digest(given.encode(), token.encode()):
        return "form token missing or stale: reload the page (the console makes a new token each time it starts)"
    return None


class LoopbackGuard:
    """WSGI middleware for a standalone console: loopback Host with our port, no foreign Origin.

    Same constructor as workflows/local/loopback_guard.LoopbackGuard (the stack's, in review), so
    the standalone console switches to that one by its import line alone; `token` guards nothing
    here yet (the console's forms carry their own), it is kept for that shape."""

    def __init__(self, app: WsgiApp, *, port: int, token: str) -> None:
        self.app, self.port, self.token = app, int(port), token

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        host = environ.get("HTTP_HOST", "")
        if not is_loopback_host(host, self.port):
            return _refuse(start_response, 421, f"Host {host!r} is not this console's loopback address "
                                                f"(127.0.0.1:{self.port} or localhost:{self.port})")
        origin = environ.get("HTTP_ORIGIN")
        if origin is not None and origin != own_origin(environ):
            return _refuse(start_response, 403, f"Origin {origin!r} may not use this console")
        return self.app(environ, start_response)


def _refuse(start_response: Any, status: int, message: str) -> Iterable[bytes]:
    body = json.dumps({"message": message}).encode()
    reason = {403: "Forbidden", 421: "Misdirected Request"}[status]
    start_response(f"{status} {reason}", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
