"""Link analysis through its service, on SQLite and PostgreSQL: what each reader may see,
walk and rank, and the bad cases."""

from __future__ import annotations

import pytest
from network_samples import HUB_USERS, build
from sqlalchemy import select

from caravan.analyze.network import service
from caravan.analyze.network.store import current
from caravan.analyze.network.types import IN_REPORT, Filters
from caravan.collect.records import delete_record
from caravan.errors import InvalidData, NotFound, PermissionDenied
from caravan.store.models import AuditEvent


@pytest.fixture
def region(world):
    with world.db.session() as session:
        sample = build(session, world.agencies)
    return sample


def _kinds(view):
    return {n.id: n.kind for n in view.nodes}


def test_profile_is_one_node_and_person_ids_lead_to_it(world, region):
    kz = world.principal("kz-mvd.analyst")
    with world.db.session() as session:
        view = service.neighbours(session, kz, region.node("person1"), hops=1)
        profile = f"profile:{region.ids['profile']}"
        assert view.focus == [profile]
        node = view.node(profile)
        assert node.members == 2
        assert set(node.agencies) == {"KZ-MVD", "KG-MVD"}
        same = service.neighbours(session, kz, region.node("person5"), hops=1)
        assert same.focus == [profile]
        # A bare UUID works too.
        assert service.neighbours(session, kz, str(region.ids["person1"])).focus == [profile]


def test_expansion_shows_visible_links_and_a_notice_instead_of_restricted_records(world, region):
    kz = world.principal("kz-mvd.officer")
    with world.db.session() as session:
        view = service.neighbours(session, kz, region.node("person2"), hops=1)
    ids = _kinds(view)
    assert region.node("phone1") in ids
    assert f"profile:{region.ids['profile']}" in ids
    # person3 is KG's H2 record: never shown, only a notice naming KG-MVD.
    assert region.node("person3") not in ids
    notices = [n for n in view.nodes if n.notice]
    assert len(notices) == 1
    assert notices[0].agencies == ("KG-MVD",)
    assert notices[0].handling_code == "H2"
    assert "Секретов" not in notices[0].label
    assert any(e.target == notices[0].id and e.type == "restricted" for e in view.edges)
    # The report person1 and person2 were linked in is a node, joined by co-occurrence.
    assert region.node("report1") in ids
    assert any(e.type == IN_REPORT and e.target == region.node("report1") for e in view.edges)
    assert view.handling_code == "H2"


def test_owner_sees_what_others_may_not(world, region):
    kg = world.principal("kg-mvd.officer")
    with world.db.session() as session:
        view = service.neighbours(session, kg, region.node("person3"), hops=1)
    ids = _kinds(view)
    assert region.node("person4") in ids  # over KG's own H2 link
    assert view.node(region.node("person3")).label.startswith("Секретов Тайный")
    assert not any(n.notice for n in view.nodes if n.id == region.node("person4"))


def test_restricted_record_is_not_found_for_others(world, region):
    kz = world.principal("kz-mvd.officer")
    with world.db.session() as session, pytest.raises(NotFound):
        service.neighbours(session, kz, region.node("person3"))


def test_shortest_path_avoids_what_the_reader_may_not_walk(world, region):
    kz = world.principal("kz-mvd.analyst")
    kg = world.principal("kg-mvd.analyst")
    with world.db.session() as session:
        found = service.paths(session, kz, region.node("person2"), region.node("organisation1"))
        path = found.paths[0]
        assert region.node("person3") not in path
        assert path[0] == region.node("person2") and path[-1] == region.node("organisation1")
        assert len([e for e in found.view.edges if e.type != "restricted"]) == len(path) - 1
        through = service.paths(session, kg, region.node("person3"), region.node("person4"))
        assert through.paths == [[region.node("person3"), region.node("person4")]]


def test_k_shortest_paths_are_distinct_and_ordered(world, region):
    kz = world.principal("kz-mvd.analyst")
    with world.db.session() as session:
        found = service.paths(session, kz, region.node("phone1"), region.node("organisation1"), k=3)
    assert 2 <= len(found.paths) <= 3
    assert len({tuple(p) for p in found.paths}) == len(found.paths)
    lengths = [len(p) for p in found.paths]
    assert lengths == sorted(lengths)


def test_no_path_between_unconnected_nodes_says_so(world, region):
    kz = world.principal("kz-mvd.analyst")
    with world.db.session() as session:
        found = service.paths(
            session,
            kz,
            region.node("seizure1"),
            region.node("organisation1"),
            filters=Filters(link_types=frozenset({"involved_in_seizure"})),
        )
    assert found.paths == []
    assert "No path" in found.message


