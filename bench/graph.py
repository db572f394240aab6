"""Link analysis at scale: Caravan's graph against NetworkX, in one run, on one store.

The store is :mod:`bench.graph_data`'s (``--graph-nodes`` records, ``--graph-links``
links, cached in ``bench/out/``). Each side runs in a fresh process of its own, one after
the other, so neither's memory distorts the other's figures:

* **Caravan** (:func:`caravan_child`): the graph as the product loads it
  (:func:`caravan.analyze.network.store.current`, i.e. ``GraphStore.build``: records,
  links and co-occurrence edges read from SQLite into numpy arrays), then the reader's
  visibility masks (``GraphStore.masks``, computed once per agency). Then, as a member
  agency's analyst (``--graph-user``, visibility applies): 2-hop expansion through
  :func:`caravan.analyze.network.service.neighbours` (the product path: walk, then every
  node's and link's content read from the database through ``caravan.access``, hit
  notices; the view's defaults: at most 200 links per node, 2,500 nodes), and the bare
  walk (:func:`~caravan.analyze.network.ops.expand`, uncapped); shortest path through
  :func:`~caravan.analyze.network.service.paths` (``k=1``, its default 8 hops) and the
  bare bidirectional BFS (:func:`~caravan.analyze.network.ops.shortest_path`, 12 hops);
  Leiden (igraph, modularity) on a 100,000-node subgraph through
  :func:`~caravan.analyze.network.ops.rank` (the service's ``analyse`` takes at most
  10,000 nodes, so it is timed separately at that size, with its centrality measures).
* **NetworkX** (:func:`networkx_child`): ``nx.Graph`` of every record and of the same
  edges, read from the same SQLite file with ``sqlite3`` (links, plus each end of a
  link recorded in a report to that report: the co-occurrence edges Caravan adds);
  2-hop expansion ``single_source_shortest_path_length(cutoff=2)``; shortest path
  ``bidirectional_shortest_path``; Louvain (``nx.community.louvain_communities``;
  NetworkX's own ``leiden_communities`` needs a backend) on the very edges Caravan's
  Leiden clustered, plus the time of ``G.subgraph(nodes).copy()`` for those nodes.
  NetworkX sees every edge: it has no visibility rule.

Start nodes and pairs are drawn (seeded) among the nodes the analyst may see that have
a link they may walk; both sides get the same ones. A few warm-up calls precede each
timed series. Load memory: the process's resident set before the load, its peak during
it (``VmHWM``, reset through ``/proc/self/clear_refs`` first) and after it.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bench import OUT
from bench.graph_data import GraphSpec, build_graph_db, read_meta
from bench.machine import status_bytes
from bench.stats import Latency

ROOT = Path(__file__).resolve().parents[1]
TARGET_EXPAND_P95_MS = 100.0
TARGET_PATH_P95_MS = 300.0
TARGET_LEIDEN_S = 30.0
TARGET_LOAD_S = 60.0
TARGET_LOAD_BYTES = 4 * 1024**3
DEFAULT_USER = "kz.analyst"
WARMUP = 5
#: A series stops early once it has taken this long (the machine is shared).
SERIES_BUDGET_S = 600.0

Log = Callable[[str], None]


# ---------------------------------------------------------------------- process memory


def reset_peak() -> bool:
    """Reset this process's ``VmHWM`` to its current resident set (Linux 4.0+)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


@dataclass
class Load:
    seconds: float
    rss_before: int
    rss_after: int
    #: Peak resident set during the load (``VmHWM``); from process start if it could not
    #: be reset.
    peak: int
    peak_reset: bool
    nodes: int
    edges: int
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def growth(self) -> int:
        return self.rss_after - self.rss_before

    @property
    def peak_growth(self) -> int:
        return self.peak - self.rss_before


def _measure_load(build: Callable[[], tuple[int, int, dict[str, Any]]]) -> Load:
    before = status_bytes("VmRSS")
    reset = reset_peak()
    started = time.perf_counter()
    nodes, edges, detail = build()
    seconds = time.perf_counter() - started
    return Load(
        seconds=seconds,
        rss_before=before,
        rss_after=status_bytes("VmRSS"),
        peak=status_bytes("VmHWM"),
        peak_reset=reset,
        nodes=nodes,
        edges=edges,
        detail=detail,
    )


