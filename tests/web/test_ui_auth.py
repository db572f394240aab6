"""Sign-in, sign-out, throttling, CSRF, session expiry and the language switch."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from ui_support import PASSWORD, csrf_of, sign_in

from caravan.config import Settings
from caravan.store.models import AuditEvent, SigninAttempt, WebSession
from caravan.store.models.base import utcnow
from caravan.web.app import asgi_app
from caravan.web.deps import LANG_COOKIE, SESSION_COOKIE


def test_pages_need_sign_in(client: TestClient) -> None:
    response = client.get("/seizures?country=KZ", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/seizures%3Fcountry%3DKZ"


def test_sign_in_sets_a_safe_cookie_and_goes_to_next(client: TestClient, world: Any) -> None:
    response = client.post(
        "/login",
        data={"username": "kz-mvd.officer", "password": PASSWORD, "next": "/persons"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/persons"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    page = client.get("/persons")
    assert page.status_code == 200 and "KZ-MVD" in page.text


def test_sign_in_refuses_a_foreign_next(client: TestClient, world: Any) -> None:
    for target in ("//evil.example/", "https://evil.example/", "javascript:alert(1)"):
        response = client.post(
            "/login",
            data={"username": "kz-mvd.officer", "password": PASSWORD, "next": target},
            follow_redirects=False,
        )
        assert response.headers["location"] == "/"


def test_wrong_password_is_shown_and_recorded(client: TestClient, world: Any) -> None:
    response = client.post("/login", data={"username": "kz-mvd.officer", "password": "nope"})
    assert response.status_code == 401
    assert "Wrong user name or password" in response.text
    assert 'value="kz-mvd.officer"' in response.text
    with world.db.session() as session:
        attempts = session.scalars(select(SigninAttempt)).all()
        assert [a.success for a in attempts] == [False]
        assert session.scalar(select(AuditEvent).where(AuditEvent.action == "signin.failure"))


def test_sign_in_is_throttled(client: TestClient, world: Any, settings: Settings) -> None:
    for _ in range(settings.signin_max_failures):
        client.post("/login", data={"username": "kz-mvd.analyst", "password": "bad"})
    response = client.post("/login", data={"username": "kz-mvd.analyst", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.text
    assert SESSION_COOKIE not in client.cookies


def test_post_without_csrf_token_is_refused(client: TestClient, world: Any) -> None:
    sign_in(client, "kz-mvd.officer")
    response = client.post("/persons/new", data={"surname": "Иванов"})
    assert response.status_code == 403
    assert "did not come from Caravan" in response.text
    response = client.post("/logout", data={"csrf_token": "forged"})
    assert response.status_code == 403


def test_logout_ends_the_session(client: TestClient, world: Any) -> None:
    csrf = sign_in(client, "kz-mvd.officer")
    response = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
    with world.db.session() as session:
        assert session.scalar(select(WebSession.ended_at)) is not None
    assert client.get("/", follow_redirects=False).status_code == 303


def test_idle_session_expires(settings: Settings, world: Any) -> None:
    with TestClient(asgi_app(settings, world.db)) as client:
        sign_in(client, "kz-mvd.officer")
        with world.db.session() as session:
            stale = utcnow() - timedelta(minutes=settings.session_idle_minutes + 1)
            session.execute(update(WebSession).values(last_seen_at=stale))
        response = client.get("/persons", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=/persons"


def test_language_switch_sets_cookie_and_goes_back(client: TestClient, world: Any) -> None:
    sign_in(client, "kz-mvd.officer")
    response = client.get(
        "/lang/ru",
        headers={"referer": "http://testserver/seizures?country=KZ"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/seizures?country=KZ"
    assert client.cookies[LANG_COOKIE] == "ru"
    page = client.get("/seizures")
    assert '<html lang="ru">' in page.text and "Изъятия" in page.text
    foreign = client.get(
        "/lang/en", headers={"referer": "https://evil.example/x"}, follow_redirects=False
    )
    assert foreign.headers["location"] == "/"
    assert "Seizures" in client.get("/seizures").text


def test_login_page_in_russian_from_the_browser_language(client: TestClient, world: Any) -> None:
    page = client.get("/login", headers={"accept-language": "ru-RU,ru;q=0.9"})
    assert "Войти" in page.text


def test_security_headers_on_pages(client: TestClient, world: Any) -> None:
    page = client.get("/login")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "<script>" not in page.text and " style=" not in page.text
    assert csrf_of is not None
