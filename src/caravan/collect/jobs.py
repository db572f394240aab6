"""Import jobs: run an uploaded file's import in the background and report on it.

A job is an :class:`~caravan.store.models.ImportJob` row plus a thread. The row is
written in two short transactions of its own — ``running`` at the start, the
outcome at the end — and never during the import: on SQLite a second writer
would wait for the import's transaction. Live progress lives in this process's
memory instead (:func:`progress`), which the status page merges with the row.

The import itself is one transaction: all of the file or nothing of it.

Example:
    >>> start_import_job(db, job.id, path, principal, "seizures",
    ...                  encoding=None, agency_code=None, batch_rows=5000)  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from caravan.access import Principal
from caravan.collect.importer import ImportFailed, ImportProgress, import_file
from caravan.errors import CaravanError, InvalidData
from caravan.store import Database
from caravan.store.models import ImportJob
from caravan.store.models.base import utcnow

log = logging.getLogger(__name__)

#: Errors kept on the job row (the import reports its total separately).
MAX_STORED_ERRORS = 1000
#: Final states of a job.
FINISHED = frozenset({"done", "failed", "error"})

_live: dict[str, dict[str, Any]] = {}
_lock = threading.Lock()


def progress(job_id: uuid.UUID | str) -> dict[str, Any] | None:
    """The live progress of a job running in this process, or ``None``."""
    with _lock:
        found = _live.get(str(job_id))
        return dict(found) if found is not None else None


def _set_progress(job_id: uuid.UUID, **values: Any) -> None:
    with _lock:
        _live.setdefault(str(job_id), {}).update(values)


def _forget(job_id: uuid.UUID) -> None:
    with _lock:
        _live.pop(str(job_id), None)


def start_import_job(
    db: Database,
    job_id: uuid.UUID,
    path: str | Path,
    principal: Principal,
    kind: str,
    *,
    encoding: str | None,
    agency_code: str | None,
    batch_rows: int,
) -> threading.Thread:
    """Run :func:`run_import_job_sync` in a daemon thread; the job row must be committed."""
    _set_progress(job_id, status="queued", rows_read=0, bytes_read=0)
    thread = threading.Thread(
        target=run_import_job_sync,
        args=(db, job_id, path, principal, kind),
        kwargs={"encoding": encoding, "agency_code": agency_code, "batch_rows": batch_rows},
        name=f"import-{job_id}",
        daemon=True,
    )
    thread.start()
    return thread


def run_import_job_sync(
    db: Database,
    job_id: uuid.UUID,
    path: str | Path,
    principal: Principal,
    kind: str,
    *,
    encoding: str | None,
    agency_code: str | None,
    batch_rows: int,
) -> ImportJob:
    """Import the file at ``path`` for job ``job_id``, record the outcome, delete the file.

    Never raises for a bad file or an unexpected failure: the outcome is on the
    returned (detached) job row — ``done``, ``failed`` (bad rows; nothing written)
    or ``error`` (the file could not be read, or something broke).
    """
    path = Path(path)
    try:
        filename = _mark_running(db, job_id, path)
        outcome = _import(
            db, job_id, path, principal, kind, encoding, agency_code, batch_rows, filename
        )
        return _finish(db, job_id, outcome)
    finally:
        path.unlink(missing_ok=True)
        _forget(job_id)


def _mark_running(db: Database, job_id: uuid.UUID, path: Path) -> str:
    size = path.stat().st_size if path.exists() else None
    with db.session() as session:
        job = session.get(ImportJob, job_id)
        if job is None:
            raise LookupError(f"no import job {job_id}")
        job.status = "running"
        job.bytes_total = size
        filename = job.filename
    _set_progress(job_id, status="running", rows_read=0, bytes_read=0, bytes_total=size)
    return filename


def _import(
    db: Database,
    job_id: uuid.UUID,
    path: Path,
    principal: Principal,
    kind: str,
    encoding: str | None,
    agency_code: str | None,
    batch_rows: int,
    filename: str,
) -> dict[str, Any]:
    """Run the import in one transaction; return what the job row should say."""
    report: Callable[[ImportProgress], None] = lambda p: _set_progress(  # noqa: E731
        job_id, rows_read=p.rows_read, bytes_read=p.bytes_read, bytes_total=p.bytes_total
    )
    with db.sessionmaker() as session:
        try:
            result = import_file(
                session,
                principal,
                kind,
                path,
                encoding=encoding,
                agency_code=agency_code,
                batch_rows=batch_rows,
                progress=report,
                filename=filename,
            )
            session.commit()
        except ImportFailed as exc:
            session.rollback()
            return _failed(exc.errors, exc.message, exc.rows)
        except InvalidData as exc:
            session.rollback()
            return _failed(exc.errors, exc.message, 0)
        except CaravanError as exc:
            session.rollback()
            return {"status": "error", "message": exc.message[:500]}
        except Exception as exc:
            session.rollback()
            log.exception("import job %s failed", job_id)
            return {"status": "error", "message": f"unexpected error: {type(exc).__name__}"}
    return {
        "status": "done",
        "rows_read": result.rows,
        "inserted": result.inserted,
        "updated": result.updated,
        "message": f"{result.rows} row(s) in {result.seconds:.1f} s",
    }


def _failed(errors: list[Any], message: str, rows: int) -> dict[str, Any]:
    return {
        "status": "failed",
        "rows_read": rows,
        "message": message[:500],
        "errors": [e.to_dict() for e in errors[:MAX_STORED_ERRORS]],
    }


def _finish(db: Database, job_id: uuid.UUID, outcome: dict[str, Any]) -> ImportJob:
    live = progress(job_id) or {}
    with db.session() as session:
        job = session.get(ImportJob, job_id)
        if job is None:
            raise LookupError(f"no import job {job_id}")
        job.status = outcome["status"]
        job.rows_read = outcome.get("rows_read", live.get("rows_read", 0))
        job.bytes_read = live.get("bytes_read") or job.bytes_total or 0
        job.inserted = outcome.get("inserted", 0)
        job.updated = outcome.get("updated", 0)
        job.message = outcome.get("message")
        job.errors = outcome.get("errors")
        job.finished_at = utcnow()
    return job


def job_status(job: ImportJob) -> dict[str, Any]:
    """What the status endpoint answers: the row, overlaid with live progress while running."""
    data: dict[str, Any] = {
        "status": job.status,
        "rows_read": job.rows_read,
        "bytes_read": job.bytes_read,
        "bytes_total": job.bytes_total,
        "inserted": job.inserted,
        "updated": job.updated,
        "message": job.message,
        "errors": len(job.errors or []),
    }
    live = progress(job.id)
    if live is not None and job.status not in FINISHED:
        data.update({k: v for k, v in live.items() if v is not None})
    return data


__all__ = [
    "FINISHED",
    "MAX_STORED_ERRORS",
    "job_status",
    "progress",
    "run_import_job_sync",
    "start_import_job",
]


def recover_interrupted(db: Database, upload_dir: Path | None = None) -> int:
    """Close the jobs a stopped server left ``queued`` or ``running``, and their files.

    Their import transaction died with the process, so nothing of them was written;
    the job says so instead of showing "running" forever. Call it when the server
    starts (``caravan serve`` does), before any new import can begin.
    """
    with db.session() as session:
        stale = list(
            session.scalars(select(ImportJob).where(ImportJob.status.in_(("queued", "running"))))
        )
        for job in stale:
            job.status = "error"
            job.message = "Interrupted: the server stopped during the import; nothing was written"
            job.finished_at = utcnow()
    if upload_dir is not None and upload_dir.is_dir():
        for leftover in upload_dir.iterdir():
            if leftover.is_file():
                leftover.unlink(missing_ok=True)
    return len(stale)
