"""Link analysis for a user: expand, find paths, connect groups, rank, timelines, export.

Every function takes the acting :class:`~caravan.access.Principal`. The walk itself uses
the graph's structure (:mod:`.store`), restricted to what the principal's agency may
read; what the user then sees of each node and link — names, numbers, dates — is read
from the database through ``caravan.access``, so nothing reaches a view that the
visibility rule would not return.

A record the user may not read never appears as content. Where a readable link leads
to one, the view shows a *hit notice* node instead: one per node and owner agency,
saying only that this agency holds linked records and their handling code — the same
answer a hit/no-hit check gives.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
from sqlalchemy import (
    ARRAY,
    Integer,
    String,
    Uuid,
    any_,
    bindparam,
    cast,
    func,
    literal_column,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session

from caravan import audit
from caravan.access import RESTRICTED_CODES, Principal, require, visible
from caravan.analyze.network import ops
from caravan.analyze.network.export import ExportFormat, render
from caravan.analyze.network.store import (
    KIND_INDEX,
    KINDS,
    PROFILE,
    GraphStore,
    current,
    refreshing,
)
from caravan.analyze.network.types import (
    HANDLING_ORDER,
    IN_REPORT,
    Analysis,
    Edge,
    Filters,
    GraphView,
    Node,
    PathResult,
    TimelineItem,
    Truncation,
    invalid,
    make_edge,
    make_node,
)
from caravan.domain.dates import parse_partial_date
from caravan.errors import NotFound
from caravan.store.models import (
    ENTITY_MODELS,
    REPORT_MODELS,
    IdentityDocument,
    IntelReport,
    Link,
    Location,
    Organisation,
    Person,
    Phone,
    RecordMixin,
    SeizureReport,
    Vehicle,
)

#: Links shown per expanded node before "showing N of M".
DEFAULT_CAP = 200
MAX_CAP = 5_000
#: Nodes in one view (the chart stays fluid at this size).
DEFAULT_MAX_NODES = 2_500
MAX_NODES = 10_000
MAX_HOPS = 6
MAX_PATH_HOPS = 12
MAX_PATHS = 10
MAX_GROUP = 200
NOTICE = "notice"
RESTRICTED = "restricted"

_IN = 500
#: Ids per query (an expanding parameter; SQLite allows 32,766 parameters).
_CHUNK_IDS = 5_000
_MODELS: dict[str, type[RecordMixin]] = {**ENTITY_MODELS, **REPORT_MODELS}


# ---------------------------------------------------------------------- node ids


def _dashed(h: str) -> str:
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def node_id(store: GraphStore, node: int) -> str:
    return f"{KINDS[store.kind[node]]}:{_dashed(store.node_hex(node))}"


def _node_ids(store: GraphStore, nodes: np.ndarray) -> dict[int, str]:
    """Ids of many nodes at once."""
    keys = store.node_keys[nodes].tobytes().hex()
    kinds = store.kind[nodes].tolist()
    return {
        n: f"{KINDS[k]}:{_dashed(keys[32 * i : 32 * i + 32])}"
        for i, (n, k) in enumerate(zip(nodes.tolist(), kinds, strict=True))
    }


def _parse(ref: str) -> tuple[str | None, uuid.UUID]:
    text = (ref or "").strip()
    kind: str | None = None
    if ":" in text:
        kind, _, text = text.partition(":")
        if kind not in KINDS:
            raise invalid("node", f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}", ref)
    try:
        return kind, uuid.UUID(text)
    except ValueError:
        raise invalid(
            "node", f"{ref!r} is not an entity id (a UUID, or kind:UUID such as person:…)", ref
        ) from None


@dataclass
class _Request:
    session: Session
    principal: Principal
    store: GraphStore
    walker: ops.Walker
    #: Restricted (H2/H3) records and links this request showed, for the audit log.
    restricted: list[str] = field(default_factory=list)

    def audit_reads(self, where: str) -> None:
        """Every read of H2/H3 data is audited: one event per answer naming what it showed
        (as lists and record panels do)."""
        if self.restricted:
            audit.append(
                self.session,
                "record.list",
                principal=self.principal,
                detail=where,
                after={"records": sorted(set(self.restricted))},
            )
            self.restricted.clear()

    def index(self, ref: str) -> int:
        """The node a user's reference names, if the user may see it."""
        kind, key = _parse(ref)
        node = self.store.node_of(key.bytes)
        if node >= 0 and kind is not None:
            actual = KINDS[self.store.kind[node]]
            # A person record in a profile is shown as its profile.
            if actual != kind and not (kind == "person" and actual == "profile"):
                node = -1
        if node < 0 or not self.walker.masks.node[node]:
            raise NotFound(f"No entity {ref} that you may see")
        return node

    def indices(self, refs: Sequence[str], field: str, limit: int) -> np.ndarray:
        if not refs:
            raise invalid(field, "give at least one node id")
        if len(refs) > limit:
            raise invalid(field, f"at most {limit:,} nodes, got {len(refs):,}")
        return np.unique(np.asarray([self.index(r) for r in refs], dtype=np.int32))