def test_filters_narrow_the_walk(world, region):
    kz = world.principal("kz-mvd.analyst")
    profile = f"profile:{region.ids['profile']}"
    with world.db.session() as session:
        everything = _kinds(service.neighbours(session, kz, profile))
        phones = _kinds(
            service.neighbours(
                session, kz, profile, filters=Filters(link_types=frozenset({"uses_phone"}))
            )
        )
        in_2024 = _kinds(
            service.neighbours(
                session, kz, profile, filters=Filters(date_from="2024-01-01", date_to="2024-12-31")
            )
        )
        graded = _kinds(
            service.neighbours(session, kz, region.node("phone1"), filters=Filters(min_grade="B2"))
        )
    assert region.node("person4") in everything  # travelled_with, 2023
    assert set(phones) - {profile} <= {region.node("phone1"), region.node("hub")}
    assert region.node("person4") not in in_2024
    assert region.node("person2") not in graded  # that link is graded C3


def test_hub_expansion_is_capped_with_a_message(world, region):
    kz = world.principal("kz-mvd.analyst")
    with world.db.session() as session:
        view = service.neighbours(session, kz, region.node("hub", "phone"), cap=50)
    assert len(view.nodes) == 51
    (cut,) = view.truncated
    assert cut.node == region.node("hub", "phone")
    assert (cut.shown, cut.total) == (50, HUB_USERS + 1)
    assert "showing 50 of" in cut.message()
    hub = view.node(region.node("hub", "phone"))
    assert hub.degree == HUB_USERS + 1


def test_view_limit_is_reported(world, region):
    kz = world.principal("kz-mvd.analyst")
    with world.db.session() as session:
        view = service.neighbours(session, kz, region.node("hub", "phone"), hops=2, max_nodes=20)
    assert len([n for n in view.nodes if not n.notice]) == 20
    assert any("limit of 20" in m for m in view.messages)


def test_self_links_and_cycles_are_harmless(world, region):
    kz = world.principal("kz-mvd.analyst")
    with world.db.session() as session:
        view = service.neighbours(session, kz, region.node("person2"), hops=3)
    assert all(e.source != e.target for e in view.edges)
    assert len({n.id for n in view.nodes}) == len(view.nodes)


def test_connect_groups(world, region):
    kz = world.principal("kz-mvd.analyst")
    with world.db.session() as session:
        view = service.connect(
            session, kz, [region.node("person2")], [region.node("seizure1")], max_hops=4
        )
    ids = _kinds(view)
    assert region.node("phone1") in ids
    assert any("2 link(s) apart" in m for m in view.messages)


def test_analyse_ranks_the_hub_first(world, region):
    kz = world.principal("kz-mvd.analyst")
    with world.db.session() as session:
        view = service.neighbours(session, kz, region.node("hub", "phone"), cap=1000)
        nodes = [n.id for n in view.nodes if not n.notice]
        ranked = service.analyse(session, kz, nodes)
    hub = region.node("hub", "phone")
    assert max(ranked.centrality["betweenness"], key=ranked.centrality["betweenness"].get) == hub
    assert ranked.centrality["degree"][hub] == HUB_USERS + 1
    assert set(ranked.communities) == set(nodes)


def test_timeline_lists_dated_links_oldest_first(world, region):
    kz = world.principal("kz-mvd.analyst")
    with world.db.session() as session:
        items = service.timeline(session, kz, region.node("phone1"))
    dated = [i.date for i in items if i.date]
    assert dated == sorted(dated)
    assert any(i.kind == "involved_in_seizure" and i.date == "2024-05-02" for i in items)


def test_subgraph_keeps_the_notices_asked_for(world, region):
    kz = world.principal("kz-mvd.analyst")
    with world.db.session() as session:
        expanded = service.neighbours(session, kz, region.node("person2"))
        notice = next(n for n in expanded.nodes if n.notice)
        reopened = service.subgraph(
            session, kz, [region.node("person2"), notice.id, "notice:not-there"]
        )
    assert notice in reopened.nodes
    assert [n.id for n in reopened.nodes if n.notice] == [notice.id]
    assert any("1 node(s) are no longer" in m for m in reopened.messages)
    assert reopened.node(region.node("person2")).hidden == 1


