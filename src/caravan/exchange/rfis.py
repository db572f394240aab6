"""Requests for information: ask, acknowledge, answer, approve (four-eyes), release, close.

The path a hit starts: a check shows a hit notice (owner, reference, handling code); the
asker writes a request to the owner from it (:func:`create`, the notice's kind and
reference pre-filled as a *subject*); the owner acknowledges it and answers
(:func:`answer`), choosing which records to release — each in full or as a sanitised
copy — and with what outcome (answered, partly answered, refused). An answer that
releases H2/H3 content waits for a supervisor of the owner agency other than its author
(:func:`approve` or :func:`return_answer`); only then do the records leave: the asker's
agency becomes a recipient of each (:class:`~caravan.store.models.RecordRecipient`), so it
reads them through :mod:`caravan.access` like any record, under their own handling code.

States: ``draft → sent → acknowledged → answered | partly_answered | refused → closed``.
A request is *overdue* when it is sent or acknowledged past ``due_at`` (set on sending
from the priority's deadline); :func:`escalate_overdue` tells the owner's supervisors once.
Every step is audited (``rfi.*``, ``release.*``) and notifies the other side's inbox.
"""

from __future__ import annotations

import hashlib
import statistics
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import Session

from caravan import audit
from caravan.access import (
    RESTRICTED_CODES,
    HitNotice,
    Principal,
    hit_views,
    require,
    rfi_visibility_clause,
    visible,
)
from caravan.collect.writer import note_change
from caravan.config import Settings
from caravan.errors import (
    Conflict,
    FieldError,
    InvalidData,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
)
from caravan.exchange.notify import agency_users, notify
from caravan.store import Database
from caravan.store.bulk import new_id
from caravan.store.models import (
    ENTITY_MODELS,
    REPORT_MODELS,
    Agency,
    IntelReport,
    Person,
    PersonName,
    RecordMixin,
    RecordRecipient,
    Release,
    Rfi,
    RfiAnswer,
    RfiAttachment,
    SeizureReport,
)
from caravan.store.models.base import as_utc, utcnow

PRIORITIES = ("urgent", "high", "normal")
OUTCOMES = ("answered", "partly_answered", "refused")
STATES = ("draft", "sent", "acknowledged", "answered", "partly_answered", "refused", "closed")
#: States in which the owner still owes an answer (and the clock runs).
OPEN_STATES = ("sent", "acknowledged")
MODES = ("full", "sanitised")
#: Kinds a request may be about, and an answer may release.
RECORD_KINDS: dict[str, type[RecordMixin]] = {**ENTITY_MODELS, **REPORT_MODELS}
#: Columns a sanitised copy leaves out: free text, exact places and the owner's own notes.
SANITISED_OUT = frozenset(
    {"notes", "handling_note", "body", "address", "latitude", "longitude", "note", "source_id"}
)
#: Kinds that can be sanitised (a phone or a document *is* its number: release it or not).
SANITISABLE = ("person", "organisation", "vehicle", "location", "seizure", "report")
MAX_SUBJECTS = 50
MAX_RELEASES = 200
MAX_TEXT = 20_000


def _now() -> datetime:
    return utcnow()


def deadline(settings: Settings, priority: str) -> timedelta:
    hours = {
        "urgent": settings.rfi_hours_urgent,
        "high": settings.rfi_hours_high,
        "normal": settings.rfi_hours_normal,
    }[priority]
    return timedelta(hours=hours)


def is_overdue(rfi: Rfi, now: datetime | None = None) -> bool:
    due = as_utc(rfi.due_at)
    return rfi.state in OPEN_STATES and due is not None and due < (now or _now())


# --------------------------------------------------------------------------- validation


@dataclass(frozen=True)
class Draft:
    """A request as validated: what :func:`create` files."""

    to: list[Agency]
    priority: str
    subject: str
    question: str
    legal_basis: str
    purpose: str
    subjects: list[dict[str, str]]


def _text(
    raw: Mapping[str, Any], name: str, errors: list[FieldError], limit: int, required: bool = True
) -> str:
    value = raw.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.append(FieldError(name, "is required"))
        return ""
    if not isinstance(value, str):
        errors.append(FieldError(name, "must be text"))
        return ""
    value = value.strip()
    if len(value) > limit:
        errors.append(FieldError(name, f"is longer than {limit:,} characters ({len(value):,})"))
    return value


