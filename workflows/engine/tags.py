"""TagResource / UntagResource / ListTagsForResource, and the tags given at creation.

Tags belong to state machines and activities only: a version or alias ARN is, as on AWS, a
"Resource not found". Tags keep the order they were first set in (AWS lists them so); setting an
existing key replaces its value. A resource holds at most 50 tags (AWS's quota); a request that
would go past it fails whole with TooManyTags and changes nothing. Deleting the resource drops its
tags.
"""
from __future__ import annotations

from typing import Any, Iterable

from workflows.engine import arns
from workflows.engine.api_core import ClientCore
from workflows.engine.api_errors import api_error

MAX_TAGS_PER_RESOURCE = 50


class TagStore:
    def __init__(self) -> None:
        self._tags: dict[str, dict[str, str]] = {}

    def get(self, arn: str) -> dict[str, str]:
        return self._tags.get(arn, {})

    def add(self, arn: str, tags: Iterable[dict[str, Any]] | None) -> None:
        pairs = [(tag["key"], tag.get("value", "")) for tag in tags or ()]
        current = self._tags.get(arn, {})
        merged = dict(current)
        merged.update(pairs)
        if len(merged) > MAX_TAGS_PER_RESOURCE:
            raise api_error("TooManyTags", f"Too many tags: the resource '{arn}' would have {len(merged)} "
                                           f"tags, more than the {MAX_TAGS_PER_RESOURCE} allowed")
        if merged:
            self._tags[arn] = merged

    def remove(self, arn: str, keys: Iterable[str]) -> None:
        current = self._tags.get(arn)
        for key in keys:
            if current is not None:
                current.pop(key, None)

    def drop(self, arn: str) -> None:
        self._tags.pop(arn, None)


def check_tags(tags: Any) -> None:
    """A tag list as the API takes it: [{"key": str, "value": str}, ...]."""
    if tags is None:
        return
    if not isinstance(tags, list) or not all(isinstance(t, dict) and isinstance(t.get("key"), str)
                                             and isinstance(t.get("value", ""), str) for t in tags):
        raise api_error("ValidationException", f"tags must be a list of {{'key': str, 'value': str}}, got {tags!r}")


class TagOperations(ClientCore):
    _tags: TagStore

    def _taggable(self, arn: Any) -> str:
        found = arns.expect(arn, "stateMachine", "activity")
        exists = (arn in self._engine.activities if found.resource_type == "activity"
                  else arn in self._engine.machines)
        if not exists:
            raise api_error("ResourceNotFound", f"Resource not found: '{arn}'")
        return arn

    def tag_resource(self, *, resourceArn: str, tags: list[dict[str, str]]) -> dict[str, Any]:
        check_tags(tags)
        with self._lock:
            self._tags.add(self._taggable(resourceArn), tags)
            return {}

    def untag_resource(self, *, resourceArn: str, tagKeys: list[str]) -> dict[str, Any]:
        with self._lock:
            self._tags.remove(self._taggable(resourceArn), tagKeys)
            return {}

    def list_tags_for_resource(self, *, resourceArn: str) -> dict[str, Any]:
        with self._lock:
            tags = self._tags.get(self._taggable(resourceArn))
            return {"tags": [{"key": key, "value": value} for key, value in tags.items()]}
