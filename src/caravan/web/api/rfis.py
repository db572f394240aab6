"""``/api/v1/rfis``: requests for information between agencies, their answers and releases.

The path from a hit: ``POST /api/v1/checks`` shows a hit notice (owner agency, reference,
handling code) → ``POST /api/v1/rfis`` with ``to`` = the owner and ``subjects`` = the
notice's kind and reference (``send: true`` sends it at once) → the owner
``POST …/acknowledge`` and ``POST …/answers`` with the records it releases → when H2/H3
content is released, a supervisor of the owner agency other than the author
``POST /api/v1/rfis/answers/{id}/approve`` → the records are readable by the asker through
the record endpoints, under their own handling code. Every step is audited.
"""

# No ``from __future__ import annotations``: FastAPI reads these annotations at runtime.

from typing import Any, Literal

from fastapi import APIRouter, File, Query, Request, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from caravan.access import HitNotice, Principal
from caravan.exchange import rfis
from caravan.store.models import IntelReport, Person, RecordMixin, Rfi, RfiAnswer, SeizureReport
from caravan.web.api.records import record_out
from caravan.web.api.schemas import iso_utc
from caravan.web.deps import CsrfDep, PrincipalDep, SessionDep, SettingsDep

router = APIRouter(tags=["requests for information"])


class SubjectIn(BaseModel):
    kind: str = Field(
        description="person, organisation, vehicle, phone, document, location, seizure or report"
    )
    reference: str = Field(description="The owner's reference, as a hit notice shows it")


class RfiIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: list[str] = Field(description="Agency codes to ask (one request each)")
    priority: Literal["urgent", "high", "normal"] = "normal"
    subject: str = Field(description="A one-line subject (at most 300 characters)")
    question: str = Field(description="What you ask")
    legal_basis: str = Field(description="The legal basis of the request")
    purpose: str = Field(description="What the information is for")
    subjects: list[SubjectIn] = Field(
        default_factory=list, description="What the request is about, e.g. from a hit notice"
    )
    send: bool = Field(False, description="Send at once (else it stays a draft)")


class RfiChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    priority: Literal["urgent", "high", "normal"] = "normal"
    subject: str
    question: str
    legal_basis: str
    purpose: str
    subjects: list[SubjectIn] = Field(default_factory=list)


class ReleaseIn(BaseModel):
    kind: str = Field(description="The record's kind")
    id: str = Field(description="The record's id (a record of your agency)")
    mode: Literal["full", "sanitised"] = Field(
        "full", description="``sanitised``: a copy without free text, notes or exact places"
    )


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Literal["answered", "partly_answered", "refused"]
    text: str
    releases: list[ReleaseIn] = Field(default_factory=list)


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(None, description="Why (required to return an answer)")


def view_to_dict(session: Session, view: RecordMixin | HitNotice | None) -> dict[str, Any] | None:
    """A released record as the reader may see it now (a notice when they may not)."""
    if view is None:
        return None
    if isinstance(view, HitNotice):
        return {
            "visible": False,
            "kind": view.kind,
            "agency": view.owner_code,
            "reference": view.reference,
            "handling_code": view.handling_code,
        }
    if isinstance(view, Person | SeizureReport | IntelReport):
        data = record_out(session, view)
    else:
        data = {
            "id": str(view.id),
            "kind": view.KIND,
            "agency": view.agency.code,
            "handling_code": view.handling_code,
            "label": getattr(view, "label", view.reference),
        }
    return {"visible": True, **data}


def answer_to_dict(session: Session, principal: Principal, reply: RfiAnswer) -> dict[str, Any]:
    views = dict(
        (release.id, view)
        for release, view in rfis.released_views(session, principal, reply.rfi)
        if release.answer_id == reply.id
    )
    return {
        "id": reply.id,
        "outcome": reply.outcome,
        "text": reply.text,
        "status": reply.status,
        "author": reply.author.username if reply.author else None,
        "created_at": iso_utc(reply.created_at),
        "decided_by": reply.decided_by.username if reply.decided_by else None,
        "decided_at": iso_utc(reply.decided_at),
        "decision_note": reply.decision_note,
        "releases": [
            {
                "kind": r.record_kind,
                "mode": r.mode,
                "handling_code": r.handling_code,
                "released_at": iso_utc(r.released_at),
                "record": view_to_dict(session, views.get(r.id)),
            }
            for r in reply.releases
        ],
    }


