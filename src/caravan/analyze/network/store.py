"""The region's link graph as arrays: who is linked to whom, by which link, owned by whom.

:class:`GraphStore` holds the *structure* of the graph — record ids, kinds, owners,
handling codes, grades, link types and validity dates — as numpy arrays, with an
adjacency index (CSR) for traversal. It holds no content (no names, no numbers): the
service reads what a user sees of the nodes through ``caravan.access`` at request time.

Nodes are records (entities, seizures, reports); person records that entity resolution
put into one profile of two or more are one node, the profile. Edges are the typed
links, plus co-occurrence: a record and the report its link was recorded in
(:data:`~caravan.analyze.network.types.IN_REPORT`), known from the report and so
visible with it.

Visibility depends only on the reader's agency (``caravan.access.visibility``'s rule:
open codes, own records, named recipient), so :meth:`GraphStore.masks` computes it once
per agency, with the same rule written for arrays, and keeps it until the store is
rebuilt. The service still reads every node's content through ``caravan.access``.

The store is rebuilt when the data changes: :func:`current` compares a cheap stamp
(the newest change-feed row, resolution decision and resolution run) with the one it
was built at.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from caravan.analyze.network.types import IN_REPORT
from caravan.store.models import (
    ENTITY_MODELS,
    REPORT_MODELS,
    Agency,
    ChangeFeed,
    ResolutionDecision,
    ResolutionRun,
)

#: Node kinds by number (``GraphStore.kind`` holds the index).
KINDS: tuple[str, ...] = (*ENTITY_MODELS, *REPORT_MODELS, "profile")
KIND_INDEX = {k: i for i, k in enumerate(KINDS)}
PROFILE = KIND_INDEX["profile"]
REPORT_KINDS = frozenset(KIND_INDEX[k] for k in REPORT_MODELS)

#: Europol 4x4 grades by rank (0 is best); -1 is "not graded".
SOURCE_GRADES = "ABCX"
INFORMATION_GRADES = "1234"

_CHUNK = 200_000

#: Nodes with more adjacency entries than this are *heavy* (hubs: a dispatcher phone, a
#: report naming hundreds): views read their totals from :class:`Masks` and their links
#: to each other from :class:`Heavy` instead of walking their whole adjacency.
HEAVY_LINKS = 256


def _keys(hex_ids: Sequence[str]) -> np.ndarray:
    """32-hex-digit ids as an (n, 2) array of big-endian uint64 (sortable, exact)."""
    if not hex_ids:
        return np.zeros((0, 2), dtype=np.uint64)
    raw = bytes.fromhex("".join(hex_ids))
    return np.frombuffer(raw, dtype=">u8").astype(np.uint64).reshape(-1, 2)


def _as_void(keys: np.ndarray) -> np.ndarray:
    """Rows of ``_keys`` as one comparable scalar each (for sort and search)."""
    keys = np.ascontiguousarray(keys.astype(">u8"))
    return keys.view(np.dtype((np.void, 16))).ravel()


@dataclass
class Masks:
    """What readers of one agency may see and walk."""

    #: Records (positions in ``record_keys``) the agency may read.
    record: np.ndarray
    #: Nodes with at least one record the agency may read.
    node: np.ndarray
    #: Links (edges) the agency may read, whatever their ends.
    link: np.ndarray
    #: Edges that may be walked: a readable link between two readable nodes.
    walk: np.ndarray
    #: Per heavy node (``Heavy.nodes`` order): links the agency may walk, and distinct
    #: neighbours it may not read over links it may read (no filters).
    heavy_degree: np.ndarray
    heavy_hidden: np.ndarray


@dataclass
class Heavy:
    """The heavy nodes (more than :data:`HEAVY_LINKS` adjacency entries) and the edges
    between two of them, as an adjacency index over positions in ``nodes``."""

    #: Adjacency entries above which a node is heavy (:data:`HEAVY_LINKS` when built).
    threshold: int
    nodes: np.ndarray  # sorted node indices
    indptr: np.ndarray
    adj_node: np.ndarray
    adj_edge: np.ndarray

    def positions(self, nodes: np.ndarray) -> np.ndarray:
        """Positions in ``self.nodes`` of heavy ``nodes``."""
        return np.searchsorted(self.nodes, nodes)

    def among(self, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(neighbour, edge) of every edge from one of the heavy ``nodes`` to a heavy node."""
        _, nbr, edge = gather_csr(self.indptr, self.adj_node, self.adj_edge, self.positions(nodes))
        return nbr, edge


