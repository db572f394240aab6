"""Requests for information in the browser: the inbox, outbox and approvals; a new request
(pre-filled from a hit notice); one request with its answers, releases and the actions each
side may take.

:mod:`caravan.exchange.rfis` decides everything — who may see a request, act on it, read an
answer or a released record. These handlers parse the form, call it and render, as the JSON
API (:mod:`caravan.web.api.rfis`) does. A refused step (a conflict, a missing permission, a
bad field) re-renders the page with the reason beside the form that caused it.
"""

# No ``from __future__ import annotations``: FastAPI reads these annotations at runtime.

import re
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from caravan.access import HitNotice, Principal, allowed, require
from caravan.config import Settings
from caravan.errors import (
    CaravanError,
    Conflict,
    FieldError,
    InvalidData,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
)
from caravan.exchange import rfis
from caravan.match.checks import PAGES
from caravan.store.models import Agency, RecordMixin, Release, Rfi, RfiAnswer
from caravan.web.api.rfis import attachment_response
from caravan.web.deps import CsrfDep, LangDep, PrincipalDep, SessionDep, SettingsDep
from caravan.web.i18n import translations
from caravan.web.templating import render
from caravan.web.ui.forms import FormState
from caravan.web.ui.helpers import N_

router = APIRouter()

BOXES = ("inbox", "outbox", "approvals")
#: Rows of subjects the new-request form shows at least (blank ones are ignored).
SUBJECT_ROWS = 3
_SUBJECT_ERROR = re.compile(r"^subjects\[(\d+)\]\.(kind|reference)$")
_RELEASE_ERROR = re.compile(r"^releases\[(\d+)\]")

STATE_LABELS = {
    "draft": N_("Draft"),
    "sent": N_("Sent"),
    "acknowledged": N_("Acknowledged"),
    "answered": N_("Answered"),
    "partly_answered": N_("Partly answered"),
    "refused": N_("Refused"),
    "closed": N_("Closed"),
}
PRIORITY_LABELS = {"urgent": N_("Urgent"), "high": N_("High"), "normal": N_("Normal")}
OUTCOME_LABELS = {
    "answered": N_("Answered"),
    "partly_answered": N_("Partly answered"),
    "refused": N_("Refused"),
}
KIND_LABELS = {
    "person": N_("Person"),
    "organisation": N_("Company"),
    "vehicle": N_("Vehicle"),
    "phone": N_("Phone"),
    "document": N_("Document"),
    "location": N_("Location"),
    "seizure": N_("Seizure"),
    "report": N_("Report"),
}
ANSWER_STATUS_LABELS = {
    "pending": N_("Waiting for a supervisor's approval"),
    "released": N_("Released"),
    "returned": N_("Returned"),
}
NOTICES = {
    "sent": N_("The request was sent."),
    "saved": N_("The request was saved as a draft."),
    "filed": N_("The requests were filed, one to each agency."),
    "acknowledged": N_("You acknowledged the request."),
    "answered": N_("Your answer was released to the asking agency."),
    "pending": N_("Your answer waits for a supervisor's approval before anything is released."),
    "approved": N_("The answer was approved and its records released."),
    "returned": N_("The answer was returned to its author."),
    "closed": N_("The request was closed."),
    "discarded": N_("The draft was discarded."),
    "attached": N_("The file was attached."),
}
#: The subject a request written from a hit notice starts with.
SUBJECT_FROM_HIT = N_("Request for information: your record %(reference)s (%(kind)s)")
#: Messages of the request services shown through ``_()``; marked here so each has Russian.
SERVICE_MESSAGES = (
    N_("is required"),
    N_("name at least one agency to ask"),
    N_("say why the answer is returned"),
    N_("a refusal releases nothing"),
    N_("Only the asking agency may do this"),
    N_("Only the agency asked may do this"),
    N_("You wrote this answer: another supervisor must approve it"),
    N_("Choose a file"),
)


def localise(message: str, lang: str) -> str:
    """A service's message in ``lang`` (English is the services' own language)."""
    return message if lang == "en" else translations(lang).gettext(message)


