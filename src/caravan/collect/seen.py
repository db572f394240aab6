"""Duplicate ``(agency, source_id)`` detection within one import, in bounded memory.

A file may not carry the same record twice. Remembering every key in a dict would
grow with the file (about 100 bytes a row: a gigabyte of CSV would need close to a
gigabyte of memory), so past ``memory_limit`` keys they move into a temporary
table in the import's own transaction, and each batch is checked there in one query.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.orm import Session

TABLE = "caravan_import_seen"
#: Keys kept in memory before moving to the temporary table (~20 MB of dict).
MEMORY_LIMIT = 200_000
CHUNK = 500


class SeenKeys:
    """Which keys (64-bit hashes of ``(agency, source_id)``) a file used, and on which row."""

    def __init__(self, session: Session, memory_limit: int | None = None) -> None:
        self.session = session
        self.memory_limit = MEMORY_LIMIT if memory_limit is None else memory_limit
        self.memory: dict[int, int] | None = {}

    def check(self, keys: Sequence[int], rows: Sequence[int]) -> list[int | None]:
        """For each ``(key, row)``, the earlier row that used the key, or ``None`` if it is
        new (and is now remembered). Keys repeated inside ``keys`` count too."""
        if self.memory is not None:
            memory = self.memory
            firsts = [memory.setdefault(key, row) for key, row in zip(keys, rows, strict=True)]
            result = [
                None if first == row else first for first, row in zip(firsts, rows, strict=True)
            ]
            if len(memory) > self.memory_limit:
                self._spill()
            return result
        return self._check_table(keys, rows)

    def _spill(self) -> None:
        assert self.memory is not None
        self.session.execute(
            text(f"CREATE TEMPORARY TABLE {TABLE} (key BIGINT PRIMARY KEY, first_row BIGINT)")
        )
        items = list(self.memory.items())
        self.memory = None
        for start in range(0, len(items), 10_000):
            self._insert(items[start : start + 10_000])

    def _insert(self, items: Sequence[tuple[int, int]]) -> None:
        if items:
            self.session.execute(
                text(f"INSERT INTO {TABLE} (key, first_row) VALUES (:key, :row)"),  # noqa: S608
                [{"key": key, "row": row} for key, row in items],
            )

    def _check_table(self, keys: Sequence[int], rows: Sequence[int]) -> list[int | None]:
        known: dict[int, int] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), CHUNK):
            chunk = unique[start : start + CHUNK]
            params = {f"k{i}": key for i, key in enumerate(chunk)}
            placeholders = ", ".join(f":k{i}" for i in range(len(chunk)))
            found = self.session.execute(
                text(f"SELECT key, first_row FROM {TABLE} WHERE key IN ({placeholders})"),  # noqa: S608
                params,
            )
            known.update((key, first) for key, first in found)
        result: list[int | None] = []
        new: dict[int, int] = {}
        for key, row in zip(keys, rows, strict=True):
            first = known.get(key) or new.get(key)
            if first is None:
                new[key] = row
            result.append(first)
        self._insert(list(new.items()))
        return result

    def close(self) -> None:
        """Drop the temporary table (it would also go with the connection)."""
        if self.memory is None:
            self.session.execute(text(f"DROP TABLE IF EXISTS {TABLE}"))
