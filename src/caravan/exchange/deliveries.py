"""Sending the e-mails and webhook calls :func:`caravan.exchange.notify.notify` queued.

Only the dispatcher sends (:func:`send_due`), never a user's request: a slow or broken
receiver can delay an alert, never a user. Each round

1. *claims* a bounded batch of due :class:`Delivery` rows in one short transaction (their
   ``next_attempt_at`` moves :data:`CLAIM_SECONDS` ahead, so no other process picks them
   up meanwhile, and a crashed sender's rows come back on their own);
2. sends them **outside any transaction** — e-mails one after another over one SMTP
   connection, webhook calls side by side in a few threads, each bounded by its timeout,
   so one slow receiver does not hold up the others; no SQLite write lock is ever held
   across network I/O;
3. records each outcome in a short transaction of its own: ``sent``, or a failed attempt
   retried after ``delivery_backoff_seconds × 4^(attempts-1)``, or ``failed`` once
   ``delivery_max_attempts`` are spent. Failures stay visible to administrators
   (:func:`list_deliveries`, ``/admin/deliveries``), who may :func:`retry_now`.

Delivery is *at least once*: a sender that dies between sending and recording sends
again after the claim runs out. Webhook receivers should drop a repeated
``X-Caravan-Delivery`` id; e-mails keep one ``Message-ID`` across retries.

**Webhook signatures.** Each call carries

- ``X-Caravan-Event``: the notification kind (``alert``, ``rfi.received``…, ``digest``);
- ``X-Caravan-Delivery``: the delivery id (the same on every retry);
- ``X-Caravan-Timestamp``: seconds since the epoch when this attempt was made;
- ``X-Caravan-Signature``: ``sha256=`` + hex HMAC-SHA256, keyed with the watch's webhook
  secret, of ``f"{timestamp}.{body}"`` (the raw UTF-8 body bytes).

A receiver recomputes it with :func:`verify_signature`, compares in constant time and
refuses stale timestamps (replays); see ``docs/exchange.md``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import smtplib
import ssl
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

import httpx
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from caravan import audit
from caravan.access import Principal, delivery_visibility_clause, require
from caravan.config import Settings
from caravan.errors import Conflict, FieldError, InvalidData, NotFound
from caravan.store import Database
from caravan.store.models import Delivery, DispatcherState, Notification, User, Watch
from caravan.store.models.base import as_utc, utcnow

log = logging.getLogger(__name__)

#: Deliveries one round takes on; the rest wait for the next round (half a second later).
BATCH = 32
#: Webhook calls made side by side.
WEBHOOK_WORKERS = 8
#: How long a claimed delivery is left alone by other senders. Far longer than a batch
#: takes; only a sender that died mid-batch makes anyone wait this long.
CLAIM_SECONDS = 600
#: ``last_error`` of e-mails waiting for an SMTP server to be configured.
EMAIL_NOT_CONFIGURED = "e-mail is not configured (CARAVAN_SMTP_HOST)"
#: The longest ``last_error`` kept.
ERROR_CHARS = 300
STATUSES = ("queued", "sent", "failed")
#: The webhook headers, named once.
EVENT_HEADER = "X-Caravan-Event"
DELIVERY_HEADER = "X-Caravan-Delivery"
TIMESTAMP_HEADER = "X-Caravan-Timestamp"
SIGNATURE_HEADER = "X-Caravan-Signature"


# --------------------------------------------------------------------------- signatures


def sign(secret: str, timestamp: str, body: str | bytes) -> str:
    """The ``X-Caravan-Signature`` value: ``sha256=`` + HMAC-SHA256(secret, "timestamp.body")."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + raw, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify_signature(
    secret: str,
    timestamp: str,
    body: str | bytes,
    header: str | None,
    *,
    max_age_seconds: float | None = 300,
    now: float | None = None,
) -> bool:
    """Whether a webhook call really came from Caravan (for receivers).

    ``timestamp`` and ``header`` are the ``X-Caravan-Timestamp`` and ``X-Caravan-Signature``
    headers, ``body`` the raw request body. Calls older (or newer) than ``max_age_seconds``
    are refused, so a recorded call cannot be replayed later; ``None`` skips that check.

    >>> body = '{"event": "alert"}'
    >>> verify_signature("s3cret", "1767225600", body, sign("s3cret", "1767225600", body),
    ...                  max_age_seconds=None)
    True
    """
    if not header or not timestamp or not secret:
        return False
    try:
        sent_at = int(timestamp)
        expected = sign(secret, timestamp, body)
    except (ValueError, UnicodeEncodeError):
        return False
    if max_age_seconds is not None:
        current = time.time() if now is None else now
        if abs(current - sent_at) > max_age_seconds:
            return False
    return hmac.compare_digest(expected.encode("ascii"), header.strip().encode("utf-8"))


