"""The one inbox (/inbox) and the administrators' deliveries page (/admin/deliveries)."""

from __future__ import annotations

import re
import socket
import uuid
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from ui_support import browser_sign_in, shot, sign_in

from caravan.config import Settings
from caravan.exchange.deliveries import send_due
from caravan.exchange.notify import notify
from caravan.store.models import AuditEvent, Delivery, HitNotification, Notification, User
from caravan.store.models.base import as_utc, utcnow
from caravan.web.app import asgi_app


def file_note(world: Any, username: str, title: str, **kwargs: Any) -> int:
    with world.db.session() as session:
        [note] = notify(
            session, [world.users[username].id], kwargs.pop("kind", "rfi.received"), title, **kwargs
        )
        return note.id


def rows(html: str) -> list[str]:
    """The notifications table's rows, in order."""
    return re.findall(r'<tr class="[^"]*" data-notification="\d+".*?</tr>', html, re.S)


def badge(html: str) -> str | None:
    match = re.search(r'class="nav-badge nav-badge-inbox"[^>]*>(\d+)</span>', html)
    return match.group(1) if match else None


# --------------------------------------------------------------------------- the inbox


def test_the_inbox_lists_ones_own_notifications_newest_first(
    client: TestClient, world: Any
) -> None:
    file_note(
        world,
        "kz-mvd.officer",
        "Запрос KZ-2026-0001 получен",
        body="От МВД Кыргызстана: срочно",
        link="/rfis/1",
    )
    file_note(world, "kz-mvd.officer", "Alert: phone +996 555 123 456", kind="alert")
    file_note(world, "kg-mvd.officer", "Someone else's request", link="/rfis/2")
    sign_in(client, "kz-mvd.officer")

    html = client.get("/inbox").text
    alert, request = rows(html)
    assert "Alert: phone +996 555 123 456" in alert and "Watch alert" in alert
    assert 'class="unread"' in request and "Запрос KZ-2026-0001 получен" in request
    assert "От МВД Кыргызстана: срочно" in request and "Request" in request
    assert request.count('href="/rfis/1"') == 2  # the title and "Open"
    assert ">Open<" in request and ">Open<" not in alert  # the alert has no link
    assert "Someone else" not in html
    assert badge(html) == "2"
    assert "/hits" not in html.split("<main", 1)[1]  # officers have no hit inbox


