"""Joint operations: membership, statuses, agencies, timeline, tasks, four-eyes sharing."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from caravan.access import HitNotice, get_visible
from caravan.collect.records import create_record, read_record
from caravan.errors import Conflict, InvalidData, NotFound, PermissionDenied
from caravan.exchange import operations as ops
from caravan.store.models import AuditEvent, Notification, Person, RecordRecipient

YEAR = datetime.now(UTC).year


def _person(world: Any, username: str, source_id: str, code: str) -> uuid.UUID:
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
                "handling_code": code,
                "grade": "B2",
                **({"handling_note": "not for onward transmission"} if code == "H3" else {}),
            },
        )
        return record.id


def _do(world: Any, username: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call a service as ``username`` in its own committed transaction."""
    with world.db.session() as session:
        result = fn(session, world.principal(username), *args, **kwargs)
        if hasattr(result, "id"):
            return result.id
        return result


def _open(world: Any, **changes: Any) -> int:
    """SILK: led by KZ-MVD (its supervisor), KG-MVD taking part, both supervisors members."""
    raw: dict[str, Any] = {
        "name": "SILK — controlled delivery Osh–Almaty",
        "agencies": ["KG-MVD"],
        **changes,
    }
    op_id = _do(world, "kz-mvd.supervisor", ops.create_operation, **raw)
    return int(op_id)


def _fields(exc: pytest.ExceptionInfo[InvalidData]) -> dict[str, str]:
    return {e.field: e.message for e in exc.value.errors}


def _notes(world: Any, username: str) -> list[Notification]:
    with world.db.session() as session:
        rows = session.scalars(
            select(Notification).where(Notification.user_id == world.users[username].id)
        ).all()
        session.expunge_all()
        return list(rows)


def _actions(world: Any) -> list[str]:
    with world.db.session() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


# --------------------------------------------------------------------------- create


def test_create_generates_codes_and_makes_the_creator_a_member(world) -> None:
    first = _open(world)
    second = _open(world, code="silk-2", description="Second leg")
    with world.db.session() as session:
        principal = world.principal("kz-mvd.supervisor")
        view = ops.workspace(session, principal, first)
        assert view.operation.code == f"OP-{YEAR}-0001"
        assert view.operation.status == "open"
        assert view.operation.lead_agency.code == "KZ-MVD"
        assert [a.code for a in view.agencies] == ["KZ-MVD", "KG-MVD"]  # lead first
        assert [m.user.username for m in view.members] == ["kz-mvd.supervisor"]
        assert view.entries[0].kind == "system"
        assert ops.get_operation(session, principal, second).code == "SILK-2"
        listed = ops.list_operations(session, principal)
        assert [s.operation.id for s in listed] == [second, first]
        assert listed[1].agency_codes == ["KG-MVD", "KZ-MVD"]
    assert _open(world, name="Third") and _actions(world).count("operation.create") == 3
    with world.db.session() as session:
        assert ops.list_operations(session, world.principal("kz-mvd.supervisor"))[
            0
        ].operation.code == (f"OP-{YEAR}-0002")


def test_create_refuses_officers_taken_codes_and_bad_input(world) -> None:
    for role in ("officer", "analyst"):
        with pytest.raises(PermissionDenied):
            _do(world, f"kz-mvd.{role}", ops.create_operation, name="X")
    _open(world, code="SILK")
    with pytest.raises(Conflict, match="SILK is already taken"):
        _open(world, code="silk")
    with pytest.raises(InvalidData) as exc:
        _open(world, name="  ", code="bad code!", agencies=["KG-MVD", "XX-NONE"])
    fields = _fields(exc)
    assert fields["name"] == "must not be empty"
    assert "letters, digits" in fields["code"]
    assert fields["agencies[1]"] == "no agency 'XX-NONE'"
    with pytest.raises(InvalidData) as exc:
        _open(world, name="x" * 201)
    assert "at most 200" in _fields(exc)["name"]
    assert _actions(world).count("operation.create") == 1


# --------------------------------------------------------------------------- membership


