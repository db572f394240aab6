"""``caravan import …`` and ``caravan export persons`` through Typer's test runner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from sqlalchemy import func, select
from typer.testing import CliRunner

from caravan.cli import context
from caravan.cli.imports import export_app, import_app
from caravan.store.models import Organisation, Person, SeizureReport

app = typer.Typer()
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")
runner = CliRunner()

PERSONS = (
    "agency,source_id,surname,given_name,patronymic,birth_date,nationality,document_number,phone\n"
    "KZ-MVD,P1,Иванов,Иван,,1985-03-07,KZ,N1,+77011234567\n"
    "KZ-MVD,P2,Петров,Пётр,,1990,KZ,,\n"
)


@pytest.fixture
def cli_world(world: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(context, "database", lambda: world.db)
    return world


def persons_in(world: Any) -> int:
    with world.db.session() as session:
        return session.scalar(select(func.count()).select_from(Person)) or 0


def test_import_persons(cli_world: Any, tmp_path: Path) -> None:
    path = tmp_path / "persons.csv"
    path.write_text(PERSONS, encoding="utf-8")
    result = runner.invoke(app, ["import", "persons", str(path), "--as", "kz-mvd.officer"])
    assert result.exit_code == 0, result.output
    assert "Imported 2 persons: 2 inserted, 0 updated" in result.stdout
    assert persons_in(cli_world) == 2
    again = runner.invoke(app, ["import", "persons", str(path), "--as", "kz-mvd.officer"])
    assert "0 inserted, 2 updated" in again.stdout
    assert persons_in(cli_world) == 2


def test_import_organisations(cli_world: Any, tmp_path: Path) -> None:
    path = tmp_path / "orgs.csv"
    path.write_bytes(
        "идентификатор;наименование;БИН\nO1;ТОО «Восток Транзит»;190340012345\nO2;ТОО;\n".encode(
            "cp1251"
        )
    )
    args = ["import", "organisations", str(path), "--as", "kz-mvd.officer"]
    refused = runner.invoke(app, args)
    assert refused.exit_code == 1
    assert "  3 | name" in refused.stderr
    path.write_bytes(
        "идентификатор;наименование;БИН\nO1;ТОО «Восток Транзит»;1903\n".encode("cp1251")
    )
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Imported 1 organisations: 1 inserted, 0 updated" in result.stdout
    with cli_world.db.session() as session:
        held = session.scalars(select(Organisation)).one()
        assert (held.name, held.legal_form, held.registration_number) == (
            "ТОО «Восток Транзит»",
            "ТОО",
            "1903",
        )


def test_a_bad_file_writes_nothing_and_exits_1(cli_world: Any, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(PERSONS + "KZ-MVD,P3,Bad,,,1990-02-30,Narnia,,\n", encoding="utf-8")
    report = tmp_path / "errors.json"
    result = runner.invoke(
        app,
        ["import", "persons", str(path), "--as", "kz-mvd.officer", "--errors-json", str(report),
         "--batch-rows", "1"],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "Import refused" in result.stderr
    assert "row | column" in result.stderr
    assert "  4 | birth_date  | impossible date '1990-02-30'" in result.stderr
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["total"] == 2
    assert [(e["row"], e["field"]) for e in data["errors"]] == [
        (4, "birth_date"),
        (4, "nationality"),
    ]
    assert persons_in(cli_world) == 0


def test_mapping_encoding_and_agency_options(cli_world: Any, tmp_path: Path) -> None:
    path = tmp_path / "kg.csv"
    path.write_bytes("Номер;Фамилия\nK1;Асанов\n".encode("cp1251"))
    result = runner.invoke(
        app,
        ["import", "persons", str(path), "--as", "caricc.administrator", "--agency", "KG-MVD",
         "--map", "source_id=Номер", "--encoding", "cp1251", "--format", "csv"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with cli_world.db.session() as session:
        person = session.scalars(select(Person)).one()
        assert (person.source_id, person.agency_id) == ("K1", cli_world.agencies["KG-MVD"].id)


def test_bad_options(cli_world: Any, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(PERSONS, encoding="utf-8")
    bad_map = runner.invoke(app, ["import", "persons", str(path), "--as", "x", "--map", "nope"])
    assert bad_map.exit_code == 2
    denied = runner.invoke(
        app, ["import", "persons", str(path), "--as", "kz-mvd.officer", "--agency", "KG-MVD"]
    )
    assert denied.exit_code == 3
    assert "only for your own agency" in denied.stderr


def test_import_seizures(cli_world: Any, tmp_path: Path) -> None:
    persons = tmp_path / "persons.csv"
    persons.write_text(PERSONS, encoding="utf-8")
    runner.invoke(app, ["import", "persons", str(persons), "--as", "kz-mvd.officer"])
    seizures = tmp_path / "seizures.jsonl"
    seizures.write_text(
        '{"source_id": "S1", "date": "2024-05-01", "drug": "героин", "quantity": 1.2, '
        '"unit": "kg", "persons": ["P1", "P2"]}\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["import", "seizures", str(seizures), "--as", "kz-mvd.officer"])
    assert result.exit_code == 0, result.output
    with cli_world.db.session() as session:
        assert session.scalar(select(func.count()).select_from(SeizureReport)) == 1


def test_export_persons(cli_world: Any, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(PERSONS, encoding="utf-8")
    runner.invoke(app, ["import", "persons", str(path), "--as", "kz-mvd.officer"])
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["export", "persons", "--as", "kz-mvd.analyst", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Exported 2 persons" in result.stdout
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("agency,source_id,surname")
    assert lines[1].startswith("KZ-MVD,P1,Иванов")
    denied = runner.invoke(
        app, ["export", "persons", "--as", "kz-mvd.officer", "--out", str(tmp_path / "no.csv")]
    )
    assert denied.exit_code == 3
    assert not (tmp_path / "no.csv").exists()