def _request(session: Session, principal: Principal, filters: Filters | None) -> _Request:
    require(principal, "graph.read")
    store = current(session)
    walker = ops.Walker(store, store.masks(principal.agency_id), filters or Filters())
    return _Request(session, principal, store, walker)


def _bounded(value: int, field: str, low: int, high: int) -> int:
    if not low <= value <= high:
        raise invalid(field, f"{value} is out of range ({low}–{high})", value)
    return value


# ---------------------------------------------------------------------- operations


def neighbours(
    session: Session,
    principal: Principal,
    nodes: str | Sequence[str],
    *,
    hops: int = 1,
    filters: Filters | None = None,
    cap: int = DEFAULT_CAP,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> GraphView:
    """Everything within ``hops`` links of ``nodes``; each node shows at most ``cap`` links
    (a hub says "showing N of M"), the view at most ``max_nodes`` nodes."""
    refs = [nodes] if isinstance(nodes, str) else list(nodes)
    _bounded(hops, "hops", 1, MAX_HOPS)
    _bounded(cap, "cap", 1, MAX_CAP)
    _bounded(max_nodes, "max_nodes", 1, MAX_NODES)
    req = _request(session, principal, filters)
    starts = req.indices(refs, "nodes", MAX_NODES)
    found = ops.expand(req.walker, starts, hops, cap, max_nodes)
    view = _view(req, found.nodes, None, focus=starts, notices_for=found.expanded)
    view.truncated = [
        Truncation(node_id(req.store, n), shown, total) for n, shown, total in found.truncated
    ]
    if found.limited:
        view.messages.append(
            f"The view reached its limit of {max_nodes:,} nodes; narrow it with filters "
            "or expand from fewer nodes."
        )
    return view


def subgraph(session: Session, principal: Principal, nodes: Sequence[str]) -> GraphView:
    """The given nodes that still exist and that the user may see, with the links among
    them (reopening a saved chart, exporting one). Others are left out and counted.
    Notice ids among ``nodes`` are kept while their node still has such records."""
    req = _request(session, principal, None)
    if len(nodes) > MAX_NODES:
        raise invalid("nodes", f"at most {MAX_NODES:,} nodes, got {len(nodes):,}")
    found: list[int] = []
    notices: set[str] = set()
    missing = 0
    for ref in dict.fromkeys(nodes):
        if ref.startswith(f"{NOTICE}:"):
            notices.add(ref)
            continue
        try:
            found.append(req.index(ref))
        except NotFound:
            missing += 1
    indices = np.unique(np.asarray(found, dtype=np.int32))
    view = _view(
        req,
        indices,
        None,
        focus=np.zeros(0, int),
        notices_for=indices if notices else None,
    )
    if notices:
        view.nodes = [n for n in view.nodes if not n.notice or n.id in notices]
        view.edges = [e for e in view.edges if e.type != RESTRICTED or e.target in notices]
        missing += len(notices - {n.id for n in view.nodes})
    if missing:
        view.messages.append(
            f"{missing:,} node(s) are no longer there or no longer visible to you."
        )
    return view


def paths(
    session: Session,
    principal: Principal,
    a: str,
    b: str,
    *,
    k: int = 1,
    max_hops: int = 8,
    filters: Filters | None = None,
) -> PathResult:
    """The ``k`` shortest paths from ``a`` to ``b`` over links the user may see."""
    _bounded(k, "k", 1, MAX_PATHS)
    _bounded(max_hops, "max_hops", 1, MAX_PATH_HOPS)
    req = _request(session, principal, filters)
    start, end = req.index(a), req.index(b)
    found = ops.k_shortest_paths(req.walker, start, end, k, max_hops)
    on = np.unique(np.asarray([n for p in found for n in p] or [start, end], dtype=np.int32))
    steps = {(min(p[i], p[i + 1]), max(p[i], p[i + 1])) for p in found for i in range(len(p) - 1)}
    edges = [
        e
        for e in ops.induced_edges(req.walker, on)
        if (min(req.store.src[e], req.store.dst[e]), max(req.store.src[e], req.store.dst[e]))
        in steps
    ]
    view = _view(req, on, np.asarray(edges, dtype=np.int64), focus=np.array([start, end]))
    ids = [[node_id(req.store, n) for n in p] for p in found]
    message = (
        ""
        if found
        else f"No path of at most {max_hops} links between {a} and {b} over links you may see."
    )
    return PathResult(paths=ids, view=view, message=message)


def connect(
    session: Session,
    principal: Principal,
    group_a: Sequence[str],
    group_b: Sequence[str],
    *,
    max_hops: int = 6,
    filters: Filters | None = None,
) -> GraphView:
    """What connects group A to group B: every node and link on their shortest connections."""
    _bounded(max_hops, "max_hops", 1, MAX_PATH_HOPS)
    req = _request(session, principal, filters)
    a = req.indices(group_a, "a", MAX_GROUP)
    b = req.indices(group_b, "b", MAX_GROUP)
    on, edges, length = ops.connect(req.walker, a, b, max_hops)
    nodes = np.unique(np.concatenate([a, b, on]))
    view = _view(req, nodes, edges, focus=np.concatenate([a, b]))
    if length < 0:
        view.messages.append(
            f"Nothing connects the two groups within {max_hops} links that you may see."
        )
    else:
        view.messages.append(f"The groups are {length} link(s) apart.")
    return view


def analyse(session: Session, principal: Principal, nodes: Sequence[str]) -> Analysis:
    """Leiden communities and centrality (degree, betweenness, eigenvector, k-core) of
    ``nodes`` over the visible links among them — a chart's key players."""
    req = _request(session, principal, None)
    indices = req.indices(nodes, "nodes", MAX_NODES)
    ranked = ops.rank(req.walker, indices)
    ids = [node_id(req.store, n) for n in indices]
    measures = {
        "degree": ranked.degree,
        "betweenness": ranked.betweenness,
        "eigenvector": ranked.eigenvector,
        "kcore": ranked.kcore,
    }
    return Analysis(
        communities={i: int(c) for i, c in zip(ids, ranked.communities, strict=True)},
        centrality={
            name: {i: round(float(v), 6) for i, v in zip(ids, values, strict=True)}
            for name, values in measures.items()
        },
        modularity=ranked.modularity,
    )


# ---------------------------------------------------------------------- what the user sees


def _person_label(row: Any) -> str:
    name = " ".join(p for p in (row.surname, row.given_name, row.patronymic) if p)
    return f"{name} ({row.birth_date[:4]})" if row.birth_date else name


#: Per kind: the columns a label needs and how to write it.
_LABELS: dict[str, tuple[tuple[Any, ...], Callable[[Any], str]]] = {
    "person": (
        (Person.surname, Person.given_name, Person.patronymic, Person.birth_date),
        _person_label,
    ),
    "organisation": ((Organisation.name, Organisation.country), lambda r: r.name),
    "vehicle": (
        (Vehicle.plate, Vehicle.make, Vehicle.model),
        lambda r: " ".join(p for p in (r.plate, r.make, r.model) if p),
    ),
    "phone": ((Phone.e164,), lambda r: r.e164),
    "document": (
        (IdentityDocument.number, IdentityDocument.issuing_country),
        lambda r: f"{r.number} ({r.issuing_country})" if r.issuing_country else r.number,
    ),
    "location": (
        (Location.name, Location.address, Location.city),
        lambda r: ", ".join(p for p in (r.name, r.address, r.city) if p),
    ),
    "seizure": (
        (SeizureReport.date, SeizureReport.drug_code, SeizureReport.quantity, SeizureReport.unit),
        lambda r: f"{r.drug_code.replace('_', ' ')} {r.quantity.normalize():f} {r.unit}",
    ),
    "report": ((IntelReport.date, IntelReport.title), lambda r: r.title),
}


#: Built statements of :func:`_rows_by_ids`, by model, columns, reader and dialect: a
#: view reads up to a dozen kinds, and building the same access clause for each on every
#: request cost as much as running it. Emptied when it holds :data:`_MAX_STATEMENTS`.
_STATEMENTS: dict[tuple[Any, ...], Any] = {}
_MAX_STATEMENTS = 4096


def _by_ids_statement(model: Any, columns: Sequence[Any], dialect: str) -> Any:
    """``SELECT hid, *columns FROM model WHERE id IN (the ids given as "ids")``, with
    ``hid`` the id as 32 hex digits. The ids travel as one parameter (a JSON array on
    SQLite, an array on PostgreSQL), so a long list costs no per-value SQL rendering.
    ``sqlite-rowid``: the same, with SQLite rowids given instead of ids."""
    if dialect.startswith("sqlite"):
        # SQLite keeps UUIDs as 32 hex digits: compare and read them as text.
        id_column = type_coerce(model.id, String)
        given = func.json_each(bindparam("ids", type_=String)).table_valued("value")
        where = (
            literal_column(f"{model.__table__.name}.rowid", Integer)
            if dialect == "sqlite-rowid"
            else id_column
        )
        return select(id_column.label("hid"), *columns).where(where.in_(select(given.c.value)))
    hid = func.replace(cast(model.id, String), "-", "")
    if dialect == "postgresql":
        ids = cast(bindparam("ids", type_=ARRAY(String)), ARRAY(Uuid()))
        return select(hid.label("hid"), *columns).where(model.id == any_(ids))
    return select(hid.label("hid"), *columns).where(model.id.in_(bindparam("ids", expanding=True)))


def _rows_by_ids(
    req: _Request,
    model: Any,
    columns: Sequence[Any],
    hexes: list[str],
    rowids: list[int] | None = None,
) -> list[Any]:
    """Rows ``(hid, *columns)`` of ``model`` with these ids (32-digit hex, ``hid`` too)
    that the user may read, through ``caravan.access``: one cached statement per model,
    reader and dialect, run as a Core statement (columns, not entities: no ORM loading
    per row) and fetched at once.

    ``rowids``: where SQLite kept these rows when the graph was built (the store's). A
    row is then read by its rowid — its table page, no walk through the id index — and
    kept only if it still has the id asked for; ids not found so (a row since deleted,
    moved by a VACUUM, or not readable) are asked for by id."""
    if not hexes:
        return []
    connection = req.session.connection()
    if rowids is not None and connection.dialect.name == "sqlite":
        rows = _run_by_ids(req, connection, model, columns, rowids, "sqlite-rowid")
        wanted = set(hexes)
        rows = [row for row in rows if row[0] in wanted]
        got = {row[0] for row in rows}
        if len(got) < len(wanted):
            rows.extend(_rows_by_ids(req, model, columns, [h for h in hexes if h not in got]))
        return rows
    return _run_by_ids(req, connection, model, columns, hexes, connection.dialect.name)


def _run_by_ids(
    req: _Request,
    connection: Any,
    model: Any,
    columns: Sequence[Any],
    ids: Sequence[Any],
    dialect: str,
) -> list[Any]:
    """Run :func:`_by_ids_statement` for ``dialect``, restricted by ``caravan.access``
    (built once per model, columns, reader and dialect), in chunks of ids."""
    key = (model, tuple(columns), req.principal, dialect)
    stmt = _STATEMENTS.get(key)
    if stmt is None:
        if len(_STATEMENTS) >= _MAX_STATEMENTS:
            _STATEMENTS.clear()
        stmt = _by_ids_statement(model, columns, dialect)
        stmt = _STATEMENTS[key] = visible(stmt, model, req.principal)
    rows: list[Any] = []
    for start in range(0, len(ids), _CHUNK_IDS):
        part = ids[start : start + _CHUNK_IDS]
        if dialect.startswith("sqlite"):
            params: Any = json.dumps(part)
        elif dialect == "postgresql":
            params = part
        else:
            params = [uuid.UUID(h) for h in part]
        rows.extend(connection.execute(stmt, {"ids": params}).all())
    return rows


class _Record(NamedTuple):
    kind: str
    label: str
    agency: str
    handling_code: str
    grade: str | None
    date: str | None


def _read_records(
    req: _Request, wanted: dict[str, list[str]], rowids: dict[str, list[int]] | None = None
) -> dict[str, _Record]:
    """What the user may read of these records (ids as hex; ``rowids``: where SQLite
    keeps them, see :func:`_rows_by_ids`), through ``caravan.access``."""
    found: dict[str, _Record] = {}
    codes = req.store.agency_codes
    restricted = req.restricted
    for kind, hexes in wanted.items():
        model = _MODELS[kind]
        columns, write = _LABELS[kind]
        common = (model.agency_id, model.handling_code, model.source_grade, model.information_grade)
        dated = kind in REPORT_MODELS
        where = rowids.get(kind) if rowids is not None else None
        for row in _rows_by_ids(req, model, (*common, *columns), hexes, where):
            key, agency_id, code, source, information = row[:5]
            if code in RESTRICTED_CODES:
                restricted.append(f"{kind}:{_dashed(key)}")
            found[key] = _Record(
                kind,
                write(row) or key[:8],
                codes.get(agency_id, "?"),
                code,
                f"{source}{information}" if source and information else None,
                row.date if dated else None,
            )
    return found


def _view(
    req: _Request,
    nodes: np.ndarray,
    edges: np.ndarray | None,
    focus: np.ndarray,
    notices_for: np.ndarray | None = None,
) -> GraphView:
    """What the user sees of these nodes and edges (``None``: every walkable link among
    the nodes), read through ``caravan.access``. ``notices_for``: the nodes whose
    restricted neighbours are shown as notice nodes (the ones the user expanded); every
    node says how many it has (``hidden``)."""
    store, masks = req.store, req.walker.masks
    nodes = np.asarray(nodes, dtype=np.int64)
    # Records behind each node that the user may read (a profile: its readable members),
    # grouped by node in ``nodes`` order.
    starts = store.node_record_ptr[nodes]
    counts = store.node_record_ptr[nodes + 1] - starts
    offsets = np.repeat(starts - (np.cumsum(counts) - counts), counts)
    positions = store.node_records[np.arange(int(counts.sum()), dtype=np.int64) + offsets]
    readable = masks.record[positions]
    running = np.concatenate([[0], np.cumsum(readable)])
    bounds = np.concatenate([[0], np.cumsum(counts)])
    first = running[bounds[:-1]]  # each node's first readable record, in ``record_ids``
    many = running[bounds[1:]] - first
    positions = positions[readable]
    raw = store.record_keys[positions].tobytes().hex()
    record_ids = [raw[i : i + 32] for i in range(0, 32 * len(positions), 32)]
    # Read them by kind (a profile's members are persons).
    record_kind = store.kind[np.repeat(nodes, many)]
    record_kind[record_kind == PROFILE] = KIND_INDEX["person"]
    record_rowid = store.record_rowid[positions]
    wanted: dict[str, list[str]] = {}
    rowids: dict[str, list[int]] = {}
    for kind in np.unique(record_kind).tolist():
        at = np.flatnonzero(record_kind == kind)
        wanted[KINDS[kind]] = [record_ids[i] for i in at.tolist()]
        rowids[KINDS[kind]] = record_rowid[at].tolist()
    records = _read_records(req, wanted, rowids)
    # A node is shown when the database returned one of its records.
    get = records.get
    kept_list: list[int] = []
    known: list[Any] = []  # a node's _Record, or a list of them (a profile's)
    for n, begin, count in zip(nodes.tolist(), first.tolist(), many.tolist(), strict=True):
        if count == 1:
            record = get(record_ids[begin])
            if record is not None:
                kept_list.append(n)
                known.append(record)
        elif count:
            found = [records[i] for i in record_ids[begin : begin + count] if i in records]
            if found:
                kept_list.append(n)
                known.append(found)
    kept_nodes = np.asarray(kept_list, dtype=np.int64)
    ids = _node_ids(store, kept_nodes)
    around = ops.surroundings(req.walker, kept_nodes, notices_for)
    shown: list[Node] = []
    kinds = store.kind[kept_nodes].tolist()
    for n, kind, info, links, behind in zip(
        kept_list, kinds, known, around.degree.tolist(), around.hidden.tolist(), strict=True
    ):
        if type(info) is list:
            head = info[0]
            agencies = tuple(dict.fromkeys(r.agency for r in info))
            code = max((r.handling_code for r in info), key=HANDLING_ORDER.index)
            members = len(info)
        else:
            head, agencies, code, members = info, (info.agency,), info.handling_code, 1
        shown.append(
            make_node(
                ids[n],
                KINDS[kind],
                head.label,
                agencies,
                code,
                head.grade,
                head.date,
                members,
                False,
                links,
                behind,
            )
        )
    view = GraphView(nodes=shown, focus=[ids[n] for n in focus.tolist() if n in ids])
    chosen_edges = around.induced if edges is None else np.asarray(edges, dtype=np.int64)
    view.edges = _edges(req, chosen_edges, kept_nodes, ids, records)
    _add_notices(req, view, ids, around.notice_owner, around.notice_node)
    req.audit_reads("link chart")
    if refreshing(store):
        view.messages.append(
            "The network is being refreshed with the latest changes; links added or "
            "changed in the last moments may not show yet."
        )
    return view


def _edges(
    req: _Request,
    edges: np.ndarray,
    shown: np.ndarray,
    ids: dict[int, str],
    records: dict[str, _Record],
) -> list[Edge]:
    store = req.store
    edges = edges[np.isin(store.src[edges], shown) & np.isin(store.dst[edges], shown)]
    if len(edges) == 0:
        return []
    in_report = store.types.index(IN_REPORT)
    raw = store.edge_keys[edges].tobytes().hex()
    keys = [raw[i : i + 32] for i in range(0, 32 * len(edges), 32)]
    is_link = store.etype[edges] != in_report
    columns = (
        Link.link_type,
        Link.agency_id,
        Link.handling_code,
        Link.source_grade,
        Link.information_grade,
        Link.valid_from,
        Link.valid_to,
    )
    at = np.flatnonzero(is_link)
    wanted = [keys[i] for i in at.tolist()]
    rowids = store.edge_rowid[edges[at]].tolist()
    links = {row[0]: row for row in _rows_by_ids(req, Link, columns, wanted, rowids)}
    # Node ids of the reports links were recorded in (most are not in the view).
    report_nodes = store.edge_report[edges]
    outside = np.unique(report_nodes[report_nodes >= 0])
    reports = _node_ids(store, outside[~np.isin(outside, shown)])
    reports.update(ids)
    codes = store.agency_codes
    restricted = req.restricted
    out: list[Edge] = []
    ends = zip(
        store.src[edges].tolist(),
        store.dst[edges].tolist(),
        report_nodes.tolist(),
        keys,
        is_link.tolist(),
        strict=True,
    )
    for s, t, report_node, key, link in ends:
        if not link:
            report = records.get(key)
            if report is None:
                continue
            source, target = ids[s], ids[t]
            out.append(
                make_edge(
                    f"{IN_REPORT}:{_dashed(key)}:{source}",
                    source,
                    target,
                    IN_REPORT,
                    report.agency,
                    report.handling_code,
                    report.grade,
                    report.date,
                    report.date,
                    target,
                )
            )
            continue
        row = links.get(key)
        if row is None:
            continue
        _, link_type, agency_id, code, source_grade, information_grade, start, end = row
        dashed = _dashed(key)
        if code in RESTRICTED_CODES:
            restricted.append(f"link:{dashed}")
        out.append(
            make_edge(
                f"link:{dashed}",
                ids[s],
                ids[t],
                link_type,
                codes.get(agency_id, "?"),
                code,
                f"{source_grade}{information_grade}"
                if source_grade and information_grade
                else None,
                start,
                end,
                reports[report_node] if report_node >= 0 else None,
            )
        )
    return out


def _add_notices(
    req: _Request, view: GraphView, ids: dict[int, str], owner: np.ndarray, hidden: np.ndarray
) -> None:
    """One hit notice per node and owner agency of the records it links to that the user
    may not read: the agency, how many, the most restrictive handling code — nothing else."""
    if len(owner) == 0:
        return
    store = req.store
    agency = store.record_agency[store.node_records[store.node_record_ptr[hidden]]]
    # Distinct (anchor, agency, hidden node) triples, sorted, with (anchor, agency) as one
    # number; then one group per (anchor, agency) with its count and most restrictive code.
    agencies = int(agency.max()) + 1
    pair = owner.astype(np.int64) * agencies + agency
    order = np.lexsort((hidden, pair))
    pair, hidden = pair[order], hidden[order]
    fresh = np.ones(len(pair), dtype=bool)
    fresh[1:] = (pair[1:] != pair[:-1]) | (hidden[1:] != hidden[:-1])
    pair, hidden = pair[fresh], hidden[fresh]
    codes = store.record_code[store.node_records[store.node_record_ptr[hidden]]]
    group, start, count = np.unique(pair, return_index=True, return_counts=True)
    worst = np.maximum.reduceat(codes.astype(np.int64), start)
    for anchor, agency_id, many, level in zip(
        (group // agencies).tolist(),
        (group % agencies).tolist(),
        count.tolist(),
        worst.tolist(),
        strict=True,
    ):
        anchor_id = ids[anchor]
        owner_code = store.agency_codes.get(agency_id, "?")
        token = hashlib.sha256(f"{anchor_id}|{owner_code}".encode()).hexdigest()[:20]
        code_text = HANDLING_ORDER[level]
        notice = f"{NOTICE}:{token}"
        view.nodes.append(
            make_node(
                notice,
                NOTICE,
                f"{owner_code}: {many} restricted linked record{'s' if many > 1 else ''}",
                (owner_code,),
                code_text,
                None,
                None,
                many,
                True,
                0,
                0,
            )
        )
        view.edges.append(
            make_edge(
                f"{NOTICE}-link:{token}",
                anchor_id,
                notice,
                RESTRICTED,
                owner_code,
                code_text,
                None,
                None,
                None,
                None,
            )
        )


# ---------------------------------------------------------------------- timeline


def timeline(session: Session, principal: Principal, node: str) -> list[TimelineItem]:
    """The dated events and links of a node, oldest first (undated links last)."""
    req = _request(session, principal, None)
    index = req.index(node)
    store, masks = req.store, req.walker.masks
    positions = store.records_of(index)
    own_hex = store.record_hex(positions[masks.record[positions]])
    own = [uuid.UUID(h) for h in own_hex]
    kind = KINDS[store.kind[index]]
    items: list[TimelineItem] = []
    me = node_id(store, index)
    if kind in REPORT_MODELS:
        for record in _read_records(req, {kind: own_hex}).values():
            items.append(
                TimelineItem(
                    date=record.date or "",
                    kind=kind,
                    label=record.label,
                    node=me,
                    edge=None,
                    handling_code=record.handling_code,
                )
            )
    links = _links_of(req, own)
    others: dict[str, list[str]] = defaultdict(list)
    for row in links:
        mine_from = row.from_id in own
        other_kind, other_id = (
            (row.to_kind, row.to_id) if mine_from else (row.from_kind, row.from_id)
        )
        if other_kind in _MODELS:
            others[other_kind].append(other_id.hex)
    labels = _read_records(req, others)
    for row in links:
        mine_from = row.from_id in own
        other_id = row.to_id if mine_from else row.from_id
        other = labels.get(other_id.hex)
        other_node = store.node_of(other_id.bytes)
        when = row.valid_from or (other.date if other and other.date else None)
        if other is None:
            label = f"{row.link_type.replace('_', ' ')} — a record you may not read"
            target = None
        else:
            label = f"{row.link_type.replace('_', ' ')} — {other.label}"
            target = node_id(store, other_node) if other_node >= 0 else None
        items.append(
            TimelineItem(
                date=when or "",
                kind=row.link_type,
                label=label,
                node=target,
                edge=f"link:{row.id}",
                handling_code=row.handling_code,
                valid_to=row.valid_to,
            )
        )
    for row in links:
        if row.handling_code in RESTRICTED_CODES:
            req.restricted.append(f"link:{row.id}")
    req.audit_reads("link chart timeline")
    items.sort(key=lambda i: (i.date == "", i.date, i.kind, i.label))
    return items


def _links_of(req: _Request, ids: list[uuid.UUID]) -> list[Any]:
    rows: list[Any] = []
    columns = (
        Link.id,
        Link.link_type,
        Link.from_kind,
        Link.from_id,
        Link.to_kind,
        Link.to_id,
        Link.valid_from,
        Link.valid_to,
        Link.handling_code,
    )
    for start in range(0, len(ids), _IN):
        part = ids[start : start + _IN]
        for side in (Link.from_id, Link.to_id):
            stmt: Any = select(*columns).where(side.in_(part))
            rows.extend(req.session.execute(visible(stmt, Link, req.principal)).all())
    return list({r.id: r for r in rows}.values())


# ---------------------------------------------------------------------- export


def export(
    session: Session,
    principal: Principal,
    nodes: Sequence[str],
    fmt: str,
    positions: dict[str, tuple[float, float]] | None = None,
) -> tuple[bytes, ExportFormat, GraphView]:
    """A chart's nodes, read again as :func:`subgraph`, rendered as ``fmt``
    (see :func:`export_view`)."""
    require(principal, "export.run")
    return export_view(session, principal, subgraph(session, principal, nodes), fmt, positions)


def export_view(
    session: Session,
    principal: Principal,
    view: GraphView,
    fmt: str,
    positions: dict[str, tuple[float, float]] | None = None,
) -> tuple[bytes, ExportFormat, GraphView]:
    """A view the principal was just shown, rendered as ``fmt`` (see
    :data:`.export.FORMATS`) and audited with the handling code of its contents."""
    require(principal, "export.run")
    data, spec = render(view, fmt, positions)
    audit.append(
        session,
        "export.graph",
        principal=principal,
        object_kind="graph",
        after={
            "format": spec.name,
            "nodes": len(view.nodes),
            "edges": len(view.edges),
            "handling_code": view.handling_code,
        },
    )
    return data, spec, view


def filters_from(
    link_types: Iterable[str] = (),
    date_from: str | None = None,
    date_to: str | None = None,
    min_grade: str | None = None,
    agencies: Iterable[str] = (),
) -> Filters:
    """Filters from user input, each value checked (messages name the field)."""

    def day(value: str | None, field: str) -> str | None:
        if not value:
            return None
        try:
            return parse_partial_date(value).iso()
        except ValueError as exc:
            raise invalid(field, str(exc), value) from None

    if min_grade:
        ops.parse_min_grade(min_grade)
    return Filters(
        link_types=frozenset(t.strip() for t in link_types if t.strip()),
        date_from=day(date_from, "date_from"),
        date_to=day(date_to, "date_to"),
        min_grade=min_grade.strip().upper() if min_grade else None,
        agencies=frozenset(a.strip().upper() for a in agencies if a.strip()),
    )
