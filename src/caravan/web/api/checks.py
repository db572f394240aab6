"""``/api/v1/checks``: hit/no-hit checks, batches of them, and the owner's hit inbox."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from caravan.access import require
from caravan.errors import FieldError, InvalidData
from caravan.match import batch
from caravan.match.checks import asker_region, run_check
from caravan.match.inbox import inbox, inbox_item
from caravan.match.report import outcome_to_dict
from caravan.match.selectors import parse_selector
from caravan.web.deps import CsrfDep, PrincipalDep, SessionDep
from caravan.web.uploads import save_upload

router = APIRouter(tags=["checks"])


class CheckIn(BaseModel):
    """One selector. Person: any of the name fields (with birth date, nationality and
    document to sharpen it); phone: ``phone``; plate: ``plate``; document: ``document``;
    company: ``name``."""

    kind: Literal["person", "phone", "plate", "document", "company"]
    surname: str | None = None
    given_name: str | None = None
    patronymic: str | None = None
    full_name: str | None = Field(None, description="A name as written, any order")
    birth_date: str | None = Field(None, description="1985, 1985-03 or 1985-03-07")
    nationality: str | None = None
    document: str | None = None
    phone: str | None = None
    plate: str | None = None
    name: str | None = Field(None, description="Company name")


@router.post("/checks", dependencies=[CsrfDep])
def check(body: CheckIn, session: SessionDep, principal: PrincipalDep) -> dict[str, Any]:
    """Run one check. Hits on records you may not read come as ``notice``: the owner
    agency, its reference, the handling code and whom to ask — never their content."""
    require(principal, "check.run")
    raw = body.model_dump(exclude={"kind"}, exclude_none=True)
    selector = parse_selector(body.kind, raw, region=asker_region(session, principal))
    return outcome_to_dict(run_check(session, principal, selector))


@router.post("/checks/batch", status_code=202, dependencies=[CsrfDep])
async def check_batch(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    file: UploadFile = File(
        ...,
        description="CSV/XLSX/JSON/JSONL with query_id, surname, given_name, patronymic, "
        "birth_date, nationality, document_number, phone (up to 100,000 rows)",
    ),
) -> JSONResponse:
    """Queue a batch; poll ``status_url``. A file with any bad row is refused whole
    (status ``failed`` with every bad row listed) and nothing is checked."""
    require(principal, "check.run")
    path, filename = await save_upload(file)
    if not path.exists():
        raise InvalidData([FieldError("file", "is empty")])
    job = batch.queue_batch_job(session, principal, filename)
    session.commit()  # the job's own transactions must see the row
    batch.start_batch_job(
        request.app.state.db, job.id, path, principal, region=asker_region(session, principal)
    )
    return JSONResponse(
        {"id": str(job.id), "status": job.status, "status_url": f"/api/v1/checks/batch/{job.id}"},
        status_code=202,
    )


@router.get("/checks/batch/{job_id}")
def check_batch_status(job_id: str, session: SessionDep, principal: PrincipalDep) -> dict[str, Any]:
    data = batch.batch_status(batch.batch_job(session, principal, job_id))
    if data["status"] == "done":
        data["results_url"] = f"/api/v1/checks/batch/{job_id}/results.csv"
    return data


@router.get("/checks/batch/{job_id}/results.csv")
def check_batch_results(job_id: str, session: SessionDep, principal: PrincipalDep) -> Response:
    """One row per hit: ``query_id, rank, score, band, agency, source_id, visible``."""
    job = batch.batch_job(session, principal, job_id)
    return Response(
        batch.job_results_csv(session, job),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="checks-{job.id}.csv"'},
    )


@router.get("/hits")
def hit_inbox(session: SessionDep, principal: PrincipalDep) -> dict[str, Any]:
    """Your agency's hit inbox: checks by other agencies that hit your restricted records."""
    items = inbox(session, principal)
    return {"items": [inbox_item(n) for n in items]}
