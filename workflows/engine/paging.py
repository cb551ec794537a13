"""`maxResults` / `nextToken` paging, shared by every List* operation and GetExecutionHistory.

A token is the opaque offset of the next page; a token this engine did not issue is refused with
AWS's InvalidToken. maxResults 0 (or absent) means AWS's default page of up to 1000 items; above
1000 is AWS's ValidationException.
"""
from __future__ import annotations

import base64
from typing import Sequence, TypeVar

from workflows.engine.api_errors import api_error

MAX_PAGE = 1000
T = TypeVar("T")


def page(items: Sequence[T], max_results: int | None, next_token: str | None,
         invalid_token: str | None = None) -> tuple[list[T], str | None]:
    """(this page, the token of the next one or None). `invalid_token` overrides the message of
    InvalidToken (AWS words it differently per operation)."""
    start = 0
    if next_token:
        try:
            start = int(base64.urlsafe_b64decode(next_token.encode()).decode())
        except (ValueError, UnicodeDecodeError):
            raise api_error("InvalidToken", invalid_token or f"Invalid Token: '{next_token}'") from None
        if start < 0:
            raise api_error("InvalidToken", invalid_token or f"Invalid Token: '{next_token}'")
    size = max_results or MAX_PAGE
    if not 0 <= size <= MAX_PAGE:
        raise api_error("ValidationException",
                        f"1 validation error detected: Value '{max_results}' at 'maxResults' failed to "
                        f"satisfy constraint: Member must have value less than or equal to 1000")
    end = start + size
    token = base64.urlsafe_b64encode(str(end).encode()).decode() if end < len(items) else None
    return list(items[start:end]), token


def paged(key: str, items: Sequence[object], max_results: int | None, next_token: str | None,
          invalid_token: str | None = None) -> dict[str, object]:
    """`{key: [...], "nextToken": ...}` as the List* operations answer."""
    chunk, token = page(items, max_results, next_token, invalid_token)
    return {key: chunk, **({"nextToken": token} if token else {})}
