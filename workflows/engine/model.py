"""Typed states: a definition is parsed once into these, and the interpreter only reads them.

Each field has the type of what ASL allows in it: a path is `str` (None where ASL's null means
"discard" or "{}"; "$" when absent), a payload the definition spells out (Parameters, Arguments,
ResultSelector, ItemSelector, Assign, Output, Result) is a `Template` (None when absent, so an
explicit null stays a value), and a field that may be a literal, a *Path or a JSONata string is a
`dynamic.DynamicValue` resolved at run time by `dynamic.resolve`. What the interpreter would
otherwise recompute per execution (choice rules, resource ARNs, the processor of a Map) is
prepared here once.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from workflows.engine.dynamic import DynamicValue
from workflows.engine.expressions import ChoiceRule
from workflows.engine.integrations.resources import ResourceRef
from workflows.engine.json_value import JSON, JSONObject

JSONPATH = "JSONPath"
JSONATA = "JSONata"


@dataclass(frozen=True, slots=True)
class Template:
    """A JSON value from the definition, evaluated per run: a payload template (JSONPath: keys ending
    in ".$" hold paths and intrinsics) or a value with `{% %}` strings inside (JSONata)."""

    value: JSON


@dataclass(slots=True)
class Retrier:
    error_equals: list[str]
    interval_seconds: float = 1
    max_attempts: int = 3
    backoff_rate: float = 2.0
    max_delay_seconds: float | None = None
    jitter_full: bool = False

    def delay(self, attempt: int) -> float:
        """IntervalSeconds * BackoffRate^attempt, capped by MaxDelaySeconds (before any jitter)."""
        delay = self.interval_seconds * self.backoff_rate ** attempt
        return delay if self.max_delay_seconds is None else min(delay, self.max_delay_seconds)


@dataclass(slots=True)
class Catcher:
    error_equals: list[str]
    next: str
    result_path: str | None = "$"  # JSONPath only
    assign: Template | None = None
    output: Template | None = None  # JSONata only


@dataclass(slots=True)
class State:
    name: str
    type: str
    query_language: str
    next: str | None = None
    end: bool = False
    input_path: str | None = "$"  # None: ASL's null, the state sees {}
    output_path: str | None = "$"
    assign: Template | None = None
    output: Template | None = None  # JSONata Output

    @property
    def jsonata(self) -> bool:
        return self.query_language == JSONATA


@dataclass(slots=True)
class PassState(State):
    parameters: Template | None = None
    result: Template | None = None
    result_path: str | None = "$"  # None: ASL's null, the input passes on


@dataclass(slots=True)
class SucceedState(State):
    pass


@dataclass(slots=True)
class FailState(State):
    error: DynamicValue | None = None
    cause: DynamicValue | None = None


@dataclass(slots=True)
class ChoiceBranch:
    rule: ChoiceRule
    next: str
    assign: Template | None = None
    output: Template | None = None


@dataclass(slots=True)
class ChoiceState(State):
    choices: list[ChoiceBranch] = field(default_factory=list)
    default: str | None = None


@dataclass(slots=True)
class WaitState(State):
    seconds: DynamicValue | None = None  # Seconds / SecondsPath
    timestamp: DynamicValue | None = None  # Timestamp / TimestampPath


@dataclass(slots=True)
class RetryingState(State):
    """A state that can Retry and Catch (Task, Parallel, Map)."""

    parameters: Template | None = None  # JSONPath Parameters / JSONata Arguments
    result_selector: Template | None = None
    result_path: str | None = "$"
    retry: list[Retrier] = field(default_factory=list)
    catch: list[Catcher] = field(default_factory=list)


@dataclass(slots=True)
class TaskState(RetryingState):
    resource: ResourceRef | None = None
    resource_text: str = ""
    timeout_seconds: DynamicValue | None = None
    heartbeat_seconds: DynamicValue | None = None
    credentials: Template | None = None


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
class ItemBatcher:
    max_items: DynamicValue | None = None  # MaxItemsPerBatch(Path)
    max_bytes: DynamicValue | None = None  # MaxInputBytesPerBatch(Path)
    batch_input: Template | None = None


@dataclass(slots=True)
class ItemReader:
    resource: str
    parameters: Template  # Parameters (JSONPath) / Arguments (JSONata); {} when absent
    config: JSONObject  # ReaderConfig
    max_items: DynamicValue | None = None  # ReaderConfig.MaxItems(Path); 0 or absent: every item


@dataclass(slots=True)
class ResultWriter:
    resource: str | None  # arn:aws:states:::s3:putObject; None: a preview (WriterConfig only)
    parameters: Template  # Parameters (JSONPath) / Arguments (JSONata): Bucket, Prefix
    config: JSONObject  # WriterConfig: Transformation, OutputType


@dataclass(slots=True)
class MapState(RetryingState):
    processor: Program | None = None
    items: DynamicValue | None = None  # ItemsPath (JSONPath) / Items (JSONata); None: the input itself
    item_selector: Template | None = None  # ItemSelector (or legacy Parameters)
    item_reader: ItemReader | None = None
    item_batcher: ItemBatcher | None = None
    result_writer: ResultWriter | None = None
    max_concurrency: DynamicValue | None = None
    tolerated_failure_count: DynamicValue | None = None
    tolerated_failure_percentage: DynamicValue | None = None
    label: str | None = None

    @property
    def distributed(self) -> bool:
        return self.processor is not None and self.processor.processor_mode == "DISTRIBUTED"