# --------------------------------------------------------------------------- sending


@dataclass(frozen=True)
class Outgoing:
    """What sending one delivery needs, read before the transaction ends."""

    id: int
    channel: str
    target: str
    subject: str
    body: str
    attempts: int
    created_at: datetime
    #: Webhooks: the watch's secret (``None``: the watch is gone or has none).
    secret: str | None = None
    watch_id: int | None = None


@dataclass(frozen=True)
class Outcome:
    id: int
    error: str | None = None
    #: A failure no retry can mend (the watch was deleted): give up at once.
    final: bool = False


def send_due(db: Database, settings: Settings, now: datetime) -> int:
    """Send the deliveries due at ``now`` (one bounded batch); return how many went out."""
    now = as_utc(now)
    if settings.smtp_host is None:
        _note_email_off(db, now)
    batch = _claim(db, settings, now)
    if not batch:
        return 0
    emails = [o for o in batch if o.channel == "email"]
    hooks = [o for o in batch if o.channel != "email"]
    sent = 0
    with ThreadPoolExecutor(max_workers=WEBHOOK_WORKERS, thread_name_prefix="webhook") as pool:
        futures = [pool.submit(_send_emails, settings, emails)] if emails else []
        futures += [pool.submit(_one, _call_webhook, settings, hook) for hook in hooks]
        for future in as_completed(futures):
            for outcome in future.result():
                sent += _record(db, settings, now, outcome)
    return sent


def _note_email_off(db: Database, now: datetime) -> None:
    """E-mails stay queued, saying why, until an SMTP server is configured: not an attempt."""
    waiting = (
        Delivery.status == "queued",
        Delivery.channel == "email",
        Delivery.next_attempt_at <= now,
        or_(Delivery.last_error.is_(None), Delivery.last_error != EMAIL_NOT_CONFIGURED),
    )
    with db.session() as session:
        # Read first: an UPDATE, even of no row, would take SQLite's write lock every round.
        if session.scalar(select(Delivery.id).where(*waiting).limit(1)) is None:
            return
        session.execute(
            update(Delivery)
            .where(*waiting)
            .values(last_error=EMAIL_NOT_CONFIGURED)
            .execution_options(synchronize_session=False)
        )


def _claim(db: Database, settings: Settings, now: datetime) -> list[Outgoing]:
    """Take up to :data:`BATCH` due deliveries, oldest due first, so no one else sends them."""
    with db.session() as session:
        stmt = (
            select(Delivery, Watch.webhook_secret)
            .outerjoin(Watch, Watch.id == Delivery.watch_id)
            .where(Delivery.status == "queued", Delivery.next_attempt_at <= now)
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(BATCH)
        )
        if settings.smtp_host is None:
            stmt = stmt.where(Delivery.channel != "email")
        rows = session.execute(stmt).all()
        if not rows:
            return []
        claimed = set(
            session.scalars(
                update(Delivery)
                .where(
                    Delivery.id.in_([d.id for d, _ in rows]),
                    Delivery.status == "queued",
                    Delivery.next_attempt_at <= now,
                )
                .values(next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS))
                .returning(Delivery.id)
                .execution_options(synchronize_session=False)
            )
        )
        return [
            Outgoing(
                id=d.id,
                channel=d.channel,
                target=d.target,
                subject=d.subject,
                body=d.body,
                attempts=d.attempts,
                created_at=as_utc(d.created_at),
                secret=secret,
                watch_id=d.watch_id,
            )
            for d, secret in rows
            if d.id in claimed
        ]


def _one(
    send: Callable[[Settings, Outgoing], Outcome], settings: Settings, o: Outgoing
) -> list[Outcome]:
    """Run one send; whatever goes wrong is that delivery's failure, never the batch's."""
    try:
        return [send(settings, o)]
    except Exception as exc:
        log.exception("delivery %s failed unexpectedly", o.id)
        return [Outcome(o.id, f"unexpected error: {type(exc).__name__}")]


