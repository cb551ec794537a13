"""One gate in front of every request to a local server: only this machine's own clients get in.

Why: the local stack (and `workflows console`) listen on 127.0.0.1, but loopback is not a boundary:
every web page the user opens can send requests to it. A page can rebind its own DNS name to
127.0.0.1 and then read answers as "same origin" (DNS rebinding); it can POST forms or text/plain
bodies to any port without asking (CSRF), load URLs as images or scripts, and read any answer that
carries `Access-Control-Allow-Origin: *`, which moto's server adds to everything. Werkzeug, moto and
the WSGI apps behind this gate know nothing of that, so the gate decides before they run:

1. Host must be `127.0.0.1`, `localhost` or `[::1]` with the server's own port, else 421 (a rebound
   name such as `evil.example:4599` never reaches an app).
2. A request sent by a page of another origin is refused with 403: an `Origin` header that is not
   one of the allowed origins (the server's own `http://127.0.0.1:PORT`, `http://localhost:PORT`,
   `http://[::1]:PORT`, plus `allowed_origins`), or - when no allowed Origin is sent - a
   `Sec-Fetch-Site` of `cross-site` or `same-site` (another port of localhost is "same-site"),
   except a top-level navigation (GET/HEAD, `Sec-Fetch-Mode: navigate`) to a path under
   `navigable_prefixes` (the console's pages, which are read-only). Clients that are not browsers
   (boto3, the aws CLI, curl) send neither header and are not affected.
3. CORS: `Access-Control-*` response headers of the apps are removed; an allowed Origin gets its
   own `Access-Control-Allow-Origin` (never `*`), and its preflight is answered here.
4. Paths under `token_prefixes` (default `/_local/`, the control endpoints) need the per-start
   token in the `X-Workflows-Local-Token` header, except GETs of `public_paths` (`/_local/health`,
   readable by the clients that pass rules 1-2, which is how the CLI can find the token), else 403.

5. A Content-Length that is not a non-negative integer is 400 at once (an app reading `-1` bytes
   would wait for the client to hang up); one over MAX_BODY_BYTES is 413.

Errors are `{"message": ...}` JSON naming what was refused and why. The console engineer's server
reuses this: `LoopbackGuard(app, port=..., token=..., allowed_origins=[...])`; `is_own_origin()`
and `LoopbackGuard.token_matches()` are the checks its own form handlers need.
"""
from __future__ import annotations

import hmac
import json
import secrets
from http import HTTPStatus
from typing import Any, Callable, Iterable

TOKEN_HEADER = "X-Workflows-Local-Token"
TOKEN_ENV = "WORKFLOWS_LOCAL_TOKEN"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
_TOKEN_ENVIRON_KEY = "HTTP_" + TOKEN_HEADER.upper().replace("-", "_")
_SAFE_METHODS = frozenset({"GET", "HEAD"})
MAX_BODY_BYTES = 16 * 1024 * 1024  # API Gateway takes 10 MB, Step Functions' largest request ~1 MiB

WsgiApp = Callable[[dict[str, Any], Any], Iterable[bytes]]


