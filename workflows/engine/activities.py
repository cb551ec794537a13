"""Activities: CreateActivity, DescribeActivity, ListActivities, DeleteActivity, GetActivityTask.

An activity is a named queue of task tokens. A Task state whose Resource is the activity ARN puts
a token on it (see the engine's `_activity`); a worker takes it with GetActivityTask and answers
with SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat, as against AWS. GetActivityTask
returns at once, with no taskToken when nothing is queued (AWS holds the poll up to 60 s; a local
worker just polls again).

CreateActivity is idempotent on the name; asking again with another encryption configuration is
AWS's ActivityAlreadyExists. Tags given at creation are the activity's tags (`tags`).
"""
from __future__ import annotations

from typing import Any

from workflows.engine import arns
from workflows.engine.api_core import ClientCore, check_name
from workflows.engine.api_errors import api_error
from workflows.engine.machine_settings import encryption_configuration
from workflows.engine.paging import paged
from workflows.engine.runtime import to_datetime
from workflows.engine.tags import TagStore, check_tags


class ActivityOperations(ClientCore):
    _tags: TagStore

    def _activity_record(self, arn: Any) -> dict[str, Any]:
        arns.expect(arn, "activity")
        activity = self._engine.activities.get(arn)
        if activity is None:
            raise api_error("ActivityDoesNotExist", f"Activity Does Not Exist: '{arn}'")
        return activity

    def create_activity(self, *, name: str, tags: list[dict[str, str]] | None = None,
                        encryptionConfiguration: dict[str, Any] | None = None) -> dict[str, Any]:
        check_name(name)
        check_tags(tags)
        encryption = encryption_configuration(encryptionConfiguration)
        with self._lock:
            arn = f"arn:{self._partition}:states:{self.region_name}:{self.account_id}:activity:{name}"
            activity = self._engine.activities.get(arn)
            if activity is None:
                self._tags.add(arn, tags)
                activity = {"name": name, "queue": [], "created": self._now(), "encryption": encryption}
                self._engine.activities[arn] = activity
            elif encryptionConfiguration is not None and activity.get("encryption") != encryption:
                raise api_error("ActivityAlreadyExists",
                                "Activity already exists. EncryptionConfiguration may not be updated.")
            return {"activityArn": arn, "creationDate": to_datetime(activity["created"])}

    def describe_activity(self, *, activityArn: str) -> dict[str, Any]:
        with self._lock:
            activity = self._activity_record(activityArn)
            return {"activityArn": activityArn, "name": activity["name"],
                    "creationDate": to_datetime(activity["created"]),
                    "encryptionConfiguration": dict(activity.get("encryption") or {"type": "AWS_OWNED_KEY"})}

    def list_activities(self, *, maxResults: int | None = None, nextToken: str | None = None) -> dict[str, Any]:
        with self._lock:
            items = [{"activityArn": arn, "name": a["name"], "creationDate": to_datetime(a["created"])}
                     for arn, a in self._engine.activities.items()]
        return paged("activities", items, maxResults, nextToken)

    def delete_activity(self, *, activityArn: str) -> dict[str, Any]:
        arns.expect(activityArn, "activity")
        with self._lock:
            self._engine.activities.pop(activityArn, None)
            self._tags.drop(activityArn)
            return {}

    def get_activity_task(self, *, activityArn: str, workerName: str | None = None) -> dict[str, Any]:
        with self._lock:
            activity = self._activity_record(activityArn)
            while activity["queue"]:
                token = activity["queue"].pop(0)
                record = self._engine.tokens.get(token)
                if record is not None and record.open:
                    record.extra["on_start"](workerName)
                    return {"taskToken": token, "input": record.input_text}
            return {}
