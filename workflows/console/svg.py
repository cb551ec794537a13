"""The graph as one inline SVG (`<svg data-graph>`), drawn from a `Layout` and each state's status.

Public shape (checked from outside): each state is `<g data-state="NAME" data-type="TYPE"
data-status="STATUS">`; a Map or Parallel `<g>` holds its inner states' `<g>`s; each edge is
`<path data-edge="FROM->TO" data-kind="next|choice|default|catch">`, with its label (Choice rule,
Catch errors) as text beside it; `data-marker="start|end"` for the Start and End markers. Colours
come from the stylesheet (classes and data-status), so the SVG holds no inline style and passes a
strict Content-Security-Policy. Every name and label is escaped: state names are arbitrary text.
"""
from __future__ import annotations

from typing import Callable

from markupsafe import Markup, escape

from .graph import Graph, StateNode
from .layout import Layout, Route, START, END

HrefFor = Callable[[str], str]


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def render_graph(graph: Graph, layout: Layout, status_of: Callable[[str], str], *, href_for: HrefFor,
                 taken: set[tuple[str, str]] | None = None, selected: str | None = None,
                 notes: dict[str, str] | None = None) -> Markup:
    """`status_of(name)` gives each state's status word; `notes` adds a line to a container's header
    (e.g. "3 iterations")."""
    taken = taken or set()
    notes = notes or {}
    parts = [f'<svg data-graph xmlns="http://www.w3.org/2000/svg" class="graph" role="img" '
             f'aria-label="state machine graph" width="{_num(layout.width)}" height="{_num(layout.height)}" '
             f'viewBox="0 0 {_num(layout.width)} {_num(layout.height)}">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
             'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" class="arrowhead"/></marker></defs>']
    for marker, box in layout.markers.items():
        word = "Start" if marker == START else "End"
        parts.append(f'<g data-marker="{marker}" class="marker"><circle cx="{_num(box.center_x)}" '
                     f'cy="{_num(box.y + box.height / 2)}" r="{_num(box.width / 2)}"/>'
                     f'<text x="{_num(box.center_x)}" y="{_num(box.y + box.height / 2 + 4)}">{word}</text></g>')
    for node in graph.root.states:
        parts.append(_state(node, layout, status_of, href_for, selected, notes))
    parts.append('<g class="edges">')
    for route in layout.routes:
        parts.append(_route(route, taken))
    parts.append("</g></svg>")
    return Markup("".join(parts))


def _state(node: StateNode, layout: Layout, status_of: Callable[[str], str], href_for: HrefFor,
           selected: str | None, notes: dict[str, str]) -> str:
    box = layout.states.get(node.name)
    if box is None:
        return ""
    status = status_of(node.name)
    name, kind = escape(node.name), escape(node.type)
    classes = "state container" if node.is_container else "state"
    if node.name == selected:
        classes += " selected"
    head = [f'<g data-state="{name}" data-type="{kind}" data-status="{status}" class="{classes}">',
            f'<a href="{escape(href_for(node.name))}"><title>{name} ({kind}): {status}</title>',
            f'<rect x="{_num(box.x)}" y="{_num(box.y)}" width="{_num(box.width)}" height="{_num(box.height)}" '
            f'rx="6"/>']
    if node.is_container:
        caption = f"{node.type}" + (f" \u00b7 {node.subtitle}" if node.subtitle else "")
        if notes.get(node.name):
            caption += f" \u00b7 {notes[node.name]}"
        head.append(f'<text class="name" x="{_num(box.x + 12)}" y="{_num(box.y + 18)}">{name}</text>'
                    f'<text class="sub" x="{_num(box.x + 12)}" y="{_num(box.y + 30)}">{escape(caption)}</text></a>')
        for owner, index, lane in layout.branches:
            if owner == node.name:
                head.append(f'<g class="branch" data-branch="{index}"><rect x="{_num(lane.x)}" y="{_num(lane.y)}" '
                            f'width="{_num(lane.width)}" height="{_num(lane.height)}" rx="4"/>'
                            f'<text class="sub" x="{_num(lane.x + 8)}" y="{_num(lane.y + 14)}">Branch {index + 1}'
                            f'</text></g>')
        for branch in node.branches:
            for inner in branch.states:
                head.append(_state(inner, layout, status_of, href_for, selected, notes))
    else:
        middle = box.y + box.height / 2
        if node.subtitle:
            head.append(f'<text class="name" x="{_num(box.center_x)}" y="{_num(middle - 3)}">{name}</text>'
                        f'<text class="sub" x="{_num(box.center_x)}" y="{_num(middle + 12)}">'
                        f'{escape(node.subtitle)}</text>')
        else:
            head.append(f'<text class="name" x="{_num(box.center_x)}" y="{_num(middle + 4)}">{name}</text>')
        head.append("</a>")
    head.append("</g>")
    return "".join(head)


def _route(route: Route, taken: set[tuple[str, str]]) -> str:
    if not route.points:
        return ""
    d = "M " + " L ".join(f"{_num(x)} {_num(y)}" for x, y in route.points)
    if route.edge is None:
        return f'<path data-marker-edge="{route.marker}" class="connector" d="{d}" marker-end="url(#arrow)"/>'
    edge = route.edge
    was_taken = (edge.source, edge.target) in taken
    attributes = f' data-taken="true"' if was_taken else ""
    out = [f'<path data-edge="{escape(edge.key)}" data-kind="{edge.kind}"{attributes} class="edge {edge.kind}'
           f'{" taken" if was_taken else ""}" d="{d}" marker-end="url(#arrow)"><title>{escape(edge.key)}'
           f'{": " + escape(edge.label) if edge.label else ""}</title></path>']
    if edge.label and route.label is not None:
        label = route.label
        out.append(f'<g class="edge-label {edge.kind}" data-edge-label="{escape(edge.key)}">'
                   f'<title>{escape(edge.label)}</title><rect x="{_num(label.x - 2)}" y="{_num(label.y - 1)}" '
                   f'width="{_num(label.width + 4)}" height="{_num(label.height + 2)}" rx="3"/>'
                   f'<text x="{_num(label.x + 3)}" y="{_num(label.y + label.height - 3)}">'
                   f'{escape(edge.short_label)}</text></g>')
    return "".join(out)
