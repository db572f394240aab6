"""Sign-in, sign-out and the language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from caravan.accounts import service as accounts
from caravan.errors import NotAuthenticated, TooManyAttempts
from caravan.web.deps import (
    LANG_COOKIE,
    SESSION_COOKIE,
    CsrfDep,
    SessionDep,
    SettingsDep,
    UserDep,
    signer,
)
from caravan.web.i18n import LANGUAGES
from caravan.web.templating import render

router = APIRouter()


def local_path(target: str | None, default: str = "/") -> str:
    """``target`` if it is a path on this site (``/x``, not ``//host`` or a URL), else default."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ord(c) < 32 for c in target):
        return default
    return target


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", {"next": local_path(next), "username": ""})


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    username: str = Form(""),
    password: str = Form(""),
    next: str = Form("/"),
) -> Response:
    """Check the password; on success start a session and set its signed cookie."""
    client = request.client.host if request.client else None
    try:
        user = accounts.authenticate(session, settings, username, password, client)
    except (NotAuthenticated, TooManyAttempts) as exc:
        session.commit()  # the failure itself must be recorded (throttling, audit)
        throttled = isinstance(exc, TooManyAttempts)
        context = {
            "next": local_path(next),
            "username": username,
            "failure": "throttled" if throttled else "wrong",
        }
        return render(request, "login.html", context, status_code=429 if throttled else 401)
    started = accounts.start_web_session(session, user)
    session.commit()
    response = RedirectResponse(local_path(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        signer(settings).sign(started.token).decode(),
        max_age=settings.session_max_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        path="/",
    )
    return response


@router.post("/logout", dependencies=[CsrfDep])
def logout(request: Request, session: SessionDep, user: UserDep) -> Response:
    web = getattr(request.state, "web_session", None)
    if web is not None:
        accounts.end_web_session(session, web)
        session.commit()
    response = RedirectResponse("/login?notice=signed_out", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/lang/{lang}")
def switch_language(request: Request, lang: str, settings: SettingsDep) -> Response:
    """Set the language cookie and go back to the page the user came from (same site only)."""
    back = "/"
    referer = request.headers.get("referer")
    if referer:
        parts = urlsplit(referer)
        if parts.netloc in ("", request.url.netloc):
            back = local_path(parts.path + (f"?{parts.query}" if parts.query else ""))
    response = RedirectResponse(back, status_code=303)
    if lang in LANGUAGES:
        response.set_cookie(
            LANG_COOKIE,
            lang,
            max_age=365 * 24 * 3600,
            samesite="lax",
            secure=settings.cookie_secure,
            path="/",
        )
    return response
