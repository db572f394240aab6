"""Saved link charts: structure only, strictly checked, one's own or shared within the agency.

Runs on SQLite and, when ``CARAVAN_TEST_DATABASE_URL`` is set, on PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import math
import uuid
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from caravan import audit
from caravan.analyze.network import charts
from caravan.analyze.network.types import Filters
from caravan.errors import InvalidData, NotFound, PermissionDenied
from caravan.store.models import AuditEvent, Base, Chart, User


def nid(kind: str = "person") -> str:
    return f"{kind}:{uuid.uuid4()}"


def a_state(**changes: Any) -> dict[str, Any]:
    person, phone = nid("person"), nid("phone")
    state: dict[str, Any] = {
        "nodes": [person, phone, nid("profile")],
        "positions": {person: {"x": 10, "y": -4.5}, phone: {"x": 0.25, "y": 1e3}},
        "filters": {"link_types": ["called", "in_report"], "date_from": "2025-01-01"},
        "layout": "preset",
        "colour_by": "agency",
        "size_by": "degree",
        "pinned": [person],
        "focus": [person],
    }
    state.update(changes)
    return state


def save(world: Any, user: str, name: str, state: Any = None, chart_id: Any = None) -> Chart:
    with world.db.session() as session:
        return charts.save_chart(session, world.principal(user), name, state or a_state(), chart_id)


def problems(world: Any, user: str, name: Any, state: Any, chart_id: Any = None) -> dict[str, str]:
    with world.db.session() as session, pytest.raises(InvalidData) as caught:
        charts.save_chart(session, world.principal(user), name, state, chart_id)
    return {e.field: e.message for e in caught.value.errors}


def actions(world: Any) -> list[tuple[str, str | None]]:
    with world.db.session() as session:
        rows = session.execute(
            select(AuditEvent.action, AuditEvent.object_id)
            .where(AuditEvent.action.like("chart.%"))
            .order_by(AuditEvent.seq)
        )
        return [(a, o) for a, o in rows]


def count(world: Any) -> int:
    with world.db.session() as session:
        return session.scalar(select(func.count()).select_from(Chart)) or 0


def test_save_and_reopen_keeps_structure_only(world) -> None:
    state = a_state()
    upper = state["nodes"][2].upper().replace("PROFILE:", "profile:")
    state["nodes"][2] = upper
    chart = save(world, "kz-mvd.analyst", "  Osh couriers  ", state)
    assert chart.name == "Osh couriers" and chart.node_count == 3 and not chart.shared
    assert chart.owner.username == "kz-mvd.analyst" and chart.agency.code == "KZ-MVD"

    with world.db.session() as session:
        got = charts.get_chart(session, world.principal("kz-mvd.analyst"), chart.id)
        saved = got.state
    assert saved["nodes"] == [*state["nodes"][:2], upper.lower()]  # canonical ids
    person, phone = state["nodes"][:2]
    assert saved["positions"] == {
        person: {"x": 10.0, "y": -4.5},
        phone: {"x": 0.25, "y": 1000.0},
    }
    assert saved["filters"] == {
        "link_types": ["called", "in_report"],
        "date_from": "2025-01-01",
        "date_to": None,
        "min_grade": None,
        "agencies": [],
    }
    assert (saved["layout"], saved["colour_by"], saved["size_by"]) == ("preset", "agency", "degree")
    assert saved["pinned"] == saved["focus"] == [state["nodes"][0]]
    assert actions(world) == [("chart.save", str(chart.id))]


def test_save_replaces_own_chart(world) -> None:
    chart = save(world, "kz-mvd.analyst", "Network")
    node = nid("vehicle")
    again = save(world, "kz-mvd.analyst", "Network v2", {"nodes": [node]}, chart.id)
    assert again.id == chart.id and again.name == "Network v2" and again.node_count == 1
    with world.db.session() as session:
        got = charts.get_chart(session, world.principal("kz-mvd.analyst"), chart.id)
        assert got.state["nodes"] == [node] and got.state["positions"] == {}
    assert count(world) == 1
    assert [a for a, _ in actions(world)] == ["chart.save", "chart.save"]


TOO_MANY = [nid() for _ in range(charts.MAX_NODES + 1)]


@pytest.mark.parametrize(
    ("name", "state", "field", "says"),
    [
        ("n", {"nodes": ["person:not-a-uuid"]}, "state.nodes[0]", "is not a UUID"),
        ("n", {"nodes": [f"dog:{uuid.uuid4()}"]}, "state.nodes[0]", "expected <kind>:<uuid>"),
        ("n", {"nodes": ["person"]}, "state.nodes[0]", "is not a node id"),
        ("n", {"nodes": ["notice:7f3a9c"]}, "state.nodes[0]", "notices are never saved"),
        ("n", {"nodes": [f"notice:{uuid.uuid4()}"]}, "state.nodes[0]", "never saved"),
        ("n", {"nodes": TOO_MANY}, "state.nodes", "at most 5,000 nodes"),
        ("n", {"nodes": []}, "state.nodes", "at least one node"),
        ("n", {}, "state.nodes", "Field required"),
        ("n", ["person:x"], "state", "expected an object"),
        ("n", {"nodes": [1]}, "state.nodes[0]", "valid string"),
        ("", a_state(), "name", "Give the chart a name"),
        ("   ", a_state(), "name", "Give the chart a name"),
        ("x" * 121, a_state(), "name", "At most 120 characters (121 given)"),
        ("a\x00b", a_state(), "name", "control characters"),
        (None, a_state(), "name", "expected text"),
        ("n", a_state(layout="Force Atlas!"), "state.layout", "expected one of force"),
        ("n", a_state(colour_by="surname"), "state.colour_by", "expected one of kind"),
        ("n", a_state(size_by="age"), "state.size_by", "expected one of degree"),
        ("n", a_state(size_by="none"), "state.size_by", "expected one of degree"),
        ("n", a_state(label="Rakhimov"), "state.label", "unknown field"),
        ("n", a_state(filters={"surname": "x"}), "state.filters.surname", "unknown filter"),
        ("n", a_state(filters={"link_types": ["x"]}), "state.filters.link_types", "unknown link"),
        ("n", a_state(filters={"date_from": "1.2.2025"}), "state.filters.date_from", "YYYY-MM-DD"),
        ("n", a_state(filters={"date_to": "2025-02-30"}), "state.filters.date_to", "not a date"),
        ("n", a_state(filters={"min_grade": "Q7"}), "state.filters.min_grade", "invalid grade"),
        ("n", a_state(filters={"agencies": ["NO-SUCH"]}), "state.filters.agencies", "no agency"),
        (
            "n",
            a_state(filters={"date_from": "2025-03-01", "date_to": "2025-01-01"}),
            "state.filters.date_to",
            "before date_from",
        ),
    ],
)
def test_bad_input_names_the_field(world, name: Any, state: Any, field: str, says: str) -> None:
    found = problems(world, "kz-mvd.analyst", name, state)
    assert field in found, found
    assert says in found[field], found
    assert count(world) == 0 and actions(world) == []


@pytest.mark.parametrize(
    ("bad", "field", "says"),
    [
        ({"x": math.nan, "y": 1}, ".x", "finite number (not NaN or infinity)"),
        ({"x": 1, "y": math.inf}, ".y", "finite number"),
        ({"x": -math.inf, "y": 0}, ".x", "finite number"),
        ({"x": "12", "y": 1}, ".x", "valid number"),
        ({"x": True, "y": 1}, ".x", "valid number"),
        ({"x": None, "y": 1}, ".x", "valid number"),
        ({"x": 1}, ".y", "Field required"),
        ({"x": 1, "y": 2, "z": 3}, ".z", "a position is {x, y}"),
        ([1, 2], "", "valid dictionary"),
    ],
)
def test_positions_are_finite_numbers(world, bad: Any, field: str, says: str) -> None:
    node = nid()
    found = problems(world, "kz-mvd.analyst", "n", {"nodes": [node], "positions": {node: bad}})
    assert list(found) == [f"state.positions[{node}]{field}"]
    assert says in found[f"state.positions[{node}]{field}"]


def test_cross_checks_name_each_problem(world) -> None:
    node, other = nid(), nid("phone")
    found = problems(
        world,
        "kz-mvd.analyst",
        "n",
        {
            "nodes": [node, node.upper().replace("PERSON", "person")],
            "positions": {other: {"x": 1, "y": 2}},
            "pinned": [other],
            "focus": [node, node],
        },
    )
    assert found == {
        "state.nodes[1]": f"{node!r} is listed twice",
        f"state.positions[{other}]": "not a node of this chart",
        "state.pinned[0]": f"{other!r} is not a node",
        "state.focus[1]": f"{node!r} is listed twice",
    }


def test_names_are_unique_per_owner_whatever_the_case(world) -> None:
    first = save(world, "kz-mvd.analyst", "Osh couriers")
    assert problems(world, "kz-mvd.analyst", "OSH COURIERS", a_state()) == {
        "name": "You already have a chart named 'Osh couriers'"
    }
    second = save(world, "kz-mvd.analyst", "Chui route")
    with world.db.session() as session, pytest.raises(InvalidData) as caught:
        charts.rename_chart(session, world.principal("kz-mvd.analyst"), second.id, "osh couriers")
    assert caught.value.errors[0].field == "name"
    # Someone else may use the same name; the owner may re-save under its own name.
    save(world, "kz-mvd.supervisor", "Osh couriers")
    save(world, "kz-mvd.analyst", "Osh couriers", chart_id=first.id)
    assert count(world) == 3


def test_officers_may_not_save_but_may_open_shared_charts(world) -> None:
    with world.db.session() as session, pytest.raises(PermissionDenied):
        charts.save_chart(session, world.principal("kz-mvd.officer"), "n", a_state())
    chart = save(world, "kz-mvd.analyst", "Shared")
    officer = world.principal("kz-mvd.officer")
    with world.db.session() as session:
        assert charts.list_charts(session, officer) == []
        charts.set_shared(session, world.principal("kz-mvd.analyst"), chart.id, True)
    with world.db.session() as session:
        assert [c.id for c in charts.list_charts(session, officer)] == [chart.id]
        assert charts.get_chart(session, officer, chart.id).state["nodes"]
        with pytest.raises(PermissionDenied):
            charts.delete_chart(session, officer, chart.id)


def test_colleagues_see_shared_charts_read_only(world) -> None:
    chart = save(world, "kz-mvd.analyst", "Mine")
    colleague = world.principal("kz-mvd.supervisor")
    with world.db.session() as session:
        assert charts.list_charts(session, colleague) == []
        for call in (
            lambda: charts.get_chart(session, colleague, chart.id),
            lambda: charts.delete_chart(session, colleague, chart.id),
            lambda: charts.rename_chart(session, colleague, chart.id, "x"),
            lambda: charts.set_shared(session, colleague, chart.id, True),
            lambda: charts.save_chart(session, colleague, "x", a_state(), chart.id),
        ):
            with pytest.raises(NotFound) as missing:
                call()
            assert str(chart.id) in missing.value.message

    with world.db.session() as session:
        charts.set_shared(session, world.principal("kz-mvd.analyst"), chart.id, True)
    with world.db.session() as session:
        listed = charts.list_charts(session, colleague)
        assert [(c.id, c.owner.username) for c in listed] == [(chart.id, "kz-mvd.analyst")]
        assert charts.get_chart(session, colleague, chart.id).name == "Mine"
        for call in (
            lambda: charts.delete_chart(session, colleague, chart.id),
            lambda: charts.rename_chart(session, colleague, chart.id, "x"),
            lambda: charts.set_shared(session, colleague, chart.id, False),
            lambda: charts.save_chart(session, colleague, "x", a_state(), chart.id),
        ):
            with pytest.raises(PermissionDenied, match=r"kz-mvd\.analyst"):
                call()


def test_other_agencies_never_see_a_chart(world) -> None:
    chart = save(world, "kz-mvd.analyst", "KZ only")
    with world.db.session() as session:
        charts.set_shared(session, world.principal("kz-mvd.analyst"), chart.id, True)
    for user in ("kg-mvd.analyst", "kg-mvd.administrator", "caricc.administrator"):
        other = world.principal(user)
        with world.db.session() as session:
            assert charts.list_charts(session, other) == []
            with pytest.raises(NotFound) as missing:
                charts.get_chart(session, other, chart.id)
            missing_id = uuid.uuid4()
            with pytest.raises(NotFound) as unknown:
                charts.get_chart(session, other, missing_id)
            # The same answer as a chart that does not exist.
            assert missing.value.message == f"No chart with id {chart.id} that you may see"
            assert unknown.value.message == f"No chart with id {missing_id} that you may see"
            with pytest.raises(NotFound):
                charts.delete_chart(session, other, chart.id)


def test_a_colleague_who_moved_agency_no_longer_shares(world) -> None:
    chart = save(world, "kz-mvd.analyst", "Before the move")
    with world.db.session() as session:
        charts.set_shared(session, world.principal("kz-mvd.analyst"), chart.id, True)
        user = session.get(User, world.users["kz-mvd.analyst"].id)
        assert user is not None
        user.agency_id = world.agencies["KG-MVD"].id
    with world.db.session() as session:
        assert charts.list_charts(session, world.principal("kz-mvd.supervisor")) == []
        # The owner still has it; saving it again shares it with the new agency.
        mover = world.principal("kz-mvd.analyst")
        assert [c.id for c in charts.list_charts(session, mover)] == [chart.id]
        charts.save_chart(session, mover, "After the move", a_state(), chart.id)
    with world.db.session() as session:
        listed = charts.list_charts(session, world.principal("kg-mvd.supervisor"))
        assert [c.name for c in listed] == ["After the move"]


def test_list_puts_own_charts_first_without_states(world) -> None:
    save(world, "kz-mvd.supervisor", "Theirs")
    with world.db.session() as session:
        theirs = session.scalars(select(Chart.id)).one()
        charts.set_shared(session, world.principal("kz-mvd.supervisor"), theirs, True)
    save(world, "kz-mvd.analyst", "Older")
    save(world, "kz-mvd.analyst", "Newer")
    with world.db.session() as session:
        listed = charts.list_charts(session, world.principal("kz-mvd.analyst"))
        assert [c.name for c in listed] == ["Newer", "Older", "Theirs"]
        assert all("state" not in c.__dict__ for c in listed)  # deferred: not loaded


def test_rename_share_delete_are_audited(world) -> None:
    owner = world.principal("kz-mvd.analyst")
    chart = save(world, "kz-mvd.analyst", "First")
    with world.db.session() as session:
        charts.rename_chart(session, owner, chart.id, "Second")
        charts.rename_chart(session, owner, chart.id, "Second")  # no change: no row
        charts.set_shared(session, owner, chart.id, True)
        charts.set_shared(session, owner, chart.id, True)  # no change: no row
        charts.set_shared(session, owner, chart.id, False)
        charts.delete_chart(session, owner, chart.id)
    assert actions(world) == [
        (action, str(chart.id))
        for action in ("chart.save", "chart.rename", "chart.share", "chart.share", "chart.delete")
    ]
    with world.db.session() as session:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("chart.%")).order_by(AuditEvent.seq)
        ).all()
        assert rows[1].before == {"name": "First"} and rows[1].after == {"name": "Second"}
        assert rows[2].after == {"shared": True} and "KZ-MVD" in (rows[2].detail or "")
        assert rows[4].before == {"name": "Second", "nodes": 3, "shared": False}
        assert all(r.actor == "kz-mvd.analyst" and r.object_kind == "chart" for r in rows)
        assert audit.verify(session).ok
        with pytest.raises(NotFound):
            charts.get_chart(session, owner, chart.id)
    assert count(world) == 0


def test_a_bad_id_is_not_found(world) -> None:
    with world.db.session() as session, pytest.raises(NotFound):
        charts.get_chart(session, world.principal("kz-mvd.analyst"), "not-a-uuid")


def test_filters_are_the_traversals_filters(world) -> None:
    assert list(charts.ChartFilters.model_fields) == [f.name for f in dataclasses.fields(Filters)]
    chart = save(
        world,
        "kz-mvd.analyst",
        "Filtered",
        a_state(
            filters={
                "link_types": ["called", "associate", "called"],
                "date_to": "2026-01-31",
                "min_grade": "b 2",
                "agencies": ["KG-MVD", "KZ-MVD"],
            }
        ),
    )
    with world.db.session() as session:
        state = charts.get_chart(session, world.principal("kz-mvd.analyst"), chart.id).state
    assert charts.chart_filters(state) == Filters(
        link_types=frozenset({"called", "associate"}),
        date_to="2026-01-31",
        min_grade="B2",
        agencies=frozenset({"KG-MVD", "KZ-MVD"}),
    )


def test_the_migration_builds_the_chart_table_the_model_describes(db) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    # Other tables may be mid-change in a working tree; this test speaks for ``chart``.
    assert [d for d in diff if "chart" in repr(d)] == []
