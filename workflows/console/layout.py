"""Where every shape of a state machine graph goes: `Graph` -> ELK -> `Layout` (absolute coordinates).

Top-down, as the AWS console draws it: a Start marker above the first state, an End marker below,
terminal states (End: true, Succeed, Fail) joined to End. A Map is a container holding its item
processor's states; a Parallel is a container holding one box per branch, side by side. Node sizes
come from the text they carry (bold state name, the resource or error underneath), estimated from
average glyph widths since the server has no font metrics; the SVG uses the same font sizes.
The layout of a definition never changes, so it is computed once per definition text and cached.
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from . import elk
from .graph import Branch, Edge, Graph, StateNode, parse_graph

NAME_CHAR, SUB_CHAR, LABEL_CHAR = 7.6, 6.2, 6.0  # px per character: 13px bold, 11px, 10.5px sans-serif
NODE_HEIGHT, NODE_MIN_WIDTH, NODE_PADDING = 44.0, 120.0, 28.0
MARKER = 26.0
LABEL_HEIGHT = 14.0
CONTAINER_PADDING = "[top=34,left=14,bottom=14,right=14]"
BRANCH_PADDING = "[top=22,left=12,bottom=12,right=12]"
START, END = "start", "end"
# every scope (the machine, each Map, each Parallel branch) is laid out the same way: ELK options do
# not inherit into compound nodes
_SCOPE_OPTIONS = {
    "elk.algorithm": "layered", "elk.direction": "DOWN", "elk.edgeRouting": "ORTHOGONAL",
    "elk.layered.spacing.nodeNodeBetweenLayers": "36", "elk.spacing.nodeNode": "28",
    "elk.spacing.edgeLabel": "4", "elk.layered.spacing.edgeNodeBetweenLayers": "16",
    "elk.layered.nodePlacement.bk.fixedAlignment": "BALANCED",
}
_ROOT_OPTIONS = {**_SCOPE_OPTIONS, "elk.json.shapeCoords": "ROOT", "elk.json.edgeCoords": "ROOT"}


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    width: float
    height: float

    @property
    def center_x(self) -> float:
        return self.x + self.width / 2


@dataclass(frozen=True)
class Route:
    """One drawn edge: `edge` between states, or a marker connector (`marker` start/end, `edge` None)."""
    points: tuple[tuple[float, float], ...]
    edge: Edge | None = None
    marker: str = ""
    marker_state: str = ""  # the state a marker connector joins
    label: Box | None = None


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    states: dict[str, Box]  # every state, containers included
    branches: tuple[tuple[str, int, Box], ...]  # (Parallel state, branch index, box)
    markers: dict[str, Box]  # START / END
    routes: tuple[Route, ...]


def node_width(node: StateNode) -> float:
    return max(NODE_MIN_WIDTH, len(node.name) * NAME_CHAR + NODE_PADDING, len(node.subtitle) * SUB_CHAR + NODE_PADDING)


class _Builder:
    """Graph -> ELK JSON, remembering which ELK id stands for what."""

    def __init__(self) -> None:
        self.ids: dict[str, tuple[str, Any]] = {}  # elk id -> (kind, payload)

    def _id(self, kind: str, payload: Any) -> str:
        elk_id = f"{kind[0]}{len(self.ids)}"
        self.ids[elk_id] = (kind, payload)
        return elk_id

    def root(self, graph: Graph) -> dict[str, Any]:
        children, edges, by_name = self._scope(graph.root)
        start = {"id": self._id("marker", START), "width": MARKER, "height": MARKER}
        end = {"id": self._id("marker", END), "width": MARKER, "height": MARKER}
        first = by_name.get(graph.root.start)
        if first:
            edges.append({"id": self._id("connector", (START, graph.root.start)),
                          "sources": [start["id"]], "targets": [first]})
        for node in graph.root.states:
            if node.terminal:
                edges.append({"id": self._id("connector", (END, node.name)),
                              "sources": [by_name[node.name]], "targets": [end["id"]]})
        return {"id": "root", "layoutOptions": _ROOT_OPTIONS, "children": [start, *children, end], "edges": edges}

    def _scope(self, branch: Branch) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, str]]:
        children = [self._node(node) for node in branch.states]
        by_name = {node.name: child["id"] for node, child in zip(branch.states, children)}
        edges = []
        for edge in branch.edges:
            item: dict[str, Any] = {"id": self._id("edge", edge), "sources": [by_name[edge.source]],
                                    "targets": [by_name[edge.target]]}
            if edge.label:
                item["labels"] = [{"text": edge.short_label, "width": len(edge.short_label) * LABEL_CHAR + 6,
                                   "height": LABEL_HEIGHT}]
            edges.append(item)
        return children, edges, by_name

    def _node(self, node: StateNode) -> dict[str, Any]:
        elk_id = self._id("state", node.name)
        if not node.is_container:
            return {"id": elk_id, "width": node_width(node), "height": NODE_HEIGHT}
        options = {**_SCOPE_OPTIONS, "elk.padding": CONTAINER_PADDING, "elk.nodeSize.minimum": f"({node_width(node)}, {NODE_HEIGHT})",
                   "elk.nodeSize.constraints": "MINIMUM_SIZE"}
        if node.type == "Map" and node.branches:
            children, edges, _ = self._scope(node.branches[0])
            return {"id": elk_id, "layoutOptions": options, "children": children, "edges": edges}
        lanes = []
        for index, branch in enumerate(node.branches):
            children, edges, _ = self._scope(branch)
            lanes.append({"id": self._id("branch", (node.name, index)), "children": children, "edges": edges,
                          "layoutOptions": {**_SCOPE_OPTIONS, "elk.padding": BRANCH_PADDING}})
        options["elk.separateConnectedComponents"] = "false"  # branches side by side, in one row
        return {"id": elk_id, "layoutOptions": options, "children": lanes, "edges": []}


def compute_layout(graph: Graph, engine: elk.ElkLayout | None = None) -> Layout:
    builder = _Builder()
    placed = (engine or elk.shared()).layout(builder.root(graph))
    states: dict[str, Box] = {}
    branches: list[tuple[str, int, Box]] = []
    markers: dict[str, Box] = {}
    routes: list[Route] = []

    def visit(item: dict[str, Any]) -> None:
        for child in item.get("children", []):
            kind, payload = builder.ids[child["id"]]
            box = Box(child["x"], child["y"], child["width"], child["height"])
            if kind == "state":
                states[payload] = box
            elif kind == "branch":
                branches.append((payload[0], payload[1], box))
            else:
                markers[payload] = box
            visit(child)
        for edge in item.get("edges", []):
            kind, payload = builder.ids[edge["id"]]
            points: list[tuple[float, float]] = []
            for section in edge.get("sections", []):
                points.append((section["startPoint"]["x"], section["startPoint"]["y"]))
                points.extend((p["x"], p["y"]) for p in section.get("bendPoints", []))
                points.append((section["endPoint"]["x"], section["endPoint"]["y"]))
            labels = edge.get("labels") or []
            label = Box(labels[0]["x"], labels[0]["y"], labels[0]["width"], labels[0]["height"]) \
                if labels and "x" in labels[0] else None
            if kind == "edge":
                routes.append(Route(tuple(points), edge=payload, label=label))
            else:
                routes.append(Route(tuple(points), marker=payload[0], marker_state=payload[1]))

    visit(placed)
    return Layout(placed.get("width", 0.0), placed.get("height", 0.0), states, tuple(branches), markers, tuple(routes))


_cache: OrderedDict[str, tuple[Graph, Layout]] = OrderedDict()
_cache_lock = threading.Lock()
CACHE_SIZE = 256


def layout_definition(definition: str) -> tuple[Graph, Layout]:
    """(graph, layout) of a definition text, cached by its digest (definitions are immutable per version)."""
    key = hashlib.sha256(definition.encode()).hexdigest()
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    graph = parse_graph(definition)
    result = (graph, compute_layout(graph))
    with _cache_lock:
        _cache[key] = result
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return result
