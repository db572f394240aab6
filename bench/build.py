"""The large SQLite database the list-page benchmark reads, built once and cached.

Persons are generated with ``generate_persons(n, seed)`` and imported through the real
:func:`~caravan.collect.importer.import_file` (so persons get their names, phones and
documents exactly as the importer writes them), in files of ``chunk`` rows — one
transaction per file, as an agency uploading several files would. The file is cached
as ``bench/out/list-<n>-s<seed>-<schema key>.sqlite`` (see :func:`schema_key`); it is
built under a temporary name and renamed only when complete, so an interrupted build is
never reused.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from alembic.script import ScriptDirectory

from bench import OUT
from bench.data import person_chunks
from bench.targets import fresh_sqlite, principal
from caravan.collect.importer import import_file
from caravan.store.db import MIGRATIONS_DIR, alembic_config


def schema_key() -> str:
    """The Alembic head plus a digest of the migration files: migrations edited in place
    (before a release) change the key too, so a stale database is never reused."""
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    digest = hashlib.sha256()
    for path in sorted(MIGRATIONS_DIR.rglob("*.py")):
        digest.update(path.read_bytes())
    return f"{head or 'none'}-{digest.hexdigest()[:8]}"


def list_db_path(n: int, seed: int) -> Path:
    return OUT / f"list-{n}-s{seed}-{schema_key()}.sqlite"


def build_list_db(
    n: int, seed: int, *, chunk: int = 100_000, log: Callable[[str], None] = print
) -> Path:
    """Return the cached database for ``n`` persons, building it first if needed."""
    path = list_db_path(n, seed)
    if path.exists():
        log(f"list db: reusing {path.name}")
        return path
    tmp = path.with_name(path.name + ".building")
    db = fresh_sqlite(tmp)
    admin = principal(db)
    started = time.perf_counter()
    done = 0
    log(f"list db: importing {n:,} persons in files of {chunk:,} rows into {tmp.name}")
    for csv_path, rows in person_chunks(n, seed, chunk, OUT / "chunks"):
        t0 = time.perf_counter()
        with db.session() as session:
            import_file(session, admin, "persons", csv_path)
        done += rows
        elapsed = time.perf_counter() - started
        eta = elapsed / done * (n - done)
        log(
            f"  {done:>9,}/{n:,} persons  chunk {rows / (time.perf_counter() - t0):,.0f} rows/s"
            f"  elapsed {elapsed:,.0f}s  eta {eta:,.0f}s"
        )
        sys.stdout.flush()
    with db.engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    for suffix in ("-wal", "-shm"):
        Path(f"{tmp}{suffix}").unlink(missing_ok=True)
    os.replace(tmp, path)
    log(f"list db: built {path.name} in {time.perf_counter() - started:,.0f}s")
    return path


if __name__ == "__main__":
    build_list_db(int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 2026)
