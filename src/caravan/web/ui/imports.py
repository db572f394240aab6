"""Bulk import from the browser: upload, watch the progress, read the error report."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from caravan.access import Principal, require
from caravan.collect import jobs
from caravan.errors import FieldError, NotFound
from caravan.store.models import Agency, ImportJob
from caravan.web.deps import CsrfDep, PrincipalDep, SessionDep, SettingsDep
from caravan.web.templating import render
from caravan.web.ui.helpers import N_
from caravan.web.uploads import save_upload

router = APIRouter()

KINDS = ("persons", "seizures", "reports", "organisations")
#: Kinds with a list page to open after an import.
LISTED = ("persons", "seizures", "reports")
ENCODINGS = ("auto", "utf-8", "cp1251")


def _agencies(session: Session, principal: Principal) -> list[Agency]:
    if not principal.is_centre_admin:
        return []
    return list(session.scalars(select(Agency).order_by(Agency.code)))


def _visible_job(session: Session, principal: Principal, job_id: str) -> ImportJob:
    """A job of this user, or of this administrator's agency; anything else is not found."""
    try:
        job = session.get(ImportJob, uuid.UUID(job_id))
    except ValueError:
        job = None
    if job is None:
        raise NotFound("No such import")
    own = job.user_id == principal.user_id
    agency_admin = principal.role == "administrator" and job.agency_id == principal.agency_id
    if not (own or agency_admin):
        raise NotFound("No such import")
    return job


def _form(
    request: Request,
    session: Session,
    principal: Principal,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    recent = session.scalars(
        select(ImportJob)
        .where(ImportJob.user_id == principal.user_id)
        .order_by(ImportJob.created_at.desc())
        .limit(10)
    ).all()
    context = {
        "values": values,
        "errors": errors,
        "agencies": _agencies(session, principal),
        "kinds": KINDS,
        "encodings": ENCODINGS,
        "recent": recent,
    }
    return render(request, "imports/new.html", context, status_code=status_code)


@router.get("/imports")
def import_form(request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
    require(principal, "import.run")
    values = {"kind": request.query_params.get("kind", "seizures"), "encoding": "auto"}
    return _form(request, session, principal, values, {})


@router.post("/imports", dependencies=[CsrfDep])
async def upload(
    request: Request, session: SessionDep, principal: PrincipalDep, settings: SettingsDep
) -> Response:
    """Save the upload under ``var/uploads`` with a random name, queue the job, start it."""
    require(principal, "import.run")
    form = await request.form()
    values = {k: str(form.get(k) or "") for k in ("kind", "encoding", "agency")}
    upload = form.get("file")
    errors: dict[str, str] = {}
    if values["kind"] not in KINDS:
        errors["kind"] = N_("Choose what the file holds")
    if values["encoding"] not in ENCODINGS:
        values["encoding"] = "auto"
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors["file"] = N_("Choose a file")
    agency_code = values["agency"].strip().upper() or None
    if agency_code and not principal.is_centre_admin:
        agency_code = None  # only centre administrators import for another agency
    if errors:
        return _form(request, session, principal, values, errors, 422)
    assert isinstance(upload, UploadFile)
    path, filename = await save_upload(upload)
    if not path.exists():
        return _form(request, session, principal, values, {"file": N_("The file is empty")}, 422)
    job = ImportJob(
        kind=values["kind"],
        filename=filename,
        user_id=principal.user_id,
        agency_id=principal.agency_id,
        status="queued",
        bytes_total=path.stat().st_size,
    )
    session.add(job)
    session.commit()  # the worker's own transactions must see the row
    jobs.start_import_job(
        request.app.state.db,
        job.id,
        path,
        principal,
        values["kind"],
        encoding=None if values["encoding"] == "auto" else values["encoding"],
        agency_code=agency_code,
        batch_rows=settings.import_batch_rows,
    )
    return RedirectResponse(f"/imports/{job.id}", status_code=303)


@router.get("/imports/{job_id}")
def job_page(
    request: Request, job_id: str, session: SessionDep, principal: PrincipalDep
) -> Response:
    job = _visible_job(session, principal, job_id)
    errors = [
        FieldError(e.get("field", ""), e.get("message", ""), e.get("row"), e.get("value"))
        for e in job.errors or []
    ]
    context = {
        "job": job,
        "status": jobs.job_status(job),
        "errors": errors,
        "listed": LISTED,
    }
    return render(request, "imports/job.html", context)


@router.get("/imports/{job_id}/status")
def job_status(job_id: str, session: SessionDep, principal: PrincipalDep) -> JSONResponse:
    job = _visible_job(session, principal, job_id)
    return JSONResponse(jobs.job_status(job), headers={"Cache-Control": "no-store"})


@router.get("/imports/{job_id}/errors.json")
def job_errors(job_id: str, session: SessionDep, principal: PrincipalDep) -> JSONResponse:
    job = _visible_job(session, principal, job_id)
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", Path(job.filename).stem)[:60] or "import"
    return JSONResponse(
        {
            "job": str(job.id),
            "file": job.filename,
            "message": job.message,
            "errors": job.errors or [],
        },
        headers={"Content-Disposition": f'attachment; filename="{stem}-errors.json"'},
    )


__all__ = ["router"]
