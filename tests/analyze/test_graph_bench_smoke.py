"""The link-analysis benchmark end to end at a tiny scale, so that it cannot rot.

Generator (``bench/graph_data.py``) and benchmark (``bench/graph.py``: Caravan and
NetworkX, each in its own process) over 2,000 records and 10,000 links in a temporary
folder. No timing is asserted: only that every figure is there and the report renders.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import graph, graph_data  # noqa: E402

pytestmark = pytest.mark.slow


def test_generator_writes_the_region_through_caravans_tables(tmp_path: Path) -> None:
    spec = graph_data.GraphSpec(nodes=2_000, links=10_000, seed=7)
    path = graph_data.build_graph_db(spec, out=tmp_path, log=lambda _: None)
    meta = graph_data.read_meta(path)
    with sqlite3.connect(path) as conn:
        counts = {
            kind: conn.execute(f"SELECT count(*) FROM {model.__tablename__}").fetchone()[0]  # noqa: S608
            for kind, model in graph_data.MODELS.items()
        }
        assert counts == spec.counts == meta["counts"]
        assert sum(counts.values()) == 2_000
        assert conn.execute("SELECT count(*) FROM link").fetchone()[0] == 10_000
        kinds = set(conn.execute("SELECT DISTINCT link_type, from_kind, to_kind FROM link"))
        assert ("uses_phone", "person", "phone") in kinds
        assert ("called", "phone", "phone") in kinds
        assert ("involved_in_seizure", "vehicle", "seizure") in kinds
        codes = dict(conn.execute("SELECT handling_code, count(*) FROM link GROUP BY 1"))
        assert set(codes) == {"H0", "H1", "H2", "H3"}
        restricted = (codes["H2"] + codes["H3"]) / 10_000
        assert 0.1 < restricted < 0.3
        assert conn.execute("SELECT count(*) FROM link WHERE report_id IS NOT NULL").fetchone()[0]
        assert conn.execute("SELECT count(*) FROM link WHERE valid_to IS NOT NULL").fetchone()[0]
        assert conn.execute("SELECT count(DISTINCT agency_id) FROM person").fetchone()[0] > 5
        hub = meta["hubs"]["phone"]
        degree = conn.execute(
            "SELECT count(*) FROM link WHERE from_id = ? OR to_id = ?", (hub["id"], hub["id"])
        ).fetchone()[0]
        assert degree >= hub["links"] > 0
    # Cached: the second call reuses the file.
    messages: list[str] = []
    assert graph_data.build_graph_db(spec, out=tmp_path, log=messages.append) == path
    assert messages and "reusing" in messages[0]


def test_benchmark_runs_both_sides_and_renders(tmp_path: Path) -> None:
    report = graph.run(
        nodes=2_000, links=10_000, seed=7, samples=8, subgraph=500, out=tmp_path, log=print
    )
    c, x = report.caravan, report.networkx
    assert x is not None, report.notes
    for name in ("expand_service", "expand_bare", "path_service", "path_bare"):
        assert len(c[name]["seconds"]) == 8
    assert len(x["expand"]["seconds"]) == 8 and len(x["path"]["seconds"]) == 8
    assert c["leiden"]["nodes"] == 500 and x["louvain"]["nodes"] == 500
    caravan_load, networkx_load = report.load("caravan"), report.load("networkx")
    assert caravan_load is not None and networkx_load is not None
    assert caravan_load.nodes == networkx_load.nodes == 2_000
    text = graph.add_to("## run\n\n### Targets\n\n- other target\n", report)
    assert "### Link analysis (2,000 records, 10,000 links)" in text
    assert text.index("### Link analysis") < text.index("### Targets") < text.index("- other")
    assert "graph 2-hop expansion p95" in text and "Leiden on a 500-node subgraph" in text
