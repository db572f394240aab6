"""Export: formula-safe CSV, visibility, and export → import round trip."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from caravan.collect.export import PERSON_EXPORT_COLUMNS, export_persons, safe_cell, write_csv
from caravan.collect.importer import import_file
from caravan.errors import PermissionDenied
from caravan.store.models import AuditEvent, Person

INJECTIONS = ["=cmd|' /C calc'!A0", "+SUM(1,2)", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]


@pytest.mark.parametrize("value", INJECTIONS)
def test_formula_cells_get_a_leading_quote(value: str) -> None:
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Иванов", "Иванов"),
        ("a=b", "a=b"),
        ("'quoted", "'quoted"),
        (None, ""),
        (42, "42"),
        ("", ""),
    ],
)
def test_other_cells_are_left_alone(value: object, expected: str) -> None:
    assert safe_cell(value) == expected


def test_write_csv_escapes_every_cell() -> None:
    out = io.StringIO(newline="")
    count = write_csv([{"a": "=1+1", "b": "ok"}, {"a": None}], ["a", "b"], out)
    assert count == 2
    assert out.getvalue().splitlines() == ["a,b", "'=1+1,ok", ","]


def _import(world: Any, user: str, data: str, **kwargs: Any) -> Any:
    with world.db.session() as session:
        return import_file(
            session,
            world.principal(user),
            "persons",
            io.BytesIO(data.encode()),
            fmt="csv",
            **kwargs,
        )


def _export(world: Any, user: str) -> list[dict[str, str]]:
    out = io.StringIO(newline="")
    with world.db.session() as session:
        export_persons(session, world.principal(user), out)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


PERSONS = (
    "agency,source_id,surname,given_name,patronymic,birth_date,nationality,document_number,"
    "document_type,phone,name_as_written,gender,notes,grade,handling_code,handling_note,recipients\n"
    "KZ-MVD,P1,Иванов,Иван,Иванович,07.03.1985,Kazakhstan,N 123,passport,+7 701 123 45 67,"
    "IVANOV IVAN,м,\"=cmd|' /C calc'!A0\",B2,H3,only for the task force,KG-MVD\n"
    "KZ-MVD,P2,@Petrov,,,1985,,,,,,,-minus,,H0,,\n"
)


def test_export_is_formula_safe_and_imports_back_unchanged(world: Any, tmp_path: Path) -> None:
    _import(world, "kz-mvd.officer", PERSONS)
    rows = _export(world, "kz-mvd.analyst")
    assert [r["source_id"] for r in rows] == ["P1", "P2"]
    first = rows[0]
    assert first["notes"] == "'=cmd|' /C calc'!A0"
    assert first["phone"] == "'+77011234567"
    assert rows[1]["surname"] == "'@Petrov"
    assert rows[1]["notes"] == "'-minus"
    assert first == {
        "agency": "KZ-MVD",
        "source_id": "P1",
        "surname": "Иванов",
        "given_name": "Иван",
        "patronymic": "Иванович",
        "birth_date": "1985-03-07",
        "nationality": "KZ",
        "document_number": "N 123",
        "document_type": "passport",
        "document_country": "KZ",
        "phone": "'+77011234567",
        "name_as_written": "IVANOV IVAN",
        "gender": "M",
        "notes": "'=cmd|' /C calc'!A0",
        "grading_scheme": "europol",
        "grade": "B2",
        "handling_code": "H3",
        "handling_note": "only for the task force",
        "recipients": "KG-MVD",
    }
    with world.db.session() as session:
        before = {
            p.source_id: (p.id, p.surname, p.notes, p.birth_date, p.handling_code)
            for p in session.scalars(select(Person))
        }
    # the exported file imports back as updates of the same records, text intact
    out = io.StringIO(newline="")
    with world.db.session() as session:
        export_persons(session, world.principal("kz-mvd.analyst"), out)
    result = _import(world, "kz-mvd.officer", out.getvalue())
    assert (result.inserted, result.updated) == (0, 2)
    with world.db.session() as session:
        after = {
            p.source_id: (p.id, p.surname, p.notes, p.birth_date, p.handling_code)
            for p in session.scalars(select(Person))
        }
    assert after == before
    assert after["P1"][2] == "=cmd|' /C calc'!A0"
    assert _export(world, "kz-mvd.analyst") == rows


def test_export_shows_only_what_the_user_may_see(world: Any) -> None:
    _import(world, "kz-mvd.officer", PERSONS)
    kg = _export(world, "kg-mvd.analyst")
    # P1 is H3 with KG-MVD named as recipient; P2 is H0
    assert [r["source_id"] for r in kg] == ["P1", "P2"]
    _import(world, "kz-mvd.officer", "source_id,surname,handling_code\nP3,Hidden,H2\n")
    assert [r["source_id"] for r in _export(world, "kg-mvd.analyst")] == ["P1", "P2"]
    assert [r["source_id"] for r in _export(world, "kz-mvd.analyst")] == ["P1", "P2", "P3"]


def test_export_is_audited_and_needs_the_right(world: Any) -> None:
    _import(world, "kz-mvd.officer", PERSONS)
    _export(world, "kz-mvd.analyst")
    with world.db.session() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "export.persons")
        ).one()
        assert event.after == {"rows": 2, "format": "csv"}
    with pytest.raises(PermissionDenied):
        _export(world, "kz-mvd.officer")


def test_header_of_an_empty_export(world: Any) -> None:
    out = io.StringIO(newline="")
    with world.db.session() as session:
        assert export_persons(session, world.principal("kz-mvd.analyst"), out) == 0
    assert out.getvalue().strip() == ",".join(PERSON_EXPORT_COLUMNS)
