"""Checks through the JSON API and the CLI, batches included, with the no-leak rule."""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path
from typing import Any

import pytest
import typer
from check_samples import LEAK_MARKERS, RAKHIMOV, SECRET
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from caravan.accounts import service as accounts
from caravan.cli import context
from caravan.cli.checks import check_app
from caravan.collect import records
from caravan.store.models import AuditEvent, HitNotification
from caravan.web.app import asgi_app

cli = typer.Typer()
cli.add_typer(check_app, name="check")
runner = CliRunner()


@pytest.fixture
def held(world: Any) -> dict[str, Any]:
    with world.db.session() as session:
        visible = records.create_record(
            session, world.principal("kz-mvd.officer"), "persons", RAKHIMOV
        ).id
        secret = records.create_record(
            session, world.principal("kg-mvd.officer"), "persons", SECRET
        ).id
    return {"visible": visible, "secret": secret}


@pytest.fixture
def api(world: Any, settings: Any) -> Any:
    with world.db.session() as session:
        token, _ = accounts.create_token(session, accounts.get_user(session, "kz-mvd.analyst"), "t")
        officer, _ = accounts.create_token(
            session, accounts.get_user(session, "kg-mvd.officer"), "t"
        )
        owner, _ = accounts.create_token(session, accounts.get_user(session, "kg-mvd.analyst"), "t")
    with TestClient(asgi_app(settings, world.db)) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        client.tokens = {"officer": officer, "owner": owner}  # type: ignore[attr-defined]
        yield client


def no_leak(text: str) -> None:
    for marker in LEAK_MARKERS:
        assert marker not in text, marker


