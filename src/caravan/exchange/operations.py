"""Joint operations: a closed workspace per operation.

An operation has participating agencies (one of them the lead), members (users of those
agencies), a timeline (events, messages and system entries), tasks with owners and due
dates, and records its owners shared into it. Only members see any of it: every read goes
through :func:`caravan.access.operation_visibility_clause`, and an operation one is not a
member of answers exactly like one that does not exist (:class:`NotFound`).

Who may do what (besides membership):

- open an operation: ``operation.create`` (supervisors, administrators); the opener's
  agency leads it and the opener is its first member;
- change its status, add agencies and members: ``operation.manage``. Managers of the lead
  agency may add users of any participating agency; managers of another agency add users
  of their own. An agency leaves by a lead manager or one of its own managers; the lead
  agency never leaves, and its last manager cannot be removed;
- post messages and events, add and tick off tasks, share records: ``operation.participate``;
- share a record: only its owner agency's members; H0/H1 records are shared at once,
  H2/H3 records wait until a supervisor or administrator of the owner agency *other than
  the one who shared it*, and a member, approves (``release.approve``; four-eyes).

A shared record names every participating agency as a recipient
(:class:`~caravan.store.models.RecordRecipient`), which is what lets their users read it
through :mod:`caravan.access`; it keeps its handling code. An agency added later receives
the records already shared. An agency that leaves keeps what it was given (information
once shared cannot be recalled) but receives nothing more.

Statuses: ``open`` → ``running`` → ``closed`` → ``archived``, also ``open`` → ``closed``
and ``closed`` → ``running`` (reopened). A closed operation takes no new messages, events,
tasks, shares, agencies or members (tasks may still be ticked off, members and agencies
removed, pending shares refused); an archived one is read-only.

Every step is audited (``operation.create``, ``operation.status``, ``operation.agency``,
``operation.member``, ``operation.entry``, ``operation.task``, ``operation.share``,
``operation.share_approve``, ``operation.share_refuse``).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from caravan import audit
from caravan.access import (
    HitNotice,
    Principal,
    allowed,
    hit_views,
    operation_visibility_clause,
    require,
    visible,
)
from caravan.errors import Conflict, FieldError, InvalidData, NotFound, PermissionDenied
from caravan.exchange.notify import notify
from caravan.store.models import (
    RECORD_MODELS,
    Agency,
    Operation,
    OperationAgency,
    OperationEntry,
    OperationMember,
    OperationRecord,
    OperationTask,
    RecordMixin,
    RecordRecipient,
    User,
)
from caravan.store.models.base import utcnow

STATUSES = ("open", "running", "closed", "archived")
#: status → the statuses it may move to.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "open": ("running", "closed"),
    "running": ("closed",),
    "closed": ("running", "archived"),
    "archived": (),
}
#: Record kinds that may be shared (links are relations, not records one shares).
SHAREABLE_KINDS = tuple(kind for kind in RECORD_MODELS if kind != "link")
MAX_CODE = 40
MAX_NAME = 200
MAX_DESCRIPTION = 5000
MAX_TEXT = 10_000
MAX_TITLE = 300
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-/]*")
MANAGER_ROLES = ("supervisor", "administrator")


# --------------------------------------------------------------------------- views


@dataclass(frozen=True)
class OperationSummary:
    """One line of "my operations"."""

    operation: Operation
    agency_codes: list[str]
    open_tasks: int
    overdue_tasks: int


@dataclass(frozen=True)
class TaskView:
    task: OperationTask
    overdue: bool


@dataclass(frozen=True)
class ShareView:
    """A shared record as one member sees it: the record, a hit notice (pending, or not
    readable), or ``None`` when the record no longer exists."""

    share: OperationRecord
    agency: Agency
    view: RecordMixin | HitNotice | None
    shared_by: User | None
    approved_by: User | None
    #: The viewer may approve or refuse it now.
    can_decide: bool

    @property
    def readable(self) -> bool:
        return isinstance(self.view, RecordMixin)


@dataclass
class Workspace:
    """Everything a member sees of one operation, and what they may do there."""

    operation: Operation
    agencies: list[Agency]
    members: list[OperationMember]
    entries: list[OperationEntry]
    tasks: list[TaskView]
    shares: list[ShareView]
    transitions: tuple[str, ...] = ()
    can_manage: bool = False
    can_participate: bool = False
    #: Agencies the viewer may add, users the viewer may add (username, agency code).
    addable_agencies: list[Agency] = field(default_factory=list)
    addable_users: list[User] = field(default_factory=list)
    #: Agency codes the viewer may remove, user ids the viewer may remove.
    removable_agencies: set[str] = field(default_factory=set)
    removable_members: set[int] = field(default_factory=set)

    @property
    def pending(self) -> list[ShareView]:
        return [s for s in self.shares if s.share.status == "pending"]


# --------------------------------------------------------------------------- helpers


def _today() -> date:
    return utcnow().date()


def _text(
    value: Any, name: str, limit: int, *, required: bool = True
) -> tuple[str, list[FieldError]]:
    if value is None:
        value = ""
    if not isinstance(value, str):
        return "", [FieldError(name, "expected text")]
    text = value.strip()
    if required and not text:
        return text, [FieldError(name, "must not be empty")]
    if len(text) > limit:
        return text, [FieldError(name, f"at most {limit:,} characters ({len(text):,} given)")]
    return text, []


def _operation_id(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        return int(str(value))
    except ValueError:
        return None


def get_operation(session: Session, principal: Principal, operation_id: Any) -> Operation:
    """One operation the principal is a member of, or :class:`NotFound`."""
    number = _operation_id(operation_id)
    operation = None
    if number is not None:
        operation = session.scalars(
            select(Operation).where(Operation.id == number, operation_visibility_clause(principal))
        ).first()
    if operation is None:
        raise NotFound(f"No operation {operation_id} that you may see")
    return operation


def _agency_ids(session: Session, operation: Operation) -> list[int]:
    return list(
        session.scalars(
            select(OperationAgency.agency_id).where(OperationAgency.operation_id == operation.id)
        )
    )


def _member_ids(session: Session, operation: Operation) -> list[int]:
    return list(
        session.scalars(
            select(OperationMember.user_id).where(OperationMember.operation_id == operation.id)
        )
    )


def _writable(operation: Operation, *, adding: bool = True) -> None:
    """Archived: read-only. Closed: nothing new (``adding``)."""
    if operation.status == "archived":
        raise Conflict(f"Operation {operation.code} is archived: it is read-only")
    if adding and operation.status == "closed":
        raise Conflict(
            f"Operation {operation.code} is closed: reopen it (status running) to add "
            "messages, events, tasks, shared records, agencies or members"
        )


def _is_lead(operation: Operation, principal: Principal) -> bool:
    return principal.agency_id == operation.lead_agency_id


def _entry(session: Session, operation: Operation, principal: Principal | None, text: str) -> None:
    now = utcnow()
    session.add(
        OperationEntry(
            operation_id=operation.id,
            kind="system",
            at=now,
            author_id=principal.user_id if principal else None,
            text=text,
            created_at=now,
        )
    )
    operation.updated_at = now


def _audit(
    session: Session,
    action: str,
    principal: Principal,
    operation: Operation,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    detail: str | None = None,
) -> None:
    audit.append(
        session,
        action,
        principal=principal,
        object_kind="operation",
        object_id=operation.id,
        before=before,
        after=after,
        detail=detail,
    )


def _link(operation: Operation) -> str:
    return f"/operations/{operation.id}"


def _agency_by_code(session: Session, code: Any, name: str) -> Agency:
    if not isinstance(code, str) or not code.strip():
        raise InvalidData([FieldError(name, "give an agency code")])
    agency = session.scalars(select(Agency).where(Agency.code == code.strip().upper())).first()
    if agency is None:
        raise InvalidData([FieldError(name, f"no agency {code.strip()!r}", value=code)])
    return agency


def _user_by_name(session: Session, username: Any, name: str) -> User:
    if isinstance(username, int) and not isinstance(username, bool):
        user = session.get(User, username)
    elif isinstance(username, str) and username.strip():
        user = session.scalars(select(User).where(User.username == username.strip())).first()
    else:
        raise InvalidData([FieldError(name, "give a username")])
    if user is None or not user.is_active:
        raise InvalidData([FieldError(name, f"no active user {username!r}", value=str(username))])
    return user


def _managers(session: Session, operation: Operation, agency_id: int) -> list[int]:
    """Active members of ``agency_id`` whose role manages operations."""
    return list(
        session.scalars(
            select(User.id)
            .join(OperationMember, OperationMember.user_id == User.id)
            .where(
                OperationMember.operation_id == operation.id,
                User.agency_id == agency_id,
                User.is_active.is_(True),
                User.role.in_(MANAGER_ROLES),
            )
        )
    )


# --------------------------------------------------------------------------- operations


def _next_code(session: Session, year: int) -> str:
    prefix = f"OP-{year}-"
    taken = session.scalars(select(Operation.code).where(Operation.code.like(prefix + "%")))
    numbers = [int(c[len(prefix) :]) for c in taken if c[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


def create_operation(
    session: Session,
    principal: Principal,
    *,
    name: Any,
    code: Any = None,
    description: Any = "",
    agencies: Sequence[Any] = (),
) -> Operation:
    """Open an operation led by the principal's agency, with ``agencies`` taking part.

    ``code`` is generated (``OP-2026-0001``) when not given; a code already taken is a
    :class:`Conflict`. Unknown agency codes are :class:`InvalidData` naming
    ``agencies[<n>]``.
    """
    require(principal, "operation.create")
    name_text, errors = _text(name, "name", MAX_NAME)
    description_text, problems = _text(description, "description", MAX_DESCRIPTION, required=False)
    errors += problems
    code_text = ""
    if code not in (None, ""):
        code_text, problems = _text(code, "code", MAX_CODE)
        errors += problems
        if not problems and not _CODE.fullmatch(code_text):
            errors.append(
                FieldError(
                    "code", "letters, digits and - _ . / only, starting with a letter or digit"
                )
            )
    if not isinstance(agencies, list | tuple):
        errors.append(FieldError("agencies", "expected a list of agency codes"))
        agencies = ()
    partners: list[Agency] = []
    for index, value in enumerate(agencies):
        try:
            agency = _agency_by_code(session, value, f"agencies[{index}]")
        except InvalidData as exc:
            errors += exc.errors
            continue
        if agency.id != principal.agency_id and agency not in partners:
            partners.append(agency)
    if errors:
        raise InvalidData(errors)
    now = utcnow()
    code_text = code_text.upper() if code_text else _next_code(session, now.year)
    if session.scalar(select(Operation.id).where(Operation.code == code_text)) is not None:
        raise Conflict(f"The code {code_text} is already taken by another operation")
    operation = Operation(
        code=code_text,
        name=name_text,
        description=description_text,
        status="open",
        lead_agency_id=principal.agency_id,
        created_by_id=principal.user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(operation)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(f"The code {code_text} is already taken by another operation") from None
    for agency_id in [principal.agency_id, *(a.id for a in partners)]:
        session.add(OperationAgency(operation_id=operation.id, agency_id=agency_id, added_at=now))
    session.add(
        OperationMember(
            operation_id=operation.id,
            user_id=principal.user_id,
            added_by_id=principal.user_id,
            added_at=now,
        )
    )
    codes = [principal.agency_code, *(a.code for a in partners)]
    _entry(session, operation, principal, f"Operation opened by {principal.username}")
    session.flush()
    _audit(
        session,
        "operation.create",
        principal,
        operation,
        after={**audit.snapshot(operation), "agencies": codes},
    )
    return operation


def list_operations(
    session: Session, principal: Principal, *, status: str | None = None, today: date | None = None
) -> list[OperationSummary]:
    """The operations the principal is a member of, newest first."""
    require(principal, "operation.participate")
    stmt = select(Operation).where(operation_visibility_clause(principal))
    if status:
        if status not in STATUSES:
            raise InvalidData([FieldError("status", "expected one of " + ", ".join(STATUSES))])
        stmt = stmt.where(Operation.status == status)
    operations = list(
        session.scalars(stmt.order_by(Operation.created_at.desc(), Operation.id.desc()))
    )
    if not operations:
        return []
    ids = [o.id for o in operations]
    codes: dict[int, list[str]] = {i: [] for i in ids}
    for op_id, code in session.execute(
        select(OperationAgency.operation_id, Agency.code)
        .join(Agency, Agency.id == OperationAgency.agency_id)
        .where(OperationAgency.operation_id.in_(ids))
        .order_by(Agency.code)
    ):
        codes[op_id].append(code)
    day = today or _today()
    open_tasks: dict[int, int] = {}
    overdue: dict[int, int] = {}
    for op_id, due_on in session.execute(
        select(OperationTask.operation_id, OperationTask.due_on).where(
            OperationTask.operation_id.in_(ids), OperationTask.status == "open"
        )
    ):
        open_tasks[op_id] = open_tasks.get(op_id, 0) + 1
        if due_on is not None and due_on < day:
            overdue[op_id] = overdue.get(op_id, 0) + 1
    return [
        OperationSummary(o, codes[o.id], open_tasks.get(o.id, 0), overdue.get(o.id, 0))
        for o in operations
    ]


def set_status(session: Session, principal: Principal, operation_id: Any, status: Any) -> Operation:
    """Move the operation to ``status`` (see :data:`TRANSITIONS`); members are told."""
    operation = get_operation(session, principal, operation_id)
    require(principal, "operation.manage")
    if status not in STATUSES:
        raise InvalidData([FieldError("status", "expected one of " + ", ".join(STATUSES))])
    _writable(operation, adding=False)
    if status not in TRANSITIONS[operation.status]:
        allowed_next = ", ".join(TRANSITIONS[operation.status])
        raise Conflict(
            f"Operation {operation.code} is {operation.status}: it may move to {allowed_next}, "
            f"not {status}"
        )
    before = operation.status
    operation.status = status
    _entry(session, operation, principal, f"Status changed from {before} to {status}")
    _audit(
        session,
        "operation.status",
        principal,
        operation,
        before={"status": before},
        after={"status": status},
    )
    others = [m for m in _member_ids(session, operation) if m != principal.user_id]
    notify(
        session,
        others,
        "operation.status",
        f"Operation {operation.code} is now {status}",
        body=f"{principal.username} changed the status of {operation.name} "
        f"from {before} to {status}.",
        link=_link(operation),
        payload={"operation": operation.id, "status": status},
    )
    return operation


# --------------------------------------------------------------------------- agencies


def _grant_shared(session: Session, operation: Operation, agency_ids: Sequence[int]) -> int:
    """Name ``agency_ids`` recipients of every record shared in the operation."""
    shares = session.scalars(
        select(OperationRecord).where(
            OperationRecord.operation_id == operation.id, OperationRecord.status == "shared"
        )
    ).all()
    granted = 0
    for share in shares:
        granted += _add_recipients(session, share, agency_ids)
    return granted


def _add_recipients(session: Session, share: OperationRecord, agency_ids: Sequence[int]) -> int:
    wanted = {a for a in agency_ids if a != share.agency_id}
    if not wanted:
        return 0
    have = set(
        session.scalars(
            select(RecordRecipient.agency_id).where(
                RecordRecipient.record_id == share.record_id,
                RecordRecipient.agency_id.in_(wanted),
            )
        )
    )
    for agency_id in sorted(wanted - have):
        session.add(RecordRecipient(record_id=share.record_id, agency_id=agency_id))
    return len(wanted - have)


def add_agency(session: Session, principal: Principal, operation_id: Any, code: Any) -> Agency:
    """Let another agency take part; it receives the records already shared."""
    operation = get_operation(session, principal, operation_id)
    require(principal, "operation.manage")
    _writable(operation)
    agency = _agency_by_code(session, code, "agency")
    if agency.id in _agency_ids(session, operation):
        raise Conflict(f"{agency.code} already takes part in operation {operation.code}")
    session.add(OperationAgency(operation_id=operation.id, agency_id=agency.id, added_at=utcnow()))
    granted = _grant_shared(session, operation, [agency.id])
    _entry(session, operation, principal, f"Agency {agency.code} joined the operation")
    session.flush()
    _audit(
        session,
        "operation.agency",
        principal,
        operation,
        after={"agency": agency.code},
        detail=f"added {agency.code}; {granted} shared record(s) now readable by it",
    )
    return agency


def remove_agency(session: Session, principal: Principal, operation_id: Any, code: Any) -> None:
    """Take an agency out (with its members and its shares still pending).

    For managers of the lead agency, or of the leaving agency itself. Records already
    shared with it stay readable by it.
    """
    operation = get_operation(session, principal, operation_id)
    require(principal, "operation.manage")
    _writable(operation, adding=False)
    agency = _agency_by_code(session, code, "agency")
    link = session.get(OperationAgency, (operation.id, agency.id))
    if link is None:
        raise InvalidData(
            [
                FieldError(
                    "agency", f"{agency.code} does not take part in operation {operation.code}"
                )
            ]
        )
    if agency.id == operation.lead_agency_id:
        raise Conflict(
            f"{agency.code} leads operation {operation.code}: the lead agency cannot leave"
        )
    if not _is_lead(operation, principal) and principal.agency_id != agency.id:
        raise PermissionDenied(
            f"Only managers of the lead agency or of {agency.code} itself "
            f"may take {agency.code} out"
        )
    members = session.scalars(
        select(OperationMember)
        .join(User, User.id == OperationMember.user_id)
        .where(OperationMember.operation_id == operation.id, User.agency_id == agency.id)
    ).all()
    for member in members:
        session.delete(member)
    pending = session.scalars(
        select(OperationRecord).where(
            OperationRecord.operation_id == operation.id,
            OperationRecord.agency_id == agency.id,
            OperationRecord.status == "pending",
        )
    ).all()
    for share in pending:
        session.delete(share)
    session.delete(link)
    _entry(session, operation, principal, f"Agency {agency.code} left the operation")
    session.flush()
    _audit(
        session,
        "operation.agency",
        principal,
        operation,
        before={"agency": agency.code, "members": [m.user_id for m in members]},
        detail=f"removed {agency.code} with {len(members)} member(s) and "
        f"{len(pending)} pending share(s)",
    )


# --------------------------------------------------------------------------- members


def _may_add_from(operation: Operation, principal: Principal, agency_id: int) -> bool:
    return _is_lead(operation, principal) or agency_id == principal.agency_id


def add_member(
    session: Session, principal: Principal, operation_id: Any, username: Any
) -> OperationMember:
    """Make a user of a participating agency a member; they are told.

    Managers of the lead agency add users of any participating agency; other managers add
    users of their own agency.
    """
    operation = get_operation(session, principal, operation_id)
    require(principal, "operation.manage")
    _writable(operation)
    user = _user_by_name(session, username, "username")
    if user.agency_id not in _agency_ids(session, operation):
        raise InvalidData(
            [
                FieldError(
                    "username",
                    f"{user.username} belongs to {user.agency.code}, which does not take part in "
                    "this operation: add the agency first",
                    value=user.username,
                )
            ]
        )
    if not _may_add_from(operation, principal, user.agency_id):
        raise PermissionDenied(
            f"You may add users of your own agency ({principal.agency_code}) only; "
            f"ask a manager of {user.agency.code} or of the lead agency"
        )
    if session.get(OperationMember, (operation.id, user.id)) is not None:
        raise Conflict(f"{user.username} is already a member of operation {operation.code}")
    member = OperationMember(
        operation_id=operation.id, user_id=user.id, added_by_id=principal.user_id, added_at=utcnow()
    )
    session.add(member)
    _entry(session, operation, principal, f"{user.username} ({user.agency.code}) became a member")
    session.flush()
    _audit(
        session,
        "operation.member",
        principal,
        operation,
        after={"member": user.username, "agency": user.agency.code},
        detail=f"added {user.username}",
    )
    if user.id != principal.user_id:
        notify(
            session,
            [user.id],
            "operation.member",
            f"You were added to operation {operation.code}",
            body=f"{principal.username} made you a member of {operation.name}.",
            link=_link(operation),
            payload={"operation": operation.id},
        )
    return member


def remove_member(session: Session, principal: Principal, operation_id: Any, user_id: Any) -> None:
    """Take a member out (anyone may leave; managers remove others as they add them).

    The lead agency's last manager stays, so that someone can always run the operation.
    """
    operation = get_operation(session, principal, operation_id)
    require(principal, "operation.participate")
    _writable(operation, adding=False)
    number = _operation_id(user_id)
    member = session.get(OperationMember, (operation.id, number)) if number is not None else None
    if member is None:
        raise NotFound(f"No member {user_id} in operation {operation.code}")
    user = member.user
    if user.id != principal.user_id:
        require(principal, "operation.manage")
        if not _may_add_from(operation, principal, user.agency_id):
            raise PermissionDenied(
                f"You may remove users of your own agency ({principal.agency_code}) only"
            )
    lead_managers = _managers(session, operation, operation.lead_agency_id)
    if lead_managers == [user.id]:
        raise Conflict(
            f"{user.username} is the last manager of the lead agency in operation "
            f"{operation.code}: add another supervisor of it first"
        )
    session.delete(member)
    _entry(
        session, operation, principal, f"{user.username} ({user.agency.code}) left the operation"
    )
    session.flush()
    _audit(
        session,
        "operation.member",
        principal,
        operation,
        before={"member": user.username, "agency": user.agency.code},
        detail=f"removed {user.username}",
    )


# --------------------------------------------------------------------------- timeline


def _parse_at(value: Any) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and value.strip():
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise InvalidData(
                [FieldError("at", "is not a date and time: expected YYYY-MM-DDTHH:MM", value=value)]
            ) from None
    else:
        raise InvalidData([FieldError("at", "give when it happened (YYYY-MM-DDTHH:MM)")])
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _post(
    session: Session, principal: Principal, operation_id: Any, kind: str, text: Any, at: Any
) -> OperationEntry:
    operation = get_operation(session, principal, operation_id)
    require(principal, "operation.participate")
    _writable(operation)
    body, errors = _text(text, "text", MAX_TEXT)
    when = utcnow()
    if kind == "event":
        try:
            when = _parse_at(at)
        except InvalidData as exc:
            errors += exc.errors
    if errors:
        raise InvalidData(errors)
    entry = OperationEntry(
        operation_id=operation.id,
        kind=kind,
        at=when,
        author_id=principal.user_id,
        text=body,
        created_at=utcnow(),
    )
    session.add(entry)
    operation.updated_at = utcnow()
    session.flush()
    _audit(
        session,
        "operation.entry",
        principal,
        operation,
        after={"entry": entry.id, "kind": kind, "at": when, "text": body},
    )
    return entry


def post_message(
    session: Session, principal: Principal, operation_id: Any, text: Any
) -> OperationEntry:
    """Write a message to the operation's timeline."""
    return _post(session, principal, operation_id, "message", text, None)


