"""Comparison columns for entity resolution, computed once per person record.

Splink compares columns with SQL; everything that needs :mod:`caravan.names` (folding
any script to one Latin key, suffix-insensitive stems, phonetic keys) is done here, in
Python, once per record, so the SQL only compares ready strings and arrays. The same
features feed DuckDB and Spark.

Example:
    >>> f = person_features(PersonInput("a", "KZ-MVD", "Раҳимзода", "Ҷамшед", None, (),
    ...                                 "1985-03-07", "TJ", (), ()))
    >>> f["sn_stem"], f["gn_folded"], f["birth_year"], f["birth_month"]
    ('rahim', 'jamshed', 1985, 3)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pyarrow as pa

from caravan.domain.dates import parse_partial_date
from caravan.errors import InvalidValue
from caravan.names import Token, tokens

#: Column order and Arrow types of a feature table.
SCHEMA = pa.schema(
    [
        ("unique_id", pa.string()),
        ("agency", pa.string()),
        # Plain text, lower-cased: the baseline model compares this, Caravan's does not.
        ("full_plain", pa.string()),
        ("sn_stem", pa.string()),
        ("sn_folded", pa.string()),
        ("sn_coarse", pa.string()),
        ("gn_folded", pa.string()),
        ("gn_coarse", pa.string()),
        ("pt_stem", pa.string()),
        ("name_key", pa.string()),
        ("sn_stems", pa.list_(pa.string())),
        ("name_stems", pa.list_(pa.string())),
        # One key per name word (its first family stem, as in ``name_key``): the words
        # two records share, each counted once (``name_stems`` holds every stem of a
        # word's family, so one shared given name can give two shared stems).
        ("name_words", pa.list_(pa.string())),
        ("birth_date", pa.string()),
        ("birth_year", pa.int32()),
        ("birth_month", pa.int32()),
        ("birth_day", pa.int32()),
        ("nationality", pa.string()),
        ("documents", pa.list_(pa.string())),
        # The first document number alone, for a comparison that allows one typo.
        ("document", pa.string()),
        # Every document number with one character left out: two numbers one keystroke
        # apart (a digit mistyped, added, dropped or two swapped) share one of these.
        ("document_edits", pa.list_(pa.string())),
        ("phones", pa.list_(pa.string())),
    ]
)
COLUMNS = tuple(SCHEMA.names)

_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True, slots=True)
class PersonInput:
    """One person record as resolution reads it (from the store or a benchmark file)."""

    unique_id: str
    agency: str
    surname: str | None
    given_name: str | None
    patronymic: str | None
    #: Every other name of the record as written (aliases, names as on the source).
    other_names: Sequence[str]
    #: ISO 8601 partial date: ``1985``, ``1985-03`` or ``1985-03-07``.
    birth_date: str | None
    nationality: str | None
    documents: Sequence[str]
    phones: Sequence[str]


def person_features(p: PersonInput) -> dict[str, Any]:
    """The comparison columns of one record (see :data:`SCHEMA`)."""
    primary = _structured(p.surname or "", p.given_name, p.patronymic)
    surname = _first(primary, "surname")
    given = _first(primary, "given")
    patronymic = _first(primary, "patronymic")
    variants: list[tuple[Token, ...]] = [primary]
    variants.extend(_full(name) for name in p.other_names if name)

    sn_stems: set[str] = set()
    name_stems: set[str] = set()
    name_words: set[str] = set()
    for variant in variants:
        for t in variant:
            if t.role == "patronymic" or len(t.stem) < 2:
                continue
            name_stems.update(t.family)
            name_words.add(t.family[0])
            if t.role in ("surname", "name"):
                sn_stems.add(t.stem)
    key_words = sorted(t.family[0] for t in primary if t.role in ("surname", "given"))
    year, month, day = _date_parts(p.birth_date)
    full_plain = " ".join(x for x in (p.surname, p.given_name, p.patronymic) if x).lower()
    return {
        "unique_id": p.unique_id,
        "agency": p.agency,
        "full_plain": full_plain or None,
        "sn_stem": surname.stem if surname else None,
        "sn_folded": surname.folded if surname else None,
        "sn_coarse": surname.coarse_stem if surname else None,
        "gn_folded": given.folded if given else None,
        "gn_coarse": given.coarse if given else None,
        "pt_stem": patronymic.stem if patronymic else None,
        "name_key": " ".join(key_words) if len(key_words) > 1 else None,
        "sn_stems": sorted(sn_stems) or None,
        "name_stems": sorted(name_stems) or None,
        "name_words": sorted(name_words) or None,
        "birth_date": p.birth_date if day else None,
        "birth_year": year,
        "birth_month": month,
        "birth_day": day,
        "nationality": p.nationality or None,
        "documents": sorted(set(p.documents)) or None,
        "document": min(p.documents) if p.documents else None,
        "document_edits": _one_left_out(p.documents),
        "phones": sorted(set(p.phones)) or None,
    }


def from_import_row(row: Mapping[str, str]) -> PersonInput:
    """A person row in the import format (e.g. from the demo generator) as resolution
    input, without a store: the birth date read as the importer reads it (unreadable:
    unknown), document and phone numbers reduced to their letters and digits. For
    benchmarks and tests; records in the store are read by :mod:`caravan.resolve.source`."""
    document = re.sub(r"[^0-9A-Z]", "", (row.get("document_number") or "").upper())
    phone = re.sub(r"\D", "", row.get("phone") or "")[-10:]
    written = row.get("name_as_written")
    return PersonInput(
        unique_id=row["source_id"],
        agency=row["agency"],
        surname=row.get("surname") or None,
        given_name=row.get("given_name") or None,
        patronymic=row.get("patronymic") or None,
        other_names=(written,) if written else (),
        birth_date=_iso_date(row.get("birth_date")),
        nationality=row.get("nationality") or None,
        documents=(document,) if document else (),
        phones=(phone,) if phone else (),
    )


def _iso_date(value: str | None) -> str | None:
    try:
        return parse_partial_date(value).iso() if value else None
    except InvalidValue:
        return None


def feature_table(persons: Iterable[PersonInput]) -> pa.Table:
    """The features of many records as one Arrow table (column by column, no pandas)."""
    columns: dict[str, list[Any]] = {name: [] for name in COLUMNS}
    for person in persons:
        for name, value in person_features(person).items():
            columns[name].append(value)
    return pa.Table.from_pydict(columns, schema=SCHEMA)


def usable_name(features: dict[str, Any]) -> bool:
    """A record resolution can link on its name: it has a surname or given name."""
    return bool(features["sn_stem"] or features["gn_folded"])


# Names repeat (a store of a million persons holds far fewer distinct names): fold each once.
@lru_cache(maxsize=1 << 18)
def _structured(surname: str, given: str | None, patronymic: str | None) -> tuple[Token, ...]:
    return tuple(tokens(surname=surname, given=given, patronymic=patronymic))


@lru_cache(maxsize=1 << 18)
def _full(name: str) -> tuple[Token, ...]:
    return tuple(tokens(full=name))


#: Shorter document numbers get no :func:`_one_left_out` keys (too many would collide).
MIN_EDITED_DOCUMENT = 6


def _one_left_out(documents: Sequence[str]) -> list[str] | None:
    """The deletion neighbourhood of each document number (symmetric delete): the
    number itself and the number with one character left out, at each position. Two
    numbers one keystroke apart (Damerau-Levenshtein distance 1) always share a key: a
    character mistyped at position i — both without i; one added — the shorter number
    is the longer without it; two neighbours swapped — one without the first, the
    other without the second. (Sharing a key does not prove distance 1: the
    comparison measures it.)"""
    keys: list[str] = []
    for number in documents:
        if len(number) >= MIN_EDITED_DOCUMENT:
            keys.append(number)
            keys.extend([number[:i] + number[i + 1 :] for i in range(len(number))])
    return list(dict.fromkeys(keys)) or None  # a million records: no sorting


def _first(toks: Sequence[Token], role: str) -> Token | None:
    return next((t for t in toks if t.role == role), None)


def _date_parts(value: str | None) -> tuple[int | None, int | None, int | None]:
    m = _PARTIAL_DATE.match(value or "")
    if not m:
        return None, None, None
    year, month, day = m.groups()
    return int(year), int(month) if month else None, int(day) if day else None
