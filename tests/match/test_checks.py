"""Hit/no-hit checks through the service: ranking, hit notices, owner notifications, audit,
freshness, common names, selectors and bad input."""

from __future__ import annotations

import json
from typing import Any

import pytest
from check_samples import LEAK_MARKERS, RAKHIMOV, SECRET
from sqlalchemy import func, select

from caravan.collect import records
from caravan.errors import InvalidData
from caravan.match.checks import ADVICE_COMMON, run_check
from caravan.match.report import outcome_to_dict
from caravan.match.selectors import MAX_FIELD, parse_selector
from caravan.store.models import AuditEvent, HitNotification


def person(world: Any, username: str, values: dict[str, Any]) -> Any:
    """File a person (H1 unless ``values`` say otherwise); returns its id."""
    values = {"handling_code": "H1", **values}
    with world.db.session() as session:
        return records.create_record(session, world.principal(username), "persons", values).id


def check(world: Any, username: str, kind: str, **raw: Any) -> Any:
    with world.db.session() as session:
        selector = parse_selector(kind, raw, region="KZ")
        outcome = run_check(session, world.principal(username), selector)
        data = outcome_to_dict(outcome)
        return outcome, data


@pytest.mark.parametrize(
    "query",
    [
        {"surname": "Раҳимзода", "given_name": "Ҷамшед"},
        {"surname": "RAKHIMOV", "given_name": "DZHAMSHED"},
        {"surname": "Rahimov", "given_name": "Jamshed"},
        {"surname": "Raximov", "given_name": "Jamshid"},
        {"full_name": "Jamshed Rakhimov"},
        {"full_name": "РАХИМОВ ДЖАМШЕД КАРИМОВИЧ"},
        {"surname": "Рахимов", "given_name": "Джамшед", "patronymic": "Каримович"},
        {"surname": "Рахимов", "given_name": "Джамшет"},  # one typo
    ],
)
def test_a_held_person_is_found_in_any_rendering(world: Any, query: dict[str, str]) -> None:
    held = person(world, "kz-mvd.officer", RAKHIMOV)
    outcome, data = check(world, "kg-mvd.officer", "person", birth_date="1985-03-07", **query)
    assert outcome.hits, data
    top = outcome.hits[0]
    assert top.record is not None and top.record.id == held
    assert top.band == "strong"
    assert top.url == f"/persons/{held}"
    assert data["hits"][0]["record"]["label"] == "Рахимов Джамшед Каримович"
    assert "surname" in top.explanation


def test_a_different_person_is_not_a_strong_hit(world: Any) -> None:
    person(world, "kz-mvd.officer", RAKHIMOV)
    outcome, _ = check(
        world,
        "kg-mvd.officer",
        "person",
        surname="Рахимов",
        given_name="Фаррух",
        birth_date="1985-03-07",
    )
    assert all(h.band != "strong" for h in outcome.hits)
    nobody, _ = check(world, "kg-mvd.officer", "person", surname="Иванов", given_name="Пётр")
    assert nobody.hits == [] and nobody.total == 0


def test_birth_date_conflict_keeps_a_namesake_out_of_strong(world: Any) -> None:
    person(world, "kz-mvd.officer", RAKHIMOV)
    outcome, _ = check(
        world,
        "kg-mvd.officer",
        "person",
        surname="Rakhimov",
        given_name="Jamshed",
        birth_date="1962-01-01",
    )
    assert all(h.band != "strong" for h in outcome.hits)


def test_the_birth_date_decides_between_equal_names(world: Any) -> None:
    """A record whose birth date agrees with the query's comes before a namesake whose
    name is written exactly as asked but has no birth date (or only the year): the
    date, not a transliteration, tells persons apart."""
    # the namesakes without a date are filed first: ids are time-ordered, so a tie on
    # the score alone would put them first
    person(world, "kg-mvd.officer", {"surname": "Isabaev", "given_name": "Talgat"})
    person(world, "kg-mvd.officer", {"surname": "Garaev", "given_name": "Kerim"})
    # written with a typo, but born on the day asked for
    dated = person(
        world,
        "kz-mvd.officer",
        {"surname": "Исабев", "given_name": "Талгат", "birth_date": "1991-02-21"},
    )
    year = person(
        world,
        "kz-mvd.officer",
        {"surname": "Garaev", "given_name": "Kerim", "birth_date": "1980"},
    )
    outcome, _ = check(
        world, "kz-mvd.officer", "person", surname="Isabaev", given_name="Talgat",
        birth_date="1991-02-21",
    )  # fmt: skip
    assert [h.band for h in outcome.hits] == ["strong", "possible"]
    assert outcome.hits[0].record.id == dated
    assert outcome.hits[0].score < outcome.hits[1].score
    # both names are perfect (the score shows 1.0): the year that agrees still ranks
    outcome, _ = check(
        world, "kz-mvd.officer", "person", surname="Garaev", given_name="Kerim",
        birth_date="1980-03-12",
    )  # fmt: skip
    assert outcome.hits[0].record.id == year
    assert outcome.hits[0].score == outcome.hits[1].score == 1.0


