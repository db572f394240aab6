"""``caravan resolve`` and ``caravan export profiles`` through Typer's test runner."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from caravan.cli import context
from caravan.cli.imports import export_app, import_app
from caravan.cli.resolve import resolve_command
from caravan.config import Settings

app = typer.Typer()
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")
app.command("resolve")(resolve_command)
runner = CliRunner()

PERSONS = (
    "agency,source_id,surname,given_name,birth_date,nationality,document_number\n"
    "KZ-MVD,P1,Рахимов,Джамшед,1985-03-07,TJ,N1234567\n"
    "KZ-MVD,P2,RAKHIMOV,DZHAMSHED,07.03.1985,TJ,N 1234567\n"
    "KZ-MVD,P3,Ким,Виктор,1960,KZ,\n"
)


@pytest.fixture
def cli_world(world: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(context, "database", lambda: world.db)
    settings = Settings(database_url=world.db.url, resolve_dir=tmp_path / "state")
    monkeypatch.setattr("caravan.cli.resolve.get_settings", lambda: settings)
    return world


def test_resolve_then_export_profiles(cli_world: Any, tmp_path: Path) -> None:
    source = tmp_path / "persons.csv"
    source.write_text(PERSONS, encoding="utf-8")
    imported = runner.invoke(app, ["import", "persons", str(source), "--as", "kz-mvd.officer"])
    assert imported.exit_code == 0, imported.output
    first = runner.invoke(app, ["resolve"])
    assert first.exit_code == 0, first.output
    assert "Full run done: 3 records" in first.stdout
    assert (tmp_path / "state" / "features.parquet").exists()
    again = runner.invoke(app, ["resolve"])
    assert "Incremental run done: 0 records" in again.stdout
    out = tmp_path / "profiles.csv"
    exported = runner.invoke(
        app, ["export", "profiles", "--out", str(out), "--as", "kz-mvd.analyst"]
    )
    assert exported.exit_code == 0, exported.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert sorted(r["source_id"] for r in rows) == ["P1", "P2", "P3"]
    by_source = {r["source_id"]: r["profile_id"] for r in rows}
    assert by_source["P1"] == by_source["P2"] != by_source["P3"]
    assert {r["agency"] for r in rows} == {"KZ-MVD"}


def test_export_profiles_needs_the_export_right(cli_world: Any, tmp_path: Path) -> None:
    out = tmp_path / "profiles.csv"
    refused = runner.invoke(
        app, ["export", "profiles", "--out", str(out), "--as", "kz-mvd.officer"]
    )
    assert refused.exit_code == 3
    assert not out.exists()


def test_unknown_engine_is_refused(cli_world: Any) -> None:
    result = runner.invoke(app, ["resolve", "--engine", "oracle"], env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert "use one of duckdb, spark" in result.output
