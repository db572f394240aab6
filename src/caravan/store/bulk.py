"""Fast bulk inserts: the driver's ``executemany`` with SQLAlchemy's own type conversions.

Going through the ORM (or even Core) costs tens of microseconds a row in statement
machinery; a million-row import cannot afford that. This compiles the INSERT once
per table and backend, converts values with the same bind processors SQLAlchemy
would use (so rows read back exactly as if SQLAlchemy had written them), and hands
the batch to the DB-API cursor — inside the session's own transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Dialect, Table, insert
from sqlalchemy.orm import Session


@cache
def _compiled(
    table: Table, dialect: Dialect
) -> tuple[str, tuple[str, ...], tuple[Callable[[Any], Any] | None, ...]]:
    columns = tuple(c.name for c in table.columns)
    stmt = insert(table).values({name: None for name in columns})
    compiled = stmt.compile(dialect=dialect)
    order = tuple(compiled.positiontup or columns)  # positional (qmark) or named
    processors = tuple(
        table.columns[name].type.dialect_impl(dialect).bind_processor(dialect) for name in order
    )
    return str(compiled), order, processors


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
