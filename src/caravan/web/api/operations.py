"""``/api/v1/operations``: joint operations' closed workspaces.

Only members see an operation: any other caller gets 404, exactly as for one that does
not exist. Supervisors and administrators open operations (their agency leads) and run
them (status, agencies, members); every member posts messages and events, adds and ticks
off tasks, and shares its own agency's records. Sharing an H2/H3 record waits for a
supervisor of the owner agency other than the one who shared it (four-eyes).
"""

# No ``from __future__ import annotations``: FastAPI reads these annotations at runtime.

from typing import Any, Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from caravan.access import HitNotice, Principal
from caravan.collect.records import KINDS
from caravan.errors import FieldError, InvalidData
from caravan.exchange import operations as ops
from caravan.store.models import (
    Operation,
    OperationEntry,
    OperationMember,
    OperationRecord,
    OperationTask,
    User,
)
from caravan.web.api.schemas import iso_utc
from caravan.web.deps import CsrfDep, PrincipalDep, SessionDep

router = APIRouter(tags=["operations"])

#: record kind → the API collection that serves it (persons, seizures, reports).
RECORD_URLS = {k.model.KIND: name for name, k in KINDS.items()}


class OperationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description=f"1-{ops.MAX_NAME} characters", examples=["SILK"])
    code: str | None = Field(
        None,
        description=f"Up to {ops.MAX_CODE} letters, digits and - _ . /, unique; generated "
        "(OP-<year>-<number>) when left out",
        examples=["OP-2026-0007"],
    )
    description: str = Field("", description=f"Up to {ops.MAX_DESCRIPTION:,} characters")
    agencies: list[str] = Field(
        default_factory=list,
        description="Codes of the other participating agencies (yours leads and is added)",
        examples=[["KG-MVD", "TJ-AKN"]],
    )


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: str = Field(
        description="open → running → closed → archived; also open → closed and "
        "closed → running (reopen). Archived is final and read-only.",
        examples=["running"],
    )


class AgencyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agency: str = Field(description="The agency's code", examples=["KG-MVD"])


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(
        description="A user of a participating agency (lead-agency managers add users of any "
        "participating agency, other managers users of their own)",
        examples=["kg-mvd.officer"],
    )


class EntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["message", "event"] = Field("message", description="A message, or an event")
    text: str = Field(description=f"1-{ops.MAX_TEXT:,} characters")
    at: str | None = Field(
        None,
        description="Events: when it happened, ISO 8601 (YYYY-MM-DDTHH:MM, UTC unless an "
        "offset is given); messages take the time of posting",
        examples=["2026-03-01T06:10"],
    )


class TaskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(description=f"1-{ops.MAX_TITLE} characters")
    owner: str = Field(description="Username of a member", examples=["kg-mvd.officer"])
    due_on: str | None = Field(None, description="YYYY-MM-DD", examples=["2026-03-05"])


class TaskChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["open", "done"] | None = Field(None, description="Tick off, or reopen")
    title: str | None = None
    owner: str | None = Field(None, description="Username of a member")
    due_on: str | None = Field(None, description="YYYY-MM-DD; null clears it")


class ShareIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(description="One of " + ", ".join(ops.SHAREABLE_KINDS), examples=["person"])
    record: str = Field(
        description="The record's id, or your agency's reference for it (its source id)",
        examples=["KZ-P-1001"],
    )


