"""The request id that ties audit rows to one web request or CLI command."""

from __future__ import annotations

import uuid
from contextvars import ContextVar

_request_id: ContextVar[str | None] = ContextVar("caravan_request_id", default=None)


def new_request_id(prefix: str = "req") -> str:
    value = f"{prefix}-{uuid.uuid4().hex[:16]}"
    _request_id.set(value)
    return value


def set_request_id(value: str | None) -> None:
    _request_id.set(value)


def current_request_id() -> str | None:
    return _request_id.get()