def test_restricted_record_gives_a_notice_and_leaks_nothing(world: Any) -> None:
    person(world, "kg-mvd.officer", SECRET)
    outcome, data = check(
        world,
        "kz-mvd.analyst",
        "person",
        surname="Kholmatov",
        given_name="Bakhtiyor",
        birth_date="1979-11-23",
    )
    assert len(outcome.hits) == 1
    hit = outcome.hits[0]
    assert hit.record is None and hit.notice is not None
    assert hit.band == "strong"
    notice = data["hits"][0]["notice"]
    assert notice["owner_agency"] == "KG-MVD"
    assert notice["contact"] == "liaison@kg-mvd.example"
    assert data["hits"][0]["reference"] == "KG-SECRET-REF"
    assert data["hits"][0]["handling_code"] == "H3"
    assert "record" not in data["hits"][0] and "url" not in data["hits"][0]
    # The asker typed "Kholmatov"; the answer must not echo the stored spellings or any
    # other stored field (the query itself is echoed under "query", so drop it).
    answer = json.dumps({k: v for k, v in data.items() if k != "query"}, ensure_ascii=False)
    for marker in LEAK_MARKERS:
        assert marker not in answer, marker
    # By document and by phone: notices too, and still nothing of the record.
    for kind, raw in (
        ("document", {"document": "AC 7654321"}),
        ("phone", {"phone": "+996555123456"}),
    ):
        outcome, data = check(world, "kz-mvd.analyst", kind, **raw)
        assert [h.notice is not None for h in outcome.hits] == [True], kind
        answer = json.dumps({k: v for k, v in data.items() if k != "query"}, ensure_ascii=False)
        for marker in LEAK_MARKERS:
            assert marker not in answer, (kind, marker)


def test_recipient_and_owner_see_the_record(world: Any) -> None:
    person(world, "kg-mvd.officer", {**SECRET, "recipients": "KZ-MVD"})
    outcome, _ = check(world, "kz-mvd.analyst", "person", surname="Холматов", given_name="Бахтиёр")
    assert outcome.hits[0].record is not None
    own, _ = check(world, "kg-mvd.analyst", "person", surname="Холматов", given_name="Бахтиёр")
    assert own.hits[0].record is not None


def test_owner_is_notified_once_per_asker_record_and_day(world: Any) -> None:
    person(world, "kg-mvd.officer", SECRET)
    for _ in range(3):
        check(world, "kz-mvd.analyst", "person", surname="Kholmatov", given_name="Bakhtiyor")
    check(world, "kz-mvd.officer", "person", surname="Kholmatov", given_name="Bakhtiyor")
    with world.db.session() as session:
        rows = session.scalars(select(HitNotification).order_by(HitNotification.id)).all()
        assert [(r.asker_user.username, r.count) for r in rows] == [
            ("kz-mvd.analyst", 3),
            ("kz-mvd.officer", 1),
        ]
        first = rows[0]
        assert first.owner_agency_id == world.agencies["KG-MVD"].id
        assert first.asker_agency.code == "KZ-MVD"
        assert first.reference == "KG-SECRET-REF"
        assert first.matched.startswith("person: surname=Kholmatov")
        assert "Kholmatov" in first.matched  # what the asker typed, for the owner
    # The owner's own checks and visible hits notify no one.
    check(world, "kg-mvd.analyst", "person", surname="Kholmatov", given_name="Bakhtiyor")
    with world.db.session() as session:
        assert session.scalar(select(func.count()).select_from(HitNotification)) == 2


def test_every_check_is_audited(world: Any) -> None:
    person(world, "kz-mvd.officer", RAKHIMOV)
    check(world, "kg-mvd.officer", "person", surname="Rakhimov", given_name="Jamshed")
    check(world, "kg-mvd.officer", "plate", plate="777 ABC 02")
    with world.db.session() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("check.%")).order_by(AuditEvent.seq)
        ).all()
        assert [(e.action, e.actor) for e in events] == [
            ("check.person", "kg-mvd.officer"),
            ("check.plate", "kg-mvd.officer"),
        ]
        assert events[0].after is not None and events[0].after["hits"] == 1
        assert "Rakhimov" in (events[0].detail or "")
        assert events[1].after is not None and events[1].after["hits"] == 0


