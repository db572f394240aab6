"""Dependencies named once: the database session, the acting principal, CSRF, language."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from itsdangerous import BadSignature, TimestampSigner
from sqlalchemy.orm import Session

from caravan.access import Principal
from caravan.accounts import service as accounts
from caravan.accounts.tokens import same
from caravan.config import Settings
from caravan.errors import NotAuthenticated, PermissionDenied
from caravan.store.models import User, WebSession
from caravan.web.i18n import pick_language

SESSION_COOKIE = "caravan_session"
LANG_COOKIE = "caravan_lang"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def db_session(request: Request) -> Iterator[Session]:
    """One session per request: committed when the handler succeeds, else rolled back."""
    with request.app.state.db.sessionmaker() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            _keep_for_error_page(request, session)
            session.rollback()
            raise


def _keep_for_error_page(request: Request, session: Session) -> None:
    """Detach the signed-in user before a rollback, so the error page can still show them.

    The error handler renders after this session has closed; a rollback would have
    expired the user, their agency and the web session (``DetachedInstanceError``).
    """
    user = getattr(request.state, "user", None)
    web = getattr(request.state, "web_session", None)
    for obj in (web, user, getattr(user, "agency", None) if user is not None else None):
        if obj is not None and obj in session:
            session.expunge(obj)


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(db_session)]


def signer(settings: Settings) -> TimestampSigner:
    return TimestampSigner(settings.secret_key, salt="caravan.session")


def _web_session(request: Request, session: Session, settings: Settings) -> WebSession | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    try:
        token = signer(settings).unsign(cookie, max_age=settings.session_max_hours * 3600).decode()
    except BadSignature:
        return None
    try:
        return accounts.resume_web_session(session, settings, token)
    except NotAuthenticated:
        return None


def current_user(request: Request, session: SessionDep, settings: SettingsDep) -> User:
    """The signed-in user, from a bearer token (API) or the session cookie (browser).

    Requests that change something with a cookie must carry the session's CSRF
    token (a form field or the ``X-CSRF-Token`` header); bearer tokens need none,
    since a browser never sends them on its own.
    """
    if hasattr(request.state, "user"):
        user: User = request.state.user
        return user
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        user = accounts.user_for_token(session, authorization[7:].strip())
        request.state.web_session = None
    else:
        web = _web_session(request, session, settings)
        if web is None:
            raise NotAuthenticated("Sign in first")
        user = web.user
        request.state.web_session = web
    request.state.user = user
    return user


UserDep = Annotated[User, Depends(current_user)]


async def csrf_protect(request: Request, user: UserDep) -> None:
    """Refuse a cookie-authenticated change without the session's CSRF token."""
    if request.method in SAFE_METHODS:
        return
    web: WebSession | None = getattr(request.state, "web_session", None)
    if web is None:
        return
    supplied = request.headers.get("x-csrf-token")
    if supplied is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        supplied = value if isinstance(value, str) else None
    if not supplied or not same(supplied, web.csrf_token):
        raise PermissionDenied("The form has expired or did not come from Caravan; reload it")


def current_principal(request: Request, user: UserDep) -> Principal:
    return Principal.from_user(user)


PrincipalDep = Annotated[Principal, Depends(current_principal)]
CsrfDep = Depends(csrf_protect)


def language(request: Request) -> str:
    user: User | None = getattr(request.state, "user", None)
    settings: Settings = request.app.state.settings
    return pick_language(
        request.cookies.get(LANG_COOKIE),
        user.language if user else None,
        request.headers.get("accept-language"),
        settings.default_language,
    )


LangDep = Annotated[str, Depends(language)]