def validate(session: Session, principal: Principal, raw: Mapping[str, Any]) -> Draft:
    """Check a request's fields; :class:`InvalidData` names every bad one."""
    errors: list[FieldError] = []
    codes = raw.get("to") or []
    if isinstance(codes, str):
        codes = [c for c in codes.replace(";", ",").split(",")]
    codes = [str(c).strip() for c in codes if str(c).strip()]
    agencies: list[Agency] = []
    if not codes:
        errors.append(FieldError("to", "name at least one agency to ask"))
    else:
        found = {
            a.code.upper(): a
            for a in session.scalars(
                select(Agency).where(func.upper(Agency.code).in_([c.upper() for c in codes]))
            )
        }
        for code in dict.fromkeys(codes):
            agency = found.get(code.upper())
            if agency is None:
                errors.append(FieldError("to", f"no agency with code {code!r}"))
            elif agency.id == principal.agency_id:
                errors.append(FieldError("to", f"{agency.code} is your own agency"))
            else:
                agencies.append(agency)
    priority = raw.get("priority") or "normal"
    if priority not in PRIORITIES:
        errors.append(
            FieldError("priority", f"{priority!r}: expected one of {', '.join(PRIORITIES)}")
        )
    subject = _text(raw, "subject", errors, 300)
    question = _text(raw, "question", errors, MAX_TEXT)
    legal_basis = _text(raw, "legal_basis", errors, 300)
    purpose = _text(raw, "purpose", errors, MAX_TEXT)
    subjects: list[dict[str, str]] = []
    given = raw.get("subjects") or []
    if not isinstance(given, list):
        errors.append(FieldError("subjects", "must be a list of {kind, reference}"))
        given = []
    if len(given) > MAX_SUBJECTS:
        errors.append(FieldError("subjects", f"at most {MAX_SUBJECTS} ({len(given)} given)"))
    for n, item in enumerate(given[:MAX_SUBJECTS], start=1):
        field = f"subjects[{n}]"
        if not isinstance(item, Mapping):
            errors.append(FieldError(field, "must be {kind, reference}"))
            continue
        kind = str(item.get("kind") or "").strip()
        reference = str(item.get("reference") or "").strip()
        if kind not in RECORD_KINDS:
            errors.append(
                FieldError(f"{field}.kind", f"{kind!r}: expected one of {', '.join(RECORD_KINDS)}")
            )
        if not reference:
            errors.append(FieldError(f"{field}.reference", "is required"))
        elif len(reference) > 100:
            errors.append(FieldError(f"{field}.reference", "is longer than 100 characters"))
        else:
            subjects.append({"kind": kind, "reference": reference})
    if errors:
        raise InvalidData(errors)
    return Draft(agencies, priority, subject, question, legal_basis, purpose, subjects)


# --------------------------------------------------------------------------- the asker


def _reference(session: Session) -> str:
    year = _now().year
    count = session.scalar(select(func.count()).select_from(Rfi)) or 0
    while True:
        count += 1
        candidate = f"RFI-{year}-{count:06d}"
        if session.scalar(select(Rfi.id).where(Rfi.reference.like(candidate + "%"))) is None:
            return candidate


def create(
    session: Session,
    principal: Principal,
    raw: Mapping[str, Any],
    settings: Settings,
    *,
    send: bool = False,
) -> list[Rfi]:
    """File a request to each named agency (one row each, one ``group_ref``), as drafts —
    or sent at once with ``send``."""
    require(principal, "rfi.create")
    draft = validate(session, principal, raw)
    group = _reference(session)
    made: list[Rfi] = []
    for agency in draft.to:
        rfi = Rfi(
            reference=group if len(draft.to) == 1 else f"{group}-{agency.code}",
            group_ref=group,
            from_agency_id=principal.agency_id,
            to_agency_id=agency.id,
            created_by_id=principal.user_id,
            priority=draft.priority,
            subject=draft.subject,
            question=draft.question,
            legal_basis=draft.legal_basis,
            purpose=draft.purpose,
            subjects=draft.subjects,
            state="draft",
        )
        session.add(rfi)
        session.flush()
        audit.append(
            session,
            "rfi.create",
            principal=principal,
            object_kind="rfi",
            object_id=rfi.reference,
            after={
                "to": agency.code,
                "priority": rfi.priority,
                "subject": rfi.subject,
                "legal_basis": rfi.legal_basis,
                "subjects": rfi.subjects,
            },
        )
        made.append(rfi)
    if send:
        for rfi in made:
            send_rfi(session, principal, rfi.id, settings)
    return made


