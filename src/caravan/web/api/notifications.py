"""``/api/v1/notifications``: the signed-in user's one inbox.

Everything exchange tells a user — requests received, answers, approvals waiting, overdue
requests, watch alerts, operation events — is a notification here. Each user sees only
their own; e-mail and webhook copies are sent separately by the dispatcher.
"""

# No ``from __future__ import annotations``: FastAPI reads these annotations at runtime.

from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from caravan.access import require
from caravan.errors import FieldError, InvalidData
from caravan.exchange import notify
from caravan.store.models import Notification
from caravan.web.api.schemas import iso_utc
from caravan.web.deps import CsrfDep, PrincipalDep, SessionDep

router = APIRouter(tags=["notifications"])

#: The most ids one mark-read request may name.
MAX_IDS = 1000


class ReadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[int] | None = Field(
        None, description=f"Notifications to mark read (your own; at most {MAX_IDS})"
    )
    all: bool = Field(False, description="Mark every notification of yours read")


def notification_to_dict(note: Notification) -> dict[str, Any]:
    return {
        "id": note.id,
        "kind": note.kind,
        "title": note.title,
        "body": note.body,
        "link": note.link,
        "payload": note.payload,
        "watch": note.watch_id,
        "digest": note.digest,
        "created_at": iso_utc(note.created_at),
        "read_at": iso_utc(note.read_at),
        "unread": note.read_at is None,
    }


@router.get("/notifications")
def list_notifications(
    session: SessionDep,
    principal: PrincipalDep,
    unread: bool = Query(False, description="Only notifications not yet read"),
    limit: int = Query(notify.PAGE, ge=1, le=200, description="At most this many"),
    before: int | None = Query(
        None, ge=1, description="Only those older than this id (the previous page's next_before)"
    ),
) -> dict[str, Any]:
    """Your notifications, newest first; page on with ``before=next_before``."""
    notes = notify.inbox(session, principal, unread_only=unread, limit=limit + 1, before=before)
    more = len(notes) > limit
    notes = notes[:limit]
    return {
        "items": [notification_to_dict(n) for n in notes],
        "unread": notify.unread_count(session, principal),
        "next_before": notes[-1].id if more and notes else None,
    }


@router.get("/notifications/unread-count")
def unread_count(session: SessionDep, principal: PrincipalDep) -> dict[str, int]:
    """How many of your notifications are unread (for a badge)."""
    require(principal, "notification.read")
    return {"unread": notify.unread_count(session, principal)}


@router.post("/notifications/read", dependencies=[CsrfDep])
def mark_read(body: ReadIn, session: SessionDep, principal: PrincipalDep) -> dict[str, int]:
    """Mark notifications read: ``{"ids": [..]}`` or ``{"all": true}``.

    Ids that are not yours (or do not exist) are passed over: ``marked`` counts what changed.
    """
    if body.all == (body.ids is not None):
        raise InvalidData([FieldError("ids", 'give either "ids" or "all": true, not both')])
    if body.ids is not None and len(body.ids) > MAX_IDS:
        raise InvalidData([FieldError("ids", f"at most {MAX_IDS} ids in one request")])
    marked = notify.mark_read(session, principal, None if body.all else body.ids)
    session.flush()
    return {"marked": marked, "unread": notify.unread_count(session, principal)}
