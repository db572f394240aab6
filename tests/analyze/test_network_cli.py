"""``caravan graph neighbours`` and ``caravan graph path`` through Typer's test runner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
import typer
from network_samples import build
from sqlalchemy import select
from typer.testing import CliRunner

from caravan.cli import context
from caravan.cli.graph import graph_app
from caravan.store.models import AuditEvent

app = typer.Typer()
app.add_typer(graph_app, name="graph")
runner = CliRunner()


@pytest.fixture
def region(world: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(context, "database", lambda: world.db)
    with world.db.session() as session:
        return build(session, world.agencies, hub_users=20)


def test_neighbours_as_json(world: Any, region: Any) -> None:
    result = runner.invoke(
        app, ["graph", "neighbours", region.node("phone1"), "--hops", "2", "--as", "kz-mvd.officer"]
    )
    assert result.exit_code == 0, result.output
    view = json.loads(result.stdout)
    ids = {n["id"] for n in view["nodes"]}
    assert region.node("seizure1") in ids
    assert region.node("person3") not in ids  # KG's H2 person: a notice stands there
    assert any(n["notice"] for n in view["nodes"])


def test_neighbours_as_graphml_is_an_audited_export(
    world: Any, region: Any, tmp_path: Path
) -> None:
    out = tmp_path / "n.graphml"
    args = ["graph", "neighbours", region.node("phone1"), "--format", "graphml", "--out", str(out)]
    result = runner.invoke(app, [*args, "--as", "kz-mvd.analyst"])
    assert result.exit_code == 0, result.output
    graph = nx.read_graphml(out)
    assert region.node("phone1") in graph.nodes
    with world.db.session() as session:
        assert session.scalars(select(AuditEvent).where(AuditEvent.action == "export.graph")).one()
    refused = runner.invoke(app, [*args, "--as", "kz-mvd.officer"])
    assert refused.exit_code != 0
    assert "may not export" in refused.output


def test_path_prints_each_step(world: Any, region: Any) -> None:
    result = runner.invoke(
        app,
        [
            "graph",
            "path",
            region.node("person2"),
            region.node("seizure1"),
            "--as",
            "kz-mvd.analyst",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Path 1 (2 links)" in result.stdout
    assert "uses_phone" in result.stdout and "involved_in_seizure" in result.stdout


def test_path_between_unconnected_nodes_exits_non_zero(world: Any, region: Any) -> None:
    result = runner.invoke(
        app,
        [
            "graph", "path", region.node("seizure1"), region.node("organisation1"),
            "--types", "involved_in_seizure", "--as", "kz-mvd.analyst",
        ],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "No path" in result.stdout


def test_unknown_entity_is_a_clear_error(world: Any, region: Any) -> None:
    result = runner.invoke(app, ["graph", "neighbours", "not-an-id", "--as", "kz-mvd.analyst"])
    assert result.exit_code != 0
    assert "not an entity id" in result.output
