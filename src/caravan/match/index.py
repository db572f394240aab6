"""The person index of hit/no-hit checks: every stored name, findable across scripts.

Built once from the store (:meth:`PersonIndex.build`), then kept current by following
the change feed (:meth:`PersonIndex.refresh`, called before every check, so a record
is checkable as soon as its transaction commits).

Layout, chosen for a million persons in well under 2 GB:

* ``table``: every distinct stored name once, its words as numbered pre-computed
  tokens (:class:`~caravan.names.bulk.NameTable`: a common name is held once, and a
  check scores its candidates' names in bulk);
* per person (by *ordinal*, its position in the index): the id, the numbers of its
  names, the birth date (with its year, month, day and precision as arrays) and the
  nationality;
* ``postings``: token stem → ordinals (a compact ``array('i')``) of persons holding a
  name with that stem;
* ``keys``: blocking key → stems (:func:`caravan.names.blocking_keys`), through which a
  query word finds the stems it could be a rendering, suffix change or typo of.

A query's candidates are the persons found through at least two of its words (one when
it has one word): that keeps a check on "Rakhimov Jamshed" to the Rakhimovs called
Jamshed, not every Rakhimov. Only candidates are compared in full
(:meth:`PersonIndex.name_scores`, equal to :func:`caravan.names.match_score`).
"""

from __future__ import annotations

import threading
import time
import uuid
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from caravan.names import Token, blocking_keys, tokens
from caravan.names.bulk import NameTable
from caravan.names.matching import Pairs
from caravan.store.models import ChangeFeed, Person, PersonName

#: Feed rows re-read behind the newest one seen: a transaction that took its feed id
#: before others but committed after them is still picked up.
FEED_OVERLAP = 500
#: Build and refresh read persons in chunks of this many.
READ_CHUNK = 20_000
#: Words shorter than this (initials) do not find candidates; they still score.
MIN_STEM = 2
#: A query whose words found more than 1/_SWEEP of the persons (counting repeats)
#: has its candidates read off every person's count rather than sorted out of those found.
_SWEEP = 64

Names = tuple[tuple[Token, ...], ...]


@dataclass(frozen=True)
class IndexStats:
    persons: int
    stems: int
    keys: int
    postings: int
    build_seconds: float


class _NameCache:
    """The :class:`~caravan.names.bulk.NameTable` number of each distinct name as
    stored (tokenised once: most names are shared by many persons); -1 for a name
    with no word."""

    def __init__(self, table: NameTable) -> None:
        self._table = table
        self._numbers: dict[tuple[str | None, ...], int] = {}

    def structured(self, surname: str | None, given: str | None, patronymic: str | None) -> int:
        key = (surname, given, patronymic)
        found = self._numbers.get(key)
        if found is None:
            name = tokens(surname, given, patronymic)
            found = self._numbers[key] = self._table.add(name) if name else -1
        return found

    def full(self, written: str) -> int:
        key = (None, None, None, written)
        found = self._numbers.get(key)
        if found is None:
            name = tokens(full=written)
            found = self._numbers[key] = self._table.add(name) if name else -1
        return found


