"""Appending to the hash chain and verifying it.

Each row's hash is ``sha256(prev_hash + canonical_json(row))``. Altering any
stored field changes the recomputed hash; removing a row breaks the sequence or
the link to the previous hash; truncating the tail disagrees with the head row.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from caravan.access.principal import Principal
from caravan.audit.context import current_request_id
from caravan.store.models import AuditEvent, AuditHead
from caravan.store.models.base import utcnow

GENESIS_HASH = "0" * 64
HASHED_FIELDS = (
    "seq",
    "occurred_at",
    "action",
    "actor_id",
    "actor",
    "agency",
    "object_kind",
    "object_id",
    "request_id",
    "outcome",
    "before",
    "after",
    "detail",
    "prev_hash",
)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | Decimal):
        return str(value)
    return str(value)


def json_safe(value: Any) -> Any:
    """Make ``value`` exactly what a JSON column will give back (so hashes are stable)."""
    if value is None:
        return None
    return json.loads(json.dumps(value, default=_json_default, ensure_ascii=False))


def _timestamp(value: datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds")


def canonical(event: AuditEvent) -> str:
    data = {name: getattr(event, name) for name in HASHED_FIELDS}
    data["occurred_at"] = _timestamp(event.occurred_at)
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def compute_hash(event: AuditEvent) -> str:
    return hashlib.sha256((event.prev_hash + canonical(event)).encode("utf-8")).hexdigest()


def append(
    session: Session,
    action: str,
    *,
    principal: Principal | None = None,
    actor: str | None = None,
    object_kind: str | None = None,
    object_id: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    detail: str | None = None,
    outcome: str = "ok",
) -> AuditEvent:
    """Append one event in the caller's transaction (it commits with the change it records)."""
    # Touch the head first: the UPDATE takes the write lock on SQLite and the row
    # lock on PostgreSQL, so concurrent writers queue instead of forking the chain.
    touched = session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq))
    head = session.get(AuditHead, 1, populate_existing=True)
    if head is None or not touched.rowcount:  # type: ignore[attr-defined]
        head = AuditHead(id=1, seq=0, hash=GENESIS_HASH)
        session.add(head)
        session.flush()
    event = AuditEvent(
        seq=head.seq + 1,
        occurred_at=utcnow(),
        action=action,
        actor_id=principal.user_id if principal else None,
        actor=principal.username if principal else actor,
        agency=principal.agency_code if principal else None,
        object_kind=object_kind,
        object_id=str(object_id) if object_id is not None else None,
        request_id=current_request_id(),
        outcome=outcome,
        before=json_safe(before),
        after=json_safe(after),
        detail=detail,
        prev_hash=head.hash,
    )
    event.hash = compute_hash(event)
    session.add(event)
    head.seq = event.seq
    head.hash = event.hash
    session.flush()
    return event


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    rows_checked: int
    first_bad_seq: int | None = None
    problem: str | None = None


def verify(session: Session, batch: int = 5000) -> VerifyResult:
    """Recompute the whole chain and name the first row altered or removed."""
    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0
    last_seq = 0
    while True:
        rows = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.seq >= expected_seq)
            .order_by(AuditEvent.seq)
            .limit(batch)
        ).all()
        if not rows:
            break
        for row in rows:
            if row.seq != expected_seq:
                return VerifyResult(False, checked, expected_seq, f"row {expected_seq} was removed")
            if row.prev_hash != prev_hash:
                return VerifyResult(
                    False,
                    checked,
                    row.seq,
                    f"row {row.seq} does not follow row {row.seq - 1}: "
                    f"a row before it was altered or replaced",
                )
            if compute_hash(row) != row.hash:
                return VerifyResult(False, checked, row.seq, f"row {row.seq} was altered")
            prev_hash = row.hash
            last_seq = row.seq
            expected_seq += 1
            checked += 1
        session.expunge_all()
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq != last_seq or head.hash != prev_hash):
        first_missing = last_seq + 1
        return VerifyResult(
            False,
            checked,
            first_missing,
            f"the chain ends at row {last_seq} but its head records row {head.seq}: "
            f"row {first_missing} onwards was removed",
        )
    return VerifyResult(True, checked)
