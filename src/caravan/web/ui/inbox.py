"""The one inbox: the signed-in user's notifications, and the way to the agency's hit inbox.

Every exchange event a user is told about — a request received or answered, a release
awaiting approval, an overdue request, a watch alert, an operation's news — is listed
here, newest first. The services in :mod:`caravan.exchange.notify` decide what is whose;
these handlers parse the form, call them and render, as the JSON API
(:mod:`caravan.web.api.notifications`) does.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from jinja2 import pass_context
from sqlalchemy.orm import object_session

from caravan.access import Principal, allowed
from caravan.errors import FieldError, InvalidData
from caravan.exchange import notify
from caravan.match import inbox as hit_inbox
from caravan.store.models import Notification
from caravan.web.deps import CsrfDep, PrincipalDep, SessionDep
from caravan.web.templating import render, templates
from caravan.web.ui.helpers import N_

router = APIRouter()

#: What each family of notification kinds is called, and its icon (``kind`` up to the dot).
FAMILIES: dict[str, tuple[str, str]] = {
    "rfi": (N_("Request"), "✉"),
    "release": (N_("Release"), "✓"),
    "alert": (N_("Watch alert"), "⚑"),
    "operation": (N_("Operation"), "◎"),
}
OTHER = (N_("Notification"), "•")


def family(kind: str) -> tuple[str, str, str]:
    """``(family, label, icon)`` of a notification kind, e.g. ``rfi.received``."""
    name = kind.split(".", 1)[0]
    label, icon = FAMILIES.get(name, OTHER)
    return (name if name in FAMILIES else "other", label, icon)


def safe_link(link: str | None) -> str | None:
    """Only paths inside Caravan are links (never ``//host`` or ``javascript:``)."""
    if link and link.startswith("/") and not link.startswith("//") and "\\" not in link:
        return link
    return None


def _int(value: Any, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value))
    except ValueError:
        raise InvalidData([FieldError(field, "must be a whole number")]) from None
    if number < 1:
        raise InvalidData([FieldError(field, "must be a whole number")])
    return number


@router.get("/inbox")
def inbox_page(request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
    """The user's notifications, newest first; ``?unread=1`` shows the unread only."""
    unread_only = request.query_params.get("unread") in ("1", "true", "on")
    before = _int(request.query_params.get("before"), "before")
    notes: list[Notification] = notify.inbox(
        session, principal, unread_only=unread_only, limit=notify.PAGE + 1, before=before
    )
    more = len(notes) > notify.PAGE
    notes = notes[: notify.PAGE]
    hits = hit_inbox.unread_count(session, principal) if allowed(principal, "hits.read") else None
    context = {
        "notifications": [
            {"note": n, "family": family(n.kind), "link": safe_link(n.link)} for n in notes
        ],
        "unread_only": unread_only,
        "unread_total": notify.unread_count(session, principal),
        "next_before": notes[-1].id if more and notes else None,
        "paged": before is not None,
        "hits_unread": hits,
    }
    return render(request, "inbox/index.html", context)


@router.post("/inbox/read", dependencies=[CsrfDep])
async def mark_read(request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
    """Mark one notification (``id``) or all of them (``all``) read, then back to the inbox."""
    form = await request.form()
    note_id = _int(form.get("id"), "id")
    everything = form.get("all") in ("1", "true", "on")
    if note_id is None and not everything:
        raise InvalidData([FieldError("id", "choose a notification, or mark all read")])
    notify.mark_read(session, principal, None if everything else [note_id])  # type: ignore[list-item]
    session.commit()
    target = "/inbox?unread=1" if form.get("unread") in ("1", "true", "on") else "/inbox"
    return RedirectResponse(target, status_code=303)


@pass_context
def inbox_unread(context: Any) -> int | None:
    """Unread notifications of the signed-in user (for the navigation's badge)."""
    user = context.get("user")
    if user is None:
        return None
    principal = Principal.from_user(user)
    if not allowed(principal, "notification.read"):
        return None
    session = object_session(user)
    if session is None:  # an error page, rendered after the request's session closed
        return 0
    return notify.unread_count(session, principal)


def install() -> None:
    """Register what the navigation of every page needs (the inbox's unread count)."""
    templates.env.globals["inbox_unread"] = inbox_unread


__all__ = ["FAMILIES", "family", "install", "router", "safe_link"]
