"""Bulk writers: clean rows in, records out — inserts and updates in batches.

One code path serves a form that saves one record and an import that saves a
million: both hand clean rows (from :mod:`caravan.collect.clean`) to these
writers. Rows that carry a ``source_id`` already held by the same agency update
that record instead of duplicating it. Everything runs in the caller's
transaction, so a failed import leaves nothing behind.

SQLAlchemy Core ``executemany`` is used instead of ORM objects: it is what
makes 20,000 rows/s possible on SQLite.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any, NamedTuple

from sqlalchemy import JSON, Dialect, Table, delete, select
from sqlalchemy.orm import Session

from caravan.collect.clean import key_of, script_of
from caravan.errors import FieldError
from caravan.match.keys import plate_key
from caravan.store.bulk import (
    Converters,
    bulk_insert,
    bulk_update,
    converters,
    new_id,
    new_ids,
)
from caravan.store.models import (
    ChangeFeed,
    IdentityDocument,
    IntelReport,
    Link,
    Organisation,
    Person,
    PersonName,
    Phone,
    RecordMixin,
    RecordRecipient,
    SeizureReport,
    Vehicle,
)
from caravan.store.models.base import utcnow

#: A record id: a ``uuid.UUID`` read from the store, or a new one as hex (``new_id``).
RecordId = uuid.UUID | str

CHUNK = 500  # keys per IN (...) lookup; well under every backend's parameter limit

COMMON = (
    "agency_id",
    "source_id",
    "grading_scheme",
    "grade_as_entered",
    "source_grade",
    "information_grade",
    "handling_code",
    "handling_note",
)
PERSON_COLUMNS = (
    *COMMON,
    "surname",
    "given_name",
    "patronymic",
    "birth_date",
    "birth_year",
    "gender",
    "nationality",
    "notes",
)
SEIZURE_COLUMNS = (
    *COMMON,
    "date",
    "seized_on",
    "country",
    "admin_area",
    "city",
    "place_type",
    "latitude",
    "longitude",
    "drug_code",
    "drug_group",
    "drug_as_entered",
    "quantity",
    "unit",
    "quantity_kg",
    "quantity_units",
    "conversion_factor",
    "factor_source",
    "purity_percent",
    "price_usd",
    "origin_country",
    "departure_country",
    "transit_countries",
    "destination_country",
    "transport_mode",
    "concealment",
    "notes",
)
REPORT_COLUMNS = (*COMMON, "date", "reported_on", "title", "body", "language")
ORGANISATION_COLUMNS = (
    *COMMON,
    "name",
    "name_key",
    "legal_form",
    "registration_number",
    "country",
    "notes",
)
#: Link types that a writer derives from a row (and replaces when the row is re-imported).
DERIVED_FROM_PERSON = ("uses_phone", "holds_document")


@dataclass
class WriteResult:
    inserted: int = 0
    updated: int = 0
    #: The written records' ids (new ones as 32-digit hex strings; see ``new_id``).
    ids: list[RecordId] = field(default_factory=list)

    def uuids(self) -> list[uuid.UUID]:
        return [i if isinstance(i, uuid.UUID) else uuid.UUID(i) for i in self.ids]

    errors: list[FieldError] = field(default_factory=list)


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def existing_ids(
    session: Session, model: type[RecordMixin], keys: Iterable[tuple[int, str]]
) -> dict[tuple[int, str], uuid.UUID]:
    """``(agency_id, source_id) → id`` for the keys already in the store.

    Bulk import asks this for every row, so the look-ups go straight to the driver (one
    ``SELECT … IN (…)`` per 500 keys, by the ``(agency_id, source_id)`` index) instead of
    through SQLAlchemy's statement building, which cost more than the look-ups themselves.
    """
    found: dict[tuple[int, str], uuid.UUID] = {}
    by_agency: dict[int, list[str]] = defaultdict(list)
    for agency_id, source_id in keys:
        by_agency[agency_id].append(source_id)
    if not by_agency:
        return found
    session.flush()  # as a query through the session would (autoflush)
    connection = session.connection()
    dialect = connection.dialect
    table = model.__table__  # type: ignore[attr-defined]
    cursor = connection.connection.cursor()
    try:
        for agency_id, source_ids in by_agency.items():
            for chunk in _chunks(source_ids):
                cursor.execute(_lookup_sql(table, len(chunk), dialect), (agency_id, *chunk))
                for found_source_id, record_id in cursor.fetchall():
                    if found_source_id is not None:
                        found[(agency_id, found_source_id)] = (
                            record_id
                            if isinstance(record_id, uuid.UUID)
                            else uuid.UUID(str(record_id))
                        )
    finally:
        cursor.close()
    return found


@lru_cache(maxsize=1024)
def _lookup_sql(table: Table, count: int, dialect: Dialect) -> str:
    """``SELECT source_id, id … WHERE agency_id = ? AND source_id IN (?, …)`` for ``count``
    source ids, in the driver's parameter style."""
    prepare = dialect.identifier_preparer
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    return (
        f"SELECT {prepare.quote('source_id')}, {prepare.quote('id')} "  # noqa: S608 - quoted names
        f"FROM {prepare.format_table(table)} WHERE {prepare.quote('agency_id')} = {marker} "
        f"AND {prepare.quote('source_id')} IN ({', '.join([marker] * count)})"
    )


