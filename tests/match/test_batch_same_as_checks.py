"""A batch answers each query exactly as a single check of it would: the same records,
in the same order, with the same scores, bands, explanations and hit notices."""

from __future__ import annotations

import csv
import io
import random
import re
from typing import Any

import pytest

from caravan.collect.generator.persons import PERSON_COLUMNS, generate_persons
from caravan.collect.importer import import_file
from caravan.match import batch as batch_module
from caravan.match.batch import BatchQuery, run_batch
from caravan.match.checks import Hit, run_check

#: Columns the importer takes from the generator's rows: all but the agency and the
#: recipients (the test world's agencies are not the generator's) and the grades.
COLUMNS = tuple(
    c
    for c in PERSON_COLUMNS
    if c not in ("agency", "recipients", "source_grade", "information_grade")
)


def _import(world: Any, username: str, rows: list[dict[str, str]]) -> None:
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    with world.db.session() as session:
        import_file(
            session,
            world.principal(username),
            "persons",
            io.BytesIO(out.getvalue().encode()),
            fmt="csv",
        )


def _typo(word: str, rnd: random.Random) -> str:
    if len(word) < 4:
        return word
    i = rnd.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def _queries(stored: list[dict[str, str]], rnd: random.Random) -> list[dict[str, str]]:
    """Stored names asked as they are, with a typo, swapped, as one text, with and
    without birth dates; common names alone; documents, phones; persons nobody holds."""
    out: list[dict[str, str]] = []
    for row in rnd.sample(stored, 90):
        fields = {"surname": row["surname"], "given_name": row["given_name"]}
        shape = rnd.randrange(6)
        if shape == 1:
            fields["surname"] = _typo(fields["surname"], rnd)
        elif shape == 2:
            fields = {"surname": row["given_name"], "given_name": row["surname"]}
        elif shape == 3:
            fields = {"surname": row["name_as_written"] or row["surname"]}  # all in one cell
        elif shape == 4 and row["patronymic"]:
            fields["patronymic"] = row["patronymic"]
        birth = rnd.choice(["full", "year", "none"])
        if birth == "full" and row["birth_date"]:
            fields["birth_date"] = row["birth_date"]
        elif birth == "year" and (year := re.search(r"\d{4}", row["birth_date"])):
            fields["birth_date"] = year.group()
        if rnd.random() < 0.1 and row["document_number"]:
            fields["document_number"] = row["document_number"]
        if rnd.random() < 0.1 and row["phone"]:
            fields["phone"] = row["phone"]
        out.append(fields)
    for row in stored[:300:3][:25]:  # also held without a birth date (see the test)
        out.append(
            {
                "surname": row["surname"],
                "given_name": row["given_name"],
                "patronymic": row["patronymic"],
                "birth_date": row["birth_date"],
            }
        )
    for row in generate_persons(30, seed=99):  # nobody holds them (mostly)
        out.append({"surname": row["surname"], "given_name": row["given_name"]})
    out += [{"surname": s} for s in rnd.sample([r["surname"] for r in stored], 5)]
    out += [{"document_number": r["document_number"]} for r in stored[:3] if r["document_number"]]
    out += [{"phone": r["phone"]} for r in stored[3:6] if r["phone"]]
    return out


def _seen(hits: list[Hit]) -> list[tuple[Any, ...]]:
    return [
        (
            h.rank,
            h.kind,
            h.score,
            h.band,
            h.explanation,
            str(h._target),
            h.matched_name,
            h.detail,
            h.notice is not None,
            h.visible,
            h.record_id,
            h.agency,
            h.reference,
            h.handling_code,
        )
        for h in hits
    ]


@pytest.mark.parametrize("chunk", [7, 500])
def test_a_batch_answers_as_single_checks(
    world: Any, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    rows = [dict(r) for r in generate_persons(1200, seed=17)]
    rnd = random.Random(5)
    for i, row in enumerate(rows):
        row["handling_code"] = "H3" if i % 5 == 0 else "H1"
        row["handling_note"] = "source protection" if i % 5 == 0 else ""
        if not row["phone"].startswith("+"):
            row["phone"] = ""  # national numbers are read by the agency's country
    # Namesakes without a birth date: as good a name, but not confirmed (ties on score).
    undated = [
        {**row, "source_id": row["source_id"] + "-U", "birth_date": ""} for row in rows[:300:3]
    ]
    _import(world, "kg-mvd.officer", undated)  # first: their ids sort first
    _import(world, "kz-mvd.officer", rows[:600])
    _import(world, "kg-mvd.officer", rows[600:])
    asked = _queries(rows, rnd)
    monkeypatch.setattr(batch_module, "CHUNK", chunk)
    batch: list[BatchQuery] = []
    for i, fields in enumerate(asked):
        selectors = batch_module._row_selectors(fields, "KZ")
        batch.append(BatchQuery(f"q{i}", i + 1, selectors))
    who = world.principal("kg-mvd.analyst")
    with world.db.session() as session:
        outcome = run_batch(session, who, batch)
    assert [q for q, _ in outcome.results] == [q.query_id for q in batch]
    single = 0
    with world.db.session() as session:
        for query, (_, hits) in zip(batch, outcome.results, strict=True):
            if len(query.selectors) != 1:
                continue
            single += 1
            alone = run_check(session, who, query.selectors[0], audited=False, notify=False)
            assert _seen(hits) == _seen(alone.hits), asked[query.row - 1]
    assert single > 100
    assert sum(1 for _, hits in outcome.results if hits) > 80
    assert any(h.notice is not None for _, hits in outcome.results for h in hits)
    assert any(h.band == "strong" for _, hits in outcome.results for h in hits)


def test_a_row_with_a_name_and_a_phone_ranks_both(world: Any) -> None:
    rows = [dict(r) for r in generate_persons(300, seed=23)]
    for row in rows:
        row["handling_code"] = "H1"
        if not row["phone"].startswith("+"):
            row["phone"] = ""
    _import(world, "kz-mvd.officer", rows)
    row = next(r for r in rows if r["phone"])
    fields = {"surname": row["surname"], "given_name": row["given_name"], "phone": row["phone"]}
    selectors = batch_module._row_selectors(fields, "KZ")
    assert [s.kind for s in selectors] == ["person", "phone"]
    who = world.principal("kz-mvd.analyst")
    with world.db.session() as session:
        [(_, hits)] = run_batch(session, who, [BatchQuery("q", 1, selectors)]).results
        person = run_check(session, who, selectors[0], audited=False, notify=False).hits
        phone = run_check(session, who, selectors[1], audited=False, notify=False).hits
    assert hits and hits[0].score == 1.0
    assert {h._target for h in hits} >= {h._target for h in phone}
    assert {h._target for h in hits} <= {h._target for h in person} | {h._target for h in phone}
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
