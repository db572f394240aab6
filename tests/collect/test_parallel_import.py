"""Cleaning in a worker process (``workers=1``) imports exactly what cleaning inline does."""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Uuid, select

import caravan.collect.parallel as parallel
from caravan.collect.demo import write_csv
from caravan.collect.generator import PERSON_COLUMNS, generate_persons
from caravan.collect.importer import ImportFailed, ImportProgress, ImportResult, import_file
from caravan.collect.parallel import FAIL_ENV, ImportWorkerError
from caravan.errors import InvalidData
from caravan.store.models import (
    AuditEvent,
    IdentityDocument,
    Link,
    Person,
    PersonName,
    Phone,
    RecordRecipient,
)

TABLES = (Person, PersonName, Phone, IdentityDocument, Link, RecordRecipient)
#: Generous: a spawned worker starts in about a second; a hang would take forever.
TIMEOUT = 120


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Several chunks and credits even for a small file."""
    monkeypatch.setattr(parallel, "CHUNK_ROWS", 37)


WORLD_AGENCIES = ("KZ-MVD", "KG-MVD", "CARICC")


def persons_file(tmp_path: Path, n: int = 400) -> Path:
    """Generated persons, moved to the test world's agencies (of the same country, for
    the phone numbers' sake: the other countries' rows are dropped)."""

    def rows() -> Any:
        kept = 0
        for i, row in enumerate(generate_persons(n * 4, 3)):
            if kept == n:
                return
            country = row["agency"][:2]
            if country not in ("KZ", "KG"):
                continue
            row["agency"] = "KG-MVD" if country == "KG" else WORLD_AGENCIES[i % 2 * 2]
            row["recipients"] = WORLD_AGENCIES[i % 3] if row.get("recipients") else ""
            kept += 1
            yield row

    return write_csv(tmp_path / "persons.csv", PERSON_COLUMNS, rows())


def snapshot(session: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the written tables, less what is random or a timestamp."""
    result = {}
    for model in TABLES:
        table = model.__table__
        columns = [
            c
            for c in table.columns
            if not isinstance(c.type, Uuid)
            and c.name not in ("created_at", "updated_at")
            and c is not table.autoincrement_column  # a serial: PostgreSQL's goes on counting
        ]
        rows = session.execute(select(*columns)).all()
        result[model.__tablename__] = sorted((tuple(r) for r in rows), key=repr)
    return result


def attempt(
    world: Any, user: str, source: Any, workers: int, **kwargs: Any
) -> tuple[ImportResult | Exception, dict[str, list[tuple[Any, ...]]], list[ImportProgress]]:
    """Import in a session that is rolled back; what came out, what was written, progress."""
    reports: list[ImportProgress] = []
    principal = world.principal(user)
    with world.db.sessionmaker() as session:
        try:
            outcome: ImportResult | Exception = import_file(
                session,
                principal,
                "persons",
                source,
                workers=workers,
                progress=reports.append,
                **kwargs,
            )
        except Exception as exc:  # compared below
            outcome = exc
        written = snapshot(session) if not isinstance(outcome, Exception) else {}
        if not isinstance(outcome, Exception):
            events = session.scalars(select(AuditEvent.action)).all()
            assert "import.persons" in events
        session.rollback()
    return outcome, written, reports


