"""Fast bulk inserts: the driver's ``executemany`` with SQLAlchemy's own type conversions.

Going through the ORM (or even Core) costs tens of microseconds a row in statement
machinery; a million-row import cannot afford that. This compiles the INSERT once
per table and backend, converts values with the same bind processors SQLAlchemy
would use (so rows read back exactly as if SQLAlchemy had written them), and hands
the batch to the DB-API cursor — inside the session's own transaction.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from sqlalchemy import DateTime, Dialect, Table, Uuid, insert
from sqlalchemy.orm import Session


@cache
def _compiled(
    table: Table, dialect: Dialect
) -> tuple[str, tuple[str, ...], tuple[Callable[[Any], Any] | None, ...]]:
    # An integer autoincrement key (``person_name.id``) is left to the database: an
    # explicit NULL is accepted by SQLite but refused by PostgreSQL.
    serial = table.autoincrement_column
    columns = tuple(c.name for c in table.columns if c is not serial)
    stmt = insert(table).values({name: None for name in columns})
    compiled = stmt.compile(dialect=dialect)
    order = tuple(compiled.positiontup or columns)  # positional (qmark) or named
    processors = tuple(_processor(table.columns[name].type, dialect) for name in order)
    return str(compiled), order, processors


def _processor(column_type: Any, dialect: Dialect) -> Callable[[Any], Any] | None:
    """SQLAlchemy's bind processor; UUIDs may also come as 32-digit hex (see ``new_id``)."""
    process = column_type.dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return None
    if isinstance(column_type, Uuid):
        return lambda value: value if isinstance(value, str) else process(value)
    if isinstance(column_type, DateTime):
        # A batch shares one timestamp: convert it once, not once per row.
        last: list[Any] = [None, None]

        def process_datetime(value: Any) -> Any:
            if value is not last[0]:
                last[0], last[1] = value, process(value)
            return last[1]

        return process_datetime
    return process


def new_id() -> str:
    """A random (version 4) UUID as 32 hex digits, several times cheaper than ``uuid4()``.

    Bulk writers create millions of ids; ``uuid.UUID`` objects cost more than the
    database insert itself. :func:`bulk_insert` stores the hex form unchanged, which is
    exactly how SQLAlchemy stores a UUID on SQLite; PostgreSQL parses it.
    """
    digits = os.urandom(16).hex()
    return f"{digits[:12]}4{digits[13:16]}{'89ab'[int(digits[16], 16) & 3]}{digits[17:]}"


def bulk_insert(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts; missing keys are NULL) into ``table``, in the session's
    transaction."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    sql, order, processors = _compiled(table, dialect)
    converted = [(i, proc) for i, proc in enumerate(processors) if proc is not None]
    params: list[Any] = []
    for row in rows:
        values = [row.get(name) for name in order]
        for index, proc in converted:
            value = values[index]
            if value is not None:
                values[index] = proc(value)
        params.append(values)
    if dialect.paramstyle != "qmark":
        params = [dict(zip(order, values, strict=True)) for values in params]
    cursor = connection.connection.cursor()
    try:
        cursor.executemany(sql, params)
    finally:
        cursor.close()