def test_api_single_checks(api: Any, held: dict[str, Any]) -> None:
    response = api.post(
        "/api/v1/checks",
        json={
            "kind": "person",
            "surname": "Rakhimov",
            "given_name": "Dzhamshed",
            "birth_date": "1985",
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == 1
    hit = body["hits"][0]
    assert hit["visible"] is True and hit["record"]["id"] == str(held["visible"])
    assert hit["url"] == f"/persons/{held['visible']}"

    response = api.post(
        "/api/v1/checks", json={"kind": "person", "surname": "Holmatov", "given_name": "Bahtiyor"}
    )
    hit = response.json()["hits"][0]
    assert hit["visible"] is False
    assert hit["notice"]["owner_agency"] == "KG-MVD"
    assert hit["notice"]["request_information"]["reference"] == "KG-SECRET-REF"
    no_leak(json.dumps(response.json()["hits"], ensure_ascii=False))

    for kind, field, value in (
        ("phone", "phone", "+996555123456"),
        ("document", "document", "AC7654321"),
    ):
        response = api.post("/api/v1/checks", json={"kind": kind, field: value})
        assert response.status_code == 200
        assert response.json()["hits"][0]["visible"] is False
        no_leak(json.dumps(response.json()["hits"], ensure_ascii=False))


def test_api_bad_input_is_a_422_naming_the_field(api: Any, held: dict[str, Any]) -> None:
    cases = [
        ({"kind": "person"}, "surname"),
        ({"kind": "person", "surname": "x" * 10_000}, "surname"),
        ({"kind": "person", "surname": "Ivanov", "birth_date": "1985-13"}, "birth_date"),
        ({"kind": "phone", "phone": "abc"}, "phone"),
    ]
    for body, field in cases:
        response = api.post("/api/v1/checks", json=body)
        assert response.status_code == 422, response.text
        errors = response.json()["errors"]
        assert errors[0]["field"] == field
        assert "x" * 300 not in response.text
    assert api.post("/api/v1/checks", json={"kind": "spaceship"}).status_code == 422


def test_api_owner_inbox(api: Any, held: dict[str, Any]) -> None:
    api.post(
        "/api/v1/checks", json={"kind": "person", "surname": "Kholmatov", "given_name": "Bakhtiyor"}
    )
    owner = {"Authorization": f"Bearer {api.tokens['owner']}"}
    items = api.get("/api/v1/hits", headers=owner).json()["items"]
    assert [(i["asker_agency"], i["asker_user"], i["reference"], i["count"]) for i in items] == [
        ("KZ-MVD", "kz-mvd.analyst", "KG-SECRET-REF", 1)
    ]
    officer = {"Authorization": f"Bearer {api.tokens['officer']}"}
    assert api.get("/api/v1/hits", headers=officer).status_code == 403
    # The asker's own agency inbox holds nothing of it.
    assert api.get("/api/v1/hits").json()["items"] == []


BATCH = (
    "query_id,surname,given_name,patronymic,birth_date,nationality,document_number,phone\n"
    "q1,RAKHIMOV,DZHAMSHED,,1985-03-07,TJ,,\n"
    "q2,Kholmatov,Bakhtiyor,,,,,\n"
    "q3,,,,,,AC7654321,\n"
    "q4,Nobody,Atall,,1950,,,\n"
    "q5,,,,,,,+996 555 123 456\n"
)


def wait_for(api: Any, url: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while True:
        status = api.get(url).json()
        if status["status"] in ("done", "failed", "error"):
            return status
        assert time.monotonic() < deadline, status
        time.sleep(0.1)


def test_api_batch(api: Any, held: dict[str, Any]) -> None:
    response = api.post(
        "/api/v1/checks/batch", files={"file": ("q.csv", BATCH.encode(), "text/csv")}
    )
    assert response.status_code == 202, response.text
    status = wait_for(api, response.json()["status_url"])
    assert status["status"] == "done", status
    assert status["queries"] == 5
    text = api.get(status["results_url"]).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == ["query_id", "rank", "score", "band", "agency", "source_id", "visible"]
    by_query = {(r["query_id"], r["rank"]): r for r in rows}
    assert by_query[("q1", "1")]["agency"] == "KZ-MVD" and by_query[("q1", "1")]["visible"] == "yes"
    assert by_query[("q2", "1")]["source_id"] == "KG-SECRET-REF"
    assert by_query[("q2", "1")]["visible"] == "no"
    assert by_query[("q3", "1")]["visible"] == "no"
    assert by_query[("q5", "1")]["visible"] == "no"
    assert not any(r["query_id"] == "q4" for r in rows)
    no_leak(text)
    # Someone else's batch is not found.
    other = {"Authorization": f"Bearer {api.tokens['officer']}"}
    assert api.get(response.json()["status_url"], headers=other).status_code == 404


def test_api_batch_with_bad_rows_checks_nothing(api: Any, world: Any, held: dict[str, Any]) -> None:
    bad = (
        "query_id,surname,given_name,birth_date,phone\n"
        "q1,Kholmatov,Bakhtiyor,,\n"
        ",Ivanov,Ivan,,\n"
        "q3,Petrov,Petr,1985-02-30,\n"
        "q1,Sidorov,,,\n"
        "q5,,,,not-a-phone\n"
        "q6,,,,\n"
    )
    response = api.post(
        "/api/v1/checks/batch", files={"file": ("bad.csv", bad.encode(), "text/csv")}
    )
    status = wait_for(api, response.json()["status_url"])
    assert status["status"] == "failed"
    problems = [(e["row"], e["field"]) for e in status["errors"]]
    assert problems == [
        (3, "query_id"),
        (4, "birth_date"),
        (5, "query_id"),
        (6, "phone"),
        (7, "surname"),
    ]
    with world.db.session() as session:
        assert session.scalar(select(func.count()).select_from(HitNotification)) == 0
        assert (
            session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action.like("check.%"))
            )
            == 0
        )


@pytest.fixture
def cli_world(world: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(context, "database", lambda: world.db)
    monkeypatch.setattr(context.console, "width", 250)  # tables unwrapped, whatever the terminal
    return world


def test_cli_person_check(cli_world: Any, held: dict[str, Any]) -> None:
    result = runner.invoke(
        cli,
        [
            "check",
            "person",
            "--surname",
            "Раҳимзода",
            "--given-name",
            "Ҷамшед",
            "--birth-date",
            "1985-03-07",
            "--as",
            "kg-mvd.officer",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["hits"][0]["record"]["id"] == str(held["visible"])
    assert data["hits"][0]["band"] == "strong"

    result = runner.invoke(
        cli,
        [
            "check",
            "person",
            "--surname",
            "Kholmatov",
            "--given-name",
            "Bakhtiyor",
            "--as",
            "kz-mvd.officer",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "KG-SECRET-REF" in result.output and "request information" in result.output
    no_leak(result.output)


@pytest.mark.parametrize(
    ("args", "found"),
    [
        (["phone", "+992 93 123 45 67"], "KZ-P-1"),
        (["document", "NI234567"], "KZ-P-1"),
        (["plate", "X 999 XX 99"], "No hit"),
        (["company", "ТОО Восток"], "No hit"),
    ],
)
def test_cli_other_selectors(
    cli_world: Any, held: dict[str, Any], args: list[str], found: str
) -> None:
    result = runner.invoke(cli, ["check", *args, "--as", "kg-mvd.officer"])
    assert result.exit_code == 0, result.output
    assert found in result.output


def test_cli_bad_input_exits_1_naming_the_field(cli_world: Any) -> None:
    result = runner.invoke(
        cli, ["check", "person", "--birth-date", "1985", "--as", "kg-mvd.officer"]
    )
    assert result.exit_code == 1
    assert "surname" in result.output
    result = runner.invoke(cli, ["check", "person", "--surname", "Ivanov", "--as", "nobody"])
    assert result.exit_code == 4


def test_cli_batch(cli_world: Any, held: dict[str, Any], tmp_path: Path) -> None:
    source = tmp_path / "q.csv"
    source.write_text(BATCH, encoding="utf-8")
    out = tmp_path / "out.csv"
    result = runner.invoke(
        cli, ["check", "batch", str(source), "--as", "kz-mvd.analyst", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {r["query_id"] for r in rows} == {"q1", "q2", "q3", "q5"}
    no_leak(out.read_text(encoding="utf-8"))
    # Windows-1251 files are read too.
    source.write_bytes("query_id,surname,given_name\nq1,Рахимов,Джамшед\n".encode("cp1251"))
    result = runner.invoke(
        cli, ["check", "batch", str(source), "--as", "kz-mvd.analyst", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "KZ-P-1" in out.read_text(encoding="utf-8")


def test_cli_bad_batch_writes_nothing(cli_world: Any, held: dict[str, Any], tmp_path: Path) -> None:
    source = tmp_path / "q.csv"
    source.write_text("query_id,surname\nq1,Ivanov\nq1,\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = runner.invoke(
        cli, ["check", "batch", str(source), "--as", "kz-mvd.analyst", "--out", str(out)]
    )
    assert result.exit_code == 1
    assert "row 3" in result.output
    assert not out.exists()


def test_cli_batch_with_workers_writes_the_same_rows(
    cli_world: Any, held: dict[str, Any], tmp_path: Path
) -> None:
    source = tmp_path / "q.csv"
    source.write_text(BATCH, encoding="utf-8")
    outs = []
    for workers in ("0", "2"):
        out = tmp_path / f"out-{workers}.csv"
        args = ["batch", str(source), "--as", "kz-mvd.analyst", "--out", str(out)]
        result = runner.invoke(cli, ["check", *args, "--workers", workers])
        assert result.exit_code == 0, result.output
        assert "started" not in result.output  # every worker it asked for
        outs.append(out.read_text(encoding="utf-8"))
    assert outs[0] == outs[1]
    assert "KZ-P-1" in outs[1]
    no_leak(outs[1])


def test_api_batch_with_the_servers_check_workers(
    api: Any, world: Any, held: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With CARAVAN_CHECK_WORKERS the server's workers rank a batch job; the results are
    the job's without them."""
    from caravan.match import workers

    def results() -> str:
        response = api.post(
            "/api/v1/checks/batch", files={"file": ("q.csv", BATCH.encode(), "text/csv")}
        )
        status = wait_for(api, response.json()["status_url"])
        assert status["status"] == "done", status
        return str(api.get(status["results_url"]).text)

    alone = results()
    used: list[int] = []
    rank = workers.RankWorkers.rank

    def counted(self: Any, units: Any, in_process: Any) -> Any:
        used.append(len(units))
        return rank(self, units, in_process)

    monkeypatch.setattr(workers.RankWorkers, "rank", counted)
    pool = workers.start_shared(world.db.url, 1)
    try:
        assert pool.wait_ready(120) == 1
        assert results() == alone
    finally:
        workers.stop_shared()
    assert used == [1]
    assert workers.shared() is None
    no_leak(alone)