def get(session: Session, principal: Principal, rfi_id: int) -> Rfi:
    """One request the principal's agency sent or received — else :class:`NotFound`."""
    rfi = session.scalars(
        select(Rfi).where(Rfi.id == rfi_id, rfi_visibility_clause(principal))
    ).first()
    if rfi is None:
        raise NotFound(f"No request for information {rfi_id} that you may see")
    return rfi


def _asker(rfi: Rfi, principal: Principal) -> None:
    if rfi.from_agency_id != principal.agency_id:
        raise PermissionDenied("Only the asking agency may do this")


def _owner(rfi: Rfi, principal: Principal) -> None:
    if rfi.to_agency_id != principal.agency_id:
        raise PermissionDenied("Only the agency asked may do this")


def update_draft(
    session: Session, principal: Principal, rfi_id: int, raw: Mapping[str, Any]
) -> Rfi:
    """Change a draft (recipient aside: a draft is to one agency)."""
    require(principal, "rfi.create")
    rfi = get(session, principal, rfi_id)
    _asker(rfi, principal)
    if rfi.state != "draft":
        raise Conflict(f"{rfi.reference} was sent: only drafts can be changed")
    draft = validate(session, principal, {**raw, "to": [rfi.to_agency.code]})
    before = {"priority": rfi.priority, "subject": rfi.subject, "subjects": rfi.subjects}
    rfi.priority, rfi.subject, rfi.question = draft.priority, draft.subject, draft.question
    rfi.legal_basis, rfi.purpose, rfi.subjects = draft.legal_basis, draft.purpose, draft.subjects
    audit.append(
        session,
        "rfi.update",
        principal=principal,
        object_kind="rfi",
        object_id=rfi.reference,
        before=before,
        after={"priority": rfi.priority, "subject": rfi.subject, "subjects": rfi.subjects},
    )
    return rfi


def send_rfi(session: Session, principal: Principal, rfi_id: int, settings: Settings) -> Rfi:
    """Send a draft: the clock starts and the owner agency is told."""
    require(principal, "rfi.create")
    rfi = get(session, principal, rfi_id)
    _asker(rfi, principal)
    if rfi.state != "draft":
        raise Conflict(f"{rfi.reference} was already sent")
    now = _now()
    rfi.state, rfi.sent_at = "sent", now
    rfi.due_at = now + deadline(settings, rfi.priority)
    audit.append(
        session,
        "rfi.send",
        principal=principal,
        object_kind="rfi",
        object_id=rfi.reference,
        after={"to": rfi.to_agency.code, "due_at": rfi.due_at.isoformat()},
    )
    notify(
        session,
        agency_users(session, rfi.to_agency_id),
        "rfi.received",
        f"{rfi.reference} ({rfi.priority}) from {rfi.from_agency.code}: {rfi.subject}",
        body=f"Answer by {rfi.due_at:%Y-%m-%d %H:%M} UTC. Legal basis: {rfi.legal_basis}",
        link=f"/rfis/{rfi.id}",
        payload={"rfi": rfi.reference, "priority": rfi.priority},
    )
    return rfi


def discard(session: Session, principal: Principal, rfi_id: int) -> None:
    """Delete a draft that was never sent."""
    require(principal, "rfi.create")
    rfi = get(session, principal, rfi_id)
    _asker(rfi, principal)
    if rfi.state != "draft":
        raise Conflict(f"{rfi.reference} was sent: close it instead")
    audit.append(
        session, "rfi.discard", principal=principal, object_kind="rfi", object_id=rfi.reference
    )
    session.delete(rfi)


def close(session: Session, principal: Principal, rfi_id: int, note: str | None = None) -> Rfi:
    """The asker closes a request (answered or not). Nothing more can be answered on it."""
    require(principal, "rfi.create")
    rfi = get(session, principal, rfi_id)
    _asker(rfi, principal)
    if rfi.state in ("draft", "closed"):
        raise Conflict(
            f"{rfi.reference} is a draft: discard it instead"
            if rfi.state == "draft"
            else f"{rfi.reference} is already closed"
        )
    before = rfi.state
    rfi.state, rfi.closed_at = "closed", _now()
    for pending in (a for a in rfi.answers if a.status == "pending"):
        pending.status, pending.decision_note = "returned", "the request was closed"
    audit.append(
        session,
        "rfi.close",
        principal=principal,
        object_kind="rfi",
        object_id=rfi.reference,
        before={"state": before},
        after={"state": "closed"},
        detail=(note or "")[:500] or None,
    )
    notify(
        session,
        agency_users(session, rfi.to_agency_id),
        "rfi.closed",
        f"{rfi.reference} was closed by {rfi.from_agency.code}",
        link=f"/rfis/{rfi.id}",
    )
    return rfi


