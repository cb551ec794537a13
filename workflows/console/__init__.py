"""The local Step Functions console: every state machine and run of an endpoint, in a browser.

Served by `workflows up` at <endpoint>/console/ (in-process, over the engine's Step Functions API)
and by `workflows console [--endpoint URL|aws] [--port N]` in front of any Step Functions endpoint
(through boto3). Module map: source (what it reads and does, through the API), graph (a definition
as states and edges), elk + layout (where shapes go), svg (the drawing), trace (an execution's
history as state visits), execution_view (the rows of an execution page), pages + templates/,
actions (the forms), request_guard (the form rule; who may reach the console at all is workflows/local/loopback_guard), app (the WSGI app), standalone (the command).
"""
from __future__ import annotations

from .app import PREFIX, ConsoleApp
from .format import execution_url, machine_url
from .source import HttpClock, InProcessClock, Source

__all__ = ["PREFIX", "ConsoleApp", "HttpClock", "InProcessClock", "Source", "execution_url", "machine_url"]