def test_new_changed_and_deleted_records_are_checkable_at_once(world: Any) -> None:
    first = person(world, "kz-mvd.officer", RAKHIMOV)
    check(world, "kg-mvd.officer", "person", surname="Rakhimov", given_name="Jamshed")  # builds
    second = person(
        world,
        "kz-mvd.officer",
        {"surname": "Тошматов", "given_name": "Алишер", "handling_code": "H1"},
    )
    outcome, _ = check(world, "kg-mvd.officer", "person", surname="Toshmatov", given_name="Alisher")
    assert [h.record.id for h in outcome.hits if h.record] == [second]
    with world.db.session() as session:
        records.update_record(
            session,
            world.principal("kz-mvd.officer"),
            "persons",
            first,
            {**RAKHIMOV, "given_name": "Фарход"},
        )
    outcome, _ = check(world, "kg-mvd.officer", "person", surname="Rakhimov", given_name="Farkhod")
    assert [h.record.id for h in outcome.hits if h.record] == [first]
    with world.db.session() as session:
        records.delete_record(session, world.principal("kz-mvd.supervisor"), "persons", second)
    outcome, _ = check(world, "kg-mvd.officer", "person", surname="Toshmatov", given_name="Alisher")
    assert outcome.hits == []


def test_a_common_name_alone_asks_for_more(world: Any) -> None:
    for i in range(12):
        person(
            world,
            "kz-mvd.officer",
            {
                "surname": "Иванов",
                "given_name": "Сергей",
                "birth_date": str(1960 + i),
                "source_id": f"I{i}",
            },
        )
    outcome, _ = check(world, "kg-mvd.officer", "person", surname="Ivanov", given_name="Sergey")
    assert outcome.advice == ADVICE_COMMON
    assert outcome.total == 12
    assert all(h.band == "possible" for h in outcome.hits)
    # A birth year narrows it down (namesakes born more than a year apart drop out) and
    # puts the one born that year first — still only possible: namesakes share years.
    dated, _ = check(
        world, "kg-mvd.officer", "person", surname="Ivanov", given_name="Sergey", birth_date="1965"
    )
    assert dated.advice is None
    assert [h.record.birth_date for h in dated.hits] == ["1965", "1964", "1966"]
    assert [h.band for h in dated.hits] == ["possible"] * 3


def test_results_are_capped_with_a_total(world: Any) -> None:
    for i in range(25):
        person(
            world,
            "kz-mvd.officer",
            {"surname": "Петров", "given_name": "Иван", "source_id": f"P{i}"},
        )
    outcome, data = check(world, "kg-mvd.officer", "person", surname="Petrov", given_name="Ivan")
    assert outcome.total == 25 and len(outcome.hits) == 20
    assert data["total"] == 25 and data["shown"] == 20


def test_document_number_in_a_person_check_finds_the_holder(world: Any) -> None:
    held = person(world, "kz-mvd.officer", RAKHIMOV)
    outcome, _ = check(
        world, "kg-mvd.officer", "person", surname="Smith", given_name="John", document="N1234567"
    )
    assert outcome.hits[0].record is not None and outcome.hits[0].record.id == held
    assert "document" in outcome.hits[0].explanation


@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        ("phone", {"phone": "+992931234567"}),
        ("document", {"document": "NI234567"}),
        ("document", {"document": "n-1234567"}),
    ],
)
def test_phone_and_document_checks_find_the_holder(
    world: Any, kind: str, raw: dict[str, str]
) -> None:
    held = person(world, "kz-mvd.officer", RAKHIMOV)
    outcome, _ = check(world, "kg-mvd.officer", kind, **raw)
    assert [h.record.id for h in outcome.hits if h.record] == [held]
    assert outcome.hits[0].band == "strong"


def test_plate_check_folds_cyrillic_lookalikes(world: Any) -> None:
    with world.db.session() as session:
        records.create_record(
            session,
            world.principal("kz-mvd.officer"),
            "seizures",
            {
                "date": "2026-05-01",
                "country": "KZ",
                "drug": "heroin",
                "quantity": "2",
                "unit": "kg",
                "vehicle_plates": "А 123 ВС 02",
                "handling_code": "H1",
            },
        )
    for plate in ("A123BC02", "а123вс-02", "A 123 BC 02"):
        outcome, _ = check(world, "kg-mvd.officer", "plate", plate=plate)
        assert [h.kind for h in outcome.hits] == ["seizure"], plate


