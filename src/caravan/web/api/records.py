"""``/api/v1/{persons,seizures,reports}``: list, read, create, change, delete.

No ``from __future__ import annotations`` here: the routes are built in a loop and
FastAPI must see the body models as real classes, not strings.
"""

import uuid
from typing import Any

from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session

from caravan.collect import records
from caravan.store.models import IntelReport, Person, RecordMixin, SeizureReport
from caravan.web.api.schemas import (
    PageOut,
    PersonIn,
    PersonOut,
    RecordOut,
    ReportIn,
    ReportOut,
    SeizureIn,
    SeizureOut,
)
from caravan.web.deps import CsrfDep, PrincipalDep, SessionDep

router = APIRouter()

OUT_MODELS: dict[type[RecordMixin], type[RecordOut]] = {
    Person: PersonOut,
    SeizureReport: SeizureOut,
    IntelReport: ReportOut,
}


def record_out(
    session: Session, record: RecordMixin, *, detail: bool = False, principal: Any = None
) -> dict[str, Any]:
    """A record as the API shows it: its columns, owner agency code, recipients and kind."""
    model = OUT_MODELS[type(record)]
    data: dict[str, Any] = {
        name: getattr(record, name)
        for name in model.model_fields
        if name not in {"names", "links", "recipients"} and hasattr(record, name)
    }
    data.update(kind=record.KIND, agency=record.agency.code)
    if detail:
        data["recipients"] = records.recipients_of(session, record.id)
        if isinstance(record, Person):
            data["names"] = [
                {"full_name": n.full_name, "script": n.script, "kind": n.kind}
                for n in records.person_names(session, record)
            ]
        data["links"] = [
            {
                "link_type": item.link.link_type,
                "kind": item.record.KIND,
                "id": str(item.record.id),
                "label": getattr(item.record, "label", None)
                or getattr(item.record, "full_name", ""),
                "agency": item.record.agency.code,
                "report_id": str(item.link.report_id) if item.link.report_id else None,
            }
            for item in records.linked_records(session, principal, record)
        ]
    return model.model_validate(data).model_dump(mode="json")


def _register(kind: str, in_model: type[Any], out_model: type[RecordOut]) -> None:
    @router.get(f"/{kind}", response_model=PageOut, name=f"list_{kind}", tags=[kind])
    def list_(
        session: SessionDep,
        principal: PrincipalDep,
        q: str | None = None,
        agency: str | None = None,
        handling_code: str | None = None,
        nationality: str | None = None,
        birth_year: int | None = None,
        drug_group: str | None = None,
        drug_code: str | None = None,
        country: str | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        page: int = Query(1, ge=1),
        per_page: int = Query(50, ge=1, le=200),
        after: str | None = Query(None, description="A page's next_cursor: the page after it"),
        before: str | None = Query(None, description="A page's prev_cursor: the page before"),
    ) -> dict[str, Any]:
        filters = {
            k: v
            for k, v in locals().items()
            if k not in {"session", "principal", "page", "per_page", "after", "before"}
        }
        result = records.list_records(
            session,
            principal,
            kind,
            filters,
            page=page,
            per_page=per_page,
            after=after,
            before=before,
        )
        return {
            "items": [record_out(session, r) for r in result.items],
            "page": result.page,
            "per_page": result.per_page,
            "has_next": result.has_next,
            "next_cursor": result.next_cursor,
            "prev_cursor": result.prev_cursor,
        }

    @router.get(f"/{kind}/{{record_id}}", response_model=out_model, name=f"get_{kind}", tags=[kind])
    def get(record_id: uuid.UUID, session: SessionDep, principal: PrincipalDep) -> dict[str, Any]:
        record = records.read_record(session, principal, kind, record_id)
        return record_out(session, record, detail=True, principal=principal)

    @router.post(
        f"/{kind}",
        response_model=out_model,
        status_code=201,
        name=f"create_{kind}",
        tags=[kind],
        dependencies=[CsrfDep],
    )
    def create(body: in_model, session: SessionDep, principal: PrincipalDep) -> dict[str, Any]:  # type: ignore[valid-type]
        record = records.create_record(session, principal, kind, _raw(body))
        return record_out(session, record, detail=True, principal=principal)

    @router.put(
        f"/{kind}/{{record_id}}",
        response_model=out_model,
        name=f"update_{kind}",
        tags=[kind],
        dependencies=[CsrfDep],
    )
    def update(
        record_id: uuid.UUID,
        body: in_model,  # type: ignore[valid-type]
        session: SessionDep,
        principal: PrincipalDep,
    ) -> dict[str, Any]:
        record = records.update_record(session, principal, kind, record_id, _raw(body))
        return record_out(session, record, detail=True, principal=principal)

    @router.delete(
        f"/{kind}/{{record_id}}",
        status_code=204,
        name=f"delete_{kind}",
        tags=[kind],
        dependencies=[CsrfDep],
    )
    def delete(record_id: uuid.UUID, session: SessionDep, principal: PrincipalDep) -> Response:
        records.delete_record(session, principal, kind, record_id)
        return Response(status_code=204)


def _raw(body: Any) -> dict[str, Any]:
    raw = body.model_dump(exclude_none=True)
    raw["person_ids"] = [str(i) for i in raw.get("person_ids") or ()]
    raw["new_persons"] = [dict(p) for p in raw.get("new_persons") or ()]
    return raw


_register("persons", PersonIn, PersonOut)
_register("seizures", SeizureIn, SeizureOut)
_register("reports", ReportIn, ReportOut)