#: What a derived record (phone, document, vehicle, link) takes from the row it came from.
OWNER = (
    "agency_id",
    "grading_scheme",
    "grade_as_entered",
    "source_grade",
    "information_grade",
    "handling_code",
    "handling_note",
)
RECORD_TAIL = ("created_at", "updated_at", "version", "created_by_id")
LINK_COLUMNS = ("link_type", "from_kind", "from_id", "to_kind", "to_id", "report_kind", "report_id")
NAME_COLUMNS = ("person_id", "full_name", "surname", "given_name", "patronymic", "script", "kind")
RECIPIENT_COLUMNS = ("record_id", "agency_id")
DOCUMENT_COLUMNS = ("number", "number_key", "doc_type", "issuing_country")
VEHICLE_COLUMNS = ("plate", "plate_key", "country")
DERIVED_HEAD = ("id", "source_id", *OWNER)


class Slot(NamedTuple):
    """Where prepared rows of one kind go: a table, its columns, and whether the batch's
    :data:`RECORD_TAIL` (timestamps, version, author) completes each row."""

    table: Table
    columns: tuple[str, ...]
    tail: bool


def _slot(model: Any, columns: tuple[str, ...], tail: bool = True) -> Slot:
    return Slot(model.__table__, columns, tail)


#: Slot numbers of derived rows (``Prepared.derived``), the same for every kind.
NAMES, RECIPIENTS, PHONES, DOCUMENTS, VEHICLES, LINKS = range(6)
SLOTS = (
    _slot(PersonName, NAME_COLUMNS, tail=False),
    _slot(RecordRecipient, RECIPIENT_COLUMNS, tail=False),
    _slot(Phone, (*DERIVED_HEAD, "e164")),
    _slot(IdentityDocument, (*DERIVED_HEAD, *DOCUMENT_COLUMNS)),
    _slot(Vehicle, (*DERIVED_HEAD, *VEHICLE_COLUMNS)),
    _slot(Link, (*DERIVED_HEAD, *LINK_COLUMNS)),
)


class Prepared(NamedTuple):
    """A clean row turned into the rows it writes, ready for ``executemany``.

    Everything that needs no database is done here — ids, keys, the name and derived
    records, the conversion to storage form — so that for bulk import it runs in the
    cleaning process (:mod:`caravan.collect.parallel`), and the writing process mostly
    inserts. ``id`` is a new id (:func:`~caravan.store.bulk.new_id`) unless the row
    named its record (a form's update); if ``(agency_id, source_id)`` turns out to exist,
    the row updates that record instead and its derived rows are re-pointed to it.
    """

    agency_id: int
    agency_code: str
    source_id: str | None
    #: The record's id (hex), and whether the row named it (an update, not an insert).
    id: str
    given_id: bool
    #: ``(id, *columns)`` of the record itself, in storage form.
    main: tuple[Any, ...]
    #: ``(slot, row)`` of every derived row (names, phone, document, links, recipients).
    derived: list[tuple[int, tuple[Any, ...]]]
    owner: tuple[Any, ...]
    recipients: tuple[int, ...]
    #: Reports and seizures: owners' source ids to resolve, and persons' ids.
    person_refs: list[str]
    person_ids: list[RecordId]


def _hex(record_id: RecordId) -> str:
    return record_id.hex if isinstance(record_id, uuid.UUID) else record_id


