"""``/api/v1/notifications``: each user's own inbox, unread counts, marking read."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from caravan.accounts import service as accounts
from caravan.config import Settings
from caravan.exchange.notify import notify
from caravan.store.models import Notification
from caravan.web.app import asgi_app

PASSWORD = "correct-horse-battery"  # the ``world`` fixture's password (tests/conftest.py)
URLS = (
    ("GET", "/api/v1/notifications"),
    ("GET", "/api/v1/notifications/unread-count"),
    ("POST", "/api/v1/notifications/read"),
)


@pytest.fixture
def api(settings: Settings, world: Any) -> Iterator[TestClient]:
    with TestClient(asgi_app(settings, world.db)) as client:
        yield client


def bearer(world: Any, username: str) -> dict[str, str]:
    with world.db.session() as session:
        token, _ = accounts.create_token(session, accounts.get_user(session, username), "t")
    return {"Authorization": f"Bearer {token}"}


def file_notes(world: Any, username: str, count: int, kind: str = "rfi.received") -> list[int]:
    ids = []
    with world.db.session() as session:
        for number in range(1, count + 1):
            [note] = notify(
                session,
                [world.users[username].id],
                kind,
                f"Запрос №{number} для {username}",
                body="Срочно: проверить телефон",
                link=f"/rfis/{number}",
            )
            ids.append(note.id)
    return ids


def test_anonymous_callers_get_401(api: TestClient, world: Any) -> None:
    for method, url in URLS:
        response = api.request(method, url, json={"all": True})
        assert response.status_code == 401, (method, url)


def test_every_role_sees_only_its_own_notifications(api: TestClient, world: Any) -> None:
    mine = file_notes(world, "kz-mvd.officer", 3)
    theirs = file_notes(world, "kg-mvd.officer", 2) + file_notes(world, "kz-mvd.analyst", 1)
    headers = bearer(world, "kz-mvd.officer")

    listing = api.get("/api/v1/notifications", headers=headers).json()
    assert [n["id"] for n in listing["items"]] == sorted(mine, reverse=True)
    assert listing["unread"] == 3 and listing["next_before"] is None
    first = listing["items"][-1]
    assert first["title"] == "Запрос №1 для kz-mvd.officer"
    assert first["kind"] == "rfi.received" and first["link"] == "/rfis/1"
    assert first["unread"] is True and first["read_at"] is None
    assert api.get("/api/v1/notifications/unread-count", headers=headers).json() == {"unread": 3}
    for role in ("analyst", "supervisor", "administrator"):
        other = api.get("/api/v1/notifications", headers=bearer(world, f"kg-mvd.{role}")).json()
        assert {n["id"] for n in other["items"]} & set(mine) == set()
    kg = api.get("/api/v1/notifications", headers=bearer(world, "kg-mvd.officer")).json()
    assert {n["id"] for n in kg["items"]} == set(theirs[:2])


def test_paging_and_the_unread_filter(api: TestClient, world: Any) -> None:
    ids = file_notes(world, "kz-mvd.analyst", 5)
    headers = bearer(world, "kz-mvd.analyst")
    page = api.get("/api/v1/notifications?limit=2", headers=headers).json()
    assert [n["id"] for n in page["items"]] == [ids[4], ids[3]]
    assert page["next_before"] == ids[3]
    page = api.get(f"/api/v1/notifications?limit=2&before={ids[3]}", headers=headers).json()
    assert [n["id"] for n in page["items"]] == [ids[2], ids[1]]
    page = api.get(f"/api/v1/notifications?limit=2&before={ids[1]}", headers=headers).json()
    assert [n["id"] for n in page["items"]] == [ids[0]] and page["next_before"] is None

    response = api.post("/api/v1/notifications/read", json={"ids": ids[:2]}, headers=headers)
    assert response.status_code == 200
    assert response.json() == {"marked": 2, "unread": 3}
    unread = api.get("/api/v1/notifications?unread=true", headers=headers).json()
    assert [n["id"] for n in unread["items"]] == [ids[4], ids[3], ids[2]]
    everything = api.get("/api/v1/notifications", headers=headers).json()
    assert [n["unread"] for n in everything["items"]] == [True, True, True, False, False]
    for bad in ("limit=0", "limit=201", "limit=ten", "before=0", "unread=perhaps"):
        answer = api.get(f"/api/v1/notifications?{bad}", headers=headers)
        assert answer.status_code == 422, bad


def test_another_users_notifications_cannot_be_marked_read(api: TestClient, world: Any) -> None:
    theirs = file_notes(world, "kg-mvd.supervisor", 2)
    mine = file_notes(world, "kz-mvd.supervisor", 1)
    headers = bearer(world, "kz-mvd.supervisor")

    response = api.post("/api/v1/notifications/read", json={"ids": theirs}, headers=headers)
    assert response.json() == {"marked": 0, "unread": 1}
    response = api.post("/api/v1/notifications/read", json={"all": True}, headers=headers)
    assert response.json() == {"marked": 1, "unread": 0}
    # Marking again changes nothing.
    response = api.post("/api/v1/notifications/read", json={"ids": mine}, headers=headers)
    assert response.json() == {"marked": 0, "unread": 0}
    with world.db.session() as session:
        read = {
            n.id: n.read_at is not None
            for n in session.scalars(select(Notification).order_by(Notification.id))
        }
    assert read == {theirs[0]: False, theirs[1]: False, mine[0]: True}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "ids"),
        ({"ids": [1], "all": True}, "ids"),
        ({"all": False}, "ids"),
        ({"ids": ["one"]}, "ids"),
        ({"ids": list(range(1, 1002))}, "ids"),
        ({"everything": True}, "everything"),
    ],
)
def test_bad_mark_read_bodies_are_422_naming_the_field(
    api: TestClient, world: Any, body: dict[str, Any], field: str
) -> None:
    file_notes(world, "kz-mvd.officer", 1)
    headers = bearer(world, "kz-mvd.officer")
    response = api.post("/api/v1/notifications/read", json=body, headers=headers)
    assert response.status_code == 422
    assert any(field in e["field"] for e in response.json()["errors"]), response.json()
    assert api.get("/api/v1/notifications/unread-count", headers=headers).json()["unread"] == 1


def test_marking_read_with_the_session_cookie_needs_the_csrf_token(
    api: TestClient, world: Any
) -> None:
    file_notes(world, "kz-mvd.officer", 1)
    signed_in = api.post(
        "/login",
        data={"username": "kz-mvd.officer", "password": PASSWORD, "next": "/"},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303
    refused = api.post("/api/v1/notifications/read", json={"all": True})
    assert refused.status_code == 403
    match = re.search(r'name="csrf_token" value="([^"]+)"', api.get("/").text)
    assert match
    accepted = api.post(
        "/api/v1/notifications/read", json={"all": True}, headers={"X-CSRF-Token": match[1]}
    )
    assert accepted.json() == {"marked": 1, "unread": 0}