def test_subgraph_drops_what_is_gone_or_hidden(world, region):
    kz = world.principal("kz-mvd.analyst")
    with world.db.session() as session:
        view = service.subgraph(
            session,
            kz,
            [region.node("phone1"), region.node("person2"), region.node("person3")],
        )
    assert {n.id for n in view.nodes if not n.notice} == {
        region.node("phone1"),
        region.node("person2"),
    }
    assert any("no longer" in m for m in view.messages)


def test_graph_follows_changes(world, region):
    kz = world.principal("kz-mvd.analyst")
    with world.db.session() as session:
        before = current(session)
    with world.db.session() as session:
        supervisor = world.principal("kz-mvd.supervisor")
        delete_record(session, supervisor, "persons", region.ids["person2"])
    with world.db.session() as session:
        assert current(session) is not before
        with pytest.raises(NotFound):
            service.neighbours(session, kz, region.node("person2"))
        view = service.neighbours(session, kz, region.node("report1"))
        assert region.node("person2") not in {n.id for n in view.nodes}
        # The link person2 was recorded in report1 with went with person2.
        assert [n.id for n in view.nodes] == [region.node("report1")]


def test_a_large_graph_refreshes_in_the_background(world, region, monkeypatch):
    from caravan.analyze.network import store as graph_store

    kz = world.principal("kz-mvd.analyst")
    with world.db.session() as session:
        before = current(session)
    monkeypatch.setattr(graph_store, "SYNC_REBUILD_SECONDS", -1.0)  # every graph is "large"
    with world.db.session() as session:
        delete_record(
            session, world.principal("kz-mvd.supervisor"), "persons", region.ids["person2"]
        )
    with world.db.session() as session:
        served = current(session)  # the old graph serves while the new one is built
        graph_store.wait_for_refresh()
        after = current(session)
        assert served is before and after is not before
        # The deleted person's content is never shown, even from the old graph.
        view = service.neighbours(session, kz, region.node("report1"))
        assert region.node("person2") not in {n.id for n in view.nodes}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s, p, r: service.neighbours(s, p, "nonsense"), "not an entity id"),
        (
            lambda s, p, r: service.neighbours(s, p, "planet:" + str(r.ids["phone1"])),
            "unknown kind",
        ),
        (lambda s, p, r: service.neighbours(s, p, r.node("phone1"), hops=9), "hops"),
        (lambda s, p, r: service.neighbours(s, p, r.node("phone1"), cap=0), "cap"),
        (lambda s, p, r: service.paths(s, p, r.node("phone1"), r.node("hub", "phone"), k=99), "k"),
        (lambda s, p, r: service.connect(s, p, [], [r.node("phone1")]), "a: give at least one"),
        (lambda s, p, r: service.filters_from(min_grade="Z9"), "min_grade"),
        (lambda s, p, r: service.filters_from(date_from="31.02.2024"), "date_from"),
    ],
)
def test_bad_input_names_the_field(world, region, call, message):
    kz = world.principal("kz-mvd.analyst")
    with world.db.session() as session, pytest.raises(InvalidData, match=message):
        call(session, kz, region)


def test_unknown_entity_is_not_found(world, region):
    kz = world.principal("kz-mvd.analyst")
    with world.db.session() as session, pytest.raises(NotFound):
        service.neighbours(session, kz, "person:00000000-0000-0000-0000-000000000000")


def test_export_is_audited_and_needs_the_export_right(world, region):
    analyst = world.principal("kz-mvd.analyst")
    officer = world.principal("kz-mvd.officer")
    nodes = [region.node("phone1"), region.node("person2")]
    with world.db.session() as session:
        data, spec, view = service.export(session, analyst, nodes, "graphml")
        assert spec.name == "graphml" and data.startswith(b"<?xml")
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "export.graph")).one()
        assert event.after["nodes"] == len(view.nodes)
        with pytest.raises(PermissionDenied):
            service.export(session, officer, nodes, "graphml")


def test_showing_restricted_records_is_audited(world, region):
    kg = world.principal("kg-mvd.analyst")
    kz = world.principal("kz-mvd.analyst")
    with world.db.session() as session:
        service.neighbours(session, kg, region.node("person3"))
        service.neighbours(session, kz, region.node("person1"))  # nothing restricted shown
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "record.list"))
        (event,) = list(events)
    assert event.actor == "kg-mvd.analyst"
    assert f"person:{region.ids['person3']}" in event.after["records"]
    assert f"link:{region.ids['secret34']}" in event.after["records"]
