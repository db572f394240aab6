"""``/api/v1/review``, ``/api/v1/profiles`` and ``/api/v1/resolution``: entity resolution.

The review queue and decisions are for analysts, supervisors and administrators; any
role may read a profile, through the records it may read (the others come as
``notices``: owner agency, reference, handling code and whom to ask — never content);
runs are for supervisors and administrators.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from caravan.access import require
from caravan.errors import NotFound
from caravan.resolve.profiles import profile_view
from caravan.resolve.review import decide, review_queue, split
from caravan.resolve.review import pair_view as get_pair
from caravan.store.models import ResolutionRun
from caravan.web.deps import CsrfDep, PrincipalDep, SessionDep, SettingsDep
from caravan.web.resolution import (
    pair_to_dict,
    parse_uuid,
    profile_to_dict,
    run_options,
    run_to_dict,
)

router = APIRouter(tags=["resolution"])


class DecisionIn(BaseModel):
    decision: Literal["confirm", "reject"] = Field(
        description="``confirm``: one person (their profiles are merged); ``reject``: two people"
    )
    reason: str = Field(description="Why; kept with the decision and in the audit log")


class SplitIn(BaseModel):
    person_ids: list[str] = Field(description="The records to move into one new profile")
    reason: str


class RunIn(BaseModel):
    full: bool = Field(False, description="Re-run everything (default: only what changed)")


@router.get("/review")
def queue(
    session: SessionDep,
    principal: PrincipalDep,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
) -> dict[str, Any]:
    """Pairs waiting for review whose two records you may read, strongest first."""
    views, total = review_queue(session, principal, limit=limit, offset=offset)
    return {"total": total, "items": [pair_to_dict(v) for v in views]}


@router.get("/review/{pair_id}")
def pair(pair_id: int, session: SessionDep, principal: PrincipalDep) -> dict[str, Any]:
    """One pair: both records, flags and the match-weight waterfall (``steps``)."""
    return pair_to_dict(get_pair(session, pair_id, principal))


@router.post("/review/{pair_id}", dependencies=[CsrfDep])
def decide_pair(
    pair_id: int, body: DecisionIn, session: SessionDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Confirm or reject a pending pair; every later run obeys the decision."""
    require(principal, "resolve.review")
    view = decide(
        session, pair_id, principal, confirm=body.decision == "confirm", reason=body.reason
    )
    session.flush()
    data = pair_to_dict(get_pair(session, view.pair.id, principal))
    following, _ = review_queue(session, principal, limit=1)
    data["next"] = f"/api/v1/review/{following[0].pair.id}" if following else None
    return data


@router.get("/profiles/{profile_id}")
def profile(profile_id: str, session: SessionDep, principal: PrincipalDep) -> dict[str, Any]:
    """A profile through the records you may read; the others are ``notices``."""
    view = profile_view(session, parse_uuid(profile_id, "profile"), principal)
    return profile_to_dict(view)


@router.post("/profiles/{profile_id}/split", dependencies=[CsrfDep])
def split_profile(
    profile_id: str, body: SplitIn, session: SessionDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Move ``person_ids`` out into one new profile: they and the records left are
    different people from now on."""
    require(principal, "resolve.review")
    pid = parse_uuid(profile_id, "profile")
    profile_view(session, pid, principal)  # a profile you may not see does not exist
    ids = [parse_uuid(p, "record") for p in body.person_ids]
    new = split(session, pid, ids, principal, reason=body.reason)
    return {"profile_id": str(pid), "new_profile_id": str(new), "url": f"/api/v1/profiles/{new}"}


@router.post("/resolution/runs", status_code=202, dependencies=[CsrfDep])
def start_run(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    body: RunIn | None = None,
) -> JSONResponse:
    """Start a run in the background (incremental unless ``full`` or the first); poll
    ``status_url``. Refused (409) while another run is running."""
    require(principal, "resolve.run")
    session.commit()  # the run's own transactions write; this one must hold no lock
    from caravan.resolve.service import start_in_background  # Splink and DuckDB: load late

    run_id = start_in_background(
        request.app.state.db,
        principal,
        full=bool(body and body.full),
        options=run_options(settings),
    )
    return JSONResponse(
        {"id": str(run_id), "status": "running", "status_url": f"/api/v1/resolution/runs/{run_id}"},
        status_code=202,
    )


@router.get("/resolution/runs/{run_id}")
def run_status(run_id: str, session: SessionDep, principal: PrincipalDep) -> dict[str, Any]:
    """A run's status, step and progress (``done``/``total``), and its figures when done."""
    require(principal, "resolve.run")
    run = session.get(ResolutionRun, parse_uuid(run_id, "run"))
    if run is None:
        raise NotFound(f"No run {run_id}")
    return run_to_dict(run)
