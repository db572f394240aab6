"""Checks rank a query's candidates on arrays (bulk name scores, _Evidence); the answer
must be exactly what scoring each candidate with match_score and person_evidence gives."""

from __future__ import annotations

import math
import random
import uuid
from typing import Any

import pytest

from caravan.collect.generator import generate_persons
from caravan.domain.dates import parse_partial_date
from caravan.match import checks
from caravan.match.checks import (
    COMMON_EXPECTED,
    FEW,
    MAX_SCORED,
    POSSIBLE,
    STRONG,
    TOP,
    _Scored,
    best_per_record,
    person_evidence,
    rank_persons,
)
from caravan.match.index import PersonIndex
from caravan.match.selectors import parse_selector
from caravan.names import tokens
from caravan.names.matching import match_score

#: Stored birth dates of every shape a record may hold (and one that is no ISO date).
BIRTHS = ("{d}", "{d}", "{y}-{m}", "{y}", "", "", "19xx")


def _index(rnd: random.Random) -> tuple[PersonIndex, list[dict[str, str]]]:
    index = PersonIndex()
    rows = [dict(r) for r in generate_persons(2500, seed=41)]
    for number, row in enumerate(rows):
        row["birth_date"] = _iso(row["birth_date"])
        d = row["birth_date"]
        birth = rnd.choice(BIRTHS).format(d=d, y=d[:4], m=d[5:7]) or None
        names = [index.table.add(tokens(row["surname"], row["given_name"], row["patronymic"]))]
        if row["name_as_written"] and rnd.random() < 0.3:
            names.append(index.table.add(tokens(full=row["name_as_written"])))
        nationality = rnd.choice([row["nationality"], row["nationality"], None, "KZ"])
        index._put(f"{number:032x}", tuple(names), birth, nationality or None)
        row["stored_birth"] = birth or ""
    index._drop(f"{7:032x}")  # a deleted person stays an ordinal, never a candidate
    return index, rows


def _iso(written: str) -> str:
    """The generator's date as a full ISO date (its day made up where not given)."""
    if not written:
        return "1980-01-02"
    date = parse_partial_date(written)
    return f"{date.year:04d}-{date.month or 1:02d}-{date.day or 2:02d}"


def _reference(selector: Any, index: PersonIndex, by_document: set[int]) -> tuple:
    """The checks' ranking as it was, one candidate at a time."""
    found, _, frequency = index.candidates(
        selector.names, birth=selector.birth_date, limit=MAX_SCORED
    )
    candidates = found.tolist() + sorted(by_document.difference(found.tolist()))
    given = [t for t in selector.names if t.role in ("surname", "given", "name")]
    counts = sorted(frequency.get(t.written, 0) for t in given)
    expected = (
        counts[0] * counts[1] / index.live if len(counts) >= 2 else counts[0] if counts else 0.0
    )
    common = expected > COMMON_EXPECTED
    scored, facts = [], []
    for ordinal in candidates:
        hex_id, variants, birth, nationality = index.person(ordinal)
        if not hex_id:
            continue
        name_score, best = 0.0, ()
        for variant in variants:
            value = match_score(selector.names, variant) if selector.names else 0.0
            if value > name_score:
                name_score, best = value, variant
        document = ordinal in by_document
        if name_score < POSSIBLE - 0.15 and not document:
            continue
        score, level, notes = person_evidence(selector, name_score, birth, nationality, document)
        if not (selector.birth_date or document) and common:
            score -= min(0.1, 0.03 * math.log10(1 + expected))
        raw, score = score, max(0.0, min(1.0, score))
        if score < POSSIBLE:
            continue
        item = _Scored(
            score, "possible", "", uuid.UUID(hex_id), "person",
            matched_name=" ".join(t.written for t in best) or None,
            pending=(best, tuple(notes), document), raw=raw,
        )  # fmt: skip
        scored.append(item)
        facts.append((item, name_score, level, document))
    vague = not (selector.birth_date or selector.document)
    common = common or (vague and sum(1 for f in facts if f[1] >= STRONG) > FEW)
    for item, name, level, document in facts:
        if item.score < STRONG or level in ("conflict", "near"):
            continue
        if document or level == "day" or (vague and not common and name >= 0.9):
            item.band = "strong"
    ordered = best_per_record(scored)
    return [_seen(i) for i in ordered[:TOP]], len(ordered), common and vague


def _seen(item: _Scored) -> tuple:
    assert item.pending is not None
    return (item.record_id, item.score, item.raw, item.band, item.matched_name, item.pending[:3])


def _selectors(rows: list[dict[str, str]], rnd: random.Random) -> list[tuple[Any, set[int]]]:
    out = []
    for number, row in enumerate(rnd.sample(rows, 120)):
        fields: dict[str, Any] = {"surname": row["surname"], "given_name": row["given_name"]}
        if rnd.random() < 0.3:
            fields["patronymic"] = row["patronymic"]
        if rnd.random() < 0.2:
            fields = {"full_name": row["name_as_written"] or row["surname"]}
        d = row["birth_date"]
        shape = rnd.randrange(6)
        if shape == 0:
            fields["birth_date"] = d
        elif shape == 1:
            fields["birth_date"] = d[:4]
        elif shape == 2:
            fields["birth_date"] = d[:7]
        elif shape == 3:
            fields["birth_date"] = str(int(d[:4]) + rnd.choice([-1, 1]))
        if rnd.random() < 0.4:
            fields["nationality"] = rnd.choice([row["nationality"] or "KZ", "TJ", "RU"])
        by_document: set[int] = set()
        if rnd.random() < 0.15:
            fields["document"] = "N1234567"
            by_document = {rnd.randrange(len(rows)) for _ in range(2)} | {number}
        out.append((parse_selector("person", fields), by_document))
    # Common names alone: the frequency penalty and "many possible candidates".
    for surname in ("Иванов", "Алиев", "Рахимов"):
        out.append((parse_selector("person", {"surname": surname}), set()))
    return out


@pytest.mark.parametrize("seed", [1, 2])
def test_ranking_on_arrays_is_the_ranking_one_by_one(seed: int) -> None:
    rnd = random.Random(seed)
    index, rows = _index(rnd)
    answered = 0
    for selector, by_document in _selectors(rows, rnd):
        found, _, frequency = index.candidates(
            selector.names, birth=selector.birth_date, limit=MAX_SCORED
        )
        top, total, common = rank_persons(selector, index, found, frequency, by_document)
        assert ([_seen(i) for i in top], total, common) == _reference(
            selector, index, by_document
        ), selector.describe()
        answered += bool(top)
    assert answered > 100
    assert checks.TOP == TOP
