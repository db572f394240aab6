"""Fast bulk inserts: the driver's ``executemany`` with SQLAlchemy's own type conversions.

Going through the ORM (or even Core) costs tens of microseconds a row in statement
machinery; a million-row import cannot afford that. This compiles the INSERT once
per table and backend, converts values with the same bind processors SQLAlchemy
would use (so rows read back exactly as if SQLAlchemy had written them), and hands
the batch to the DB-API cursor — inside the session's own transaction.

Rows may also come already in storage form (``converted=True``: see
:func:`converters`, which bulk writers apply where the rows are prepared, possibly in
another process), and columns that hold one value for the whole batch (timestamps, the
author) may be given once as ``constants`` instead of in every row.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import DateTime, Dialect, Table, Uuid
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

Converters = tuple[tuple[int, Callable[[Any], Any]], ...]


@cache
def _statement(table: Table, columns: tuple[str, ...], dialect: Dialect) -> tuple[str, Converters]:
    """The INSERT for these columns in the dialect's positional style, and the
    per-column conversions (by position) that SQLAlchemy would apply."""
    prepare = dialect.identifier_preparer
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {prepare.format_table(table)} "  # noqa: S608 - quoted names, bound values
        f"({', '.join(prepare.quote(name) for name in columns)}) "
        f"VALUES ({', '.join([marker] * len(columns))})"
    )
    return sql, _converters(table, columns, dialect, True)


def _converters(
    table: Table, columns: tuple[str, ...], dialect: Dialect, with_uuid: bool
) -> Converters:
    return tuple(
        (index, process)
        for index, name in enumerate(columns)
        if (process := _processor(table.columns[name].type, dialect, with_uuid)) is not None
    )


@cache
def converters(table: Table, columns: tuple[str, ...], dialect: Dialect) -> Converters:
    """What turns a row of ``columns`` into storage form for ``bulk_insert(…,
    converted=True)``: SQLAlchemy's bind processors by position, except for UUID
    columns, whose values must already be 32-digit hex (see :func:`new_id`)."""
    return _converters(table, columns, dialect, False)


def _processor(
    column_type: Any, dialect: Dialect, with_uuid: bool = True
) -> Callable[[Any], Any] | None:
    """SQLAlchemy's bind processor; UUIDs may also come as 32-digit hex (see ``new_id``)."""
    process = column_type.dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return None
    if isinstance(column_type, Uuid):
        if not with_uuid:
            return None
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


@cache
def dialect_named(name: str) -> Dialect:
    """A dialect object for ``name`` (``Dialect.name + "+" + Dialect.driver``), e.g. in a
    worker process that prepares rows for :func:`bulk_insert` without a connection."""
    return make_url(f"{name}://").get_dialect()()


def dialect_name(dialect: Dialect) -> str:
    return f"{dialect.name}+{dialect.driver}"


# --------------------------------------------------------------------------- ids

_ids_lock = threading.Lock()
#: [millisecond of the last id, 74-bit counter in the random bits]
_ids_state = [0, 0]
_RANDOM_BITS = (1 << 62) - 1


def _reset_ids() -> None:
    _ids_state[0] = _ids_state[1] = 0


os.register_at_fork(after_in_child=_reset_ids)


def new_id() -> str:
    """A time-ordered UUID (version 7, RFC 9562) as 32 hex digits.

    Bulk writers create millions of ids; building ``uuid.UUID`` objects costs more than
    the insert itself, so this returns the hex form, which :func:`bulk_insert` stores
    unchanged (exactly how SQLAlchemy stores a UUID on SQLite; PostgreSQL parses it).
    Time order keeps new keys together at the end of each primary-key index instead of
    scattering them through it, which makes large imports markedly cheaper.

    The 74 bits after the timestamp are random at each new millisecond and count up
    within it (RFC 9562 §6.2, method 2): ids of one process are strictly increasing,
    and only one random draw is needed per millisecond, not per id.
    """
    return new_ids(1)[0]


