"""``/api/v1/graph``: link analysis — expand, paths, connections, ranking, timelines, export.

Every answer holds only what the caller may see; a record the caller may not read
appears as a hit notice node (the owner agency and a handling code, nothing else).
Reading needs ``graph.read`` (every role); exporting needs ``export.run`` and is audited.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from caravan.access import require
from caravan.analyze.network import service
from caravan.analyze.network.layout import layout
from caravan.analyze.network.types import Edge, Filters, GraphView, Node
from caravan.web.deps import CsrfDep, PrincipalDep, SessionDep

router = APIRouter(prefix="/graph", tags=["link analysis"])


class FiltersIn(BaseModel):
    link_types: list[str] = Field(default_factory=list, description="Link types to walk")
    date_from: str | None = Field(None, description="Links valid on or after (ISO date)")
    date_to: str | None = Field(None, description="Links valid on or before (ISO date)")
    min_grade: str | None = Field(None, description="Minimum Europol grade such as B2")
    agencies: list[str] = Field(default_factory=list, description="Links owned by these agencies")

    def parsed(self) -> Filters:
        return service.filters_from(
            self.link_types, self.date_from, self.date_to, self.min_grade, self.agencies
        )


class ExpandIn(BaseModel):
    nodes: list[str]
    hops: int = 1
    cap: int = service.DEFAULT_CAP
    max_nodes: int = service.DEFAULT_MAX_NODES
    filters: FiltersIn = Field(default_factory=FiltersIn)


class NodesIn(BaseModel):
    nodes: list[str]


class ConnectIn(BaseModel):
    a: list[str]
    b: list[str]
    max_hops: int = 6
    filters: FiltersIn = Field(default_factory=FiltersIn)


class LayoutIn(BaseModel):
    nodes: list[str] = Field(max_length=service.MAX_NODES)
    edges: list[tuple[str, str]] = Field(default_factory=list)
    algorithm: str = "force"
    focus: list[str] = Field(default_factory=list)


class ExportIn(BaseModel):
    nodes: list[str]
    format: str = Field(description="graphml, gexf, csv, anx (i2 Analyst's Notebook), svg, png")
    positions: dict[str, tuple[float, float]] | None = None


def _query_filters(
    types: Annotated[str, Query(description="Comma-separated link types")] = "",
    date_from: str | None = None,
    date_to: str | None = None,
    min_grade: str | None = None,
    agencies: Annotated[str, Query(description="Comma-separated agency codes")] = "",
) -> Filters:
    return service.filters_from(
        types.split(","), date_from, date_to, min_grade, agencies.split(",")
    )


FiltersDep = Annotated[Filters, Depends(_query_filters)]


@router.get("/neighbours")
def neighbours(
    session: SessionDep,
    principal: PrincipalDep,
    node: str,
    filters: FiltersDep,
    hops: int = 1,
    cap: int = service.DEFAULT_CAP,
    max_nodes: int = service.DEFAULT_MAX_NODES,
) -> dict[str, Any]:
    """Everything within ``hops`` links of ``node`` that you may see."""
    view = service.neighbours(
        session, principal, node, hops=hops, cap=cap, max_nodes=max_nodes, filters=filters
    )
    return view.to_dict()


@router.post("/expand", dependencies=[CsrfDep])
def expand(body: ExpandIn, session: SessionDep, principal: PrincipalDep) -> dict[str, Any]:
    """Expand several nodes at once (a chart's selection)."""
    view = service.neighbours(
        session,
        principal,
        body.nodes,
        hops=body.hops,
        cap=body.cap,
        max_nodes=body.max_nodes,
        filters=body.filters.parsed(),
    )
    return view.to_dict()


@router.get("/paths")
def paths(
    session: SessionDep,
    principal: PrincipalDep,
    a: str,
    b: str,
    filters: FiltersDep,
    k: int = 1,
    max_hops: int = 8,
) -> dict[str, Any]:
    """The ``k`` shortest paths from ``a`` to ``b`` over links you may see."""
    found = service.paths(session, principal, a, b, k=k, max_hops=max_hops, filters=filters)
    return {**found.view.to_dict(), "paths": found.paths, "message": found.message}


@router.post("/connect", dependencies=[CsrfDep])
def connect(body: ConnectIn, session: SessionDep, principal: PrincipalDep) -> dict[str, Any]:
    """What connects group ``a`` to group ``b``: the nodes and links on their shortest
    connections."""
    view = service.connect(
        session, principal, body.a, body.b, max_hops=body.max_hops, filters=body.filters.parsed()
    )
    return view.to_dict()


@router.post("/subgraph", dependencies=[CsrfDep])
def subgraph(body: NodesIn, session: SessionDep, principal: PrincipalDep) -> dict[str, Any]:
    """These nodes (those still there and visible) with the links among them."""
    return service.subgraph(session, principal, body.nodes).to_dict()


@router.post("/analyse", dependencies=[CsrfDep])
def analyse(body: NodesIn, session: SessionDep, principal: PrincipalDep) -> dict[str, Any]:
    """Leiden communities and centrality (degree, betweenness, eigenvector, k-core)."""
    result = service.analyse(session, principal, body.nodes)
    return {
        "communities": result.communities,
        "centrality": result.centrality,
        "modularity": result.modularity,
    }


@router.post("/layout", dependencies=[CsrfDep])
def chart_layout(body: LayoutIn, principal: PrincipalDep) -> dict[str, Any]:
    """Positions for a chart's nodes (force, circle, grid, kk, tree). Works on ids only."""
    require(principal, "graph.read")
    view = GraphView(
        nodes=[Node(id=n, kind="", label="", agencies=(), handling_code="H0") for n in body.nodes],
        edges=[
            Edge(id=f"{s}|{t}", source=s, target=t, type="", agency="", handling_code="H0")
            for s, t in body.edges
        ],
        focus=list(body.focus),
    )
    positions = layout(view, body.algorithm)
    return {"positions": {k: [round(x, 2), round(y, 2)] for k, (x, y) in positions.items()}}


@router.get("/timeline")
def timeline(node: str, session: SessionDep, principal: PrincipalDep) -> dict[str, Any]:
    """The node's dated events and links, oldest first."""
    items = service.timeline(session, principal, node)
    return {"items": [item.__dict__ for item in items]}


@router.post("/export", dependencies=[CsrfDep])
def export(body: ExportIn, session: SessionDep, principal: PrincipalDep) -> Response:
    """A chart as a file; the export is audited and carries its handling code."""
    data, spec, view = service.export(session, principal, body.nodes, body.format, body.positions)
    return Response(
        content=data,
        media_type=spec.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="caravan-chart.{spec.extension}"',
            "X-Caravan-Handling-Code": view.handling_code,
        },
    )
