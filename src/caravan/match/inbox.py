"""The owner's hit inbox: which agency and user checked a selector that hit one of the
agency's restricted records, when, and what matched."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from caravan.access import Principal, require
from caravan.store.models import HitNotification
from caravan.store.models.base import utcnow

PAGE = 200


def inbox(session: Session, principal: Principal, *, limit: int = PAGE) -> list[HitNotification]:
    """The newest notifications of the principal's agency."""
    require(principal, "hits.read")
    return list(
        session.scalars(
            select(HitNotification)
            .where(HitNotification.owner_agency_id == principal.agency_id)
            .order_by(HitNotification.last_at.desc(), HitNotification.id.desc())
            .limit(limit)
        )
    )


def unread_count(session: Session, principal: Principal) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(HitNotification)
            .where(
                HitNotification.owner_agency_id == principal.agency_id,
                HitNotification.read_at.is_(None),
            )
        )
        or 0
    )


def mark_read(session: Session, principal: Principal, shown: list[HitNotification]) -> None:
    """The notifications ``shown`` to the principal are read (ones that came in since stay
    unread)."""
    require(principal, "hits.read")
    ids = [n.id for n in shown if n.read_at is None]
    if ids:
        session.execute(
            update(HitNotification)
            .where(
                HitNotification.owner_agency_id == principal.agency_id,
                HitNotification.id.in_(ids),
                HitNotification.read_at.is_(None),
            )
            .values(read_at=utcnow())
        )


def inbox_item(n: HitNotification) -> dict[str, Any]:
    return {
        "id": n.id,
        "record_kind": n.record_kind,
        "record_id": str(n.record_id),
        "reference": n.reference,
        "handling_code": n.handling_code,
        "asker_agency": n.asker_agency.code,
        "asker_user": n.asker_user.username,
        "day": n.day.isoformat(),
        "first_at": n.first_at.isoformat(),
        "last_at": n.last_at.isoformat(),
        "count": n.count,
        "matched": n.matched,
        "band": n.band,
        "score": n.score,
        "read": n.read_at is not None,
    }


__all__ = ["PAGE", "inbox", "inbox_item", "mark_read", "unread_count"]