# --------------------------------------------------------------------------- the owner


def acknowledge(session: Session, principal: Principal, rfi_id: int) -> Rfi:
    require(principal, "rfi.answer")
    rfi = get(session, principal, rfi_id)
    _owner(rfi, principal)
    if rfi.state != "sent":
        raise Conflict(f"{rfi.reference} is {rfi.state}: only a sent request is acknowledged")
    rfi.state, rfi.acknowledged_at, rfi.acknowledged_by_id = (
        "acknowledged",
        _now(),
        principal.user_id,
    )
    audit.append(
        session, "rfi.acknowledge", principal=principal, object_kind="rfi", object_id=rfi.reference
    )
    notify(
        session,
        _askers(session, rfi),
        "rfi.acknowledged",
        f"{rfi.reference} acknowledged by {rfi.to_agency.code}",
        link=f"/rfis/{rfi.id}",
    )
    return rfi


def _askers(session: Session, rfi: Rfi) -> list[int]:
    """Who on the asking side hears of progress: the author, else the agency."""
    if rfi.created_by is not None and rfi.created_by.is_active:
        return [rfi.created_by.id]
    return agency_users(session, rfi.from_agency_id)


def subject_records(session: Session, principal: Principal, rfi: Rfi) -> list[RecordMixin]:
    """The owner's records a request names (by their reference: the owner's ``source_id``
    or Caravan's short id) — for the owner only."""
    if rfi.to_agency_id != principal.agency_id:
        return []
    found: list[RecordMixin] = []
    for subject in rfi.subjects:
        model = RECORD_KINDS.get(subject.get("kind", ""))
        reference = subject.get("reference", "")
        if model is None or not reference:
            continue
        short = reference.replace("-", "").lower()
        matches = [model.source_id == reference]
        if len(short) >= 8 and all(c in "0123456789abcdef" for c in short):
            matches.append(func.replace(cast(model.id, String), "-", "").like(short + "%"))
        rows = session.scalars(
            visible(select(model), model, principal)
            .where(model.agency_id == rfi.to_agency_id, or_(*matches))
            .limit(5)
        )
        found.extend(r for r in rows if r not in found)
    return found


@dataclass(frozen=True)
class ReleaseChoice:
    kind: str
    record: RecordMixin
    mode: str


def _choices(
    session: Session, principal: Principal, raw: Sequence[Any], outcome: str
) -> list[ReleaseChoice]:
    errors: list[FieldError] = []
    if not isinstance(raw, list):
        raise InvalidData([FieldError("releases", "must be a list of {kind, id, mode}")])
    if len(raw) > MAX_RELEASES:
        errors.append(FieldError("releases", f"at most {MAX_RELEASES} ({len(raw)} given)"))
    if outcome == "refused" and raw:
        errors.append(FieldError("releases", "a refusal releases nothing"))
    chosen: list[ReleaseChoice] = []
    seen: set[Any] = set()
    for n, item in enumerate(raw[:MAX_RELEASES], start=1):
        field = f"releases[{n}]"
        if not isinstance(item, Mapping):
            errors.append(FieldError(field, "must be {kind, id, mode}"))
            continue
        kind = str(item.get("kind") or "")
        mode = str(item.get("mode") or "full")
        model = RECORD_KINDS.get(kind)
        if model is None:
            errors.append(
                FieldError(f"{field}.kind", f"{kind!r}: expected one of {', '.join(RECORD_KINDS)}")
            )
            continue
        if mode not in MODES:
            errors.append(FieldError(f"{field}.mode", f"{mode!r}: expected full or sanitised"))
            continue
        if mode == "sanitised" and kind not in SANITISABLE:
            errors.append(
                FieldError(f"{field}.mode", f"a {kind} cannot be sanitised: release it in full")
            )
            continue
        try:
            record_id = uuid.UUID(str(item.get("id")))
        except ValueError:
            errors.append(FieldError(f"{field}.id", f"{item.get('id')!r} is not a record id"))
            continue
        record = session.scalars(
            visible(select(model).where(model.id == record_id), model, principal)
        ).first()
        if record is None or record.agency_id != principal.agency_id:
            # Another agency's record answers like a missing one: only owners release.
            errors.append(FieldError(f"{field}.id", f"your agency has no {kind} {record_id}"))
            continue
        if record_id in seen:
            errors.append(FieldError(f"{field}.id", f"{record_id} is listed twice"))
            continue
        seen.add(record_id)
        chosen.append(ReleaseChoice(kind, record, mode))
    if errors:
        raise InvalidData(errors)
    return chosen