def test_non_members_get_not_found_everywhere(world) -> None:
    op_id = _open(world)
    share_id = _do(
        world,
        "kz-mvd.supervisor",
        ops.share_record,
        op_id,
        "person",
        str(_person(world, "kz-mvd.officer", "KZ-P-1", "H2")),
    )
    # KG-MVD takes part, but its users are not members yet; the centre administrator
    # gets no exception either; nor does a colleague of the lead agency.
    for outsider in ("kg-mvd.supervisor", "caricc.administrator", "kz-mvd.administrator"):
        calls: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
            (ops.get_operation, (op_id,)),
            (ops.workspace, (op_id,)),
            (ops.timeline, (op_id,)),
            (ops.set_status, (op_id, "running")),
            (ops.add_agency, (op_id, "CARICC")),
            (ops.remove_agency, (op_id, "KG-MVD")),
            (ops.add_member, (op_id, outsider)),
            (ops.remove_member, (op_id, world.users["kz-mvd.supervisor"].id)),
            (ops.post_message, (op_id, "hello")),
            (ops.add_event, (op_id, "2026-03-01T10:00", "crossing")),
            (ops.share_record, (op_id, "person", "KZ-P-1")),
            (ops.approve_share, (op_id, share_id)),
            (ops.refuse_share, (op_id, share_id)),
        ]
        for fn, args in calls:
            with pytest.raises(NotFound, match=f"No operation {op_id} that you may see"):
                _do(world, outsider, fn, *args)
        with pytest.raises(NotFound):
            _do(world, outsider, ops.add_task, op_id, title="t", owner=outsider)
        with world.db.session() as session:
            assert ops.list_operations(session, world.principal(outsider)) == []
    with pytest.raises(NotFound):
        _do(world, "kz-mvd.supervisor", ops.workspace, "not-a-number")
    with pytest.raises(NotFound):
        _do(world, "kz-mvd.supervisor", ops.workspace, op_id + 1000)


def test_agencies_and_members(world) -> None:
    op_id = _open(world)
    # Lead managers add users of any participating agency; the user is told.
    _do(world, "kz-mvd.supervisor", ops.add_member, op_id, "kg-mvd.supervisor")
    assert [n.kind for n in _notes(world, "kg-mvd.supervisor")] == ["operation.member"]
    with pytest.raises(Conflict, match="already a member"):
        _do(world, "kz-mvd.supervisor", ops.add_member, op_id, "kg-mvd.supervisor")
    # Other managers add users of their own agency only.
    _do(world, "kg-mvd.supervisor", ops.add_member, op_id, "kg-mvd.officer")
    with pytest.raises(PermissionDenied, match="your own agency"):
        _do(world, "kg-mvd.supervisor", ops.add_member, op_id, "kz-mvd.officer")
    # Officers take part but do not manage.
    with pytest.raises(PermissionDenied):
        _do(world, "kg-mvd.officer", ops.add_member, op_id, "kg-mvd.analyst")
    with pytest.raises(PermissionDenied):
        _do(world, "kg-mvd.officer", ops.add_agency, op_id, "CARICC")
    # Users must belong to a participating agency; unknown users and agencies name the field.
    with pytest.raises(InvalidData) as exc:
        _do(world, "kz-mvd.supervisor", ops.add_member, op_id, "caricc.analyst")
    assert "CARICC, which does not take part" in _fields(exc)["username"]
    with pytest.raises(InvalidData) as exc:
        _do(world, "kz-mvd.supervisor", ops.add_member, op_id, "nobody")
    assert _fields(exc)["username"] == "no active user 'nobody'"
    with pytest.raises(InvalidData) as exc:
        _do(world, "kz-mvd.supervisor", ops.add_agency, op_id, "XX-NONE")
    assert _fields(exc)["agency"] == "no agency 'XX-NONE'"
    with pytest.raises(Conflict, match="already takes part"):
        _do(world, "kz-mvd.supervisor", ops.add_agency, op_id, "kg-mvd")
    _do(world, "kz-mvd.supervisor", ops.add_agency, op_id, "CARICC")
    _do(world, "kz-mvd.supervisor", ops.add_member, op_id, "caricc.analyst")

    # The lead agency never leaves, nor does its last manager.
    with pytest.raises(Conflict, match="the lead agency cannot leave"):
        _do(world, "kz-mvd.supervisor", ops.remove_agency, op_id, "KZ-MVD")
    lead = world.users["kz-mvd.supervisor"].id
    with pytest.raises(Conflict, match="last manager of the lead agency"):
        _do(world, "kz-mvd.supervisor", ops.remove_member, op_id, lead)
    with pytest.raises(PermissionDenied, match="your own agency"):
        _do(world, "kg-mvd.supervisor", ops.remove_member, op_id, lead)
    with pytest.raises(PermissionDenied):
        _do(world, "kg-mvd.supervisor", ops.remove_agency, op_id, "CARICC")
    with pytest.raises(NotFound):
        _do(world, "kz-mvd.supervisor", ops.remove_member, op_id, 999_999)
    # A member may leave on their own.
    _do(world, "kg-mvd.officer", ops.remove_member, op_id, world.users["kg-mvd.officer"].id)
    with pytest.raises(NotFound):
        _do(world, "kg-mvd.officer", ops.workspace, op_id)
    # An agency leaves with its members.
    _do(world, "kz-mvd.supervisor", ops.remove_agency, op_id, "CARICC")
    with pytest.raises(NotFound):
        _do(world, "caricc.analyst", ops.workspace, op_id)
    with pytest.raises(InvalidData) as exc:
        _do(world, "kz-mvd.supervisor", ops.remove_agency, op_id, "CARICC")
    assert "does not take part" in _fields(exc)["agency"]
    with world.db.session() as session:
        view = ops.workspace(session, world.principal("kz-mvd.supervisor"), op_id)
        assert [a.code for a in view.agencies] == ["KZ-MVD", "KG-MVD"]
        assert sorted(m.user.username for m in view.members) == [
            "kg-mvd.supervisor",
            "kz-mvd.supervisor",
        ]
        texts = [e.text for e in view.entries if e.kind == "system"]
        assert "Agency CARICC joined the operation" in texts
        assert "Agency CARICC left the operation" in texts
    actions = _actions(world)
    assert actions.count("operation.member") == 4  # 3 added, 1 left
    assert actions.count("operation.agency") == 2


