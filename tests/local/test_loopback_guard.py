"""workflows.local.loopback_guard.LoopbackGuard on its own, in front of a recording WSGI app."""
from __future__ import annotations

import io
import json
from typing import Any

import pytest

from workflows.local.loopback_guard import LoopbackGuard, is_loopback_host, is_own_origin, new_token

PORT = 4601
TOKEN = "t0ken-for-tests"


class App:
    """Answers 200 with moto's habit of `Access-Control-Allow-Origin: *`; records what reached it."""

    def __init__(self) -> None:
        self.reached: list[str] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        self.reached.append(environ["PATH_INFO"])
        start_response("200 OK", [("Content-Type", "application/json"), ("Access-Control-Allow-Origin", "*"),
                                  ("Access-Control-Allow-Methods", "*")])
        return [b"{}"]


def call(guard: LoopbackGuard, path: str = "/", method: str = "GET", host: str | None = f"127.0.0.1:{PORT}",
         **headers: str) -> tuple[int, dict[str, str], Any]:
    environ: dict[str, Any] = {"REQUEST_METHOD": method, "PATH_INFO": path, "wsgi.input": io.BytesIO(b"")}
    if host is not None:
        environ["HTTP_HOST"] = host
    environ.update({"HTTP_" + k.upper(): v for k, v in headers.items()})
    answer: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        answer["status"], answer["headers"] = int(status.split()[0]), dict(response_headers)

    body = b"".join(guard(environ, start_response))
    return answer["status"], answer["headers"], json.loads(body) if body else None


@pytest.fixture()
def app() -> App:
    return App()


@pytest.fixture()
def guard(app: App) -> LoopbackGuard:
    return LoopbackGuard(app, port=PORT, token=TOKEN, allowed_origins=["http://127.0.0.1:4602/"])


@pytest.mark.parametrize("host", [f"127.0.0.1:{PORT}", f"localhost:{PORT}", f"LOCALHOST:{PORT}", f"[::1]:{PORT}"])
def test_loopback_hosts_with_the_port_pass(guard: LoopbackGuard, app: App, host: str) -> None:
    assert call(guard, host=host)[0] == 200 and app.reached == ["/"]


@pytest.mark.parametrize("host", ["evil.example:4601", "evil.example", "127.0.0.1", "127.0.0.1:4602", "localhost",
                                  "127.0.0.2:4601", "localhost.:4601", "[::2]:4601", "0.0.0.0:4601", "", None,
                                  "127.0.0.1:4601.evil.example", "user@127.0.0.1:4601"])
def test_any_other_host_is_421_before_the_app_runs(guard: LoopbackGuard, app: App, host: str | None) -> None:
    status, _, body = call(guard, host=host)
    assert status == 421 and "DNS rebinding" in body["message"] and app.reached == []


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://127.0.0.1:9999", "https://127.0.0.1:4601",
                                    "http://localhost:4601.evil.example", "http://127.0.0.1"])
def test_a_foreign_origin_is_403_on_every_path_and_method(guard: LoopbackGuard, app: App, origin: str) -> None:
    for method, path in (("GET", "/_local/health"), ("POST", "/_local/clock/advance"), ("POST", "/"),
                         ("GET", "/moto-api/data.json"), ("OPTIONS", "/local/users")):
        status, headers, body = call(guard, path, method, origin=origin, x_workflows_local_token=TOKEN,
                                     access_control_request_method="POST")
        assert status == 403 and origin in body["message"], (method, path)
        assert not any(k.lower().startswith("access-control") for k in headers)
    assert app.reached == []


def test_own_and_allowed_origins_get_their_own_cors_never_a_wildcard(guard: LoopbackGuard) -> None:
    for origin in (f"http://127.0.0.1:{PORT}", f"http://localhost:{PORT}", f"http://[::1]:{PORT}", "http://127.0.0.1:4602"):
        status, headers, _ = call(guard, "/_local/health", origin=origin)
        assert status == 200 and headers["Access-Control-Allow-Origin"] == origin and headers["Vary"] == "Origin"
        assert "Access-Control-Allow-Methods" not in headers  # the app's wildcard headers are gone
    status, headers, _ = call(guard, "/")  # no Origin (boto3, curl): no CORS headers at all
    assert status == 200 and not any(k.lower().startswith("access-control") for k in headers)


