"""Administration: the audit log, and e-mail/webhook deliveries, scoped to the
administrator's agency (centre: all)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from caravan import audit
from caravan.access import Principal, require
from caravan.exchange import deliveries
from caravan.store.models import AuditEvent
from caravan.web.deps import CsrfDep, PrincipalDep, SessionDep, SettingsDep
from caravan.web.templating import render

router = APIRouter()
PER_PAGE = 50


def _page(
    request: Request, session: Session, principal: Principal, result: audit.VerifyResult | None
) -> Response:
    try:
        page = max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        page = 1
    stmt = select(AuditEvent)
    if not principal.is_centre_admin:
        stmt = stmt.where(AuditEvent.agency == principal.agency_code)
    rows = list(
        session.scalars(
            stmt.order_by(AuditEvent.seq.desc()).offset((page - 1) * PER_PAGE).limit(PER_PAGE + 1)
        )
    )
    context = {
        "events": rows[:PER_PAGE],
        "page": page,
        "has_next": len(rows) > PER_PAGE,
        "verify": result,
        "scope": None if principal.is_centre_admin else principal.agency_code,
    }
    return render(request, "admin/audit.html", context)


@router.get("/admin/audit")
def audit_log(request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
    require(principal, "audit.read")
    return _page(request, session, principal, None)


@router.post("/admin/audit/verify", dependencies=[CsrfDep])
def verify_chain(request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
    """Recompute the whole hash chain and show whether any row was altered or removed."""
    require(principal, "audit.read")
    result = audit.verify(session)
    audit.append(
        session,
        "audit.verify",
        principal=principal,
        outcome="ok" if result.ok else "failed",
        detail=f"{result.rows_checked} rows checked",
    )
    session.commit()
    return _page(request, session, principal, result)


# --------------------------------------------------------------------------- deliveries


@router.get("/admin/deliveries")
def delivery_page(
    request: Request, session: SessionDep, principal: PrincipalDep, settings: SettingsDep
) -> Response:
    """E-mails and webhook calls: counts, the failed and the waiting ones, the configuration."""
    context = {
        "counts": deliveries.delivery_counts(session, principal),
        "failed": deliveries.list_deliveries(session, principal, "failed"),
        "queued": deliveries.list_deliveries(session, principal, "queued"),
        "channels": deliveries.channel_status(settings),
        "scope": None if principal.is_centre_admin else principal.agency_code,
        "retried": _retried(request.query_params.get("retried")),
    }
    return render(request, "admin/deliveries.html", context)


def _retried(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@router.post("/admin/deliveries/{delivery_id}/retry", dependencies=[CsrfDep])
def retry_delivery(delivery_id: int, session: SessionDep, principal: PrincipalDep) -> Response:
    """Make a queued or failed delivery due now; the dispatcher sends it in its next round."""
    deliveries.retry_now(session, principal, delivery_id)
    session.commit()
    return RedirectResponse(f"/admin/deliveries?retried={delivery_id}", status_code=303)