@pytest.mark.parametrize(
    ("kind", "raw", "field", "words"),
    [
        ("person", {}, "surname", "give a surname"),
        ("person", {"surname": "   "}, "surname", "give a surname"),
        ("person", {"surname": "12345"}, "surname", "no letters"),
        ("person", {"surname": "x" * 10_000}, "surname", "10,000 characters"),
        ("person", {"surname": "Ivanov", "birth_date": "31.02.1985"}, "birth_date", "impossible"),
        ("person", {"surname": "Ivanov", "birth_date": "soon"}, "birth_date", ""),
        ("person", {"surname": "Ivanov", "nationality": "Atlantis"}, "nationality", ""),
        ("phone", {"phone": "12"}, "phone", ""),
        ("phone", {"phone": "not a number"}, "phone", ""),
        ("plate", {"plate": "-"}, "plate", "at least 2"),
        ("document", {"document": "N1"}, "document", "at least 4"),
        ("company", {"name": "ТОО"}, "name", "at least 2"),
    ],
)
def test_bad_selectors_name_the_field(
    kind: str, raw: dict[str, str], field: str, words: str
) -> None:
    with pytest.raises(InvalidData) as caught:
        parse_selector(kind, raw, region="KZ")
    errors = caught.value.errors
    assert errors and errors[0].field == field, errors
    assert words in errors[0].message, errors[0].message
    assert len(str(caught.value.message)) < 500


def test_field_limit_is_shown_in_the_message() -> None:
    with pytest.raises(InvalidData) as caught:
        parse_selector("person", {"given_name": "я" * (MAX_FIELD + 1)})
    assert f"at most {MAX_FIELD}" in caught.value.errors[0].message


@pytest.mark.parametrize("name", ["محمد رحيم", "王伟", "Ωμέγα Αλφα", "ǅemal Ǉubić"])
def test_names_in_other_scripts_are_checked_as_written(world: Any, name: str) -> None:
    held = person(
        world, "kz-mvd.officer", {"surname": name.split()[0], "given_name": name.split()[-1]}
    )
    outcome, _ = check(world, "kg-mvd.officer", "person", full_name=name)
    assert [h.record.id for h in outcome.hits if h.record][:1] == [held]
    other, _ = check(world, "kg-mvd.officer", "person", full_name="Иванов Иван")
    assert other.hits == []


def test_a_batch_notifies_once_per_record_and_counts_repeats(world: Any, tmp_path: Any) -> None:
    from caravan.match.batch import read_batch, run_batch

    person(world, "kg-mvd.officer", SECRET)
    source = tmp_path / "q.csv"
    source.write_text(
        "query_id,surname,given_name\nq1,Kholmatov,Bakhtiyor\nq2,Холматов,Бахтиёр\n",
        encoding="utf-8",
    )
    for _ in range(2):
        with world.db.session() as session:
            outcome = run_batch(session, world.principal("kz-mvd.analyst"), read_batch(source))
            assert [len(hits) for _, hits in outcome.results] == [1, 1]
    with world.db.session() as session:
        rows = session.scalars(select(HitNotification)).all()
        assert [(r.asker_user.username, r.count) for r in rows] == [("kz-mvd.analyst", 4)]
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "check.batch")).all()
        assert [e.after for e in events] == [{"queries": 2, "hits": 2}] * 2


def test_a_batch_names_readable_records_and_gives_notices_as_single_checks(world: Any) -> None:
    """hit_refs (a batch's view) answers as hit_views does: the same notices, and for a
    readable record only which, whose and its reference."""
    from dataclasses import fields

    from caravan.access import HitNotice, HitRecord, hit_refs, hit_views
    from caravan.store.models import Person

    open_id = person(world, "kz-mvd.officer", RAKHIMOV)
    secret_id = person(world, "kg-mvd.officer", SECRET)
    asker = world.principal("kz-mvd.analyst")
    with world.db.session() as session:
        full = hit_views(session, Person, [open_id, secret_id], asker)
        named = hit_refs(session, Person, [secret_id, open_id, open_id], asker)
    assert set(named) == set(full) == {open_id, secret_id}
    assert isinstance(full[secret_id], HitNotice) and named[secret_id] == full[secret_id]
    ref = named[open_id]
    assert isinstance(ref, HitRecord)
    assert (ref.kind, ref.id, ref.owner_code, ref.reference, ref.handling_code) == (
        "person",
        open_id,
        "KZ-MVD",
        "KZ-P-1",
        "H1",
    )
    assert [f.name for f in fields(HitRecord)] == [
        "kind",
        "id",
        "owner_code",
        "reference",
        "handling_code",
    ]
    # The owner sees its own restricted record named, not as a notice.
    with world.db.session() as session:
        own = hit_refs(session, Person, [secret_id], world.principal("kg-mvd.analyst"))
    assert isinstance(own[secret_id], HitRecord) and own[secret_id].reference == "KG-SECRET-REF"