def test_preflight_from_an_allowed_origin_is_answered_here(guard: LoopbackGuard, app: App) -> None:
    status, headers, _ = call(guard, "/local/users", "OPTIONS", origin=f"http://localhost:{PORT}",
                              access_control_request_method="POST", access_control_request_headers="authorization")
    assert status == 204 and headers["Access-Control-Allow-Origin"] == f"http://localhost:{PORT}"
    assert headers["Access-Control-Allow-Headers"] == "authorization" and app.reached == []


@pytest.mark.parametrize("site", ["cross-site", "same-site", "CROSS-SITE"])
def test_cross_site_browser_requests_without_origin_are_403(guard: LoopbackGuard, app: App, site: str) -> None:
    # e.g. <img src="http://127.0.0.1:4599/?Action=DeleteQueue&..."> or a link a page makes you follow
    assert call(guard, "/", sec_fetch_site=site, sec_fetch_mode="no-cors")[0] == 403
    assert call(guard, "/", sec_fetch_site=site, sec_fetch_mode="navigate")[0] == 403
    assert call(guard, "/console/", "POST", sec_fetch_site=site, sec_fetch_mode="navigate")[0] == 403
    assert app.reached == []
    # a top-level navigation to the (read-only) console pages is fine, as is the user typing a URL
    assert call(guard, "/console/executions", sec_fetch_site=site, sec_fetch_mode="navigate")[0] == 200
    assert call(guard, "/", sec_fetch_site="none", sec_fetch_mode="navigate")[0] == 200
    assert call(guard, "/", sec_fetch_site="same-origin")[0] == 200


def test_control_endpoints_need_the_token(guard: LoopbackGuard, app: App) -> None:
    status, _, body = call(guard, "/_local/clock/advance", "POST")
    assert status == 403 and "X-Workflows-Local-Token" in body["message"] and "WORKFLOWS_LOCAL_TOKEN" in body["message"]
    status, _, body = call(guard, "/_local/clock/advance", "POST", x_workflows_local_token=TOKEN + "x")
    assert status == 403 and "not this stack's token" in body["message"]
    assert call(guard, "/_local/anything", "GET")[0] == 403
    assert call(guard, "/_local/health", "POST")[0] == 403  # only GET/HEAD of the health page is public
    assert app.reached == []
    assert call(guard, "/_local/clock/advance", "POST", x_workflows_local_token=TOKEN)[0] == 200
    assert call(guard, "/_local/health", "GET")[0] == 200
    assert app.reached == ["/_local/clock/advance", "/_local/health"]


def test_helpers() -> None:
    assert is_own_origin("http://LOCALHOST:4601", 4601) and not is_own_origin("http://localhost:4602", 4601)
    assert not is_own_origin(None, 4601)
    assert is_loopback_host("[::1]:80", 80) and not is_loopback_host("::1:80", 80)
    assert new_token() != new_token() and len(new_token()) >= 40
    guard = LoopbackGuard(App(), port=1, token="abc")
    assert guard.token_matches("abc") and not guard.token_matches("abd") and not guard.token_matches(None)
    with pytest.raises(ValueError, match="non-empty token"):
        LoopbackGuard(App(), port=1, token="")


def test_the_port_may_be_known_only_once_the_server_is_bound(app: App) -> None:
    bound: dict[str, int] = {}
    guard = LoopbackGuard(app, port=lambda: bound["port"], token=TOKEN)
    bound["port"] = PORT
    assert call(guard)[0] == 200 and call(guard, host="127.0.0.1:1")[0] == 421
    assert call(guard, origin=f"http://localhost:{PORT}")[1]["Access-Control-Allow-Origin"] == f"http://localhost:{PORT}"
