"""``/api/v1/charts``: saved, named link charts.

A chart keeps structure only (node ids, positions, filters, layout, colour/size
choices, pinned and focus nodes); open its nodes through the link-analysis endpoints to
see what they are now, as far as you may. Saving, renaming, sharing and deleting are for
analysts, supervisors and administrators, on their own charts; anyone may list and open
their own charts and those colleagues of their agency shared.
"""

# No ``from __future__ import annotations``: FastAPI reads these annotations at runtime.

import uuid
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from caravan.access import Principal
from caravan.analyze.network import charts
from caravan.errors import FieldError, InvalidData
from caravan.store.models import Chart
from caravan.web.api.schemas import iso_utc
from caravan.web.deps import CsrfDep, PrincipalDep, SessionDep

router = APIRouter(tags=["charts"])

STATE_EXAMPLE = {
    "nodes": [
        "person:0b9e5d1c-3a3f-4e0b-9f4a-2c1d0e7b6a55",
        "phone:5f1c2a9e-7d4b-4c1e-8a2f-3b6d9e0c1a77",
    ],
    "positions": {"person:0b9e5d1c-3a3f-4e0b-9f4a-2c1d0e7b6a55": {"x": 120.0, "y": -40.5}},
    "filters": {"link_types": ["called", "uses_phone"], "date_from": "2025-01-01"},
    "layout": "force",
    "colour_by": "agency",
    "size_by": "degree",
    "pinned": [],
    "focus": ["person:0b9e5d1c-3a3f-4e0b-9f4a-2c1d0e7b6a55"],
}
STATE_DESCRIPTION = (
    f"``nodes``: up to {charts.MAX_NODES:,} node ids ``<kind>:<uuid>`` (kind one of "
    f"{', '.join(charts.SAVED_KINDS)}; hit notices are never saved); ``positions``: "
    "node id → ``{x, y}`` (finite numbers, listed nodes only); ``filters``: "
    "``link_types``, ``date_from``, ``date_to`` (YYYY-MM-DD), ``min_grade`` (e.g. B2), "
    f"``agencies``; ``layout`` (one of {', '.join(charts.LAYOUTS)}); ``colour_by`` (one of "
    f"{', '.join(charts.COLOUR_BY)}); ``size_by`` (one of {', '.join(charts.SIZE_BY)}); "
    "``pinned`` and ``focus``: listed nodes."
)


class ChartIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description=f"1-{charts.MAX_NAME} characters, unique among your charts")
    state: dict[str, Any] = Field(description=STATE_DESCRIPTION, examples=[STATE_EXAMPLE])
    shared: bool = Field(False, description="Let colleagues of your agency open it (read-only)")


class ChartChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, description="A new name")
    state: dict[str, Any] | None = Field(
        None, description="The whole new state (replaces the old)", examples=[STATE_EXAMPLE]
    )
    shared: bool | None = Field(None, description="Share with your agency, or stop sharing")


def chart_to_dict(chart: Chart, principal: Principal, *, state: bool = True) -> dict[str, Any]:
    """A chart as the API returns it; lists leave out ``state``."""
    data: dict[str, Any] = {
        "id": str(chart.id),
        "name": chart.name,
        "owner": chart.owner.username,
        "owner_name": chart.owner.display_name or chart.owner.username,
        "agency": chart.agency.code,
        "mine": chart.owner_id == principal.user_id,
        "shared": chart.shared,
        "node_count": chart.node_count,
        "created_at": iso_utc(chart.created_at),
        "updated_at": iso_utc(chart.updated_at),
        "url": f"/api/v1/charts/{chart.id}",
    }
    if state:
        data["state"] = chart.state
    return data


@router.get("/charts")
def list_charts(session: SessionDep, principal: PrincipalDep) -> dict[str, Any]:
    """Your charts, then those colleagues of your agency shared (without their states)."""
    items = charts.list_charts(session, principal)
    return {"items": [chart_to_dict(c, principal, state=False) for c in items]}


@router.post("/charts", status_code=201, dependencies=[CsrfDep])
def create_chart(body: ChartIn, session: SessionDep, principal: PrincipalDep) -> dict[str, Any]:
    """Save a new chart; 422 names every problem (``state.nodes[3]``, ``name``…)."""
    chart = charts.save_chart(session, principal, body.name, body.state)
    if body.shared:
        chart = charts.set_shared(session, principal, chart.id, True)
    return chart_to_dict(chart, principal)


@router.get("/charts/{chart_id}")
def get_chart(chart_id: uuid.UUID, session: SessionDep, principal: PrincipalDep) -> dict[str, Any]:
    """One chart with its state: yours, or one a colleague of your agency shared."""
    return chart_to_dict(charts.get_chart(session, principal, chart_id), principal)


@router.put("/charts/{chart_id}", dependencies=[CsrfDep])
def change_chart(
    chart_id: uuid.UUID, body: ChartChangeIn, session: SessionDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Change your own chart: any of ``name``, ``state`` (replaced whole) and ``shared``."""
    if body.name is None and body.state is None and body.shared is None:
        raise InvalidData([FieldError("body", "Give name, state or shared")])
    if body.state is not None:
        name = body.name
        if name is None:
            name = charts.get_chart(session, principal, chart_id).name
        charts.save_chart(session, principal, name, body.state, chart_id)
    elif body.name is not None:
        charts.rename_chart(session, principal, chart_id, body.name)
    if body.shared is not None:
        charts.set_shared(session, principal, chart_id, body.shared)
    return chart_to_dict(charts.get_chart(session, principal, chart_id), principal)


@router.delete("/charts/{chart_id}", status_code=204, dependencies=[CsrfDep])
def delete_chart(chart_id: uuid.UUID, session: SessionDep, principal: PrincipalDep) -> Response:
    """Delete your own chart (the records on it are untouched)."""
    charts.delete_chart(session, principal, chart_id)
    return Response(status_code=204)
