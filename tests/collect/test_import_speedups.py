"""What makes bulk import fast must not change what it produces: ids made in a batch,
remembered normalisations, the phone shortcut, fewer garbage collections, the preparing
worker, the look-up of existing records."""

from __future__ import annotations

import gc
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

import caravan.collect.parallel as parallel
from caravan.collect import clean
from caravan.collect.clean import RowContext, clean_person, clean_seizure
from caravan.collect.importer import ImportFailed, import_file
from caravan.collect.writer import existing_ids
from caravan.domain.phones import normalise_phone
from caravan.gcpause import YOUNG_THRESHOLD, fewer_collections
from caravan.store import bulk
from caravan.store.bulk import new_id, new_ids
from caravan.store.models import Link, Person, Phone, SeizureReport

AGENCIES = {"KZ-MVD": (1, "KZ"), "KG-MVD": (2, "KG")}


# --------------------------------------------------------------------------- ids


def test_new_ids_are_what_new_id_makes_one_by_one() -> None:
    ids = [new_id(), *new_ids(5), new_id(), *new_ids(1), *new_ids(0)]
    assert len(ids) == 8
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    for value in ids:
        parsed = uuid.UUID(value)
        assert parsed.version == 7
        assert parsed.variant == uuid.RFC_4122
        assert parsed.hex == value


def test_new_ids_count_on_across_the_low_bits(monkeypatch: pytest.MonkeyPatch) -> None:
    """The counter's low 62 bits sit below the variant: a carry must skip over it."""
    monkeypatch.setattr(bulk.time, "time_ns", lambda: 5_000_000_000_000_000)
    monkeypatch.setattr(bulk, "_ids_state", [5_000_000_000, (3 << 62) | bulk._RANDOM_BITS - 1])
    ids = new_ids(4)
    assert ids == sorted(ids)
    assert len(set(ids)) == 4
    assert all(uuid.UUID(i).version == 7 and uuid.UUID(i).variant == uuid.RFC_4122 for i in ids)
    assert new_id() > ids[-1]


# --------------------------------------------------------------------------- cleaning


def person(**values: str) -> dict[str, str]:
    row = {"agency": "KZ-MVD", "source_id": "P1", "surname": "Иванов"}
    row.update(values)
    return row


def test_remembered_values_give_the_same_results_and_errors() -> None:
    """A context remembers what a date, a country, a grade … came to: the second row with
    the same texts gets the same values, and each bad row its own error, with its row."""
    ctx = RowContext(AGENCIES, "KZ-MVD")
    bad = person(birth_date="31.02.1985", nationality="Atlantis", source_grade="Z")
    good = person(
        birth_date="07.03.1985", nationality="Казахстан", source_grade="B", information_grade="2"
    )
    results = []
    for number, row in enumerate((good, bad, good, bad), start=1):
        ctx.row = number
        results.append(clean_person(ctx, row))
    assert results[0] == results[2]
    assert results[0] is not None
    assert results[0]["nationality"] == "KZ"
    assert results[0]["birth_date"] == "1985-03-07"
    assert results[1] is None
    assert results[3] is None
    by_row: dict[int | None, list[tuple[str, str, str | None]]] = {}
    for e in ctx.errors:
        by_row.setdefault(e.row, []).append((e.field, e.message, e.value))
    assert sorted(by_row) == [2, 4]
    assert by_row[2] == by_row[4]
    assert {field for field, _, _ in by_row[2]} == {"birth_date", "nationality", "source_grade"}

    fresh = RowContext(AGENCIES, "KZ-MVD", row=4)
    clean_person(fresh, bad)
    assert [(e.field, e.message, e.value) for e in fresh.errors] == by_row[4]


def test_the_memo_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clean, "MEMO_LIMIT", 10)
    ctx = RowContext(AGENCIES, "KZ-MVD")
    for day in range(1, 29):
        ctx.row = day
        assert clean_person(ctx, person(birth_date=f"{day:02d}.03.1985")) is not None
    assert 0 < len(ctx.memo) <= 10


def test_seizure_vocabularies_and_drugs_are_remembered_alike() -> None:
    ctx = RowContext(AGENCIES, "KZ-MVD")
    row = {
        "source_id": "S1",
        "date": "2024-01-05",
        "drug": "heroin",
        "quantity": "1,5",
        "unit": "kg",
        "transport_mode": "no such mode",
        "origin_country": "AF",
    }
    for number in (1, 2):
        ctx.row = number
        assert clean_seizure(ctx, row) is None
    assert [(e.row, e.field) for e in ctx.errors] == [(1, "transport_mode"), (2, "transport_mode")]
    assert ctx.errors[0].message == ctx.errors[1].message
    ctx.errors.clear()
    ok = clean_seizure(ctx, {**row, "transport_mode": "road"})
    again = clean_seizure(ctx, {**row, "transport_mode": "road"})
    assert ok == again
    assert ok is not None
    assert ok["transport_mode"] == "road"
    assert ok["drug_code"]


