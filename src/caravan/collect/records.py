"""Record services: create, change, delete, read and list — for forms, API and CLI alike.

Every function takes the acting :class:`~caravan.access.Principal` and a session.
Visibility comes from :mod:`caravan.access`; every change is audited with its
before/after values, and every read of an H2/H3 record is audited too.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, delete, or_, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from caravan import audit
from caravan.access import Principal, get_visible, is_restricted, require, visible
from caravan.collect.clean import (
    RowContext,
    agency_map,
    clean_person,
    clean_report,
    clean_seizure,
    key_of,
    script_of,
)
from caravan.collect.writer import (
    WriteResult,
    clear_dependants,
    note_change,
    resolve_person_refs,
    write_persons,
    write_reports,
    write_seizures,
)
from caravan.errors import Conflict, FieldError, InvalidData, NotFound
from caravan.store.models import (
    RECORD_MODELS,
    Agency,
    IntelReport,
    Link,
    Person,
    PersonName,
    RecordMixin,
    RecordRecipient,
    SeizureReport,
)


@dataclass(frozen=True)
class Kind:
    """One kind of record the services handle: its model, cleaner and writer."""

    name: str
    model: type[RecordMixin]
    clean: Callable[[RowContext, Mapping[str, Any]], dict[str, Any] | None]
    write: Callable[..., WriteResult]
    has_person_refs: bool


#: What a person typed into a seizure or report form takes from that record unless it
#: says otherwise: the same evaluation and the same dissemination limits.
INHERITED_BY_INLINE_PERSONS = (
    "grading_scheme",
    "grade",
    "source_grade",
    "information_grade",
    "handling_code",
    "handling_note",
    "recipients",
)

KINDS: dict[str, Kind] = {
    "persons": Kind("persons", Person, clean_person, write_persons, False),
    "seizures": Kind("seizures", SeizureReport, clean_seizure, write_seizures, True),
    "reports": Kind("reports", IntelReport, clean_report, write_reports, True),
}


def kind(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise NotFound(f"No record kind {name!r}") from None


def recipients_of(session: Session, record_id: uuid.UUID) -> list[str]:
    rows = session.scalars(
        select(Agency.code)
        .join(RecordRecipient, RecordRecipient.agency_id == Agency.id)
        .where(RecordRecipient.record_id == record_id)
        .order_by(Agency.code)
    )
    return list(rows)


def record_snapshot(session: Session, record: RecordMixin) -> dict[str, Any]:
    return audit.snapshot(record, {"recipients": recipients_of(session, record.id)})


def _clean(
    session: Session, principal: Principal, k: Kind, raw: Mapping[str, Any]
) -> dict[str, Any]:
    agency = raw.get("agency")
    if agency and str(agency).strip().upper() != principal.agency_code:
        raise InvalidData(
            [FieldError("agency", f"you may file records only for {principal.agency_code}")]
        )
    ctx = RowContext(agency_map(session), principal.agency_code)
    values = k.clean(ctx, {**raw, "agency": principal.agency_code})
    if values is None:
        raise InvalidData(ctx.errors)
    if k.has_person_refs:
        values["person_ids"] = _visible_person_ids(session, principal, raw.get("person_ids") or ())
        new_persons = raw.get("new_persons") or ()
        if new_persons:
            inherited = {k: raw[k] for k in INHERITED_BY_INLINE_PERSONS if raw.get(k)}
            values["person_ids"] += _create_inline_persons(
                session, principal, ctx.agencies, new_persons, inherited
            )
        errors = resolve_person_refs(session, [values], [None])
        if errors:
            raise InvalidData(errors)
    return values


def _visible_person_ids(
    session: Session, principal: Principal, ids: Sequence[Any]
) -> list[uuid.UUID]:
    result = []
    for value in ids:
        try:
            person_id = uuid.UUID(str(value))
        except ValueError:
            raise InvalidData(
                [FieldError("person_ids", "is not a record id", value=str(value))]
            ) from None
        result.append(get_visible(session, Person, person_id, principal).id)
    return result


def _create_inline_persons(
    session: Session,
    principal: Principal,
    agencies: Mapping[str, tuple[int, str]],
    rows: Sequence[Mapping[str, Any]],
    inherited: Mapping[str, Any],
) -> list[uuid.UUID]:
    """Persons typed into a seizure/report form; errors name the person's position.

    Blank groups (an unused "add person" block) are skipped; the rest take
    ``inherited`` values for whatever they do not say themselves.
    """
    ctx = RowContext(agencies, principal.agency_code)
    cleaned = []
    for position, raw in enumerate(rows, start=1):
        if not any(str(v).strip() for v in raw.values() if v is not None):
            continue
        ctx.row = position
        given = {k: v for k, v in raw.items() if v not in (None, "", [])}
        values = clean_person(ctx, {**inherited, **given, "agency": principal.agency_code})
        if values is not None:
            cleaned.append(values)
    if ctx.errors:
        raise InvalidData(
            [
                FieldError(f"new_persons[{e.row}].{e.field}", e.message, value=e.value)
                for e in ctx.errors
            ]
        )
    result = write_persons(session, cleaned, principal.user_id)
    for person_id in result.uuids():
        person = session.get(Person, person_id)
        audit.append(
            session,
            "record.create",
            principal=principal,
            object_kind="person",
            object_id=person_id,
            after=record_snapshot(session, person) if person else None,
        )
    return result.uuids()


def create_record(
    session: Session, principal: Principal, kind_name: str, raw: Mapping[str, Any]
) -> RecordMixin:
    """File a new record for the principal's agency."""
    k = kind(kind_name)
    require(principal, "record.create")
    values = _clean(session, principal, k, raw)
    if values.get("source_id") and session.scalar(
        select(k.model.id).where(
            k.model.agency_id == principal.agency_id, k.model.source_id == values["source_id"]
        )
    ):
        raise Conflict(f"Your agency already has a record with source_id {values['source_id']!r}")
    result = k.write(session, [values], principal.user_id)
    record = session.get(k.model, result.uuids()[0], populate_existing=True)
    assert record is not None
    audit.append(
        session,
        "record.create",
        principal=principal,
        object_kind=record.KIND,
        object_id=record.id,
        after=record_snapshot(session, record),
    )
    return record


