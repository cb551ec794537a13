"""Load tests of the signup and migration workflows against a running local stack (`workflows load signup`).

- target.py: the stack (loopback only, found through GET /_local/health, control token sent);
- prefill.py: M items shaped like signup's, ids from the counter;
- driver.py: N signups from C callers (StartSyncExecution or POST /users) within a time limit;
- invariant.py: every id the run allocated is a user or a tombstone, nothing orphaned;
- migration.py: migrate_batch at scale (batches under its maximum, paced) and the migration invariant.
The CLI (workflows/cli/load.py) and bench/local.py put them together.
"""