def add_event(
    session: Session, principal: Principal, operation_id: Any, at: Any, text: Any
) -> OperationEntry:
    """Record an event (a border crossing, a hand-over…) at the time it happened."""
    return _post(session, principal, operation_id, "event", text, at)


def timeline(session: Session, principal: Principal, operation_id: Any) -> list[OperationEntry]:
    """Every entry, oldest first (newest last), by when it happened."""
    operation = get_operation(session, principal, operation_id)
    return _entries(session, operation)


def _entries(session: Session, operation: Operation) -> list[OperationEntry]:
    return list(
        session.scalars(
            select(OperationEntry)
            .where(OperationEntry.operation_id == operation.id)
            .order_by(OperationEntry.at, OperationEntry.id)
        )
    )


# --------------------------------------------------------------------------- tasks


def _parse_due(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InvalidData(
        [FieldError("due_on", "is not a date: expected YYYY-MM-DD", value=str(value))]
    )


def _owner(session: Session, operation: Operation, username: Any) -> User:
    user = _user_by_name(session, username, "owner")
    if session.get(OperationMember, (operation.id, user.id)) is None:
        raise InvalidData(
            [
                FieldError(
                    "owner",
                    f"{user.username} is not a member of this operation",
                    value=user.username,
                )
            ]
        )
    return user


def _task(session: Session, operation: Operation, task_id: Any) -> OperationTask:
    number = _operation_id(task_id)
    task = session.get(OperationTask, number) if number is not None else None
    if task is None or task.operation_id != operation.id:
        raise NotFound(f"No task {task_id} in operation {operation.code}")
    return task


def add_task(
    session: Session,
    principal: Principal,
    operation_id: Any,
    *,
    title: Any,
    owner: Any,
    due_on: Any = None,
) -> OperationTask:
    """A task for one member, with an optional due date; the owner is told."""
    operation = get_operation(session, principal, operation_id)
    require(principal, "operation.participate")
    _writable(operation)
    title_text, errors = _text(title, "title", MAX_TITLE)
    owner_user: User | None = None
    due: date | None = None
    try:
        owner_user = _owner(session, operation, owner)
    except InvalidData as exc:
        errors += exc.errors
    try:
        due = _parse_due(due_on)
    except InvalidData as exc:
        errors += exc.errors
    if errors or owner_user is None:
        raise InvalidData(errors)
    task = OperationTask(
        operation_id=operation.id,
        title=title_text,
        owner_id=owner_user.id,
        due_on=due,
        status="open",
        created_by_id=principal.user_id,
        created_at=utcnow(),
    )
    session.add(task)
    operation.updated_at = utcnow()
    session.flush()
    _audit(
        session,
        "operation.task",
        principal,
        operation,
        after={"task": task.id, "title": title_text, "owner": owner_user.username, "due_on": due},
        detail="created",
    )
    if owner_user.id != principal.user_id:
        notify(
            session,
            [owner_user.id],
            "operation.task",
            f"New task in operation {operation.code}: {title_text}",
            body=f"{principal.username} gave you a task"
            + (f", due {due.isoformat()}" if due else "")
            + ".",
            link=_link(operation),
            payload={"operation": operation.id, "task": task.id},
        )
    return task


def update_task(
    session: Session,
    principal: Principal,
    operation_id: Any,
    task_id: Any,
    *,
    status: Any = None,
    title: Any = None,
    owner: Any = None,
    due_on: Any = ...,
) -> OperationTask:
    """Tick a task off (``status="done"``) or reopen it; change its title, owner or due
    date (``due_on=None`` clears it). A closed operation allows ticking off only."""
    operation = get_operation(session, principal, operation_id)
    require(principal, "operation.participate")
    task = _task(session, operation, task_id)
    changes_details = title is not None or owner is not None or due_on is not ...
    _writable(operation, adding=changes_details)
    errors: list[FieldError] = []
    before = audit.snapshot(task)
    if status is not None:
        if status not in ("open", "done"):
            errors.append(FieldError("status", "expected open or done"))
        elif status != task.status:
            task.status = status
            task.done_at = utcnow() if status == "done" else None
    if title is not None:
        text, problems = _text(title, "title", MAX_TITLE)
        errors += problems
        task.title = text
    new_owner: User | None = None
    if owner is not None:
        try:
            new_owner = _owner(session, operation, owner)
            task.owner_id = new_owner.id
        except InvalidData as exc:
            errors += exc.errors
    if due_on is not ...:
        try:
            task.due_on = _parse_due(due_on)
        except InvalidData as exc:
            errors += exc.errors
    if errors:
        raise InvalidData(errors)
    session.flush()
    old, new = audit.changed_fields(before, audit.snapshot(task))
    if old or new:
        operation.updated_at = utcnow()
        _audit(
            session,
            "operation.task",
            principal,
            operation,
            before=old,
            after={"task": task.id, **new},
        )
    if new_owner is not None and "owner_id" in new and new_owner.id != principal.user_id:
        notify(
            session,
            [new_owner.id],
            "operation.task",
            f"Task in operation {operation.code} is now yours: {task.title}",
            link=_link(operation),
            payload={"operation": operation.id, "task": task.id},
        )
    session.refresh(task)
    return task


def task_views(session: Session, operation: Operation, today: date | None = None) -> list[TaskView]:
    """Tasks, open first by due date; ``overdue``: open and due before today."""
    day = today or _today()
    tasks = session.scalars(
        select(OperationTask)
        .where(OperationTask.operation_id == operation.id)
        .order_by(OperationTask.id)
    ).all()
    ordered = sorted(
        tasks, key=lambda t: (t.status != "open", t.due_on is None, t.due_on or day, t.id)
    )
    return [
        TaskView(t, t.status == "open" and t.due_on is not None and t.due_on < day) for t in ordered
    ]


# --------------------------------------------------------------------------- shared records


def _own_record(session: Session, principal: Principal, kind: Any, ref: Any) -> RecordMixin:
    if kind not in SHAREABLE_KINDS:
        raise InvalidData(
            [FieldError("kind", "expected one of " + ", ".join(SHAREABLE_KINDS), value=str(kind))]
        )
    model = RECORD_MODELS[kind]
    if not isinstance(ref, str | uuid.UUID) or not str(ref).strip():
        raise InvalidData([FieldError("record", "give the record's id or reference")])
    text = str(ref).strip()
    try:
        condition = model.id == uuid.UUID(text)
    except ValueError:
        condition = model.source_id == text
    # Only the principal's agency's own records: another agency's record answers as unknown.
    record = session.scalars(
        visible(select(model), model, principal).where(
            condition, model.agency_id == principal.agency_id
        )
    ).first()
    if record is None:
        raise InvalidData(
            [
                FieldError(
                    "record",
                    f"no {kind} of your agency ({principal.agency_code}) with id or "
                    f"reference {text!r}",
                    value=text,
                )
            ]
        )
    return record


def _approvers(session: Session, operation: Operation, share: OperationRecord) -> list[int]:
    """Members who may approve ``share``: the owner agency's managers, not its sharer."""
    return [
        user_id
        for user_id in _managers(session, operation, share.agency_id)
        if user_id != share.shared_by_id
    ]


def share_record(
    session: Session, principal: Principal, operation_id: Any, kind: Any, record: Any
) -> OperationRecord:
    """Share one of one's agency's records with every participating agency.

    ``record`` is its id or the owner's reference. H0/H1: shared at once; H2/H3: pending
    until another supervisor of the owner agency approves (they are told).
    """
    operation = get_operation(session, principal, operation_id)
    require(principal, "operation.participate")
    _writable(operation)
    if principal.agency_id not in _agency_ids(session, operation):
        raise PermissionDenied(
            f"Your agency ({principal.agency_code}) does not take part in this operation"
        )
    found = _own_record(session, principal, kind, record)
    share = session.scalars(
        select(OperationRecord).where(
            OperationRecord.operation_id == operation.id, OperationRecord.record_id == found.id
        )
    ).first()
    if share is not None and share.status != "refused":
        state = "waits for approval" if share.status == "pending" else "is already shared"
        raise Conflict(
            f"This {found.KIND} ({found.reference}) {state} in operation {operation.code}"
        )
    restricted = found.handling_code in ("H2", "H3")
    now = utcnow()
    if share is None:
        share = OperationRecord(operation_id=operation.id, record_id=found.id)
        session.add(share)
    share.record_kind = found.KIND
    share.agency_id = found.agency_id
    share.handling_code = found.handling_code
    share.status = "pending" if restricted else "shared"
    share.shared_by_id = principal.user_id
    share.approved_by_id = None
    share.created_at = now
    share.decided_at = None if restricted else now
    session.flush()
    if not restricted:
        _add_recipients(session, share, _agency_ids(session, operation))
        _entry(
            session,
            operation,
            principal,
            f"{principal.agency_code} shared {found.KIND} {found.reference} "
            f"({found.handling_code})",
        )
    else:
        _entry(
            session,
            operation,
            principal,
            f"{principal.agency_code} asked to share {found.KIND} {found.reference} "
            f"({found.handling_code}); a supervisor of {principal.agency_code} must approve",
        )
    session.flush()
    _audit(
        session,
        "operation.share",
        principal,
        operation,
        after={
            "share": share.id,
            "kind": found.KIND,
            "record": str(found.id),
            "handling_code": found.handling_code,
            "status": share.status,
        },
    )
    if restricted:
        notify(
            session,
            _approvers(session, operation, share),
            "operation.share_approval",
            f"Approve sharing a {found.handling_code} {found.KIND} in operation {operation.code}",
            body=f"{principal.username} asks to share {found.KIND} {found.reference} with every "
            f"agency of {operation.name}. It waits for a supervisor of {principal.agency_code}.",
            link=_link(operation),
            payload={"operation": operation.id, "share": share.id},
        )
    return share


def _pending_share(
    session: Session, principal: Principal, operation: Operation, share_id: Any
) -> OperationRecord:
    number = _operation_id(share_id)
    share = session.get(OperationRecord, number) if number is not None else None
    if share is None or share.operation_id != operation.id:
        raise NotFound(f"No shared record {share_id} in operation {operation.code}")
    require(principal, "release.approve")
    if share.agency_id != principal.agency_id:
        raise PermissionDenied("Only a supervisor of the record's owner agency may decide on it")
    if share.status != "pending":
        raise Conflict(f"This share was already decided ({share.status})")
    if share.shared_by_id == principal.user_id:
        raise PermissionDenied(
            "You shared this record yourself: another supervisor of your agency must approve "
            "or refuse it (four-eyes)"
        )
    return share


def approve_share(
    session: Session, principal: Principal, operation_id: Any, share_id: Any
) -> OperationRecord:
    """Four-eyes: let a pending H2/H3 share go to every participating agency."""
    operation = get_operation(session, principal, operation_id)
    share = _pending_share(session, principal, operation, share_id)
    _writable(operation)
    share.status = "shared"
    share.approved_by_id = principal.user_id
    share.decided_at = utcnow()
    granted = _add_recipients(session, share, _agency_ids(session, operation))
    _entry(
        session,
        operation,
        principal,
        f"{principal.username} approved sharing {share.record_kind} {str(share.record_id)[:8]} "
        f"({share.handling_code})",
    )
    session.flush()
    _audit(
        session,
        "operation.share_approve",
        principal,
        operation,
        before={"share": share.id, "status": "pending"},
        after={"share": share.id, "status": "shared", "record": str(share.record_id)},
        detail=f"{granted} agency(ies) named recipients",
    )
    if share.shared_by_id is not None:
        notify(
            session,
            [share.shared_by_id],
            "operation.share_approved",
            f"Sharing approved in operation {operation.code}",
            body=f"{principal.username} approved the {share.handling_code} {share.record_kind} "
            "you shared.",
            link=_link(operation),
            payload={"operation": operation.id, "share": share.id},
        )
    return share


def refuse_share(
    session: Session, principal: Principal, operation_id: Any, share_id: Any
) -> OperationRecord:
    """Four-eyes: keep a pending share from leaving the owner agency."""
    operation = get_operation(session, principal, operation_id)
    share = _pending_share(session, principal, operation, share_id)
    _writable(operation, adding=False)
    share.status = "refused"
    share.approved_by_id = principal.user_id
    share.decided_at = utcnow()
    _entry(
        session,
        operation,
        principal,
        f"{principal.username} refused sharing {share.record_kind} {str(share.record_id)[:8]}",
    )
    session.flush()
    _audit(
        session,
        "operation.share_refuse",
        principal,
        operation,
        before={"share": share.id, "status": "pending"},
        after={"share": share.id, "status": "refused"},
    )
    if share.shared_by_id is not None:
        notify(
            session,
            [share.shared_by_id],
            "operation.share_refused",
            f"Sharing refused in operation {operation.code}",
            body=f"{principal.username} refused the {share.handling_code} {share.record_kind} "
            "you shared.",
            link=_link(operation),
            payload={"operation": operation.id, "share": share.id},
        )
    return share


def share_views(session: Session, principal: Principal, operation: Operation) -> list[ShareView]:
    """The operation's shared records as ``principal`` may see them (through
    :func:`caravan.access.hit_views`: a record they may not read — pending — is a notice).
    Refused shares are shown to their owner agency only."""
    shares = [
        s
        for s in session.scalars(
            select(OperationRecord)
            .where(OperationRecord.operation_id == operation.id)
            .order_by(OperationRecord.id)
        )
        if s.status != "refused" or s.agency_id == principal.agency_id
    ]
    by_kind: dict[str, list[uuid.UUID]] = {}
    for share in shares:
        by_kind.setdefault(share.record_kind, []).append(share.record_id)
    views: dict[uuid.UUID, RecordMixin | HitNotice] = {}
    for kind, ids in by_kind.items():
        views.update(hit_views(session, RECORD_MODELS[kind], ids, principal))
    users = {
        u.id: u
        for u in session.scalars(
            select(User).where(
                User.id.in_(
                    ({s.shared_by_id for s in shares} | {s.approved_by_id for s in shares}) - {None}
                )
            )
        )
    }
    agencies = {
        a.id: a
        for a in session.scalars(select(Agency).where(Agency.id.in_({s.agency_id for s in shares})))
    }
    may_approve = allowed(principal, "release.approve")
    result = []
    for share in shares:
        can_decide = (
            may_approve
            and share.status == "pending"
            and share.agency_id == principal.agency_id
            and share.shared_by_id != principal.user_id
            and operation.status in ("open", "running")
        )
        result.append(
            ShareView(
                share=share,
                agency=agencies[share.agency_id],
                view=views.get(share.record_id),
                shared_by=users.get(share.shared_by_id) if share.shared_by_id else None,
                approved_by=users.get(share.approved_by_id) if share.approved_by_id else None,
                can_decide=can_decide,
            )
        )
    return result


def record_label(record: RecordMixin) -> str:
    """A short line naming a record the reader may read (never used for a notice)."""
    if record.KIND == "person":
        return str(record.full_name)  # type: ignore[attr-defined]
    if record.KIND == "seizure":
        seizure: Any = record
        quantity = f"{seizure.quantity.normalize():f} {seizure.unit}"
        return f"{seizure.date} · {seizure.drug_code} · {quantity}"
    if record.KIND == "report":
        return str(record.title)  # type: ignore[attr-defined]
    label = getattr(record, "label", None)
    return str(label) if label else record.reference


# --------------------------------------------------------------------------- the workspace


def workspace(
    session: Session, principal: Principal, operation_id: Any, *, today: date | None = None
) -> Workspace:
    """Everything a member sees of one operation, and what they may do in it."""
    operation = get_operation(session, principal, operation_id)
    require(principal, "operation.participate")
    agency_ids = _agency_ids(session, operation)
    agencies = sorted(
        session.scalars(select(Agency).where(Agency.id.in_(agency_ids))),
        key=lambda a: (a.id != operation.lead_agency_id, a.code),
    )
    members = sorted(
        session.scalars(
            select(OperationMember).where(OperationMember.operation_id == operation.id)
        ),
        key=lambda m: (m.user.agency.code, m.user.username),
    )
    view = Workspace(
        operation=operation,
        agencies=agencies,
        members=members,
        entries=_entries(session, operation),
        tasks=task_views(session, operation, today),
        shares=share_views(session, principal, operation),
    )
    editable = operation.status in ("open", "running")
    view.can_participate = editable and allowed(principal, "operation.participate")
    manager = allowed(principal, "operation.manage") and operation.status != "archived"
    view.can_manage = manager
    if manager:
        view.transitions = TRANSITIONS[operation.status]
        lead = _is_lead(operation, principal)
        view.removable_agencies = {
            a.code
            for a in agencies
            if a.id != operation.lead_agency_id and (lead or a.id == principal.agency_id)
        }
        member_ids = {m.user_id for m in members}
        lead_managers = _managers(session, operation, operation.lead_agency_id)
        view.removable_members = {
            m.user_id
            for m in members
            if _may_add_from(operation, principal, m.user.agency_id)
            and lead_managers != [m.user_id]
        }
        if editable:
            view.addable_agencies = list(
                session.scalars(
                    select(Agency).where(Agency.id.not_in(agency_ids)).order_by(Agency.code)
                )
            )
            candidates = select(User).where(
                User.is_active.is_(True), User.agency_id.in_(agency_ids)
            )
            if not lead:
                candidates = candidates.where(User.agency_id == principal.agency_id)
            view.addable_users = [
                u
                for u in session.scalars(candidates.order_by(User.username))
                if u.id not in member_ids
            ]
    elif operation.status != "archived":
        # Anyone may leave (unless they are the lead agency's last manager).
        view.removable_members = {principal.user_id}
    return view


__all__ = [
    "SHAREABLE_KINDS",
    "STATUSES",
    "TRANSITIONS",
    "OperationSummary",
    "ShareView",
    "TaskView",
    "Workspace",
    "add_agency",
    "add_event",
    "add_member",
    "approve_share",
    "create_operation",
    "get_operation",
    "list_operations",
    "post_message",
    "record_label",
    "refuse_share",
    "remove_agency",
    "remove_member",
    "set_status",
    "share_record",
    "share_views",
    "task_views",
    "timeline",
    "update_task",
    "workspace",
]