def update_record(
    session: Session,
    principal: Principal,
    kind_name: str,
    record_id: uuid.UUID,
    raw: Mapping[str, Any],
) -> RecordMixin:
    """Change a record of the principal's own agency; the audit row keeps what changed."""
    k = kind(kind_name)
    record = get_visible(session, k.model, record_id, principal)
    require(principal, "record.update", record)
    before = record_snapshot(session, record)
    values = _clean(session, principal, k, raw)
    values["id"] = record.id
    try:
        with session.begin_nested():
            k.write(session, [values], principal.user_id)
    except IntegrityError:
        raise Conflict(
            f"Your agency already has another record with source_id {values.get('source_id')!r}"
        ) from None
    session.expire_all()
    reloaded = session.get(k.model, record.id, populate_existing=True)
    assert reloaded is not None
    record = reloaded
    after = record_snapshot(session, record)
    changed_before, changed_after = audit.changed_fields(before, after)
    audit.append(
        session,
        "record.update",
        principal=principal,
        object_kind=record.KIND,
        object_id=record.id,
        before=changed_before,
        after=changed_after,
    )
    return record


def delete_record(
    session: Session, principal: Principal, kind_name: str, record_id: uuid.UUID
) -> None:
    """Delete a record of the principal's agency with its names and links."""
    k = kind(kind_name)
    record = get_visible(session, k.model, record_id, principal)
    require(principal, "record.delete", record)
    before = record_snapshot(session, record)
    # What was derived from the record (its phones, documents, vehicles) goes with it;
    # then every remaining link that touches it.
    clear_dependants(session, [record.id], k.model)
    links = list(
        session.scalars(
            select(Link.id).where(or_(Link.from_id == record.id, Link.to_id == record.id))
        )
    )
    for ids in (links, [record.id]):
        if ids:
            session.execute(delete(RecordRecipient).where(RecordRecipient.record_id.in_(ids)))
    if links:
        session.execute(delete(Link).where(Link.id.in_(links)))
    session.delete(record)
    session.flush()
    note_change(session, record.KIND, deleted=[record.id])
    audit.append(
        session,
        "record.delete",
        principal=principal,
        object_kind=record.KIND,
        object_id=record.id,
        before=before,
    )