class _Derived:
    """Collects one row's derived rows; ``ids`` are ids made for them beforehand (one
    :func:`~caravan.store.bulk.new_ids` call instead of one call per record)."""

    __slots__ = ("ids", "owner", "recipients", "rows")

    def __init__(
        self, owner: tuple[Any, ...], recipients: tuple[int, ...], ids: Iterator[str] = iter(())
    ) -> None:
        self.owner = owner
        self.recipients = recipients
        self.rows: list[tuple[int, tuple[Any, ...]]] = []
        self.ids = ids

    def share(self, record_id: str) -> None:
        if self.recipients:
            self.rows += [(RECIPIENTS, (record_id, agency_id)) for agency_id in self.recipients]

    def record(self, slot: int, row: tuple[Any, ...]) -> str:
        """A derived record owned, graded and shared like its source row."""
        record_id = next(self.ids, None) or new_id()
        self.rows.append((slot, (record_id, None, *self.owner, *row)))
        if self.recipients:
            self.share(record_id)
        return record_id

    def link(
        self, link_type: str, from_: tuple[str, str], to: tuple[str, str], report: str | None
    ) -> None:
        kind = to[0] if report else None
        self.record(LINKS, (link_type, from_[0], from_[1], to[0], to[1], kind, report))


def _start(values: dict[str, Any], records: int = 0) -> tuple[str, bool, _Derived]:
    """The row's id (given, or new) and a collector with ids for ``records`` derived
    records."""
    given = values.get("id")
    ids = new_ids((0 if given else 1) + records)
    record_id = _hex(given) if given else ids[0]
    derived = _Derived(
        tuple(map(values.get, OWNER)),
        tuple(values.get("recipients") or ()),
        iter(ids[0 if given else 1 :]),
    )
    derived.share(record_id)
    return record_id, bool(given), derived


def _finish(
    values: dict[str, Any], record_id: str, given: bool, main: tuple[Any, ...], derived: _Derived
) -> Prepared:
    refs = values.get("person_refs")
    ids = values.get("person_ids")
    return Prepared(
        values["agency_id"],
        values["agency_code"],
        values.get("source_id"),
        record_id,
        given,
        (record_id, *main),
        derived.rows,
        derived.owner,
        derived.recipients,
        list(refs) if refs else [],
        list(ids) if ids else [],
    )


@cache
def _storage(table: Table, columns: tuple[str, ...], dialect: Dialect) -> Converters:
    """:func:`~caravan.store.bulk.converters`, with JSON lists of text (a seizure's transit
    countries: a handful of distinct values, mostly ``[]``) serialised once per value."""
    process = converters(table, columns, dialect)
    return tuple(
        (i, _json_memo(fn)) if isinstance(table.columns[columns[i]].type, JSON) else (i, fn)
        for i, fn in process
    )