def answer(
    session: Session,
    principal: Principal,
    rfi_id: int,
    raw: Mapping[str, Any],
) -> RfiAnswer:
    """The owner answers: ``outcome``, ``text`` and ``releases`` (``[{kind, id, mode}]``).

    With no H2/H3 content the records are released at once; otherwise the answer waits for
    a supervisor's approval (:func:`approve`).
    """
    require(principal, "rfi.answer")
    rfi = get(session, principal, rfi_id)
    _owner(rfi, principal)
    if rfi.state == "closed":
        raise Conflict(f"{rfi.reference} is closed: it cannot be answered any more")
    if rfi.state not in OPEN_STATES:
        raise Conflict(f"{rfi.reference} is already {rfi.state.replace('_', ' ')}")
    if any(a.status == "pending" for a in rfi.answers):
        raise Conflict(f"{rfi.reference} already has an answer waiting for approval")
    errors: list[FieldError] = []
    outcome = raw.get("outcome")
    if outcome not in OUTCOMES:
        errors.append(FieldError("outcome", f"{outcome!r}: expected one of {', '.join(OUTCOMES)}"))
    text = _text(raw, "text", errors, MAX_TEXT)
    if errors:
        raise InvalidData(errors)
    choices = _choices(session, principal, raw.get("releases") or [], str(outcome))
    if rfi.state == "sent":
        rfi.state, rfi.acknowledged_at = "acknowledged", _now()
        rfi.acknowledged_by_id = principal.user_id
    restricted = [c for c in choices if c.record.handling_code in RESTRICTED_CODES]
    reply = RfiAnswer(
        rfi=rfi,
        author_id=principal.user_id,
        outcome=str(outcome),
        text=text,
        status="pending" if restricted else "released",
    )
    for choice in choices:
        reply.releases.append(
            Release(
                record_kind=choice.kind,
                record_id=choice.record.id,
                mode=choice.mode,
                handling_code=choice.record.handling_code,
            )
        )
    session.add(reply)
    session.flush()
    audit.append(
        session,
        "rfi.answer",
        principal=principal,
        object_kind="rfi",
        object_id=rfi.reference,
        after={
            "outcome": reply.outcome,
            "status": reply.status,
            "releases": [_release_summary(r) for r in reply.releases],
        },
    )
    if restricted:
        supervisors = [
            u
            for u in agency_users(session, rfi.to_agency_id, ("supervisor", "administrator"))
            if u != principal.user_id
        ]
        notify(
            session,
            supervisors,
            "release.approval",
            f"Approve the answer to {rfi.reference}: {len(restricted)} H2/H3 record(s) to "
            f"{rfi.from_agency.code}",
            link=f"/rfis/{rfi.id}",
            payload={"rfi": rfi.reference, "answer": reply.id},
        )
    else:
        _release(session, principal, reply)
    return reply


def _release_summary(release: Release) -> dict[str, Any]:
    return {
        "kind": release.record_kind,
        "id": str(release.record_id),
        "mode": release.mode,
        "handling_code": release.handling_code,
    }


def _answer(session: Session, principal: Principal, answer_id: int) -> RfiAnswer:
    reply = session.get(RfiAnswer, answer_id)
    if reply is None:
        raise NotFound(f"No answer {answer_id}")
    get(session, principal, reply.rfi_id)  # visible to the principal, or NotFound
    if reply.rfi.to_agency_id != principal.agency_id:
        raise NotFound(f"No answer {answer_id} of your agency")
    return reply


def approve(
    session: Session, principal: Principal, answer_id: int, note: str | None = None
) -> RfiAnswer:
    """Four-eyes: a supervisor of the owner agency — not the answer's author — lets the
    H2/H3 content go."""
    require(principal, "release.approve")
    reply = _answer(session, principal, answer_id)
    rfi = reply.rfi
    if reply.status != "pending":
        raise Conflict(f"This answer to {rfi.reference} was already {reply.status}")
    if rfi.state == "closed":
        raise Conflict(f"{rfi.reference} is closed: nothing more is released on it")
    if reply.author_id == principal.user_id:
        # The refusal is audited in a transaction of its own: the request's is rolled back.
        with Session(session.get_bind()) as own:
            audit.append(
                own,
                "release.approve",
                principal=principal,
                object_kind="rfi",
                object_id=rfi.reference,
                outcome="denied",
                detail="approving one's own release",
            )
            own.commit()
        raise PermissionDenied("You wrote this answer: another supervisor must approve it")
    reply.decided_by_id, reply.decided_at = principal.user_id, _now()
    reply.decision_note = (note or "").strip()[:2000] or None
    audit.append(
        session,
        "release.approve",
        principal=principal,
        object_kind="rfi",
        object_id=rfi.reference,
        after={"answer": reply.id, "releases": [_release_summary(r) for r in reply.releases]},
        detail=reply.decision_note,
    )
    _release(session, principal, reply)
    if reply.author_id is not None:
        notify(
            session,
            [reply.author_id],
            "release.approved",
            f"Your answer to {rfi.reference} was approved and released",
            link=f"/rfis/{rfi.id}",
        )
    return reply


