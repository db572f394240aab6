"""Graph operations over a :class:`~caravan.analyze.network.store.GraphStore`, in numpy.

Every operation walks only what one reader may walk (:class:`Walker`: the agency's
masks and the request's filters), level by level, a whole frontier at a time: the
neighbours of a frontier are gathered from the adjacency index with one vectorised
slice, never node by node. Algorithms that need a general graph library (k shortest
paths, Leiden, centrality) run on the small subgraph these walks find, with igraph.

Nodes and edges here are indices into the store; :mod:`.service` turns them into what a
user sees.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

import igraph
import numpy as np

from caravan.analyze.network.store import (
    INFORMATION_GRADES,
    SOURCE_GRADES,
    GraphStore,
    Masks,
    count_runs,
    distinct_per_owner,
    gather_csr,
)
from caravan.analyze.network.types import Filters, invalid
from caravan.domain.dates import parse_partial_date

#: At most this many nodes are visited by one search (a path, a connection).
VISIT_BUDGET = 300_000


@dataclass
class Walker:
    """What one request may walk: a reader's masks narrowed by filters."""

    store: GraphStore
    masks: Masks
    filters: Filters

    def __post_init__(self) -> None:
        f = self.filters
        self._types: np.ndarray | None = None
        if f.link_types:
            self._types = np.isin(np.array(self.store.types, dtype=object), list(f.link_types))
        self._from = _day_number(f.date_from, end=False) if f.date_from else 0
        self._to = _day_number(f.date_to, end=True) if f.date_to else 0
        self._grade: tuple[int, int] | None = None
        if f.min_grade:
            self._grade = parse_min_grade(f.min_grade)
        self._agencies: np.ndarray | None = None
        if f.agencies:
            ids = [i for i, code in self.store.agency_codes.items() if code in f.agencies]
            self._agencies = np.asarray(ids, dtype=np.int32)
        #: True when no filter narrows the walk (``edge_ok`` is then the base mask).
        self.unfiltered = (
            self._types is None
            and not self._from
            and not self._to
            and self._grade is None
            and self._agencies is None
        )

    def edge_ok(self, edges: np.ndarray, base: np.ndarray | None = None) -> np.ndarray:
        """Which of ``edges`` this request may walk (``base``: the mask the filters
        narrow, by default the reader's walkable edges)."""
        ok = (self.masks.walk if base is None else base)[edges]
        store = self.store
        if self._types is not None:
            ok &= self._types[store.etype[edges]]
        if self._to:
            start = store.valid_from[edges]
            ok &= (start == 0) | (start <= self._to)
        if self._from:
            end = store.valid_to[edges]
            ok &= (end == 0) | (end >= self._from)
        if self._grade is not None:
            source, info = self._grade
            sg, ig = store.source_grade[edges], store.info_grade[edges]
            ok &= (sg >= 0) & (sg <= source) & (ig >= 0) & (ig <= info)
        if self._agencies is not None:
            ok &= np.isin(store.edge_agency[edges], self._agencies)
        return ok


def _day_number(value: str, *, end: bool) -> int:
    """A (partial) date as ``YYYYMMDD``, as the store keeps link dates: a year or month
    counts from its first day, or with ``end`` to its last."""
    partial = parse_partial_date(value)
    day = partial.latest() if end else partial.earliest()
    return day.year * 10_000 + day.month * 100 + day.day


def parse_min_grade(value: str) -> tuple[int, int]:
    """``"B2"`` → ranks (1, 1): source A–B, information 1–2."""
    text = value.strip().upper()
    if len(text) != 2 or text[0] not in SOURCE_GRADES or text[1] not in INFORMATION_GRADES:
        raise invalid(
            "min_grade",
            f"{value!r} is not a Europol grade such as B2 (source "
            f"{', '.join(SOURCE_GRADES)}; information {', '.join(INFORMATION_GRADES)})",
            value,
        )
    return SOURCE_GRADES.index(text[0]), INFORMATION_GRADES.index(text[1])


