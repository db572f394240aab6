"""Organisations (companies) as an import kind: clean, write, re-import, refuse bad rows, and
find them with company checks across scripts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from caravan.collect.clean import RowContext, clean_organisation, detect_legal_form
from caravan.collect.demo import load_demo
from caravan.collect.importer import ImportFailed, import_file
from caravan.errors import InvalidData
from caravan.match.checks import run_check
from caravan.match.keys import company_key
from caravan.match.report import outcome_to_dict
from caravan.match.selectors import parse_selector
from caravan.store import Database
from caravan.store.models import AuditEvent, Organisation, RecordRecipient

RU_HEADER = "идентификатор;наименование;организационно-правовая форма;БИН;страна;примечание"
GOOD = (
    "ORG-1;ТОО «Восток Транзит»;;190340012345;Казахстан;перевозчик, Алматы",
    "ORG-2;Silk Way Trading LLP;LLP;;KZ;",
    "ORG-3;«Достук Карго» ЖШС;;;;склад у КПП",
    "ORG-4;Памир Экспресс;;;Таджикистан;",
)


def csv_file(
    tmp_path: Path, header: str, *rows: str, name: str = "orgs.csv", enc: str = "utf-8"
) -> Path:
    path = tmp_path / name
    path.write_bytes(("\n".join((header, *rows)) + "\n").encode(enc))
    return path


def run(world: Any, user: str, source: Any, **kwargs: Any) -> Any:
    with world.db.session() as session:
        return import_file(session, world.principal(user), "organisations", source, **kwargs)


def organisations(world: Any) -> dict[str, Organisation]:
    with world.db.session() as session:
        found = {o.source_id: o for o in session.scalars(select(Organisation))}
        session.expunge_all()
        return found


def count(world: Any, model: Any) -> int:
    with world.db.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize(
    ("name", "form"),
    [
        ("ТОО «Восток Транзит»", "ТОО"),
        ("«Достук Карго» ЖШС", "ЖШС"),
        ('ОсОО "Ала-Тоо Логистик"', "ОсОО"),
        ("Osiyo Savdo MChJ", "MChJ"),
        ("Silk Way Co., Ltd.", "Co Ltd"),
        ("Памир Экспресс", None),
    ],
)
def test_legal_form_is_read_from_the_name_as_written(name: str, form: str | None) -> None:
    assert detect_legal_form(name) == form


def test_clean_organisation_values() -> None:
    ctx = RowContext({"KZ-MVD": (1, "KZ"), "KG-MVD": (2, "KG")}, "KZ-MVD", row=2)
    raw = {
        "source_id": " O1 ",
        "name": "ТОО «Восток Транзит»",
        "registration_number": "190340012345",
        "country": "Kazakhstan",
        "recipients": "KG-MVD",
        "handling_code": "H1",
    }
    values = clean_organisation(ctx, raw)
    assert values is not None, ctx.errors
    assert values["source_id"] == "O1"
    assert values["name_key"] == company_key("Vostok Tranzit LLP")
    assert values["legal_form"] == "ТОО"
    assert values["country"] == "KZ"
    assert values["recipients"] == [2]
    assert values["handling_code"] == "H1"
    # a given legal form is kept as given
    values = clean_organisation(ctx, {**raw, "legal_form": "Товарищество"})
    assert values is not None and values["legal_form"] == "Товарищество"


@pytest.mark.parametrize("enc", ["utf-8", "cp1251"])
def test_organisations_are_imported_from_russian_headers(
    world: Any, tmp_path: Path, enc: str
) -> None:
    path = csv_file(tmp_path, RU_HEADER, *GOOD, enc=enc)
    result = run(world, "kz-mvd.officer", path, filename="orgs.csv")
    assert (result.kind, result.rows, result.inserted, result.updated) == (
        "organisations",
        4,
        4,
        0,
    )
    found = organisations(world)
    vostok = found["ORG-1"]
    assert vostok.name == "ТОО «Восток Транзит»"
    assert vostok.name_key == company_key("Vostok Tranzit LLP") == "tranzit vostok"
    assert vostok.legal_form == "ТОО"
    assert vostok.registration_number == "190340012345"
    assert vostok.country == "KZ"
    assert vostok.notes == "перевозчик, Алматы"
    assert vostok.agency_id == world.agencies["KZ-MVD"].id
    assert vostok.handling_code == "H2"
    assert found["ORG-2"].legal_form == "LLP"
    assert found["ORG-3"].legal_form == "ЖШС" and found["ORG-3"].country is None
    assert found["ORG-4"].legal_form is None and found["ORG-4"].country == "TJ"
    with world.db.session() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "import.organisations")
        ).one()
        assert event.after == {"rows": 4, "inserted": 4, "updated": 0, "agencies": ["KZ-MVD"]}


def test_reimport_updates_in_place(world: Any, tmp_path: Path) -> None:
    header = "source_id,name,country,handling_code,recipients"
    run(world, "kz-mvd.officer", csv_file(tmp_path, header, "O1,ТОО Восток,KZ,H2,KG-MVD"))
    before = organisations(world)["O1"]
    assert count(world, RecordRecipient) == 1
    again = csv_file(
        tmp_path, header, "O1,Vostok Tranzit LLP,KZ,H1,", "O2,ОсОО Нарын Карго,KG,H1,", name="b.csv"
    )
    result = run(world, "kz-mvd.officer", again)
    assert (result.inserted, result.updated) == (1, 1)
    after = organisations(world)
    assert len(after) == 2
    assert after["O1"].id == before.id and after["O1"].version == 2
    assert after["O1"].name == "Vostok Tranzit LLP" and after["O1"].legal_form == "LLP"
    assert after["O1"].name_key == "tranzit vostok"
    assert count(world, RecordRecipient) == 0  # the recipients were replaced, not added to


def test_bad_rows_are_each_reported_and_nothing_is_written(world: Any, tmp_path: Path) -> None:
    header = "source_id,name,legal_form,registration_number,country"
    path = csv_file(
        tmp_path,
        header,
        "O1,ТОО «Восток Транзит»,,,KZ",
        "O2,,,,KZ",
        "O3,ТОО,,,KZ",
        "O4,«ТОО»,,,KZ",
        "O5,Запад Логистик,,,Narnia",
        f"O6,{'Я' * 301},,,KZ",
        f"O7,Сомон Транс,{'X' * 41},{'1' * 101},TJ",
        "O8,ТОО «Восток Транзит» ,,,KZ",
    )
    with pytest.raises(ImportFailed) as info:
        run(world, "kz-mvd.officer", path, batch_rows=1)
    exc = info.value
    assert [(e.row, e.field) for e in exc.errors] == [
        (3, "name"),
        (4, "name"),
        (5, "name"),
        (6, "country"),
        (7, "name"),
        (8, "legal_form"),
        (8, "registration_number"),
    ]
    messages = {(e.row, e.field): e.message for e in exc.errors}
    assert messages[(3, "name")] == "is required"
    assert messages[(4, "name")] == "has no words besides a legal form"
    assert messages[(6, "country")] == "unknown country 'Narnia'"
    assert messages[(7, "name")] == "is longer than 300 characters"
    assert count(world, Organisation) == 0
    assert count(world, AuditEvent) == 0


def test_a_missing_name_column_is_refused(world: Any, tmp_path: Path) -> None:
    with pytest.raises(InvalidData) as info:
        run(world, "kz-mvd.officer", csv_file(tmp_path, "source_id,country", "O1,KZ"))
    assert "name" in info.value.message


def test_json_lines_and_the_worker_process(world: Any, tmp_path: Path) -> None:
    path = tmp_path / "orgs.jsonl"
    rows = [{"source_id": f"J{i}", "name": f"ООО «Каспий Трейд {i}»"} for i in range(1, 4)]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
    result = run(world, "kz-mvd.officer", path, workers=1)
    assert result.inserted == 3
    assert {o.legal_form for o in organisations(world).values()} == {"ООО"}


def check(world: Any, username: str, name: str) -> tuple[Any, dict[str, Any]]:
    with world.db.session() as session:
        selector = parse_selector("company", {"name": name}, region="KZ")
        outcome = run_check(session, world.principal(username), selector)
        return outcome, outcome_to_dict(outcome)


def test_a_company_check_finds_the_imported_organisation_across_scripts(
    world: Any, tmp_path: Path
) -> None:
    path = csv_file(tmp_path, "source_id,name,handling_code", "KZ-ORG-1,ТОО «Восток Транзит»,H1")
    run(world, "kz-mvd.officer", path)
    held = organisations(world)["KZ-ORG-1"]
    for asked in ("Vostok Tranzit LLP", "ЖШС «Восток Транзит»", "vostok-tranzit"):
        outcome, data = check(world, "kg-mvd.officer", asked)
        assert [h.record.id for h in outcome.hits if h.record] == [held.id], (asked, data)
        assert data["hits"][0]["record"]["label"] == "ТОО «Восток Транзит»"
    nothing, _ = check(world, "kg-mvd.officer", "Запад Транзит LLP")
    assert nothing.hits == []


def test_a_restricted_organisation_gives_a_notice_without_its_name(
    world: Any, tmp_path: Path
) -> None:
    path = csv_file(
        tmp_path,
        "source_id,name,registration_number,handling_code,handling_note,notes",
        "KG-ORG-SECRET,ОсОО «Нарын Фрукт ZZMARKER»,ZZREG12345,H3,ZZHANDLING only,ZZNOTE",
    )
    run(world, "kg-mvd.officer", path)
    outcome, data = check(world, "kz-mvd.analyst", "Naryn Frukt Zzmarker LLC")
    assert len(outcome.hits) == 1
    hit = outcome.hits[0]
    assert hit.record is None and hit.notice is not None
    assert data["hits"][0]["notice"]["owner_agency"] == "KG-MVD"
    assert data["hits"][0]["reference"] == "KG-ORG-SECRET"
    answer = json.dumps({k: v for k, v in data.items() if k != "query"}, ensure_ascii=False)
    for marker in ("Нарын", "Фрукт", "ОсОО", "ZZMARKER", "ZZREG", "ZZHANDLING", "ZZNOTE"):
        assert marker not in answer, marker


def test_demo_loads_companies_once(db: Database) -> None:
    def demo(companies: int) -> Any:
        return load_demo(db, persons=30, seizures=10, reports=5, companies=companies)

    first = demo(0)
    assert "organisations" not in first.imported
    # a region loaded before companies existed gets them on the next run…
    second = demo(40)
    assert list(second.imported) == ["organisations"]
    assert second.imported["organisations"].inserted >= 40
    with db.session() as session:
        held = session.scalar(select(func.count()).select_from(Organisation))
    # …and a third run adds nothing.
    third = demo(40)
    assert third.skipped and not third.imported
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Organisation)) == held
