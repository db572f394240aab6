"""Who may *see* which record — applied inside queries, never after them.

H0/H1 records are visible to users of every member agency. H2/H3 records are
visible only to the owner agency and to the agencies the owner named as
recipients. The rule lives here alone; routes, templates, exports and the CLI
all read through :func:`visible`.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select, true
from sqlalchemy.orm import Session

from caravan.access.principal import Principal
from caravan.errors import NotFound
from caravan.store.models import (
    Chart,
    Delivery,
    Operation,
    OperationMember,
    RecordMixin,
    RecordRecipient,
    Rfi,
    User,
)

OPEN_CODES = ("H0", "H1")
RESTRICTED_CODES = ("H2", "H3")

T = TypeVar("T", bound=RecordMixin)
S = TypeVar("S", bound=Select[Any])


def visibility_clause(model: type[RecordMixin], principal: Principal) -> ColumnElement[bool]:
    """The SQL condition under which ``principal`` may read rows of ``model``."""
    named_recipient = exists(
        select(RecordRecipient.record_id).where(
            RecordRecipient.record_id == model.id,
            RecordRecipient.agency_id == principal.agency_id,
        )
    )
    return or_(
        model.handling_code.in_(OPEN_CODES),
        model.agency_id == principal.agency_id,
        named_recipient,
    )


def visible(stmt: S, model: type[RecordMixin], principal: Principal) -> S:
    """Restrict a ``select`` over ``model`` to what ``principal`` may read.

    Example:
        >>> stmt = visible(select(Person), Person, principal)  # doctest: +SKIP
    """
    return stmt.where(visibility_clause(model, principal))


def get_visible(session: Session, model: type[T], record_id: Any, principal: Principal) -> T:
    """Load one record the principal may read, or raise :class:`NotFound`.

    A record that exists but is hidden answers exactly like one that does not,
    so its existence does not leak through this path.
    """
    row = session.scalars(
        visible(select(model).where(model.id == record_id), model, principal)
    ).first()
    if row is None:
        raise NotFound(f"No {model.KIND} with id {record_id} that you may see")
    return row


def chart_visibility_clause(principal: Principal) -> ColumnElement[bool]:
    """Saved link charts ``principal`` may open: their own, and those colleagues of their
    agency shared (a colleague who has since moved to another agency no longer shares with
    this one). A chart holds node ids only; its content is read through :func:`visible`."""
    colleague = select(User.id).where(
        User.id == Chart.owner_id, User.agency_id == principal.agency_id
    )
    return or_(
        Chart.owner_id == principal.user_id,
        and_(
            Chart.shared.is_(True),
            Chart.agency_id == principal.agency_id,
            colleague.exists(),
        ),
    )


def rfi_visibility_clause(principal: Principal) -> ColumnElement[bool]:
    """Requests ``principal`` may open: those their agency sent (drafts included) and those
    sent to it (never another agency's drafts). Centre administrators get no exception: a
    request is between two agencies."""
    return or_(
        Rfi.from_agency_id == principal.agency_id,
        and_(Rfi.to_agency_id == principal.agency_id, Rfi.state != "draft"),
    )


def operation_visibility_clause(principal: Principal) -> ColumnElement[bool]:
    """Joint operations ``principal`` may open: those they are a member of, and no other."""
    return exists(
        select(OperationMember.user_id).where(
            OperationMember.operation_id == Operation.id,
            OperationMember.user_id == principal.user_id,
        )
    )


def delivery_visibility_clause(principal: Principal) -> ColumnElement[bool]:
    """E-mails and webhook calls an administrator answers for: those to their agency's
    users (the centre's administrators: all)."""
    if principal.is_centre_admin:
        return true()
    return Delivery.user_id.in_(select(User.id).where(User.agency_id == principal.agency_id))


def personal_clause(owner_column: Any, principal: Principal) -> ColumnElement[bool]:
    """Rows that are ``principal``'s own (notifications, watches): ``owner_column`` is the
    row's user id."""
    return owner_column == principal.user_id


def is_restricted(record: RecordMixin) -> bool:
    return record.handling_code in RESTRICTED_CODES