def new_ids(count: int) -> list[str]:
    """``count`` new ids, exactly as ``count`` calls of :func:`new_id` in a row would make
    them (strictly increasing, the same layout), for a fraction of the cost: one clock
    reading and one lock for all of them. Bulk preparation takes a row's ids at once."""
    if count <= 0:
        return []
    millis = time.time_ns() // 1_000_000
    with _ids_lock:
        state = _ids_state
        if millis > state[0]:
            state[0] = millis
            # 73 random bits: room to count up without overflowing into the timestamp.
            first = int.from_bytes(os.urandom(10), "big") >> 7
        else:  # same millisecond, or the clock went back: keep counting up
            millis = state[0]
            first = state[1] + 1
        state[1] = first + count - 1
    low = first & _RANDOM_BITS
    if low + count - 1 <= _RANDOM_BITS:  # no carry out of the low bits: plain counting
        base = (millis << 80) | (0x7 << 76) | ((first >> 62) << 64) | (0b10 << 62) | low
        return [f"{base + i:032x}" for i in range(count)]
    head = (millis << 80) | (0x7 << 76) | (0b10 << 62)
    return [
        f"{head | ((c >> 62) << 64) | (c & _RANDOM_BITS):032x}" for c in range(first, first + count)
    ]


# --------------------------------------------------------------------------- inserts


def _literal(value: Any) -> str | None:
    """``value`` (already in storage form) as an SQL literal, or ``None`` if not simple."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return None


def bulk_insert(
    session: Session,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    constants: Mapping[str, Any] | None = None,
    converted: bool = False,
) -> None:
    """Insert ``rows`` (tuples in ``columns`` order) into ``table``, in the session's
    transaction. Columns not named get their database default (an autoincrement key,
    for one: SQLite accepts an explicit NULL there, PostgreSQL does not).

    ``constants`` are further columns with one value for every row. ``converted``: the
    rows are already in storage form (:func:`converters`); only ``constants`` are
    converted here.
    """
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    names = tuple(columns)
    extra: tuple[Any, ...] = ()
    if constants:
        names += tuple(constants)
        extra = tuple(constants.values())
        _, const_converters = _statement(table, tuple(constants), dialect)
        if const_converters:
            values = list(extra)
            for index, process in const_converters:
                if values[index] is not None:
                    values[index] = process(values[index])
            extra = tuple(values)
    sql, row_converters = _statement(table, names, dialect)
    params: Sequence[Sequence[Any]] = rows
    if not converted and row_converters:
        width = len(columns)
        active = tuple((i, p) for i, p in row_converters if i < width)
        if active:
            out = []
            for row in rows:
                values = list(row)
                for index, process in active:
                    value = values[index]
                    if value is not None:
                        values[index] = process(value)
                out.append(values)
            params = out
    cursor = connection.connection.cursor()
    try:
        if dialect.name == "postgresql":
            if extra:
                params = [(*row, *extra) for row in params]
            _copy(cursor, dialect, table, names, params)
        else:
            if extra:
                literals = [lit for v in extra if (lit := _literal(v)) is not None]
                if len(literals) == len(extra):
                    marks = ", ".join(["?"] * len(columns) + literals)
                    sql = sql[: sql.rindex("VALUES (")] + f"VALUES ({marks})"
                else:
                    params = [(*row, *extra) for row in params]
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


def bulk_update(
    session: Session,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    constants: Mapping[str, Any] | None = None,
    bump: str | None = None,
) -> None:
    """Update rows by id: each row is ``(*values of columns, id)``, in storage form (see
    :func:`converters`; the id as 32-digit hex). ``constants`` are set on every row
    (converted here); ``bump`` names an integer column to increase by one."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    prepare = dialect.identifier_preparer
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    extra: tuple[Any, ...] = ()
    names = list(columns)
    if constants:
        names += list(constants)
        _, const_converters = _statement(table, tuple(constants), dialect)
        values = list(constants.values())
        for index, process in const_converters:
            if values[index] is not None:
                values[index] = process(values[index])
        extra = tuple(values)
    sets = [f"{prepare.quote(name)} = {marker}" for name in names]
    if bump:
        quoted = prepare.quote(bump)
        sets.append(f"{quoted} = {quoted} + 1")
    sql = (
        f"UPDATE {prepare.format_table(table)} SET {', '.join(sets)} "  # noqa: S608 - quoted names
        f"WHERE {prepare.quote('id')} = {marker}"
    )
    params = [(*row[:-1], *extra, row[-1]) for row in rows]
    cursor = connection.connection.cursor()
    try:
        cursor.executemany(sql, params)
    finally:
        cursor.close()
