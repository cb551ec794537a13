"""workflows/local/control_client.py against servers that are not a local stack (the stack itself is
covered end to end by test_e2e_up.py and tests/console/test_standalone.py)."""
from __future__ import annotations

import http.server
import json
import threading
from typing import Iterator

import pytest

from workflows.console.source import HttpClock
from workflows.local import control_client


class _Answer(http.server.BaseHTTPRequestHandler):
    status, body, seen_tokens = 404, b"<html>not found</html>", []  # set per test

    def _reply(self) -> None:
        _Answer.seen_tokens.append(self.headers.get("X-Workflows-Local-Token"))
        self.send_response(self.status)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    do_GET = do_POST = _reply

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    _Answer.seen_tokens = []
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_server_that_is_no_stack_is_named_so(server: str) -> None:
    _Answer.status, _Answer.body = 404, b"<html>not found</html>"
    with pytest.raises(control_client.ControlError, match="is not a workflows local stack"):
        control_client.advance_clock(server, 5, None)
    assert control_client.health(server) is None


def test_the_stack_message_is_passed_on_and_the_token_sent(server: str) -> None:
    _Answer.status, _Answer.body = 409, json.dumps({"message": "the stack runs on the real clock"}).encode()
    with pytest.raises(control_client.ControlError, match="^the stack runs on the real clock$"):
        control_client.advance_clock(server, 5, "t0ken")
    assert _Answer.seen_tokens == ["t0ken"]


def test_the_console_clock_takes_the_token_from_the_health_page(server: str,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WORKFLOWS_LOCAL_TOKEN", raising=False)
    _Answer.status = 200
    _Answer.body = json.dumps({"clock": "virtual", "exports": {"WORKFLOWS_LOCAL_TOKEN": "from-health"}}).encode()
    clock = HttpClock(server, None)
    assert clock.mode == "virtual" and clock.token == "from-health"
    assert control_client.stack_token(server) == "from-health"
    monkeypatch.setenv("WORKFLOWS_LOCAL_TOKEN", "from-env")
    assert control_client.stack_token(server) == "from-env"