def rfi_to_dict(
    session: Session, principal: Principal, rfi: Rfi, *, detail: bool = False
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": rfi.id,
        "url": f"/api/v1/rfis/{rfi.id}",
        "reference": rfi.reference,
        "group": rfi.group_ref,
        "from": rfi.from_agency.code,
        "to": rfi.to_agency.code,
        "priority": rfi.priority,
        "subject": rfi.subject,
        "state": rfi.state,
        "overdue": rfis.is_overdue(rfi),
        "created_at": iso_utc(rfi.created_at),
        "sent_at": iso_utc(rfi.sent_at),
        "due_at": iso_utc(rfi.due_at),
        "acknowledged_at": iso_utc(rfi.acknowledged_at),
        "answered_at": iso_utc(rfi.answered_at),
        "closed_at": iso_utc(rfi.closed_at),
    }
    if detail:
        data.update(
            question=rfi.question,
            legal_basis=rfi.legal_basis,
            purpose=rfi.purpose,
            subjects=rfi.subjects,
            created_by=rfi.created_by.username if rfi.created_by else None,
            answers=[
                answer_to_dict(session, principal, a) for a in rfis.answers_for(principal, rfi)
            ],
            attachments=[
                {
                    "id": a.id,
                    "filename": a.filename,
                    "content_type": a.content_type,
                    "size": a.size,
                    "sha256": a.sha256,
                    "url": f"/api/v1/rfis/{rfi.id}/attachments/{a.id}",
                }
                for a in rfi.attachments
            ],
            # The owner's own records the subjects name (never shown to the asker).
            subject_records=[
                {
                    "kind": r.KIND,
                    "id": str(r.id),
                    "reference": r.reference,
                    "handling_code": r.handling_code,
                }
                for r in rfis.subject_records(session, principal, rfi)
            ],
        )
    return data


@router.get("/rfis")
def list_rfis(
    session: SessionDep,
    principal: PrincipalDep,
    box: Literal["inbox", "outbox"] = Query("inbox", description="Requests to or from you"),
    state: str | None = Query(None, description="Only this state"),
    overdue: bool = Query(False, description="Only overdue ones"),
) -> dict[str, Any]:
    """Your agency's inbox (requests to it) or outbox (requests from it, drafts too)."""
    rows = rfis.listing(session, principal, box, state=state, overdue=overdue)
    return {"box": box, "items": [rfi_to_dict(session, principal, r) for r in rows]}


@router.get("/rfis/stats")
def rfi_stats(
    session: SessionDep,
    principal: PrincipalDep,
    box: Literal["inbox", "outbox"] = Query("inbox"),
) -> dict[str, Any]:
    """Counts, overdue requests and response times (hours from sent to answered)."""
    return {"box": box, **rfis.stats(session, principal, box).__dict__}


@router.get("/rfis/approvals")
def approvals(session: SessionDep, principal: PrincipalDep) -> dict[str, Any]:
    """Answers of your agency waiting for a supervisor's approval (supervisors only)."""
    return {
        "items": [
            {"rfi": rfi_to_dict(session, principal, a.rfi), **answer_to_dict(session, principal, a)}
            for a in rfis.pending_approvals(session, principal)
        ]
    }


@router.post("/rfis", status_code=201, dependencies=[CsrfDep])
def create_rfi(
    body: RfiIn, session: SessionDep, principal: PrincipalDep, settings: SettingsDep
) -> dict[str, Any]:
    """Write a request to one or more agencies (one request each, sharing ``group``)."""
    raw = body.model_dump(exclude={"send"})
    made = rfis.create(session, principal, raw, settings, send=body.send)
    return {"items": [rfi_to_dict(session, principal, r, detail=True) for r in made]}


@router.get("/rfis/{rfi_id}")
def get_rfi(rfi_id: int, session: SessionDep, principal: PrincipalDep) -> dict[str, Any]:
    """One request your agency sent or received, with its answers and releases as you may
    see them."""
    return rfi_to_dict(session, principal, rfis.get(session, principal, rfi_id), detail=True)


