"""Pipelined cleaning for bulk import: a worker process reads and cleans, we check and write.

Cleaning a row (phones, dates, countries, grades) and preparing it for writing (ids,
derived rows, storage form) costs about as much CPU as writing it, and needs nothing but
the row and the agency table. For large files
:func:`caravan.collect.importer.import_file` therefore hands the file's *path* to one
worker process that reads, cleans and prepares it, while the importing process checks
scope and duplicates and writes the previous chunk — so the two overlap on two cores.

Both paths produce the same stream of :data:`Cleaned` rows (:func:`clean_rows` is
the one cleaning loop, run inline or in the worker), so errors, their order,
progress and results cannot differ between them.

Safety:

* The worker is started with the ``spawn`` method: never ``fork`` (the import may run
  inside a threaded web server). It never touches the database.
* Bounded memory: the worker runs at most :func:`in_flight_for` chunks (2,000 rows each)
  ahead of the importer — just enough to keep cleaning while a batch is written —
  and then waits.
* A worker that raises, dies or is killed becomes :class:`ImportWorkerError` here (an
  :class:`~caravan.errors.InvalidData` it raised, such as "header but no rows", is
  raised again as such); whatever happens, :meth:`ParallelRows.close` ends the worker.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import queue
import signal
import threading
import traceback
from collections.abc import Callable, Iterator, Mapping
from multiprocessing.connection import Connection
from typing import Any

from caravan.collect.clean import (
    RowContext,
    clean_organisation,
    clean_person,
    clean_report,
    clean_seizure,
)
from caravan.collect.readers import ColumnSpec, TableReader, open_rows
from caravan.collect.writer import Prepared, preparer
from caravan.errors import CaravanError, FieldError, InvalidData
from caravan.gcpause import tune_for_worker
from caravan.store.bulk import dialect_named

__all__ = [
    "CHUNK_ROWS",
    "MAX_IN_FLIGHT",
    "PARALLEL_MIN_BYTES",
    "Cleaned",
    "ImportWorkerError",
    "InlineRows",
    "ParallelRows",
    "clean_rows",
    "in_flight_for",
    "use_worker",
]

#: Files at least this large are cleaned in a worker process when ``workers`` is automatic.
PARALLEL_MIN_BYTES = 4 * 1024 * 1024
#: Rows per message from the worker.
CHUNK_ROWS = 2000
#: Chunks the worker may have sent that the importer has not yet taken, at the least;
#: see :func:`in_flight_for`.
MAX_IN_FLIGHT = 2
#: Of every four rows, how many the worker prepares for writing (ids, derived rows, storage
#: form: :class:`~caravan.collect.writer.Prepared`); the importer prepares the others.
#: All of them: with the garbage collector quietened (:mod:`caravan.gcpause`), batch
#: ids and remembered normalisations, the importer's own share — look-ups and
#: ``executemany`` — is as large as the worker's cleaning and preparing. Measured on 2
#: cores (200,000 persons / 100,000 seizures, CPU seconds importer/worker): before, with
#: 0 here, 16.2/9.4 and 12.9/7.2; now 9.2/9.4 and 6.2/6.9. A prepared seizure also pickles
#: about as small as, and loads faster than, its clean values (no ``Decimal``/``date``).
WORKER_PREPARES = 4
#: Seconds between checks that a silent worker is still alive.
POLL_SECONDS = 1.0
#: Set in the environment to a kind (or "*") to make the worker raise, or to "exit" to make
#: it die without a word: for tests only.
FAIL_ENV = "CARAVAN_TEST_IMPORT_WORKER_FAIL"

CLEANERS: dict[str, Callable[[RowContext, Mapping[str, Any]], dict[str, Any] | None]] = {
    "persons": clean_person,
    "seizures": clean_seizure,
    "reports": clean_report,
    "organisations": clean_organisation,
}

#: One read row after cleaning: ``(row number, bytes read so far, the row prepared for
#: writing (:class:`~caravan.collect.writer.Prepared`) or its clean values, None if
#: invalid, the row's cleaning errors or None, agency code, stripped source_id, the
#: reader's own errors raised before this row or None)``.
Cleaned = tuple[
    int,
    int,
    Prepared | dict[str, Any] | None,
    list[FieldError] | None,
    str,
    str,
    list[FieldError] | None,
]


class ImportWorkerError(CaravanError):
    """The import's cleaning process failed; nothing was imported."""

    code = "import_worker_failed"


