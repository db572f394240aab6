"""Agencies, users, sign-in, web sessions and API tokens.

Every change here is audited; secrets are never written to the log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from caravan import audit
from caravan.access import ROLES, Principal, require
from caravan.accounts.passwords import hash_password, verify_password
from caravan.accounts.tokens import API_TOKEN_PREFIX, digest, new_secret
from caravan.config import Settings
from caravan.domain.countries import normalise_country
from caravan.errors import (
    Conflict,
    FieldError,
    InvalidData,
    InvalidValue,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    TooManyAttempts,
)
from caravan.store.models import Agency, ApiToken, SigninAttempt, User, WebSession
from caravan.store.models.base import as_utc, utcnow

AGENCY_TYPES = ("police", "drug_control", "customs", "border", "security_service", "centre")


# --- agencies -------------------------------------------------------------------------


def create_agency(
    session: Session,
    *,
    code: str,
    country: str,
    name_en: str,
    name_ru: str,
    type: str,
    contact: str | None = None,
    principal: Principal | None = None,
) -> Agency:
    """Create an agency. ``principal`` is None only for set-up from the CLI."""
    if principal is not None:
        require(principal, "agency.manage")
    errors: list[FieldError] = []
    code = code.strip().upper()
    if not code or len(code) > 32 or not all(c.isalnum() or c in "-_" for c in code):
        errors.append(
            FieldError("code", "use letters, digits, '-' or '_' (at most 32)", value=code)
        )
    try:
        country = normalise_country(country)
    except InvalidValue as exc:
        errors.append(FieldError("country", str(exc), value=country))
    if type not in AGENCY_TYPES:
        errors.append(FieldError("type", f"must be one of {', '.join(AGENCY_TYPES)}", value=type))
    for field, value in (("name_en", name_en), ("name_ru", name_ru)):
        if not value or not value.strip():
            errors.append(FieldError(field, "is required"))
    if errors:
        raise InvalidData(errors)
    if session.scalar(select(Agency).where(Agency.code == code)):
        raise Conflict(f"Agency {code} already exists")
    agency = Agency(
        code=code,
        country=country,
        name_en=name_en.strip(),
        name_ru=name_ru.strip(),
        type=type,
        contact=contact,
    )
    session.add(agency)
    session.flush()
    audit.append(
        session,
        "agency.create",
        principal=principal,
        actor=None if principal else "cli",
        object_kind="agency",
        object_id=agency.code,
        after=audit.snapshot(agency),
    )
    return agency


def get_agency(session: Session, code: str) -> Agency:
    agency = session.scalar(select(Agency).where(Agency.code == code.strip().upper()))
    if agency is None:
        raise NotFound(f"No agency with code {code!r}")
    return agency


# --- users ----------------------------------------------------------------------------


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")


def _email(value: str | None, errors: list[FieldError]) -> str | None:
    """An e-mail address for notifications, or ``None`` (empty: none)."""
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > 254 or not _EMAIL.fullmatch(value):
        errors.append(FieldError("email", "is not an e-mail address", value=value))
    return value


def create_user(
    session: Session,
    *,
    username: str,
    agency_code: str,
    role: str,
    password: str,
    display_name: str | None = None,
    email: str | None = None,
    principal: Principal | None = None,
) -> User:
    """Create a user. Agency administrators create users of their own agency only."""
    agency = get_agency(session, agency_code)
    if principal is not None:
        require(principal, "user.manage")
        if agency.id != principal.agency_id and not principal.is_centre_admin:
            raise PermissionDenied("You may create users only in your own agency")
    username = username.strip().lower()
    errors: list[FieldError] = []
    if not username or len(username) > 64 or not all(c.isalnum() or c in "._-" for c in username):
        errors.append(
            FieldError("username", "use letters, digits, '.', '_' or '-'", value=username)
        )
    if role not in ROLES:
        errors.append(FieldError("role", f"must be one of {', '.join(ROLES)}", value=role))
    email = _email(email, errors)
    if errors:
        raise InvalidData(errors)
    if session.scalar(select(User).where(User.username == username)):
        raise Conflict(f"User {username} already exists")
    user = User(
        username=username,
        display_name=display_name,
        email=email,
        agency_id=agency.id,
        role=role,
        password_hash=hash_password(password),
    )
    session.add(user)
    session.flush()
    audit.append(
        session,
        "user.create",
        principal=principal,
        actor=None if principal else "cli",
        object_kind="user",
        object_id=username,
        after=audit.snapshot(user),
    )
    return user


def update_user(
    session: Session,
    username: str,
    *,
    role: str | None = None,
    active: bool | None = None,
    password: str | None = None,
    email: str | None = None,
    principal: Principal | None = None,
) -> User:
    """Change a user's role, switch the account off or on, set a new password or the
    e-mail address notifications go to (``""`` removes it).

    Switching an account off also ends its web sessions and revokes its API tokens.
    """
    user = get_user(session, username)
    if principal is not None:
        require(principal, "user.manage")
        if user.agency_id != principal.agency_id and not principal.is_centre_admin:
            raise NotFound(f"No user {username!r}")
    before = audit.snapshot(user)
    if role is not None:
        if role not in ROLES:
            raise InvalidData(
                [FieldError("role", f"must be one of {', '.join(ROLES)}", value=role)]
            )
        user.role = role
    if email is not None:
        errors: list[FieldError] = []
        user.email = _email(email, errors)
        if errors:
            raise InvalidData(errors)
    if password is not None:
        user.password_hash = hash_password(password)
    if active is not None:
        user.is_active = active
    if active is False or password is not None:
        now = utcnow()
        for web in session.scalars(
            select(WebSession).where(WebSession.user_id == user.id, WebSession.ended_at.is_(None))
        ):
            web.ended_at = now
    if active is False:
        for token in session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        ):
            token.revoked_at = utcnow()
    session.flush()
    changed_before, changed_after = audit.changed_fields(before, audit.snapshot(user))
    if password is not None:
        changed_after["password"] = "changed"  # noqa: S105 - a marker, not a password
    audit.append(
        session,
        "user.update",
        principal=principal,
        actor=None if principal else "cli",
        object_kind="user",
        object_id=user.username,
        before=changed_before,
        after=changed_after,
    )
    return user


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise NotFound(f"No user {username!r}")
    return user


# --- sign-in --------------------------------------------------------------------------


def authenticate(
    session: Session, settings: Settings, username: str, password: str, client: str | None = None
) -> User:
    """Check a user name and password, with throttling, and audit the attempt.

    The caller must commit even when this raises, so the failure is recorded;
    :func:`caravan.web` and the CLI do.
    """
    username = username.strip().lower()
    window_start = utcnow() - timedelta(minutes=settings.signin_window_minutes)
    failures = session.scalar(
        select(func.count())
        .select_from(SigninAttempt)
        .where(
            SigninAttempt.username == username,
            SigninAttempt.success.is_(False),
            SigninAttempt.at >= window_start,
        )
    )
    if (failures or 0) >= settings.signin_max_failures:
        audit.append(session, "signin.throttled", actor=username, outcome="denied", detail=client)
        raise TooManyAttempts(
            f"Too many failed sign-ins for this account; try again in "
            f"{settings.signin_window_minutes} minutes"
        )
    user = session.scalar(select(User).where(User.username == username))
    ok = verify_password(user.password_hash if user else None, password)
    ok = ok and user is not None and user.is_active
    session.add(SigninAttempt(username=username, success=ok, client=client))
    if not ok or user is None:
        audit.append(session, "signin.failure", actor=username, outcome="denied", detail=client)
        raise NotAuthenticated("Wrong user name or password")
    user.last_signin_at = utcnow()
    # A success clears the failure count for this account.
    session.execute(
        delete(SigninAttempt).where(
            SigninAttempt.username == username, SigninAttempt.success.is_(False)
        )
    )
    audit.append(session, "signin.success", principal=Principal.from_user(user), detail=client)
    return user


@dataclass(frozen=True)
class NewSession:
    token: str
    csrf_token: str
    session: WebSession


def start_web_session(session: Session, user: User) -> NewSession:
    token = new_secret()
    web = WebSession(token_hash=digest(token), user_id=user.id, csrf_token=new_secret(24))
    session.add(web)
    session.flush()
    return NewSession(token, web.csrf_token, web)


def resume_web_session(session: Session, settings: Settings, token: str) -> WebSession:
    """The live session for a cookie token, or :class:`NotAuthenticated` if gone or expired."""
    web = session.scalar(select(WebSession).where(WebSession.token_hash == digest(token)))
    if web is None or web.ended_at is not None or not web.user.is_active:
        raise NotAuthenticated("Your session has ended; sign in again")
    now = utcnow()
    idle = now - as_utc(web.last_seen_at)
    age = now - as_utc(web.created_at)
    if idle > timedelta(minutes=settings.session_idle_minutes) or age > timedelta(
        hours=settings.session_max_hours
    ):
        web.ended_at = now
        raise NotAuthenticated("Your session expired; sign in again")
    if idle > timedelta(seconds=30):  # avoid a write on every request
        web.last_seen_at = now
    return web


def end_web_session(session: Session, web: WebSession) -> None:
    web.ended_at = utcnow()
    audit.append(session, "signout", principal=Principal.from_user(web.user))


# --- API tokens -----------------------------------------------------------------------


def create_token(session: Session, user: User, name: str) -> tuple[str, ApiToken]:
    """Create an API token. The clear token is returned once and never stored."""
    if not name.strip():
        raise InvalidData([FieldError("name", "is required")])
    secret = API_TOKEN_PREFIX + new_secret()
    token = ApiToken(
        user_id=user.id, name=name.strip(), prefix=secret[:10], token_hash=digest(secret)
    )
    session.add(token)
    session.flush()
    audit.append(
        session,
        "token.create",
        principal=Principal.from_user(user),
        object_kind="api_token",
        object_id=token.id,
        after={"name": token.name, "prefix": token.prefix},
    )
    return secret, token


def user_for_token(session: Session, secret: str) -> User:
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(secret)))
    if token is None or token.revoked_at is not None or not token.user.is_active:
        raise NotAuthenticated("Invalid or revoked API token")
    now = utcnow()
    if token.last_used_at is None or now - as_utc(token.last_used_at) > timedelta(minutes=1):
        token.last_used_at = now
    return token.user


def revoke_token(session: Session, principal: Principal, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or (token.user_id != principal.user_id and principal.role != "administrator"):
        raise NotFound(f"No API token {token_id}")
    foreign = token.user_id != principal.user_id and token.user.agency_id != principal.agency_id
    if foreign and not principal.is_centre_admin:
        raise NotFound(f"No API token {token_id}")
    token.revoked_at = utcnow()
    audit.append(
        session,
        "token.revoke",
        principal=principal,
        object_kind="api_token",
        object_id=token.id,
        after={"name": token.name, "prefix": token.prefix},
    )
    return token


def list_tokens(session: Session, principal: Principal) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.user_id == principal.user_id).order_by(ApiToken.id)
        )
    )