# --------------------------------------------------------------------------- status


def test_status_transitions_and_read_only_archive(world) -> None:
    op_id = _open(world)
    _do(world, "kz-mvd.supervisor", ops.add_member, op_id, "kg-mvd.officer")
    task_id = _do(
        world,
        "kz-mvd.supervisor",
        ops.add_task,
        op_id,
        title="Watch the border",
        owner="kg-mvd.officer",
    )
    with pytest.raises(PermissionDenied):
        _do(world, "kg-mvd.officer", ops.set_status, op_id, "running")
    with pytest.raises(Conflict, match="it may move to running, closed, not archived"):
        _do(world, "kz-mvd.supervisor", ops.set_status, op_id, "archived")
    with pytest.raises(InvalidData) as exc:
        _do(world, "kz-mvd.supervisor", ops.set_status, op_id, "finished")
    assert "expected one of open, running, closed, archived" in _fields(exc)["status"]
    for status in ("running", "closed"):
        _do(world, "kz-mvd.supervisor", ops.set_status, op_id, status)
    # Closed: nothing new, but tasks may be ticked off; reopening is allowed.
    with pytest.raises(Conflict, match="is closed: reopen it"):
        _do(world, "kg-mvd.officer", ops.post_message, op_id, "still there?")
    with pytest.raises(Conflict, match="is closed"):
        _do(world, "kz-mvd.supervisor", ops.add_task, op_id, title="t", owner="kg-mvd.officer")
    _do(world, "kg-mvd.officer", ops.update_task, op_id, task_id, status="done")
    with pytest.raises(Conflict, match="is closed"):
        _do(world, "kg-mvd.officer", ops.update_task, op_id, task_id, title="Renamed")
    _do(world, "kz-mvd.supervisor", ops.set_status, op_id, "running")
    _do(world, "kg-mvd.officer", ops.post_message, op_id, "back on")
    _do(world, "kz-mvd.supervisor", ops.set_status, op_id, "closed")
    _do(world, "kz-mvd.supervisor", ops.set_status, op_id, "archived")

    record = str(_person(world, "kz-mvd.officer", "KZ-P-9", "H1"))
    officer = world.users["kg-mvd.officer"].id
    refused: list[tuple[str, Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = [
        ("kz-mvd.supervisor", ops.set_status, (op_id, "running"), {}),
        ("kz-mvd.supervisor", ops.add_agency, (op_id, "CARICC"), {}),
        ("kz-mvd.supervisor", ops.remove_agency, (op_id, "KG-MVD"), {}),
        ("kz-mvd.supervisor", ops.add_member, (op_id, "kz-mvd.officer"), {}),
        ("kz-mvd.supervisor", ops.remove_member, (op_id, officer), {}),
        ("kg-mvd.officer", ops.post_message, (op_id, "hello"), {}),
        ("kg-mvd.officer", ops.add_event, (op_id, "2026-03-01T10:00", "x"), {}),
        ("kg-mvd.officer", ops.add_task, (op_id,), {"title": "t", "owner": "kg-mvd.officer"}),
        ("kg-mvd.officer", ops.update_task, (op_id, task_id), {"status": "open"}),
        ("kz-mvd.supervisor", ops.share_record, (op_id, "person", record), {}),
    ]
    for username, fn, args, kwargs in refused:
        with pytest.raises(Conflict, match="is archived: it is read-only"):
            _do(world, username, fn, *args, **kwargs)
    with world.db.session() as session:
        view = ops.workspace(session, world.principal("kz-mvd.supervisor"), op_id)
        assert view.operation.status == "archived"
        assert view.transitions == () and not view.can_manage and not view.can_participate
    # Status changes are told to the other members, and audited before/after.
    kinds = [n.kind for n in _notes(world, "kg-mvd.officer")]
    assert kinds.count("operation.status") == 5
    assert not [n for n in _notes(world, "kz-mvd.supervisor") if n.kind == "operation.status"]
    assert _actions(world).count("operation.status") == 5


# --------------------------------------------------------------------------- timeline, tasks


def test_timeline_messages_and_events(world) -> None:
    op_id = _open(world)
    _do(world, "kz-mvd.supervisor", ops.add_member, op_id, "kg-mvd.officer")
    _do(world, "kg-mvd.officer", ops.post_message, op_id, "  Truck left Osh at 06:10  ")
    _do(world, "kz-mvd.supervisor", ops.add_event, op_id, "2020-03-01T10:00", "Border crossing")
    with pytest.raises(InvalidData) as exc:
        _do(world, "kg-mvd.officer", ops.post_message, op_id, "   ")
    assert _fields(exc) == {"text": "must not be empty"}
    with pytest.raises(InvalidData) as exc:
        _do(world, "kg-mvd.officer", ops.add_event, op_id, "yesterday", "")
    assert "is not a date and time" in _fields(exc)["at"] and "text" in _fields(exc)
    with pytest.raises(InvalidData) as exc:
        _do(world, "kg-mvd.officer", ops.post_message, op_id, "x" * 10_001)
    assert "at most 10,000" in _fields(exc)["text"]
    with world.db.session() as session:
        entries = ops.timeline(session, world.principal("kg-mvd.officer"), op_id)
        # Newest last, by when it happened: the 2020 event comes first.
        assert [e.kind for e in entries] == ["event", "system", "system", "message"]
        assert entries[0].text == "Border crossing"
        assert entries[0].author is not None and entries[0].author.username == "kz-mvd.supervisor"
        assert entries[-1].text == "Truck left Osh at 06:10"
        assert entries[-1].author is not None and entries[-1].author.username == "kg-mvd.officer"
    assert _actions(world).count("operation.entry") == 2


def test_tasks_owners_due_dates_and_overdue(world) -> None:
    op_id = _open(world)
    _do(world, "kz-mvd.supervisor", ops.add_member, op_id, "kg-mvd.officer")
    late = _do(
        world,
        "kz-mvd.supervisor",
        ops.add_task,
        op_id,
        title="Photograph the load",
        owner="kg-mvd.officer",
        due_on="2026-03-01",
    )
    _do(world, "kg-mvd.officer", ops.add_task, op_id, title="Book hotel", owner="kg-mvd.officer")
    notes = _notes(world, "kg-mvd.officer")
    # The owner is told of a task someone else gave them, not of their own.
    assert [n.title for n in notes if n.kind == "operation.task"] == [
        "New task in operation " + f"OP-{YEAR}-0001: Photograph the load"
    ]
    with pytest.raises(InvalidData) as exc:
        _do(
            world,
            "kz-mvd.supervisor",
            ops.add_task,
            op_id,
            title="",
            owner="kz-mvd.officer",
            due_on="next week",
        )
    fields = _fields(exc)
    assert fields["title"] == "must not be empty"
    assert fields["owner"] == "kz-mvd.officer is not a member of this operation"
    assert fields["due_on"] == "is not a date: expected YYYY-MM-DD"
    with world.db.session() as session:
        principal = world.principal("kg-mvd.officer")
        operation = ops.get_operation(session, principal, op_id)
        views = ops.task_views(session, operation, today=date(2026, 3, 2))
        assert [(v.task.title, v.overdue) for v in views] == [
            ("Photograph the load", True),
            ("Book hotel", False),
        ]
        assert not ops.task_views(session, operation, today=date(2026, 3, 1))[0].overdue
        summary = ops.list_operations(session, principal, today=date(2026, 3, 2))[0]
        assert (summary.open_tasks, summary.overdue_tasks) == (2, 1)
    _do(world, "kg-mvd.officer", ops.update_task, op_id, late, status="done")
    with world.db.session() as session:
        operation = ops.get_operation(session, world.principal("kg-mvd.officer"), op_id)
        done = ops.task_views(session, operation, today=date(2026, 3, 2))[-1]
        assert done.task.status == "done" and done.task.done_at and not done.overdue
    with pytest.raises(InvalidData) as exc:
        _do(world, "kg-mvd.officer", ops.update_task, op_id, late, status="finished")
    assert _fields(exc) == {"status": "expected open or done"}
    with pytest.raises(NotFound):
        _do(world, "kg-mvd.officer", ops.update_task, op_id, 999_999, status="done")
    other = _open(world, name="Other")
    with pytest.raises(NotFound, match="No task"):  # a task of another operation
        _do(world, "kz-mvd.supervisor", ops.update_task, other, late, status="open")
    _do(world, "kz-mvd.supervisor", ops.update_task, op_id, late, due_on=None, status="open")
    assert _actions(world).count("operation.task") == 4


# --------------------------------------------------------------------------- sharing


def test_open_records_are_shared_at_once(world) -> None:
    op_id = _open(world)
    _do(world, "kz-mvd.supervisor", ops.add_member, op_id, "kz-mvd.officer")
    _do(world, "kz-mvd.supervisor", ops.add_member, op_id, "kg-mvd.officer")
    record_id = _person(world, "kz-mvd.officer", "KZ-P-1", "H1")
    _do(world, "kz-mvd.officer", ops.share_record, op_id, "person", "KZ-P-1")  # by reference
    with world.db.session() as session:
        recipients = session.scalars(
            select(RecordRecipient.agency_id).where(RecordRecipient.record_id == record_id)
        ).all()
        assert recipients == [world.agencies["KG-MVD"].id]
        shares = ops.share_views(
            session,
            world.principal("kg-mvd.officer"),
            ops.get_operation(session, world.principal("kg-mvd.officer"), op_id),
        )
        assert [(s.share.status, s.readable) for s in shares] == [("shared", True)]
    with pytest.raises(Conflict, match="is already shared"):
        _do(world, "kz-mvd.officer", ops.share_record, op_id, "person", str(record_id))


def test_restricted_share_waits_for_another_supervisor(world) -> None:
    op_id = _open(world)
    for username in ("kz-mvd.administrator", "kg-mvd.supervisor", "kg-mvd.officer"):
        _do(world, "kz-mvd.supervisor", ops.add_member, op_id, username)
    record_id = _person(world, "kz-mvd.officer", "KZ-P-7", "H3")
    share_id = _do(world, "kz-mvd.supervisor", ops.share_record, op_id, "person", str(record_id))
    kg = world.principal("kg-mvd.officer")

    # Pending: KG-MVD sees a notice, not the content, and cannot read the record.
    with world.db.session() as session:
        operation = ops.get_operation(session, kg, op_id)
        (share,) = ops.share_views(session, kg, operation)
        assert share.share.status == "pending" and isinstance(share.view, HitNotice)
        assert share.view.reference == "KZ-P-7" and not share.can_decide
        with pytest.raises(NotFound):
            get_visible(session, Person, record_id, kg)
        with pytest.raises(NotFound):
            read_record(session, kg, "persons", record_id)
    # The other supervisor of the owner agency (a member) is asked; the sharer is not.
    approvals = [n for n in _notes(world, "kz-mvd.administrator") if n.kind.endswith("approval")]
    assert len(approvals) == 1 and f"/operations/{op_id}" == approvals[0].link
    assert not [n for n in _notes(world, "kz-mvd.supervisor") if n.kind.endswith("approval")]

    # Four-eyes: not the sharer; not another agency's supervisor; not an officer.
    with pytest.raises(PermissionDenied, match="You shared this record yourself"):
        _do(world, "kz-mvd.supervisor", ops.approve_share, op_id, share_id)
    with pytest.raises(PermissionDenied, match="owner agency"):
        _do(world, "kg-mvd.supervisor", ops.approve_share, op_id, share_id)
    with pytest.raises(PermissionDenied):
        _do(world, "kg-mvd.officer", ops.approve_share, op_id, share_id)
    with pytest.raises(NotFound, match="No shared record"):
        _do(world, "kz-mvd.administrator", ops.approve_share, op_id, 999_999)

    _do(world, "kz-mvd.administrator", ops.approve_share, op_id, share_id)
    with pytest.raises(Conflict, match="already decided"):
        _do(world, "kz-mvd.administrator", ops.approve_share, op_id, share_id)
    with pytest.raises(Conflict, match="already decided"):
        _do(world, "kz-mvd.administrator", ops.refuse_share, op_id, share_id)

    # Shared: the other agency reads it through caravan.access; it keeps its handling code.
    with world.db.session() as session:
        record = read_record(session, kg, "persons", record_id)
        assert record.handling_code == "H3"
        assert get_visible(session, Person, record_id, kg).id == record_id
        (share,) = ops.share_views(session, kg, ops.get_operation(session, kg, op_id))
        assert share.readable and share.approved_by is not None
        assert share.approved_by.username == "kz-mvd.administrator"
    assert [n.kind for n in _notes(world, "kz-mvd.supervisor")][-1] == "operation.share_approved"
    # The centre, which does not take part, still cannot read it; once added, it can.
    centre = world.principal("caricc.analyst")
    with world.db.session() as session, pytest.raises(NotFound):
        get_visible(session, Person, record_id, centre)
    _do(world, "kz-mvd.supervisor", ops.add_agency, op_id, "CARICC")
    with world.db.session() as session:
        assert get_visible(session, Person, record_id, centre).id == record_id
    actions = _actions(world)
    assert "operation.share" in actions and "operation.share_approve" in actions


def test_refused_share_never_leaves_and_may_be_asked_again(world) -> None:
    op_id = _open(world)
    for username in ("kz-mvd.officer", "kz-mvd.administrator", "kg-mvd.officer"):
        _do(world, "kz-mvd.supervisor", ops.add_member, op_id, username)
    record_id = _person(world, "kz-mvd.officer", "KZ-P-8", "H2")
    share_id = _do(world, "kz-mvd.officer", ops.share_record, op_id, "person", "KZ-P-8")
    with pytest.raises(Conflict, match="waits for approval"):
        _do(world, "kz-mvd.officer", ops.share_record, op_id, "person", "KZ-P-8")
    _do(world, "kz-mvd.supervisor", ops.refuse_share, op_id, share_id)
    kg = world.principal("kg-mvd.officer")
    with world.db.session() as session:
        with pytest.raises(NotFound):
            get_visible(session, Person, record_id, kg)
        assert ops.share_views(session, kg, ops.get_operation(session, kg, op_id)) == []
        (mine,) = ops.share_views(
            session,
            world.principal("kz-mvd.officer"),
            ops.get_operation(session, kg, op_id),
        )
        assert mine.share.status == "refused"
    assert [n.kind for n in _notes(world, "kz-mvd.officer")][-1] == "operation.share_refused"
    again = _do(world, "kz-mvd.officer", ops.share_record, op_id, "person", "KZ-P-8")
    assert again == share_id
    _do(world, "kz-mvd.administrator", ops.approve_share, op_id, share_id)
    with world.db.session() as session:
        assert get_visible(session, Person, record_id, kg).id == record_id
    assert "operation.share_refuse" in _actions(world)


def test_only_own_records_of_known_kinds_are_shared(world) -> None:
    op_id = _open(world)
    _do(world, "kz-mvd.supervisor", ops.add_member, op_id, "kg-mvd.officer")
    theirs = _person(world, "kg-mvd.officer", "KG-P-1", "H1")  # readable by KZ, not its own
    cases: list[tuple[str, Any, str, str]] = [
        ("person", str(theirs), "record", "no person of your agency (KZ-MVD)"),
        ("person", "KG-P-1", "record", "no person of your agency (KZ-MVD)"),
        ("person", str(uuid.uuid4()), "record", "no person of your agency"),
        ("person", "", "record", "give the record's id or reference"),
        ("link", "KZ-L-1", "kind", "expected one of person"),
        ("spaceship", "KZ-1", "kind", "expected one of"),
    ]
    for kind, ref, field, message in cases:
        with pytest.raises(InvalidData) as exc:
            _do(world, "kz-mvd.supervisor", ops.share_record, op_id, kind, ref)
        assert message in _fields(exc)[field], (kind, ref)
    assert "operation.share" not in _actions(world)
