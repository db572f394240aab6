"""Persons, seizures and intelligence reports: list, file, show, change and delete.

The three kinds share one set of routes (registered per kind by :func:`_register`);
the services in :mod:`caravan.collect.records` do all checking and visibility,
these handlers only parse the form, call them and render.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from caravan.access import Principal, allowed, require
from caravan.collect import records as services
from caravan.errors import Conflict, FieldError, InvalidData, NotFound
from caravan.web.deps import CsrfDep, LangDep, PrincipalDep, SessionDep
from caravan.web.templating import render
from caravan.web.ui import views
from caravan.web.ui.forms import (
    FormState,
    choices,
    errors_by_field,
    parse_record_form,
    picked_persons,
    record_form_state,
)

router = APIRouter()

#: URL segment → (singular for templates, list filters accepted).
KIND_FILTERS: dict[str, tuple[str, ...]] = {
    "persons": ("q", "nationality", "birth_year", "agency", "handling_code"),
    "seizures": ("drug_group", "country", "date_from", "date_to", "agency", "handling_code"),
    "reports": ("q", "agency", "handling_code"),
}
SINGULAR = {"persons": "person", "seizures": "seizure", "reports": "report"}


def _record_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound("No such record") from None


def _form_page(
    request: Request,
    session: Session,
    principal: Principal,
    lang: str,
    kind: str,
    state: FormState,
    record: Any = None,
    status_code: int = 200,
) -> Response:
    context = {
        "kind": kind,
        "singular": SINGULAR[kind],
        "form": state,
        "record": record,
        "choices": choices(session, principal, lang),
        "picked": picked_persons(session, principal, state.person_ids),
        "action": f"/{kind}/{record.id}/edit" if record is not None else f"/{kind}/new",
    }
    return render(request, "records/form.html", context, status_code=status_code)


def _register(kind: str) -> None:
    """Add the list, new, detail, edit and delete routes of one kind of record."""

    @router.get(f"/{kind}", name=f"{kind}_list")
    def list_page(
        request: Request, session: SessionDep, principal: PrincipalDep, lang: LangDep
    ) -> Response:
        params = request.query_params
        filters = {name: params.get(name, "").strip() for name in KIND_FILTERS[kind]}
        try:
            page_no = max(1, int(params.get("page", "1")))
        except ValueError:
            page_no = 1
        errors: list[FieldError] = []
        try:
            page = services.list_records(
                session,
                principal,
                kind,
                filters,
                page=page_no,
                after=params.get("after") or None,
                before=params.get("before") or None,
            )
        except InvalidData as exc:
            errors = exc.errors
            page = services.Page([], 1, 50, False)
        context = {
            "kind": kind,
            "filters": filters,
            "page": page,
            "filter_errors": errors,
            **views.list_context(session, principal, kind, page.items, lang),
        }
        return render(request, f"records/list_{kind}.html", context)

    @router.get(f"/{kind}/new", name=f"{kind}_new")
    def new_form(
        request: Request, session: SessionDep, principal: PrincipalDep, lang: LangDep
    ) -> Response:
        state = FormState(values={"grading_scheme": "europol", "handling_code": "H2"})
        state.new_persons = [{}]
        return _form_page(request, session, principal, lang, kind, state)

    @router.post(f"/{kind}/new", dependencies=[CsrfDep])
    async def create(
        request: Request, session: SessionDep, principal: PrincipalDep, lang: LangDep
    ) -> Response:
        state, raw = parse_record_form(await request.form(), kind)
        try:
            record = services.create_record(session, principal, kind, raw)
        except (InvalidData, Conflict) as exc:
            session.rollback()  # inline persons may have been written before the error
            errors_by_field(state, _field_errors(exc))
            return _form_page(request, session, principal, lang, kind, state, status_code=422)
        session.commit()
        return RedirectResponse(f"/{kind}/{record.id}?notice=created", status_code=303)

    @router.get(f"/{kind}/{{record_id}}", name=f"{kind}_detail")
    def detail(
        request: Request,
        record_id: str,
        session: SessionDep,
        principal: PrincipalDep,
        lang: LangDep,
    ) -> Response:
        record = services.read_record(session, principal, kind, _record_id(record_id))
        owner = record.agency_id == principal.agency_id
        context = {
            "kind": kind,
            "record": record,
            "recipients": services.recipients_of(session, record.id),
            "can_edit": owner and allowed(principal, "record.update"),
            "can_delete": owner and allowed(principal, "record.delete"),
            **views.detail_context(session, principal, kind, record),
        }
        return render(request, f"records/{SINGULAR[kind]}.html", context)

    @router.get(f"/{kind}/{{record_id}}/edit")
    def edit_form(
        request: Request,
        record_id: str,
        session: SessionDep,
        principal: PrincipalDep,
        lang: LangDep,
    ) -> Response:
        record = services.read_record(session, principal, kind, _record_id(record_id))
        require(principal, "record.update", record)  # the owner alone may change it
        state = record_form_state(session, principal, kind, record)
        return _form_page(request, session, principal, lang, kind, state, record)

    @router.post(f"/{kind}/{{record_id}}/edit", dependencies=[CsrfDep])
    async def update(
        request: Request,
        record_id: str,
        session: SessionDep,
        principal: PrincipalDep,
        lang: LangDep,
    ) -> Response:
        rid = _record_id(record_id)
        state, raw = parse_record_form(await request.form(), kind)
        try:
            services.update_record(session, principal, kind, rid, raw)
        except (InvalidData, Conflict) as exc:
            session.rollback()
            errors_by_field(state, _field_errors(exc))
            record = services.read_record(session, principal, kind, rid)
            return _form_page(request, session, principal, lang, kind, state, record, 422)
        session.commit()
        return RedirectResponse(f"/{kind}/{rid}?notice=updated", status_code=303)

    @router.post(f"/{kind}/{{record_id}}/delete", dependencies=[CsrfDep])
    def delete(record_id: str, session: SessionDep, principal: PrincipalDep) -> Response:
        services.delete_record(session, principal, kind, _record_id(record_id))
        session.commit()
        return RedirectResponse(f"/{kind}?notice=deleted", status_code=303)


def _field_errors(exc: InvalidData | Conflict) -> list[FieldError]:
    if isinstance(exc, InvalidData):
        return exc.errors
    return [FieldError("source_id", exc.message)]


for _kind in KIND_FILTERS:
    _register(_kind)
