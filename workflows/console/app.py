"""The console as one WSGI app under /console/: routing, templates, static assets, headers.

  GET  /console/                              state machines
  GET  /console/state-machines/NAME           one machine (?status=, ?next= pages)
  GET  /console/executions/EXECUTION_ARN      one execution, ARN percent-encoded (?state=, ?map=&iteration=)
  POST /console/actions/ACTION                start | stop | redrive | task-success | task-failure | advance
  GET  /console/static/FILE                   the stylesheet and script (nothing is fetched from elsewhere)

Pages are rendered by Jinja2 with autoescaping on (state names, inputs and causes are arbitrary
text) and sent with a Content-Security-Policy that allows only this origin's own script and style:
no inline script or style anywhere, so injected markup could not run even if it got through.
"""
from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from typing import Any, Iterable

from botocore.exceptions import BotoCoreError, ClientError
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import Map, Rule
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from . import actions, tables
from . import format as fmt
from .pages import BadRequest, FormState, NotFound, Pages
from .request_guard import FORM_TOKEN_FIELD, check_form
from .source import Source, error_code

logger = logging.getLogger(__name__)
HERE = Path(__file__).parent
PREFIX = fmt.PREFIX
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
                    "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY", "Cache-Control": "no-store"}
_URLS = Map([
    Rule(f"{PREFIX}/", endpoint="machines", methods=["GET"]),
    Rule(f"{PREFIX}/state-machines/<name>", endpoint="machine", methods=["GET"]),
    # a Distributed Map's child execution ARN holds a "/" (machine/map-run label): a path converter
    Rule(f"{PREFIX}/executions/<path:arn>", endpoint="execution", methods=["GET"]),
    Rule(f"{PREFIX}/actions/<action>", endpoint="action", methods=["POST"]),
    Rule(f"{PREFIX}/static/<filename>", endpoint="static", methods=["GET"]),
], strict_slashes=True, merge_slashes=False)


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(fmt=fmt, tables=tables, prefix=PREFIX, token_field=FORM_TOKEN_FIELD)
    return env


class ConsoleApp:
    """WSGI app: the console over `source`; `token` is this start's form token."""

    def __init__(self, source: Source, token: str) -> None:
        self.source, self.token = source, token
        self._env = _environment()
        self._env.globals.update(form_token=token, endpoint_label=source.endpoint_label)
        self.pages = Pages(source, self._render)
        self._assets = {p.name: p for p in (HERE / "static").iterdir() if p.is_file()}

    def _render(self, template: str, context: dict[str, Any]) -> str:
        return self._env.get_template(template).render(**context)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        response = self.respond(request)
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        return response(environ, start_response)

    def respond(self, request: Request) -> Response:
        if request.path == PREFIX:
            return redirect(PREFIX + "/", 308)
        adapter = _URLS.bind_to_environ(request.environ)
        try:
            endpoint, values = adapter.match()
            return getattr(self, f"_{endpoint}")(request, **values)
        except MethodNotAllowed as error:
            return self._error(405, f"{request.method} {request.path}: use {', '.join(sorted(error.valid_methods or []))}")
        except HTTPException as error:
            if error.code == 404:
                return self._error(404, f"no console page {request.path} (start at {PREFIX}/)")
            return error.get_response()
        except NotFound as error:
            return self._error(404, str(error))
        except BadRequest as error:
            return self._error(400, str(error))
        except ClientError as error:
            message = error.response.get("Error", {}).get("Message") or str(error)
            return self._error(502, f"the Step Functions endpoint answered {error_code(error)}: {message}")
        except BotoCoreError as error:
            return self._error(502, f"the Step Functions endpoint could not be reached: {error}")

    def _html(self, text: str, status: int = 200) -> Response:
        return Response(text, status=status, content_type="text/html; charset=utf-8")

    def _error(self, status: int, message: str) -> Response:
        return self._html(self._render("error.html", {"title": f"Error {status}", "status": status,
                                                      "message": message}), status)

    # -- pages -------------------------------------------------------------------------------------
    def _machines(self, request: Request, form: FormState | None = None) -> Response:
        return self._html(self.pages.machines(form))

    def _machine(self, request: Request, name: str) -> Response:
        return self._html(self.pages.machine(name, request.args))

    def _execution(self, request: Request, arn: str) -> Response:
        return self._html(self.pages.execution(arn, request.args))

    def _static(self, request: Request, filename: str) -> Response:
        path = self._assets.get(filename)
        if path is None:
            return self._error(404, f"no console asset {filename!r}")
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        response = Response(path.read_bytes(), content_type=kind + ("; charset=utf-8" if kind.startswith("text/")
                                                                  or kind.endswith("javascript") else ""))
        response.headers["Cache-Control"] = "no-cache"
        return response

    # -- forms -------------------------------------------------------------------------------------
    def _action(self, request: Request, action: str) -> Response:
        handler = actions.ACTIONS.get(action)
        if handler is None:
            return self._error(404, f"no console action {action!r} (known: {', '.join(actions.ACTIONS)})")
        form = {key: request.form.get(key, "") for key in request.form}
        refused = check_form(request.environ, form, self.token)
        if refused:
            return self._error(403, refused)
        try:
            return redirect(handler(self.source, form), 303)
        except actions.ActionError as error:
            if error.page == "machine":
                text = self.pages.machine(error.subject, {}, error.state)
            elif error.page == "execution":
                text = self.pages.execution(error.subject, {}, error.state)
            else:
                text = self.pages.machines(error.state)
            return self._html(text, error.status)
