"""The three pages - state machines, one state machine, one execution - as template contexts.

Each page reads what it shows through `Source` at request time (no cache but the graph layout,
which depends on the definition text only). A form that came back with an error re-renders its page
with the message and the values the user typed, so nothing typed is lost.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from botocore.exceptions import ClientError

from . import format as fmt
from .elk import LayoutEngineError
from .execution_view import event_rows, iteration_rows, panel, state_of_events, state_rows, waiting_tasks
from .graph import GraphError
from .layout import layout_definition
from .source import COUNT_PAGE, Source, error_code
from .svg import render_graph
from .trace import build_trace

EXECUTION_STATUSES = ("RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")
FINAL = frozenset(EXECUTION_STATUSES) - {"RUNNING"}
MAX_BACK = 20  # previous-page tokens kept in the URL


class NotFound(LookupError):
    """The page's subject does not exist; the message says which."""


class BadRequest(ValueError):
    """A query parameter that cannot be honoured; the message names it."""


@dataclass
class FormState:
    """A submitted form coming back: which form, what was typed, what went wrong."""
    form: str
    values: Mapping[str, str] = field(default_factory=dict)
    error: str = ""


Render = Callable[[str, dict[str, Any]], str]


def _graph(definition: str, status_of: Callable[[str], str], href_for: Callable[[str], str],
           **options: Any) -> tuple[Any, str]:
    """(graph or None, svg markup or the reason there is no graph)."""
    try:
        graph, placed = layout_definition(definition)
    except (GraphError, LayoutEngineError) as error:
        return None, str(error)
    return graph, render_graph(graph, placed, status_of, href_for=href_for, **options)


