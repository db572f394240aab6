"""Batch checks: a file of up to 100,000 queries, validated whole, then run.

Input columns: ``query_id, surname, given_name, patronymic, birth_date, nationality,
document_number, phone`` (CSV in UTF-8 or Windows-1251, XLSX, JSON or JSON Lines; the
Russian headers the importer knows are understood too). A row with a name is a person
check (its document number and birth date help it); a row with a phone is also a phone
check; a row with only a document number is a document check.

Every row is validated before any is run: a file with a bad row is refused with the
list of every bad row, and nothing is checked. Output: one row per hit
(:data:`~caravan.match.report.RESULT_COLUMNS`).

The batch is audited as one event (who, which file, how many queries and hits); the
owners of restricted records it hits are notified as for single checks.
"""

from __future__ import annotations

import contextlib
import csv
import io
import logging
import os
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from caravan import audit
from caravan.access import Principal, require
from caravan.collect.readers import ColumnSpec, open_rows
from caravan.errors import CaravanError, Conflict, FieldError, InvalidData, NotFound
from caravan.gcpause import fewer_collections
from caravan.match.checks import (
    TOP,
    Hit,
    best_per_record,
    notify_owners,
    to_hits,
    views_of,
)
from caravan.match.report import RESULT_COLUMNS, hit_row
from caravan.match.selectors import Selector, parse_selector
from caravan.match.workers import UNIT, Ranked, RankWorkers, rank_queries, shared
from caravan.store import Database
from caravan.store.bulk import bulk_insert
from caravan.store.models import CheckJob, CheckResult
from caravan.store.models.base import utcnow

log = logging.getLogger(__name__)

MAX_QUERIES = 100_000
#: Errors kept and shown for a refused file.
MAX_ERRORS = 1000
#: Queries whose hits are resolved (visibility, notices) together.
CHUNK = 500
COLUMNS = ColumnSpec(
    "checks",
    ("query_id",),
    (
        "surname",
        "given_name",
        "patronymic",
        "birth_date",
        "nationality",
        "document_number",
        "phone",
    ),
)
NAME_COLUMNS = ("surname", "given_name", "patronymic")


@dataclass
class BatchQuery:
    query_id: str
    row: int
    selectors: list[Selector] = field(default_factory=list)


@dataclass
class BatchOutcome:
    queries: int
    #: ``(query_id, hits)`` in file order.
    results: list[tuple[str, list[Hit]]]

    @property
    def hits(self) -> int:
        return sum(len(h) for _, h in self.results)

    def rows(self) -> Iterator[dict[str, Any]]:
        for query_id, hits in self.results:
            for hit in hits:
                yield hit_row(query_id, hit)


def _row_selectors(raw: dict[str, str], region: str | None) -> list[Selector]:
    """The checks one row asks for; raises InvalidData naming its bad fields."""
    errors: list[FieldError] = []
    selectors: list[Selector] = []
    has_name = any((raw.get(c) or "").strip() for c in NAME_COLUMNS)
    document = (raw.get("document_number") or "").strip()
    phone = (raw.get("phone") or "").strip()
    attempts: list[tuple[str, dict[str, Any]]] = []
    if has_name:
        attempts.append(("person", {**raw, "document": document or None}))
    elif document:
        attempts.append(("document", {"document": document}))
    if phone:
        attempts.append(("phone", {"phone": phone}))
    if not attempts:
        errors.append(FieldError("surname", "give a name, a document number or a phone to check"))
    for kind, values in attempts:
        try:
            selectors.append(parse_selector(kind, values, region=region))
        except InvalidData as exc:
            errors.extend(exc.errors)
    if errors:
        raise InvalidData(errors)
    return selectors


def read_batch(
    source: str | os.PathLike[str] | IO[bytes],
    *,
    fmt: str | None = None,
    encoding: str | None = None,
    region: str | None = None,
) -> list[BatchQuery]:
    """Read and validate a batch file.

    Raises:
        InvalidData: the file cannot be read, or any row is bad (every bad row listed,
            with its row number and column; at most :data:`MAX_ERRORS`).
    """
    errors: list[FieldError] = []
    queries: list[BatchQuery] = []
    seen: dict[str, int] = {}
    with open_rows(source, fmt=fmt, encoding=encoding, columns=COLUMNS) as reader:
        for number, raw in reader:
            if len(queries) >= MAX_QUERIES:
                errors.append(
                    FieldError("file", f"more than {MAX_QUERIES:,} queries; split the file", number)
                )
                break
            query_id = (raw.get("query_id") or "").strip()
            if not query_id:
                errors.append(FieldError("query_id", "is required", number))
            elif len(query_id) > 100:
                errors.append(FieldError("query_id", "is longer than 100 characters", number))
            elif query_id in seen:
                errors.append(
                    FieldError(
                        "query_id",
                        f"duplicate: '{query_id}' is already on row {seen[query_id]}",
                        number,
                        query_id,
                    )
                )
            else:
                seen[query_id] = number
            try:
                selectors = _row_selectors(raw, region)
            except InvalidData as exc:
                errors.extend(FieldError(e.field, e.message, number, e.value) for e in exc.errors)
                selectors = []
            queries.append(BatchQuery(query_id, number, selectors))
            if len(errors) > MAX_ERRORS:
                break
        errors.extend(reader.errors)
    if errors:
        errors.sort(key=lambda e: e.row or 0)
        raise InvalidData(
            errors[:MAX_ERRORS],
            f"{len(errors)} problem(s) in the batch; nothing was checked. First: {errors[0]}",
        )
    if not queries:
        raise InvalidData([FieldError("file", "has no queries")])
    return queries


