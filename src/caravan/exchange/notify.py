"""The one inbox: every exchange event becomes a :class:`Notification` per user.

:func:`notify` writes the notifications in the caller's transaction, with the e-mails and
webhook calls they need as queued :class:`Delivery` rows, so nothing is sent for a change
that is rolled back, and nothing is sent *in* the request: the dispatcher
(:mod:`caravan.exchange.deliveries`) sends them after the commit, retrying with back-off.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from caravan.access import Principal, personal_clause, require
from caravan.store.models import Delivery, Notification, User, Watch
from caravan.store.models.base import utcnow

#: Notifications an inbox page shows.
PAGE = 50


def agency_users(session: Session, agency_id: int, roles: Sequence[str] | None = None) -> list[int]:
    """Active users of an agency (of ``roles`` only, when given)."""
    stmt = select(User.id).where(User.agency_id == agency_id, User.is_active.is_(True))
    if roles:
        stmt = stmt.where(User.role.in_(roles))
    return list(session.scalars(stmt.order_by(User.id)))


def webhook_body(notification: Notification, watch: Watch | None = None) -> str:
    """The JSON a webhook receiver gets for one notification."""
    return json.dumps(
        {
            "event": notification.kind,
            "title": notification.title,
            "body": notification.body,
            "link": notification.link,
            "watch": watch.id if watch is not None else None,
            "payload": notification.payload,
            "created_at": notification.created_at.isoformat(),
        },
        ensure_ascii=False,
        sort_keys=True,
        default=str,
    )


def email_text(notification: Notification) -> str:
    """The plain-text e-mail for one notification."""
    lines = (
        [notification.title, "", notification.body] if notification.body else [notification.title]
    )
    if notification.link:
        lines += ["", f"Open in Caravan: {notification.link}"]
    return "\n".join(lines) + "\n"


def notify(
    session: Session,
    user_ids: Iterable[int],
    kind: str,
    title: str,
    *,
    body: str = "",
    link: str | None = None,
    payload: dict[str, Any] | None = None,
    watch: Watch | None = None,
) -> list[Notification]:
    """File one notification per user and queue its e-mail (and, for a watch, webhook).

    E-mail goes to users who gave an address; for a watch, only when the watch asks for
    e-mail. A watch in ``digest`` mode files the notification at once but leaves e-mail and
    webhook to the daily digest.
    """
    ids = list(dict.fromkeys(user_ids))
    if not ids:
        return []
    now = utcnow()
    digest = watch is not None and watch.delivery == "digest"
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))}
    made: list[Notification] = []
    for user_id in ids:
        user = users.get(user_id)
        if user is None or not user.is_active:
            continue
        note = Notification(
            user_id=user_id,
            kind=kind,
            title=title[:300],
            body=body,
            link=link,
            payload=payload or {},
            watch_id=watch.id if watch is not None else None,
            digest=digest,
            created_at=now,
        )
        session.add(note)
        made.append(note)
    session.flush()
    if digest:
        return made
    for note in made:
        user = users[note.user_id]
        wants_email = watch.email if watch is not None else True
        if user.email and wants_email:
            session.add(
                Delivery(
                    user_id=user.id,
                    notification_id=note.id,
                    channel="email",
                    target=user.email,
                    subject=note.title,
                    body=email_text(note),
                    next_attempt_at=now,
                )
            )
        if watch is not None and watch.webhook_url:
            session.add(
                Delivery(
                    user_id=user.id,
                    notification_id=note.id,
                    channel="webhook",
                    target=watch.webhook_url,
                    subject=note.title,
                    body=webhook_body(note, watch),
                    watch_id=watch.id,
                    next_attempt_at=now,
                )
            )
    session.flush()
    return made


# --------------------------------------------------------------------------- the inbox


def inbox(
    session: Session,
    principal: Principal,
    *,
    unread_only: bool = False,
    limit: int = PAGE,
    before: int | None = None,
) -> list[Notification]:
    """The principal's notifications, newest first (older than id ``before``, to page on)."""
    require(principal, "notification.read")
    stmt = select(Notification).where(personal_clause(Notification.user_id, principal))
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    if before is not None:
        stmt = stmt.where(Notification.id < before)
    return list(session.scalars(stmt.order_by(Notification.id.desc()).limit(limit)))


def unread_count(session: Session, principal: Principal) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(personal_clause(Notification.user_id, principal), Notification.read_at.is_(None))
        )
        or 0
    )


def mark_read(
    session: Session,
    principal: Principal,
    ids: Iterable[int] | None = None,
    *,
    at: datetime | None = None,
) -> int:
    """Mark the principal's notifications read (``ids``; all of them when ``None``)."""
    require(principal, "notification.read")
    stmt = update(Notification).where(
        personal_clause(Notification.user_id, principal), Notification.read_at.is_(None)
    )
    if ids is not None:
        wanted = list(ids)
        if not wanted:
            return 0
        stmt = stmt.where(Notification.id.in_(wanted))
    result = session.execute(stmt.values(read_at=at or utcnow()))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


__all__ = [
    "agency_users",
    "email_text",
    "inbox",
    "mark_read",
    "notify",
    "unread_count",
    "webhook_body",
]
