"""Task tokens for `.waitForTaskToken` tasks and activities.

A token is opaque text; the record behind it holds the future the waiting task awaits, the time of
the last heartbeat, and whether it is still open. Closed tokens are remembered so a late or
duplicate callback gets AWS's TaskTimedOut instead of being applied twice.
"""
from __future__ import annotations

import base64
import random
from dataclasses import dataclass, field
from typing import Any, Callable

from workflows.engine.scheduler import Future

TOKEN_PREFIX = "AQB"


@dataclass(slots=True)
class TokenRecord:
    token: str
    execution_arn: str
    future: Future
    last_beat: float
    open: bool = True
    timed_out: bool = False
    activity_arn: str | None = None
    input_text: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class TokenRegistry:
    def __init__(self, rng: random.Random, now: Callable[[], float]) -> None:
        self._rng = rng
        self._now = now
        self._records: dict[str, TokenRecord] = {}  # every token ever issued (late callbacks)
        self._by_execution: dict[str, list[TokenRecord]] = {}  # tokens of executions still running
        self.current_execution: str = ""

    def new_token(self, execution_arn: str | None = None) -> str:
        raw = self._rng.getrandbits(8 * 96).to_bytes(96, "big")
        token = TOKEN_PREFIX + base64.b64encode(raw).decode("ascii")
        record = TokenRecord(token, execution_arn or self.current_execution, Future(), self._now())
        self._records[token] = record
        self._by_execution.setdefault(record.execution_arn, []).append(record)
        return token

    def get(self, token: str | None) -> TokenRecord | None:
        return self._records.get(token) if token is not None else None

    @staticmethod
    def well_formed(token: Any) -> bool:
        return isinstance(token, str) and 1 <= len(token) <= 2048

    def close(self, token: str | None, *, timed_out: bool = False) -> None:
        record = self.get(token)
        if record is not None and record.open:
            record.open = False
            record.timed_out = timed_out

    def close_execution(self, execution_arn: str) -> None:
        """Close what a stopped execution still holds: only its own tokens are looked at, so ending
        an execution costs the same however many tokens the engine has issued."""
        for record in self._by_execution.pop(execution_arn, ()):
            record.open = False