def _user(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {
        "id": user.id,
        "username": user.username,
        "name": user.display_name or user.username,
        "agency": user.agency.code,
        "role": user.role,
    }


def _operation(operation: Operation) -> dict[str, Any]:
    return {
        "id": operation.id,
        "code": operation.code,
        "name": operation.name,
        "description": operation.description,
        "status": operation.status,
        "lead_agency": operation.lead_agency.code,
        "created_at": iso_utc(operation.created_at),
        "updated_at": iso_utc(operation.updated_at),
        "url": f"/api/v1/operations/{operation.id}",
    }


def summary_to_dict(summary: ops.OperationSummary) -> dict[str, Any]:
    return {
        **_operation(summary.operation),
        "agencies": summary.agency_codes,
        "open_tasks": summary.open_tasks,
        "overdue_tasks": summary.overdue_tasks,
    }


def _member(member: OperationMember) -> dict[str, Any]:
    return {**(_user(member.user) or {}), "added_at": iso_utc(member.added_at)}


def _entry(entry: OperationEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "kind": entry.kind,
        "at": iso_utc(entry.at),
        "author": entry.author.username if entry.author else None,
        "author_agency": entry.author.agency.code if entry.author else None,
        "text": entry.text,
    }


def _task(task: OperationTask, overdue: bool) -> dict[str, Any]:
    return {
        "id": task.id,
        "title": task.title,
        "owner": task.owner.username if task.owner else None,
        "due_on": task.due_on.isoformat() if task.due_on else None,
        "status": task.status,
        "overdue": overdue,
        "done_at": iso_utc(task.done_at),
    }


def share_to_dict(view: ops.ShareView) -> dict[str, Any]:
    """A shared record: its content's summary when readable, else a hit notice only."""
    share: OperationRecord = view.share
    data: dict[str, Any] = {
        "id": share.id,
        "kind": share.record_kind,
        "owner": view.agency.code,
        "status": share.status,
        "handling_code": share.handling_code,
        "shared_by": view.shared_by.username if view.shared_by else None,
        "decided_by": view.approved_by.username if view.approved_by else None,
        "shared_at": iso_utc(share.created_at),
        "decided_at": iso_utc(share.decided_at),
        "readable": view.readable,
        "can_decide": view.can_decide,
    }
    if isinstance(view.view, HitNotice):
        notice = view.view
        data["notice"] = {
            "owner": notice.owner_code,
            "reference": notice.reference,
            "handling_code": notice.handling_code,
            "contact": notice.contact,
        }
    elif view.view is not None:
        record = view.view
        data["record"] = {
            "id": str(record.id),
            "reference": record.reference,
            "label": ops.record_label(record),
            "handling_code": record.handling_code,
        }
        if record.KIND in RECORD_URLS:
            data["record"]["url"] = f"/api/v1/{RECORD_URLS[record.KIND]}/{record.id}"
    return data


def workspace_to_dict(view: ops.Workspace) -> dict[str, Any]:
    return {
        **_operation(view.operation),
        "agencies": [
            {"code": a.code, "name": a.name_en, "lead": a.id == view.operation.lead_agency_id}
            for a in view.agencies
        ],
        "members": [_member(m) for m in view.members],
        "timeline": [_entry(e) for e in view.entries],
        "tasks": [_task(t.task, t.overdue) for t in view.tasks],
        "records": [share_to_dict(s) for s in view.shares],
        "allowed_transitions": list(view.transitions),
    }


def _workspace(session: Any, principal: Principal, operation_id: int) -> dict[str, Any]:
    return workspace_to_dict(ops.workspace(session, principal, operation_id))


@router.get("/operations")
def list_operations(
    session: SessionDep, principal: PrincipalDep, status: str | None = None
) -> dict[str, Any]:
    """The operations you are a member of, newest first (``status`` filters), with their
    agencies and open and overdue task counts."""
    items = ops.list_operations(session, principal, status=status or None)
    return {"items": [summary_to_dict(s) for s in items]}


@router.post("/operations", status_code=201, dependencies=[CsrfDep])
def create_operation(body: OperationIn, session: SessionDep, principal: PrincipalDep) -> Any:
    """Open an operation (supervisors and administrators): your agency leads it and you
    are its first member. 409 when the code is taken; 422 names each bad field
    (``agencies[1]``…)."""
    operation = ops.create_operation(
        session,
        principal,
        name=body.name,
        code=body.code,
        description=body.description,
        agencies=body.agencies,
    )
    return _workspace(session, principal, operation.id)


@router.get("/operations/{operation_id}")
def get_operation(operation_id: int, session: SessionDep, principal: PrincipalDep) -> Any:
    """The workspace: agencies, members, timeline (newest last), tasks (with ``overdue``)
    and shared records (a record you may not read yet — pending approval — is a hit
    notice, never its content)."""
    return _workspace(session, principal, operation_id)


@router.post("/operations/{operation_id}/status", dependencies=[CsrfDep])
def set_status(
    operation_id: int, body: StatusIn, session: SessionDep, principal: PrincipalDep
) -> Any:
    """Move the operation on (managers: supervisors, administrators). 409 for a move the
    status does not allow, and for anything on an archived operation."""
    ops.set_status(session, principal, operation_id, body.status)
    return _workspace(session, principal, operation_id)


@router.post("/operations/{operation_id}/agencies", status_code=201, dependencies=[CsrfDep])
def add_agency(
    operation_id: int, body: AgencyIn, session: SessionDep, principal: PrincipalDep
) -> Any:
    """Let another agency take part (managers); it receives the records already shared."""
    ops.add_agency(session, principal, operation_id, body.agency)
    return _workspace(session, principal, operation_id)


@router.delete("/operations/{operation_id}/agencies/{code}", dependencies=[CsrfDep])
def remove_agency(
    operation_id: int, code: str, session: SessionDep, principal: PrincipalDep
) -> Any:
    """Take an agency out with its members (managers of the lead agency or of that agency;
    never the lead). What it was given stays readable by it."""
    ops.remove_agency(session, principal, operation_id, code)
    return _workspace(session, principal, operation_id)


@router.post("/operations/{operation_id}/members", status_code=201, dependencies=[CsrfDep])
def add_member(
    operation_id: int, body: MemberIn, session: SessionDep, principal: PrincipalDep
) -> Any:
    """Add a user of a participating agency (managers); they are notified."""
    ops.add_member(session, principal, operation_id, body.username)
    return _workspace(session, principal, operation_id)


@router.delete("/operations/{operation_id}/members/{user_id}", dependencies=[CsrfDep])
def remove_member(
    operation_id: int, user_id: int, session: SessionDep, principal: PrincipalDep
) -> Response:
    """Leave (yourself), or take a member out (managers, as they add). The lead agency's
    last manager stays. 204."""
    ops.remove_member(session, principal, operation_id, user_id)
    return Response(status_code=204)


@router.post("/operations/{operation_id}/entries", status_code=201, dependencies=[CsrfDep])
def add_entry(
    operation_id: int, body: EntryIn, session: SessionDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Post a message, or record an event with when it happened (``at``)."""
    if body.kind == "event":
        entry = ops.add_event(session, principal, operation_id, body.at, body.text)
    else:
        if body.at is not None:
            raise InvalidData([FieldError("at", "only events take a time; leave it out")])
        entry = ops.post_message(session, principal, operation_id, body.text)
    return _entry(entry)


@router.post("/operations/{operation_id}/tasks", status_code=201, dependencies=[CsrfDep])
def add_task(
    operation_id: int, body: TaskIn, session: SessionDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Give a member a task, with an optional due date; the owner is notified."""
    task = ops.add_task(
        session, principal, operation_id, title=body.title, owner=body.owner, due_on=body.due_on
    )
    return _task(task, False)


@router.put("/operations/{operation_id}/tasks/{task_id}", dependencies=[CsrfDep])
def change_task(
    operation_id: int,
    task_id: int,
    body: TaskChangeIn,
    session: SessionDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    """Tick a task off (``status: done``) or reopen it; change its title, owner or due date."""
    given = body.model_fields_set
    if not given:
        raise InvalidData([FieldError("body", "give status, title, owner or due_on")])
    task = ops.update_task(
        session,
        principal,
        operation_id,
        task_id,
        status=body.status,
        title=body.title,
        owner=body.owner,
        due_on=body.due_on if "due_on" in given else ...,
    )
    operation = ops.get_operation(session, principal, operation_id)
    overdue = {t.task.id: t.overdue for t in ops.task_views(session, operation)}
    return _task(task, overdue.get(task.id, False))


@router.post("/operations/{operation_id}/records", status_code=201, dependencies=[CsrfDep])
def share_record(
    operation_id: int, body: ShareIn, session: SessionDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Share one of your agency's records with every participating agency: H0/H1 at once,
    H2/H3 once another supervisor of your agency approves (``status: pending`` until then)."""
    share = ops.share_record(session, principal, operation_id, body.kind, body.record)
    return _share(session, principal, operation_id, share.id)


def _share(session: Any, principal: Principal, operation_id: int, share_id: int) -> dict[str, Any]:
    operation = ops.get_operation(session, principal, operation_id)
    views = ops.share_views(session, principal, operation)
    return share_to_dict(next(v for v in views if v.share.id == share_id))


@router.post("/operations/{operation_id}/records/{share_id}/approve", dependencies=[CsrfDep])
def approve_share(
    operation_id: int, share_id: int, session: SessionDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Four-eyes: a supervisor or administrator of the owner agency, not the sharer, lets a
    pending share go. 403 for one's own share; 409 when already decided."""
    ops.approve_share(session, principal, operation_id, share_id)
    return _share(session, principal, operation_id, share_id)


@router.post("/operations/{operation_id}/records/{share_id}/refuse", dependencies=[CsrfDep])
def refuse_share(
    operation_id: int, share_id: int, session: SessionDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Four-eyes: keep a pending share inside the owner agency."""
    ops.refuse_share(session, principal, operation_id, share_id)
    return _share(session, principal, operation_id, share_id)
