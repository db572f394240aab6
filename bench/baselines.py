"""Raw floors for the import benchmark, measured on the same CSV files in the same run.

* ``csv_parse`` — ``csv.reader`` over the file, nothing else.
* ``sqlite_executemany`` — parse the file and ``executemany`` every row, unvalidated,
  into a one-table schema (all ``TEXT`` columns, no index) in an SQLite file with the
  app's pragmas (WAL, ``synchronous=NORMAL``), one transaction, commit included.
* ``pg_executemany`` — the same with psycopg 3 ``executemany`` into a plain PostgreSQL
  table in a fresh database.

Each floor is the best of ``repeat`` runs (a floor, not a typical time).
"""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Callable
from pathlib import Path

import psycopg

from bench.stats import stopwatch


def _header_and_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        return header, list(reader)


def _best(repeat: int, run: Callable[[], int]) -> tuple[int, float]:
    best = float("inf")
    rows = 0
    for _ in range(repeat):
        with stopwatch() as watch:
            rows = run()
        best = min(best, watch.seconds)
    return rows, best


def csv_parse(path: Path, repeat: int = 3) -> tuple[int, float]:
    """(rows, seconds) of parsing ``path`` with ``csv.reader``."""
    return _best(repeat, lambda: len(_header_and_rows(path)[1]))


def sqlite_executemany(path: Path, db_path: Path, repeat: int = 3) -> tuple[int, float]:
    """(rows, seconds) of parse + ``executemany`` into a fresh one-table SQLite file."""

    def run() -> int:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        conn = sqlite3.connect(db_path)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            header, rows = _header_and_rows(path)
            columns = ", ".join(f'"{c}" TEXT' for c in header)
            conn.execute(f"CREATE TABLE raw (id INTEGER PRIMARY KEY, {columns})")
            marks = ", ".join("?" for _ in header)
            names = ", ".join(f'"{c}"' for c in header)
            with conn:
                conn.executemany(f"INSERT INTO raw ({names}) VALUES ({marks})", rows)  # noqa: S608
            return len(rows)
        finally:
            conn.close()

    return _best(repeat, run)


def pg_executemany(path: Path, conninfo: str, repeat: int = 3) -> tuple[int, float]:
    """(rows, seconds) of parse + psycopg ``executemany`` into a fresh plain table."""

    def run() -> int:
        with psycopg.connect(conninfo) as conn:
            header, rows = _header_and_rows(path)
            columns = ", ".join(f'"{c}" text' for c in header)
            conn.execute("DROP TABLE IF EXISTS raw")
            conn.execute(f"CREATE TABLE raw (id bigserial PRIMARY KEY, {columns})")
            conn.commit()
            marks = ", ".join("%s" for _ in header)
            names = ", ".join(f'"{c}"' for c in header)
            with conn.cursor() as cur:
                cur.executemany(f"INSERT INTO raw ({names}) VALUES ({marks})", rows)  # noqa: S608
            conn.commit()
            return len(rows)

    return _best(repeat, run)
