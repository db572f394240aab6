"""Before/after snapshots of rows, for audit events."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect

#: Columns never written into the audit log.
SECRET_COLUMNS = frozenset({"password_hash", "token_hash", "csrf_token"})


def snapshot(obj: Any, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Column values of a mapped object (secrets left out), JSON-ready via the chain."""
    mapper = inspect(obj).mapper
    data = {
        attr.key: getattr(obj, attr.key)
        for attr in mapper.column_attrs
        if attr.key not in SECRET_COLUMNS
    }
    if extra:
        data.update(extra)
    return data


def changed_fields(
    before: dict[str, Any], after: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that changed, on each side."""
    keys = [
        k for k in after if before.get(k) != after.get(k) and k not in {"updated_at", "version"}
    ]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}