def return_answer(
    session: Session, principal: Principal, answer_id: int, note: str | None = None
) -> RfiAnswer:
    """A supervisor sends a pending answer back to be redone; nothing is released."""
    require(principal, "release.approve")
    reply = _answer(session, principal, answer_id)
    if reply.status != "pending":
        raise Conflict(f"This answer to {reply.rfi.reference} was already {reply.status}")
    if not (note or "").strip():
        raise InvalidData([FieldError("note", "say why the answer is returned")])
    reply.status, reply.decided_by_id, reply.decided_at = "returned", principal.user_id, _now()
    reply.decision_note = (note or "").strip()[:2000]
    audit.append(
        session,
        "release.return",
        principal=principal,
        object_kind="rfi",
        object_id=reply.rfi.reference,
        after={"answer": reply.id},
        detail=reply.decision_note,
    )
    if reply.author_id is not None:
        notify(
            session,
            [reply.author_id],
            "release.returned",
            f"Your answer to {reply.rfi.reference} was returned: {reply.decision_note}",
            link=f"/rfis/{reply.rfi_id}",
        )
    return reply


def _sanitised_copy(session: Session, record: RecordMixin) -> RecordMixin:
    """A new record of the owner with the record's facts and none of its free text."""
    model = type(record)
    table = model.__table__  # type: ignore[attr-defined]
    values = {
        c.key: getattr(record, c.key)
        for c in table.columns
        if c.name not in SANITISED_OUT
        and c.name not in ("id", "created_at", "updated_at", "version")
    }
    hex_id = new_id()
    copy: Any = model(**values)
    copy.id = uuid.UUID(hex_id)
    if model is IntelReport:
        copy.body = "(sanitised copy: the report's text was not released)"
    session.add(copy)
    if model is Person:
        for name in session.scalars(
            select(PersonName).where(
                PersonName.person_id == record.id, PersonName.kind.in_(("primary", "as_written"))
            )
        ):
            session.add(
                PersonName(
                    person_id=copy.id,
                    full_name=name.full_name,
                    surname=name.surname,
                    given_name=name.given_name,
                    patronymic=name.patronymic,
                    script=name.script,
                    kind=name.kind,
                )
            )
    if model is SeizureReport:
        copy.transit_countries = list(record.transit_countries)  # type: ignore[attr-defined]
    session.flush()
    note_change(session, model.KIND, inserted=[hex_id])
    return copy


def _release(session: Session, principal: Principal, reply: RfiAnswer) -> None:
    """Let the answer's records go: the asker's agency becomes a recipient of each (or of
    its sanitised copy)."""
    rfi = reply.rfi
    now = _now()
    granted: dict[str, list[uuid.UUID]] = {}
    for release in reply.releases:
        model = RECORD_KINDS[release.record_kind]
        record = session.get(model, release.record_id)
        if record is None:
            raise Conflict(
                f"The {release.record_kind} {release.record_id} was deleted since the answer "
                "was written: return the answer and write it again"
            )
        target = record
        if release.mode == "sanitised":
            target = _sanitised_copy(session, record)
            release.copy_id = target.id
        exists = session.get(RecordRecipient, (target.id, rfi.from_agency_id))
        if exists is None:
            session.add(RecordRecipient(record_id=target.id, agency_id=rfi.from_agency_id))
        release.released_at = now
        granted.setdefault(release.record_kind, []).append(target.id)
    session.flush()
    for kind, ids in granted.items():
        # Indexes and the network graph re-read these records' recipients.
        note_change(session, kind, updated=ids)
    reply.status = "released"
    rfi.state, rfi.answered_at = reply.outcome, now
    audit.append(
        session,
        "rfi.release",
        principal=principal,
        object_kind="rfi",
        object_id=rfi.reference,
        after={
            "to": rfi.from_agency.code,
            "outcome": reply.outcome,
            "released": [
                {**_release_summary(r), "copy": str(r.copy_id) if r.copy_id else None}
                for r in reply.releases
            ],
        },
    )
    notify(
        session,
        _askers(session, rfi),
        "rfi.answered",
        f"{rfi.reference} {reply.outcome.replace('_', ' ')} by {rfi.to_agency.code}"
        + (f": {len(reply.releases)} record(s) released" if reply.releases else ""),
        link=f"/rfis/{rfi.id}",
        payload={"rfi": rfi.reference, "outcome": reply.outcome},
    )


