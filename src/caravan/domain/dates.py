"""Dates that may be known only to the year or month (birth dates, seizure dates).

Example:
    >>> d = parse_partial_date("03.1985")
    >>> d.precision, d.iso(), d.earliest(), d.latest()
    ('month', '1985-03', datetime.date(1985, 3, 1), datetime.date(1985, 3, 31))
    >>> parse_date("7.3.1985")
    datetime.date(1985, 3, 7)
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass
from functools import lru_cache, total_ordering
from typing import Literal

from caravan.domain._data import shown
from caravan.errors import InvalidValue

__all__ = ["MIN_YEAR", "PartialDate", "parse_date", "parse_partial_date"]

#: Earliest year accepted; anything before is taken as a typing error.
MIN_YEAR = 1900

Precision = Literal["year", "month", "day"]

# Each pattern captures named groups y, m, d (m and d optional).
_PATTERNS = [
    # ISO: 1985, 1985-03, 1985-03-07, and ISO date-times such as 1985-03-07T10:00:00Z.
    re.compile(
        r"(?P<y>\d{4})(?:-(?P<m>\d{1,2})(?:-(?P<d>\d{1,2})(?:[T ][\d:.,]+(?:Z|[+-][\d:]+)?)?)?)?",
        re.ASCII,
    ),
    # Russian/European day first: 07.03.1985, 7.3.1985, 07/03/1985, 07-03-1985.
    re.compile(r"(?P<d>\d{1,2})([./-])(?P<m>\d{1,2})\2(?P<y>\d{4})(?:[T ][\d:.,]+)?", re.ASCII),
    # Month and year: 03.1985, 3/1985.
    re.compile(r"(?P<m>\d{1,2})[./](?P<y>\d{4})", re.ASCII),
]


@total_ordering
@dataclass(frozen=True, slots=True)
class PartialDate:
    """A calendar date known to the year, the month or the day.

    Ordering compares year, then month, then day, with an unknown part sorting first
    (so ``1985 < 1985-01 < 1985-01-01``).
    """

    year: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        _check(self.year, self.month, self.day, self._raw())

    def _raw(self) -> str:
        return "-".join(str(p) for p in (self.year, self.month, self.day) if p is not None)

    @property
    def precision(self) -> Precision:
        """``"year"``, ``"month"`` or ``"day"``."""
        if self.day is not None:
            return "day"
        return "month" if self.month is not None else "year"

    def iso(self) -> str:
        """ISO 8601 text at the known precision: ``1985``, ``1985-03`` or ``1985-03-07``."""
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    def earliest(self) -> datetime.date:
        """The first day the date could be."""
        return datetime.date(self.year, self.month or 1, self.day or 1)

    def latest(self) -> datetime.date:
        """The last day the date could be."""
        month = self.month or 12
        day = self.day or calendar.monthrange(self.year, month)[1]
        return datetime.date(self.year, month, day)

    def __str__(self) -> str:
        return self.iso()

    def _key(self) -> tuple[int, int, int]:
        return (self.year, self.month or 0, self.day or 0)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, PartialDate):
            return NotImplemented
        return self._key() < other._key()


def _check(year: int, month: int | None, day: int | None, raw: str) -> None:
    last_year = datetime.date.today().year + 1
    if not MIN_YEAR <= year <= last_year:
        raise InvalidValue(
            f"impossible date {shown(raw)}: year must be between {MIN_YEAR} and {last_year}"
        )
    if month is None:
        if day is not None:
            raise InvalidValue(f"impossible date {shown(raw)}: a day needs a month")
        return
    if not 1 <= month <= 12:
        raise InvalidValue(f"impossible date {shown(raw)}: month {month} does not exist")
    if day is not None and not 1 <= day <= calendar.monthrange(year, month)[1]:
        raise InvalidValue(f"impossible date {shown(raw)}: day {day} does not exist in that month")


def parse_partial_date(value: str | datetime.date) -> PartialDate:
    """Read a date known to the year, month or day.

    Accepts ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``, ISO date-times (the date part is
    kept), ``dd.mm.yyyy``, ``d.m.yyyy``, ``dd/mm/yyyy``, ``mm.yyyy`` and ``datetime.date``
    objects. Raises :class:`InvalidValue` for anything else or for impossible dates.

    Example:
        >>> parse_partial_date("1985"), parse_partial_date("2020-02-29T23:10:00+05:00")
        (PartialDate(year=1985, month=None, day=None), PartialDate(year=2020, month=2, day=29))
    """
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return PartialDate(value.year, value.month, value.day)
    if not isinstance(value, str):
        raise InvalidValue(f"not a date {shown(value)}: expected text")
    return _parse(value.strip())


@lru_cache(maxsize=8192)
def _parse(text: str) -> PartialDate:
    if not text:
        raise InvalidValue("date is empty")
    for pattern in _PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            parts = match.groupdict()
            year = int(parts["y"])
            month = int(parts["m"]) if parts.get("m") else None
            day = int(parts["d"]) if parts.get("d") else None
            _check(year, month, day, text)
            return PartialDate(year, month, day)
    raise InvalidValue(
        f"not a date {shown(text)}: expected e.g. 1985, 1985-03, 1985-03-07, 07.03.1985 or 03.1985"
    )


def parse_date(value: str | datetime.date) -> datetime.date:
    """Read a full date (day, month and year); a year or month alone is refused.

    Example:
        >>> parse_date("2023-11-05")
        datetime.date(2023, 11, 5)
    """
    partial = parse_partial_date(value)
    if partial.precision != "day":
        raise InvalidValue(
            f"incomplete date {shown(value)}: a full date (day, month and year) is needed"
        )
    return partial.earliest()