def test_marking_read_one_or_all_needs_the_csrf_token(client: TestClient, world: Any) -> None:
    first = file_note(world, "kz-mvd.analyst", "First")
    second = file_note(world, "kz-mvd.analyst", "Second")
    other = file_note(world, "kg-mvd.analyst", "Not yours")
    csrf = sign_in(client, "kz-mvd.analyst")

    refused = client.post("/inbox/read", data={"id": str(first)}, follow_redirects=False)
    assert refused.status_code == 403
    done = client.post(
        "/inbox/read", data={"csrf_token": csrf, "id": str(first)}, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"] == "/inbox"
    html = client.get("/inbox").text
    assert badge(html) == "1"
    assert [("unread" in r) for r in rows(html)] == [True, False]
    unread = client.get("/inbox?unread=1").text
    assert len(rows(unread)) == 1 and "Second" in unread and "First" not in unread

    # Another user's notification cannot be marked read from here.
    client.post("/inbox/read", data={"csrf_token": csrf, "id": str(other)})
    done = client.post(
        "/inbox/read",
        data={"csrf_token": csrf, "all": "1", "unread": "1"},
        follow_redirects=False,
    )
    assert done.headers["location"] == "/inbox?unread=1"
    html = client.get("/inbox?unread=1").text
    assert rows(html) == [] and "No unread notifications." in html and badge(html) is None
    with world.db.session() as session:
        read = {n.id: n.read_at is not None for n in session.scalars(select(Notification))}
    assert read == {first: True, second: True, other: False}


@pytest.mark.parametrize(
    ("data", "field"),
    [({}, "id"), ({"id": "abc"}, "id"), ({"id": "-3"}, "id"), ({"id": "1.5"}, "id")],
)
def test_bad_mark_read_forms_are_refused(
    client: TestClient, world: Any, data: dict[str, str], field: str
) -> None:
    file_note(world, "kz-mvd.officer", "Keep me unread")
    csrf = sign_in(client, "kz-mvd.officer")
    response = client.post("/inbox/read", data={"csrf_token": csrf, **data})
    assert response.status_code == 422
    assert field in response.text
    assert badge(client.get("/inbox").text) == "1"
    assert client.get("/inbox?before=zero").status_code == 422


def test_links_outside_caravan_are_not_rendered(client: TestClient, world: Any) -> None:
    for link in ("javascript:alert(1)", "//evil.example/x", "https://evil.example/"):
        file_note(world, "kz-mvd.officer", f"Bad link {link}", link=link)
    sign_in(client, "kz-mvd.officer")
    html = client.get("/inbox").text
    assert len(rows(html)) == 3
    assert "javascript:" not in html.replace("Bad link javascript:", "")
    assert 'href="//evil' not in html and 'href="https://evil' not in html


def test_the_inbox_pages_on(client: TestClient, world: Any) -> None:
    ids = [file_note(world, "kz-mvd.officer", f"Note {n}") for n in range(55)]
    sign_in(client, "kz-mvd.officer")
    html = client.get("/inbox").text
    assert len(rows(html)) == 50
    match = re.search(r'href="/inbox\?before=(\d+)"', html)
    assert match and int(match.group(1)) == ids[5]
    older = client.get(f"/inbox?before={match.group(1)}").text
    assert [re.search(r">(Note \d+)<", r).group(1) for r in rows(older)] == [  # type: ignore[union-attr]
        f"Note {n}" for n in range(4, -1, -1)
    ]


def test_reviewers_see_the_way_to_the_hit_inbox_with_its_count(
    client: TestClient, world: Any
) -> None:
    with world.db.session() as session:
        session.add(
            HitNotification(
                owner_agency_id=world.agencies["KZ-MVD"].id,
                record_kind="person",
                record_id=uuid.uuid4(),
                reference="KZ-P-1003",
                handling_code="H2",
                asker_agency_id=world.agencies["KG-MVD"].id,
                asker_user_id=world.users["kg-mvd.officer"].id,
                day=date(2026, 3, 1),
                matched="surname, birth date",
                band="strong",
                score=0.97,
            )
        )
    sign_in(client, "kz-mvd.analyst")
    html = client.get("/inbox").text
    section = re.search(r'<div class="notice [^"]*hit-inbox-link".*?</div>', html, re.S)
    assert section and 'href="/hits"' in section.group(0)
    assert "1 checks by other agencies" in section.group(0)


def test_the_inbox_needs_signing_in(client: TestClient, world: Any) -> None:
    page = client.get("/inbox", follow_redirects=False)
    assert page.status_code in (303, 401)
    refused = client.post("/inbox/read", data={"all": "1"}, follow_redirects=False)
    assert refused.status_code in (303, 401, 403)
    assert refused.headers.get("location", "/login").startswith("/login")


# --------------------------------------------------------------------------- administrators


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def smtp_down(settings: Settings) -> Settings:
    return settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": closed_port()})


def test_the_deliveries_page_is_for_administrators_only(client: TestClient, world: Any) -> None:
    for role in ("officer", "analyst", "supervisor"):
        with TestClient(client.app) as other:
            csrf = sign_in(other, f"kz-mvd.{role}")
            assert other.get("/admin/deliveries").status_code == 403
            response = other.post("/admin/deliveries/1/retry", data={"csrf_token": csrf})
            assert response.status_code == 403
            assert "/admin/deliveries" not in other.get("/").text
    sign_in(client, "kz-mvd.administrator")
    html = client.get("/admin/deliveries").text
    assert 'data-smtp="off"' in html and "CARAVAN_SMTP_HOST" in html


def test_smtp_down_is_visible_and_retry_now_is_audited(settings: Settings, world: Any) -> None:
    down = smtp_down(settings)
    with world.db.session() as session:
        session.execute(
            update(User)
            .where(User.id == world.users["kz-mvd.officer"].id)
            .values(email="officer@kz-mvd.example")
        )
    file_note(world, "kz-mvd.officer", "Ответ на запрос KZ-2026-0007")
    first = utcnow()
    assert send_due(world.db, down, first) == 0
    [delivery] = _deliveries(world)

    with TestClient(
        asgi_app(down.model_copy(update={"smtp_password": "pw-secret"}), world.db)
    ) as c:
        csrf = sign_in(c, "kz-mvd.administrator")
        html = c.get("/admin/deliveries").text
        row = re.search(rf'<tr data-delivery="{delivery.id}".*?</tr>', html, re.S)
        assert row, html
        assert "SMTP server refused the connection" in row.group(0)
        assert "officer@kz-mvd.example" in row.group(0)
        assert "Ответ на запрос KZ-2026-0007" in row.group(0)
        assert re.search(r">\s*1\s*<", row.group(0))  # one attempt
        assert 'data-smtp="on"' in html and "pw-secret" not in html
        assert re.search(r'data-count="queued">1<', html)

        # Another agency's administrator does not see it and cannot retry it.
        with TestClient(c.app) as kg:
            kg_csrf = sign_in(kg, "kg-mvd.administrator")
            assert f'data-delivery="{delivery.id}"' not in kg.get("/admin/deliveries").text
            denied = kg.post(f"/admin/deliveries/{delivery.id}/retry", data={"csrf_token": kg_csrf})
            assert denied.status_code == 404

        assert c.post(f"/admin/deliveries/{delivery.id}/retry").status_code == 403  # no CSRF
        done = c.post(
            f"/admin/deliveries/{delivery.id}/retry",
            data={"csrf_token": csrf},
            follow_redirects=False,
        )
        assert done.status_code == 303
        assert done.headers["location"] == f"/admin/deliveries?retried={delivery.id}"
        assert f'data-retried="{delivery.id}"' in c.get(done.headers["location"]).text
    [delivery] = _deliveries(world)
    assert as_utc(delivery.next_attempt_at) <= utcnow()
    with world.db.session() as session:
        [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "delivery.retry"))
        assert event.actor == "kz-mvd.administrator" and event.object_id == str(delivery.id)