def use_worker(
    workers: int | None, source: object, bytes_total: int | None, fmt: str | None
) -> bool:
    """Whether to clean in a worker process: only for a path, never for a file object."""
    if not isinstance(source, str | os.PathLike):
        return False
    if workers is None:
        return (
            bool(bytes_total)
            and (bytes_total or 0) >= PARALLEL_MIN_BYTES
            and (os.cpu_count() or 1) > 1
        )
    if workers < 0:
        raise ValueError("workers must be 0 (inline), 1 or None (automatic)")
    return workers > 0


def in_flight_for(batch_rows: int, chunk_rows: int | None = None) -> int:
    """Chunks the worker may run ahead: enough to keep cleaning while the importer writes a
    whole batch (else it idles during every write), never fewer than :data:`MAX_IN_FLIGHT`.
    Memory stays bounded by about two batches of rows."""
    chunk = max(1, CHUNK_ROWS if chunk_rows is None else chunk_rows)
    return max(MAX_IN_FLIGHT, -(-batch_rows // chunk) + 1)


def clean_rows(
    reader: TableReader,
    kind: str,
    agencies: Mapping[str, tuple[int, str]],
    default_agency: str,
    dialect: str,
    prepares: int = 4,
) -> Iterator[Cleaned]:
    """Clean every row of ``reader`` and prepare ``prepares`` of every four valid ones for
    writing on ``dialect`` (a :func:`~caravan.store.bulk.dialect_name`; the writers
    prepare the others); the reader's errors left at the end stay in ``reader.errors``."""
    clean = CLEANERS[kind]
    prepare = preparer(kind, dialect_named(dialect))
    row_errors: list[FieldError] = []
    ctx = RowContext(agencies, default_agency, errors=row_errors)
    reader_errors = reader.errors
    for number, raw in reader:
        before: list[FieldError] | None = None
        if reader_errors:
            before = list(reader_errors)
            reader_errors.clear()
        ctx.row = number
        values = clean(ctx, raw)
        errors: list[FieldError] | None = None
        if row_errors:
            errors = list(row_errors)
            row_errors.clear()
        yield (
            number,
            reader.bytes_read,
            values if values is None or number % 4 >= prepares else prepare(values),
            errors,
            (raw.get("agency") or "").strip().upper() or default_agency,
            (raw.get("source_id") or "").strip(),
            before,
        )


class InlineRows:
    """Rows cleaned in this process, as the worker would clean them."""

    def __init__(
        self,
        reader: TableReader,
        kind: str,
        agencies: Mapping[str, tuple[int, str]],
        default_agency: str,
        dialect: str,
    ) -> None:
        self.reader = reader
        self.bytes_total = reader.bytes_total
        self._rows = clean_rows(reader, kind, agencies, default_agency, dialect)

    def __iter__(self) -> Iterator[Cleaned]:
        return self._rows

    @property
    def tail_errors(self) -> list[FieldError]:
        """The reader's errors after the last row (take once iteration has ended)."""
        errors = list(self.reader.errors)
        self.reader.errors.clear()
        return errors

    def close(self) -> None:
        self.reader.close()


# --------------------------------------------------------------------------- the worker

_ROWS, _END, _FAILED, _INVALID = "rows", "end", "failed", "invalid"


def _dump(message: Any) -> bytes:
    return pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)


class _Gone(Exception):
    """The importer stopped listening (it failed or ended us): nothing more to send."""


class _Outbox:
    """Messages on their way to the importer, at most ``size`` waiting.

    A thread does the sending, so the worker goes on cleaning while the importer is busy
    writing (a pipe holds only some kilobytes: sending straight away would stall the
    worker until the importer reads) — but never more than ``size`` chunks ahead.
    """

    def __init__(self, conn: Connection, size: int) -> None:
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=size)
        self._conn = conn
        self._thread = threading.Thread(target=self._run, name="send", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        with contextlib.suppress(OSError):  # the importer went away: it knows why
            while (data := self._queue.get()) is not None:
                self._conn.send_bytes(data)

    def post(self, message: Any) -> None:
        self._put(_dump(message))

    def _put(self, data: bytes | None) -> None:
        while True:
            try:
                self._queue.put(data, timeout=POLL_SECONDS)
                return
            except queue.Full:
                if not self._thread.is_alive():
                    raise _Gone from None

    def close(self) -> None:
        """Send what is waiting, then stop."""
        with contextlib.suppress(_Gone):
            self._put(None)
            self._thread.join()
        self._conn.close()


def _work(
    conn: Connection,
    path: str,
    fmt: str | None,
    encoding: str | None,
    mapping: dict[str, str] | None,
    spec: ColumnSpec,
    agencies: dict[str, tuple[int, str]],
    default_agency: str,
    dialect: str,
    prepares: int,
    chunk_rows: int,
    in_flight: int,
) -> None:
    """The worker: read and clean ``path``, sending chunks of rows, then the end."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the importer decides; it ends us
    tune_for_worker()
    outbox = _Outbox(conn, in_flight)
    try:
        failing = os.environ.get(FAIL_ENV)
        reader = open_rows(path, fmt=fmt, encoding=encoding, mapping=mapping, columns=spec)
        try:
            chunk: list[Cleaned] = []
            for row in clean_rows(reader, spec.kind, agencies, default_agency, dialect, prepares):
                if failing == "exit":
                    os._exit(3)
                if failing in (spec.kind, "*"):
                    raise RuntimeError(f"{FAIL_ENV} is set: failing as asked")
                chunk.append(row)
                if len(chunk) >= chunk_rows:
                    outbox.post((_ROWS, chunk))
                    chunk = []
            if chunk:
                outbox.post((_ROWS, chunk))
            end = (_END, list(reader.errors), reader.bytes_read)
        finally:
            reader.close()
        outbox.post(end)
    except _Gone:
        pass
    except InvalidData as exc:
        with contextlib.suppress(_Gone):
            outbox.post((_INVALID, exc.errors, exc.message))
    except BaseException as exc:  # everything goes back to the importer
        text = "".join(traceback.format_exception(exc))
        # If even this fails, the importer notices the exit instead.
        with contextlib.suppress(Exception):
            outbox.post((_FAILED, f"{type(exc).__name__}: {exc}", text))
    finally:
        outbox.close()


class ParallelRows:
    """Rows read and cleaned by a worker process from ``path``; close it when done.

    The header has already been checked by the caller (it opened the file itself), so
    header problems are raised before the worker starts.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        fmt: str | None,
        encoding: str | None,
        mapping: Mapping[str, str] | None,
        spec: ColumnSpec,
        agencies: Mapping[str, tuple[int, str]],
        default_agency: str,
        dialect: str,
        bytes_total: int | None,
        chunk_rows: int | None = None,
        in_flight: int = MAX_IN_FLIGHT,
    ) -> None:
        self.bytes_total = bytes_total
        self.bytes_read = 0
        self._tail: list[FieldError] = []
        self._ended = False
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_work,
            args=(
                child,
                os.fspath(path),
                fmt,
                encoding,
                dict(mapping) if mapping is not None else None,
                spec,
                dict(agencies),
                default_agency,
                dialect,
                WORKER_PREPARES,
                max(1, CHUNK_ROWS if chunk_rows is None else chunk_rows),
                max(1, in_flight),
            ),
            name="caravan-import-clean",
            daemon=True,
        )
        try:
            self._process.start()
        finally:
            child.close()  # only the worker holds its end: its exit reads as EOF here

    def _receive(self) -> Any:
        while not self._conn.poll(POLL_SECONDS):
            if not self._process.is_alive():
                break
        try:
            # Our own worker's messages, over a pipe only we and it hold.
            return pickle.loads(self._conn.recv_bytes())  # noqa: S301
        except (EOFError, OSError):
            self._process.join(POLL_SECONDS)
            raise ImportWorkerError(
                "the import's cleaning process ended unexpectedly "
                f"(exit code {self._process.exitcode}); nothing was imported"
            ) from None

    def __iter__(self) -> Iterator[Cleaned]:
        while True:
            message = self._receive()
            tag = message[0]
            if tag == _ROWS:
                yield from message[1]
            elif tag == _END:
                self._tail, self.bytes_read = message[1], message[2]
                self._ended = True
                return
            elif tag == _INVALID:
                raise InvalidData(message[1], message[2])
            else:
                raise ImportWorkerError(
                    f"the import's cleaning process failed: {message[1]}; nothing was imported"
                    f"\n{message[2]}"
                )

    @property
    def tail_errors(self) -> list[FieldError]:
        errors, self._tail = self._tail, []
        return errors

    def close(self) -> None:
        """End the worker (at once, if it has not finished) and release the pipe."""
        process = self._process
        if self._ended:
            process.join(5)  # it has sent everything and is exiting
        if process.is_alive():
            process.terminate()
            process.join(5)
            if process.is_alive():
                process.kill()
                process.join(5)
        self._conn.close()
        process.close()
