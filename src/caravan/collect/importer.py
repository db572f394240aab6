"""Bulk import of records (persons, seizures, reports, organisations): all or nothing.

:func:`import_file` streams a file through :func:`~caravan.collect.readers.open_rows`,
cleans each row with the same cleaner that serves the forms, checks that the
importer may write for the row's agency and that no ``(agency, source_id)`` appears
twice, and writes valid rows in batches with the bulk writers.

All or nothing: batches are written inside the **caller's** transaction while no
problem has been seen. Once a row fails, writing stops but checking goes on, so
the report lists every bad row; at the end :class:`ImportFailed` (an
:class:`~caravan.errors.InvalidData`) is raised and the caller must roll back —
``with db.session() as session:`` does so on any exception, as the CLI and the
web layer use it. A successful import appends one ``import.<kind>`` audit event.

The per-row path is plain dicts and dictionary look-ups: no ORM objects and no
queries per row (the writers query once per batch).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from sqlalchemy.orm import Session

from caravan import audit
from caravan.access import Principal, require, require_agency_scope
from caravan.collect.clean import (
    RowContext,
    agency_map,
    clean_organisation,
    clean_person,
    clean_report,
    clean_seizure,
)
from caravan.collect.parallel import InlineRows, ParallelRows, in_flight_for, use_worker
from caravan.collect.readers import ColumnSpec, guess_format, open_rows
from caravan.collect.seen import SeenKeys
from caravan.collect.writer import (
    Prepared,
    WriteResult,
    resolve_person_refs,
    write_organisations,
    write_persons,
    write_reports,
    write_seizures,
)
from caravan.errors import FieldError, InvalidData, NotFound
from caravan.gcpause import fewer_collections
from caravan.store.bulk import dialect_name

__all__ = [
    "COLUMN_SPECS",
    "KINDS",
    "MAX_ERRORS",
    "ORGANISATIONS",
    "PERSONS",
    "REPORTS",
    "SEIZURES",
    "ColumnSpec",
    "ImportFailed",
    "ImportProgress",
    "ImportResult",
    "errors_to_json",
    "import_file",
    "render_error_table",
]

#: Problems kept for the report; beyond this they are only counted.
MAX_ERRORS = 100_000

GRADING = (
    "grade",
    "grading_scheme",
    "source_grade",
    "information_grade",
    "handling_code",
    "handling_note",
    "recipients",
)
PERSONS = ColumnSpec(
    "persons",
    required=("source_id", "surname"),
    optional=(
        "agency",
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
        *GRADING,
    ),
)
SEIZURES = ColumnSpec(
    "seizures",
    required=("source_id", "date", "drug", "quantity", "unit"),
    optional=(
        "agency",
        "country",
        "admin_area",
        "city",
        "place_type",
        "latitude",
        "longitude",
        "purity_percent",
        "price_usd",
        "origin_country",
        "departure_country",
        "transit_countries",
        "destination_country",
        "transport_mode",
        "concealment",
        "persons",
        "vehicle_plates",
        "notes",
        *GRADING,
    ),
)
REPORTS = ColumnSpec(
    "reports",
    required=("source_id", "date", "title", "body"),
    optional=("agency", "language", "persons", *GRADING),
)
ORGANISATIONS = ColumnSpec(
    "organisations",
    required=("source_id", "name"),
    optional=("agency", "legal_form", "registration_number", "country", "notes", *GRADING),
)
COLUMN_SPECS = {spec.kind: spec for spec in (PERSONS, SEIZURES, REPORTS, ORGANISATIONS)}
KINDS = tuple(COLUMN_SPECS)

Cleaner = Callable[[RowContext, Mapping[str, Any]], dict[str, Any] | None]
Writer = Callable[[Session, list[Prepared | dict[str, Any]], int | None], WriteResult]
_HANDLERS: dict[str, tuple[Cleaner, Writer, bool]] = {
    "persons": (clean_person, write_persons, False),
    "seizures": (clean_seizure, write_seizures, True),
    "reports": (clean_report, write_reports, True),
    "organisations": (clean_organisation, write_organisations, False),
}


@dataclass(frozen=True)
class ImportProgress:
    """How far an import has got (sent after every batch and once at the end)."""

    kind: str
    rows_read: int
    bytes_read: int
    bytes_total: int | None
    errors: int

    @property
    def fraction(self) -> float | None:
        if not self.bytes_total:
            return None
        return min(1.0, self.bytes_read / self.bytes_total)


@dataclass(frozen=True)
class ImportResult:
    """What a successful import wrote."""

    kind: str
    rows: int
    inserted: int
    updated: int
    seconds: float
    agencies: tuple[str, ...] = ()

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else float(self.rows)


class ImportFailed(InvalidData):
    """The file has problems; nothing of it may be kept (the caller rolls back).

    ``errors`` holds up to :data:`MAX_ERRORS` problems in row order; ``total_errors``
    counts all of them.
    """

    def __init__(self, errors: list[FieldError], total_errors: int, rows: int) -> None:
        self.total_errors = total_errors
        self.rows = rows
        shown = "" if total_errors == len(errors) else f" ({len(errors)} listed)"
        super().__init__(
            errors,
            f"{total_errors} problem(s) in {rows} row(s){shown}; nothing was imported",
        )

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["total_errors"] = self.total_errors
        data["rows"] = self.rows
        return data


@dataclass
class _Run:
    """The mutable state of one import."""

    session: Session
    kind: str
    user_id: int
    errors: list[FieldError] = field(default_factory=list)
    dropped: int = 0
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    agencies: set[str] = field(default_factory=set)

    @property
    def failed(self) -> bool:
        return bool(self.errors) or self.dropped > 0

    def cap(self) -> None:
        if len(self.errors) > MAX_ERRORS:
            self.dropped += len(self.errors) - MAX_ERRORS
            del self.errors[MAX_ERRORS:]

    def flush(self, batch: list[Prepared | dict[str, Any]], numbers: list[int]) -> None:
        """Resolve references and, while the file is still clean, write the batch."""
        if not batch:
            return
        _, writer, has_refs = _HANDLERS[self.kind]
        if has_refs:
            self.errors.extend(resolve_person_refs(self.session, batch, numbers))
            self.cap()
        if not self.failed:
            result = writer(self.session, batch, self.user_id)
            self.inserted += result.inserted
            self.updated += result.updated
        batch.clear()
        numbers.clear()


def _default_agency(
    principal: Principal, agencies: Mapping[str, tuple[int, str]], agency_code: str | None
) -> str:
    if not agency_code:
        return principal.agency_code.upper()
    code = agency_code.strip().upper()
    if code not in agencies:
        raise NotFound(f"No agency with code '{code}'")
    require_agency_scope(principal, agencies[code][0], "import")
    return code


def import_file(
    session: Session,
    principal: Principal,
    kind: str,
    source: str | os.PathLike[str] | IO[bytes],
    *,
    fmt: str | None = None,
    encoding: str | None = None,
    mapping: Mapping[str, str] | None = None,
    agency_code: str | None = None,
    batch_rows: int = 5000,
    progress: Callable[[ImportProgress], None] | None = None,
    filename: str | None = None,
    workers: int | None = None,
) -> ImportResult:
    """Import one file of ``kind`` (one of :data:`KINDS`), all or nothing.

    Rows without an ``agency`` belong to ``agency_code`` (when given; only a centre
    administrator may name another agency) or else to the principal's agency.

    Raises:
        PermissionDenied: the principal may not import, or not for ``agency_code``.
        NotFound: ``agency_code`` names no agency.
        ImportFailed: any row is invalid. Batches may already have been written in
            the caller's transaction: **the caller must roll back**.
        InvalidData: the file itself cannot be read (empty, bad header, encoding).
        ImportWorkerError: the cleaning process failed (the caller must roll back).
    """
    if kind not in COLUMN_SPECS:
        raise ValueError(f"unknown import kind {kind!r}; use one of {', '.join(KINDS)}")
    require(principal, "import.run")
    started = time.perf_counter()
    agencies = agency_map(session)
    default_agency = _default_agency(principal, agencies, agency_code)
    if fmt is None and filename:
        fmt = guess_format(filename)
    spec = COLUMN_SPECS[kind]
    # Opened here in any case: header problems are raised before anything is written.
    reader = open_rows(source, fmt=fmt, encoding=encoding, mapping=mapping, columns=spec)
    rows: InlineRows | ParallelRows
    dialect = dialect_name(session.connection().dialect)
    if use_worker(workers, source, reader.bytes_total, fmt):
        reader.close()
        assert isinstance(source, str | os.PathLike)
        rows = ParallelRows(
            source,
            fmt=fmt,
            encoding=encoding,
            mapping=mapping,
            spec=spec,
            agencies=agencies,
            default_agency=default_agency,
            dialect=dialect,
            bytes_total=reader.bytes_total,
            in_flight=in_flight_for(max(1, batch_rows)),
        )
    else:
        rows = InlineRows(reader, kind, agencies, default_agency, dialect)
    run = _Run(session, kind, principal.user_id)
    try:
        with fewer_collections():
            _stream(run, rows, principal, agencies, default_agency, max(1, batch_rows), progress)
    finally:
        rows.close()
    if run.failed:
        run.errors.sort(key=lambda e: e.row or 0)
        raise ImportFailed(run.errors, len(run.errors) + run.dropped, run.rows)
    seconds = time.perf_counter() - started
    result = ImportResult(
        kind, run.rows, run.inserted, run.updated, seconds, tuple(sorted(run.agencies))
    )
    audit.append(
        session,
        f"import.{kind}",
        principal=principal,
        detail=filename or getattr(source, "name", None) or str(source)[:300],
        after={
            "rows": result.rows,
            "inserted": result.inserted,
            "updated": result.updated,
            "agencies": list(result.agencies),
        },
    )
    return result


def _stream(
    run: _Run,
    rows: InlineRows | ParallelRows,
    principal: Principal,
    agencies: Mapping[str, tuple[int, str]],
    default_agency: str,
    batch_rows: int,
    progress: Callable[[ImportProgress], None] | None,
) -> None:
    """The hot loop: one pass over the cleaned rows, batching the valid ones."""
    errors = run.errors
    own = principal.agency_code.upper()
    any_agency = principal.is_centre_admin
    scope_message = f"you may import only for your own agency ({principal.agency_code})"
    seen = SeenKeys(run.session)
    seen_agencies = run.agencies
    batch: list[Prepared | dict[str, Any]] = []
    numbers: list[int] = []
    #: (key, row, source_id, agency, index in ``batch`` or -1) for every row with a source_id
    pending: list[tuple[int, int, str, str, int]] = []
    bytes_read = 0

    def flush() -> None:
        """Drop this stretch's duplicates (remembering its keys), then write the batch."""
        firsts = seen.check([p[0] for p in pending], [p[1] for p in pending])
        dropped: set[int] = set()
        for (_, number, source_id, code, index), first in zip(pending, firsts, strict=True):
            if first is not None:
                errors.append(
                    FieldError(
                        "source_id",
                        f"duplicate: source_id '{source_id}' of {code} is already on row {first}",
                        row=number,
                        value=source_id,
                    )
                )
                if index >= 0:
                    dropped.add(index)
        pending.clear()
        if dropped:
            kept = [i for i in range(len(batch)) if i not in dropped]
            batch[:] = [batch[i] for i in kept]
            numbers[:] = [numbers[i] for i in kept]
        run.cap()
        run.flush(batch, numbers)

    def report() -> None:
        if progress is not None:
            progress(
                ImportProgress(
                    run.kind,
                    run.rows,
                    bytes_read,
                    rows.bytes_total,
                    len(errors) + run.dropped,
                )
            )

    for number, read, values, row_errors, code, source_id, reader_errors in rows:
        bytes_read = read
        if reader_errors:
            errors.extend(reader_errors)
        run.rows += 1
        if row_errors:
            errors.extend(row_errors)
        if code != own and not any_agency and code in agencies:
            errors.append(FieldError("agency", scope_message, row=number, value=code[:200]))
            values = None
        if not source_id:
            errors.append(FieldError("source_id", "is required", row=number))
            values = None
        else:
            index = len(batch) if values is not None else -1
            pending.append((hash((code, source_id)), number, source_id, code, index))
        if values is not None:
            seen_agencies.add(code)
            batch.append(values)
            numbers.append(number)
        if len(errors) > MAX_ERRORS:
            run.cap()
        if len(pending) >= batch_rows:
            flush()
            report()
    tail = rows.tail_errors
    if tail:
        errors.extend(tail)
        run.cap()
    if isinstance(rows, ParallelRows):
        bytes_read = rows.bytes_read
    flush()
    seen.close()
    report()