class PersonIndex:
    """Candidates for a person check among every stored person (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.ready = threading.Event()
        self.stats: IndexStats | None = None
        self._reset()

    def _reset(self) -> None:
        self.ids: list[str] = []
        #: Every distinct stored name; per ordinal the number of its first name (-1: none
        #: left) and, for the persons with several, the numbers of the others.
        self.table = NameTable()
        self.first: array[int] = array("i")
        self.more: dict[int, tuple[int, ...]] = {}
        self.several: array[int] = array("b")
        self.birth: list[str | None] = []
        self.nationality: list[str | None] = []
        #: Per ordinal: 1 while the person is indexed, 0 once deleted.
        self.alive: array[int] = array("b")
        #: Per ordinal: the length of the stored birth date (0: none; -1: not an ISO
        #: partial date) and a number per nationality (0: none).
        self.precision: array[int] = array("b")
        self.nations: array[int] = array("h")
        self._nation_numbers: dict[str, int] = {}
        #: Birth year, month, and month * 32 + day, per ordinal (0: unknown): candidates
        #: are filtered and ordered by them in bulk.
        self.years: array[int] = array("h")
        self.days: array[int] = array("h")
        self.months: array[int] = array("b")
        #: (role, folded word) pairs whose blocking keys lead to their stem.
        self._filed: set[tuple[str, str]] = set()
        #: Scratch counts per ordinal for :meth:`candidates` (all zero between calls).
        self._counts = np.zeros(0, dtype=np.uint8)
        self.ordinal: dict[str, int] = {}
        self.postings: dict[str, array[int]] = {}
        self.keys: dict[str, list[str]] = {}
        self.live = 0
        self._cache = _NameCache(self.table)
        self._feed_seen: set[int] = set()
        self._feed_max = 0

    # ------------------------------------------------------------------ building

    def build(self, session: Session) -> IndexStats:
        """Index every person in the store (replacing whatever was indexed)."""
        started = time.perf_counter()
        with self._lock:
            self._reset()
            # Feed rows committed before the build are covered by it.
            self._feed_max = (
                session.scalar(select(ChangeFeed.id).order_by(ChangeFeed.id.desc())) or 0
            )
            self._feed_seen = set(
                session.scalars(
                    select(ChangeFeed.id).where(ChangeFeed.id > self._feed_max - FEED_OVERLAP)
                )
            )
            last: uuid.UUID | None = None
            while True:
                stmt = select(*_PERSON_COLUMNS).order_by(Person.id).limit(READ_CHUNK)
                if last is not None:
                    stmt = stmt.where(Person.id > last)
                rows = session.execute(stmt).all()
                if not rows:
                    break
                self._add_rows(session, rows)
                last = rows[-1][0]
            self.stats = IndexStats(
                persons=self.live,
                stems=len(self.postings),
                keys=len(self.keys),
                postings=sum(len(p) for p in self.postings.values()),
                build_seconds=time.perf_counter() - started,
            )
            self.ready.set()
            return self.stats

    def _add_rows(self, session: Session, rows: Sequence[Any]) -> None:
        """Index persons (``_PERSON_COLUMNS`` rows) with their other names."""
        ids = [r[0] for r in rows]
        others: dict[Any, list[str]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for person_id, full_name in session.execute(
                select(PersonName.person_id, PersonName.full_name).where(
                    PersonName.person_id.in_(chunk), PersonName.kind != "primary"
                )
            ):
                others.setdefault(person_id, []).append(full_name)
        cache = self._cache
        for person_id, surname, given, patronymic, birth, nationality in rows:
            numbers = [cache.structured(surname, given, patronymic)]
            numbers.extend(cache.full(n) for n in others.get(person_id, ()))
            self._put(person_id.hex, tuple(n for n in numbers if n >= 0), birth, nationality)

    def _put(
        self, hex_id: str, numbers: tuple[int, ...], birth: str | None, nationality: str | None
    ) -> None:
        first = numbers[0] if numbers else -1
        more = numbers[1:]
        ordinal = self.ordinal.get(hex_id)
        if ordinal is None:
            ordinal = len(self.ids)
            self.ordinal[hex_id] = ordinal
            self.ids.append(hex_id)
            self.first.append(first)
            self.several.append(bool(more))
            self.birth.append(birth)
            self.nationality.append(nationality)
            self.alive.append(1)
            self.years.append(birth_year(birth))
            self.days.append(birth_day(birth))
            self.months.append(birth_month(birth))
            self.precision.append(birth_precision(birth))
            self.nations.append(self._nation(nationality))
            self.live += 1
            old: set[str] = set()
        else:
            if not self.ids[ordinal]:
                self.live += 1
            old = {t.stem for variant in self.names(ordinal) for t in variant}
            self.ids[ordinal] = hex_id
            self.first[ordinal] = first
            self.several[ordinal] = bool(more)
            self.more.pop(ordinal, None)
            self.birth[ordinal] = birth
            self.nationality[ordinal] = nationality
            self.alive[ordinal] = 1
            self.years[ordinal] = birth_year(birth)
            self.days[ordinal] = birth_day(birth)
            self.months[ordinal] = birth_month(birth)
            self.precision[ordinal] = birth_precision(birth)
            self.nations[ordinal] = self._nation(nationality)
        if more:
            self.more[ordinal] = more
        postings, keys, filed = self.postings, self.keys, self._filed
        for variant in (self.table.names[n] for n in numbers):
            for token in variant:
                stem = token.stem
                if len(stem) < MIN_STEM:
                    continue
                word = (token.role, token.folded)
                if word not in filed:
                    # A stem is found through the keys of every word written with it.
                    filed.add(word)
                    for key in blocking_keys(token):
                        stems = keys.setdefault(key, [])
                        if stem not in stems:
                            stems.append(stem)
                if stem in old:
                    continue  # still filed there (stale postings are harmless: all are re-scored)
                old.add(stem)
                posting = postings.get(stem)
                if posting is None:
                    posting = postings[stem] = array("i")
                posting.append(ordinal)

    def _nation(self, nationality: str | None) -> int:
        if not nationality:
            return 0
        number = self._nation_numbers.get(nationality)
        if number is None:
            number = self._nation_numbers[nationality] = len(self._nation_numbers) + 1
        return number

    def nation(self, nationality: str | None) -> int:
        """The number :attr:`nations` holds for ``nationality`` (0: none; -1: no one's)."""
        return self._nation_numbers.get(nationality, -1) if nationality else 0

    def _drop(self, hex_id: str) -> None:
        ordinal = self.ordinal.get(hex_id)
        if ordinal is not None and self.ids[ordinal]:
            self.ids[ordinal] = ""
            self.first[ordinal] = -1
            self.several[ordinal] = 0
            self.more.pop(ordinal, None)
            self.alive[ordinal] = 0
            self.live -= 1

    # ------------------------------------------------------------------ freshness

    def stale(self, session: Session) -> bool:
        """The change feed went back (the store was emptied or restored): rebuild."""
        latest = session.scalar(select(ChangeFeed.id).order_by(ChangeFeed.id.desc()).limit(1))
        return (latest or 0) < self._feed_max

    def refresh(self, session: Session) -> int:
        """Apply committed person changes not yet indexed; returns how many feed rows."""
        with self._lock:
            recent = session.scalars(
                select(ChangeFeed.id).where(ChangeFeed.id > self._feed_max - FEED_OVERLAP)
            )
            unseen = [i for i in recent if i not in self._feed_seen]
            if not unseen:
                return 0
            fresh = list(
                session.scalars(
                    select(ChangeFeed).where(ChangeFeed.id.in_(unseen)).order_by(ChangeFeed.id)
                )
            )
            for row in fresh:
                if row.kind != Person.KIND:
                    self._feed_seen.add(row.id)
                    self._feed_max = max(self._feed_max, row.id)
            fresh = [r for r in fresh if r.kind == Person.KIND]
            changed: list[uuid.UUID] = []
            ranges = []
            for row in fresh:
                changed.extend(uuid.UUID(i) for i in row.updated)
                for hex_id in row.deleted:
                    self._drop(hex_id)
                if row.inserted_from and row.inserted_to:
                    ranges.append(
                        and_(
                            Person.id >= uuid.UUID(row.inserted_from),
                            Person.id <= uuid.UUID(row.inserted_to),
                        )
                    )
            for start in range(0, len(changed), 500):
                chunk = changed[start : start + 500]
                self._add_rows(
                    session,
                    session.execute(select(*_PERSON_COLUMNS).where(Person.id.in_(chunk))).all(),
                )
            if ranges:
                for start in range(0, len(ranges), 50):
                    self._add_rows(
                        session,
                        session.execute(
                            select(*_PERSON_COLUMNS).where(or_(*ranges[start : start + 50]))
                        ).all(),
                    )
            for row in fresh:
                self._feed_seen.add(row.id)
                self._feed_max = max(self._feed_max, row.id)
            floor = self._feed_max - FEED_OVERLAP
            self._feed_seen = {i for i in self._feed_seen if i > floor}
            return len(fresh)

    # ------------------------------------------------------------------ querying

    def candidates(
        self,
        query: Sequence[Token],
        *,
        birth: str | None = None,
        limit: int | None = None,
    ) -> tuple[np.ndarray, int, dict[str, int]]:
        """Persons found through enough of the query's words, most promising first.

        A person is a candidate when found through at least two of the query's words (one
        for a one-word query). Candidates are ordered by evidence: each query word found
        counts one (two if found by its exact stem), and each part of the query's birth
        date the person shares counts one more (year, month, day). With ``birth`` (an ISO
        partial date) persons born more than a year apart are left out (those without a
        birth year stay).

        Returns at most ``limit`` ordinals, how many candidates there were, and the number
        of persons holding each query word's stem (its frequency in the store).
        """
        with self._lock:
            size = len(self.ids)
            if len(self._counts) < size:
                self._counts = np.zeros(size + size // 4 + 1024, dtype=np.uint8)
            counts = self._counts
            words: list[np.ndarray] = []
            exact: list[np.ndarray] = []
            frequency: dict[str, int] = {}
            for token in query:
                if len(token.stem) < MIN_STEM:
                    continue
                stems = {s for key in blocking_keys(token) for s in self.keys.get(key, ())}
                stems.add(token.stem)
                arrays = [
                    np.frombuffer(self.postings[s], dtype=np.int32)
                    for s in stems
                    if s in self.postings
                ]
                own = self.postings.get(token.stem)
                frequency[token.written] = len(own) if own is not None else 0
                if own is not None:
                    exact.append(np.frombuffer(own, dtype=np.int32))
                if arrays:
                    found = np.concatenate(arrays) if len(arrays) > 1 else arrays[0]
                    # Fancy-index += adds once per distinct ordinal: a person found through
                    # two stems of one word counts once for it.
                    counts[found] += 1
                    words.append(found)
            swept = False
            try:
                if not words:
                    return np.empty(0, dtype=np.int32), 0, frequency
                need = 2 if sum(1 for t in query if len(t.stem) >= MIN_STEM) > 1 else 1
                if sum(len(found) for found in words) * _SWEEP > size:
                    # Many found: one pass over every count is cheaper than sorting them
                    # (the same ordinals, in the same ascending order).
                    swept = True
                    live = counts[:size]
                    ordinals = np.flatnonzero(live >= need).astype(np.int32)
                    evidence = live[ordinals].astype(np.int32)
                else:
                    touched = np.concatenate(words) if len(words) > 1 else words[0]
                    hits = counts[touched]
                    ordinals = np.unique(touched[hits >= need])
                    evidence = counts[ordinals].astype(np.int32)
            finally:
                if swept:
                    counts[:size] = 0
                else:
                    for found in words:
                        counts[found] = 0
            year = birth_year(birth)
            if year and len(ordinals):
                years = np.frombuffer(self.years, dtype=np.int16)[ordinals]
                near = (years == 0) | (np.abs(years.astype(np.int32) - year) <= 1)
                ordinals, evidence, years = ordinals[near], evidence[near], years[near]
            total = len(ordinals)
            if limit is not None and total > limit:
                for posting in exact:
                    counts[posting] = 1
                    evidence += counts[ordinals]
                    counts[posting] = 0
                if year:
                    # The closer the stored birth date, the stronger: same year, month, day.
                    same_year = years == year
                    evidence += same_year.astype(np.int32)
                    month, day = birth_month(birth), birth_day(birth)
                    if month:
                        months = np.frombuffer(self.months, dtype=np.int8)[ordinals]
                        evidence += (same_year & (months == month)).astype(np.int32)
                    if day:
                        days = np.frombuffer(self.days, dtype=np.int16)[ordinals]
                        evidence += (same_year & (days == day)).astype(np.int32)
                ordinals = ordinals[np.argsort(-evidence, kind="stable")[:limit]]
            return ordinals, total, frequency

    def names(self, ordinal: int) -> Names:
        """The stored names of a person (none once deleted), the primary one first."""
        first = self.first[ordinal]
        if first < 0:
            return ()
        table = self.table.names
        return (table[first], *(table[n] for n in self.more.get(ordinal, ())))

    def person(self, ordinal: int) -> tuple[str, Names, str | None, str | None]:
        return (
            self.ids[ordinal],
            self.names(ordinal),
            self.birth[ordinal],
            self.nationality[ordinal],
        )

    def name_scores(
        self, query: Sequence[Token], ordinals: np.ndarray, known: Pairs | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each person's best name score against ``query``
        (:func:`~caravan.names.match_score` of its best stored name; 0 for a person with
        none) and the number of that name in :attr:`table` (the first of equal best ones,
        in the order :meth:`names` gives them; -1 when none scores above 0). ``known``: as
        for :meth:`~caravan.names.bulk.NameTable.scores`."""
        with self._lock:
            first = np.frombuffer(self.first, dtype=np.int32)[ordinals]
            # The other names of the few persons with several: after every first name.
            more = self.more
            extra = [
                (at, number)
                for at in np.flatnonzero(
                    np.frombuffer(self.several, dtype=np.int8)[ordinals]
                ).tolist()
                for number in more[int(ordinals[at])]
            ]
            numbers = (
                np.concatenate([first, np.array([n for _, n in extra], dtype=np.int32)])
                if extra
                else first
            )
            named = numbers >= 0
            scores = np.zeros(len(numbers))
            distinct, inverse = np.unique(numbers[named], return_inverse=True)
            scores[named] = self.table.scores(query, distinct, known)[inverse]
        count = len(ordinals)
        best = scores[:count].copy()
        chosen = first.astype(np.int64)
        # As a loop over each person's names keeping the first better one would.
        for (at, number), score in zip(extra, scores[count:].tolist(), strict=True):
            if score > best[at]:
                best[at], chosen[at] = score, number
        chosen[best <= 0.0] = -1
        return best, chosen

    def ordinals_of(self, hex_ids: Iterable[str]) -> list[int]:
        return [o for h in hex_ids if (o := self.ordinal.get(h)) is not None and self.ids[o]]


def birth_year(birth: str | None) -> int:
    """The year of an ISO partial date, 0 when unknown."""
    return int(birth[:4]) if birth and birth[:4].isdigit() else 0


def birth_precision(birth: str | None) -> int:
    """How much of an ISO partial date is given: 4, 7 or 10 characters (0: no date; -1:
    something else, read as no date)."""
    if not birth:
        return 0
    if birth_year(birth) and (
        len(birth) == 4
        or (len(birth) == 7 and birth_month(birth))
        or (len(birth) == 10 and birth_day(birth))
    ):
        return len(birth)
    return -1


def birth_month(birth: str | None) -> int:
    """The month of an ISO partial date with one, else 0."""
    if not birth or len(birth) < 7 or not birth[5:7].isdigit():
        return 0
    return int(birth[5:7])


def birth_day(birth: str | None) -> int:
    """``month * 32 + day`` of a full ISO date, 0 for a partial or no date."""
    if not birth or len(birth) != 10 or not (birth[5:7] + birth[8:10]).isdigit():
        return 0
    return int(birth[5:7]) * 32 + int(birth[8:10])


_PERSON_COLUMNS = (
    Person.id,
    Person.surname,
    Person.given_name,
    Person.patronymic,
    Person.birth_date,
    Person.nationality,
)


__all__ = [
    "IndexStats",
    "PersonIndex",
    "birth_day",
    "birth_month",
    "birth_precision",
    "birth_year",
]
