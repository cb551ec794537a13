"""ELK (the Eclipse Layout Kernel, as elkjs) run on the server, in-process, in an embedded V8.

Why ELK: the console draws a state machine top-down as the AWS console does, with Map and Parallel
states as containers holding their inner states, labelled Choice and Catch edges, and loops
(retry-like back edges). That is layered (Sugiyama) layout of a compound graph with edge-label
placement - ELK Layered's whole purpose, maintained by the Kiel University group behind it and used
by Mermaid, Sprotty and React Flow. The Python alternatives we weighed: grandalf (Sugiyama, last
release 2023) lays out flat graphs only - containers and label placement would have been ours to
write by hand; networkx has no layered layout at all; Graphviz `dot` would be a system binary no
`pip install` brings along.

Why in-process V8: the SVG is server-rendered (the pages read without JavaScript), so the layout
must run on the server, and the console must work from a plain `pip install` on a laptop with no
Node.js. mini-racer (PyPI) ships V8 in its wheel; elkjs's single-file build
(vendor/elkjs/elk.bundled.js, EPL-2.0, pinned in vendor/package.json) runs there unchanged. Two
shims: GWT's code looks for its global object as `self`, and elkjs's in-thread "worker" posts its
messages with `setTimeout`, which we map to a microtask (mini-racer's own timer needs
Atomics.waitAsync, which elk's code path does not get).

One V8 context serves the process (loading elk costs ~0.2 s, once); calls are serialized by a lock
(a V8 isolate runs one script at a time anyway). Callers cache results: layout.py keys them by
definition.
"""
from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

ELK_SCRIPT = Path(__file__).with_name("vendor") / "elkjs" / "elk.bundled.js"
_SHIMS = "var self = globalThis; globalThis.setTimeout = function (f) { Promise.resolve().then(f); return 0; };"
_LAYOUT = "(function (text) { return globalThis.__elk.layout(JSON.parse(text)).then(JSON.stringify); })"
TIMEOUT_SECONDS = 30.0


class LayoutEngineError(RuntimeError):
    """ELK could not be loaded or refused a graph."""


class ElkLayout:
    """`layout(graph)`: an ELK JSON graph in, the same graph with coordinates out."""

    def __init__(self, script: Path = ELK_SCRIPT) -> None:
        self._script = script
        self._lock = threading.Lock()
        self._context: Any = None

    def _ready(self) -> Any:
        if self._context is None:
            from py_mini_racer import MiniRacer

            context = MiniRacer()
            try:
                context.eval(_SHIMS)
                context.eval(self._script.read_text(encoding="utf-8"))
                context.eval("globalThis.__elk = new ELK();")
            except Exception as error:
                context.close()
                raise LayoutEngineError(f"cannot load ELK from {self._script}: {error}") from None
            self._context = context
        return self._context

    def layout(self, graph: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            context = self._ready()
            try:
                # the graph goes in as a JS string literal (JSON text of JSON text), parsed by V8
                promise = context.eval(f"{_LAYOUT}({json.dumps(json.dumps(graph))})", timeout_sec=TIMEOUT_SECONDS)
                text = promise.get(timeout=TIMEOUT_SECONDS)
            except Exception as error:  # JSEvalException, JSPromiseError, timeouts: one error for callers
                raise LayoutEngineError(f"ELK layout failed: {error}") from None
        return dict(json.loads(text))


_shared: ElkLayout | None = None
_shared_lock = threading.Lock()


def shared() -> ElkLayout:
    """The process's one ELK context."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = ElkLayout()
        return _shared
