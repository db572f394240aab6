"""What link analysis hands to its callers: nodes, edges, views, paths, timelines.

A :class:`GraphView` holds only what the acting user may see. Its nodes and edges are
built by :mod:`caravan.analyze.network.service` through ``caravan.access``; exports,
the API, the CLI and the chart page render a view and never read records themselves.

Node ids are stable strings: ``"<kind>:<uuid>"`` for a record (``person``,
``organisation``, ``vehicle``, ``phone``, ``document``, ``location``, ``seizure``,
``report``), ``"profile:<uuid>"`` for a resolved profile (several person records shown
as one node) and ``"notice:<token>"`` for a record the user may not read: a hit notice
that says only which agency holds something there.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from caravan.errors import FieldError, InvalidData

#: Handling codes from least to most restricted; a view carries its highest.
HANDLING_ORDER = ("H0", "H1", "H2", "H3")

#: Node kinds, in the order the chart legend lists them.
NODE_KINDS = (
    "profile",
    "person",
    "organisation",
    "vehicle",
    "phone",
    "document",
    "location",
    "seizure",
    "report",
    "notice",
)

#: The edge type of co-occurrence: a record and the report it was recorded in.
IN_REPORT = "in_report"


def invalid(field: str, problem: str, value: object = None) -> InvalidData:
    """The error for one bad input field (the message names the field)."""
    shown = None if value is None else str(value)[:200]
    return InvalidData([FieldError(field, problem, value=shown)], message=f"{field}: {problem}")


def highest_code(codes: Iterable[str]) -> str:
    """The most restricted handling code among ``codes`` (``H0`` when there are none)."""
    return max(codes, key=HANDLING_ORDER.index, default="H0")


@dataclass(frozen=True)
class Node:
    id: str
    kind: str
    #: What the chart shows; for a notice: the owner agency and the record kind only.
    label: str
    #: Owner agency codes of the records merged here (one for a record, several for a profile).
    agencies: tuple[str, ...]
    handling_code: str
    #: Europol 4x4 grade such as ``B2`` (source + information), when the record has one.
    grade: str | None = None
    #: ISO (partial) date of a seizure or report, else ``None``.
    date: str | None = None
    #: Records merged into this node (a profile's visible members), 1 for a record.
    members: int = 1
    #: True for a hit notice: the user may not read the record.
    notice: bool = False
    #: Visible links the node has in the whole graph (the chart shows "N of M").
    degree: int = 0
    #: Records linked to this node that the user may not read (expanding the node shows
    #: them as notices: which agency holds them, nothing else).
    hidden: int = 0

    @property
    def agency(self) -> str:
        return self.agencies[0] if self.agencies else ""


@dataclass(frozen=True)
class Edge:
    id: str
    source: str
    target: str
    #: A link type (``associate``, ``uses_phone``…) or :data:`IN_REPORT`.
    type: str
    agency: str
    handling_code: str
    grade: str | None = None
    valid_from: str | None = None
    valid_to: str | None = None
    #: Node id of the report or seizure the link was recorded in (provenance).
    report: str | None = None


_new = object.__new__
_set = object.__setattr__


def make_node(
    id: str,
    kind: str,
    label: str,
    agencies: tuple[str, ...],
    handling_code: str,
    grade: str | None,
    date: str | None,
    members: int,
    notice: bool,
    degree: int,
    hidden: int,
) -> Node:
    """``Node(...)`` with every field given, for views of thousands of nodes: the same
    object (equal, same hash and fields), without the frozen dataclass's ``__init__``
    setting each field through ``object.__setattr__`` (a third of the cost)."""
    node = _new(Node)
    _set(
        node,
        "__dict__",
        {
            "id": id,
            "kind": kind,
            "label": label,
            "agencies": agencies,
            "handling_code": handling_code,
            "grade": grade,
            "date": date,
            "members": members,
            "notice": notice,
            "degree": degree,
            "hidden": hidden,
        },
    )
    return node


def make_edge(
    id: str,
    source: str,
    target: str,
    type: str,
    agency: str,
    handling_code: str,
    grade: str | None,
    valid_from: str | None,
    valid_to: str | None,
    report: str | None,
) -> Edge:
    """``Edge(...)`` with every field given (see :func:`make_node`)."""
    edge = _new(Edge)
    _set(
        edge,
        "__dict__",
        {
            "id": id,
            "source": source,
            "target": target,
            "type": type,
            "agency": agency,
            "handling_code": handling_code,
            "grade": grade,
            "valid_from": valid_from,
            "valid_to": valid_to,
            "report": report,
        },
    )
    return edge


@dataclass(frozen=True)
class Truncation:
    """A node whose links were capped: the view shows ``shown`` of ``total``."""

    node: str
    shown: int
    total: int

    def message(self) -> str:
        return f"showing {self.shown} of {self.total} links of {self.node}"


@dataclass
class GraphView:
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    #: The nodes the view was asked about (start of an expansion, ends of a path…).
    focus: list[str] = field(default_factory=list)
    truncated: list[Truncation] = field(default_factory=list)
    #: What the reader should know about the view ("2 nodes of this chart are no longer
    #: available to you", "the view reached its limit of 2,500 nodes").
    messages: list[str] = field(default_factory=list)

    @property
    def handling_code(self) -> str:
        """The most restricted handling code of anything in the view."""
        return highest_code(
            [n.handling_code for n in self.nodes] + [e.handling_code for e in self.edges]
        )

    def to_dict(self) -> dict[str, Any]:
        """The view as JSON-ready data (the API's and the CLI's shape)."""
        return {
            "nodes": [asdict(n) for n in self.nodes],
            "edges": [asdict(e) for e in self.edges],
            "focus": list(self.focus),
            "truncated": [{**asdict(t), "message": t.message()} for t in self.truncated],
            "messages": list(self.messages),
            "handling_code": self.handling_code,
        }

    def node(self, node_id: str) -> Node:
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)


@dataclass(frozen=True)
class Filters:
    """What a traversal may walk over. Empty means no restriction."""

    #: Edge types to keep (link types and/or :data:`IN_REPORT`).
    link_types: frozenset[str] = frozenset()
    #: Keep links valid at some time in [date_from, date_to] (ISO dates, inclusive);
    #: links with no validity dates are kept.
    date_from: str | None = None
    date_to: str | None = None
    #: Minimum grade such as ``B2``: source grade A..B and information grade 1..2.
    #: Links without a grade are kept only when no minimum is set.
    min_grade: str | None = None
    #: Keep only links owned by these agency codes.
    agencies: frozenset[str] = frozenset()


@dataclass
class PathResult:
    #: Each path as node ids, shortest first; empty when the ends are not connected.
    paths: list[list[str]]
    view: GraphView
    #: Why there is no path, when there is none.
    message: str = ""


@dataclass
class Analysis:
    """Communities and centrality of the nodes of a view (visible links among them)."""

    #: node id → community number (Leiden, largest community first = 0).
    communities: dict[str, int]
    #: measure (``degree``, ``betweenness``, ``eigenvector``, ``kcore``) → node id → value.
    centrality: dict[str, dict[str, float]]
    modularity: float


@dataclass(frozen=True)
class TimelineItem:
    date: str
    #: ``seizure``, ``report`` or a link type.
    kind: str
    label: str
    #: The other node, for a link; the seizure/report node for an event.
    node: str | None
    edge: str | None
    handling_code: str
    valid_to: str | None = None