@dataclass
class GraphStore:
    """The graph's structure; see the module docstring. Build with :meth:`build`."""

    # --- nodes
    node_keys: np.ndarray  # (N,) void16 record / profile ids
    kind: np.ndarray  # (N,) int8 index into KINDS
    # --- records (every record; persons in a profile share that profile's node)
    record_keys: np.ndarray  # (R,) void16, sorted
    record_node: np.ndarray  # (R,) int32 node of each (sorted) record
    record_agency: np.ndarray  # (R,) int32
    record_open: np.ndarray  # (R,) bool: H0/H1
    record_code: np.ndarray  # (R,) int8 0..3 (H0..H3)
    #: SQLite's rowid of each record in its table (where content is read quickly), -1
    #: elsewhere; the service checks the id of what it reads there.
    record_rowid: np.ndarray
    # node → its records (CSR over positions in record_keys)
    node_record_ptr: np.ndarray
    node_records: np.ndarray
    # profiles (of two or more persons): sorted ids and their nodes
    profile_keys: np.ndarray
    profile_nodes: np.ndarray
    # --- edges
    src: np.ndarray  # (E,) int32
    dst: np.ndarray  # (E,) int32
    etype: np.ndarray  # (E,) int16 index into types
    types: tuple[str, ...]
    #: The link's id (void16); a co-occurrence edge has the report's id.
    edge_keys: np.ndarray
    edge_agency: np.ndarray  # (E,) int32 owner of the link (of the report, co-occurrence)
    edge_code: np.ndarray  # (E,) int8 handling code 0..3
    #: For co-occurrence edges, the report record (position) they are read with; else -1.
    edge_via: np.ndarray
    valid_from: np.ndarray  # (E,) int32 YYYYMMDD, 0 = open
    valid_to: np.ndarray  # (E,) int32
    source_grade: np.ndarray  # (E,) int8, -1 none
    info_grade: np.ndarray  # (E,) int8
    edge_report: np.ndarray  # (E,) int32 report node of a link's provenance, -1 none
    edge_rowid: np.ndarray  # (E,) SQLite rowid of a link, -1 (co-occurrence; elsewhere)
    # --- adjacency (both directions)
    indptr: np.ndarray  # (N+1,) int64
    adj_node: np.ndarray  # (2E,) int32
    adj_edge: np.ndarray  # (2E,) int32
    # --- recipients: agencies named by the owner, of records (positions) and links (edges)
    recipient_record: np.ndarray
    recipient_agency: np.ndarray
    recipient_edge: np.ndarray
    recipient_edge_agency: np.ndarray
    agency_codes: dict[int, str]
    stamp: tuple[Any, ...] = ()
    built_seconds: float = 0.0
    _masks: dict[int, Masks] = field(default_factory=dict, repr=False)
    _heavy: Heavy | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def node_count(self) -> int:
        return len(self.kind)

    @property
    def edge_count(self) -> int:
        return len(self.src)

    # ------------------------------------------------------------------ lookups

    def node_of(self, key: bytes) -> int:
        """Node index of a record or profile id (16 raw bytes), or -1."""
        value = np.frombuffer(key, dtype=np.dtype((np.void, 16)))
        pos = int(_positions(self.record_keys, value)[0])
        if pos >= 0:
            return int(self.record_node[pos])
        pos = int(_positions(self.profile_keys, value)[0])
        return int(self.profile_nodes[pos]) if pos >= 0 else -1

    def records_of(self, node: int) -> np.ndarray:
        """Positions (in ``record_keys``) of the records merged into ``node``."""
        return self.node_records[self.node_record_ptr[node] : self.node_record_ptr[node + 1]]

    def record_hex(self, positions: np.ndarray) -> list[str]:
        return [bytes(k).hex() for k in self.record_keys[positions]]

    def node_hex(self, node: int) -> str:
        return bytes(self.node_keys[node]).hex()

    # ------------------------------------------------------------------ visibility

    def masks(self, agency_id: int) -> Masks:
        """Visibility for readers of ``agency_id`` (computed once, then kept)."""
        with self._lock:
            found = self._masks.get(agency_id)
            if found is not None:
                return found
        readable = self.record_open | (self.record_agency == agency_id)
        readable[self.recipient_record[self.recipient_agency == agency_id]] = True
        node = np.zeros(self.node_count, dtype=bool)
        node[self.record_node[readable]] = True
        link = (self.edge_code <= 1) | (self.edge_agency == agency_id)
        link[self.recipient_edge[self.recipient_edge_agency == agency_id]] = True
        via = self.edge_via >= 0
        link[via] = readable[self.edge_via[via]]
        walk = link & node[self.src] & node[self.dst]
        heavy = self.heavy().nodes
        _, nbr, edge = self.gather(heavy)
        counts = self.indptr[heavy + 1] - self.indptr[heavy]
        hidden = link[edge] & ~node[nbr]
        made = Masks(
            record=readable,
            node=node,
            link=link,
            walk=walk,
            heavy_degree=count_runs(walk[edge], counts),
            heavy_hidden=distinct_per_owner(
                np.repeat(np.arange(len(heavy)), counts)[hidden], nbr[hidden], len(heavy)
            ),
        )
        with self._lock:
            self._masks[agency_id] = made
        return made

    def heavy(self) -> Heavy:
        """The heavy nodes and the edges among them (built once, then kept)."""
        found = self._heavy
        if found is not None:
            return found
        threshold = HEAVY_LINKS
        is_heavy = np.diff(self.indptr) > threshold
        nodes = np.flatnonzero(is_heavy)
        among = np.flatnonzero(is_heavy[self.src] & is_heavy[self.dst]).astype(np.int32)
        src = np.searchsorted(nodes, self.src[among]).astype(np.int32)
        dst = np.searchsorted(nodes, self.dst[among]).astype(np.int32)
        ends = np.concatenate([src, dst])
        order = np.argsort(ends, kind="stable")
        indptr = np.zeros(len(nodes) + 1, np.int64)
        np.cumsum(np.bincount(ends, minlength=len(nodes)), out=indptr[1:])
        made = Heavy(
            threshold=threshold,
            nodes=nodes,
            indptr=indptr,
            adj_node=nodes[np.concatenate([dst, src])[order]].astype(np.int32),
            adj_edge=np.concatenate([among, among])[order],
        )
        self._heavy = made
        return made

    def gather(self, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every adjacency entry of ``nodes``: (owner node, neighbour, edge), in one slice."""
        return gather_csr(self.indptr, self.adj_node, self.adj_edge, nodes)

    # ------------------------------------------------------------------ building

    @classmethod
    def build(cls, session: Session) -> GraphStore:
        """Read the structure of every record, link and profile (no content)."""
        started = time.perf_counter()
        stamp = freshness(session)
        dialect = session.get_bind().dialect.name
        sql = _SQL(dialect)
        kinds: list[np.ndarray] = []
        keys: list[np.ndarray] = []
        agencies: list[np.ndarray] = []
        codes: list[np.ndarray] = []
        rowids: list[np.ndarray] = []
        report_cols: dict[int, list[np.ndarray]] = {}
        for name, model in (*ENTITY_MODELS.items(), *REPORT_MODELS.items()):
            kind = KIND_INDEX[name]
            select_list = [sql.hex("id"), "agency_id", sql.code("handling_code"), sql.rowid]
            if kind in REPORT_KINDS:
                select_list += [
                    sql.day("date"),
                    sql.day("date", end=True),
                    sql.rank("source_grade", SOURCE_GRADES),
                    sql.rank("information_grade", INFORMATION_GRADES),
                ]
            table = model.__tablename__  # type: ignore[attr-defined]
            parts: list[list[np.ndarray]] = [[] for _ in select_list]
            query = f"SELECT {', '.join(select_list)} FROM {table}"  # noqa: S608 - our names only
            for rows in _rows(session, query):
                cols = list(zip(*rows, strict=True))
                parts[0].append(_keys(cols[0]))
                for i in range(1, len(select_list)):
                    parts[i].append(np.asarray(cols[i], dtype=np.int64 if i == 3 else np.int32))
            if not parts[0]:
                continue
            block = np.concatenate(parts[0])
            keys.append(block)
            kinds.append(np.full(len(block), kind, dtype=np.int8))
            agencies.append(np.concatenate(parts[1]))
            codes.append(np.concatenate(parts[2]).astype(np.int8))
            rowids.append(np.concatenate(parts[3]))
            if kind in REPORT_KINDS:
                report_cols[kind] = [np.concatenate(p) for p in parts[4:]]
        record_keys = np.concatenate(keys) if keys else np.zeros((0, 2), np.uint64)
        record_kind = np.concatenate(kinds) if kinds else np.zeros(0, np.int8)
        record_agency = np.concatenate(agencies) if agencies else np.zeros(0, np.int32)
        record_code = np.concatenate(codes) if codes else np.zeros(0, np.int8)
        record_rowid = np.concatenate(rowids) if rowids else np.zeros(0, np.int64)
        # Report dates and grades per record (only reports have them), for co-occurrence.
        record_date = np.zeros(len(record_kind), np.int32)
        record_date_end = np.zeros(len(record_kind), np.int32)
        record_sg = np.full(len(record_kind), -1, np.int8)
        record_ig = np.full(len(record_kind), -1, np.int8)
        for report_kind, (first, last, sg, ig) in report_cols.items():
            where = np.flatnonzero(record_kind == report_kind)
            record_date[where], record_date_end[where] = first, last
            record_sg[where], record_ig[where] = sg, ig

        voids = _as_void(record_keys)
        order = np.argsort(voids, kind="stable")
        voids, record_kind, record_agency, record_code, record_rowid = (
            voids[order],
            record_kind[order],
            record_agency[order],
            record_code[order],
            record_rowid[order],
        )
        record_date, record_date_end = record_date[order], record_date_end[order]
        record_sg, record_ig = record_sg[order], record_ig[order]
        rcount = len(voids)

        # Profiles of two or more persons: one node each.
        member_rows = [
            row
            for rows in _rows(
                session,
                f"SELECT {sql.hex('m.person_id')}, {sql.hex('m.profile_id')} "  # noqa: S608
                "FROM profile_member m JOIN profile p ON p.id = m.profile_id WHERE p.size > 1",
            )
            for row in rows
        ]
        record_node = np.full(rcount, -1, np.int64)
        profile_voids = np.zeros(0, dtype=voids.dtype)
        if member_rows:
            person_pos = _positions(voids, _as_void(_keys([r[0] for r in member_rows])))
            profile_keys = _as_void(_keys([r[1] for r in member_rows]))
            profile_voids, profile_of = np.unique(profile_keys, return_inverse=True)
            known = person_pos >= 0
            record_node[person_pos[known]] = rcount + profile_of[known]
        # Every other record is its own node; renumber nodes densely.
        alone = record_node < 0
        record_node[alone] = np.flatnonzero(alone)
        used, record_node = np.unique(record_node, return_inverse=True)
        record_node = record_node.astype(np.int32)
        node_count = len(used)
        is_profile = used >= rcount
        node_keys = np.empty(node_count, dtype=voids.dtype)
        node_keys[~is_profile] = voids[used[~is_profile]]
        node_keys[is_profile] = profile_voids[used[is_profile] - rcount]
        node_kind = np.empty(node_count, np.int8)
        node_kind[~is_profile] = record_kind[used[~is_profile]]
        node_kind[is_profile] = PROFILE
        node_order = np.argsort(record_node, kind="stable")
        node_record_ptr = np.zeros(node_count + 1, np.int64)
        np.cumsum(np.bincount(record_node, minlength=node_count), out=node_record_ptr[1:])
        profile_nodes = np.flatnonzero(is_profile).astype(np.int32)
        profile_sorted = np.argsort(node_keys[profile_nodes])

        links = _read_links(session, sql, voids)
        src_node = record_node[links["src"]]
        dst_node = record_node[links["dst"]]
        report_rec = links["report"]
        report_node = np.where(report_rec >= 0, record_node[np.maximum(report_rec, 0)], -1)
        types = list(links["types"])

        # Co-occurrence: each end of a link recorded in a report, and that report; read
        # with the report's visibility, dated and graded as the report. One edge per
        # (record, report), none where a link already joins the two.
        has_report = np.flatnonzero(report_rec >= 0)
        cooc_node = np.concatenate([src_node[has_report], dst_node[has_report]])
        cooc_rec = np.concatenate([report_rec[has_report]] * 2)
        cooc_report = record_node[cooc_rec]
        pair = cooc_node.astype(np.int64) * node_count + cooc_report
        direct = np.concatenate(
            [
                src_node.astype(np.int64) * node_count + dst_node,
                dst_node.astype(np.int64) * node_count + src_node,
            ]
        )
        direct.sort()
        found_at = np.minimum(np.searchsorted(direct, pair), max(len(direct) - 1, 0))
        linked = direct[found_at] == pair if len(direct) else np.zeros(len(pair), bool)
        keep = (cooc_node != cooc_report) & ~linked
        _, first = np.unique(pair[keep], return_index=True)
        chosen = np.flatnonzero(keep)[first]
        cooc_node, cooc_rec, cooc_report = cooc_node[chosen], cooc_rec[chosen], cooc_report[chosen]
        types.append(IN_REPORT)
        n_links, n_cooc = len(src_node), len(chosen)

        columns = {
            "src": np.concatenate([src_node, cooc_node]),
            "dst": np.concatenate([dst_node, cooc_report]),
            "etype": np.concatenate([links["etype"], np.full(n_cooc, len(types) - 1, np.int16)]),
            "keys": np.concatenate([links["keys"], voids[cooc_rec]]),
            "agency": np.concatenate([links["agency"], record_agency[cooc_rec]]),
            "code": np.concatenate([links["code"], record_code[cooc_rec]]),
            "via": np.concatenate([np.full(n_links, -1, np.int64), cooc_rec]),
            "from": np.concatenate([links["from"], record_date[cooc_rec]]),
            "to": np.concatenate([links["to"], record_date_end[cooc_rec]]),
            "sg": np.concatenate([links["sg"], record_sg[cooc_rec]]),
            "ig": np.concatenate([links["ig"], record_ig[cooc_rec]]),
            "report": np.concatenate([report_node, np.full(n_cooc, -1)]),
            "link": np.concatenate([np.arange(n_links), np.full(n_cooc, -1)]),
            "rowid": np.concatenate([links["rowid"], np.full(n_cooc, -1)]),
        }
        # Self-links (a record linked to itself, or two records of one profile) are dropped.
        real = columns["src"] != columns["dst"]
        columns = {name: values[real] for name, values in columns.items()}
        edge_src = columns["src"].astype(np.int32)
        edge_dst = columns["dst"].astype(np.int32)
        indptr, adj_node, adj_edge = _adjacency(edge_src, edge_dst, node_count)

        recipients = [
            row
            for rows in _rows(
                session,
                f"SELECT {sql.hex('record_id')}, agency_id FROM record_recipient",  # noqa: S608
            )
            for row in rows
        ]
        named = _as_void(_keys([r[0] for r in recipients]))
        named_agency = np.asarray([r[1] for r in recipients], dtype=np.int32)
        on_record = _positions(voids, named)
        # Recipients of links: find each named id among the kept links.
        link_order = np.argsort(columns["keys"][columns["link"] >= 0])
        kept_links = np.flatnonzero(columns["link"] >= 0)
        on_link_sorted = _positions(columns["keys"][kept_links][link_order], named)
        on_edge = np.where(on_link_sorted >= 0, kept_links[link_order][on_link_sorted], -1)
        store = cls(
            node_keys=node_keys,
            kind=node_kind,
            record_keys=voids,
            record_node=record_node,
            record_agency=record_agency,
            record_open=record_code <= 1,
            record_code=record_code,
            record_rowid=_compact(record_rowid),
            node_record_ptr=node_record_ptr,
            node_records=node_order.astype(np.int32),
            profile_keys=node_keys[profile_nodes][profile_sorted],
            profile_nodes=profile_nodes[profile_sorted],
            src=edge_src,
            dst=edge_dst,
            etype=columns["etype"].astype(np.int16),
            types=tuple(types),
            edge_keys=columns["keys"],
            edge_agency=columns["agency"].astype(np.int32),
            edge_code=columns["code"].astype(np.int8),
            edge_via=columns["via"].astype(np.int32),
            valid_from=columns["from"].astype(np.int32),
            valid_to=columns["to"].astype(np.int32),
            source_grade=columns["sg"].astype(np.int8),
            info_grade=columns["ig"].astype(np.int8),
            edge_report=columns["report"].astype(np.int32),
            edge_rowid=_compact(columns["rowid"]),
            indptr=indptr,
            adj_node=adj_node,
            adj_edge=adj_edge,
            recipient_record=on_record[on_record >= 0].astype(np.int32),
            recipient_agency=named_agency[on_record >= 0],
            recipient_edge=on_edge[on_edge >= 0].astype(np.int32),
            recipient_edge_agency=named_agency[on_edge >= 0],
            agency_codes={r.id: r.code for r in session.execute(select(Agency.id, Agency.code))},
            stamp=stamp,
        )
        store.built_seconds = time.perf_counter() - started
        return store


def gather_csr(
    indptr: np.ndarray, adj_node: np.ndarray, adj_edge: np.ndarray, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every entry of ``rows`` of an adjacency index: (row, neighbour, edge), grouped by
    row in ``rows`` order, in one vectorised slice."""
    starts = indptr[rows]
    counts = indptr[rows + 1] - starts
    total = int(counts.sum())
    if total == 0:
        empty = np.zeros(0, np.int32)
        return empty, empty, empty
    offsets = np.repeat(starts - (np.cumsum(counts) - counts), counts)
    index = np.arange(total, dtype=np.int64) + offsets
    return np.repeat(rows, counts), adj_node[index], adj_edge[index]


def count_runs(flags: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """How many of ``flags`` are set in each consecutive run of ``counts`` entries."""
    running = np.concatenate([[0], np.cumsum(flags, dtype=np.int64)])
    ends = np.cumsum(counts)
    return running[ends] - running[ends - counts]


def distinct_per_owner(owner: np.ndarray, other: np.ndarray, owners: int) -> np.ndarray:
    """For each owner ``0 … owners - 1``: how many distinct ``other`` it has."""
    if len(owner) == 0:
        return np.zeros(owners, dtype=np.int64)
    span = int(other.max()) + 1
    pairs = np.unique(owner.astype(np.int64) * span + other)
    return np.bincount(pairs // span, minlength=owners)


def _positions(sorted_voids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Position of each wanted id in ``sorted_voids``, -1 where absent."""
    if len(sorted_voids) == 0:
        return np.full(len(wanted), -1, np.int64)
    pos = np.searchsorted(sorted_voids, wanted)
    pos = np.minimum(pos, len(sorted_voids) - 1)
    return np.where(sorted_voids[pos] == wanted, pos, -1)


def _read_links(session: Session, sql: _SQL, voids: np.ndarray) -> dict[str, Any]:
    """Every link whose two ends exist, as arrays (ends as record positions). Codes,
    grades, dates and types are turned into numbers by the database, not row by row."""
    types = [
        row[0] for rows in _rows(session, "SELECT DISTINCT link_type FROM link") for row in rows
    ]
    type_case = " ".join(f"WHEN {_quote(t)} THEN {i}" for i, t in enumerate(types))
    columns = [
        sql.hex("id"),
        "agency_id",
        sql.code("handling_code"),
        f"CASE link_type {type_case} ELSE -1 END" if types else "-1",
        sql.hex("from_id"),
        sql.hex("to_id"),
        sql.day("valid_from"),
        sql.day("valid_to", end=True),
        f"COALESCE({sql.hex('report_id')}, '')",
        sql.rank("source_grade", SOURCE_GRADES),
        sql.rank("information_grade", INFORMATION_GRADES),
        sql.rowid,
    ]
    names = (
        *("keys", "agency", "code", "etype", "src", "dst"),
        *("from", "to", "report", "sg", "ig", "rowid"),
    )
    parts: dict[str, list[np.ndarray]] = {k: [] for k in names}
    query = f"SELECT {', '.join(columns)} FROM link"  # noqa: S608 - our expressions only
    for rows in _rows(session, query):
        cols = list(zip(*rows, strict=True))
        parts["keys"].append(_as_void(_keys(cols[0])))
        for i, name in ((1, "agency"), (2, "code"), (3, "etype"), (6, "from"), (7, "to")):
            parts[name].append(np.asarray(cols[i], dtype=np.int32))
        for i, name in ((9, "sg"), (10, "ig")):
            parts[name].append(np.asarray(cols[i], dtype=np.int8))
        parts["rowid"].append(np.asarray(cols[11], dtype=np.int64))
        parts["src"].append(_positions(voids, _as_void(_keys(cols[4]))))
        parts["dst"].append(_positions(voids, _as_void(_keys(cols[5]))))
        reports = cols[8]
        has = [i for i, r in enumerate(reports) if r]
        report = np.full(len(rows), -1, np.int64)
        if has:
            report[has] = _positions(voids, _as_void(_keys([reports[i] for i in has])))
        parts["report"].append(report)
    void16 = np.dtype((np.void, 16))
    got = {
        k: np.concatenate(v) if v else np.zeros(0, void16 if k == "keys" else np.int64)
        for k, v in parts.items()
    }
    got["etype"] = got["etype"].astype(np.int16)
    got["code"] = got["code"].astype(np.int8)
    # A link to a record that no longer exists is left out (the record was deleted).
    keep = (got["src"] >= 0) & (got["dst"] >= 0)
    result: dict[str, Any] = {k: v[keep] for k, v in got.items()}
    result["types"] = tuple(types)
    return result


def _compact(values: np.ndarray) -> np.ndarray:
    """Integers as int32 where they fit (rowids mostly do), else as they are."""
    if len(values) == 0 or (values.min() >= -(2**31) and values.max() < 2**31):
        return values.astype(np.int32)
    return values


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class _SQL:
    """Expressions that let the database hand over numbers instead of strings."""

    def __init__(self, dialect: str) -> None:
        self.sqlite = dialect == "sqlite"

    @property
    def rowid(self) -> str:
        """SQLite's rowid of a row (-1 elsewhere: PostgreSQL has no stable one)."""
        return "rowid" if self.sqlite else "-1"

    def hex(self, column: str) -> str:
        """A UUID as 32 hex digits (SQLite already stores it so)."""
        return column if self.sqlite else f"replace(CAST({column} AS TEXT), '-', '')"

    @staticmethod
    def code(column: str) -> str:
        return f"CASE {column} WHEN 'H0' THEN 0 WHEN 'H1' THEN 1 WHEN 'H2' THEN 2 ELSE 3 END"

    @staticmethod
    def rank(column: str, scale: str) -> str:
        cases = " ".join(f"WHEN '{letter}' THEN {i}" for i, letter in enumerate(scale))
        return f"CASE {column} {cases} ELSE -1 END"

    @staticmethod
    def day(column: str, end: bool = False) -> str:
        """An ISO (partial) date as YYYYMMDD: a year or month starts on its first day,
        or with ``end`` ends on its last (day 31 serves every month); 0 for none."""
        if end:
            full = (
                f"CASE length({column}) WHEN 4 THEN {column} || '-12-31' "
                f"WHEN 7 THEN {column} || '-31' ELSE {column} END"
            )
        else:
            full = f"substr({column} || '-01-01', 1, 10)"
        return f"COALESCE(CAST(replace({full}, '-', '') AS INTEGER), 0)"


def _rows(session: Session, query: str) -> Iterator[list[Any]]:
    """Rows of ``query`` in chunks, straight from the driver's cursor (no row objects;
    a server-side cursor on PostgreSQL, so memory stays flat)."""
    raw: Any = session.connection().connection.driver_connection
    sqlite = session.get_bind().dialect.name == "sqlite"
    cursor = raw.cursor() if sqlite else raw.cursor(name=f"caravan_graph_{uuid.uuid4().hex[:12]}")
    try:
        cursor.execute(query)
        while rows := cursor.fetchmany(_CHUNK):
            yield rows
    finally:
        cursor.close()


def _adjacency(src: np.ndarray, dst: np.ndarray, nodes: int) -> tuple[np.ndarray, ...]:
    ends = np.concatenate([src, dst])
    others = np.concatenate([dst, src])
    edge_ids = np.concatenate([np.arange(len(src), dtype=np.int32)] * 2)
    order = np.argsort(ends, kind="stable")
    indptr = np.zeros(nodes + 1, np.int64)
    np.cumsum(np.bincount(ends, minlength=nodes), out=indptr[1:])
    return indptr, others[order].astype(np.int32), edge_ids[order]


def freshness(session: Session) -> tuple[Any, ...]:
    """A cheap stamp that changes whenever records, links or profiles change (ids with
    their times: an emptied and refilled table reuses ids, not times)."""
    feed = session.execute(
        select(ChangeFeed.id, ChangeFeed.at).order_by(ChangeFeed.id.desc()).limit(1)
    ).first()
    decision = session.execute(
        select(ResolutionDecision.id, ResolutionDecision.at)
        .order_by(ResolutionDecision.id.desc())
        .limit(1)
    ).first()
    runs = session.execute(
        select(func.count(), func.max(ResolutionRun.finished_at)).select_from(ResolutionRun)
    ).first()
    return (tuple(feed or ()), tuple(decision or ()), tuple(runs or ()))


#: A graph that took longer than this to build is rebuilt in the background when the data
#: changes, and the last one serves meanwhile (saying so); a quicker one is rebuilt at once.
SYNC_REBUILD_SECONDS = 3.0

_current: dict[str, GraphStore] = {}
_build_lock = threading.Lock()
_refreshing: dict[str, threading.Thread] = {}


def current(session: Session) -> GraphStore:
    """The graph of the session's database, rebuilt when its data has changed.

    A large graph is refreshed in a background thread while the one built before serves
    (``refreshing`` is then true): what a user sees of each node is read from the
    database through ``caravan.access`` either way, so a refresh delays only changes to
    the network's shape, never lets restricted content through.
    """
    engine = session.get_bind().engine
    key = str(engine.url)
    stamp = freshness(session)
    found = _current.get(key)
    if found is not None and found.stamp == stamp:
        return found
    if found is not None and found.built_seconds > SYNC_REBUILD_SECONDS:
        _refresh_in_background(engine, key)
        return found
    with _build_lock:
        found = _current.get(key)
        if found is not None and found.stamp == freshness(session):
            return found
        store = GraphStore.build(session)
        _current[key] = store
        return store


def refreshing(store: GraphStore) -> bool:
    """True while a newer graph than ``store`` is being built."""
    return any(
        thread.is_alive() and _current.get(key) is store for key, thread in _refreshing.items()
    )


def _refresh_in_background(engine: Any, key: str) -> None:
    with _build_lock:
        running = _refreshing.get(key)
        if running is not None and running.is_alive():
            return

        def rebuild() -> None:
            with Session(engine) as session:
                store = GraphStore.build(session)
            with _build_lock:
                _current[key] = store

        thread = threading.Thread(target=rebuild, name="caravan-graph-refresh", daemon=True)
        _refreshing[key] = thread
        thread.start()


def wait_for_refresh(timeout: float | None = None) -> None:
    """Wait for background refreshes to finish (tests, benchmarks)."""
    for thread in list(_refreshing.values()):
        thread.join(timeout)


def forget() -> None:
    """Drop every cached graph (tests; after a restore)."""
    wait_for_refresh()
    _current.clear()
