"""Hit/no-hit checks from the browser: one query, a batch file, and the owner's hit inbox.

The services in :mod:`caravan.match` decide everything — what is found, what the asker may
see of it (the record, or a hit notice naming only its owner and whom to ask) and whom to
notify. These handlers parse the form, call them and render, as the JSON API
(:mod:`caravan.web.api.checks`) does.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from jinja2 import pass_context
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session
from starlette.datastructures import UploadFile

from caravan.access import Principal, allowed, require
from caravan.errors import FieldError, InvalidData
from caravan.match import batch
from caravan.match.checks import PAGES, CheckOutcome, Hit, asker_region, run_check
from caravan.match.inbox import inbox, mark_read, unread_count
from caravan.match.report import request_text
from caravan.match.selectors import parse_selector
from caravan.resolve.profiles import profile_ids_of
from caravan.store.models import CheckJob
from caravan.web.deps import CsrfDep, LangDep, PrincipalDep, SessionDep
from caravan.web.i18n import translations
from caravan.web.templating import render, templates
from caravan.web.ui.forms import FormState
from caravan.web.ui.helpers import N_, country_choices
from caravan.web.uploads import save_upload

router = APIRouter()

#: The form's fields for each kind of check, in the order shown. Inputs are named
#: ``<kind>-<field>`` (one form holds every kind); ``<field>`` is what
#: :func:`~caravan.match.selectors.parse_selector` reads.
FIELDS: dict[str, tuple[str, ...]] = {
    "person": ("surname", "given_name", "patronymic", "birth_date", "nationality", "document"),
    "phone": ("phone",),
    "plate": ("plate",),
    "document": ("document",),
    "company": ("name",),
}
#: Recent batches listed beside the form.
RECENT_BATCHES = 5
_EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[A-Za-z]{2,}$")

#: Messages of the check services shown through ``_()``; marked here so each has Russian.
SERVICE_MESSAGES = (
    N_("many possible candidates — add a birth date or a document number"),
    N_("give a surname, a given name or a full name"),
    N_("has no letters; a name is needed"),
    N_("give a name, a document number or a phone to check"),
    N_("is longer than 100 characters"),
    N_("has no queries"),
    N_("No such batch of checks"),
)
#: Service messages that carry values: pattern → message with the same named values.
_WITH_VALUES = (
    (
        re.compile(r"is (?P<length>[\d,]+) characters long; at most (?P<most>\d+)"),
        N_("is %(length)s characters long; at most %(most)s"),
    ),
    (
        re.compile(r"needs at least (?P<least>\d+) letters or digits"),
        N_("needs at least %(least)s letters or digits"),
    ),
    (
        re.compile(r"not a date (?P<value>.*): expected e\.g\. .*"),
        N_("not a date %(value)s: write e.g. 1985, 1985-03, 1985-03-07 or 07.03.1985"),
    ),
    (
        re.compile(r"impossible date (?P<value>.*?): .*"),
        N_("impossible date %(value)s: no such day, month or year"),
    ),
    (re.compile(r"unknown country (?P<value>.*)"), N_("unknown country %(value)s")),
    (
        re.compile(r"duplicate: (?P<value>.*) is already on row (?P<row>\d+)"),
        N_("duplicate: %(value)s is already on row %(row)s"),
    ),
)


def localise(message: str, lang: str) -> str:
    """A service's message in ``lang``, values kept (``is 10,000 characters long; …``).

    English is the services' own language: their messages are shown as they are.
    """
    if lang == "en":
        return message
    gettext = translations(lang).gettext
    for pattern, template in _WITH_VALUES:
        match = pattern.fullmatch(message)
        if match:
            return gettext(template) % match.groupdict()
    return gettext(message)


# --------------------------------------------------------------------------- the check page


def _request_information(hit: Hit, principal: Principal) -> dict[str, str | None]:
    """How to ask the owner for the record behind a hit notice: a request for information
    in Caravan (``rfi_url``, the form pre-filled), and — outside Caravan — a ``mailto:``
    link when the contact point is an e-mail address, and always the text to send."""
    notice = hit.notice
    assert notice is not None
    text = request_text(hit)
    contact = (notice.contact or "").strip()
    mailto = None
    if _EMAIL.match(contact):
        body = f"{text}\n\n{principal.username}, {principal.agency_code}"
        mailto = f"mailto:{quote(contact, safe='@')}?subject={quote(text)}&body={quote(body)}"
    rfi_url = "/rfis/new?" + urlencode(
        {"to": notice.owner_code, "kind": hit.kind, "reference": notice.reference}
    )
    return {"contact": contact or None, "mailto": mailto, "text": text, "rfi_url": rfi_url}


def _recent_batches(session: Session, principal: Principal) -> list[CheckJob]:
    return list(
        session.scalars(
            select(CheckJob)
            .where(CheckJob.user_id == principal.user_id)
            .order_by(CheckJob.created_at.desc())
            .limit(RECENT_BATCHES)
        )
    )


def _page(
    request: Request,
    session: Session,
    principal: Principal,
    lang: str,
    *,
    kind: str,
    form: FormState,
    outcome: CheckOutcome | None = None,
    file_error: str | None = None,
    status_code: int = 200,
) -> Response:
    requests = {
        hit.rank: _request_information(hit, principal)
        for hit in (outcome.hits if outcome is not None else [])
        if hit.notice is not None
    }
    persons = [
        hit.record.id
        for hit in (outcome.hits if outcome is not None else [])
        if hit.kind == "person" and hit.record is not None
    ]
    context = {
        "kind": kind,
        "kinds": tuple(FIELDS),
        # One query for the page: the profile of each person hit the user may read.
        "profiles": profile_ids_of(session, persons, principal) if persons else {},
        "form": form,
        "outcome": outcome,
        "requests": requests,
        "countries": country_choices(lang),
        "file_error": file_error,
        "recent": _recent_batches(session, principal),
        "max_queries": batch.MAX_QUERIES,
    }
    return render(request, "checks/check.html", context, status_code=status_code)


@router.get("/checks")
def check_form(
    request: Request, session: SessionDep, principal: PrincipalDep, lang: LangDep
) -> Response:
    require(principal, "check.run")
    kind = request.query_params.get("kind", "person")
    kind = kind if kind in FIELDS else "person"
    return _page(request, session, principal, lang, kind=kind, form=FormState())


@router.post("/checks", dependencies=[CsrfDep])
async def check(
    request: Request, session: SessionDep, principal: PrincipalDep, lang: LangDep
) -> Response:
    """Run one check and show its results under the form (field errors beside fields)."""
    require(principal, "check.run")
    posted = await request.form()
    kind = str(posted.get("kind") or "person")
    kind = kind if kind in FIELDS else "person"
    form = FormState(
        values={
            f"{k}-{name}": str(posted.get(f"{k}-{name}") or "")
            for k, names in FIELDS.items()
            for name in names
        }
    )
    raw = {name: form.values[f"{kind}-{name}"] for name in FIELDS[kind]}
    try:
        selector = parse_selector(kind, raw, region=asker_region(session, principal))
    except InvalidData as exc:
        _errors_beside_fields(form, kind, exc.errors, lang)
        return _page(request, session, principal, lang, kind=kind, form=form, status_code=422)
    outcome = run_check(session, principal, selector)
    return _page(request, session, principal, lang, kind=kind, form=form, outcome=outcome)


def _errors_beside_fields(form: FormState, kind: str, errors: list[FieldError], lang: str) -> None:
    """Each error under its input; one naming no field of this form goes under the first."""
    for error in errors:
        name = error.field if error.field in FIELDS[kind] else FIELDS[kind][0]
        message = localise(error.message, lang)
        form.errors.setdefault(f"{kind}-{name}", []).append(message)
        form.summary.append(
            {"field": error.field, "anchor": f"f-{kind}-{name}", "message": message}
        )


# --------------------------------------------------------------------------- batches


@router.post("/checks/batch", dependencies=[CsrfDep])
async def upload_batch(
    request: Request, session: SessionDep, principal: PrincipalDep, lang: LangDep
) -> Response:
    """Save the file, queue the batch, start it and show its page (which polls its status)."""
    require(principal, "check.run")
    posted = await request.form()
    upload = posted.get("file")

    def refused(message: str) -> Response:
        return _page(
            request,
            session,
            principal,
            lang,
            kind="person",
            form=FormState(),
            file_error=message,
            status_code=422,
        )

    if not isinstance(upload, UploadFile) or not upload.filename:
        return refused(N_("Choose a file"))
    path, filename = await save_upload(upload)
    if not path.exists():
        return refused(N_("The file is empty"))
    job = batch.queue_batch_job(session, principal, filename)
    session.commit()  # the job's own transactions must see the row
    batch.start_batch_job(
        request.app.state.db, job.id, path, principal, region=asker_region(session, principal)
    )
    return RedirectResponse(f"/checks/batch/{job.id}", status_code=303)


@router.get("/checks/batch/{job_id}")
def batch_page(
    request: Request, job_id: str, session: SessionDep, principal: PrincipalDep, lang: LangDep
) -> Response:
    job = batch.batch_job(session, principal, job_id)
    errors = [
        FieldError(
            e.get("field", ""), localise(e.get("message", ""), lang), e.get("row"), e.get("value")
        )
        for e in job.errors or []
    ]
    context = {"job": job, "status": batch.batch_status(job), "errors": errors}
    return render(request, "checks/batch.html", context)


@router.get("/checks/batch/{job_id}/status")
def batch_status(job_id: str, session: SessionDep, principal: PrincipalDep) -> JSONResponse:
    job = batch.batch_job(session, principal, job_id)
    data = batch.batch_status(job)
    if data["status"] == "done":
        data["results_url"] = f"/checks/batch/{job.id}/results.csv"
    return JSONResponse(data, headers={"Cache-Control": "no-store"})


@router.get("/checks/batch/{job_id}/results.csv")
def batch_results(job_id: str, session: SessionDep, principal: PrincipalDep) -> Response:
    """One row per hit: ``query_id, rank, score, band, agency, source_id, visible``."""
    job = batch.batch_job(session, principal, job_id)
    return Response(
        batch.job_results_csv(session, job),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="checks-{job.id}.csv"'},
    )


# --------------------------------------------------------------------------- the hit inbox


@router.get("/hits")
def hit_inbox(
    request: Request, session: SessionDep, principal: PrincipalDep, lang: LangDep
) -> Response:
    """The agency's hit inbox; opening it marks every notification read."""
    notifications = inbox(session, principal)
    unread = {n.id for n in notifications if n.read_at is None}
    pages = {
        n.id: PAGES[n.record_kind].format(n.record_id)
        for n in notifications
        if n.record_kind in PAGES
    }
    mark_read(session, principal, notifications)
    session.commit()
    context = {"notifications": notifications, "unread": unread, "pages": pages}
    return render(request, "checks/inbox.html", context)


@pass_context
def hit_inbox_unread(context: Any) -> int | None:
    """Unread notifications in the signed-in user's hit inbox (for the navigation);
    ``None`` when the user's role has no inbox."""
    user = context.get("user")
    if user is None:
        return None
    principal = Principal.from_user(user)
    if not allowed(principal, "hits.read"):
        return None
    session = object_session(user)
    if session is None:  # an error page, rendered after the request's session closed
        return 0
    return unread_count(session, principal)


def install() -> None:
    """Register what the navigation of every page needs (the hit inbox's unread count)."""
    templates.env.globals["hit_inbox_unread"] = hit_inbox_unread


__all__ = ["FIELDS", "install", "localise", "router"]
