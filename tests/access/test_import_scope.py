"""``POST /api/v1/imports/{kind}``: agency scope, all-or-nothing, size cap, tokens."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from caravan.accounts import service as accounts
from caravan.store.models import Person
from caravan.web.app import asgi_app

HEADER = (
    "agency,source_id,surname,given_name,patronymic,birth_date,nationality,document_number,phone\n"
)


def client_for(world: Any, settings: Any, username: str) -> tuple[TestClient, dict[str, str]]:
    with world.db.session() as session:
        secret, _ = accounts.create_token(session, accounts.get_user(session, username), "t")
    return TestClient(asgi_app(settings, world.db)), {"Authorization": f"Bearer {secret}"}


def persons(world: Any) -> int:
    with world.db.session() as session:
        return session.scalar(select(func.count()).select_from(Person)) or 0


def upload(client: TestClient, headers: dict[str, str], body: str, **form: str) -> Any:
    return client.post(
        "/api/v1/imports/persons",
        files={"file": ("persons.csv", body.encode("utf-8"), "text/csv")},
        data=form,
        headers=headers,
    )


@pytest.mark.parametrize("role", ["officer", "analyst", "supervisor", "administrator"])
def test_agency_users_import_only_for_their_agency(world: Any, settings: Any, role: str) -> None:
    client, headers = client_for(world, settings, f"kz-mvd.{role}")
    own = upload(client, headers, HEADER + "KZ-MVD,P1,Иванов,,,,KZ,,\n")
    assert own.status_code == 200, own.text
    assert own.json()["inserted"] == 1
    other = upload(client, headers, HEADER + "KZ-MVD,P2,Петров,,,,,,\nKG-MVD,P3,Асанов,,,,,,\n")
    assert other.status_code == 422
    (error,) = other.json()["errors"]
    assert error == {
        "field": "agency",
        "row": 3,
        "message": "you may import only for your own agency (KZ-MVD)",
        "value": "KG-MVD",
    }
    named = upload(client, headers, HEADER + ",P4,Асанов,,,,,,\n", agency="KG-MVD")
    assert named.status_code == 403
    assert persons(world) == 1  # nothing of the refused files was written


def test_centre_administrator_imports_for_several_agencies(world: Any, settings: Any) -> None:
    client, headers = client_for(world, settings, "caricc.administrator")
    body = HEADER + "KZ-MVD,P1,Иванов,,,,,,\nKG-MVD,P1,Асанов,,,,,,\n,P9,Ахмедов,,,,,,\n"
    result = upload(client, headers, body, agency="KG-MVD")
    assert result.status_code == 200, result.text
    assert result.json() == {"status": "done", "rows": 3, "inserted": 3, "updated": 0, "errors": []}
    again = upload(client, headers, body, agency="KG-MVD")
    assert again.json()["updated"] == 3 and persons(world) == 3


def test_centre_officer_is_not_a_centre_administrator(world: Any, settings: Any) -> None:
    client, headers = client_for(world, settings, "caricc.officer")
    response = upload(client, headers, HEADER + "KZ-MVD,P1,Иванов,,,,,,\n")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "agency"


def test_oversized_upload_is_refused_before_it_is_read(world: Any, settings: Any) -> None:
    small = settings.model_copy(update={"max_upload_mb": 1})
    client, headers = client_for(world, small, "kz-mvd.officer")
    body = HEADER + "KZ-MVD,P1,Иванов,,,,KZ,,\n" * 60_000  # ~2.4 MB
    response = upload(client, headers, body)
    assert response.status_code == 413
    assert "larger than this server accepts (1 MB)" in response.json()["message"]
    assert persons(world) == 0


def test_oversized_chunked_upload_is_cut_off(world: Any, settings: Any) -> None:
    """No Content-Length (chunked): refused once more than the cap has arrived."""
    small = settings.model_copy(update={"max_upload_mb": 1})
    client, headers = client_for(world, small, "kz-mvd.officer")

    def chunks() -> Any:
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="p.csv"\r\n\r\n'
        for _ in range(300):
            yield b"x" * 10_000

    response = client.post(
        "/api/v1/imports/persons",
        content=chunks(),
        headers={**headers, "Content-Type": "multipart/form-data; boundary=b"},
    )
    assert response.status_code == 413
