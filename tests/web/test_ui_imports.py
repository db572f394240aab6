"""Bulk import from the browser: upload, background job, progress, result and error report."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from ui_support import sign_in

from caravan.collect import jobs
from caravan.store.models import ImportJob, Organisation, SeizureReport
from caravan.web.uploads import UPLOAD_DIR

GOOD = (
    "source_id,date,drug,quantity,unit,city,handling_code\n"
    "IMP-1,2025-03-01,героин,1.5,кг,Алматы,H1\n"
    "IMP-2,2025-03-02,hashish,20,kg,Шымкент,H0\n"
)
BAD = (
    "source_id,date,drug,quantity,unit\n"
    "BAD-1,2025-03-01,heroin,1.5,kg\n"
    "BAD-2,2025-13-45,heroin,1,kg\n"
    "BAD-3,2025-03-03,<b>unobtainium</b>,2,kg\n"
)


def _upload(client: TestClient, csrf: str, content: str, name: str = "seizures.csv") -> str:
    response = client.post(
        "/imports",
        data={"csrf_token": csrf, "kind": "seizures", "encoding": "auto"},
        files={"file": (name, content.encode("utf-8"), "text/csv")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def _wait(client: TestClient, location: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = client.get(f"{location}/status").json()
        if status["status"] in jobs.FINISHED:
            return status  # type: ignore[no-any-return]
        time.sleep(0.05)
    raise AssertionError("the import did not finish")


def test_good_file_is_imported_in_the_background(client: TestClient, world: Any) -> None:
    csrf = sign_in(client, "kz-mvd.officer")
    assert "Upload and import" in client.get("/imports").text
    before = set(UPLOAD_DIR.glob("*")) if UPLOAD_DIR.exists() else set()
    location = _upload(client, csrf, GOOD, name="../../etc/passwd.csv")
    status = _wait(client, location)
    assert status["status"] == "done" and status["inserted"] == 2 and status["rows_read"] == 2
    page = client.get(location).text
    assert "data-result-inserted>2<" in page
    with world.db.session() as session:
        assert session.scalar(select(func.count()).select_from(SeizureReport)) == 2
        job = session.scalar(select(ImportJob))
        assert job is not None and job.filename == "passwd.csv" and job.finished_at
    assert set(UPLOAD_DIR.glob("*")) <= before  # the upload was deleted
    assert jobs.progress(job.id) is None


def test_bad_file_writes_nothing_and_reports_every_row(client: TestClient, world: Any) -> None:
    csrf = sign_in(client, "kz-mvd.officer")
    location = _upload(client, csrf, BAD)
    status = _wait(client, location)
    assert status["status"] == "failed" and status["errors"] >= 2
    page = client.get(location).text
    assert "Nothing was imported" in page and 'class="data-table error-table"' in page
    assert "&lt;b&gt;unobtainium&lt;/b&gt;" in page and "<b>unobtainium" not in page
    report = client.get(f"{location}/errors.json")
    assert report.status_code == 200 and "attachment" in report.headers["content-disposition"]
    rows = {e["row"] for e in report.json()["errors"]}
    assert {3, 4} <= rows
    with world.db.session() as session:
        assert session.scalar(select(func.count()).select_from(SeizureReport)) == 0


def test_organisations_file_is_imported(client: TestClient, world: Any) -> None:
    csrf = sign_in(client, "kz-mvd.officer")
    assert 'value="organisations"' in client.get("/imports").text
    response = client.post(
        "/imports",
        data={"csrf_token": csrf, "kind": "organisations", "encoding": "auto"},
        files={
            "file": ("orgs.csv", "source_id,name\nO1,ТОО «Восток Транзит»\n".encode(), "text/csv")
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    location = str(response.headers["location"])
    assert _wait(client, location)["inserted"] == 1
    page = client.get(location).text
    assert "Organisations" in page and 'href="/organisations"' not in page
    with world.db.session() as session:
        assert session.scalar(select(Organisation.legal_form)) == "ТОО"


def test_api_imports_organisations(world: Any, settings: Any) -> None:
    from caravan.accounts import service as accounts
    from caravan.web.app import asgi_app

    with world.db.session() as session:
        user = accounts.get_user(session, "kz-mvd.officer")
        secret, _ = accounts.create_token(session, user, "t")
    api = TestClient(asgi_app(settings, world.db))
    headers = {"Authorization": f"Bearer {secret}"}

    def post(body: str) -> Any:
        files = {"file": ("orgs.csv", body.encode("utf-8"), "text/csv")}
        return api.post("/api/v1/imports/organisations", files=files, headers=headers)

    bad = post("source_id,name\nO1,ТОО\n")
    assert bad.status_code == 422
    assert [(e["row"], e["field"]) for e in bad.json()["errors"]] == [(2, "name")]
    good = post("source_id,name\nO1,Vostok Tranzit LLP\n")
    assert good.status_code == 200, good.text
    assert {k: good.json()[k] for k in ("status", "rows", "inserted")} == {
        "status": "done",
        "rows": 1,
        "inserted": 1,
    }
    assert api.post("/api/v1/imports/vehicles", headers=headers).status_code == 422


def test_upload_needs_a_file_and_csrf(client: TestClient, world: Any) -> None:
    csrf = sign_in(client, "kz-mvd.officer")
    response = client.post("/imports", data={"csrf_token": csrf, "kind": "seizures"})
    assert response.status_code == 422 and "Choose a file" in response.text
    response = client.post(
        "/imports", data={"kind": "seizures"}, files={"file": ("a.csv", b"x", "text/csv")}
    )
    assert response.status_code == 403


def test_only_the_owner_or_an_agency_admin_sees_a_job(
    client: TestClient, world: Any, settings: Any
) -> None:
    csrf = sign_in(client, "kz-mvd.officer")
    location = _upload(client, csrf, GOOD)
    _wait(client, location)
    from caravan.web.app import asgi_app

    with TestClient(asgi_app(settings, world.db)) as other:
        sign_in(other, "kz-mvd.analyst")
        assert other.get(location).status_code == 404
        assert other.get(f"{location}/status").status_code == 404
    with TestClient(asgi_app(settings, world.db)) as admin:
        sign_in(admin, "kz-mvd.administrator")
        assert admin.get(location).status_code == 200
    with TestClient(asgi_app(settings, world.db)) as foreign_admin:
        sign_in(foreign_admin, "kg-mvd.administrator")
        assert foreign_admin.get(location).status_code == 404
    assert client.get(f"/imports/{uuid.uuid4()}").status_code == 404


def test_run_import_job_sync_records_the_outcome(world: Any, tmp_path: Path) -> None:
    principal = world.principal("kz-mvd.officer")
    path = tmp_path / "upload.csv"
    path.write_text(BAD, encoding="utf-8")
    with world.db.session() as session:
        job = ImportJob(
            kind="seizures",
            filename="bad.csv",
            user_id=principal.user_id,
            agency_id=principal.agency_id,
        )
        session.add(job)
    done = jobs.run_import_job_sync(
        world.db, job.id, path, principal, "seizures", encoding=None, agency_code=None, batch_rows=2
    )
    assert done.status == "failed" and done.errors and not path.exists()
    assert done.message and "nothing was imported" in done.message


@pytest.mark.parametrize("encoding", ["cp1251"])
def test_cp1251_file(client: TestClient, world: Any, encoding: str) -> None:
    csrf = sign_in(client, "kz-mvd.officer")
    response = client.post(
        "/imports",
        data={"csrf_token": csrf, "kind": "seizures", "encoding": encoding},
        files={"file": ("s.csv", GOOD.encode(encoding), "text/csv")},
        follow_redirects=False,
    )
    assert _wait(client, response.headers["location"])["status"] == "done"


def test_jobs_left_running_by_a_stopped_server_are_closed(world: Any, tmp_path: Any) -> None:
    from caravan.collect.jobs import recover_interrupted
    from caravan.store.models import ImportJob

    user = world.users["kz-mvd.officer"]
    with world.db.session() as session:
        for status in ("running", "queued", "done"):
            session.add(
                ImportJob(
                    kind="persons",
                    filename=f"{status}.csv",
                    user_id=user.id,
                    agency_id=user.agency_id,
                    status=status,
                )
            )
    leftover = tmp_path / "upload-1.csv"
    leftover.write_text("x")
    assert recover_interrupted(world.db, tmp_path) == 2
    with world.db.session() as session:
        statuses = {j.filename: (j.status, j.message) for j in session.scalars(select(ImportJob))}
    assert statuses["done.csv"] == ("done", None)
    assert statuses["running.csv"][0] == statuses["queued.csv"][0] == "error"
    assert "nothing was written" in statuses["running.csv"][1]
    assert not leftover.exists()
