"""The execution page's two long tables - event history and states ("Table view") - as HTML.

They are built here rather than in a Jinja loop because they are the page's bulk: 5,000 history
events make 5,000 rows with an expandable JSON block each, and autoescaping every cell through
Jinja's Markup objects cost more than the rest of the page together. Every cell is still escaped
(html.escape, quotes included); the numbers and status words are ours.
"""
from __future__ import annotations

from html import escape
from typing import Iterable

from markupsafe import Markup

from .execution_view import EventRow, StateRow


def event_table(rows: Iterable[EventRow], with_state: bool = True) -> Markup:
    head = ("<table class=\"list events\" data-table=\"events\"><thead><tr><th class=\"num\">ID</th><th>Type</th>"
            + ("<th>State</th>" if with_state else "")
            + "<th>Timestamp</th><th>Since start</th><th>Details</th></tr></thead><tbody>")
    parts = [head]
    for e in rows:
        kind = escape(e.type)
        failure = ' class="failure"' if e.failure else ""
        parts.append(
            f'<tr data-event-id="{e.id}" data-event-type="{kind}"{failure}>'
            f'<td class="num">{e.id}</td><td>{kind}</td>'
            + (f"<td>{escape(e.state)}</td>" if with_state else "")
            + f"<td>{e.timestamp}</td><td>{e.elapsed}</td><td>"
            + (f'<details><summary>details</summary><pre class="json">{escape(e.details)}</pre></details>'
               if e.details else "")
            + "</td></tr>")
    parts.append("</tbody></table>")
    return Markup("".join(parts))


def state_table(rows: Iterable[StateRow]) -> Markup:
    parts = ['<table class="list states" data-table="states"><thead><tr><th>State</th><th>Type</th><th>Status</th>'
             '<th>Iteration</th><th>Started after</th><th>Duration</th><th class="num">Retries</th>'
             '<th class="timeline-head">Timeline</th></tr></thead><tbody>']
    for s in rows:
        name = escape(s.name)
        parts.append(
            f'<tr data-state-row="{name}" data-status="{s.status}"><td><a href="{escape(s.href)}">{name}</a></td>'
            f'<td>{escape(s.type)}</td><td><span class="badge status-{s.status}">{s.status}</span></td>'
            f'<td>{escape(s.iteration)}</td><td>{s.started}</td><td>{s.duration}</td><td class="num">{s.retries}</td>'
            f'<td class="timeline"><svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" '
            f'aria-hidden="true"><rect class="track" x="0" y="0" width="100" height="10"/>'
            f'<rect class="span status-{s.status}" x="{s.bar_start}" y="0" width="{s.bar_width}" height="10"/>'
            f"</svg></td></tr>")
    parts.append("</tbody></table>")
    return Markup("".join(parts))