# --------------------------------------------------------------------------- reading


def released_views(
    session: Session, principal: Principal, rfi: Rfi
) -> list[tuple[Release, RecordMixin | HitNotice | None]]:
    """Each released record (or its copy) as the principal may see it now."""
    pairs: list[tuple[Release, RecordMixin | HitNotice | None]] = []
    for reply in rfi.answers:
        for release in reply.releases:
            if release.released_at is None and rfi.to_agency_id != principal.agency_id:
                continue  # the asker learns nothing of a pending answer's records
            target = release.copy_id or release.record_id
            views = hit_views(session, RECORD_KINDS[release.record_kind], [target], principal)
            pairs.append((release, views.get(target)))
    return pairs


def answers_for(principal: Principal, rfi: Rfi) -> list[RfiAnswer]:
    """The answers the principal's side may read: the owner sees all (pending and
    returned too); the asker sees released ones only."""
    if rfi.to_agency_id == principal.agency_id:
        return list(rfi.answers)
    return [a for a in rfi.answers if a.status == "released"]


def listing(
    session: Session,
    principal: Principal,
    box: str,
    *,
    state: str | None = None,
    overdue: bool = False,
    limit: int = 200,
) -> list[Rfi]:
    """The agency's ``inbox`` (requests to it) or ``outbox`` (requests from it)."""
    require(principal, "rfi.create" if box == "outbox" else "rfi.answer")
    if box not in ("inbox", "outbox"):
        raise InvalidData([FieldError("box", f"{box!r}: expected inbox or outbox")])
    if state is not None and state not in STATES:
        raise InvalidData([FieldError("state", f"{state!r}: expected one of {', '.join(STATES)}")])
    side = Rfi.to_agency_id if box == "inbox" else Rfi.from_agency_id
    stmt = select(Rfi).where(rfi_visibility_clause(principal), side == principal.agency_id)
    if state:
        stmt = stmt.where(Rfi.state == state)
    if overdue:
        stmt = stmt.where(Rfi.state.in_(OPEN_STATES), Rfi.due_at < _now())
    return list(session.scalars(stmt.order_by(Rfi.id.desc()).limit(limit)))


@dataclass(frozen=True)
class Stats:
    """Response times of one side of an agency's requests."""

    total: int
    open: int
    overdue: int
    answered: int
    median_hours: float | None
    p90_hours: float | None
    on_time_percent: float | None
    by_state: dict[str, int]


def stats(session: Session, principal: Principal, box: str) -> Stats:
    rows = listing(session, principal, box, limit=100_000)
    now = _now()
    hours: list[float] = []
    on_time = 0
    by_state: dict[str, int] = {}
    for rfi in rows:
        by_state[rfi.state] = by_state.get(rfi.state, 0) + 1
        sent, answered, due = as_utc(rfi.sent_at), as_utc(rfi.answered_at), as_utc(rfi.due_at)
        if sent and answered:
            hours.append((answered - sent).total_seconds() / 3600)
            on_time += bool(due and answered <= due)
    hours.sort()
    return Stats(
        total=len(rows),
        open=sum(1 for r in rows if r.state in OPEN_STATES),
        overdue=sum(1 for r in rows if is_overdue(r, now)),
        answered=len(hours),
        median_hours=round(statistics.median(hours), 1) if hours else None,
        p90_hours=round(hours[min(len(hours) - 1, int(0.9 * len(hours)))], 1) if hours else None,
        on_time_percent=round(100 * on_time / len(hours), 1) if hours else None,
        by_state=by_state,
    )


# --------------------------------------------------------------------------- attachments


