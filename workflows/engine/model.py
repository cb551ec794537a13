"""Typed states: a definition is parsed once into these, and the interpreter only reads them.

Field values keep their ASL spelling (payload templates, paths, JSONata strings) so error messages
can quote them; anything the interpreter would otherwise recompute per execution (choice rules,
resource ARNs, the processor of a Map) is prepared here once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workflows.engine.integrations.resources import ResourceRef

JSONPATH = "JSONPath"
JSONATA = "JSONata"
_UNSET: Any = object()
UNSET = _UNSET  # "field absent" (distinct from an explicit null)


@dataclass(slots=True)
class Retrier:
    error_equals: list[str]
    interval_seconds: float = 1
    max_attempts: int = 3
    backoff_rate: float = 2.0
    max_delay_seconds: float | None = None
    jitter_full: bool = False


@dataclass(slots=True)
class Catcher:
    error_equals: list[str]
    next: str
    result_path: Any = UNSET  # JSONPath only; UNSET means "$"
    assign: Any = UNSET
    output: Any = UNSET  # JSONata only


@dataclass(slots=True)
class State:
    name: str
    type: str
    query_language: str
    raw: dict[str, Any]
    next: str | None = None
    end: bool = False
    input_path: Any = UNSET  # UNSET -> "$"; None -> {}
    output_path: Any = UNSET
    assign: Any = UNSET
    output: Any = UNSET  # JSONata Output

    @property
    def jsonata(self) -> bool:
        return self.query_language == JSONATA


@dataclass(slots=True)
class PassState(State):
    parameters: Any = UNSET
    result: Any = UNSET
    result_path: Any = UNSET


@dataclass(slots=True)
class SucceedState(State):
    pass


@dataclass(slots=True)
class FailState(State):
    error: Any = UNSET
    error_path: Any = UNSET
    cause: Any = UNSET
    cause_path: Any = UNSET


@dataclass(slots=True)
class ChoiceBranch:
    rule: Any  # compiled ChoiceRule
    next: str
    assign: Any = UNSET
    output: Any = UNSET


@dataclass(slots=True)
class ChoiceState(State):
    choices: list[ChoiceBranch] = field(default_factory=list)
    default: str | None = None


@dataclass(slots=True)
class WaitState(State):
    seconds: Any = UNSET
    seconds_path: Any = UNSET
    timestamp: Any = UNSET
    timestamp_path: Any = UNSET


@dataclass(slots=True)
class RetryingState(State):
    """A state that can Retry and Catch (Task, Parallel, Map)."""

    parameters: Any = UNSET  # JSONPath Parameters / JSONata Arguments
    result_selector: Any = UNSET
    result_path: Any = UNSET
    retry: list[Retrier] = field(default_factory=list)
    catch: list[Catcher] = field(default_factory=list)


@dataclass(slots=True)
class TaskState(RetryingState):
    resource: ResourceRef | None = None
    resource_text: str = ""
    timeout_seconds: Any = UNSET
    timeout_seconds_path: Any = UNSET
    heartbeat_seconds: Any = UNSET
    heartbeat_seconds_path: Any = UNSET
    credentials: Any = UNSET


@dataclass(slots=True)
class Program:
    """A StartAt + States block: the machine itself, a Parallel branch or a Map processor."""

    start_at: str
    states: dict[str, State]
    query_language: str
    timeout_seconds: int | None = None
    processor_mode: str = "INLINE"  # Map processors only
    execution_type: str = "STANDARD"  # Map DISTRIBUTED child executions


@dataclass(slots=True)
class ParallelState(RetryingState):
    branches: list[Program] = field(default_factory=list)


@dataclass(slots=True)
class MapState(RetryingState):
    processor: Program | None = None
    items_path: Any = UNSET  # JSONPath
    items: Any = UNSET  # JSONata
    item_selector: Any = UNSET  # ItemSelector (or legacy Parameters)
    item_reader: Any = UNSET
    item_batcher: Any = UNSET
    result_writer: Any = UNSET
    max_concurrency: Any = UNSET
    max_concurrency_path: Any = UNSET
    tolerated_failure_count: Any = UNSET
    tolerated_failure_count_path: Any = UNSET
    tolerated_failure_percentage: Any = UNSET
    tolerated_failure_percentage_path: Any = UNSET
    label: str | None = None
    legacy_iterator: bool = False

    @property
    def distributed(self) -> bool:
        return self.processor is not None and self.processor.processor_mode == "DISTRIBUTED"