def new_token() -> str:
    """A per-start secret for the control endpoints (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def own_origins(port: int) -> frozenset[str]:
    """The origins a browser gives pages served by this server itself."""
    return frozenset(f"http://{name}:{port}" for name in LOOPBACK_NAMES)


def is_own_origin(origin: str | None, port: int) -> bool:
    """Whether `origin` (an Origin header value) is a page of the server on `port` itself."""
    return isinstance(origin, str) and origin.lower() in own_origins(port)


def is_loopback_host(host: str | None, port: int) -> bool:
    """Whether a Host header names this server: a loopback name with exactly its port."""
    if not host:
        return False
    name, sep, given_port = host.rpartition(":")
    return bool(sep) and given_port == str(port) and name.lower() in LOOPBACK_NAMES


class LoopbackGuard:
    """WSGI middleware applying the rules of the module doc to every request before `app` runs.

    port: the port the server listens on (Host and own origins are checked against it), or a
        function returning it, for a guard built before its server is bound.
    token: the per-start secret `token_prefixes` need (see `new_token`).
    allowed_origins: further origins (e.g. "http://127.0.0.1:4601" of a console on another port)
        that may send requests and get CORS answers; the server's own origins always may.
    """

    def __init__(self, app: WsgiApp, *, port: int | Callable[[], int], token: str, allowed_origins: Iterable[str] = (),
                 token_prefixes: Iterable[str] = ("/_local/",), public_paths: Iterable[str] = ("/_local/health",),
                 navigable_prefixes: Iterable[str] = ("/console/",)) -> None:
        if not token:
            raise ValueError("LoopbackGuard needs a non-empty token (use loopback_guard.new_token())")
        self.app, self.token = app, token
        self._port = port
        self._extra_origins = frozenset(o.rstrip("/").lower() for o in allowed_origins)
        self.token_prefixes = tuple(token_prefixes)
        self.public_paths = frozenset(public_paths)
        self.navigable_prefixes = tuple(navigable_prefixes)

    @property
    def port(self) -> int:
        return int(self._port() if callable(self._port) else self._port)

    @property
    def allowed_origins(self) -> frozenset[str]:
        return own_origins(self.port) | self._extra_origins

    def token_matches(self, value: str | None) -> bool:
        """Constant-time comparison of a presented token (header or form field) with this one."""
        return isinstance(value, str) and hmac.compare_digest(value.encode(), self.token.encode())

    def is_allowed_origin(self, origin: str | None) -> bool:
        return isinstance(origin, str) and origin.rstrip("/").lower() in self.allowed_origins

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        refusal = self.refusal(environ)
        if refusal is not None:
            return _json(start_response, *refusal)
        origin = environ.get("HTTP_ORIGIN")
        cors = origin if self.is_allowed_origin(origin) else None
        if cors and environ.get("REQUEST_METHOD") == "OPTIONS" and environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD"):
            return self._preflight(environ, start_response, cors)

        def guarded_start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            kept = [(k, v) for k, v in headers if not k.lower().startswith("access-control-")]
            if cors:
                kept += [("Access-Control-Allow-Origin", cors), ("Vary", "Origin")]
            return start_response(status, kept, exc_info) if exc_info is not None else start_response(status, kept)

        return self.app(environ, guarded_start_response)

    def refusal(self, environ: dict[str, Any]) -> tuple[int, str] | None:
        """(status, message) when the request must not reach the app, else None."""
        length = environ.get("CONTENT_LENGTH")
        if length not in (None, ""):
            if not (isinstance(length, str) and length.isascii() and length.isdigit()):
                return 400, f"Content-Length {str(length)[:40]!r} is not a number of bytes"
            if int(length) > MAX_BODY_BYTES:
                return 413, f"Content-Length {length} is over the {MAX_BODY_BYTES} bytes this server reads"
        host = environ.get("HTTP_HOST")
        if not is_loopback_host(host, self.port):
            return 421, (f"Host {host!r} is not this server: only 127.0.0.1, localhost or [::1] on port "
                         f"{self.port} are answered (a foreign Host is how DNS rebinding reaches loopback)")
        method = environ.get("REQUEST_METHOD", "GET").upper()
        path = environ.get("PATH_INFO", "") or "/"
        origin = environ.get("HTTP_ORIGIN")
        if origin is not None and not self.is_allowed_origin(origin):
            return 403, (f"requests from pages of {origin!r} are refused: only pages of this server "
                         f"(http://127.0.0.1:{self.port}) may call it")
        site = (environ.get("HTTP_SEC_FETCH_SITE") or "").lower()
        if origin is None and site in ("cross-site", "same-site") and not self._navigation(environ, method, path):
            return 403, f"a {site} browser request to {path} is refused: only pages of this server may call it"
        if path.startswith(self.token_prefixes) and not (method in _SAFE_METHODS and path in self.public_paths):
            presented = environ.get(_TOKEN_ENVIRON_KEY)
            if not presented:
                return 403, (f"{method} {path} needs the stack's token in the {TOKEN_HEADER} header: it is "
                             f"{TOKEN_ENV} in the exports `workflows up` prints (and in GET /_local/health)")
            if not self.token_matches(presented):
                return 403, f"{method} {path}: the {TOKEN_HEADER} header is not this stack's token"
        return None

    def _navigation(self, environ: dict[str, Any], method: str, path: str) -> bool:
        return (method in _SAFE_METHODS and (environ.get("HTTP_SEC_FETCH_MODE") or "").lower() == "navigate"
                and path.startswith(self.navigable_prefixes))

    def _preflight(self, environ: dict[str, Any], start_response: Any, origin: str) -> Iterable[bytes]:
        requested = environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "")
        headers = [("Access-Control-Allow-Origin", origin), ("Vary", "Origin"),
                   ("Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"),
                   ("Access-Control-Max-Age", "600"), ("Content-Length", "0")]
        if requested:
            headers.append(("Access-Control-Allow-Headers", requested))
        start_response("204 No Content", headers)
        return [b""]


def _json(start_response: Any, status: int, message: str) -> Iterable[bytes]:
    body = json.dumps({"message": message}).encode()
    start_response(f"{status} {HTTPStatus(status).phrase}", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