def attach(
    session: Session,
    principal: Principal,
    rfi_id: int,
    filename: str,
    content_type: str | None,
    data: bytes,
    settings: Settings,
) -> RfiAttachment:
    """Attach a file to a request (either side, until it is closed)."""
    require(principal, "rfi.create")
    rfi = get(session, principal, rfi_id)
    if rfi.state == "closed":
        raise Conflict(f"{rfi.reference} is closed: nothing more can be attached")
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not name:
        raise InvalidData([FieldError("file", "the file has no name")])
    if not data:
        raise InvalidData([FieldError("file", f"{name} is empty")])
    limit = settings.max_attachment_mb * 1024 * 1024
    if len(data) > limit:
        raise PayloadTooLarge(
            f"{name} is {len(data) / 1048576:.1f} MB; attachments may be at most "
            f"{settings.max_attachment_mb} MB"
        )
    attachment = RfiAttachment(
        rfi=rfi,
        filename=name[:255],
        content_type=(content_type or "application/octet-stream")[:100],
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
        uploaded_by_id=principal.user_id,
        agency_id=principal.agency_id,
    )
    session.add(attachment)
    session.flush()
    audit.append(
        session,
        "rfi.attach",
        principal=principal,
        object_kind="rfi",
        object_id=rfi.reference,
        after={"file": attachment.filename, "size": attachment.size, "sha256": attachment.sha256},
    )
    return attachment


def attachment(
    session: Session, principal: Principal, rfi_id: int, attachment_id: int
) -> RfiAttachment:
    """One attachment of a request the principal may see (its download is audited)."""
    rfi = get(session, principal, rfi_id)
    found = next((a for a in rfi.attachments if a.id == attachment_id), None)
    if found is None:
        raise NotFound(f"No attachment {attachment_id} on {rfi.reference}")
    audit.append(
        session,
        "rfi.attachment.read",
        principal=principal,
        object_kind="rfi",
        object_id=rfi.reference,
        detail=found.filename,
    )
    return found


# --------------------------------------------------------------------------- deadlines


def escalate_overdue(db: Database, settings: Settings, now: datetime) -> int:
    """Tell the owner agency's supervisors, once, of each request past its deadline."""
    del settings
    with db.session() as session:
        late = list(
            session.scalars(
                select(Rfi)
                .where(
                    Rfi.state.in_(OPEN_STATES),
                    Rfi.due_at < now,
                    Rfi.escalated_at.is_(None),
                )
                .limit(500)
            )
        )
        for rfi in late:
            rfi.escalated_at = now
            audit.append(
                session,
                "rfi.escalate",
                actor="dispatcher",
                object_kind="rfi",
                object_id=rfi.reference,
                detail=f"overdue since {rfi.due_at}",
            )
            notify(
                session,
                agency_users(session, rfi.to_agency_id, ("supervisor", "administrator")),
                "rfi.overdue",
                f"Overdue: {rfi.reference} ({rfi.priority}) from {rfi.from_agency.code} — "
                f"{rfi.subject}",
                body=f"It was due {rfi.due_at:%Y-%m-%d %H:%M} UTC and is still {rfi.state}.",
                link=f"/rfis/{rfi.id}",
                payload={"rfi": rfi.reference},
            )
        return len(late)


def group_members(session: Session, principal: Principal, rfi: Rfi) -> list[Rfi]:
    """The other requests sent with this one (the asker's side only)."""
    if rfi.from_agency_id != principal.agency_id:
        return []
    return list(
        session.scalars(
            select(Rfi).where(
                Rfi.group_ref == rfi.group_ref, Rfi.id != rfi.id, rfi_visibility_clause(principal)
            )
        )
    )


def pending_approvals(session: Session, principal: Principal) -> list[RfiAnswer]:
    """Answers of the principal's agency waiting for a supervisor (not their own)."""
    if principal.role not in ("supervisor", "administrator"):
        return []
    return list(
        session.scalars(
            select(RfiAnswer)
            .join(Rfi, Rfi.id == RfiAnswer.rfi_id)
            .where(
                RfiAnswer.status == "pending",
                Rfi.to_agency_id == principal.agency_id,
                # Not their own: the author may not approve it (four-eyes).
                or_(RfiAnswer.author_id.is_(None), RfiAnswer.author_id != principal.user_id),
                rfi_visibility_clause(principal),
            )
            .order_by(RfiAnswer.id)
        )
    )


__all__ = [
    "MODES",
    "OUTCOMES",
    "PRIORITIES",
    "STATES",
    "Stats",
    "acknowledge",
    "answer",
    "answers_for",
    "approve",
    "attach",
    "attachment",
    "close",
    "create",
    "deadline",
    "discard",
    "escalate_overdue",
    "get",
    "group_members",
    "is_overdue",
    "listing",
    "pending_approvals",
    "released_views",
    "return_answer",
    "send_rfi",
    "stats",
    "subject_records",
    "update_draft",
    "validate",
]
