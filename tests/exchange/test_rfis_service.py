"""Requests for information: the whole path, four-eyes release, deadlines and bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from caravan.access import get_visible
from caravan.collect.records import create_record
from caravan.config import Settings
from caravan.errors import Conflict, InvalidData, NotFound, PayloadTooLarge, PermissionDenied
from caravan.exchange import rfis
from caravan.exchange.dispatcher import Dispatcher
from caravan.match.checks import run_check
from caravan.match.selectors import parse_selector
from caravan.store.models import (
    AuditEvent,
    IntelReport,
    Notification,
    Person,
    RecordRecipient,
    Rfi,
)
from caravan.store.models.base import as_utc


def _person(world: Any, username: str, source_id: str, code: str, **extra: Any) -> Any:
    with world.db.session() as session:
        record = create_record(
            session,
            world.principal(username),
            "persons",
            {
                "source_id": source_id,
                "surname": "Рахимов",
                "given_name": "Джамшед",
                "birth_date": "1985-03-07",
                "nationality": "TJ",
                "handling_code": code,
                "grade": "B2",
                "notes": "informant says he drives the Osh route",
                **({"handling_note": "not for onward transmission"} if code == "H3" else {}),
                **extra,
            },
        )
        return record.id


def _ask(world: Any, settings: Settings, **changes: Any) -> Rfi:
    raw = {
        "to": ["KG-MVD"],
        "priority": "urgent",
        "subject": "Rakhimov, Jamshed (1985-03-07)",
        "question": "Please share what you hold on this person.",
        "legal_basis": "CARICC agreement, art. 6",
        "purpose": "Controlled delivery, operation SILK",
        "subjects": [{"kind": "person", "reference": "KG-P-77"}],
        **changes,
    }
    with world.db.session() as session:
        return rfis.create(session, world.principal("kz-mvd.officer"), raw, settings, send=True)[0]


def _actions(world: Any, reference: str) -> list[str]:
    with world.db.session() as session:
        return list(
            session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.object_id == reference)
                .order_by(AuditEvent.seq)
            )
        )


def _inbox(world: Any, username: str) -> list[Notification]:
    with world.db.session() as session:
        return list(
            session.scalars(
                select(Notification).where(Notification.user_id == world.users[username].id)
            )
        )


def test_check_hit_request_answer_approval_release(world: Any, settings: Settings) -> None:
    person_id = _person(world, "kg-mvd.officer", "KG-P-77", "H2")
    asker = world.principal("kz-mvd.officer")
    with world.db.session() as session:
        selector = parse_selector("person", {"surname": "Rakhimov", "birth_date": "1985-03-07"})
        hit = run_check(session, asker, selector).hits[0]
        assert hit.notice is not None and hit.notice.reference == "KG-P-77"
    rfi = _ask(world, settings, subjects=[{"kind": "person", "reference": hit.notice.reference}])
    assert rfi.state == "sent" and rfi.reference.startswith("RFI-")
    assert as_utc(rfi.due_at) - as_utc(rfi.sent_at) == timedelta(hours=settings.rfi_hours_urgent)
    assert any(n.kind == "rfi.received" for n in _inbox(world, "kg-mvd.officer"))

    owner = world.principal("kg-mvd.officer")
    with world.db.session() as session:
        loaded = rfis.get(session, owner, rfi.id)
        assert [r.id for r in rfis.subject_records(session, owner, loaded)] == [person_id]
        # The asker never sees the owner's record through the request before release.
        assert rfis.subject_records(session, asker, rfis.get(session, asker, rfi.id)) == []
        rfis.acknowledge(session, owner, rfi.id)
        reply = rfis.answer(
            session,
            owner,
            rfi.id,
            {
                "outcome": "answered",
                "text": "He is known to us; record attached.",
                "releases": [{"kind": "person", "id": str(person_id), "mode": "full"}],
            },
        )
        assert reply.status == "pending"
        answer_id = reply.id
    # Nothing left yet: the record is still hidden from the asker.
    with world.db.session() as session, pytest.raises(NotFound):
        get_visible(session, Person, person_id, asker)
        assert rfis.answers_for(asker, rfis.get(session, asker, rfi.id)) == []
    assert any(n.kind == "release.approval" for n in _inbox(world, "kg-mvd.supervisor"))

    # Four-eyes: the author's own supervisor-level approval is refused; another's goes.
    with world.db.session() as session, pytest.raises(PermissionDenied):
        rfis.approve(session, world.principal("kg-mvd.officer"), answer_id)
    with world.db.session() as session:
        rfis.approve(session, world.principal("kg-mvd.supervisor"), answer_id, "ok to release")
    with world.db.session() as session, pytest.raises(Conflict):
        rfis.approve(session, world.principal("kg-mvd.administrator"), answer_id)

    with world.db.session() as session:
        record = get_visible(session, Person, person_id, asker)
        assert record.handling_code == "H2"  # it keeps its restriction
        loaded = rfis.get(session, asker, rfi.id)
        assert loaded.state == "answered"
        views = rfis.released_views(session, asker, loaded)
        assert [v.id for _, v in views] == [person_id]  # type: ignore[union-attr]
    assert any(n.kind == "rfi.answered" for n in _inbox(world, "kz-mvd.officer"))
    assert _actions(world, rfi.reference) == [
        "rfi.create",
        "rfi.send",
        "rfi.acknowledge",
        "rfi.answer",
        "release.approve",
        "rfi.release",
    ]
    with world.db.session() as session:
        rfis.close(session, asker, rfi.id)
    with world.db.session() as session, pytest.raises(Conflict, match="closed"):
        rfis.answer(session, owner, rfi.id, {"outcome": "refused", "text": "late"})


def test_open_records_are_released_at_once_and_sanitised_copies_lose_free_text(
    world: Any, settings: Settings
) -> None:
    open_id = _person(world, "kg-mvd.officer", "KG-P-1", "H1")
    secret_id = _person(world, "kg-mvd.officer", "KG-P-2", "H3")
    rfi = _ask(world, settings, priority="normal")
    owner = world.principal("kg-mvd.supervisor")
    with world.db.session() as session:
        reply = rfis.answer(
            session,
            owner,
            rfi.id,
            {
                "outcome": "partly_answered",
                "text": "One record in full.",
                "releases": [{"kind": "person", "id": str(open_id), "mode": "full"}],
            },
        )
        assert reply.status == "released"
        assert rfis.get(session, owner, rfi.id).state == "partly_answered"

    second = _ask(world, settings)
    with world.db.session() as session:
        reply = rfis.answer(
            session,
            world.principal("kg-mvd.officer"),
            second.id,
            {
                "outcome": "answered",
                "text": "Sanitised copy.",
                "releases": [{"kind": "person", "id": str(secret_id), "mode": "sanitised"}],
            },
        )
        answer_id = reply.id
    with world.db.session() as session:
        rfis.approve(session, owner, answer_id)
    asker = world.principal("kz-mvd.officer")
    with world.db.session() as session:
        ((release, view),) = rfis.released_views(
            session, asker, rfis.get(session, asker, second.id)
        )
        assert release.copy_id is not None and isinstance(view, Person)
        assert view.id == release.copy_id and view.notes is None and view.source_id is None
        assert view.surname == "Рахимов" and view.handling_code == "H3"
        # The original stays hidden; only the copy was released.
        with pytest.raises(NotFound):
            get_visible(session, Person, secret_id, asker)
        assert session.get(RecordRecipient, (release.copy_id, asker.agency_id)) is not None


def test_returned_answers_release_nothing_and_can_be_redone(world: Any, settings: Settings) -> None:
    secret_id = _person(world, "kg-mvd.officer", "KG-P-3", "H2")
    rfi = _ask(world, settings)
    officer, supervisor = world.principal("kg-mvd.officer"), world.principal("kg-mvd.supervisor")
    body = {
        "outcome": "answered",
        "text": "All of it.",
        "releases": [{"kind": "person", "id": str(secret_id), "mode": "full"}],
    }
    with world.db.session() as session:
        answer_id = rfis.answer(session, officer, rfi.id, body).id
    with world.db.session() as session, pytest.raises(Conflict, match="waiting"):
        rfis.answer(session, officer, rfi.id, body)
    with world.db.session() as session, pytest.raises(InvalidData, match="note"):
        rfis.return_answer(session, supervisor, answer_id, "  ")
    with world.db.session() as session:
        rfis.return_answer(session, supervisor, answer_id, "Send a sanitised copy instead")
    with world.db.session() as session, pytest.raises(Conflict, match="returned"):
        rfis.approve(session, supervisor, answer_id)
    with world.db.session() as session, pytest.raises(NotFound):
        get_visible(session, Person, secret_id, world.principal("kz-mvd.officer"))
    with world.db.session() as session:
        assert rfis.get(session, officer, rfi.id).state == "acknowledged"
        rfis.answer(session, officer, rfi.id, {**body, "releases": []})


def test_only_the_parties_see_a_request_and_each_side_does_its_part(
    world: Any, settings: Settings
) -> None:
    rfi = _ask(world, settings)
    with world.db.session() as session:
        with pytest.raises(NotFound):
            rfis.get(session, world.principal("caricc.administrator"), rfi.id)
        with pytest.raises(PermissionDenied):
            rfis.acknowledge(session, world.principal("kz-mvd.supervisor"), rfi.id)
        with pytest.raises(PermissionDenied):
            rfis.close(session, world.principal("kg-mvd.supervisor"), rfi.id)
    # Drafts stay with the asker.
    with world.db.session() as session:
        draft = rfis.create(
            session,
            world.principal("kz-mvd.officer"),
            {
                "to": "KG-MVD",
                "subject": "draft",
                "question": "q",
                "legal_basis": "b",
                "purpose": "p",
            },
            settings,
        )[0]
    with world.db.session() as session, pytest.raises(NotFound):
        rfis.get(session, world.principal("kg-mvd.officer"), draft.id)
    with world.db.session() as session:
        inbox = rfis.listing(session, world.principal("kg-mvd.officer"), "inbox")
        outbox = rfis.listing(session, world.principal("kz-mvd.analyst"), "outbox")
        assert [r.id for r in inbox] == [rfi.id]
        assert {r.id for r in outbox} == {rfi.id, draft.id}


def test_several_agencies_get_one_request_each(world: Any, settings: Settings) -> None:
    with world.db.session() as session:
        made = rfis.create(
            session,
            world.principal("kz-mvd.officer"),
            {
                "to": ["KG-MVD", "CARICC"],
                "subject": "s",
                "question": "q",
                "legal_basis": "b",
                "purpose": "p",
            },
            settings,
            send=True,
        )
        assert len({r.group_ref for r in made}) == 1
        assert sorted(r.reference.rsplit("-", 1)[-1] for r in made) == ["CARICC", "MVD"]
        assert {r.to_agency.code for r in made} == {"KG-MVD", "CARICC"}


@pytest.mark.parametrize(
    ("changes", "field", "problem"),
    [
        ({"to": ["XX-NONE"]}, "to", "no agency with code 'XX-NONE'"),
        ({"to": ["KZ-MVD"]}, "to", "your own agency"),
        ({"to": []}, "to", "at least one agency"),
        ({"priority": "asap"}, "priority", "expected one of urgent, high, normal"),
        ({"legal_basis": " "}, "legal_basis", "is required"),
        ({"subject": "x" * 301}, "subject", "longer than 300"),
        ({"subjects": [{"kind": "spaceship", "reference": "1"}]}, "subjects[1].kind", "expected"),
        ({"subjects": [{"kind": "person"}]}, "subjects[1].reference", "is required"),
    ],
)
def test_bad_requests_name_the_field(
    world: Any, settings: Settings, changes: dict[str, Any], field: str, problem: str
) -> None:
    with pytest.raises(InvalidData) as raised:
        _ask(world, settings, **changes)
    assert any(e.field == field and problem in e.message for e in raised.value.errors)
    with world.db.session() as session:
        assert session.scalar(select(Rfi.id)) is None  # nothing half-written


@pytest.mark.parametrize(
    ("body", "field", "problem"),
    [
        ({"outcome": "maybe", "text": "t"}, "outcome", "expected one of"),
        ({"outcome": "answered"}, "text", "is required"),
        (
            {"outcome": "refused", "text": "no", "releases": [{"kind": "person", "id": "X"}]},
            "releases",
            "a refusal releases nothing",
        ),
        (
            {"outcome": "answered", "text": "t", "releases": [{"kind": "person", "id": "nope"}]},
            "releases[1].id",
            "is not a record id",
        ),
        (
            {
                "outcome": "answered",
                "text": "t",
                "releases": [
                    {
                        "kind": "phone",
                        "id": "00000000-0000-0000-0000-000000000001",
                        "mode": "sanitised",
                    }
                ],
            },
            "releases[1].mode",
            "cannot be sanitised",
        ),
    ],
)
def test_bad_answers_name_the_field(
    world: Any, settings: Settings, body: dict[str, Any], field: str, problem: str
) -> None:
    rfi = _ask(world, settings)
    with world.db.session() as session, pytest.raises(InvalidData) as raised:
        rfis.answer(session, world.principal("kg-mvd.officer"), rfi.id, body)
    assert any(e.field == field and problem in e.message for e in raised.value.errors), (
        raised.value.errors
    )


def test_only_the_owner_releases_its_own_records(world: Any, settings: Settings) -> None:
    foreign = _person(world, "caricc.officer", "C-1", "H2")
    rfi = _ask(world, settings)
    with world.db.session() as session, pytest.raises(InvalidData, match="your agency has no"):
        rfis.answer(
            session,
            world.principal("kg-mvd.officer"),
            rfi.id,
            {
                "outcome": "answered",
                "text": "t",
                "releases": [{"kind": "person", "id": str(foreign)}],
            },
        )


def test_overdue_requests_are_escalated_once_to_the_owners_supervisors(
    world: Any, settings: Settings
) -> None:
    rfi = _ask(world, settings)
    dispatcher = Dispatcher(world.db, settings)
    later = datetime.now(UTC) + timedelta(hours=settings.rfi_hours_urgent + 1)
    with world.db.session() as session:
        assert not rfis.is_overdue(rfis.get(session, world.principal("kg-mvd.officer"), rfi.id))
    assert rfis.escalate_overdue(world.db, settings, later) == 1
    assert rfis.escalate_overdue(world.db, settings, later) == 0
    assert any(n.kind == "rfi.overdue" for n in _inbox(world, "kg-mvd.supervisor"))
    assert not any(n.kind == "rfi.overdue" for n in _inbox(world, "kg-mvd.officer"))
    with world.db.session() as session:
        loaded = rfis.get(session, world.principal("kg-mvd.officer"), rfi.id)
        assert rfis.is_overdue(loaded, later)
        stats = rfis.stats(session, world.principal("kg-mvd.officer"), "inbox")
        assert stats.open == 1 and stats.answered == 0
    del dispatcher
    assert "rfi.escalate" in _actions(world, rfi.reference)


def test_response_time_statistics(world: Any, settings: Settings) -> None:
    for _ in range(3):
        rfi = _ask(world, settings)
        with world.db.session() as session:
            rfis.answer(
                session,
                world.principal("kg-mvd.officer"),
                rfi.id,
                {"outcome": "refused", "text": "no"},
            )
    with world.db.session() as session:
        stats = rfis.stats(session, world.principal("kg-mvd.analyst"), "inbox")
        assert stats.answered == 3 and stats.on_time_percent == 100.0
        assert stats.by_state == {"refused": 3} and stats.median_hours is not None
        outbox = rfis.stats(session, world.principal("kz-mvd.analyst"), "outbox")
        assert outbox.total == 3


def test_attachments_are_for_the_parties_and_bounded(world: Any, settings: Settings) -> None:
    rfi = _ask(world, settings)
    asker = world.principal("kz-mvd.officer")
    with world.db.session() as session:
        saved = rfis.attach(
            session, asker, rfi.id, "C:\\photos\\plate.jpg", "image/jpeg", b"jpeg", settings
        )
        assert saved.filename == "plate.jpg"
        attachment_id = saved.id
    with world.db.session() as session:
        got = rfis.attachment(session, world.principal("kg-mvd.officer"), rfi.id, attachment_id)
        assert got.data == b"jpeg"
        with pytest.raises(NotFound):
            rfis.attachment(session, world.principal("caricc.officer"), rfi.id, attachment_id)
        with pytest.raises(InvalidData, match="empty"):
            rfis.attach(session, asker, rfi.id, "x.txt", "text/plain", b"", settings)
    small = settings.model_copy(update={"max_attachment_mb": 1})
    with world.db.session() as session, pytest.raises(PayloadTooLarge, match="at most 1 MB"):
        rfis.attach(session, asker, rfi.id, "big.bin", None, b"0" * (1024 * 1024 + 1), small)
    assert _actions(world, rfi.reference)[-2:] == ["rfi.attach", "rfi.attachment.read"]


def test_sanitised_report_copy_has_no_text(world: Any, settings: Settings) -> None:
    with world.db.session() as session:
        report = create_record(
            session,
            world.principal("kg-mvd.officer"),
            "reports",
            {
                "source_id": "KG-R-1",
                "date": "2026-10-01",
                "title": "Courier route via Osh",
                "body": "Source HUMINT-7 says the courier leaves on Fridays.",
                "handling_code": "H2",
                "grade": "B2",
            },
        )
        report_id = report.id
    rfi = _ask(world, settings)
    with world.db.session() as session:
        answer_id = rfis.answer(
            session,
            world.principal("kg-mvd.officer"),
            rfi.id,
            {
                "outcome": "answered",
                "text": "t",
                "releases": [{"kind": "report", "id": str(report_id), "mode": "sanitised"}],
            },
        ).id
        rfis.approve(session, world.principal("kg-mvd.supervisor"), answer_id)
    with world.db.session() as session:
        copy = session.scalars(select(IntelReport).where(IntelReport.id != report_id)).one()
        assert "HUMINT" not in copy.body and copy.title == "Courier route via Osh"