def within(seconds: float, fn: Any) -> Any:
    """Run ``fn`` in a thread and fail (rather than hang) if it takes too long."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed to the test
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"no answer within {seconds} s"
    if "error" in box:
        raise box["error"]
    return box["value"]


def test_worker_imports_the_same_as_inline(world: Any, tmp_path: Path) -> None:
    path = persons_file(tmp_path)
    inline, inline_rows, inline_progress = attempt(
        world, "caricc.administrator", path, 0, batch_rows=50
    )
    worker, worker_rows, worker_progress = within(
        TIMEOUT, lambda: attempt(world, "caricc.administrator", path, 1, batch_rows=50)
    )
    assert isinstance(inline, ImportResult), getattr(inline, "errors", inline)
    assert isinstance(worker, ImportResult)
    assert (worker.rows, worker.inserted, worker.updated, worker.agencies) == (
        inline.rows,
        inline.inserted,
        inline.updated,
        inline.agencies,
    )
    assert inline.rows == 400 and inline.inserted == 400
    assert worker_rows == inline_rows
    assert len(inline_rows["person"]) == 400
    assert worker_progress == inline_progress
    assert len(worker_progress) == 400 // 50 + 1
    assert worker_progress[-1].bytes_read == path.stat().st_size


BAD = (
    "source_id,surname,given_name,birth_date,agency,phone",
    "A1,Иванов,Иван,07.03.1985,,+7 701 123 45 67",
    "A2,,Пётр,31.02.1990,,",  # no surname, impossible date
    "A1,Петров,Пётр,1990,,",  # duplicate
    "A3,Smith,John,1980,KG-MVD,",  # another agency's row, for an officer
    "A4,Too,Many,1980,,,surplus",  # a row the reader rejects
    ",Nobody,,,,",  # no source_id
    "A5,Good,Row,1981,,notaphone",
    "A6,Valid,Row,1982,,",
)


def test_worker_reports_the_same_errors_and_writes_nothing(world: Any, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(BAD * 1) + "\n", encoding="utf-8")
    inline, written, inline_progress = attempt(world, "kz-mvd.officer", path, 0, batch_rows=3)
    worker, _, worker_progress = within(
        TIMEOUT, lambda: attempt(world, "kz-mvd.officer", path, 1, batch_rows=3)
    )
    assert isinstance(inline, ImportFailed) and isinstance(worker, ImportFailed)
    assert worker.errors == inline.errors
    assert (worker.total_errors, worker.rows, worker.message) == (
        inline.total_errors,
        inline.rows,
        inline.message,
    )
    fields = {(e.row, e.field) for e in inline.errors}
    assert {(3, "surname"), (4, "source_id"), (5, "agency"), (6, "row"), (7, "source_id")} <= fields
    assert worker_progress == inline_progress
    assert written == {}
    with world.db.session() as session:
        assert session.scalars(select(Person.id)).all() == []


def test_worker_failure_is_a_clear_error(
    world: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = persons_file(tmp_path, 100)
    monkeypatch.setenv(FAIL_ENV, "persons")  # the spawned worker inherits it
    started = time.monotonic()
    outcome, written, _ = within(TIMEOUT, lambda: attempt(world, "caricc.administrator", path, 1))
    assert isinstance(outcome, ImportWorkerError)
    assert "failing as asked" in outcome.message
    assert "nothing was imported" in outcome.message
    assert written == {}
    assert time.monotonic() - started < TIMEOUT


def test_worker_that_dies_is_a_clear_error(
    world: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = persons_file(tmp_path, 100)
    monkeypatch.setenv(FAIL_ENV, "exit")
    outcome, _, _ = within(TIMEOUT, lambda: attempt(world, "caricc.administrator", path, 1))
    assert isinstance(outcome, ImportWorkerError)
    assert "ended unexpectedly (exit code 3)" in outcome.message


def test_file_problems_found_by_the_worker_are_raised_as_such(world: Any, tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("source_id,surname\n", encoding="utf-8")
    inline, _, _ = attempt(world, "kz-mvd.officer", path, 0)
    worker, _, _ = within(TIMEOUT, lambda: attempt(world, "kz-mvd.officer", path, 1))
    assert type(worker) is InvalidData and type(inline) is InvalidData
    assert worker.errors == inline.errors and worker.message == inline.message


def test_header_problems_come_before_any_worker(world: Any, tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text("source_id,nonsense\nA1,x\n", encoding="utf-8")
    outcome, _, _ = attempt(world, "kz-mvd.officer", path, 1)
    assert type(outcome) is InvalidData
    assert "header" in outcome.message


def test_file_objects_are_cleaned_inline(world: Any, tmp_path: Path) -> None:
    data = persons_file(tmp_path, 20).read_bytes()
    outcome, written, _ = attempt(world, "caricc.administrator", io.BytesIO(data), 1)
    assert isinstance(outcome, ImportResult) and outcome.inserted == 20
    assert len(written["person"]) == 20


def test_automatic_choice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = parallel.PARALLEL_MIN_BYTES
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 2)
    assert parallel.use_worker(None, tmp_path / "a.csv", big, None)
    assert not parallel.use_worker(None, tmp_path / "a.csv", big - 1, None)
    assert not parallel.use_worker(None, io.BytesIO(), big, None)
    assert not parallel.use_worker(0, tmp_path / "a.csv", big, None)
    assert parallel.use_worker(1, str(tmp_path / "a.csv"), 10, None)
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 1)
    assert not parallel.use_worker(None, tmp_path / "a.csv", big, None)
    with pytest.raises(ValueError, match="workers"):
        parallel.use_worker(-1, tmp_path / "a.csv", big, None)
