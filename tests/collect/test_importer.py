"""Bulk import into the store: all or nothing, re-import updates, agency scope, the report."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

import caravan.collect.importer as importer
from caravan.collect import records
from caravan.collect.importer import (
    ImportFailed,
    ImportProgress,
    errors_to_json,
    import_file,
    render_error_table,
)
from caravan.errors import FieldError, InvalidData, NotFound, PermissionDenied
from caravan.store.models import AuditEvent, Link, Person, PersonName, SeizureReport

PERSON_HEADER = (
    "agency,source_id,surname,given_name,patronymic,birth_date,nationality,document_number,phone"
)
SEIZURE_HEADER = "source_id,date,drug,quantity,unit,country,persons,vehicle_plates"


def csv_file(tmp_path: Path, header: str, *rows: str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join((header, *rows)) + "\n", encoding="utf-8")
    return path


def run(world: Any, user: str, kind: str, source: Any, **kwargs: Any) -> importer.ImportResult:
    with world.db.session() as session:
        return import_file(session, world.principal(user), kind, source, **kwargs)


def failure(world: Any, user: str, kind: str, source: Any, **kwargs: Any) -> InvalidData:
    with pytest.raises(InvalidData) as info:
        run(world, user, kind, source, **kwargs)
    return info.value


def count(world: Any, model: Any) -> int:
    with world.db.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def where(exc: InvalidData) -> list[tuple[int | None, str]]:
    return [(e.row, e.field) for e in exc.errors]


GOOD_PERSONS = (
    "KZ-MVD,P1,Иванов,Иван,Иванович,07.03.1985,Казахстан,N1234567,+7 701 123 45 67",
    "KZ-MVD,P2,Petrov,Petr,,1985-03,RU,,",
    ",P3,Сидорова,Анна,,1990,Kazakhstan,,87011112233",
)


def test_persons_are_imported_and_audited(world: Any, tmp_path: Path) -> None:
    path = csv_file(tmp_path, PERSON_HEADER, *GOOD_PERSONS)
    result = run(world, "kz-mvd.officer", "persons", path, filename="kz.csv")
    assert (result.rows, result.inserted, result.updated) == (3, 3, 0)
    assert result.agencies == ("KZ-MVD",)
    with world.db.session() as session:
        people = {p.source_id: p for p in session.scalars(select(Person))}
        assert people["P1"].birth_date == "1985-03-07"
        assert people["P1"].nationality == "KZ"
        assert people["P1"].handling_code == "H2"
        assert people["P3"].agency_id == world.agencies["KZ-MVD"].id
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "import.persons")
        ).one()
        assert event.detail == "kz.csv"
        assert event.after == {"rows": 3, "inserted": 3, "updated": 0, "agencies": ["KZ-MVD"]}
        assert event.actor == "kz-mvd.officer"
    # phone and document became linked records
    assert count(world, Link) == 3


def test_reimport_updates_instead_of_duplicating(world: Any, tmp_path: Path) -> None:
    first = csv_file(tmp_path, PERSON_HEADER, *GOOD_PERSONS)
    run(world, "kz-mvd.officer", "persons", first)
    with world.db.session() as session:
        before = {p.source_id: p.id for p in session.scalars(select(Person))}
    names_before = count(world, PersonName)
    second = csv_file(
        tmp_path,
        PERSON_HEADER,
        "KZ-MVD,P1,Ivanov,Ivan,Ivanovich,1985-03-07,KZ,N1234567,+77011234567",
        "KZ-MVD,P2,Петров,Пётр,,1985-03,RU,,",
        "KZ-MVD,P4,New,Person,,,,,",
        name="again.csv",
    )
    result = run(world, "kz-mvd.officer", "persons", second)
    assert (result.inserted, result.updated) == (1, 2)
    assert count(world, Person) == 4
    assert count(world, PersonName) == names_before  # the structured name is the person's own
    with world.db.session() as session:
        people = {p.source_id: p for p in session.scalars(select(Person))}
        assert people["P1"].id == before["P1"]
        assert people["P1"].version == 2
        assert people["P1"].surname == "Ivanov"
        names = records.person_names(session, people["P1"])
        assert [(n.full_name, n.kind) for n in names] == [("Ivanov Ivan Ivanovich", "primary")]
        assert people["P2"].given_name == "Пётр"
        assert people["P3"].version == 1
        assert people["P4"].version == 1
    # the old phone and document links were replaced, not added to
    assert count(world, Link) == 3


def test_one_bad_row_means_nothing_is_written(world: Any, tmp_path: Path) -> None:
    path = csv_file(tmp_path, PERSON_HEADER, *GOOD_PERSONS, "KZ-MVD,P9,Bad,,,31.02.1990,Narnia,,")
    # batches of one: the good rows were written before the bad one was seen
    exc = failure(world, "kz-mvd.officer", "persons", path, batch_rows=1)
    assert isinstance(exc, ImportFailed)
    assert where(exc) == [(5, "birth_date"), (5, "nationality")]
    assert (
        exc.errors[0].message == "impossible date '31.02.1990': day 31 does not exist in that month"
    )
    assert exc.errors[1].message == "unknown country 'Narnia'"
    assert exc.message == "2 problem(s) in 4 row(s); nothing was imported"
    assert count(world, Person) == 0
    assert count(world, Link) == 0
    assert count(world, AuditEvent) == 0


def test_every_bad_row_is_reported(world: Any, tmp_path: Path) -> None:
    path = csv_file(
        tmp_path,
        PERSON_HEADER,
        "KZ-MVD,P1,Ivanov,,,1985,KZ,,",
        "KZ-MVD,,NoId,,,,,,",
        "KZ-MVD,P3,,Nameless,,,,,",
        "KZ-MVD,P1,Again,,,,,,",
        "KZ-MVD,P5,Phone,,,,,,12",
        "XX-NONE,P6,Agency,,,,,,",
    )
    exc = failure(world, "kz-mvd.officer", "persons", path)
    assert where(exc) == [
        (3, "source_id"),
        (4, "surname"),
        (5, "source_id"),
        (6, "phone"),
        (7, "agency"),
    ]
    assert exc.errors[0].message == "is required"
    assert exc.errors[2].message == "duplicate: source_id 'P1' of KZ-MVD is already on row 2"
    assert exc.errors[4].message == "unknown agency code 'XX-NONE'"
    assert count(world, Person) == 0


def test_seizure_bad_values(world: Any, tmp_path: Path) -> None:
    path = csv_file(
        tmp_path,
        SEIZURE_HEADER,
        "S1,2024-01-15,героин,1.5,кг,KZ,,",
        "S2,2024-01-15,unobtainium,1,kg,KZ,,",
        "S3,2024-01-15,heroin,-2,kg,KZ,,",
        "S4,2024-01-15,heroin,a lot,kg,KZ,,",
        "S5,2024-13-01,heroin,1,kg,Atlantis,,",
        "S6,2024-01-15,heroin,1,bushels,KZ,,",
    )
    exc = failure(world, "kz-mvd.officer", "seizures", path)
    got = {(e.row, e.field): e.message for e in exc.errors}
    assert got[(3, "drug")] == "unknown drug 'unobtainium'"
    assert "negative" in got[(4, "quantity")]
    assert (5, "quantity") in got
    assert (6, "date") in got
    assert got[(6, "country")] == "unknown country 'Atlantis'"
    assert (7, "unit") in got
    assert count(world, SeizureReport) == 0


def test_file_level_problems(world: Any, tmp_path: Path) -> None:
    missing = csv_file(tmp_path, "agency,given_name", "KZ-MVD,Ivan")
    exc = failure(world, "kz-mvd.officer", "persons", missing)
    assert exc.errors[0].message == "missing required column(s): source_id, surname"
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert failure(world, "kz-mvd.officer", "persons", empty).message == "the file is empty"
    header_only = csv_file(tmp_path, PERSON_HEADER, name="header.csv")
    exc = failure(world, "kz-mvd.officer", "persons", header_only)
    assert exc.message == "the file has a header but no rows"


def test_wrong_encoding_is_reported_per_row(world: Any, tmp_path: Path) -> None:
    path = tmp_path / "cp1251.csv"
    path.write_bytes("source_id,surname\nP1,Ivanov\nP2,Иванов\n".encode("cp1251"))
    exc = failure(world, "kz-mvd.officer", "persons", path, encoding="utf-8")
    assert where(exc) == [(3, "encoding")]
    assert "--encoding cp1251" in exc.errors[0].message
    result = run(world, "kz-mvd.officer", "persons", path)
    assert result.rows == 2


def test_an_officer_imports_only_for_their_own_agency(world: Any, tmp_path: Path) -> None:
    path = csv_file(tmp_path, PERSON_HEADER, GOOD_PERSONS[0], "KG-MVD,P7,Asanov,,,,KG,,")
    exc = failure(world, "kz-mvd.officer", "persons", path)
    assert where(exc) == [(3, "agency")]
    assert exc.errors[0].message == "you may import only for your own agency (KZ-MVD)"
    assert count(world, Person) == 0
    with pytest.raises(PermissionDenied):
        run(world, "kz-mvd.administrator", "persons", path, agency_code="KG-MVD")


def test_a_centre_administrator_imports_for_several_agencies(world: Any, tmp_path: Path) -> None:
    path = csv_file(
        tmp_path, PERSON_HEADER, GOOD_PERSONS[0], "KG-MVD,P7,Asanov,,,,KG,,", ",P8,Default,,,,,,"
    )
    result = run(world, "caricc.administrator", "persons", path, agency_code="kg-mvd")
    assert result.agencies == ("KG-MVD", "KZ-MVD")
    with world.db.session() as session:
        owners = dict(session.execute(select(Person.source_id, Person.agency_id)).all())
    assert owners == {
        "P1": world.agencies["KZ-MVD"].id,
        "P7": world.agencies["KG-MVD"].id,
        "P8": world.agencies["KG-MVD"].id,
    }
    with pytest.raises(NotFound):
        run(world, "caricc.administrator", "persons", path, agency_code="NOPE")


def test_the_same_source_id_in_two_agencies_is_not_a_duplicate(world: Any, tmp_path: Path) -> None:
    path = csv_file(tmp_path, PERSON_HEADER, "KZ-MVD,P1,A,,,,,,", "KG-MVD,P1,B,,,,,,")
    assert run(world, "caricc.administrator", "persons", path).inserted == 2


def test_seizures_reference_persons_imported_before(world: Any, tmp_path: Path) -> None:
    run(world, "kz-mvd.officer", "persons", csv_file(tmp_path, PERSON_HEADER, *GOOD_PERSONS))
    path = csv_file(
        tmp_path,
        SEIZURE_HEADER,
        "S1,15.01.2024,гашиш,2500,г,,P1;P2,777ABC02",
        "S2,2024-02,heroin,1,kg,KZ,,",
        name="seizures.csv",
    )
    result = run(world, "kz-mvd.officer", "seizures", path)
    assert (result.rows, result.inserted) == (2, 2)
    with world.db.session() as session:
        s1 = session.scalars(select(SeizureReport).where(SeizureReport.source_id == "S1")).one()
        assert s1.drug_code == "cannabis_resin"
        assert s1.quantity_kg == 2.5
        assert s1.country == "KZ"
        involved = session.scalars(
            select(Link.from_kind).where(
                Link.to_id == s1.id, Link.link_type == "involved_in_seizure"
            )
        ).all()
    assert sorted(involved) == ["person", "person", "vehicle"]


def test_an_unknown_person_reference_is_an_error(world: Any, tmp_path: Path) -> None:
    run(world, "kz-mvd.officer", "persons", csv_file(tmp_path, PERSON_HEADER, *GOOD_PERSONS))
    path = csv_file(tmp_path, SEIZURE_HEADER, "S1,2024-01-15,heroin,1,kg,KZ,P1;P404,", name="s.csv")
    exc = failure(world, "kz-mvd.officer", "seizures", path)
    assert where(exc) == [(2, "persons")]
    assert exc.errors[0].message == "no person with source_id 'P404' in agency KZ-MVD"
    assert count(world, SeizureReport) == 0


def test_reports_are_imported(world: Any, tmp_path: Path) -> None:
    path = csv_file(
        tmp_path,
        "source_id,date,title,body,handling_code,recipients",
        'R1,2024-03-01,Courier route,"Груз идёт через Хоргос, два курьера",H2,KG-MVD',
        name="reports.csv",
    )
    result = run(world, "kz-mvd.analyst", "reports", path)
    assert result.inserted == 1


def test_xlsx_and_json_imports(world: Any, tmp_path: Path) -> None:
    book = Workbook()
    book.active.append(["Source ID", "Фамилия", "Имя", "Дата рождения", "Телефон"])
    book.active.append(["X1", "Иванов", "Иван", 1985, 77011234567])
    xlsx = tmp_path / "persons.xlsx"
    book.save(xlsx)
    assert run(world, "kz-mvd.officer", "persons", xlsx).inserted == 1
    data = json.dumps([{"source_id": "J1", "surname": "Jsonov", "recipients": ["KG-MVD"]}])
    upload = io.BytesIO(data.encode())
    result = run(world, "kz-mvd.officer", "persons", upload, filename="upload.json")
    assert result.inserted == 1
    lines = b'{"source_id": "L1", "surname": "Linov"}\n{"source_id": "L2", "surname": "Lin"}\n'
    assert run(world, "kz-mvd.officer", "persons", io.BytesIO(lines)).inserted == 2


def test_column_mapping(world: Any, tmp_path: Path) -> None:
    path = csv_file(tmp_path, "Ref;Family;Born", "M1;Mapov;1970")
    result = run(
        world,
        "kz-mvd.officer",
        "persons",
        path,
        mapping={"source_id": "Ref", "surname": "Family", "birth_date": "Born"},
    )
    assert result.inserted == 1


def test_progress_is_reported_per_batch(world: Any, tmp_path: Path) -> None:
    rows = [f"KZ-MVD,P{i},Name{i},,,,,," for i in range(10)]
    path = csv_file(tmp_path, PERSON_HEADER, *rows)
    seen: list[ImportProgress] = []
    run(world, "kz-mvd.officer", "persons", path, batch_rows=4, progress=seen.append)
    assert [p.rows_read for p in seen] == [4, 8, 10]
    assert seen[-1].bytes_read == seen[-1].bytes_total == path.stat().st_size
    assert seen[-1].fraction == 1.0


def test_the_error_list_is_capped(world: Any, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(importer, "MAX_ERRORS", 5)
    rows = [f"KZ-MVD,P{i},,,,,,," for i in range(12)]
    exc = failure(world, "kz-mvd.officer", "persons", csv_file(tmp_path, PERSON_HEADER, *rows))
    assert isinstance(exc, ImportFailed)
    assert len(exc.errors) == 5
    assert exc.total_errors == 12
    assert exc.message == "12 problem(s) in 12 row(s) (5 listed); nothing was imported"


def test_unknown_kind_and_permission() -> None:
    with pytest.raises(ValueError, match="unknown import kind"):
        import_file(None, None, "vehicles", io.BytesIO(b""))  # type: ignore[arg-type]


def test_error_report_as_table_and_json() -> None:
    errors = [
        FieldError("drug", "unknown drug 'xyz'", 3, "xyz"),
        FieldError("quantity", "negative quantity '-1'", 12, "-1"),
    ]
    table = render_error_table(errors)
    assert table.splitlines() == [
        "row | column   | problem                | value",
        "----+----------+------------------------+------",
        "  3 | drug     | unknown drug 'xyz'     | xyz",
        " 12 | quantity | negative quantity '-1' | -1",
    ]
    data = json.loads(errors_to_json(errors))
    assert data == {
        "total": 2,
        "errors": [
            {"field": "drug", "message": "unknown drug 'xyz'", "row": 3, "value": "xyz"},
            {"field": "quantity", "message": "negative quantity '-1'", "row": 12, "value": "-1"},
        ],
    }
    assert render_error_table(errors, limit=1).splitlines()[-1] == "… and 1 more"