# --------------------------------------------------------------------------- error report


def _cell(value: str | None, width: int) -> str:
    text = " ".join((value or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def render_error_table(errors: list[FieldError], *, limit: int | None = None) -> str:
    """A fixed-width table a person can read: ``row | column | problem | value``.

    Example:
        >>> print(render_error_table([FieldError("drug", "unknown drug 'xyz'", 3, "xyz")]))
        row | column | problem            | value
        ----+--------+--------------------+------
          3 | drug   | unknown drug 'xyz' | xyz
    """
    shown = errors if limit is None else errors[:limit]
    rows = [
        (
            "" if e.row is None else str(e.row),
            _cell(e.field, 30),
            _cell(e.message, 100),
            _cell(e.value, 40),
        )
        for e in shown
    ]
    header = ("row", "column", "problem", "value")
    widths = [max([len(header[i])] + [len(r[i]) for r in rows]) for i in range(4)]

    def line(cells: tuple[str, str, str, str]) -> str:
        parts = [cells[0].rjust(widths[0])] + [
            c.ljust(w) for c, w in zip(cells[1:], widths[1:], strict=True)
        ]
        return " | ".join(parts).rstrip()

    out = [line(header), "-+-".join("-" * w for w in widths)]
    out.extend(line(r) for r in rows)
    if limit is not None and len(errors) > limit:
        out.append(f"… and {len(errors) - limit} more")
    return "\n".join(out)


def errors_to_json(errors: list[FieldError], *, total: int | None = None) -> str:
    """The error report as JSON.

    ``{"total": n, "errors": [{"row": 3, "field": "drug", "message": "...", "value": "xyz"}]}``;
    ``total`` counts every problem, also those beyond the listed ones.
    """
    data = {
        "total": len(errors) if total is None else total,
        "errors": [e.to_dict() for e in errors],
    }
    return json.dumps(data, ensure_ascii=False, indent=1)