def _deliveries(world: Any) -> list[Delivery]:
    with world.db.session() as session:
        return list(session.scalars(select(Delivery).order_by(Delivery.id)))


# --------------------------------------------------------------------------- Chromium


@pytest.mark.browser
def test_the_inbox_in_chromium(browser_page: Any, world: Any) -> None:
    file_note(
        world,
        "kz-mvd.analyst",
        "Новый запрос KG-2026-0042 от МВД Кыргызстана",
        body="Приоритет: срочно. Срок ответа: 24 часа.",
        link="/rfis/42",
    )
    file_note(
        world,
        "kz-mvd.analyst",
        "Watch alert: phone +996 555 123 456",
        body="Seen in a seizure of 12.5 kg of heroin, Osh",
        kind="alert",
        link="/watches",
    )
    file_note(
        world, "kz-mvd.analyst", "Operation BORDER-7: new task for you", kind="operation.task"
    )
    page = browser_page
    browser_sign_in(page, "kz-mvd.analyst")
    page.goto("/inbox")
    assert page.locator(".nav-badge-inbox").inner_text() == "3"
    assert page.locator("tr.unread").count() == 3
    shot(page, "inbox")
    page.locator("tr[data-kind='alert'] button", has_text="Mark read").click()
    page.wait_for_url("**/inbox")
    assert page.locator("tr.unread").count() == 2
    assert page.locator(".nav-badge-inbox").inner_text() == "2"
    page.click("text=Mark all read")
    page.wait_for_url("**/inbox")
    assert page.locator("tr.unread").count() == 0
    assert page.locator(".nav-badge-inbox").count() == 0


@pytest.mark.browser
def test_the_deliveries_page_in_chromium(browser_page: Any, world: Any, settings: Settings) -> None:
    with world.db.session() as session:
        session.execute(
            update(User)
            .where(User.id == world.users["kz-mvd.officer"].id)
            .values(email="officer@kz-mvd.example")
        )
    file_note(world, "kz-mvd.officer", "Запрос KG-2026-0042: ответ готов")
    send_due(world.db, smtp_down(settings), utcnow())
    page = browser_page
    browser_sign_in(page, "kz-mvd.administrator")
    page.goto("/admin/deliveries")
    row = page.locator("tr[data-delivery]")
    assert row.count() == 1
    assert "SMTP server refused the connection" in row.inner_text()
    shot(page, "admin-deliveries")
    row.locator("button", has_text="Retry now").click()
    page.wait_for_url("**/admin/deliveries?retried=*")
    assert page.locator("[data-retried]").count() == 1