@pytest.mark.parametrize(
    "written",
    [
        "+7 (747) 943-69-53",
        "+7 (800) 555-35-35",
        "+998 (90) 123-45-67",
        "+44 (0) 20 7946 0958",  # a trunk 0 in brackets: the full parser's case
        "+7 (8) 701 123 4567",  # a trunk 8: likewise
    ],
)
def test_bracketed_international_numbers_read_as_the_full_parser_reads_them(written: str) -> None:
    assert clean._phone(written, "KZ") == normalise_phone(written, "KZ")


def test_bad_bracketed_numbers_keep_the_parsers_message() -> None:
    ctx = RowContext(AGENCIES, "KZ-MVD", row=1)
    assert clean_person(ctx, person(phone="+7 (747) 12")) is None
    (error,) = ctx.errors
    with pytest.raises(Exception) as info:
        normalise_phone("+7 (747) 12", "KZ")
    assert (error.field, error.message) == ("phone", str(info.value))


# --------------------------------------------------------------------------- garbage collection


def test_fewer_collections_restores_the_collector() -> None:
    before = gc.get_threshold()
    frozen = gc.get_freeze_count()
    with fewer_collections():
        assert gc.get_threshold()[0] == max(YOUNG_THRESHOLD, before[0])
        with fewer_collections():  # nested (or a second thread's import): one period
            assert gc.get_threshold()[0] == max(YOUNG_THRESHOLD, before[0])
        assert gc.get_threshold()[0] == max(YOUNG_THRESHOLD, before[0])
        assert gc.get_freeze_count() >= frozen
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == frozen


def test_fewer_collections_ends_with_the_last_of_concurrent_imports() -> None:
    before = gc.get_threshold()
    inside, leave = threading.Event(), threading.Event()

    def other() -> None:
        with fewer_collections():
            inside.set()
            leave.wait(30)

    thread = threading.Thread(target=other)
    thread.start()
    assert inside.wait(30)
    with fewer_collections():
        pass
    assert gc.get_threshold()[0] == max(YOUNG_THRESHOLD, before[0])  # the other is still in
    leave.set()
    thread.join(30)
    assert gc.get_threshold() == before


def test_collection_is_restored_when_an_import_fails(world: Any, tmp_path: Path) -> None:
    before = gc.get_threshold()
    path = tmp_path / "bad.csv"
    path.write_text("source_id,surname,birth_date\nP1,Иванов,31.02.1985\n", encoding="utf-8")
    with pytest.raises(ImportFailed), world.db.session() as session:
        import_file(session, world.principal("caricc.administrator"), "persons", path, workers=0)
    assert gc.get_threshold() == before


# --------------------------------------------------------------------------- the pipeline


def test_the_worker_prepares_every_row_for_writing() -> None:
    """The importing process only checks and writes (see parallel.WORKER_PREPARES)."""
    assert parallel.WORKER_PREPARES == 4


def test_existing_ids_finds_records_by_agency_and_source_id(world: Any, tmp_path: Path) -> None:
    path = tmp_path / "persons.csv"
    rows = [f"KZ-MVD,P{i},Surname{i},+7 (701) 123-45-{i:02d}" for i in range(1, 8)]
    path.write_text("agency,source_id,surname,phone\n" + "\n".join(rows) + "\n", "utf-8")
    with world.db.session() as session:
        import_file(session, world.principal("caricc.administrator"), "persons", path)
    with world.db.session() as session:
        kz = session.scalar(select(Person.agency_id).where(Person.source_id == "P1"))
        assert kz is not None
        stored = dict(session.execute(select(Person.source_id, Person.id)).all())
        found = existing_ids(session, Person, [(kz, "P1"), (kz, "P7"), (kz, "P9"), (kz + 99, "P2")])
        assert found == {(kz, "P1"): stored["P1"], (kz, "P7"): stored["P7"]}
        assert all(isinstance(v, uuid.UUID) for v in found.values())
        assert existing_ids(session, Person, []) == {}
        many = existing_ids(session, Person, [(kz, f"P{i}") for i in range(1, 1200)])
        assert len(many) == 7
        # The phones went the short way, and are what the full parser makes of them.
        phones = set(session.scalars(select(Phone.e164)))
        assert "+77011234501" in phones
        assert session.scalar(select(Link.id).where(Link.link_type == "uses_phone"))
        assert not session.scalar(select(SeizureReport.id))