class Pages:
    def __init__(self, source: Source, render: Render) -> None:
        self.source, self.render = source, render

    # -- /console/ --------------------------------------------------------------------------------
    def machines(self, form: FormState | None = None) -> str:
        rows = []
        for machine in sorted(self.source.state_machines(), key=lambda m: m.get("name", "")):
            counts = self.source.status_counts(machine["stateMachineArn"])
            rows.append({"machine": machine, "url": fmt.machine_url(machine["name"]),
                         "counts": None if counts is None else counts[0],
                         "truncated": bool(counts and counts[1])})
        return self.render("machines.html", {"rows": rows, "statuses": EXECUTION_STATUSES,
                                             "count_page": COUNT_PAGE, "title": "State machines",
                                             "clock": self.source.clock.mode, "form": form or FormState(""),
                                             "back_url": fmt.PREFIX + "/"})

    # -- /console/state-machines/NAME -------------------------------------------------------------
    def machine(self, name: str, query: Mapping[str, str], form: FormState | None = None) -> str:
        summary = self.source.find_state_machine(name)
        if summary is None:
            raise NotFound(f"no state machine named {name!r} on {self.source.endpoint_label or 'this endpoint'}")
        arn = summary["stateMachineArn"]
        status = query.get("status") or None
        if status is not None and status not in EXECUTION_STATUSES:
            raise BadRequest(f"status={status!r} is not one of {', '.join(EXECUTION_STATUSES)}")
        described = self.source.describe_state_machine(arn)
        graph, svg = _graph(described.get("definition", ""), lambda _: "not-run",
                            lambda state: fmt.machine_url(name) + "#definition")
        executions: list[dict[str, Any]] | None
        listing_note = ""
        next_token = query.get("next") or None
        back = [t for t in (query.get("back") or "").split(" ") if t][-MAX_BACK:]
        try:
            executions, following = self.source.executions(arn, status=status, token=next_token)
        except ClientError as error:
            if error_code(error) != "StateMachineTypeNotSupported":
                raise
            executions, following = None, None
            listing_note = ("Step Functions keeps no list of an EXPRESS state machine's executions; "
                            "their results go to the caller (and to CloudWatch Logs when logging is on).")
        pages = {
            "next": fmt.machine_url(name, status=status, next=following,
                                    back=" ".join([*back, next_token or "-"])) if following else None,
            "previous": (fmt.machine_url(name, status=status, next=None if back[-1] == "-" else back[-1],
                                         back=" ".join(back[:-1])) if back else None),
            "first": fmt.machine_url(name, status=status) if next_token else None,
        }
        return self.render("machine.html", {
            "title": name, "machine": described, "svg": svg, "has_graph": graph is not None,
            "definition": fmt.pretty_json(described.get("definition", "")),
            "versions": self.source.versions(arn), "aliases": self.source.aliases(arn),
            "executions": executions, "listing_note": listing_note, "status": status,
            "statuses": EXECUTION_STATUSES, "pages": pages,
            "filter_urls": {s: fmt.machine_url(name, status=s) for s in EXECUTION_STATUSES},
            "all_url": fmt.machine_url(name), "form": form or FormState("start"),
            "execution_url": fmt.execution_url, "clock": self.source.clock.mode,
            "back_url": fmt.machine_url(name, status=status, next=next_token, back=" ".join(back) or None),
        })

    # -- /console/executions/ARN --------------------------------------------------------------------
    def execution(self, arn: str, query: Mapping[str, str], form: FormState | None = None) -> str:
        try:
            execution = self.source.describe_execution(arn)
        except ClientError as error:
            if error_code(error) in ("ExecutionDoesNotExist", "InvalidArn"):
                raise NotFound(f"no execution {arn!r} ({error_code(error)})") from None
            raise
        machine = self.source.machine_for_execution(execution)
        events = self.source.history(arn)
        trace = build_trace(events, execution["status"])
        iteration = _iteration(query)
        selected = query.get("state") or None
        start = execution.get("startDate")
        end = execution.get("stopDate") or (events[-1]["timestamp"] if events else start)

        hrefs: dict[str, str] = {}

        def state_href(state: str) -> str:  # memoized: a looping state has thousands of rows
            if state not in hrefs:
                hrefs[state] = fmt.execution_url(arn, state=state, map=iteration and iteration[0],
                                                 iteration=iteration and iteration[1])
            return hrefs[state]

        def iteration_href(map_state: str, index: int) -> str:
            return fmt.execution_url(arn, state=selected, map=map_state, iteration=index)

        iterations = iteration_rows(trace, iteration, iteration_href)
        notes = {m: f"{len(rows)} iteration{'s' if len(rows) != 1 else ''}" for m, rows in iterations.items()}
        graph, svg = _graph(machine.get("definition", ""), lambda state: trace.status_of(state, iteration),
                            state_href, taken=trace.taken, selected=selected, notes=notes)
        state_panel = None
        if selected:
            node = graph.node(selected) if graph is not None else None
            lanes = [[s.name for s in b.states] for b in node.branches] if node and node.type == "Parallel" else None
            state_panel = panel(trace, selected, node.type if node else None, start, end, state_href,
                                iteration, lanes)
            if not state_panel.known and not state_panel.visits:
                raise NotFound(f"state={selected!r}: the execution's definition has no state of that name")
        map_runs = []
        for visit in trace.visits:  # Distributed Maps: their items ran as child executions of a map run
            for event in visit.events:
                if event["type"] == "MapRunStarted":
                    run_arn = str(event.get("mapRunStartedEventDetails", {}).get("mapRunArn", ""))
                    children, note = self.source.map_run_executions(run_arn)
                    map_runs.append({"state": visit.name, "arn": run_arn, "executions": children, "note": note})
        return self.render("execution.html", {
            "title": execution.get("name", arn), "execution": execution, "machine": machine,
            "machine_url": fmt.machine_url(fmt.machine_name(execution["stateMachineArn"])),
            "machine_name": fmt.machine_name(execution["stateMachineArn"]),
            "duration": fmt.duration(fmt.seconds_between(start, execution.get("stopDate") or end)),
            "input": fmt.pretty_json(execution.get("input")), "output": fmt.pretty_json(execution.get("output")),
            "cause": fmt.pretty_json(execution.get("cause")), "svg": svg, "has_graph": graph is not None,
            "events": event_rows(events, state_of_events(trace), start),
            "states": state_rows(trace, start, end, state_href), "iterations": iterations,
            "iteration": iteration, "all_iterations_url": fmt.execution_url(arn, state=selected),
            "panel": state_panel, "close_panel_url": fmt.execution_url(arn, map=iteration and iteration[0],
                                                                       iteration=iteration and iteration[1]),
            "waiting": waiting_tasks(trace), "running": execution["status"] == "RUNNING",
            "redrivable": execution.get("redriveStatus") == "REDRIVABLE", "map_runs": map_runs,
            "clock": self.source.clock.mode, "form": form or FormState(""),
            "back_url": fmt.execution_url(arn, state=selected, map=iteration and iteration[0],
                                          iteration=iteration and iteration[1]),
        })


def _iteration(query: Mapping[str, str]) -> tuple[str, int] | None:
    map_state, index = query.get("map"), query.get("iteration")
    if not map_state and not index:
        return None
    if not map_state or index is None or not index.isdigit():
        raise BadRequest("select a Map iteration with both ?map=STATE and ?iteration=N (N a number from 0), "
                         f"got map={map_state!r} iteration={index!r}")
    return map_state, int(index)
