"""What SQL one request runs: statements, their time, and SQLite's plan for the slowest.

Listeners on the engine record every statement executed while :func:`capture` is
open (the server runs in this process, so its statements are seen here). Used to
explain a slow case: ``EXPLAIN QUERY PLAN`` of the slowest statement, run on a
separate read-only connection to the same file.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event

from caravan.store import Database


@dataclass(frozen=True)
class Statement:
    sql: str
    params: Any
    seconds: float


@dataclass
class Trace:
    statements: list[Statement] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return sum(s.seconds for s in self.statements)

    @property
    def slowest(self) -> Statement | None:
        return max(self.statements, key=lambda s: s.seconds, default=None)


@contextmanager
def capture(db: Database) -> Iterator[Trace]:
    trace = Trace()

    def before(conn: Any, _cursor: Any, _sql: str, _params: Any, _ctx: Any, _many: bool) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def after(conn: Any, _cursor: Any, sql: str, params: Any, _ctx: Any, _many: bool) -> None:
        started = conn.info.pop("bench_started", None)
        if started is not None:
            trace.statements.append(Statement(sql, params, time.perf_counter() - started))

    event.listen(db.engine, "before_cursor_execute", before)
    event.listen(db.engine, "after_cursor_execute", after)
    try:
        yield trace
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
        event.remove(db.engine, "after_cursor_execute", after)


def query_plan(db_file: str, statement: Statement) -> list[str]:
    """SQLite's ``EXPLAIN QUERY PLAN`` lines for ``statement`` (indented by depth)."""
    conn = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
    try:
        rows = conn.execute("EXPLAIN QUERY PLAN " + statement.sql, statement.params).fetchall()
    finally:
        conn.close()
    depth: dict[int, int] = {0: -1}
    lines = []
    for node, parent, _unused, detail in rows:
        depth[node] = depth.get(parent, -1) + 1
        lines.append("  " * depth[node] + str(detail))
    return lines