def _record(db: Database, settings: Settings, now: datetime, outcome: Outcome) -> int:
    """Write one outcome in a short transaction; 1 when the delivery went out."""
    try:
        with db.session() as session:
            delivery = session.get(Delivery, outcome.id)
            if delivery is None:
                return 0
            if outcome.error is None:
                delivery.status = "sent"
                delivery.sent_at = now
                delivery.attempts += 1
                delivery.last_error = None
                return 1
            delivery.attempts += 1
            delivery.last_error = outcome.error[:ERROR_CHARS]
            if outcome.final or delivery.attempts >= settings.delivery_max_attempts:
                delivery.status = "failed"
                delivery.next_attempt_at = now
            else:
                wait = settings.delivery_backoff_seconds * 4 ** (delivery.attempts - 1)
                delivery.next_attempt_at = now + timedelta(seconds=wait)
            return 0
    except Exception:  # the claim runs out and the delivery is tried again
        log.exception("recording the outcome of delivery %s failed", outcome.id)
        return 0


# --------------------------------------------------------------------------- e-mail


def absolute_links(settings: Settings, text: str) -> str:
    """E-mails name pages as ``Open in Caravan: /rfis/7``; with ``public_url`` set, the link
    is made whole so that a mail client can open it."""
    if not settings.public_url:
        return text
    base = settings.public_url.rstrip("/")
    return text.replace("Open in Caravan: /", f"Open in Caravan: {base}/")


def email_message(settings: Settings, o: Outgoing, now: datetime | None = None) -> EmailMessage:
    """The e-mail for one delivery: UTF-8 plain text, one ``Message-ID`` across retries."""
    domain = settings.smtp_from.rpartition("@")[2].strip("> ") or "localhost"
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = o.target
    message["Subject"] = o.subject
    message["Date"] = format_datetime(now or utcnow())
    message["Message-ID"] = f"<caravan.{o.id}.{o.created_at:%Y%m%d%H%M%S}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(absolute_links(settings, o.body), charset="utf-8")
    return message


@contextmanager
def smtp_connection(settings: Settings) -> Iterator[smtplib.SMTP]:
    """An SMTP connection as configured: STARTTLS and login when set."""
    assert settings.smtp_host is not None
    with smtplib.SMTP(
        settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds
    ) as smtp:
        smtp.ehlo()
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password or "")
        yield smtp


def _send_emails(settings: Settings, emails: list[Outgoing]) -> list[Outcome]:
    """Send the batch's e-mails over one connection (opened again after an error).

    When the server cannot be reached at all, every e-mail of the batch fails with the
    same reason without trying again: a server that is down is down for all of them.
    """
    outcomes: list[Outcome] = []
    pending = list(emails)
    while pending:
        try:
            with smtp_connection(settings) as smtp:
                while pending:
                    o = pending[0]
                    try:
                        smtp.send_message(email_message(settings, o))
                    except smtplib.SMTPRecipientsRefused as exc:
                        pending.pop(0)
                        outcomes.append(Outcome(o.id, _smtp_reason(exc)))
                        continue
                    except (smtplib.SMTPException, OSError) as exc:
                        pending.pop(0)
                        outcomes.append(Outcome(o.id, _smtp_reason(exc)))
                        break  # the connection may be broken: open a fresh one
                    pending.pop(0)
                    outcomes.append(Outcome(o.id))
        except (smtplib.SMTPException, OSError) as exc:
            reason = _smtp_reason(exc)
            # ``pending`` still holds every unsent e-mail when connecting failed.
            outcomes += [Outcome(o.id, reason) for o in pending]
            pending = []
        except Exception as exc:
            log.exception("sending e-mail failed unexpectedly")
            outcomes += [Outcome(o.id, f"unexpected error: {type(exc).__name__}") for o in pending]
            pending = []
    return outcomes


def _smtp_reason(exc: BaseException) -> str:
    """A short reason, naming the server's answer but never the password."""
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"SMTP login refused ({exc.smtp_code})"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in exc.recipients.values()})
        return f"SMTP refused the recipient ({', '.join(map(str, codes))})"
    if isinstance(exc, smtplib.SMTPResponseException):
        text = (
            exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else ""
        )
        return f"SMTP error {exc.smtp_code}: {text}"[:ERROR_CHARS]
    if isinstance(exc, TimeoutError):
        return "SMTP server did not answer in time"
    if isinstance(exc, ConnectionRefusedError):
        return "SMTP server refused the connection"
    if isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException):
        return f"SMTP server unreachable: {exc.strerror or type(exc).__name__}"
    return f"SMTP: {type(exc).__name__}: {exc}"[:ERROR_CHARS]


# --------------------------------------------------------------------------- webhooks


