"""Export records as CSV that is safe to open in a spreadsheet and imports back unchanged.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
would be run as a formula by Excel or LibreOffice (CSV injection, e.g.
``=cmd|' /C calc'!A0``). :func:`safe_cell` prefixes such cells with ``'``, which
spreadsheets show as text; the CSV reader of the importer takes that one quote
off again, so export → import round-trips.

Exports read through :func:`caravan.access.visible` only, and are audited.
"""

from __future__ import annotations

import csv
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from caravan import audit
from caravan.access import Principal, require, visible
from caravan.store.models import (
    Agency,
    IdentityDocument,
    Link,
    Person,
    PersonName,
    Phone,
    RecordRecipient,
)

__all__ = ["PERSON_EXPORT_COLUMNS", "export_persons", "safe_cell", "write_csv"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 1000

#: The import format of persons (see docs/import.md), in the order exported.
PERSON_EXPORT_COLUMNS = (
    "agency",
    "source_id",
    "surname",
    "given_name",
    "patronymic",
    "birth_date",
    "nationality",
    "document_number",
    "document_type",
    "document_country",
    "phone",
    "name_as_written",
    "gender",
    "notes",
    "grading_scheme",
    "grade",
    "handling_code",
    "handling_note",
    "recipients",
)


def safe_cell(value: Any) -> str:
    """The text of ``value`` for a CSV cell, with ``'`` before a leading = + - @ tab or CR.

    Example:
        >>> safe_cell("=cmd|' /C calc'!A0"), safe_cell("+77011234567"), safe_cell(None)
        ("'=cmd|' /C calc'!A0", "'+77011234567", '')
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[str], fileobj: IO[str]) -> int:
    """Write a header and ``rows`` (missing keys are blank) as CSV; returns the rows written.

    ``fileobj`` is a text stream opened with ``newline=""``.
    """
    writer = csv.writer(fileobj)
    writer.writerow([safe_cell(c) for c in columns])
    count = 0
    for row in rows:
        writer.writerow([safe_cell(row.get(c)) for c in columns])
        count += 1
    return count


def _first_by_person(
    session: Session, link_type: str, model: Any, columns: Sequence[Any], ids: list[uuid.UUID]
) -> dict[uuid.UUID, tuple[Any, ...]]:
    """The first record of ``model`` each person is linked to by ``link_type``."""
    rows = session.execute(
        select(Link.from_id, *columns)
        .join(model, model.id == Link.to_id)
        .where(Link.from_id.in_(ids), Link.link_type == link_type)
        .order_by(Link.created_at, Link.id)
    )
    found: dict[uuid.UUID, tuple[Any, ...]] = {}
    for person_id, *values in rows:
        found.setdefault(person_id, tuple(values))
    return found


def _person_rows(session: Session, principal: Principal) -> Iterator[dict[str, Any]]:
    columns: Any = (  # a many-column Select; visible() is typed for one entity
        select(
            Person.id,
            Agency.code,
            Person.source_id,
            Person.surname,
            Person.given_name,
            Person.patronymic,
            Person.birth_date,
            Person.nationality,
            Person.gender,
            Person.notes,
            Person.grading_scheme,
            Person.grade_as_entered,
            Person.handling_code,
            Person.handling_note,
        )
        .join(Agency, Agency.id == Person.agency_id)
        .order_by(Agency.code, Person.source_id, Person.id)
    )
    stmt = visible(columns, Person, principal)
    result = session.execute(stmt.execution_options(yield_per=CHUNK))
    for partition in result.partitions():
        yield from _person_chunk(session, partition)


def _person_chunk(session: Session, partition: Sequence[Any]) -> Iterator[dict[str, Any]]:
    ids = [row[0] for row in partition]
    documents = _first_by_person(
        session,
        "holds_document",
        IdentityDocument,
        (IdentityDocument.number, IdentityDocument.doc_type, IdentityDocument.issuing_country),
        ids,
    )
    phones = _first_by_person(session, "uses_phone", Phone, (Phone.e164,), ids)
    written = dict(
        session.execute(
            select(PersonName.person_id, PersonName.full_name)
            .where(PersonName.person_id.in_(ids), PersonName.kind == "as_written")
            .order_by(PersonName.id)
        ).all()
    )
    recipients: dict[uuid.UUID, list[str]] = defaultdict(list)
    for record_id, code in session.execute(
        select(RecordRecipient.record_id, Agency.code)
        .join(Agency, Agency.id == RecordRecipient.agency_id)
        .where(RecordRecipient.record_id.in_(ids))
        .order_by(Agency.code)
    ):
        recipients[record_id].append(code)
    for row in partition:
        (pid, code, source_id, surname, given, patronymic, birth, nationality) = row[:8]
        gender, notes, scheme, grade, handling, note = row[8:]
        document = documents.get(pid, (None, None, None))
        yield {
            "agency": code,
            "source_id": source_id,
            "surname": surname,
            "given_name": given,
            "patronymic": patronymic,
            "birth_date": birth,
            "nationality": nationality,
            "document_number": document[0],
            "document_type": document[1] if document[0] else None,
            "document_country": document[2] if document[0] else None,
            "phone": phones.get(pid, (None,))[0],
            "name_as_written": written.get(pid),
            "gender": gender,
            "notes": notes,
            "grading_scheme": scheme if grade else None,
            "grade": grade.split(":", 1)[-1] if grade else None,
            "handling_code": handling,
            "handling_note": note,
            "recipients": ";".join(recipients.get(pid, ())),
        }


def export_persons(session: Session, principal: Principal, fileobj: IO[str]) -> int:
    """Write every person ``principal`` may see as import-format CSV; returns the count.

    Streams in chunks of :data:`CHUNK` persons and appends one ``export.persons``
    audit event in the caller's transaction.
    """
    require(principal, "export.run")
    count = write_csv(_person_rows(session, principal), PERSON_EXPORT_COLUMNS, fileobj)
    audit.append(
        session,
        "export.persons",
        principal=principal,
        after={"rows": count, "format": "csv"},
    )
    return count
