"""The start page: what the user may see, at a glance."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from caravan.access import Principal, visible
from caravan.collect.records import list_records
from caravan.store.models import ImportJob, IntelReport, Person, RecordMixin, SeizureReport
from caravan.web.deps import PrincipalDep, SessionDep
from caravan.web.templating import render
from caravan.web.ui.views import persons_of

router = APIRouter()


#: Counting every visible row of a million-row table takes seconds (each row's visibility
#: must be checked); the dashboard counts up to this many and then says "more than".
COUNT_CAP = 10_000


def visible_count(session: Session, principal: Principal, model: type[RecordMixin]) -> int:
    """Visible records of ``model``, counted up to :data:`COUNT_CAP` + 1."""
    capped = visible(select(model.id), model, principal).limit(COUNT_CAP + 1).subquery()
    return int(session.scalar(select(func.count()).select_from(capped)) or 0)


@router.get("/")
def dashboard(request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
    counts: dict[str, Any] = {
        "persons": visible_count(session, principal, Person),
        "seizures": visible_count(session, principal, SeizureReport),
        "reports": visible_count(session, principal, IntelReport),
    }
    seizures = list_records(session, principal, "seizures", per_page=8).items
    reports = list_records(session, principal, "reports", per_page=5).items
    imports = session.scalars(
        select(ImportJob)
        .where(ImportJob.user_id == principal.user_id)
        .order_by(ImportJob.created_at.desc())
        .limit(5)
    ).all()
    context = {
        "counts": counts,
        "count_cap": COUNT_CAP,
        "seizures": seizures,
        "reports": reports,
        "imports": imports,
        "persons_of": persons_of(session, principal, [s.id for s in seizures]),
    }
    return render(request, "dashboard.html", context)