def run_batch(
    session: Session,
    principal: Principal,
    queries: Sequence[BatchQuery],
    *,
    filename: str = "",
    progress: Callable[[int, int], None] | None = None,
    workers: RankWorkers | None = None,
) -> BatchOutcome:
    """Run every query (already validated by :func:`read_batch`); audit the batch once.

    ``workers``: check workers (:mod:`caravan.match.workers`, leased for this batch) rank
    the queries; else they are ranked here. The answers are the same."""
    require(principal, "check.run")
    with fewer_collections():
        outcome = _run_batch(session, principal, queries, progress, workers)
    audit.append(
        session,
        "check.batch",
        principal=principal,
        detail=filename[:300] or None,
        after={"queries": len(queries), "hits": outcome.hits},
    )
    return outcome


def _ranked(
    session: Session, queries: Sequence[BatchQuery], workers: RankWorkers | None
) -> Iterator[Ranked]:
    """Each query's ranked items, in order: by the workers, or here a chunk at a time
    (the person index refreshed once per chunk)."""
    if workers is None:
        for start in range(0, len(queries), CHUNK):
            chunk = queries[start : start + CHUNK]
            yield from rank_queries(session, [q.selectors for q in chunk])
        return
    units = [
        [q.selectors for q in queries[start : start + UNIT]]
        for start in range(0, len(queries), UNIT)
    ]
    for unit in workers.rank(units, lambda unit: rank_queries(session, unit)):
        yield from unit


def _run_batch(
    session: Session,
    principal: Principal,
    queries: Sequence[BatchQuery],
    progress: Callable[[int, int], None] | None,
    workers: RankWorkers | None,
) -> BatchOutcome:
    results: list[tuple[str, list[Hit]]] = []
    ranked_all = _ranked(session, queries, workers)
    for start in range(0, len(queries), CHUNK):
        chunk = queries[start : start + CHUNK]
        ranked = []
        asked: list[tuple[Selector, Hit]] = []
        for query, items in zip(chunk, ranked_all, strict=False):
            # One selector's hits are already one per record, in order (as run_check's);
            # the first TOP of several selectors' are among their first TOP each.
            ranked.append((items if len(query.selectors) == 1 else best_per_record(items))[:TOP])
        # Each record once, however many of the chunk's queries found it.
        found = {(item.kind, item.record_id): item for items in ranked for item in items}
        views = views_of(session, principal, list(found.values()), named=True)
        for query, items in zip(chunk, ranked, strict=True):
            hits = to_hits(items, views)
            asked.extend((query.selectors[0], h) for h in hits if h.notice is not None)
            results.append((query.query_id, hits))
        notify_owners(session, principal, asked)
        if progress is not None:
            progress(len(results), len(queries))
    return BatchOutcome(len(queries), results)


def write_results_csv(outcome: BatchOutcome, out: IO[str]) -> None:
    writer = csv.DictWriter(out, fieldnames=list(RESULT_COLUMNS), lineterminator="\n")
    writer.writeheader()
    for row in outcome.rows():
        writer.writerow({**row, "visible": "yes" if row["visible"] else "no"})


# --------------------------------------------------------------------------- background jobs

_live: dict[str, dict[str, int]] = {}
_lock = threading.Lock()


def live_progress(job_id: uuid.UUID | str) -> dict[str, int] | None:
    with _lock:
        found = _live.get(str(job_id))
        return dict(found) if found else None


def start_batch_job(
    db: Database, job_id: uuid.UUID, path: Path, principal: Principal, *, region: str | None
) -> threading.Thread:
    """Run a committed :class:`CheckJob`'s file in a daemon thread."""
    thread = threading.Thread(
        target=run_batch_job_sync,
        args=(db, job_id, path, principal),
        kwargs={"region": region},
        name=f"checks-{job_id}",
        daemon=True,
    )
    thread.start()
    return thread