def _rfi_id(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise NotFound(f"No request for information {value} that you may see") from None


def _visible(session: Session, principal: Principal, value: str) -> int:
    """The id of a request the principal's agency may see — else :class:`NotFound`, before
    anything is read from the form or changed."""
    number = _rfi_id(value)
    rfis.get(session, principal, number)
    return number


def record_label(record: RecordMixin) -> str:
    """What a record is called on a page: a person's name, a report's title, a phone…"""
    if hasattr(record, "full_name"):
        return str(record.full_name)
    return str(getattr(record, "label", record.reference))


@dataclass(frozen=True)
class ReleasedView:
    """One released record as this reader may see it: the record (with its page, where
    one exists) or a notice of whom to ask."""

    release: Release
    record: RecordMixin | None
    notice: HitNotice | None
    label: str
    url: str | None


def _released(session: Session, principal: Principal, rfi: Rfi) -> dict[int, list[ReleasedView]]:
    """Released records by answer id."""
    found: dict[int, list[ReleasedView]] = {}
    for release, view in rfis.released_views(session, principal, rfi):
        record = view if isinstance(view, RecordMixin) else None
        notice = view if isinstance(view, HitNotice) else None
        url = (
            PAGES[record.KIND].format(record.id)
            if record is not None and record.KIND in PAGES
            else None
        )
        label = record_label(record) if record is not None else ""
        found.setdefault(release.answer_id, []).append(
            ReleasedView(release, record, notice, label, url)
        )
    return found


def _deadlines(settings: Settings) -> dict[str, int]:
    return {p: int(rfis.deadline(settings, p).total_seconds() // 3600) for p in rfis.PRIORITIES}


# --------------------------------------------------------------------------- the boxes


@router.get("/rfis")
def boxes(request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
    """``?box=inbox`` (requests to my agency), ``outbox`` (from it, drafts too) or
    ``approvals`` (answers of my agency waiting for a supervisor)."""
    params = request.query_params
    box = params.get("box") or "inbox"
    if box not in BOXES:
        box = "inbox"
    state = params.get("state") or None
    overdue = params.get("overdue") in ("1", "true", "on")
    may_approve = allowed(principal, "release.approve")
    approvals = rfis.pending_approvals(session, principal) if may_approve else []
    context: dict[str, Any] = {
        "box": box,
        "state": state or "",
        "overdue": overdue,
        "may_approve": may_approve,
        "approvals": approvals,
        "items": [],
        "stats": None,
        "filter_error": None,
    }
    if box == "approvals":
        require(principal, "release.approve")
    else:
        try:
            items = rfis.listing(session, principal, box, state=state, overdue=overdue)
        except InvalidData as exc:
            context["filter_error"] = exc.errors[0].message
            items = rfis.listing(session, principal, box, overdue=overdue)
            context["state"] = ""
        context["items"] = items
        context["stats"] = rfis.stats(session, principal, box)
    context.update(_labels())
    context["is_overdue"] = rfis.is_overdue
    return render(request, "rfis/list.html", context)


def _labels() -> dict[str, Any]:
    return {
        "state_labels": STATE_LABELS,
        "priority_labels": PRIORITY_LABELS,
        "outcome_labels": OUTCOME_LABELS,
        "kind_labels": KIND_LABELS,
        "answer_status_labels": ANSWER_STATUS_LABELS,
        "rfi_notices": NOTICES,
    }


# --------------------------------------------------------------------------- a new request


def _agencies(session: Session, principal: Principal, lang: str) -> list[tuple[str, str]]:
    rows = session.scalars(select(Agency).order_by(Agency.code))
    return [(a.code, a.name(lang)) for a in rows if a.id != principal.agency_id]


def _new_page(
    request: Request,
    session: Session,
    principal: Principal,
    settings: Settings,
    lang: str,
    form: FormState,
    subjects: list[dict[str, str]],
    status_code: int = 200,
    editing: Rfi | None = None,
) -> Response:
    rows = list(subjects) + [{} for _ in range(max(1, SUBJECT_ROWS - len(subjects)))]
    context = {
        "editing": editing,
        "form": form,
        "subjects": rows,
        "agencies": _agencies(session, principal, lang),
        "deadlines": _deadlines(settings),
        "max_attachment_mb": settings.max_attachment_mb,
        **_labels(),
    }
    return render(request, "rfis/new.html", context, status_code=status_code)


@router.get("/rfis/new")
def new_form(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    lang: LangDep,
) -> Response:
    """The form; ``?to=&kind=&reference=`` (a hit notice's link) fill in whom and what."""
    require(principal, "rfi.create")
    params = request.query_params
    to = [c.strip() for c in params.getlist("to") if c.strip()]
    kind = (params.get("kind") or "").strip()
    reference = (params.get("reference") or "").strip()[:100]
    form = FormState(values={"to": to, "priority": "normal"})
    subjects: list[dict[str, str]] = []
    if reference:
        kind = kind if kind in rfis.RECORD_KINDS else ""
        subjects.append({"kind": kind, "reference": reference})
        gettext = translations(lang).gettext
        form.values["subject"] = gettext(SUBJECT_FROM_HIT) % {
            "reference": reference,
            "kind": gettext(KIND_LABELS.get(kind, kind)) if kind else "?",
        }
    return _new_page(request, session, principal, settings, lang, form, subjects)


def _subject_rows(form: FormData) -> list[dict[str, str]]:
    """The subject rows posted (``subject-<n>-kind``/``-reference``), blank ones dropped,
    in the order posted: the services number them from 1 in this order."""
    rows: dict[int, dict[str, str]] = {}
    for key, value in form.multi_items():
        match = re.fullmatch(r"subject-(\d{1,3})-(kind|reference)", key)
        if match and isinstance(value, str):
            rows.setdefault(int(match.group(1)), {})[match.group(2)] = value.strip()
    return [
        {"kind": r.get("kind", ""), "reference": r.get("reference", "")}
        for _, r in sorted(rows.items())
        if r.get("reference")
    ]


@router.post("/rfis/new", dependencies=[CsrfDep])
async def create(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    lang: LangDep,
) -> Response:
    """File the request (one per agency named) as a draft, or send it at once."""
    require(principal, "rfi.create")
    posted = await request.form()
    send = posted.get("action") == "send"
    form = FormState(
        values={
            "to": [str(v) for v in posted.getlist("to") if v],
            **{
                name: str(posted.get(name) or "")
                for name in ("priority", "subject", "question", "legal_basis", "purpose")
            },
        }
    )
    subjects = _subject_rows(posted)
    upload = posted.get("file")
    raw = {**form.values, "subjects": subjects}
    try:
        made = rfis.create(session, principal, raw, settings, send=send)
        if isinstance(upload, UploadFile) and upload.filename:
            data = await upload.read(settings.max_attachment_mb * 1024 * 1024 + 1)
            for rfi in made:
                rfis.attach(
                    session, principal, rfi.id, upload.filename, upload.content_type, data, settings
                )
    except (InvalidData, PayloadTooLarge) as exc:
        session.rollback()
        errors = exc.errors if isinstance(exc, InvalidData) else [FieldError("file", exc.message)]
        _form_errors(form, errors, lang)
        if isinstance(upload, UploadFile) and upload.filename and "file" not in form.errors:
            form.errors.setdefault("file", []).append(
                localise(N_("Nothing was saved: choose the file again."), lang)
            )
        status = 413 if isinstance(exc, PayloadTooLarge) else 422
        return _new_page(request, session, principal, settings, lang, form, subjects, status)
    session.commit()
    notice = "sent" if send else "saved"
    if len(made) == 1:
        return RedirectResponse(f"/rfis/{made[0].id}?notice={notice}", status_code=303)
    return RedirectResponse("/rfis?box=outbox&notice=filed", status_code=303)


_DRAFT_FIELDS = ("priority", "subject", "question", "legal_basis", "purpose")


def _draft(session: Session, principal: Principal, rfi_id: str) -> Rfi:
    """A draft of the principal's agency to change (another agency's request: 404)."""
    require(principal, "rfi.create")
    return rfis.get(session, principal, _visible(session, principal, rfi_id))


@router.get("/rfis/{rfi_id}/edit")
def edit_form(
    request: Request,
    rfi_id: str,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    lang: LangDep,
) -> Response:
    """The form again, filled with the draft (drafts only: a sent request is not changed)."""
    rfi = _draft(session, principal, rfi_id)
    if rfi.state != "draft" or rfi.from_agency_id != principal.agency_id:
        refusal = Conflict(f"{rfi.reference} was sent: only drafts can be changed")
        return _refused(request, session, principal, rfi.id, refusal, lang)
    form = FormState(values={name: getattr(rfi, name) for name in _DRAFT_FIELDS})
    return _new_page(
        request, session, principal, settings, lang, form, list(rfi.subjects), editing=rfi
    )


@router.post("/rfis/{rfi_id}/edit", dependencies=[CsrfDep])
async def edit(
    request: Request,
    rfi_id: str,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    lang: LangDep,
) -> Response:
    """Save the changed draft, and send it when asked to."""
    rfi = _draft(session, principal, rfi_id)
    posted = await request.form()
    form = FormState(values={name: str(posted.get(name) or "") for name in _DRAFT_FIELDS})
    subjects = _subject_rows(posted)
    try:
        rfis.update_draft(session, principal, rfi.id, {**form.values, "subjects": subjects})
        if posted.get("action") == "send":
            rfis.send_rfi(session, principal, rfi.id, settings)
    except InvalidData as exc:
        session.rollback()
        _form_errors(form, exc.errors, lang)
        editing = rfis.get(session, principal, rfi.id)
        return _new_page(
            request, session, principal, settings, lang, form, subjects, 422, editing=editing
        )
    except (Conflict, PermissionDenied) as exc:
        return _refused(request, session, principal, rfi.id, exc, lang)
    session.commit()
    notice = "sent" if posted.get("action") == "send" else "saved"
    return RedirectResponse(f"/rfis/{rfi.id}?notice={notice}", status_code=303)


def _form_errors(form: FormState, errors: list[FieldError], lang: str) -> None:
    """Each error beside its field (a subject row's beside that row), and in the summary."""
    for error in errors:
        name = error.field
        match = _SUBJECT_ERROR.match(name)
        if match:
            name = f"subject-{int(match.group(1)) - 1}-{match.group(2)}"
        elif _RELEASE_ERROR.match(name):
            name = "releases"
        message = localise(error.message, lang)
        form.errors.setdefault(name, []).append(message)
        form.summary.append(
            {"field": error.field, "anchor": f"f-{name}", "message": message, "value": None}
        )


# --------------------------------------------------------------------------- one request


def _detail_page(
    request: Request,
    session: Session,
    principal: Principal,
    rfi_id: int,
    *,
    form: FormState | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    rfi = rfis.get(session, principal, rfi_id)
    asker = rfi.from_agency_id == principal.agency_id
    owner = rfi.to_agency_id == principal.agency_id
    answers = rfis.answers_for(principal, rfi)
    pending = next((a for a in rfi.answers if a.status == "pending"), None)
    is_supervisor = allowed(principal, "release.approve")
    context = {
        "rfi": rfi,
        "asker": asker,
        "owner": owner,
        "overdue": rfis.is_overdue(rfi),
        "answers": answers,
        "released": _released(session, principal, rfi),
        "subject_records": rfis.subject_records(session, principal, rfi),
        "group": rfis.group_members(session, principal, rfi),
        "record_label": record_label,
        "sanitisable": rfis.SANITISABLE,
        "record_kinds": list(rfis.RECORD_KINDS),
        "can": {
            "send": asker and rfi.state == "draft",
            "discard": asker and rfi.state == "draft",
            "close": asker and rfi.state not in ("draft", "closed"),
            "acknowledge": owner and rfi.state == "sent",
            "answer": owner and rfi.state in rfis.OPEN_STATES and pending is None,
            "decide": owner and is_supervisor and pending is not None and rfi.state != "closed",
            "attach": rfi.state != "closed" and allowed(principal, "rfi.create"),
        },
        "pending": pending if owner else None,
        "own_answer": pending is not None and pending.author_id == principal.user_id,
        "form": form or FormState(values={"outcome": "answered"}),
        "error": error,
        **_labels(),
    }
    return render(request, "rfis/detail.html", context, status_code=status_code)


@router.get("/rfis/{rfi_id}")
def detail(request: Request, rfi_id: str, session: SessionDep, principal: PrincipalDep) -> Response:
    return _detail_page(request, session, principal, _rfi_id(rfi_id))


def _refused(
    request: Request,
    session: Session,
    principal: Principal,
    rfi_id: int,
    exc: CaravanError,
    lang: str,
    form: FormState | None = None,
) -> Response:
    """The request's page again, saying why the step was refused (nothing of it kept)."""
    session.rollback()
    form = form or FormState(values={"outcome": "answered"})
    error = None
    if isinstance(exc, InvalidData):
        _form_errors(form, exc.errors, lang)
    else:
        error = localise(exc.message, lang)
    return _detail_page(
        request, session, principal, rfi_id, form=form, error=error, status_code=exc.status_code
    )


_REFUSALS = (InvalidData, Conflict, PermissionDenied, PayloadTooLarge)


@router.post("/rfis/{rfi_id}/send", dependencies=[CsrfDep])
def send(
    request: Request,
    rfi_id: str,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    lang: LangDep,
) -> Response:
    number = _visible(session, principal, rfi_id)
    try:
        rfis.send_rfi(session, principal, number, settings)
    except _REFUSALS as exc:
        return _refused(request, session, principal, number, exc, lang)
    return RedirectResponse(f"/rfis/{number}?notice=sent", status_code=303)


@router.post("/rfis/{rfi_id}/discard", dependencies=[CsrfDep])
def discard(
    request: Request, rfi_id: str, session: SessionDep, principal: PrincipalDep, lang: LangDep
) -> Response:
    number = _visible(session, principal, rfi_id)
    try:
        rfis.discard(session, principal, number)
    except _REFUSALS as exc:
        return _refused(request, session, principal, number, exc, lang)
    return RedirectResponse("/rfis?box=outbox&notice=discarded", status_code=303)


@router.post("/rfis/{rfi_id}/close", dependencies=[CsrfDep])
async def close(
    request: Request, rfi_id: str, session: SessionDep, principal: PrincipalDep, lang: LangDep
) -> Response:
    number = _visible(session, principal, rfi_id)
    posted = await request.form()
    try:
        rfis.close(session, principal, number, str(posted.get("note") or "") or None)
    except _REFUSALS as exc:
        return _refused(request, session, principal, number, exc, lang)
    return RedirectResponse(f"/rfis/{number}?notice=closed", status_code=303)


@router.post("/rfis/{rfi_id}/acknowledge", dependencies=[CsrfDep])
def acknowledge(
    request: Request, rfi_id: str, session: SessionDep, principal: PrincipalDep, lang: LangDep
) -> Response:
    number = _visible(session, principal, rfi_id)
    try:
        rfis.acknowledge(session, principal, number)
    except _REFUSALS as exc:
        return _refused(request, session, principal, number, exc, lang)
    return RedirectResponse(f"/rfis/{number}?notice=acknowledged", status_code=303)


def _release_choices(posted: FormData) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The ticked records (``release`` = ``kind:id``, each with ``mode-<id>``) and the one
    added by kind and id; and what the form shows again."""
    ticked = [str(v) for v in posted.getlist("release") if v]
    values: dict[str, Any] = {
        "outcome": str(posted.get("outcome") or ""),
        "text": str(posted.get("text") or ""),
        "release": ticked,
        "extra_kind": str(posted.get("extra_kind") or ""),
        "extra_id": str(posted.get("extra_id") or "").strip(),
        "extra_mode": str(posted.get("extra_mode") or "full"),
    }
    releases: list[dict[str, str]] = []
    for value in ticked:
        kind, _, record_id = value.partition(":")
        mode = str(posted.get(f"mode-{record_id}") or "full")
        values[f"mode-{record_id}"] = mode
        releases.append({"kind": kind, "id": record_id, "mode": mode})
    if values["extra_id"]:
        releases.append(
            {"kind": values["extra_kind"], "id": values["extra_id"], "mode": values["extra_mode"]}
        )
    return values, releases


@router.post("/rfis/{rfi_id}/answer", dependencies=[CsrfDep])
async def answer(
    request: Request, rfi_id: str, session: SessionDep, principal: PrincipalDep, lang: LangDep
) -> Response:
    """Answer, releasing the ticked records; H2/H3 content waits for a supervisor."""
    number = _visible(session, principal, rfi_id)
    posted = await request.form()
    values, releases = _release_choices(posted)
    form = FormState(values=values)
    try:
        reply = rfis.answer(
            session,
            principal,
            number,
            {"outcome": values["outcome"] or None, "text": values["text"], "releases": releases},
        )
    except _REFUSALS as exc:
        return _refused(request, session, principal, number, exc, lang, form)
    notice = "pending" if reply.status == "pending" else "answered"
    return RedirectResponse(f"/rfis/{number}?notice={notice}", status_code=303)


def _answer_rfi(session: Session, principal: Principal, answer_id: str) -> int:
    """The request an answer belongs to, if the principal may see it."""
    try:
        number = int(answer_id)
    except ValueError:
        raise NotFound(f"No answer {answer_id}") from None
    reply = session.get(RfiAnswer, number)
    if reply is None:
        raise NotFound(f"No answer {answer_id}")
    rfis.get(session, principal, reply.rfi_id)  # NotFound unless a party's
    return reply.rfi_id


@router.post("/rfis/answers/{answer_id}/approve", dependencies=[CsrfDep])
async def approve(
    request: Request, answer_id: str, session: SessionDep, principal: PrincipalDep, lang: LangDep
) -> Response:
    """Four-eyes: release a pending answer (a supervisor other than its author)."""
    rfi_id = _answer_rfi(session, principal, answer_id)
    posted = await request.form()
    note = str(posted.get("note") or "")
    try:
        rfis.approve(session, principal, int(answer_id), note or None)
    except _REFUSALS as exc:
        form = FormState(values={"outcome": "answered", "note": note})
        return _refused(request, session, principal, rfi_id, exc, lang, form)
    return RedirectResponse(f"/rfis/{rfi_id}?notice=approved", status_code=303)


@router.post("/rfis/answers/{answer_id}/return", dependencies=[CsrfDep])
async def return_answer(
    request: Request, answer_id: str, session: SessionDep, principal: PrincipalDep, lang: LangDep
) -> Response:
    """Send a pending answer back to its author; the note says why."""
    rfi_id = _answer_rfi(session, principal, answer_id)
    posted = await request.form()
    note = str(posted.get("note") or "")
    try:
        rfis.return_answer(session, principal, int(answer_id), note)
    except _REFUSALS as exc:
        form = FormState(values={"outcome": "answered", "note": note})
        return _refused(request, session, principal, rfi_id, exc, lang, form)
    return RedirectResponse(f"/rfis/{rfi_id}?notice=returned", status_code=303)


# --------------------------------------------------------------------------- attachments


@router.post("/rfis/{rfi_id}/attachments", dependencies=[CsrfDep])
async def attach(
    request: Request,
    rfi_id: str,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    lang: LangDep,
) -> Response:
    number = _visible(session, principal, rfi_id)
    posted = await request.form()
    upload = posted.get("file")
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise InvalidData([FieldError("file", N_("Choose a file"))])
        data = await upload.read(settings.max_attachment_mb * 1024 * 1024 + 1)
        rfis.attach(
            session, principal, number, upload.filename, upload.content_type, data, settings
        )
    except _REFUSALS as exc:
        if isinstance(exc, PayloadTooLarge):
            exc = InvalidData([FieldError("file", exc.message)])
        return _refused(request, session, principal, number, exc, lang)
    return RedirectResponse(f"/rfis/{number}?notice=attached#attachments", status_code=303)


@router.get("/rfis/{rfi_id}/attachments/{attachment_id}")
def download(
    rfi_id: str, attachment_id: str, session: SessionDep, principal: PrincipalDep
) -> Response:
    """Download an attachment (audited); the browser saves it, never renders it."""
    number = _rfi_id(rfi_id)
    try:
        attachment_number = int(attachment_id)
    except ValueError:
        raise NotFound(f"No attachment {attachment_id}") from None
    found = rfis.attachment(session, principal, number, attachment_number)
    return attachment_response(found.data, found.filename, found.content_type)


__all__ = ["localise", "record_label", "router"]
