"""Joint operations in the browser: my operations, and one operation's workspace.

:mod:`caravan.exchange.operations` decides who sees and does what (only members see an
operation; anyone else gets the same 404 as for one that does not exist). These handlers
parse the forms, call it, and render — or show the form again with each problem beside
its field, as the JSON API (:mod:`caravan.web.api.operations`) names them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from caravan.access import Principal, allowed, require
from caravan.errors import Conflict, FieldError, InvalidData
from caravan.exchange import operations as ops
from caravan.store.models import Agency
from caravan.web.deps import CsrfDep, LangDep, PrincipalDep, SessionDep
from caravan.web.i18n import translations
from caravan.web.templating import render
from caravan.web.ui.forms import FormState
from caravan.web.ui.graph import KIND_NAMES, record_pages
from caravan.web.ui.helpers import N_

router = APIRouter()

STATUS_NAMES = {
    "open": N_("Open"),
    "running": N_("Running"),
    "closed": N_("Closed"),
    "archived": N_("Archived"),
}
#: (from, to) → the button that makes the move.
TRANSITION_BUTTONS = {
    ("open", "running"): N_("Start the operation"),
    ("open", "closed"): N_("Close"),
    ("running", "closed"): N_("Close"),
    ("closed", "running"): N_("Reopen"),
    ("closed", "archived"): N_("Archive"),
}
SHARE_STATUS = {
    "pending": N_("Waiting for approval"),
    "shared": N_("Shared"),
    "refused": N_("Refused"),
}
ENTRY_KINDS = {"event": N_("Event"), "message": N_("Message"), "system": N_("System")}
#: ``?done=`` after a change → what the page says.
DONE = {
    "created": N_("Operation opened."),
    "status": N_("Status changed."),
    "agency": N_("Agencies changed."),
    "member": N_("Members changed."),
    "entry": N_("Added to the timeline."),
    "task": N_("Tasks changed."),
    "shared": N_("Record shared."),
    "pending": N_("Record shared: it waits for another supervisor of your agency to approve."),
    "approved": N_("Sharing approved."),
    "refused": N_("Sharing refused."),
}
#: Fixed service messages shown through ``_()``; marked here for Russian.
SERVICE_MESSAGES = (
    N_("must not be empty"),
    N_("expected text"),
    N_("give an agency code"),
    N_("give a username"),
    N_("give the record's id or reference"),
    N_("is not a date: expected YYYY-MM-DD"),
    N_("is not a date and time: expected YYYY-MM-DDTHH:MM"),
    N_("give when it happened (YYYY-MM-DDTHH:MM)"),
    N_("expected open or done"),
    N_("letters, digits and - _ . / only, starting with a letter or digit"),
    N_("Only a supervisor of the record's owner agency may decide on it"),
    N_(
        "You shared this record yourself: another supervisor of your agency must approve "
        "or refuse it (four-eyes)"
    ),
)


def _localise(message: str, lang: str) -> str:
    return message if lang == "en" else translations(lang).gettext(message)


def _list_page(
    request: Request,
    session: Session,
    principal: Principal,
    form: FormState | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "summaries": ops.list_operations(session, principal),
        "can_create": allowed(principal, "operation.create"),
        "all_agencies": session.scalars(select(Agency).order_by(Agency.code)).all(),
        "status_names": STATUS_NAMES,
        "form": form or FormState(),
        "done": DONE.get(request.query_params.get("done", "")),
    }
    return render(request, "operations/list.html", context, status_code=status_code)


@router.get("/operations")
def operations_page(request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
    require(principal, "operation.participate")
    return _list_page(request, session, principal)


@router.post("/operations", dependencies=[CsrfDep])
async def create_operation(
    request: Request, session: SessionDep, principal: PrincipalDep, lang: LangDep
) -> Response:
    require(principal, "operation.create")
    posted = await request.form()
    values = {name: str(posted.get(name) or "") for name in ("name", "code", "description")}
    agencies = [str(v) for v in posted.getlist("agencies") if str(v).strip()]
    form = FormState(values={**values, "agencies": agencies})
    try:
        operation = ops.create_operation(session, principal, agencies=agencies, **values)
    except (InvalidData, Conflict) as exc:
        session.rollback()
        errors = exc.errors if isinstance(exc, InvalidData) else [FieldError("code", exc.message)]
        for error in errors:
            name = "agencies" if error.field.startswith("agencies") else error.field
            form.errors.setdefault(name, []).append(_localise(error.message, lang))
        status = 409 if isinstance(exc, Conflict) else 422
        return _list_page(request, session, principal, form, status_code=status)
    session.commit()
    return RedirectResponse(f"/operations/{operation.id}?done=created", status_code=303)


def _workspace_page(
    request: Request,
    session: Session,
    principal: Principal,
    operation_id: Any,
    form: FormState | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    view = ops.workspace(session, principal, operation_id)
    context = {
        "ws": view,
        "op": view.operation,
        "status_names": STATUS_NAMES,
        "transition_buttons": TRANSITION_BUTTONS,
        "share_status": SHARE_STATUS,
        "entry_kinds": ENTRY_KINDS,
        "kinds": [(k, KIND_NAMES.get(k, k)) for k in ops.SHAREABLE_KINDS],
        "kind_names": KIND_NAMES,
        "pages": record_pages(request),
        "record_label": ops.record_label,
        "form": form or FormState(),
        "error": error,
        "done": DONE.get(request.query_params.get("done", "")),
        "me": principal.user_id,
    }
    return render(request, "operations/workspace.html", context, status_code=status_code)


@router.get("/operations/{operation_id}")
def workspace_page(
    request: Request, operation_id: str, session: SessionDep, principal: PrincipalDep
) -> Response:
    return _workspace_page(request, session, principal, operation_id)


async def _act(
    request: Request,
    session: Session,
    principal: Principal,
    operation_id: str,
    lang: str,
    prefix: str,
    fields: tuple[str, ...],
    action: Callable[[dict[str, str]], Any],
    done: str | Callable[[Any], str],
) -> Response:
    """Read ``fields`` from the form, run ``action``; on bad input or a conflict show the
    workspace again with the problems beside the ``<prefix>-<field>`` inputs."""
    ops.get_operation(session, principal, operation_id)  # 404 before reading anything
    posted = await request.form()
    # Inputs are named ``<prefix>-<field>`` so that several forms share one page.
    values = {name: str(posted.get(f"{prefix}-{name}") or "") for name in fields}
    form = FormState(values={f"{prefix}-{k}": v for k, v in values.items()})
    try:
        result = action(values)
    except InvalidData as exc:
        session.rollback()
        for error in exc.errors:
            name = f"{prefix}-{error.field}"
            form.errors.setdefault(name, []).append(_localise(error.message, lang))
        return _workspace_page(request, session, principal, operation_id, form, status_code=422)
    except Conflict as exc:
        session.rollback()
        return _workspace_page(
            request,
            session,
            principal,
            operation_id,
            form,
            error=_localise(exc.message, lang),
            status_code=409,
        )
    session.commit()
    key = done(result) if callable(done) else done
    target = f"/operations/{operation_id}?done={key}"
    return RedirectResponse(target, status_code=303)


@router.post("/operations/{operation_id}/status", dependencies=[CsrfDep])
async def set_status(
    request: Request, operation_id: str, session: SessionDep, principal: PrincipalDep, lang: LangDep
) -> Response:
    return await _act(
        request,
        session,
        principal,
        operation_id,
        lang,
        "status",
        ("status",),
        lambda v: ops.set_status(session, principal, operation_id, v["status"]),
        "status",
    )


@router.post("/operations/{operation_id}/agencies", dependencies=[CsrfDep])
async def add_agency(
    request: Request, operation_id: str, session: SessionDep, principal: PrincipalDep, lang: LangDep
) -> Response:
    return await _act(
        request,
        session,
        principal,
        operation_id,
        lang,
        "agency",
        ("agency",),
        lambda v: ops.add_agency(session, principal, operation_id, v["agency"]),
        "agency",
    )


@router.post("/operations/{operation_id}/agencies/{code}/remove", dependencies=[CsrfDep])
async def remove_agency(
    request: Request,
    operation_id: str,
    code: str,
    session: SessionDep,
    principal: PrincipalDep,
    lang: LangDep,
) -> Response:
    return await _act(
        request,
        session,
        principal,
        operation_id,
        lang,
        "agency",
        (),
        lambda v: ops.remove_agency(session, principal, operation_id, code),
        "agency",
    )


@router.post("/operations/{operation_id}/members", dependencies=[CsrfDep])
async def add_member(
    request: Request, operation_id: str, session: SessionDep, principal: PrincipalDep, lang: LangDep
) -> Response:
    return await _act(
        request,
        session,
        principal,
        operation_id,
        lang,
        "member",
        ("username",),
        lambda v: ops.add_member(session, principal, operation_id, v["username"]),
        "member",
    )


@router.post("/operations/{operation_id}/members/{user_id}/remove", dependencies=[CsrfDep])
async def remove_member(
    request: Request,
    operation_id: str,
    user_id: str,
    session: SessionDep,
    principal: PrincipalDep,
    lang: LangDep,
) -> Response:
    ops.get_operation(session, principal, operation_id)
    leaving = user_id == str(principal.user_id)
    response = await _act(
        request,
        session,
        principal,
        operation_id,
        lang,
        "member",
        (),
        lambda v: ops.remove_member(session, principal, operation_id, user_id),
        "member",
    )
    if leaving and response.status_code == 303:
        return RedirectResponse("/operations", status_code=303)
    return response


@router.post("/operations/{operation_id}/entries", dependencies=[CsrfDep])
async def add_entry(
    request: Request, operation_id: str, session: SessionDep, principal: PrincipalDep, lang: LangDep
) -> Response:
    posted = await request.form()
    if posted.get("kind") == "event":
        return await _act(
            request,
            session,
            principal,
            operation_id,
            lang,
            "event",
            ("at", "text"),
            lambda v: ops.add_event(session, principal, operation_id, v["at"], v["text"]),
            "entry",
        )
    return await _act(
        request,
        session,
        principal,
        operation_id,
        lang,
        "message",
        ("text",),
        lambda v: ops.post_message(session, principal, operation_id, v["text"]),
        "entry",
    )


@router.post("/operations/{operation_id}/tasks", dependencies=[CsrfDep])
async def add_task(
    request: Request, operation_id: str, session: SessionDep, principal: PrincipalDep, lang: LangDep
) -> Response:
    return await _act(
        request,
        session,
        principal,
        operation_id,
        lang,
        "task",
        ("title", "owner", "due_on"),
        lambda v: ops.add_task(
            session, principal, operation_id, title=v["title"], owner=v["owner"], due_on=v["due_on"]
        ),
        "task",
    )


@router.post("/operations/{operation_id}/tasks/{task_id}", dependencies=[CsrfDep])
async def change_task(
    request: Request,
    operation_id: str,
    task_id: str,
    session: SessionDep,
    principal: PrincipalDep,
    lang: LangDep,
) -> Response:
    """Tick a task off or reopen it (the form's ``status``)."""
    return await _act(
        request,
        session,
        principal,
        operation_id,
        lang,
        "taskstatus",
        ("status",),
        lambda v: ops.update_task(session, principal, operation_id, task_id, status=v["status"]),
        "task",
    )


@router.post("/operations/{operation_id}/records", dependencies=[CsrfDep])
async def share_record(
    request: Request, operation_id: str, session: SessionDep, principal: PrincipalDep, lang: LangDep
) -> Response:
    return await _act(
        request,
        session,
        principal,
        operation_id,
        lang,
        "share",
        ("kind", "record"),
        lambda v: ops.share_record(session, principal, operation_id, v["kind"], v["record"]),
        lambda share: "pending" if share.status == "pending" else "shared",
    )


@router.post("/operations/{operation_id}/records/{share_id}/approve", dependencies=[CsrfDep])
async def approve_share(
    request: Request,
    operation_id: str,
    share_id: str,
    session: SessionDep,
    principal: PrincipalDep,
    lang: LangDep,
) -> Response:
    """Four-eyes: another supervisor of the owner agency lets a pending share go."""
    return await _act(
        request,
        session,
        principal,
        operation_id,
        lang,
        "decide",
        (),
        lambda v: ops.approve_share(session, principal, operation_id, share_id),
        "approved",
    )


@router.post("/operations/{operation_id}/records/{share_id}/refuse", dependencies=[CsrfDep])
async def refuse_share(
    request: Request,
    operation_id: str,
    share_id: str,
    session: SessionDep,
    principal: PrincipalDep,
    lang: LangDep,
) -> Response:
    return await _act(
        request,
        session,
        principal,
        operation_id,
        lang,
        "decide",
        (),
        lambda v: ops.refuse_share(session, principal, operation_id, share_id),
        "refused",
    )


__all__ = ["router"]
