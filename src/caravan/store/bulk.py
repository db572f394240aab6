"""Fast bulk inserts: the driver's ``executemany`` with SQLAlchemy's own type conversions.

Going through the ORM (or even Core) costs tens of microseconds a row in statement
machinery; a million-row import cannot afford that. This compiles the INSERT once
per table and backend, converts values with the same bind processors SQLAlchemy
would use (so rows read back exactly as if SQLAlchemy had written them), and hands
the batch to the DB-API cursor — inside the session's own transaction.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from sqlalchemy import DateTime, Dialect, Table, Uuid
from sqlalchemy.orm import Session


@cache
def _statement(
    table: Table, columns: tuple[str, ...], dialect: Dialect
) -> tuple[str, tuple[tuple[int, Callable[[Any], Any]], ...]]:
    """The INSERT for these columns in the dialect's positional style, and the
    per-column conversions (by position) that SQLAlchemy would apply."""
    prepare = dialect.identifier_preparer
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {prepare.format_table(table)} "  # noqa: S608 - quoted names, bound values
        f"({', '.join(prepare.quote(name) for name in columns)}) "
        f"VALUES ({', '.join([marker] * len(columns))})"
    )
    converters = tuple(
        (index, process)
        for index, name in enumerate(columns)
        if (process := _processor(table.columns[name].type, dialect)) is not None
    )
    return sql, converters


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
    """A time-ordered UUID (version 7, RFC 9562) as 32 hex digits.

    Bulk writers create millions of ids; building ``uuid.UUID`` objects costs more than
    the insert itself, so this returns the hex form, which :func:`bulk_insert` stores
    unchanged (exactly how SQLAlchemy stores a UUID on SQLite; PostgreSQL parses it).
    Time order keeps new keys together at the end of each primary-key index instead of
    scattering them through it, which makes large imports markedly cheaper.
    """
    millis = time.time_ns() // 1_000_000
    rand = os.urandom(10).hex()
    variant = "89ab"[int(rand[3], 16) & 3]
    return f"{millis:012x}7{rand[:3]}{variant}{rand[4:7]}{rand[7:19]}"


def bulk_insert(
    session: Session, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert ``rows`` (tuples in ``columns`` order) into ``table``, in the session's
    transaction. Columns not named get their database default (an autoincrement key,
    for one: SQLite accepts an explicit NULL there, PostgreSQL does not)."""
    if not rows:
        return
    connection = session.connection()
    sql, converters = _statement(table, tuple(columns), connection.dialect)
    params: Sequence[Sequence[Any]] = rows
    if converters:
        converted = []
        for row in rows:
            values = list(row)
            for index, process in converters:
                value = values[index]
                if value is not None:
                    values[index] = process(value)
            converted.append(values)
        params = converted
    cursor = connection.connection.cursor()
    try:
        if connection.dialect.name == "postgresql":
            _copy(cursor, connection.dialect, table, columns, params)
        else:
            cursor.executemany(sql, params)
    finally:
        cursor.close()


def _copy(
    cursor: Any, dialect: Dialect, table: Table, columns: Sequence[str], rows: Sequence[Any]
) -> None:
    """PostgreSQL: ``COPY … FROM STDIN`` — several times faster than ``executemany``."""
    prepare = dialect.identifier_preparer
    names = ", ".join(prepare.quote(name) for name in columns)
    with cursor.copy(f"COPY {prepare.format_table(table)} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