def webhook_event(body: str) -> str:
    """The ``event`` of a webhook body (``notification`` when it names none)."""
    try:
        data = json.loads(body)
    except ValueError:
        return "notification"
    event = data.get("event") if isinstance(data, dict) else None
    return str(event) if event else "notification"


def webhook_headers(o: Outgoing, secret: str, timestamp: str | None = None) -> dict[str, str]:
    stamp = timestamp or str(int(time.time()))
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Caravan-Webhook/1",
        EVENT_HEADER: webhook_event(o.body),
        DELIVERY_HEADER: str(o.id),
        TIMESTAMP_HEADER: stamp,
        SIGNATURE_HEADER: sign(secret, stamp, o.body),
    }


def _call_webhook(settings: Settings, o: Outgoing) -> Outcome:
    if o.watch_id is None:
        return Outcome(o.id, "the watch was deleted", final=True)
    if not o.secret:
        return Outcome(o.id, "the watch has no webhook secret", final=True)
    try:
        response = httpx.post(
            o.target,
            content=o.body.encode("utf-8"),
            headers=webhook_headers(o, o.secret),
            timeout=settings.webhook_timeout_seconds,
            follow_redirects=False,
        )
    except httpx.TimeoutException:
        return Outcome(o.id, f"no answer within {settings.webhook_timeout_seconds:g} s")
    except httpx.InvalidURL:
        return Outcome(o.id, "not a valid webhook URL", final=True)
    except httpx.HTTPError as exc:  # the URL may hold a token: never repeat it
        return Outcome(o.id, f"receiver unreachable ({type(exc).__name__})")
    if not 200 <= response.status_code < 300:
        return Outcome(o.id, f"receiver answered HTTP {response.status_code}")
    return Outcome(o.id)


# --------------------------------------------------------------------------- digests


def send_digests(db: Database, settings: Settings, now: datetime) -> int:
    """Once a UTC day, from ``digest_hour_utc``: queue each user's digest; return how many.

    Per user with digest notifications not yet digested: one e-mail listing those of
    watches that want e-mail (when the user has an address), and one webhook call per
    watch with a URL, listing that watch's. They go out as :class:`Delivery` rows, so
    retries apply. Everything is marked digested, so nothing is listed twice.
    """
    now = as_utc(now)
    if now.hour < settings.digest_hour_utc:
        return 0
    today = now.date()
    with db.session() as session:
        state = session.get(DispatcherState, 1)
        if state is None or state.last_digest_on == today:
            return 0
        notes = list(
            session.scalars(
                select(Notification)
                .where(
                    Notification.digest.is_(True),
                    Notification.digested_at.is_(None),
                    Notification.created_at <= now,
                )
                .order_by(Notification.user_id, Notification.id)
            )
        )
        queued = 0
        by_user: dict[int, list[Notification]] = defaultdict(list)
        for note in notes:
            by_user[note.user_id].append(note)
        watch_ids = {n.watch_id for n in notes if n.watch_id is not None}
        watches = (
            {w.id: w for w in session.scalars(select(Watch).where(Watch.id.in_(watch_ids)))}
            if watch_ids
            else {}
        )
        users = (
            {u.id: u for u in session.scalars(select(User).where(User.id.in_(list(by_user))))}
            if by_user
            else {}
        )
        for user_id, user_notes in by_user.items():
            queued += _queue_digest(session, users.get(user_id), user_notes, watches, now)
        for note in notes:
            note.digested_at = now
        state.last_digest_on = today
        state.updated_at = now
    return queued