def read_record(
    session: Session, principal: Principal, kind_name: str, record_id: uuid.UUID
) -> RecordMixin:
    """One record the principal may see; reading an H2/H3 record is audited."""
    k = kind(kind_name)
    record = get_visible(session, k.model, record_id, principal)
    if is_restricted(record):
        audit.append(
            session,
            "record.view",
            principal=principal,
            object_kind=record.KIND,
            object_id=record.id,
            detail=f"{record.handling_code} record of {record.agency.code}",
        )
    return record


# --- lists ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """One page of a list. ``next_cursor``/``prev_cursor`` fetch the neighbouring pages
    by key (as fast at page 1,000 as at page 1); ``page`` is the number shown."""

    items: list[Any]
    page: int
    per_page: int
    has_next: bool
    next_cursor: str | None = None
    prev_cursor: str | None = None

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def _cursor_for(record: Any, columns: Sequence[Any]) -> str:
    values = [getattr(record, column.key) for column in columns]
    data = json.dumps([v.isoformat() if hasattr(v, "isoformat") else str(v) for v in values])
    return base64.urlsafe_b64encode(data.encode()).decode().rstrip("=")


def _cursor_values(cursor: str, columns: Sequence[Any]) -> list[Any]:
    """Decode a cursor back into typed values; a tampered cursor is a clear 422."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != len(columns):
            raise ValueError("wrong length")
        values: list[Any] = []
        for column, value in zip(columns, raw, strict=True):
            kind = column.type.python_type
            if kind is datetime:
                values.append(datetime.fromisoformat(value))
            elif kind is date:
                values.append(date.fromisoformat(value))
            elif kind is uuid.UUID:
                values.append(uuid.UUID(value))
            else:
                values.append(str(value))
        return values
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
        raise InvalidData(
            [FieldError("cursor", "is not a page cursor", value=cursor[:40])]
        ) from None


def _keyset(
    stmt: Select[Any], columns: Sequence[Any], values: Sequence[Any], *, smaller: bool
) -> Select[Any]:
    """Rows whose sort key is smaller (or larger) than the boundary row's. The first
    column also gets a plain range, so that its index serves the query."""
    first, boundary = columns[0], values[0]
    if smaller:
        return stmt.where(first <= boundary, tuple_(*columns) < tuple_(*values))
    return stmt.where(first >= boundary, tuple_(*columns) > tuple_(*values))


def _agency_filter(stmt: Select[Any], model: Any, filters: Mapping[str, Any]) -> Select[Any]:
    code = (filters.get("agency") or "").strip().upper()
    if code:
        stmt = stmt.join(Agency, Agency.id == model.agency_id).where(Agency.code == code)
    handling = (filters.get("handling_code") or "").strip().upper()
    if handling:
        stmt = stmt.where(model.handling_code == handling)
    return stmt


def _date(value: Any) -> date | None:
    if not value:
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidData([FieldError("date", "use YYYY-MM-DD", value=str(value))]) from None