def run_batch_job_sync(
    db: Database, job_id: uuid.UUID, path: Path, principal: Principal, *, region: str | None
) -> None:
    def set_status(**values: Any) -> None:
        with db.session() as session:
            job = session.get(CheckJob, job_id)
            assert job is not None
            for key, value in values.items():
                setattr(job, key, value)

    def progress(done: int, total: int) -> None:
        with _lock:
            _live[str(job_id)] = {"done": done, "queries": total}

    try:
        set_status(status="running")
        try:
            queries = read_batch(path, region=region)
        except InvalidData as exc:
            set_status(
                status="failed",
                message=exc.message[:500],
                errors=[e.to_dict() for e in exc.errors],
                finished_at=utcnow(),
            )
            return
        set_status(queries=len(queries))
        progress(0, len(queries))
        pool = shared()
        with (
            pool.lease() if pool is not None else contextlib.nullcontext(None) as workers,
            db.session() as session,
        ):
            outcome = run_batch(
                session, principal, queries, filename=path.name, progress=progress, workers=workers
            )
            rows = [
                (
                    job_id.hex,
                    r["query_id"],
                    r["rank"],
                    r["score"],
                    r["band"],
                    r["agency"],
                    r["source_id"],
                    r["visible"],
                    str(h.record_id) if h.record_id is not None else None,
                    h.kind,
                    h.explanation,
                )
                for query_id, hits in outcome.results
                for h in hits
                for r in (hit_row(query_id, h),)
            ]
            bulk_insert(session, CheckResult.__table__, _RESULT_TABLE_COLUMNS, rows)  # type: ignore[arg-type]
            job = session.get(CheckJob, job_id)
            assert job is not None
            job.status, job.queries, job.done, job.hits = (
                "done",
                len(queries),
                len(queries),
                outcome.hits,
            )
            job.finished_at = utcnow()
    except CaravanError as exc:
        set_status(status="error", message=exc.message[:500], finished_at=utcnow())
    except Exception:
        log.exception("check batch %s failed", job_id)
        set_status(
            status="error", message="the batch failed; see the server log", finished_at=utcnow()
        )
    finally:
        with _lock:
            _live.pop(str(job_id), None)
        path.unlink(missing_ok=True)


_RESULT_TABLE_COLUMNS = (
    "job_id",
    "query_id",
    "rank",
    "score",
    "band",
    "agency",
    "source_id",
    "visible",
    "record_id",
    "kind",
    "explanation",
)


def job_results_csv(session: Session, job: CheckJob) -> str:
    """The results of a finished batch as CSV (:data:`RESULT_COLUMNS`).

    Raises:
        Conflict: the batch has not finished (or was refused).
    """
    if job.status != "done":
        raise Conflict(f"The batch is {job.status}; its results come when it is done")
    job_id = job.id
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(RESULT_COLUMNS)
    for row in session.execute(
        select(
            CheckResult.query_id,
            CheckResult.rank,
            CheckResult.score,
            CheckResult.band,
            CheckResult.agency,
            CheckResult.source_id,
            CheckResult.visible,
        )
        .where(CheckResult.job_id == job_id)
        .order_by(CheckResult.id)
    ):
        writer.writerow([*row[:6], "yes" if row[6] else "no"])
    return out.getvalue()


__all__ = [
    "COLUMNS",
    "MAX_QUERIES",
    "BatchOutcome",
    "BatchQuery",
    "batch_job",
    "batch_status",
    "job_results_csv",
    "live_progress",
    "queue_batch_job",
    "read_batch",
    "recover_interrupted_batches",
    "run_batch",
    "start_batch_job",
    "write_results_csv",
]


def recover_interrupted_batches(db: Database) -> int:
    """Close the batches a stopped server left ``queued`` or ``running`` (nothing of them
    was kept); ``caravan serve`` calls this at start, as it does for imports."""
    with db.session() as session:
        stale = list(
            session.scalars(select(CheckJob).where(CheckJob.status.in_(("queued", "running"))))
        )
        for job in stale:
            job.status = "error"
            job.message = "Interrupted: the server stopped during the batch; run it again"
            job.finished_at = utcnow()
    return len(stale)


def queue_batch_job(session: Session, principal: Principal, filename: str) -> CheckJob:
    """A queued job row for an uploaded batch; commit it, then :func:`start_batch_job`."""
    require(principal, "check.run")
    job = CheckJob(
        user_id=principal.user_id, agency_id=principal.agency_id, filename=filename, status="queued"
    )
    session.add(job)
    session.flush()
    return job


def batch_job(session: Session, principal: Principal, job_id: str | uuid.UUID) -> CheckJob:
    """A batch job of this user; anyone else's answers as not found."""
    try:
        job = session.get(CheckJob, uuid.UUID(str(job_id)))
    except ValueError:
        job = None
    if job is None or job.user_id != principal.user_id:
        raise NotFound("No such batch of checks")
    return job


def batch_status(job: CheckJob) -> dict[str, Any]:
    """The job as JSON: its state, live progress while it runs, and errors if refused."""
    data: dict[str, Any] = {
        "id": str(job.id),
        "file": job.filename,
        "status": job.status,
        "queries": job.queries,
        "done": job.done,
        "hits": job.hits,
        "message": job.message,
    }
    live = live_progress(job.id)
    if live and job.status in ("queued", "running"):
        data.update(live)
    if job.errors:
        data["errors"] = job.errors
    return data
