"""The audit log is a hash chain: alteration, removal and truncation are caught."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from caravan import audit
from caravan.access import Principal
from caravan.store.guards import drop_audit_guards
from caravan.store.models import AuditEvent


def _append_events(world, n: int) -> None:
    principal: Principal = world.principal("kz-mvd.officer")
    with world.db.session() as session:
        for i in range(n):
            audit.append(
                session,
                "record.create",
                principal=principal,
                object_kind="person",
                object_id=f"id-{i}",
                after={"surname": f"Рахимов {i}", "n": i},
            )


def _drop_guards(db) -> None:
    """What an attacker with database rights would do first: lift the append-only triggers."""
    with db.engine.begin() as conn:
        drop_audit_guards(conn)


def test_intact_chain_verifies(world) -> None:
    _append_events(world, 12)
    with world.db.session() as session:
        result = audit.verify(session)
    assert result.ok, result.problem
    assert result.rows_checked == 12


def test_rows_carry_actor_agency_request_and_values(world) -> None:
    audit.new_request_id("test")
    _append_events(world, 1)
    with world.db.session() as session:
        event = session.get(AuditEvent, 1)
        assert event is not None
        assert event.actor == "kz-mvd.officer"
        assert event.agency == "KZ-MVD"
        assert event.request_id and event.request_id.startswith("test-")
        assert event.after == {"surname": "Рахимов 0", "n": 0}
        assert event.prev_hash == "0" * 64


def test_database_refuses_update_and_delete(world) -> None:
    _append_events(world, 2)
    for statement in (
        "UPDATE audit_event SET actor = 'x' WHERE seq = 1",
        "DELETE FROM audit_event WHERE seq = 1",
    ):
        with pytest.raises(Exception, match=r"(?i)append-only"), world.db.engine.begin() as conn:
            conn.execute(text(statement))


def test_altered_row_is_named(world) -> None:
    _append_events(world, 10)
    _drop_guards(world.db)
    with world.db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET actor = 'someone.else' WHERE seq = 6"))
    with world.db.session() as session:
        result = audit.verify(session)
    assert not result.ok
    assert result.first_bad_seq == 6
    assert result.problem == "row 6 was altered"
    assert result.rows_checked == 5


def test_altered_values_are_caught(world) -> None:
    _append_events(world, 4)
    _drop_guards(world.db)
    with world.db.engine.begin() as conn:
        conn.execute(text("""UPDATE audit_event SET "after" = '{"n": 99}' WHERE seq = 3"""))
    with world.db.session() as session:
        result = audit.verify(session)
    assert (result.ok, result.first_bad_seq) == (False, 3)


def test_removed_row_is_named(world) -> None:
    _append_events(world, 8)
    _drop_guards(world.db)
    with world.db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE seq = 4"))
    with world.db.session() as session:
        result = audit.verify(session)
    assert not result.ok
    assert result.first_bad_seq == 4
    assert "row 4 was removed" in (result.problem or "")


def test_truncated_tail_is_caught(world) -> None:
    _append_events(world, 5)
    _drop_guards(world.db)
    with world.db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE seq >= 4"))
    with world.db.session() as session:
        result = audit.verify(session)
    assert not result.ok
    assert result.first_bad_seq == 4


def test_rewritten_chain_is_caught_by_successor(world) -> None:
    """Recomputing one row's hash after altering it still breaks the link to the next row."""
    _append_events(world, 5)
    _drop_guards(world.db)
    with world.db.session() as session:
        event = session.get(AuditEvent, 2)
        assert event is not None
        event.actor = "forger"
        event.hash = audit.chain.compute_hash(event)
    with world.db.session() as session:
        result = audit.verify(session)
    assert not result.ok
    assert result.first_bad_seq == 3
