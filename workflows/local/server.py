"""A threaded loopback HTTP server for a WSGI app, started and stopped from Python.

werkzeug's threaded dev server is enough here: one thread per request (so a request that waits on
another request - a Cognito trigger calling Step Functions on the same port - cannot starve), bound
to 127.0.0.1 only, stoppable with `close()`. Port 0 picks a free port.
"""
from __future__ import annotations

import logging
import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class _QuietHandler(WSGIRequestHandler):
    """No per-request access log lines (the CLI prints what matters)."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class LoopbackServer:
    """Serves `app` on 127.0.0.1:`port` from a daemon thread."""

    def __init__(self, app: Any, port: int = 0, host: str = "127.0.0.1") -> None:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._server: BaseWSGIServer = make_server(
            host, port, app, threaded=True, request_handler=_QuietHandler
        )
        self._server.daemon_threads = True  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, name="workflows-local-http",
                                        daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "LoopbackServer":
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
