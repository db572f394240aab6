"""``/api/v1/watches``: every role manages its own watches; nobody else's (404)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from caravan.accounts import service as accounts
from caravan.collect import records
from caravan.config import Settings
from caravan.exchange import alerts
from caravan.store.models import AuditEvent, Notification
from caravan.web.app import asgi_app

ROLES = ("officer", "analyst", "supervisor", "administrator")


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    alerts.reset_cache()
    yield
    alerts.reset_cache()


@pytest.fixture
def client(settings: Settings, world: Any) -> Iterator[TestClient]:
    with TestClient(asgi_app(settings, world.db)) as test_client:
        yield test_client


@pytest.fixture
def as_(world: Any) -> Any:
    """``as_("kg-mvd.officer")``: the Authorization header of a token of that user."""
    tokens: dict[str, str] = {}

    def headers(username: str) -> dict[str, str]:
        if username not in tokens:
            with world.db.session() as session:
                user = accounts.get_user(session, username)
                tokens[username], _ = accounts.create_token(session, user, "watches")
        return {"Authorization": f"Bearer {tokens[username]}"}

    return headers


PHONE_WATCH = {"kind": "selector", "selector_kind": "phone", "criteria": {"phone": "+77011234567"}}


@pytest.mark.parametrize("role", ROLES)
def test_every_role_manages_only_its_own_watches(
    client: TestClient, as_: Any, world: Any, role: str
) -> None:
    me = as_(f"kg-mvd.{role}")
    made = client.post(
        "/api/v1/watches", json={**PHONE_WATCH, "webhook_url": "https://h.example/x"}, headers=me
    )
    assert made.status_code == 201, made.text
    data = made.json()
    assert data["criteria"] == {"phone": "+77011234567"} and len(data["webhook_secret"]) == 64
    url = data["url"]
    listed = client.get("/api/v1/watches", headers=me).json()["items"]
    assert [w["id"] for w in listed] == [data["id"]] and "webhook_secret" not in listed[0]
    assert client.get(url, headers=me).json()["webhook_secret"] == data["webhook_secret"]
    # Nobody else: a colleague of the same agency, or anyone of another agency.
    for other in ("kg-mvd.officer" if role != "officer" else "kg-mvd.analyst", f"kz-mvd.{role}"):
        them = as_(other)
        assert client.get("/api/v1/watches", headers=them).json()["items"] == []
        assert client.get(url, headers=them).status_code == 404
        assert client.get(f"{url}/hits", headers=them).status_code == 404
        assert client.put(url, json={"active": False}, headers=them).status_code == 404
        assert client.delete(url, headers=them).status_code == 404
    assert client.get(url, headers=me).json()["active"] is True
    changed = client.put(url, json={"active": False, "delivery": "digest"}, headers=me)
    assert changed.status_code == 200, changed.text
    assert (changed.json()["active"], changed.json()["delivery"]) == (False, "digest")
    assert client.get(f"{url}/hits", headers=me).json() == {"items": []}
    assert client.delete(url, headers=me).status_code == 204
    assert client.get(url, headers=me).status_code == 404
    with world.db.session() as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("watch.%"))
        ).all()
        assert sorted(actions) == ["watch.create", "watch.delete", "watch.update"]


def test_anonymous_is_refused(client: TestClient) -> None:
    assert client.get("/api/v1/watches").status_code == 401
    assert client.post("/api/v1/watches", json=PHONE_WATCH).status_code == 401
    assert client.get("/api/v1/watches/1/hits").status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "selector", "selector_kind": "ship", "criteria": {"x": "y"}}, "selector_kind"),
        ({"kind": "selector", "selector_kind": "person", "criteria": {}}, "criteria.surname"),
        (
            {"kind": "selector", "selector_kind": "phone", "criteria": {"phone": "abc"}},
            "criteria.phone",
        ),
        ({**PHONE_WATCH, "webhook_url": "not a url"}, "webhook_url"),
        ({**PHONE_WATCH, "webhook_url": "file:///etc/passwd"}, "webhook_url"),
        ({"kind": "query", "criteria": {"drug_code": "heroin", "min_kg": 0}}, "criteria.min_kg"),
        ({"kind": "query", "criteria": {"min_kg": -1}}, "criteria.min_kg"),
        ({"kind": "watch-everything"}, "kind"),
        ({"kind": "profile", "profile_id": "12"}, "profile_id"),
    ],
)
def test_bad_input_is_422_naming_the_field(
    client: TestClient, as_: Any, body: dict[str, Any], field: str
) -> None:
    response = client.post("/api/v1/watches", json=body, headers=as_("kg-mvd.officer"))
    assert response.status_code == 422, response.text
    assert field in response.text
    assert client.get("/api/v1/watches", headers=as_("kg-mvd.officer")).json()["items"] == []


def test_unknown_fields_and_wrong_types_are_422(client: TestClient, as_: Any) -> None:
    me = as_("kg-mvd.officer")
    wrong = client.post("/api/v1/watches", json={**PHONE_WATCH, "criteria": "x"}, headers=me)
    assert wrong.status_code == 422 and "criteria" in wrong.text
    made = client.post("/api/v1/watches", json=PHONE_WATCH, headers=me).json()
    extra = client.put(made["url"], json={"criteria": {"phone": "+1"}}, headers=me)
    assert extra.status_code == 422 and "criteria" in extra.text
    bad = client.put(made["url"], json={"webhook_url": "gopher://x"}, headers=me)
    assert bad.status_code == 422 and "webhook_url" in bad.text


def test_a_profile_one_may_not_see_is_404(client: TestClient, as_: Any) -> None:
    body = {"kind": "profile", "profile_id": str(uuid.uuid4())}
    assert (
        client.post("/api/v1/watches", json=body, headers=as_("kg-mvd.officer")).status_code == 404
    )


def test_hits_show_notices_for_restricted_records(client: TestClient, as_: Any, world: Any) -> None:
    me = as_("kg-mvd.officer")
    made = client.post(
        "/api/v1/watches",
        json={"kind": "selector", "selector_kind": "person", "criteria": {"surname": "Rakhimov"}},
        headers=me,
    ).json()
    alerts.match_new(world.db)
    with world.db.session() as session:
        owner = world.principal("kz-mvd.officer")
        records.create_record(
            session,
            owner,
            "persons",
            {
                "surname": "Рахимов",
                "given_name": "Тимур",
                "birth_date": "1990",
                "source_id": "KZ-9",
                "handling_code": "H2",
            },
        )
        records.create_record(
            session,
            world.principal("kg-mvd.officer"),
            "persons",
            {"surname": "Рахимова", "given_name": "Лола", "handling_code": "H1"},
        )
    alerts.match_new(world.db)
    items = client.get(f"{made['url']}/hits", headers=me).json()["items"]
    assert len(items) == 2
    notice = next(i for i in items if not i["visible"])
    visible = next(i for i in items if i["visible"])
    assert "record_id" not in notice and "Рахимов" not in str(notice) and "Тимур" not in str(notice)
    assert notice["url"] == "/rfis/new?to=KZ-MVD&kind=person&reference=KZ-9"
    assert notice["owner"] == "KZ-MVD" and notice["handling_code"] == "H2"
    assert "Рахимова Лола" in visible["label"] and visible["url"].startswith("/persons/")
    with world.db.session() as session:
        said = session.scalars(select(Notification.title)).all()
        assert len(said) == 2 and not any("Тимур" in t for t in said)
    # The match count and time are on the watch.
    again = client.get(made["url"], headers=me).json()
    assert again["match_count"] == 2 and again["last_match_at"]