def list_records(
    session: Session,
    principal: Principal,
    kind_name: str,
    filters: Mapping[str, Any] | None = None,
    *,
    page: int = 1,
    per_page: int = 50,
    after: str | None = None,
    before: str | None = None,
) -> Page:
    """A page of records the principal may see, newest first (or by name when filtered by name).

    Pages are fetched with ``LIMIT per_page + 1`` so we know whether a next page
    exists without counting a million rows. With a cursor (``after`` = a page's
    ``next_cursor``, ``before`` = its ``prev_cursor``) the page is found by key, not
    by skipping rows, so deep pages cost what the first one does; ``page`` then only
    numbers it.
    """
    k = kind(kind_name)
    require(principal, "record.read")
    filters = filters or {}
    page = max(1, int(page))
    per_page = min(max(1, int(per_page)), 200)
    model: Any = k.model
    stmt = visible(select(model), model, principal)
    stmt = _agency_filter(stmt, model, filters)
    #: The list's sort key, and whether it runs from the largest value down.
    columns: list[Any] = [model.created_at, model.id]
    descending = True
    if model is Person:
        query = key_of(filters.get("q") or "")
        if query:
            stmt = stmt.where(model.surname_key >= query, model.surname_key < query + "\uffff")
            columns, descending = [model.surname_key, model.id], False
        if filters.get("nationality"):
            stmt = stmt.where(model.nationality == str(filters["nationality"]).upper())
        if filters.get("birth_year"):
            try:
                stmt = stmt.where(model.birth_year == int(filters["birth_year"]))
            except ValueError:
                raise InvalidData([FieldError("birth_year", "must be a year")]) from None
    elif model is SeizureReport:
        for column in ("drug_group", "drug_code", "country"):
            if filters.get(column):
                stmt = stmt.where(getattr(model, column) == filters[column])
        if (start := _date(filters.get("date_from"))) is not None:
            stmt = stmt.where(model.seized_on >= start)
        if (end := _date(filters.get("date_to"))) is not None:
            stmt = stmt.where(model.seized_on <= end)
        columns = [model.seized_on, model.id]
    elif model is IntelReport:
        query = (filters.get("q") or "").strip()
        if query:
            stmt = stmt.where(model.title.ilike(f"%{query}%"))
        columns = [model.reported_on, model.id]
    # Going back (``before``) reads the list in reverse from the boundary, then flips it.
    backwards = bool(before) and not after
    if after or before:
        values = _cursor_values(after or before or "", columns)
        stmt = _keyset(stmt, columns, values, smaller=descending != backwards)
    reverse = descending != backwards
    stmt = stmt.order_by(*[c.desc() if reverse else c.asc() for c in columns])
    if not (after or before):
        stmt = stmt.offset((page - 1) * per_page)
    rows = list(session.scalars(stmt.limit(per_page + 1)))
    more = len(rows) > per_page
    items = rows[:per_page]
    if backwards:
        items.reverse()
    has_next = more if not backwards else True
    audit_restricted_reads(session, principal, items, f"list of {kind_name}")
    return Page(
        items,
        page,
        per_page,
        has_next,
        next_cursor=_cursor_for(items[-1], columns) if items and has_next else None,
        prev_cursor=_cursor_for(items[0], columns) if items and page > 1 else None,
    )


def audit_restricted_reads(
    session: Session, principal: Principal, shown: Sequence[RecordMixin], where: str
) -> None:
    """Every read of H2/H3 data is audited, in lists and on linked-record panels too:
    one event per page naming the restricted records that were shown."""
    restricted = [r for r in shown if is_restricted(r)]
    if restricted:
        audit.append(
            session,
            "record.list",
            principal=principal,
            detail=where,
            after={"records": [f"{r.KIND}:{r.id}" for r in restricted]},
        )


# --- the person page -------------------------------------------------------------------


@dataclass(frozen=True)
class LinkedRecord:
    link: Link
    record: RecordMixin


def person_names(session: Session, person: Person) -> list[PersonName]:
    """Every name of ``person``: first the structured one (kept on the person itself, shown
    as ``kind="primary"``; not a stored row), then those in ``person_name``."""
    primary = PersonName(
        person_id=person.id,
        full_name=person.full_name,
        surname=person.surname,
        given_name=person.given_name,
        patronymic=person.patronymic,
        script=script_of(person.full_name),
        kind="primary",
    )
    stored = session.scalars(
        select(PersonName)
        .where(PersonName.person_id == person.id, PersonName.kind != "primary")
        .order_by(PersonName.id)
    )
    return [primary, *stored]


def linked_records(
    session: Session, principal: Principal, record: RecordMixin
) -> list[LinkedRecord]:
    """Every visible record linked to ``record`` through a visible link, either direction."""
    links = session.scalars(
        visible(
            select(Link).where(or_(Link.from_id == record.id, Link.to_id == record.id)),
            Link,
            principal,
        ).order_by(Link.created_at)
    ).all()
    result = []
    for link in links:
        other_kind, other_id = (
            (link.to_kind, link.to_id)
            if link.from_id == record.id
            else (link.from_kind, link.from_id)
        )
        model = RECORD_MODELS.get(other_kind)
        if model is None:
            continue
        other = session.scalars(
            visible(select(model).where(model.id == other_id), model, principal)
        ).first()
        if other is not None:
            result.append(LinkedRecord(link, other))
    audit_restricted_reads(
        session,
        principal,
        [item.record for item in result],
        f"records linked to {record.KIND}:{record.id}",
    )
    return result
