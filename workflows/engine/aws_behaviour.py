"""AWS Step Functions behaviours that changed over time, and which era the engine emulates.

Why: the engine follows current AWS by default, but histories recorded on AWS before a change
(the conformance corpus spans 2023-2026) show the older behaviour. Each change below is dated by
recordings in that corpus, so replaying an old recording can ask for the AWS of its day
(`StepFunctions(..., aws_behaviour_as_of=date)`) instead of the engine carrying a heuristic.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass

# $$.Execution.RedriveCount arrived with execution redrive (launched 2023-11-15); recordings from
# October 2023 lack it, every later Standard/async-Express one has it.
REDRIVE_COUNT_SINCE = datetime.date(2023, 11, 15)
# A distributed Map's MapStateExited chains to MapRunSucceeded in every recording up to
# 2024-08-19 (34 exits) and to MapRunStarted in every recording from 2024-11-13 on (14 exits).
MAP_EXIT_AFTER_RUN_STARTED_SINCE = datetime.date(2024, 11, 1)


@dataclass(frozen=True)
class AwsBehaviour:
    redrive_count: bool = True  # $$.Execution.RedriveCount present (not for StartSyncExecution)
    map_exit_after_run_started: bool = True  # MapStateExited.previousEventId = MapRunStarted

    @classmethod
    def as_of(cls, when: datetime.date | str | None) -> AwsBehaviour:
        """Current AWS for None; else the behaviour on `when` (a date or 'YYYY-MM-DD')."""
        if when is None:
            return cls()
        if isinstance(when, str):
            try:
                when = datetime.date.fromisoformat(when)
            except ValueError:
                raise ValueError(f"aws_behaviour_as_of must be a date or 'YYYY-MM-DD', not {when!r}") from None
        if isinstance(when, datetime.datetime):
            when = when.date()
        return cls(redrive_count=when >= REDRIVE_COUNT_SINCE,
                   map_exit_after_run_started=when >= MAP_EXIT_AFTER_RUN_STARTED_SINCE)