def _json_memo(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    memo: dict[tuple[Any, ...], Any] = {}

    def process(value: Any) -> Any:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return fn(value)
        key = tuple(value)
        found = memo.get(key)
        if found is None:
            if len(memo) >= 4096:
                memo.clear()
            found = memo[key] = fn(value)
        return found

    return process


def _convert(row: tuple[Any, ...], process: Converters) -> tuple[Any, ...]:
    if not process:
        return row
    values = list(row)
    for index, fn in process:
        value = values[index]
        if value is not None:
            values[index] = fn(value)
    return tuple(values)


PERSON_MAIN = ("id", *PERSON_COLUMNS, "surname_key")
SEIZURE_MAIN = ("id", *SEIZURE_COLUMNS)
REPORT_MAIN = ("id", *REPORT_COLUMNS)
ORGANISATION_MAIN = ("id", *ORGANISATION_COLUMNS)


def prepare_person(values: dict[str, Any], dialect: Dialect) -> Prepared:
    """A clean person row as the rows it writes: the person, a name as written when it
    differs from the structured one, and phone and document linked to the person.

    The person's own (structured) name is not repeated in ``person_name``: readers take
    it from the person (see :func:`caravan.collect.records.person_names`).

    Runs once per imported row (in the cleaning process), so it is written out flat: one
    call for all of the row's ids, no helper objects.
    """
    get = values.get
    surname = values["surname"]
    surname_key = key_of(surname)
    main = (*map(get, PERSON_COLUMNS), surname_key)
    phone, document = get("phone"), get("document")
    given = get("id")
    ids = new_ids((0 if given else 1) + (2 if phone else 0) + (2 if document else 0))
    if given:
        record_id = _hex(given)
        taken = 0
    else:
        record_id = ids[0]
        taken = 1
    owner = tuple(map(get, OWNER))
    recipients = tuple(get("recipients") or ())
    derived: list[tuple[int, tuple[Any, ...]]] = []
    owned = [record_id]
    written = get("name_as_written")
    if written:
        parts = (surname, get("given_name"), get("patronymic"))
        primary = " ".join(p for p in parts if p)
        if written != primary and key_of(written) != (
            surname_key if primary == surname else key_of(primary)
        ):
            derived.append(
                (NAMES, (record_id, written, None, None, None, script_of(written), "as_written"))
            )
    if phone:
        phone_id, link_id = ids[taken], ids[taken + 1]
        taken += 2
        derived.append((PHONES, (phone_id, None, *owner, phone)))
        link = ("uses_phone", "person", record_id, "phone", phone_id, None, None)
        derived.append((LINKS, (link_id, None, *owner, *link)))
        owned += (phone_id, link_id)
    if document:
        doc_id, link_id = ids[taken], ids[taken + 1]
        derived.append((DOCUMENTS, (doc_id, None, *owner, *map(document.get, DOCUMENT_COLUMNS))))
        link = ("holds_document", "person", record_id, "document", doc_id, None, None)
        derived.append((LINKS, (link_id, None, *owner, *link)))
        owned += (doc_id, link_id)
    if recipients:
        derived += [(RECIPIENTS, (rid, agency)) for rid in owned for agency in recipients]
    return Prepared(
        values["agency_id"],
        values["agency_code"],
        get("source_id"),
        record_id,
        bool(given),
        (record_id, *main),
        derived,
        owner,
        recipients,
        [],
        [],
    )


def prepare_seizure(values: dict[str, Any], dialect: Dialect) -> Prepared:
    """A clean seizure row as the rows it writes, less the links to its persons (they
    need the store: see :func:`resolve_person_refs`)."""
    process = _storage(SeizureReport.__table__, SEIZURE_COLUMNS, dialect)
    main = _convert(tuple(map(values.get, SEIZURE_COLUMNS)), process)
    plates = values.get("vehicle_plates") or ()
    record_id, given, derived = _start(values, 2 * len(plates))
    seizure = ("seizure", record_id)
    for plate in plates:
        vehicle_id = derived.record(VEHICLES, (plate, plate_key(plate), values.get("country")))
        derived.link("involved_in_seizure", ("vehicle", vehicle_id), seizure, record_id)
    return _finish(values, record_id, given, main, derived)


def prepare_report(values: dict[str, Any], dialect: Dialect) -> Prepared:
    process = _storage(IntelReport.__table__, REPORT_COLUMNS, dialect)
    main = _convert(tuple(map(values.get, REPORT_COLUMNS)), process)
    record_id, given, derived = _start(values)
    return _finish(values, record_id, given, main, derived)


def prepare_organisation(values: dict[str, Any], dialect: Dialect) -> Prepared:
    """A clean organisation row as the rows it writes: the organisation and its recipients
    (its ``name_key`` was computed by the cleaner)."""
    main = tuple(map(values.get, ORGANISATION_COLUMNS))
    record_id, given, derived = _start(values)
    return _finish(values, record_id, given, main, derived)


#: kind → (model, columns of ``Prepared.main``, prepare, link type of its persons)
KINDS: dict[str, tuple[type[RecordMixin], tuple[str, ...], Any, str | None]] = {
    "persons": (Person, PERSON_MAIN, prepare_person, None),
    "seizures": (SeizureReport, SEIZURE_MAIN, prepare_seizure, "involved_in_seizure"),
    "reports": (IntelReport, REPORT_MAIN, prepare_report, "mentioned_in_report"),
    "organisations": (Organisation, ORGANISATION_MAIN, prepare_organisation, None),
}


def preparer(kind: str, dialect: Dialect) -> Callable[[dict[str, Any]], Prepared]:
    """``values → Prepared`` for clean rows of ``kind`` written on ``dialect``."""
    prepare = KINDS[kind][2]
    return lambda values: prepare(values, dialect)


def _write(
    session: Session,
    kind: str,
    rows: Sequence[dict[str, Any] | Prepared],
    user_id: int | None,
) -> WriteResult:
    """Insert new records and update those whose ``(agency, source_id)`` exists, with
    everything derived from them."""
    model, columns, prepare, person_link = KINDS[kind]
    dialect = session.connection().dialect
    prepared = [r if isinstance(r, Prepared) else prepare(r, dialect) for r in rows]
    for row, ready in zip(rows, prepared, strict=True):
        if isinstance(row, dict):
            row["id"] = ready.id
    keys = [(p.agency_id, p.source_id) for p in prepared if p.source_id and not p.given_id]
    found = existing_ids(session, model, keys)
    now = utcnow()
    result = WriteResult()
    inserts: list[tuple[Any, ...]] = []
    updates: list[tuple[Any, ...]] = []
    derived: list[list[tuple[Any, ...]]] = [[] for _ in SLOTS]
    # One id for each link to a person, made at once (see new_ids).
    link_ids = (
        iter(new_ids(sum(len(p.person_ids) for p in prepared)))
        if person_link is not None
        else iter(())
    )
    for p in prepared:
        existing: RecordId | None = (
            p.id if p.given_id else found.get((p.agency_id, p.source_id or ""))
        )
        rows_out = p.derived
        if person_link is not None and p.person_ids:
            extra = _Derived(p.owner, p.recipients, link_ids)
            report = (KINDS[kind][0].KIND, p.id)
            for person_id in p.person_ids:
                extra.link(person_link, ("person", _hex(person_id)), report, p.id)
            rows_out = [*rows_out, *extra.rows]
        if existing is None:
            inserts.append(p.main)
            result.inserted += 1
            result.ids.append(p.id)
            for slot, out in rows_out:
                derived[slot].append(out)
        else:
            record_id = uuid.UUID(existing) if isinstance(existing, str) else existing
            old, new = p.id, record_id.hex
            updates.append((*p.main[1:], new))
            result.updated += 1
            result.ids.append(record_id)
            for slot, out in rows_out:
                derived[slot].append(tuple(new if v == old else v for v in out))
    table = model.__table__  # type: ignore[attr-defined]
    tail = dict(zip(RECORD_TAIL, (now, now, 1, user_id), strict=True))
    if updates:
        bulk_update(
            session, table, columns[1:], updates, constants={"updated_at": now}, bump="version"
        )
        clear_dependants(session, [uuid.UUID(u[-1]) for u in updates], model)
    bulk_insert(session, table, columns, inserts, constants=tail, converted=True)
    for slot, slot_rows in zip(SLOTS, derived, strict=True):
        bulk_insert(
            session,
            slot.table,
            slot.columns,
            slot_rows,
            constants=tail if slot.tail else None,
            converted=True,
        )
    note_change(
        session,
        model.KIND,
        inserted=[i[0] for i in inserts],
        updated=[u[-1] for u in updates],
    )
    return result


def note_change(
    session: Session,
    kind: str,
    *,
    inserted: Sequence[str] = (),
    updated: Sequence[RecordId] = (),
    deleted: Sequence[RecordId] = (),
) -> None:
    """Add this write to the change feed (see :class:`~caravan.store.models.ChangeFeed`).

    ``inserted`` are new ids from :func:`~caravan.store.bulk.new_id` (time-ordered hex):
    the feed keeps only their range.
    """
    if not (inserted or updated or deleted):
        return
    session.execute(
        ChangeFeed.__table__.insert().values(  # type: ignore[attr-defined]
            kind=kind,
            inserted_from=min(inserted) if inserted else None,
            inserted_to=max(inserted) if inserted else None,
            updated=[_hex(i) for i in updated],
            deleted=[_hex(i) for i in deleted],
            at=utcnow(),
        )
    )


def clear_dependants(session: Session, ids: list[uuid.UUID], model: type[RecordMixin]) -> None:
    """Remove what a previous write of these records derived from them, to write it anew."""
    for chunk in _chunks(ids):
        session.execute(delete(RecordRecipient).where(RecordRecipient.record_id.in_(chunk)))
        if model is Person:
            session.execute(delete(PersonName).where(PersonName.person_id.in_(chunk)))
            derived = session.execute(
                select(Link.id, Link.to_kind, Link.to_id).where(
                    Link.from_id.in_(chunk),
                    Link.link_type.in_(DERIVED_FROM_PERSON),
                    Link.report_id.is_(None),
                )
            ).all()
            _delete_records(session, derived)
        elif model is Organisation:
            continue  # nothing is derived from an organisation but its recipients
        else:
            derived = session.execute(
                select(Link.id, Link.from_kind, Link.from_id).where(Link.report_id.in_(chunk))
            ).all()
            vehicles = [(lid, kind, rid) for lid, kind, rid in derived if kind == "vehicle"]
            _delete_records(session, derived, only_links=True)
            _delete_records(session, vehicles)


def _delete_records(session: Session, rows: Sequence[Any], *, only_links: bool = False) -> None:
    link_ids = [r[0] for r in rows]
    by_model: dict[type[RecordMixin], list[uuid.UUID]] = defaultdict(list)
    if not only_links:
        models: dict[str, type[RecordMixin]] = {
            "phone": Phone,
            "document": IdentityDocument,
            "vehicle": Vehicle,
        }
        for _, kind, record_id in rows:
            if kind in models:
                by_model[models[kind]].append(record_id)
    for chunk in _chunks(link_ids):
        session.execute(delete(RecordRecipient).where(RecordRecipient.record_id.in_(chunk)))
        session.execute(delete(Link).where(Link.id.in_(chunk)))
    for model, record_ids in by_model.items():
        for chunk in _chunks(record_ids):
            session.execute(delete(RecordRecipient).where(RecordRecipient.record_id.in_(chunk)))
            session.execute(delete(model).where(model.id.in_(chunk)))


def write_persons(
    session: Session, rows: Sequence[dict[str, Any] | Prepared], user_id: int | None = None
) -> WriteResult:
    """Write clean person rows (or :class:`Prepared` ones) with their names, document and
    phone."""
    return _write(session, "persons", rows, user_id)


def resolve_person_refs(
    session: Session,
    rows: Sequence[dict[str, Any] | Prepared],
    row_numbers: Sequence[int | None],
) -> list[FieldError]:
    """Turn each row's ``person_refs`` (owner's source ids) into ``person_ids``.

    A reference must name a person of the same agency already in the store (or
    imported earlier in the same transaction). Rows that already carry
    ``person_ids`` (forms pick persons by id) keep them.
    """

    def fields(row: dict[str, Any] | Prepared) -> tuple[int, str, list[str], list[Any]]:
        if isinstance(row, Prepared):
            return row.agency_id, row.agency_code, row.person_refs, row.person_ids
        return (
            row["agency_id"],
            row["agency_code"],
            row.get("person_refs") or [],
            list(row.get("person_ids") or ()),
        )

    parts = [fields(r) for r in rows]
    wanted = {(agency_id, ref) for agency_id, _, refs, _ in parts for ref in refs if agency_id}
    found = existing_ids(session, Person, wanted)
    errors: list[FieldError] = []
    for row, (agency_id, code, refs, ids), number in zip(rows, parts, row_numbers, strict=True):
        if not refs and isinstance(row, Prepared):
            continue
        ids = list(ids)
        for ref in refs:
            person_id = found.get((agency_id, ref))
            if person_id is None:
                errors.append(
                    FieldError(
                        "persons",
                        f"no person with source_id '{ref}' in agency {code}",
                        row=number,
                        value=ref,
                    )
                )
            else:
                ids.append(person_id)
        unique = list(dict.fromkeys(ids))
        if isinstance(row, Prepared):
            row.person_ids[:] = unique
        else:
            row["person_ids"] = unique
    return errors


def write_seizures(
    session: Session, rows: Sequence[dict[str, Any] | Prepared], user_id: int | None = None
) -> WriteResult:
    """Write clean seizure rows, linking their persons and vehicles (resolve refs first)."""
    return _write(session, "seizures", rows, user_id)


def write_reports(
    session: Session, rows: Sequence[dict[str, Any] | Prepared], user_id: int | None = None
) -> WriteResult:
    """Write clean intelligence reports, linking the persons they mention."""
    return _write(session, "reports", rows, user_id)


def write_organisations(
    session: Session, rows: Sequence[dict[str, Any] | Prepared], user_id: int | None = None
) -> WriteResult:
    """Write clean organisation rows (companies), upserting by ``(agency, source_id)``."""
    return _write(session, "organisations", rows, user_id)


__all__ = [
    "Prepared",
    "WriteResult",
    "existing_ids",
    "note_change",
    "preparer",
    "resolve_person_refs",
    "write_organisations",
    "write_persons",
    "write_reports",
    "write_seizures",
]
