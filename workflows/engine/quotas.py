"""Step Functions' run-time quotas, as behaviour: a runaway execution fails as it would on AWS.

- History: a Standard execution's history holds at most 25,000 events. AWS's "Avoid reaching the
  history quota" page: when an execution reaches 24,999 events it waits for the next one; if event
  25,000 is ExecutionSucceeded the execution succeeds, otherwise ExecutionFailed is logged and the
  execution fails, with error States.Runtime and cause "The execution reached the maximum number of
  history events (25000)." (the text AWS users report). Each child execution of a Distributed Map
  has its own history and budget. Express executions keep no history on AWS (CloudWatch Logs only),
  so they are not failed by it; here they record their first events up to the same number and then
  only their closing event, so a looping Express execution's memory stays bounded.
- Duration: an Express execution runs at most five minutes (and at most its TimeoutSeconds), then
  times out (States.Timeout). Under the virtual clock a loop that never waits would never see
  virtual time pass, so an Express execution's deadline also counts the wall time it has been
  running (checked at the interpreter's pauses).
- Payloads: a state's output (and a task's result) may be at most 256 KiB of UTF-8 JSON.
"""
from __future__ import annotations

HISTORY_EVENT_LIMIT = 25_000
HISTORY_LIMIT_CAUSE = f"The execution reached the maximum number of history events ({HISTORY_EVENT_LIMIT})."
EXPRESS_MAX_SECONDS = 300
DATA_LIMIT_BYTES = 256 * 1024