def gather(store: GraphStore, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every adjacency entry of ``nodes``: (owner node, neighbour, edge), in one slice."""
    return gather_csr(store.indptr, store.adj_node, store.adj_edge, nodes)


# ---------------------------------------------------------------------- expansion


@dataclass
class Expansion:
    nodes: np.ndarray
    #: The nodes whose links were walked (every level but the last).
    expanded: np.ndarray
    #: (node, shown, total) for each node whose links were capped.
    truncated: list[tuple[int, int, int]]
    #: True when the whole view reached ``max_nodes`` and the last level was cut.
    limited: bool


def expand(walker: Walker, starts: np.ndarray, hops: int, cap: int, max_nodes: int) -> Expansion:
    """Nodes within ``hops`` of ``starts``; each node contributes at most ``cap`` links."""
    store = walker.store
    seen = np.zeros(store.node_count, dtype=bool)
    seen[starts] = True
    found = [starts]
    expanded: list[np.ndarray] = []
    frontier = starts
    truncated: list[tuple[int, int, int]] = []
    total_nodes = len(starts)
    limited = False
    for _ in range(hops):
        if len(frontier) == 0:
            break
        expanded.append(frontier)
        owner, nbr, edge = gather(store, frontier)
        ok = walker.edge_ok(edge)
        owner, nbr = owner[ok], nbr[ok]
        # Rank of each entry within its owner's run (entries are grouped by owner).
        if len(owner):
            change = np.r_[True, owner[1:] != owner[:-1]]
            run_start = np.flatnonzero(change)
            run_len = np.diff(np.r_[run_start, len(owner)])
            rank = np.arange(len(owner)) - np.repeat(run_start, run_len)
            over = np.flatnonzero(run_len > cap)
            truncated.extend((int(owner[run_start[i]]), cap, int(run_len[i])) for i in over)
            keep = rank < cap
            nbr = nbr[keep]
        fresh = np.unique(nbr[~seen[nbr]])
        room = max_nodes - total_nodes
        if len(fresh) > room:
            fresh = fresh[: max(room, 0)]
            limited = True
        seen[fresh] = True
        found.append(fresh)
        total_nodes += len(fresh)
        frontier = fresh
        if limited:
            break
    done = np.concatenate(expanded) if expanded else np.zeros(0, np.int32)
    return Expansion(np.concatenate(found), done, truncated, limited)


def induced_edges(walker: Walker, nodes: np.ndarray) -> np.ndarray:
    """Edges this request may walk between two of ``nodes``."""
    store = walker.store
    inside = np.zeros(store.node_count, dtype=bool)
    inside[nodes] = True
    owner, nbr, edge = gather(store, nodes)
    keep = inside[nbr] & (owner < nbr)
    edge = edge[keep]
    return np.unique(edge[walker.edge_ok(edge)])


@dataclass
class Surroundings:
    """What a view needs of its nodes' links."""

    #: Edges this request may walk between two of the nodes.
    induced: np.ndarray
    #: Links each node has that the reader may walk (filters ignored), in ``nodes`` order.
    degree: np.ndarray
    #: Distinct neighbours of each node that the reader may not read, over links the
    #: request may walk but for the far end (a hit notice may stand there), in ``nodes``
    #: order.
    hidden: np.ndarray
    #: (anchor, hidden node) pairs of such links of the ``notices_for`` nodes.
    notice_owner: np.ndarray
    notice_node: np.ndarray


def surroundings(
    walker: Walker, nodes: np.ndarray, notices_for: np.ndarray | None = None
) -> Surroundings:
    """Induced edges, walkable degrees and hidden neighbours of ``nodes``, and the hidden
    neighbours of ``notices_for`` (the places a hit notice may stand instead of content).

    One gather of the adjacency of the nodes, except heavy ones (hubs; see
    :class:`~caravan.analyze.network.store.Heavy`): their totals come from the reader's
    masks and their links to each other from the heavy index, so a view that touches a
    hub with 50,000 links does not walk them all. A heavy node's adjacency is still
    gathered where its hidden neighbours are needed: it is among ``notices_for``, or
    filters narrow what counts."""
    store, masks = walker.store, walker.masks
    nodes = np.asarray(nodes, dtype=np.int64)
    counts = store.indptr[nodes + 1] - store.indptr[nodes]
    index = store.heavy()
    is_heavy = counts > index.threshold
    inside = np.zeros(store.node_count, dtype=bool)
    inside[nodes] = True
    degree = np.zeros(len(nodes), dtype=np.int64)
    # Light nodes: their whole adjacency (owners as positions in ``nodes``).
    light = np.flatnonzero(~is_heavy)
    _, nbr, edge = gather_csr(store.indptr, store.adj_node, store.adj_edge, nodes[light])
    walk = masks.walk[edge]
    degree[light] = count_runs(walk, counts[light])
    induced = [edge[walk & inside[nbr]]]
    hidden_at = [np.repeat(light, counts[light]), np.zeros(0, np.int64)]
    hidden_nbr = [nbr, np.zeros(0, np.int32)]
    hidden_edge = [edge, np.zeros(0, np.int32)]
    # Heavy nodes: links among them from the heavy index; totals from the masks.
    heavy = np.flatnonzero(is_heavy)
    cached = np.zeros(0, np.int64)
    if len(heavy):
        at = index.positions(nodes[heavy])
        degree[heavy] = masks.heavy_degree[at]
        h_nbr, h_edge = index.among(nodes[heavy])
        induced.append(h_edge[masks.walk[h_edge] & inside[h_nbr]])
        if walker.unfiltered:
            cached = masks.heavy_hidden[at]
            wanted = np.zeros(0, np.int64) if notices_for is None else notices_for
            full = heavy[np.isin(nodes[heavy], wanted)]
        else:
            full = heavy
        _, f_nbr, f_edge = gather_csr(store.indptr, store.adj_node, store.adj_edge, nodes[full])
        hidden_at[1] = np.repeat(full, counts[full])
        hidden_nbr[1], hidden_edge[1] = f_nbr, f_edge
    found = np.concatenate(induced)
    found = np.unique(found[walker.edge_ok(found)])
    at, nbr, edge = (np.concatenate(x) for x in (hidden_at, hidden_nbr, hidden_edge))
    pick = masks.link[edge] & ~masks.node[nbr]
    at, nbr, edge = at[pick], nbr[pick], edge[pick]
    keep = walker.edge_ok(edge, base=masks.link)
    at, nbr = at[keep], nbr[keep]
    hidden = distinct_per_owner(at, nbr, len(nodes))
    if len(cached):
        hidden[heavy] = cached
    notice = (
        np.zeros(len(at), dtype=bool) if notices_for is None else np.isin(nodes[at], notices_for)
    )
    return Surroundings(found, degree, hidden, nodes[at[notice]], nbr[notice])


# ---------------------------------------------------------------------- distances and paths


def _level(
    walker: Walker, frontier: np.ndarray, dist: np.ndarray, parent: np.ndarray | None, depth: int
) -> np.ndarray:
    owner, nbr, edge = gather(walker.store, frontier)
    ok = walker.edge_ok(edge) & (dist[nbr] < 0)
    owner, nbr, edge = owner[ok], nbr[ok], edge[ok]
    fresh, first = np.unique(nbr, return_index=True)
    dist[fresh] = depth
    if parent is not None:
        parent[fresh] = owner[first]
    return fresh


def distances(walker: Walker, sources: np.ndarray, max_depth: int) -> np.ndarray:
    """Hops from the nearest of ``sources`` to every node within ``max_depth`` (else -1),
    stopping early once :data:`VISIT_BUDGET` nodes are reached."""
    dist = np.full(walker.store.node_count, -1, dtype=np.int16)
    dist[sources] = 0
    frontier, visited = sources, len(sources)
    for depth in range(1, max_depth + 1):
        if len(frontier) == 0 or visited > VISIT_BUDGET:
            break
        frontier = _level(walker, frontier, dist, None, depth)
        visited += len(frontier)
    return dist


def shortest_path(walker: Walker, a: int, b: int, max_hops: int) -> list[int] | None:
    """One shortest walkable path from ``a`` to ``b`` (bidirectional BFS), or ``None``."""
    if a == b:
        return [a]
    n = walker.store.node_count
    dist = [np.full(n, -1, np.int16), np.full(n, -1, np.int16)]
    parent = [np.full(n, -1, np.int32), np.full(n, -1, np.int32)]
    dist[0][a] = 0
    dist[1][b] = 0
    frontier = [np.array([a], np.int32), np.array([b], np.int32)]
    depth = [0, 0]
    visited = 2
    while depth[0] + depth[1] < max_hops and visited <= VISIT_BUDGET:
        side = 0 if len(frontier[0]) <= len(frontier[1]) else 1
        if len(frontier[side]) == 0:
            return None
        depth[side] += 1
        fresh = _level(walker, frontier[side], dist[side], parent[side], depth[side])
        visited += len(fresh)
        frontier[side] = fresh
        met = fresh[dist[1 - side][fresh] >= 0]
        if len(met):
            total = dist[0][met].astype(np.int32) + dist[1][met]
            middle = int(met[np.argmin(total)])
            return _trace(parent[0], middle)[::-1] + _trace(parent[1], middle)[1:]
    return None


def _trace(parent: np.ndarray, node: int) -> list[int]:
    path = [node]
    while parent[path[-1]] >= 0:
        path.append(int(parent[path[-1]]))
    return path


def k_shortest_paths(walker: Walker, a: int, b: int, k: int, max_hops: int) -> list[list[int]]:
    """Up to ``k`` shortest simple paths (Yen, in igraph) among the nodes near a shortest
    one: those within two hops more than the shortest distance."""
    first = shortest_path(walker, a, b, max_hops)
    if first is None or k <= 1:
        return [first] if first else []
    length = len(first) - 1
    reach = min(length + 1, max_hops)
    da = distances(walker, np.array([a], np.int32), reach)
    db = distances(walker, np.array([b], np.int32), reach)
    near = np.flatnonzero(
        (da >= 0) & (db >= 0) & (da.astype(np.int32) + db <= min(length + 2, max_hops))
    )
    sub, local = _subgraph(walker, near)
    found = sub.get_k_shortest_paths(local[a], local[b], k=k, mode="all", output="vpath")
    paths = [[int(near[v]) for v in path] for path in found if len(path) - 1 <= max_hops]
    return paths or [first]


def connect(
    walker: Walker, group_a: np.ndarray, group_b: np.ndarray, max_hops: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """Nodes and edges on the shortest connections from group A to group B, and their
    length; empty arrays and -1 when none is within ``max_hops``."""
    da = distances(walker, group_a, max_hops)
    db = distances(walker, group_b, max_hops)
    both = np.flatnonzero((da >= 0) & (db >= 0))
    if len(both) == 0:
        return np.zeros(0, np.int32), np.zeros(0, np.int32), -1
    total = da[both].astype(np.int32) + db[both]
    best = int(total.min())
    if best > max_hops:
        return np.zeros(0, np.int32), np.zeros(0, np.int32), -1
    on = both[total == best]
    owner, nbr, edge = gather(walker.store, on)
    step = (da[owner].astype(np.int32) + 1 + db[nbr] == best) & (da[nbr] >= 0) & (db[nbr] >= 0)
    edge = edge[step & walker.edge_ok(edge)]
    return on.astype(np.int32), np.unique(edge), best


# ---------------------------------------------------------------------- analysis


def _subgraph(walker: Walker, nodes: np.ndarray) -> tuple[igraph.Graph, dict[int, int]]:
    edges = induced_edges(walker, nodes)
    local = {int(v): i for i, v in enumerate(nodes)}
    pairs = [
        (local[int(s)], local[int(t)])
        for s, t in zip(walker.store.src[edges], walker.store.dst[edges], strict=True)
    ]
    return igraph.Graph(n=len(nodes), edges=pairs), local


_rng_lock = threading.Lock()


@dataclass
class Ranking:
    communities: np.ndarray  # community per node, largest community 0
    modularity: float
    degree: np.ndarray
    betweenness: np.ndarray
    eigenvector: np.ndarray
    kcore: np.ndarray


def rank(walker: Walker, nodes: np.ndarray, *, centrality: bool = True) -> Ranking:
    """Leiden communities (modularity) and centrality of ``nodes`` over the links among them."""
    graph, _ = _subgraph(walker, nodes)
    n = graph.vcount()
    if n == 0:
        empty = np.zeros(0)
        return Ranking(np.zeros(0, np.int64), 0.0, empty, empty, empty, empty)
    with _rng_lock:  # igraph draws from Python's random: seed it for repeatable results
        igraph.set_random_number_generator(random.Random(7))
        parts = graph.community_leiden(objective_function="modularity", n_iterations=-1)
        igraph.set_random_number_generator(random)
    membership = np.asarray(parts.membership, dtype=np.int64)
    sizes = np.bincount(membership)
    renumber = np.empty(len(sizes), np.int64)
    renumber[np.argsort(-sizes, kind="stable")] = np.arange(len(sizes))
    modularity = float(graph.modularity(parts.membership)) if graph.ecount() else 0.0
    if not centrality:
        empty = np.zeros(0)
        return Ranking(renumber[membership], modularity, empty, empty, empty, empty)
    degree = np.asarray(graph.degree(), dtype=float)
    betweenness = np.asarray(graph.betweenness(directed=False), dtype=float)
    if n > 2:
        betweenness /= (n - 1) * (n - 2) / 2
    eigen = (
        np.asarray(graph.eigenvector_centrality(), dtype=float) if graph.ecount() else np.zeros(n)
    )
    kcore = np.asarray(graph.coreness(), dtype=float)
    return Ranking(renumber[membership], modularity, degree, betweenness, eigen, kcore)