def _series(
    name: str, items: Sequence[Any], call: Callable[[Any], Any], warmup: Sequence[Any], log: Log
) -> tuple[list[float], list[Any]]:
    """Time ``call`` on each item (after the warm-up items); stop at the series budget."""
    for item in warmup:
        call(item)
    seconds: list[float] = []
    results: list[Any] = []
    started = time.perf_counter()
    for item in items:
        t0 = time.perf_counter()
        results.append(call(item))
        seconds.append(time.perf_counter() - t0)
        if time.perf_counter() - started > SERIES_BUDGET_S:
            log(f"  {name}: stopped after {len(seconds)} calls ({SERIES_BUDGET_S:.0f} s budget)")
            break
    lat = Latency.of(seconds)
    log(f"  {name}: n={lat.n} p50 {lat.p50:.1f} ms  p95 {lat.p95:.1f} ms  max {lat.max:.1f} ms")
    return seconds, results


# ---------------------------------------------------------------------- Caravan side


def _ball(walker: Any, start: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """The first ``size`` nodes of a breadth-first walk from ``start`` over what the reader
    may walk (the last level cut at random)."""
    from caravan.analyze.network import ops

    store = walker.store
    seen = np.zeros(store.node_count, dtype=bool)
    seen[start] = True
    found = [np.array([start], dtype=np.int64)]
    frontier = found[0]
    total = 1
    while total < size and len(frontier):
        _, nbr, edge = ops.gather(store, frontier)
        nbr = np.unique(nbr[walker.edge_ok(edge)])
        nbr = nbr[~seen[nbr]]
        if total + len(nbr) > size:
            nbr = np.sort(rng.permutation(nbr)[: size - total])
        seen[nbr] = True
        found.append(nbr.astype(np.int64))
        total += len(nbr)
        frontier = nbr
    return np.concatenate(found)


def caravan_child(db_path: Path, job: Path) -> None:
    """In a fresh process: load, masks, expansions, paths, Leiden; results into ``job``."""
    spec = json.loads(job.read_text(encoding="utf-8"))
    from bench.targets import principal as principal_of
    from caravan.analyze.network import ops, service
    from caravan.analyze.network import store as graph_store
    from caravan.analyze.network.types import Filters
    from caravan.store import Database

    def log(message: str) -> None:
        print(message, flush=True)

    db = Database(f"sqlite:///{db_path}")
    reader = principal_of(db, spec["user"])
    out: dict[str, Any] = {"user": reader.username, "agency": reader.agency_code}
    rng = np.random.default_rng(spec["seed"])
    graph_store.forget()
    holder: dict[str, Any] = {}

    with db.session() as session:
        session.connection()  # the database open before the load is measured

        def build() -> tuple[int, int, dict[str, Any]]:
            store = graph_store.current(session)
            holder["store"] = store
            in_report = store.types.index("in_report") if "in_report" in store.types else -1
            nbytes = sum(v.nbytes for v in vars(store).values() if isinstance(v, np.ndarray))
            return (
                store.node_count,
                store.edge_count,
                {
                    "cooccurrence_edges": int((store.etype == in_report).sum()),
                    "array_bytes": int(nbytes),
                },
            )

        load = _measure_load(build)
    store = holder["store"]
    log(
        f"caravan: loaded {load.nodes:,} nodes, {load.edges:,} edges in {load.seconds:.1f} s;"
        f" peak +{load.peak_growth / 2**30:.2f} GiB, kept +{load.growth / 2**30:.2f} GiB"
    )
    t0 = time.perf_counter()
    masks = store.masks(reader.agency_id)
    out["masks_s"] = time.perf_counter() - t0
    walker = ops.Walker(store, masks, Filters())
    walk_degree = np.bincount(store.src[masks.walk], minlength=store.node_count) + np.bincount(
        store.dst[masks.walk], minlength=store.node_count
    )
    candidates = np.flatnonzero(masks.node & (walk_degree > 0))
    out["visible_nodes"] = int(masks.node.sum())
    out["walkable_edges"] = int(masks.walk.sum())
    out["candidates"] = len(candidates)
    n = spec["samples"]
    picks = rng.choice(candidates, size=WARMUP + n + 2 * (WARMUP + n), replace=True)
    starts = picks[: WARMUP + n].tolist()
    pair_nodes = picks[WARMUP + n :].tolist()
    pairs = list(zip(pair_nodes[0::2], pair_nodes[1::2], strict=True))

    def ref(node: int) -> str:
        return service.node_id(store, node)

    hub = spec.get("hub")
    hub_node = store.node_of(bytes.fromhex(hub)) if hub else -1
    if hub_node >= 0 and not masks.node[hub_node]:
        out["hub_note"] = "the hub phone is not visible to this reader"
        hub_node = -1
    out["hub_degree"] = int(walk_degree[hub_node]) if hub_node >= 0 else None

    def expand_service(node: int) -> tuple[int, int, int, int]:
        """(record nodes, hit notices, edges, capped nodes) of the view."""
        with db.session() as session:
            view = service.neighbours(session, reader, ref(node), hops=2)
        notices = sum(1 for v in view.nodes if v.notice)
        return len(view.nodes) - notices, notices, len(view.edges), len(view.truncated)

    def expand_bare(node: int) -> int:
        found = ops.expand(walker, np.array([node], np.int32), 2, 10**9, 10**9)
        return len(found.nodes)

    def path_service(pair: tuple[int, int]) -> int | None:
        with db.session() as session:
            result = service.paths(session, reader, ref(pair[0]), ref(pair[1]), k=1)
        return len(result.paths[0]) - 1 if result.paths else None

    def path_bare(pair: tuple[int, int]) -> int | None:
        found = ops.shortest_path(walker, pair[0], pair[1], service.MAX_PATH_HOPS)
        return len(found) - 1 if found else None

    w = WARMUP
    sec, res = _series("caravan 2-hop (service)", starts[w:], expand_service, starts[:w], log)
    out["expand_service"] = {"seconds": sec, "sizes": res}
    sec, res = _series("caravan 2-hop (walk only)", starts[w:], expand_bare, starts[:w], log)
    out["expand_bare"] = {"seconds": sec, "sizes": res}
    sec, res = _series("caravan path (service)", pairs[w:], path_service, pairs[:w], log)
    out["path_service"] = {"seconds": sec, "lengths": res}
    sec, res = _series("caravan path (BFS only)", pairs[w:], path_bare, pairs[:w], log)
    out["path_bare"] = {"seconds": sec, "lengths": res}
    if hub_node >= 0:
        sec, res = _series("caravan 2-hop hub (service)", [hub_node] * 5, expand_service, [], log)
        out["hub_service"] = {"seconds": sec, "sizes": res}
        sec, res = _series("caravan 2-hop hub (walk only)", [hub_node] * 5, expand_bare, [], log)
        out["hub_bare"] = {"seconds": sec, "sizes": res}

    # Leiden on a subgraph: a breadth-first ball of the requested size.
    size = min(spec["subgraph"], len(candidates))
    ball = _ball(walker, int(rng.choice(candidates)), size, rng)
    t0 = time.perf_counter()
    edges = ops.induced_edges(walker, ball)
    extract_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    ranked = ops.rank(walker, ball, centrality=False)
    leiden_s = time.perf_counter() - t0
    communities = len(np.unique(ranked.communities))
    log(
        f"  caravan leiden: {len(ball):,} nodes, {len(edges):,} edges: {leiden_s:.1f} s,"
        f" modularity {ranked.modularity:.4f}, {communities:,} communities"
    )
    out["leiden"] = {
        "nodes": len(ball),
        "edges": len(edges),
        "extract_s": extract_s,
        "seconds": leiden_s,
        "modularity": ranked.modularity,
        "communities": communities,
    }
    local = np.full(store.node_count, -1, np.int64)
    local[ball] = np.arange(len(ball))
    np.save(
        job.with_suffix(".edges.npy"),
        np.stack([local[store.src[edges]], local[store.dst[edges]]], axis=1).astype(np.int32),
    )
    analysed = ball[: min(service.MAX_NODES, len(ball))]
    refs = [ref(int(x)) for x in analysed]
    t0 = time.perf_counter()
    with db.session() as session:
        analysis = service.analyse(session, reader, refs)
    out["analyse"] = {
        "nodes": len(refs),
        "seconds": time.perf_counter() - t0,
        "modularity": analysis.modularity,
    }
    log(f"  caravan analyse(): {len(refs):,} nodes in {out['analyse']['seconds']:.1f} s")
    out["load"] = asdict(load)
    out["starts"] = [store.node_hex(x) for x in starts]
    out["pairs"] = [[store.node_hex(a), store.node_hex(b)] for a, b in pairs]
    out["ball"] = [store.node_hex(int(x)) for x in ball]
    out["hub_hex"] = store.node_hex(hub_node) if hub_node >= 0 else None
    job.write_text(json.dumps(out), encoding="utf-8")
    db.dispose()


# ---------------------------------------------------------------------- NetworkX side

_RECORD_TABLES = (
    "person",
    "organisation",
    "vehicle",
    "phone",
    "identity_document",
    "location",
    "seizure",
    "intel_report",
)


def networkx_child(db_path: Path, job: Path) -> None:
    """In a fresh process: the same graph in NetworkX and the same operations."""
    import sqlite3

    import networkx as nx

    def log(message: str) -> None:
        print(message, flush=True)

    spec = json.loads(job.read_text(encoding="utf-8"))
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    holder: dict[str, Any] = {}

    def build() -> tuple[int, int, dict[str, Any]]:
        graph: Any = nx.Graph()
        for table in _RECORD_TABLES:
            graph.add_nodes_from(r[0] for r in conn.execute(f"SELECT id FROM {table}"))  # noqa: S608
        graph.add_edges_from(conn.execute("SELECT from_id, to_id FROM link"))
        for end in ("from_id", "to_id"):
            graph.add_edges_from(
                conn.execute(
                    f"SELECT {end}, report_id FROM link WHERE report_id IS NOT NULL"  # noqa: S608
                )
            )
        holder["graph"] = graph
        return graph.number_of_nodes(), graph.number_of_edges(), {}

    load = _measure_load(build)
    graph = holder["graph"]
    log(
        f"networkx: loaded {load.nodes:,} nodes, {load.edges:,} edges in {load.seconds:.1f} s;"
        f" peak +{load.peak_growth / 2**30:.2f} GiB, kept +{load.growth / 2**30:.2f} GiB"
    )
    out: dict[str, Any] = {"load": asdict(load)}
    w = WARMUP

    def expand(node: str) -> int:
        return len(nx.single_source_shortest_path_length(graph, node, cutoff=2))

    def path(pair: Sequence[str]) -> int | None:
        try:
            return len(nx.bidirectional_shortest_path(graph, pair[0], pair[1])) - 1
        except nx.NetworkXNoPath:
            return None

    starts, pairs = spec["starts"], spec["pairs"]
    sec, res = _series("networkx 2-hop", starts[w:], expand, starts[:w], log)
    out["expand"] = {"seconds": sec, "sizes": res}
    sec, res = _series("networkx path", pairs[w:], path, pairs[:w], log)
    out["path"] = {"seconds": sec, "lengths": res}
    if spec.get("hub_hex"):
        sec, res = _series("networkx 2-hop hub", [spec["hub_hex"]] * 5, expand, [], log)
        out["hub"] = {"seconds": sec, "sizes": res}
    ball = spec["ball"]
    t0 = time.perf_counter()
    induced = graph.subgraph(ball).copy()
    out["subgraph"] = {"seconds": time.perf_counter() - t0, "edges": induced.number_of_edges()}
    del induced
    pairs_local = np.load(job.with_suffix(".edges.npy"))
    same: Any = nx.Graph()
    same.add_nodes_from(range(len(ball)))
    same.add_edges_from(pairs_local.tolist())
    t0 = time.perf_counter()
    parts = nx.community.louvain_communities(same, seed=7)
    seconds = time.perf_counter() - t0
    modularity = nx.community.modularity(same, parts)
    log(
        f"  networkx louvain: {same.number_of_nodes():,} nodes, {same.number_of_edges():,}"
        f" edges: {seconds:.1f} s, modularity {modularity:.4f}, {len(parts):,} communities"
    )
    out["louvain"] = {
        "nodes": same.number_of_nodes(),
        "edges": same.number_of_edges(),
        "seconds": seconds,
        "modularity": modularity,
        "communities": len(parts),
    }
    job.write_text(json.dumps(out), encoding="utf-8")


# ---------------------------------------------------------------------- the run


@dataclass
class Series:
    latency: Latency
    found: int
    sizes: float | None = None


@dataclass
class GraphReport:
    spec: GraphSpec
    database: str
    meta: dict[str, Any]
    user: str
    agency: str
    caravan: dict[str, Any]
    networkx: dict[str, Any] | None
    notes: list[str] = field(default_factory=list)

    # --- figures
    def load(self, side: str) -> Load | None:
        data = (self.caravan if side == "caravan" else self.networkx or {}).get("load")
        return Load(**data) if data else None

    def latency(self, side: str, name: str) -> Latency | None:
        data = (self.caravan if side == "caravan" else self.networkx or {}).get(name)
        return Latency.of(data["seconds"]) if data else None


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")])}


def _child(kind: str, db_path: Path, job: Path, log: Log) -> str | None:
    """Run one side in a fresh process; its output is passed through. An error, or None."""
    started = time.perf_counter()
    with subprocess.Popen(
        [sys.executable, "-m", "bench.graph", f"{kind}-child", str(db_path), str(job)],
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as proc:
        assert proc.stdout is not None
        tail: list[str] = []
        for line in proc.stdout:
            log(f"  {line.rstrip()}")
            tail = [*tail[-20:], line]
    log(f"{kind}: done in {time.perf_counter() - started:.0f} s (exit {proc.returncode})")
    if proc.returncode:
        return f"{kind} failed (exit {proc.returncode}): " + "".join(tail).strip()[-800:]
    return None


def run(
    *,
    nodes: int,
    links: int,
    seed: int,
    samples: int = 200,
    subgraph: int = 100_000,
    user: str = DEFAULT_USER,
    networkx: bool = True,
    out: Path = OUT,
    log: Log = print,
) -> GraphReport:
    spec = GraphSpec(nodes, links, seed)
    db_path = build_graph_db(spec, out=out, log=log)
    meta = read_meta(db_path)
    job = out / f"graph-job-{nodes}-{links}-s{seed}.json"
    job.write_text(
        json.dumps(
            {
                "user": user,
                "seed": seed,
                "samples": samples,
                "subgraph": subgraph,
                "hub": meta["hubs"]["phone"]["id"],
            }
        ),
        encoding="utf-8",
    )
    log(f"graph: Caravan side over {db_path.name} (fresh process)")
    notes: list[str] = []
    error = _child("caravan", db_path, job, log)
    if error:
        raise RuntimeError(error)
    caravan = json.loads(job.read_text(encoding="utf-8"))
    result = None
    if networkx:
        log("graph: NetworkX side (fresh process)")
        error = _child("networkx", db_path, job, log)
        if error:
            notes.append(error)
        else:
            result = json.loads(job.read_text(encoding="utf-8"))
    for path in (job, job.with_suffix(".edges.npy")):
        path.unlink(missing_ok=True)
    if caravan.get("hub_note"):
        notes.append(caravan["hub_note"])
    return GraphReport(
        spec=spec,
        database=db_path.name,
        meta=meta,
        user=caravan["user"],
        agency=caravan["agency"],
        caravan=caravan,
        networkx=result,
        notes=notes,
    )


# ---------------------------------------------------------------------- report


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return out


def _met(ok: bool) -> str:
    return "**met**" if ok else "**NOT met**"


def _gib(x: float) -> str:
    return f"{x / 2**30:.2f} GiB"


def _ratio(ours: float | None, theirs: float | None) -> str:
    if ours is None or theirs is None or not theirs or math.isnan(ours) or math.isnan(theirs):
        return "–"
    return f"{ours / theirs:.2f}"


def _found(values: Sequence[Any]) -> int:
    return sum(v is not None for v in values)


def _mean(values: Sequence[Any], index: int = 0) -> str:
    """Mean of the values (of their ``index``-th part where they are tuples), "–" if none."""
    kept = [v[index] if isinstance(v, list) else v for v in values if v is not None]
    return f"{sum(kept) / len(kept):,.0f}" if kept else "–"


def _view_sizes(values: Sequence[Any]) -> str:
    return (
        f"mean {_mean(values, 0)} nodes + {_mean(values, 1)} hit notices,"
        f" {_mean(values, 2)} edges shown"
    )


def _lat_row(label: str, what: str, lat: Latency | None, ratio: str, extra: str) -> list[str]:
    if lat is None:
        return [label, what, "–", "–", "–", "–", ratio, extra]
    return [
        label,
        what,
        str(lat.n),
        f"{lat.p50:.1f}",
        f"{lat.p95:.1f}",
        f"{lat.max:.1f}",
        ratio,
        extra,
    ]


def section(r: GraphReport) -> list[str]:
    c, x = r.caravan, r.networkx or {}
    m = r.meta
    counts = ", ".join(f"{k} {v:,}" for k, v in m["counts"].items())
    cl, xl = r.load("caravan"), r.load("networkx")
    lines = [
        f"### Link analysis ({r.spec.nodes:,} records, {r.spec.links:,} links)",
        "",
        f"Store: `bench/graph_data.py` (`{r.database}`; {counts}; degree mean"
        f" {m['degree']['mean']}, median {m['degree']['median']:.0f}, p99"
        f" {m['degree']['p99']:.0f}, top {', '.join(f'{d:,}' for d in m['degree']['top'][:5])};"
        f" the dispatcher phone has {m['hubs']['phone']['links']:,} links; generated in"
        f" {m.get('seconds', 0):,.0f} s). Caravan and NetworkX each in a fresh process"
        f" (`bench/graph.py`). Caravan as `{r.user}` ({r.agency}): visibility applies"
        f" ({c['visible_nodes']:,} visible nodes, {c['walkable_edges']:,} walkable edges);"
        " NetworkX has no visibility rule and sees every edge. Ratio = Caravan / NetworkX"
        " (below 1: Caravan faster / smaller).",
        "",
        "Graph load (Caravan: `store.current` → `GraphStore.build`; NetworkX: `nx.Graph` from"
        " `sqlite3`, same records and edges; memory: resident set of the process):",
        "",
    ]
    rows = []
    for name, load in (("Caravan", cl), ("NetworkX", xl)):
        if load is None:
            continue
        rows.append(
            [
                name,
                f"{load.nodes:,}",
                f"{load.edges:,}",
                f"{load.seconds:.1f}",
                _gib(load.peak_growth) + ("" if load.peak_reset else " (peak since start)"),
                _gib(load.growth),
            ]
        )
    if cl and xl:
        rows.append(
            [
                "ratio",
                "",
                "",
                _ratio(cl.seconds, xl.seconds),
                _ratio(cl.peak_growth, xl.peak_growth),
                _ratio(cl.growth, xl.growth),
            ]
        )
    lines += _table(["", "nodes", "edges", "s", "peak growth", "kept"], rows)
    if cl:
        lines.append(
            f"- Caravan's edges include {cl.detail.get('cooccurrence_edges', 0):,} co-occurrence"
            f" edges (record – report it was recorded in); its arrays hold"
            f" {_gib(cl.detail.get('array_bytes', 0))}; the analyst's visibility masks took"
            f" {c['masks_s'] * 1000:.0f} ms (once per agency, kept)."
        )
        if xl:
            lines.append(
                "- NetworkX's edge count is after merging duplicates (a simple graph);"
                " Caravan keeps each link as its own edge."
            )
    lines += [
        "",
        f"Queries, ms ({len(c['expand_service']['seconds'])} random start nodes, "
        f"{len(c['path_service']['seconds'])} random pairs, after {WARMUP} warm-up calls):",
        "",
    ]
    es, eb = r.latency("caravan", "expand_service"), r.latency("caravan", "expand_bare")
    ps, pb = r.latency("caravan", "path_service"), r.latency("caravan", "path_bare")
    xe, xp = r.latency("networkx", "expand"), r.latency("networkx", "path")

    def p95(lat: Latency | None) -> float | None:
        return lat.p95 if lat else None

    svc_sizes = c["expand_service"]["sizes"]
    rows = [
        _lat_row(
            "2-hop",
            "Caravan `service.neighbours(hops=2)` (view ≤ 2,500 nodes, ≤ 200 links/node)",
            es,
            _ratio(p95(es), p95(xe)),
            _view_sizes(svc_sizes),
        ),
        _lat_row(
            "2-hop",
            "Caravan `ops.expand` (walk only, uncapped)",
            eb,
            _ratio(p95(eb), p95(xe)),
            f"mean {_mean(c['expand_bare']['sizes'])} nodes reached",
        ),
        _lat_row(
            "2-hop",
            "NetworkX `single_source_shortest_path_length(cutoff=2)`",
            xe,
            "1.00" if xe else "–",
            f"mean {_mean(x['expand']['sizes'])} nodes reached" if xe else "",
        ),
        _lat_row(
            "path",
            "Caravan `service.paths(k=1)` (≤ 8 hops)",
            ps,
            _ratio(p95(ps), p95(xp)),
            f"{_found(c['path_service']['lengths'])} found,"
            f" mean {_mean(c['path_service']['lengths'])} hops",
        ),
        _lat_row(
            "path",
            "Caravan `ops.shortest_path` (BFS only, ≤ 12 hops)",
            pb,
            _ratio(p95(pb), p95(xp)),
            f"{_found(c['path_bare']['lengths'])} found,"
            f" mean {_mean(c['path_bare']['lengths'])} hops",
        ),
        _lat_row(
            "path",
            "NetworkX `bidirectional_shortest_path`",
            xp,
            "1.00" if xp else "–",
            f"{_found(x['path']['lengths'])} found, mean {_mean(x['path']['lengths'])} hops"
            if xp
            else "",
        ),
    ]
    hs, hb, xh = (
        r.latency("caravan", "hub_service"),
        r.latency("caravan", "hub_bare"),
        r.latency("networkx", "hub"),
    )
    if hs:
        hub_degree = c.get("hub_degree") or 0
        rows += [
            _lat_row(
                "2-hop, hub",
                f"Caravan `service.neighbours` from the dispatcher phone ({hub_degree:,} links)",
                hs,
                _ratio(p95(hs), p95(xh)),
                _view_sizes(c["hub_service"]["sizes"]),
            ),
            _lat_row(
                "2-hop, hub",
                "Caravan `ops.expand` (walk only, uncapped)",
                hb,
                _ratio(p95(hb), p95(xh)),
                f"{_mean(c['hub_bare']['sizes'])} nodes reached",
            ),
            _lat_row(
                "2-hop, hub",
                "NetworkX",
                xh,
                "1.00" if xh else "–",
                f"{_mean(x['hub']['sizes'])} nodes reached" if xh else "",
            ),
        ]
    lines += _table(["op", "how", "n", "p50", "p95", "max", "p95 ratio", "result"], rows)
    if xp:
        agree = sum(
            1
            for a, b in zip(c["path_bare"]["lengths"], x["path"]["lengths"], strict=False)
            if a is not None and a == b
        )
        lines.append(
            f"- path lengths: Caravan's BFS equals NetworkX's on {agree} of"
            f" {len(x['path']['lengths'])} pairs (Caravan walks only visible links, so"
            " its paths can be longer or missing)."
        )
    le = c["leiden"]
    lines += [
        "",
        f"Communities on a {le['nodes']:,}-node subgraph (a breadth-first ball from a random"
        " visible node, over visible links; Caravan `ops.rank(centrality=False)`: induced"
        " edges → igraph → `community_leiden(modularity)`; NetworkX: Louvain on the same"
        " edges, built from Caravan's edge list):",
        "",
    ]
    lv = x.get("louvain")
    rows = [
        [
            "Caravan (igraph Leiden)",
            f"{le['nodes']:,}",
            f"{le['edges']:,}",
            f"{le['seconds']:.1f}",
            f"{le['modularity']:.4f}",
            f"{le['communities']:,}",
            _ratio(le["seconds"], lv["seconds"] if lv else None),
        ]
    ]
    if lv:
        rows.append(
            [
                "NetworkX (Louvain)",
                f"{lv['nodes']:,}",
                f"{lv['edges']:,}",
                f"{lv['seconds']:.1f}",
                f"{lv['modularity']:.4f}",
                f"{lv['communities']:,}",
                "1.00",
            ]
        )
    lines += _table(["", "nodes", "edges", "s", "modularity", "communities", "ratio"], rows)
    lines.append(
        f"- extracting the subgraph: Caravan `ops.induced_edges` {le['extract_s']:.2f} s"
        + (
            f"; NetworkX `G.subgraph(nodes).copy()` {x['subgraph']['seconds']:.2f} s"
            f" ({x['subgraph']['edges']:,} edges: every edge, no visibility)"
            if x.get("subgraph")
            else ""
        )
        + "."
    )
    an = c["analyse"]
    lines.append(
        f"- `service.analyse` (Leiden + degree, betweenness, eigenvector, k-core) on"
        f" {an['nodes']:,} of those nodes (its maximum): {an['seconds']:.1f} s, modularity"
        f" {an['modularity']:.4f}."
    )
    lines += [f"- note: {n}" for n in r.notes]
    return lines


def targets(r: GraphReport) -> list[str]:
    c, x = r.caravan, r.networkx or {}
    lines: list[str] = []
    cl, xl = r.load("caravan"), r.load("networkx")
    es, xe = r.latency("caravan", "expand_service"), r.latency("networkx", "expand")
    ps, xp = r.latency("caravan", "path_service"), r.latency("networkx", "path")
    scale = f"{r.spec.nodes:,} nodes / {r.spec.links:,} links"
    if es:
        lines.append(
            f"- graph 2-hop expansion p95 ≤ {TARGET_EXPAND_P95_MS:.0f} ms ({scale}, service):"
            f" {es.p95:.1f} ms (NetworkX {xe.p95 if xe else math.nan:.1f} ms, ratio"
            f" {_ratio(es.p95, xe.p95 if xe else None)}) → {_met(es.p95 <= TARGET_EXPAND_P95_MS)}"
        )
    if ps:
        lines.append(
            f"- graph shortest path p95 ≤ {TARGET_PATH_P95_MS:.0f} ms ({scale}, service):"
            f" {ps.p95:.1f} ms (NetworkX {xp.p95 if xp else math.nan:.1f} ms, ratio"
            f" {_ratio(ps.p95, xp.p95 if xp else None)}) → {_met(ps.p95 <= TARGET_PATH_P95_MS)}"
        )
    le, lv = c["leiden"], x.get("louvain")
    lines.append(
        f"- Leiden on a {le['nodes']:,}-node subgraph ≤ {TARGET_LEIDEN_S:.0f} s:"
        f" {le['seconds']:.1f} s (NetworkX Louvain {lv['seconds'] if lv else math.nan:.1f} s)"
        f" → {_met(le['seconds'] <= TARGET_LEIDEN_S)}"
    )
    if cl:
        ok = cl.seconds <= TARGET_LOAD_S and cl.peak_growth <= TARGET_LOAD_BYTES
        lines.append(
            f"- graph load ≤ {TARGET_LOAD_S:.0f} s and ≤ {_gib(TARGET_LOAD_BYTES)} ({scale}):"
            f" {cl.seconds:.1f} s, peak +{_gib(cl.peak_growth)}"
            + (f" (NetworkX {xl.seconds:.1f} s, +{_gib(xl.peak_growth)})" if xl else "")
            + f" → {_met(ok)}"
        )
    at_scale = r.spec.nodes >= 1_000_000 and r.spec.links >= 5_000_000
    if not at_scale:
        lines.append(f"- (graph targets are set at 1,000,000 / 5,000,000; this run: {scale})")
    return lines


def add_to(text: str, report: GraphReport) -> str:
    """``text`` (a rendered section of :mod:`bench.report`) with the graph figures put
    before its ``### Targets`` and the graph targets after the others."""
    head, sep, tail = text.partition("### Targets")
    body = "\n".join(section(report)) + "\n\n"
    ours = "\n".join(targets(report)) + "\n"
    if not sep:
        return text + body + "### Targets\n\n" + ours
    others = tail.strip("\n")
    return head + body + sep + "\n\n" + (others + "\n" if others else "") + ours


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "caravan-child":
        caravan_child(Path(argv[1]), Path(argv[2]))
        return 0
    if len(argv) == 3 and argv[0] == "networkx-child":
        networkx_child(Path(argv[1]), Path(argv[2]))
        return 0
    print("usage: python -m bench --graph  (see bench/__main__.py)", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
