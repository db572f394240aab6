"""The watches pages: list, add (each kind), a watch's matches, pause and delete."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from ui_support import browser_sign_in, shot, sign_in

from caravan.collect import records
from caravan.exchange import alerts
from caravan.store.models import Profile, ProfileMember, Watch

ME = "kg-mvd.officer"


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    alerts.reset_cache()
    yield
    alerts.reset_cache()


def add(client: TestClient, csrf: str, kind: str, **fields: str) -> Any:
    data = {"csrf_token": csrf, "kind": kind, **fields}
    return client.post("/watches", data=data, follow_redirects=False)


def my_watches(world: Any, user: str = ME) -> list[Watch]:
    with world.db.session() as session:
        return list(session.scalars(select(Watch).where(Watch.user_id == world.users[user].id)))


def test_adding_watches_of_each_kind_needs_the_csrf_token(client: TestClient, world: Any) -> None:
    person = records.create_record  # a profile needs a record the watcher may see
    with world.db.session() as session:
        pid = person(
            session, world.principal(ME), "persons", {"surname": "Рахимов", "handling_code": "H1"}
        ).id
        profile = Profile(size=1)
        session.add(profile)
        session.flush()
        session.add(ProfileMember(person_id=pid, profile_id=profile.id))
        profile_id = str(profile.id)
    csrf = sign_in(client, ME)
    refused = client.post(
        "/watches", data={"kind": "phone", "phone-phone": "+996555123456"}, follow_redirects=False
    )
    assert refused.status_code == 403 and my_watches(world) == []
    cases = [
        ("person", {"person-surname": "Rakhimov", "person-birth_date": "1985"}),
        ("phone", {"phone-phone": "+996 555 123 456", "email": "on"}),
        ("plate", {"plate-plate": "777 ABD 02"}),
        ("document", {"document-document": "N 1234567"}),
        ("company", {"company-name": "Vostok Tranzit LLP"}),
        ("query", {"query-drug_code": "heroin", "query-country": "KG", "query-min_kg": "10"}),
        ("profile", {"profile-profile_id": profile_id}),
    ]
    for kind, fields in cases:
        response = add(client, csrf, kind, **fields)
        assert response.status_code == 303, (kind, response.text[:500])
        assert re.fullmatch(r"/watches/\d+", response.headers["location"])
    made = {w.selector_kind or w.kind: w for w in my_watches(world)}
    assert set(made) == {"person", "phone", "plate", "document", "company", "query", "profile"}
    assert made["phone"].email is True and made["phone"].criteria == {"phone": "+996555123456"}
    assert made["query"].criteria["min_kg"] == 10.0
    page = client.get("/watches").text
    assert "Rakhimov · 1985" in page and "heroin, at least 10 kg, in KG" in page


@pytest.mark.parametrize(
    ("kind", "fields", "field"),
    [
        ("phone", {"phone-phone": "12"}, "phone-phone"),
        ("person", {}, "person-surname"),
        ("query", {"query-min_kg": "0"}, "query-min_kg"),
        ("query", {}, "criteria"),
        ("phone", {"phone-phone": "+996555123456", "webhook_url": "ftp://x"}, "webhook_url"),
        ("profile", {"profile-profile_id": "nope"}, "profile-profile_id"),
    ],
)
def test_bad_input_is_shown_beside_the_field(
    client: TestClient, world: Any, kind: str, fields: dict[str, str], field: str
) -> None:
    csrf = sign_in(client, ME)
    response = add(client, csrf, kind, **fields)
    assert response.status_code == 422
    assert f'href="#f-{field}"' in response.text
    assert my_watches(world) == []


def test_watches_page_lists_only_ones_own(client: TestClient, world: Any) -> None:
    with world.db.session() as session:
        alerts.create_watch(
            session,
            world.principal("kg-mvd.analyst"),
            {"kind": "selector", "selector_kind": "plate", "criteria": {"plate": "999XYZ"}},
        )
    csrf = sign_in(client, ME)
    add(client, csrf, "plate", **{"plate-plate": "123ABC"})
    page = client.get("/watches").text
    assert "123ABC" in page and "999XYZ" not in page
    prefilled = client.get("/watches?kind=person&surname=Рахимов&birth_date=1985").text
    assert 'value="Рахимов"' in prefilled and 'value="1985"' in prefilled


def test_watch_page_shows_matches_and_secret_to_the_owner_only(
    client: TestClient, world: Any
) -> None:
    with world.db.session() as session:
        wid = alerts.create_watch(
            session,
            world.principal(ME),
            {
                "kind": "selector",
                "selector_kind": "person",
                "criteria": {"surname": "Rakhimov"},
                "webhook_url": "https://hooks.example/w",
            },
        ).id
    alerts.match_new(world.db)
    with world.db.session() as session:
        records.create_record(
            session,
            world.principal("kz-mvd.officer"),
            "persons",
            {
                "surname": "Рахимов",
                "given_name": "Тимур",
                "handling_code": "H2",
                "source_id": "KZ-42",
            },
        )
    alerts.match_new(world.db)
    csrf = sign_in(client, ME)
    assert csrf
    page = client.get(f"/watches/{wid}")
    assert page.status_code == 200
    secret = my_watches(world)[0].webhook_secret
    assert secret and secret in page.text
    assert (
        "Тимур" not in page.text
        and "/rfis/new?to=KZ-MVD&amp;kind=person&amp;reference=KZ-42" in page.text
    )
    sign_in(client, "kg-mvd.analyst")
    other = client.get(f"/watches/{wid}")
    assert other.status_code == 404 and secret not in other.text


def test_toggle_and_delete_are_the_owners_with_csrf(client: TestClient, world: Any) -> None:
    with world.db.session() as session:
        wid = alerts.create_watch(
            session,
            world.principal(ME),
            {"kind": "selector", "selector_kind": "plate", "criteria": {"plate": "123ABC"}},
        ).id
    csrf = sign_in(client, "kz-mvd.officer")
    for action in ("toggle", "delete"):
        response = client.post(f"/watches/{wid}/{action}", data={"csrf_token": csrf})
        assert response.status_code == 404
    csrf = sign_in(client, ME)
    assert client.post(f"/watches/{wid}/toggle", data={}).status_code == 403
    done = client.post(f"/watches/{wid}/toggle", data={"csrf_token": csrf}, follow_redirects=False)
    assert done.status_code == 303 and my_watches(world)[0].active is False
    assert "Paused" in client.get("/watches").text
    gone = client.post(f"/watches/{wid}/delete", data={"csrf_token": csrf}, follow_redirects=False)
    assert gone.status_code == 303 and my_watches(world) == []


@pytest.mark.browser
def test_add_a_seizure_query_watch_in_chromium(browser_page: Any, world: Any) -> None:
    page = browser_page
    browser_sign_in(page, ME)
    page.goto("/watches")
    page.check("input[name=kind][value=query]")
    page.select_option("#f-query-drug_code", "heroin")
    page.select_option("#f-query-country", "KG")
    page.fill("#f-query-min_kg", "10")
    page.click("#add-watch button[type=submit]")
    page.wait_for_url(re.compile(r".*/watches/\d+$"))
    assert "heroin, at least 10 kg, in KG" in page.inner_text("h1")
    page.goto("/watches")
    shot(page, "watches")
    assert page.locator("#watches tbody tr").count() == 1
