"""Import speed: rows/s of the real importer, validation included, against raw floors.

What is measured: the wall time of ``with db.session() as s: import_file(s, admin, kind,
path)`` — reading, cleaning and checking every row, writing persons with their names,
phones and documents (seizures with places and person links), the audit event and the
commit — by the centre's administrator, into a fresh database with the real schema.
Persons first (``--persons-import`` rows), then seizures (``--seizures-import`` rows that
reference those persons). The CSV files are generated once into ``bench/out/``.

Baselines in the same run (see :mod:`bench.baselines`): ``csv.reader`` alone, and a raw
``executemany`` of the same rows into a plain one-table schema on the same backend;
``ratio`` = importer rows/s ÷ raw rows/s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from bench import OUT, baselines
from bench.data import persons_csv, seizures_csv
from bench.stats import stopwatch
from bench.targets import fresh_pg, fresh_sqlite, principal, recreate_pg_database
from caravan.collect.importer import import_file
from caravan.store import Database

#: rows/s the issue asks for, per kind (validation included).
TARGETS = {"persons": 20_000, "seizures": 10_000}
PG_IMPORT_DB = "caravan_bench_import"
PG_RAW_DB = "caravan_bench_raw"


@dataclass(frozen=True)
class Measure:
    """``rows`` handled in ``seconds`` (wall clock)."""

    backend: str
    kind: str
    what: str
    rows: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else float("inf")


@dataclass
class ImportReport:
    persons: int
    seizures: int
    imports: list[Measure] = field(default_factory=list)
    floors: list[Measure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def floor(self, backend: str, kind: str) -> Measure | None:
        return next((f for f in self.floors if f.backend == backend and f.kind == kind), None)

    def ratio(self, measure: Measure) -> float | None:
        floor = self.floor(measure.backend, measure.kind)
        return measure.rate / floor.rate if floor else None


def _import(
    db: Database, backend: str, kind: str, path: Path, log: Callable[[str], None]
) -> Measure:
    admin = principal(db)
    with stopwatch() as watch, db.session() as session:
        result = import_file(session, admin, kind, path)
    measure = Measure(backend, kind, "import_file", result.rows, watch.seconds)
    log(
        f"  {backend:<10} {kind:<8} {result.rows:>9,} rows  {watch.seconds:7.2f}s"
        f"  {measure.rate:>9,.0f} rows/s  (inserted {result.inserted:,})"
    )
    return measure


def _import_all(
    report: ImportReport,
    db: Database,
    backend: str,
    files: dict[str, Path],
    log: Callable[[str], None],
) -> None:
    """Import each file in turn; a failure is recorded and ends this backend's run
    (seizures need the persons)."""
    for kind, path in files.items():
        try:
            report.imports.append(_import(db, backend, kind, path, log))
        except Exception as exc:
            first_line = (str(exc).strip().splitlines() or [""])[0][:300]
            report.failures.append(f"{backend} {kind}: {type(exc).__name__}: {first_line}")
            log(f"  {backend:<10} {kind:<8} FAILED: {report.failures[-1]}")
            return


def _sqlite(report: ImportReport, files: dict[str, Path], log: Callable[[str], None]) -> None:
    for kind, path in files.items():
        rows, seconds = baselines.sqlite_executemany(path, OUT / f"raw-{kind}.sqlite")
        report.floors.append(Measure("sqlite", kind, "raw executemany", rows, seconds))
        log(f"  sqlite     {kind:<8} raw executemany floor {rows / seconds:>9,.0f} rows/s")
    db = fresh_sqlite(OUT / "import.sqlite")
    try:
        _import_all(report, db, "sqlite", files, log)
    finally:
        db.dispose()


def _postgres(
    report: ImportReport, files: dict[str, Path], pg_url: str, log: Callable[[str], None]
) -> None:
    try:
        raw = recreate_pg_database(pg_url, PG_RAW_DB)
    except psycopg.Error as exc:
        report.notes.append(f"PostgreSQL skipped: {exc}".strip())
        log(report.notes[-1])
        return
    for kind, path in files.items():
        rows, seconds = baselines.pg_executemany(path, raw)
        report.floors.append(Measure("postgresql", kind, "raw executemany", rows, seconds))
        log(f"  postgresql {kind:<8} raw executemany floor {rows / seconds:>9,.0f} rows/s")
    db = fresh_pg(pg_url, PG_IMPORT_DB)
    try:
        _import_all(report, db, "postgresql", files, log)
    finally:
        db.dispose()


def run(
    persons: int,
    seizures: int,
    *,
    seed: int = 2026,
    pg_url: str | None = None,
    log: Callable[[str], None] = print,
) -> ImportReport:
    """Generate (or reuse) the files, measure the floors, then import on each backend."""
    log(f"import: generating/reusing CSV files ({persons:,} persons, {seizures:,} seizures)")
    files = {
        "persons": persons_csv(persons, seed),
        "seizures": seizures_csv(seizures, seed, persons),
    }
    report = ImportReport(persons, seizures)
    for kind, path in files.items():
        rows, seconds = baselines.csv_parse(path)
        report.floors.append(Measure("csv", kind, "csv.reader only", rows, seconds))
        log(f"  csv        {kind:<8} parse only            {rows / seconds:>9,.0f} rows/s")
    _sqlite(report, files, log)
    if pg_url:
        _postgres(report, files, pg_url, log)
    else:
        report.notes.append("PostgreSQL skipped (--no-pg)")
    return report
