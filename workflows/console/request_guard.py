"""The console's form rule: a POST must come from the console's own page, carrying its token.

The console listens on loopback, but any web page the user opens can make the browser POST a form
to 127.0.0.1. Who may reach the console at all (a loopback Host with the server's port, no foreign
Origin, no CORS for other pages) is decided before any console code runs, by the one guard in
workflows/local/loopback_guard.py - in front of the local stack and of a standalone `workflows
console` alike. What is left here is the rule only the console's forms need: every POST carries the
per-start token (a hidden field the console's own pages hold; another page cannot read it) and comes
from the console's own origin. `check_form` is used by the console's actions in both settings.
"""
from __future__ import annotations

import hmac
from typing import Any, Mapping

FORM_TOKEN_FIELD = "_token"


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
