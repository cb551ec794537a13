"""Who may use the console: the standalone console sits behind the stack's one LoopbackGuard; forms need the token."""
from __future__ import annotations

import pytest

from workflows.console.request_guard import FORM_TOKEN_FIELD, check_form
from workflows.local.loopback_guard import is_loopback_host


@pytest.mark.parametrize("host, ok", [
    ("127.0.0.1:4600", True), ("localhost:4600", True), ("LOCALHOST:4600", True), ("[::1]:4600", True),
    ("127.1.2.3:4600", False), ("app.localhost:4600", False),  # only the three names the stack answers
    ("127.0.0.1:4601", False), ("127.0.0.1", False), ("evil.example:4600", False), ("10.0.0.1:4600", False),
    ("localhost.evil.example:4600", False), ("", False),
])
def test_loopback_hosts(host: str, ok: bool) -> None:
    assert is_loopback_host(host, 4600) is ok


def test_form_rule() -> None:
    environ = {"HTTP_HOST": "127.0.0.1:4600", "wsgi.url_scheme": "http"}
    good = {FORM_TOKEN_FIELD: "secret"}
    assert check_form(environ, good, "secret") is None
    assert "token" in check_form(environ, {FORM_TOKEN_FIELD: "other"}, "secret")
    assert "token" in check_form(environ, {}, "secret")
    assert "cross-origin" in check_form({**environ, "HTTP_ORIGIN": "http://evil.example"}, good, "secret")
    assert "cross-origin" in check_form({**environ, "HTTP_ORIGIN": "http://localhost:4600"}, good, "secret")
    assert check_form({**environ, "HTTP_ORIGIN": "http://127.0.0.1:4600"}, good, "secret") is None
    assert check_form({**environ, "HTTP_SEC_FETCH_SITE": "same-site"}, good, "secret") is not None