def _queue_digest(
    session: Session,
    user: User | None,
    notes: list[Notification],
    watches: dict[int, Watch],
    now: datetime,
) -> int:
    if user is None or not user.is_active:
        return 0
    queued = 0
    by_watch: dict[int, list[Notification]] = defaultdict(list)
    for note in notes:
        if note.watch_id in watches:
            by_watch[note.watch_id].append(note)
    for_email = [n for wid, ns in by_watch.items() if watches[wid].email for n in ns]
    if user.email and for_email:
        for_email.sort(key=lambda n: n.id)
        session.add(
            Delivery(
                user_id=user.id,
                channel="email",
                target=user.email,
                subject=digest_subject(len(for_email), now),
                body=digest_text(for_email, now),
                next_attempt_at=now,
                created_at=now,
            )
        )
        queued += 1
    for watch_id, watch_notes in by_watch.items():
        watch = watches[watch_id]
        if watch.webhook_url:
            session.add(
                Delivery(
                    user_id=user.id,
                    channel="webhook",
                    target=watch.webhook_url,
                    subject=f"Caravan digest: {watch.label}"[:300],
                    body=digest_webhook_body(watch, watch_notes, now),
                    watch_id=watch.id,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
            queued += 1
    return queued


def digest_subject(count: int, now: datetime) -> str:
    return f"Caravan daily digest, {now:%Y-%m-%d}: {count} new alert{'s' if count != 1 else ''}"


def digest_text(notes: list[Notification], now: datetime) -> str:
    """The plain-text digest: one entry per notification, oldest first."""
    lines = [f"Caravan daily digest for {now:%Y-%m-%d} ({len(notes)} new)", ""]
    for number, note in enumerate(notes, 1):
        lines.append(f"{number}. {note.title}")
        if note.body:
            lines += [f"   {line}" for line in note.body.splitlines()]
        if note.link:
            lines.append(f"   Open in Caravan: {note.link}")
        lines.append("")
    return "\n".join(lines)


def digest_webhook_body(watch: Watch, notes: list[Notification], now: datetime) -> str:
    return json.dumps(
        {
            "event": "digest",
            "watch": watch.id,
            "date": now.date().isoformat(),
            "count": len(notes),
            "notifications": [
                {
                    "event": n.kind,
                    "title": n.title,
                    "body": n.body,
                    "link": n.link,
                    "payload": n.payload,
                    "created_at": as_utc(n.created_at).isoformat(),
                }
                for n in notes
            ],
        },
        ensure_ascii=False,
        sort_keys=True,
        default=str,
    )


# --------------------------------------------------------------------------- administrators


def list_deliveries(
    session: Session, principal: Principal, status: str | None = None, *, limit: int = 100
) -> list[Delivery]:
    """Deliveries in the administrator's scope, the most urgent first (due soonest)."""
    require(principal, "delivery.read")
    stmt = select(Delivery).where(delivery_visibility_clause(principal))
    if status is not None:
        if status not in STATUSES:
            raise InvalidData([FieldError("status", f"must be one of {', '.join(STATUSES)}")])
        stmt = stmt.where(Delivery.status == status)
    order = (
        (Delivery.sent_at.desc(), Delivery.id.desc())
        if status == "sent"
        else (Delivery.next_attempt_at, Delivery.id)
    )
    return list(session.scalars(stmt.order_by(*order).limit(limit)))


def delivery_counts(session: Session, principal: Principal) -> dict[str, int]:
    """``{"queued": n, "sent": n, "failed": n}`` in the administrator's scope."""
    require(principal, "delivery.read")
    counts = dict.fromkeys(STATUSES, 0)
    for status, count in session.execute(
        select(Delivery.status, func.count())
        .where(delivery_visibility_clause(principal))
        .group_by(Delivery.status)
    ):
        counts[status] = int(count)
    return counts


def retry_now(session: Session, principal: Principal, delivery_id: int) -> Delivery:
    """Make a queued or failed delivery due at once (a failed one gets one more try)."""
    require(principal, "delivery.read")
    delivery = session.scalar(
        select(Delivery).where(Delivery.id == delivery_id, delivery_visibility_clause(principal))
    )
    if delivery is None:
        raise NotFound("No such delivery")
    if delivery.status == "sent":
        raise Conflict("This delivery was already sent")
    before = {"status": delivery.status, "attempts": delivery.attempts}
    delivery.status = "queued"
    delivery.next_attempt_at = utcnow()
    session.flush()
    audit.append(
        session,
        "delivery.retry",
        principal=principal,
        object_kind="delivery",
        object_id=delivery.id,
        before=before,
        after={"status": "queued", "attempts": delivery.attempts},
        detail=delivery.channel,
    )
    return delivery


def channel_status(settings: Settings) -> dict[str, Any]:
    """How e-mail and webhooks are configured, for administrators (never the password)."""
    return {
        "smtp_configured": settings.smtp_host is not None,
        "smtp_host": settings.smtp_host,
        "smtp_port": settings.smtp_port,
        "smtp_starttls": settings.smtp_starttls,
        "smtp_login": bool(settings.smtp_username),
        "smtp_from": settings.smtp_from,
        "webhook_timeout_seconds": settings.webhook_timeout_seconds,
        "max_attempts": settings.delivery_max_attempts,
        "backoff_seconds": settings.delivery_backoff_seconds,
        "digest_hour_utc": settings.digest_hour_utc,
    }


__all__ = [
    "BATCH",
    "EMAIL_NOT_CONFIGURED",
    "channel_status",
    "delivery_counts",
    "email_message",
    "list_deliveries",
    "retry_now",
    "send_digests",
    "send_due",
    "sign",
    "verify_signature",
]
