"""Link-analysis views pinned: what each reader sees of expansions, paths, connections and
reopened charts, field by field, as the view code built it before it was made fast for
large graphs (``network_views.json``), and the same again whichever way the content was
found (heavy-node shortcuts, SQLite rowids).

The sample's ids are new in every run, so a snapshot names records by their sample name
and hit notices by their anchor and agency; nodes and edges are compared as sorted lists.
Within one run the different code paths must give the very same view, order included.

``CARAVAN_GRAPH_SNAPSHOT=write`` rewrites the snapshot (only when the change to a view
is meant).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from network_samples import build

from caravan.analyze.network import service
from caravan.analyze.network import store as graph_store
from caravan.analyze.network.types import Filters, GraphView, PathResult

SNAPSHOT = Path(__file__).with_name("network_views.json")
READERS = ("kz-mvd.analyst", "kg-mvd.analyst", "kz-mvd.officer")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TOKEN = re.compile(r"(?<=notice:)[0-9a-f]{20}|(?<=notice-link:)[0-9a-f]{20}")

Call = Callable[[Any, Any, Any], GraphView | PathResult]

SCENARIOS: dict[str, Call] = {
    "person2 1 hop": lambda s, p, r: service.neighbours(s, p, r.node("person2")),
    "person2 2 hops": lambda s, p, r: service.neighbours(s, p, r.node("person2"), hops=2),
    "person2 3 hops": lambda s, p, r: service.neighbours(s, p, r.node("person2"), hops=3, cap=12),
    "profile 2 hops": lambda s, p, r: service.neighbours(
        s, p, f"profile:{r.ids['profile']}", hops=2, cap=20
    ),
    "report1 2 hops": lambda s, p, r: service.neighbours(s, p, r.node("report1"), hops=2),
    "phone1 2 hops": lambda s, p, r: service.neighbours(s, p, r.node("phone1"), hops=2),
    "organisation1 2 hops": lambda s, p, r: service.neighbours(
        s, p, r.node("organisation1"), hops=2
    ),
    "two starts": lambda s, p, r: service.neighbours(
        s, p, [r.node("phone1"), r.node("organisation1")], hops=2
    ),
    "hub capped": lambda s, p, r: service.neighbours(s, p, r.node("hub", "phone"), cap=12),
    "hub 2 hops, limited": lambda s, p, r: service.neighbours(
        s, p, r.node("hub", "phone"), hops=2, cap=5, max_nodes=30
    ),
    "phones only": lambda s, p, r: service.neighbours(
        s,
        p,
        f"profile:{r.ids['profile']}",
        hops=2,
        cap=10,
        filters=Filters(link_types=frozenset({"uses_phone"})),
    ),
    "2024 only": lambda s, p, r: service.neighbours(
        s,
        p,
        f"profile:{r.ids['profile']}",
        hops=2,
        cap=10,
        filters=Filters(date_from="2024-01-01", date_to="2024-12-31"),
    ),
    "graded B2": lambda s, p, r: service.neighbours(
        s, p, r.node("phone1"), hops=2, filters=Filters(min_grade="B2")
    ),
    "KG links": lambda s, p, r: service.neighbours(
        s, p, r.node("person2"), hops=2, filters=Filters(agencies=frozenset({"KG-MVD"}))
    ),
    "reopened": lambda s, p, r: service.subgraph(
        s,
        p,
        [r.node(n) for n in ("phone1", "person2", "person3", "report1", "organisation1")]
        + [r.node("hub", "phone")],
    ),
    "paths": lambda s, p, r: service.paths(s, p, r.node("person2"), r.node("organisation1"), k=3),
    "connect": lambda s, p, r: service.connect(
        s, p, [r.node("person2")], [r.node("seizure1")], max_hops=4
    ),
}


@pytest.fixture
def region(world):
    with world.db.session() as session:
        sample = build(session, world.agencies, hub_users=300)
    return sample


@pytest.fixture
def audited(monkeypatch):
    """What views write to the audit log, as (action, detail, after)."""
    events: list[tuple[str, Any, Any]] = []
    monkeypatch.setattr(
        service.audit,
        "append",
        lambda session, action, **kw: events.append((action, kw.get("detail"), kw.get("after"))),
    )
    return events


def _answers(world, region, audited) -> dict[str, Any]:
    """Every scenario for every reader: (exact answer, its audit events)."""
    out: dict[str, Any] = {}
    for reader in READERS:
        principal = world.principal(reader)
        for name, call in SCENARIOS.items():
            audited.clear()
            with world.db.session() as session:
                answer = call(session, principal, region)
            data = (
                {"paths": answer.paths, "message": answer.message, "view": answer.view.to_dict()}
                if isinstance(answer, PathResult)
                else answer.to_dict()
            )
            out[f"{reader}: {name}"] = {"answer": data, "audit": [list(e) for e in audited]}
    return out


def _named(answers: dict[str, Any], region) -> dict[str, Any]:
    """``answers`` with sample names for ids and notice tokens, nodes and edges sorted."""
    names = {str(v): k for k, v in region.ids.items()}
    text = json.dumps(answers, ensure_ascii=False)
    tokens: dict[str, str] = {}
    for value in set(UUID.findall(text)):
        for kind in ("person", "profile", "phone", "organisation", "seizure", "report"):
            for agency in ("KZ-MVD", "KG-MVD", "CARICC"):
                anchor = f"{kind}:{value}"
                token = hashlib.sha256(f"{anchor}|{agency}".encode()).hexdigest()[:20]
                tokens[token] = f"{kind}:{names.get(value, '?')}|{agency}"
    text = TOKEN.sub(lambda m: tokens.get(m.group(0), "?"), text)
    text = UUID.sub(lambda m: names.get(m.group(0), "?"), text)
    named = json.loads(text)

    def tidy(view: dict[str, Any]) -> None:
        view["nodes"].sort(key=lambda n: n["id"])
        view["edges"].sort(key=lambda e: (e["id"], e["source"], e["target"]))
        view["truncated"].sort(key=lambda t: t["node"])

    for entry in named.values():
        answer = entry["answer"]
        tidy(answer.get("view", answer))
        for event in entry["audit"]:
            if event[2] and "records" in event[2]:
                event[2]["records"].sort()
    return named


def test_views_are_as_pinned(world, region, audited):
    named = _named(_answers(world, region, audited), region)
    if os.environ.get("CARAVAN_GRAPH_SNAPSHOT") == "write":
        SNAPSHOT.write_text(
            json.dumps(named, ensure_ascii=False, indent=0, sort_keys=True) + "\n",
            encoding="utf-8",
        )
    pinned = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert named.keys() == pinned.keys()
    for key, expected in pinned.items():
        assert named[key] == expected, key


def test_sample_has_heavy_nodes_and_notices(world, region, audited):
    """The snapshot covers what the fast paths treat apart: a hub over the heavy
    threshold, hit notices next to it and filtered walks."""
    with world.db.session() as session:
        store = graph_store.current(session)
        hub = store.node_of(region.ids["hub"].bytes)
        assert int(np.diff(store.indptr)[hub]) > graph_store.HEAVY_LINKS
        assert hub in store.heavy().nodes
    pinned = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert any(n["notice"] for e in pinned.values() for n in e["answer"].get("nodes", []))


@pytest.mark.parametrize("threshold", [0, 1, 2, 5])
def test_heavy_shortcuts_change_nothing(world, region, audited, monkeypatch, threshold):
    """With (nearly) every node heavy, views read totals from the masks and links among
    heavy nodes from their own index: the very same answers, order included."""
    graph_store.forget()
    expected = _answers(world, region, audited)
    monkeypatch.setattr(graph_store, "HEAVY_LINKS", threshold)
    graph_store.forget()
    try:
        assert _answers(world, region, audited) == expected
    finally:
        graph_store.forget()


def _perturbed(world, change: Callable[[graph_store.GraphStore], None]) -> None:
    with world.db.session() as session:
        store = graph_store.current(session)
    change(store)


@pytest.mark.parametrize("how", ["none known", "shuffled", "swapped", "off by one"])
def test_rowids_only_make_reads_quicker(world, region, audited, how):
    """Content is read where SQLite's rowid says, and kept only if it is the record or
    link asked for; wrong or unknown rowids (a VACUUM, a deleted row) cost a read by id,
    never a different answer."""
    graph_store.forget()
    expected = _answers(world, region, audited)
    rng = np.random.default_rng(7)

    def change(store: graph_store.GraphStore) -> None:
        for rowids in (store.record_rowid, store.edge_rowid):
            if how == "none known":
                rowids[:] = -1
            elif how == "shuffled":
                rowids[:] = rng.permutation(rowids)
            elif how == "swapped":
                rowids[[0, -1]] = rowids[[-1, 0]]
            else:
                rowids += 1

    _perturbed(world, change)
    try:
        assert _answers(world, region, audited) == expected
    finally:
        graph_store.forget()


def test_rowids_are_sqlite_rowids(world, region):
    with world.db.session() as session:
        store = graph_store.current(session)
        if session.get_bind().dialect.name != "sqlite":
            assert (store.record_rowid == -1).all() and (store.edge_rowid == -1).all()
            return
        connection = session.connection().connection.driver_connection
        phone1 = store.node_of(region.ids["phone1"].bytes)
        (position,) = store.records_of(phone1)
        (found,) = connection.execute(
            "SELECT id FROM phone WHERE rowid = ?", (int(store.record_rowid[position]),)
        ).fetchone()
        assert found == region.ids["phone1"].hex
        links = np.flatnonzero(store.edge_rowid >= 0)
        edge = int(links[0])
        (found,) = connection.execute(
            "SELECT id FROM link WHERE rowid = ?", (int(store.edge_rowid[edge]),)
        ).fetchone()
        assert found == bytes(store.edge_keys[edge]).hex()
        # Co-occurrence edges are not links: no rowid of their own.
        in_report = store.types.index("in_report")
        assert (store.edge_rowid[store.etype == in_report] == -1).all()
