"""``POST /api/v1/imports/{kind}``: a whole file in one all-or-nothing transaction."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, File, Form, UploadFile

from caravan.collect.importer import import_file
from caravan.web.api.schemas import ImportOut
from caravan.web.deps import CsrfDep, PrincipalDep, SessionDep

router = APIRouter(tags=["imports"])


@router.post("/imports/{kind}", response_model=ImportOut, dependencies=[CsrfDep])
def import_upload(
    kind: Literal["persons", "seizures", "reports", "organisations"],
    session: SessionDep,
    principal: PrincipalDep,
    file: UploadFile = File(
        ..., description="CSV (UTF-8 or Windows-1251), XLSX, JSON or JSON Lines"
    ),
    encoding: str | None = Form(None),
    agency: str | None = Form(None, description="Default agency (centre administrators only)"),
) -> dict[str, Any]:
    """Import a file. If any row is invalid, nothing is written and the answer is a 422
    whose ``errors`` list every bad row with its row number, column and reason."""
    result = import_file(
        session,
        principal,
        kind,
        file.file,
        encoding=encoding or None,
        agency_code=agency or None,
        filename=file.filename,
    )
    return {
        "status": "done",
        "rows": result.rows,
        "inserted": result.inserted,
        "updated": result.updated,
    }