@router.put("/rfis/{rfi_id}", dependencies=[CsrfDep])
def change_rfi(
    rfi_id: int, body: RfiChangeIn, session: SessionDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Change a draft."""
    rfi = rfis.update_draft(session, principal, rfi_id, body.model_dump())
    return rfi_to_dict(session, principal, rfi, detail=True)


@router.delete("/rfis/{rfi_id}", status_code=204, dependencies=[CsrfDep])
def discard_rfi(rfi_id: int, session: SessionDep, principal: PrincipalDep) -> Response:
    """Delete a draft that was never sent."""
    rfis.discard(session, principal, rfi_id)
    return Response(status_code=204)


@router.post("/rfis/{rfi_id}/send", dependencies=[CsrfDep])
def send_rfi(
    rfi_id: int, session: SessionDep, principal: PrincipalDep, settings: SettingsDep
) -> dict[str, Any]:
    """Send a draft; its deadline follows from its priority."""
    return rfi_to_dict(session, principal, rfis.send_rfi(session, principal, rfi_id, settings))


@router.post("/rfis/{rfi_id}/acknowledge", dependencies=[CsrfDep])
def acknowledge_rfi(rfi_id: int, session: SessionDep, principal: PrincipalDep) -> dict[str, Any]:
    """The agency asked says it has the request."""
    return rfi_to_dict(session, principal, rfis.acknowledge(session, principal, rfi_id))


@router.post("/rfis/{rfi_id}/close", dependencies=[CsrfDep])
def close_rfi(
    rfi_id: int, session: SessionDep, principal: PrincipalDep, body: DecisionIn | None = None
) -> dict[str, Any]:
    """The asking agency closes the request; nothing more is answered on it."""
    rfi = rfis.close(session, principal, rfi_id, body.note if body else None)
    return rfi_to_dict(session, principal, rfi)


@router.post("/rfis/{rfi_id}/answers", status_code=201, dependencies=[CsrfDep])
def answer_rfi(
    rfi_id: int, body: AnswerIn, session: SessionDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Answer, releasing records of your agency. H2/H3 content waits (``status: pending``)
    for a supervisor other than you; anything else is released at once."""
    reply = rfis.answer(session, principal, rfi_id, body.model_dump())
    return answer_to_dict(session, principal, reply)


@router.post("/rfis/answers/{answer_id}/approve", dependencies=[CsrfDep])
def approve_answer(
    answer_id: int, session: SessionDep, principal: PrincipalDep, body: DecisionIn | None = None
) -> dict[str, Any]:
    """Four-eyes: release a pending answer (supervisors of the owner agency; never your
    own answer; only once)."""
    reply = rfis.approve(session, principal, answer_id, body.note if body else None)
    return answer_to_dict(session, principal, reply)


@router.post("/rfis/answers/{answer_id}/return", dependencies=[CsrfDep])
def return_answer(
    answer_id: int, body: DecisionIn, session: SessionDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Send a pending answer back to its author (``note`` says why); nothing is released."""
    reply = rfis.return_answer(session, principal, answer_id, body.note)
    return answer_to_dict(session, principal, reply)


@router.post("/rfis/{rfi_id}/attachments", status_code=201, dependencies=[CsrfDep])
async def attach(
    rfi_id: int,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    file: UploadFile = File(..., description="Any file, up to max_attachment_mb"),
) -> dict[str, Any]:
    """Attach a file to a request (either side, until it is closed)."""
    del request
    data = await file.read(settings.max_attachment_mb * 1024 * 1024 + 1)
    saved = rfis.attach(
        session, principal, rfi_id, file.filename or "", file.content_type, data, settings
    )
    return {
        "id": saved.id,
        "filename": saved.filename,
        "size": saved.size,
        "sha256": saved.sha256,
        "url": f"/api/v1/rfis/{rfi_id}/attachments/{saved.id}",
    }


@router.get("/rfis/{rfi_id}/attachments/{attachment_id}")
def download(
    rfi_id: int, attachment_id: int, session: SessionDep, principal: PrincipalDep
) -> Response:
    """Download an attachment (audited)."""
    found = rfis.attachment(session, principal, rfi_id, attachment_id)
    return attachment_response(found.data, found.filename, found.content_type)


def attachment_response(data: bytes, filename: str, content_type: str) -> Response:
    """A download that the browser saves rather than renders (no content sniffing)."""
    safe = "".join(c if c.isalnum() or c in "._- " else "_" for c in filename) or "file"
    return Response(
        data,
        media_type="application/octet-stream"
        if content_type.startswith("text/html")
        else content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{safe}"',
            "X-Content-Type-Options": "nosniff",
        },
    )
