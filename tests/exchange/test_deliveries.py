"""E-mail against a real SMTP server process, webhooks against a real HTTP receiver, digests,
retries with back-off, and what administrators may do about failures."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from deliveries_support import (
    Receiver,
    SmtpServer,
    free_port,
    give_email,
    make_watch,
)
from sqlalchemy import select

from caravan.config import Settings
from caravan.errors import Conflict, InvalidData, NotFound, PermissionDenied
from caravan.exchange import deliveries
from caravan.exchange.deliveries import (
    EMAIL_NOT_CONFIGURED,
    retry_now,
    send_digests,
    send_due,
    sign,
    verify_signature,
)
from caravan.exchange.dispatcher import state
from caravan.exchange.notify import notify
from caravan.store.models import AuditEvent, Delivery, Notification, User
from caravan.store.models.base import as_utc, utcnow

TITLE = "Новое совпадение: Асанов Бакыт"
BODY = "Телефон +996 555 123 456 встретился в изъятии героина (12,5 кг), Ош."


def configured(settings: Settings, **changes: Any) -> Settings:
    return settings.model_copy(update=changes)


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    server = SmtpServer(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()


def deliveries_of(db: Any) -> list[Delivery]:
    with db.session() as session:
        return list(session.scalars(select(Delivery).order_by(Delivery.id)))


def user(world: Any, name: str) -> User:
    found: User = world.users[name]
    return found


def notify_user(db: Any, user_id: int, **kwargs: Any) -> None:
    with db.session() as session:
        notify(session, [user_id], kwargs.pop("kind", "rfi.received"), TITLE, body=BODY, **kwargs)


# --------------------------------------------------------------------------- e-mail


def test_an_email_reaches_a_real_smtp_server_in_utf8(
    world: Any, settings: Settings, smtp: SmtpServer
) -> None:
    officer = user(world, "kg-mvd.officer")
    give_email(world.db, officer.id, "officer@kg-mvd.example")
    notify_user(world.db, officer.id, link="/rfis/7")
    settings = configured(settings, smtp_host="127.0.0.1", smtp_port=smtp.port)
    settings = configured(settings, smtp_from="caravan@caricc.example")

    assert send_due(world.db, settings, utcnow()) == 1

    [message] = smtp.messages()
    assert message["From"] == "caravan@caricc.example"
    assert message["To"] == "officer@kg-mvd.example"
    assert message["X-MailFrom"] == "caravan@caricc.example"
    assert message["X-RcptTo"] == "officer@kg-mvd.example"
    assert message["Subject"] == TITLE
    assert message["Message-ID"].endswith("@caricc.example>")
    assert message["Date"]
    text = message.get_content()
    assert BODY in text and "/rfis/7" in text
    assert message.get_content_charset() == "utf-8"
    [delivery] = deliveries_of(world.db)
    assert delivery.status == "sent" and delivery.sent_at is not None
    assert delivery.last_error is None
    # Sent once: the next round has nothing to do.
    assert send_due(world.db, settings, utcnow() + timedelta(hours=1)) == 0
    assert len(smtp.messages()) == 1


def test_smtp_down_keeps_the_email_queued_and_retries_with_back_off(
    world: Any, settings: Settings, tmp_path: Path
) -> None:
    officer = user(world, "kz-mvd.officer")
    give_email(world.db, officer.id, "officer@kz-mvd.example")
    notify_user(world.db, officer.id)
    port = free_port()  # nothing listens there yet
    settings = configured(
        settings, smtp_host="127.0.0.1", smtp_port=port, delivery_backoff_seconds=30
    )
    first = utcnow()

    assert send_due(world.db, settings, first) == 0
    [delivery] = deliveries_of(world.db)
    assert delivery.status == "queued" and delivery.attempts == 1
    assert delivery.last_error == "SMTP server refused the connection"
    assert as_utc(delivery.next_attempt_at) == first + timedelta(seconds=30)

    # Not due yet: not tried.
    assert send_due(world.db, settings, first + timedelta(seconds=29)) == 0
    assert deliveries_of(world.db)[0].attempts == 1
    # Due: tried again, and the next wait is four times longer.
    second = first + timedelta(seconds=30)
    assert send_due(world.db, settings, second) == 0
    [delivery] = deliveries_of(world.db)
    assert delivery.attempts == 2 and delivery.status == "queued"
    assert as_utc(delivery.next_attempt_at) == second + timedelta(seconds=120)

    # The server comes up; at the next due time the e-mail goes.
    server = SmtpServer(tmp_path, port).start()
    try:
        assert send_due(world.db, settings, second + timedelta(seconds=119)) == 0
        assert server.messages() == []
        assert send_due(world.db, settings, second + timedelta(seconds=120)) == 1
        [message] = server.messages()
        assert message["Subject"] == TITLE
    finally:
        server.stop()
    [delivery] = deliveries_of(world.db)
    assert delivery.status == "sent" and delivery.attempts == 3


def test_after_the_last_attempt_a_delivery_is_failed_and_left_alone(
    world: Any, settings: Settings
) -> None:
    officer = user(world, "kz-mvd.officer")
    give_email(world.db, officer.id, "officer@kz-mvd.example")
    notify_user(world.db, officer.id)
    settings = configured(
        settings,
        smtp_host="127.0.0.1",
        smtp_port=free_port(),
        delivery_max_attempts=3,
        delivery_backoff_seconds=1,
    )
    now = utcnow()
    for _ in range(3):
        send_due(world.db, settings, now)
        now += timedelta(days=1)
    [delivery] = deliveries_of(world.db)
    assert delivery.status == "failed" and delivery.attempts == 3
    assert delivery.last_error
    send_due(world.db, settings, now + timedelta(days=30))
    assert deliveries_of(world.db)[0].attempts == 3


def test_without_an_smtp_host_emails_wait_and_webhooks_still_go(
    world: Any, settings: Settings, receiver: Receiver
) -> None:
    analyst = user(world, "kz-mvd.analyst")
    give_email(world.db, analyst.id, "analyst@kz-mvd.example")
    watch = make_watch(world.db, analyst, webhook_url=receiver.url + "/ok", email=True)
    with world.db.session() as session:
        notify(session, [analyst.id], "alert", TITLE, body=BODY, watch=watch)
    assert settings.smtp_host is None

    assert send_due(world.db, settings, utcnow()) == 1
    email, hook = deliveries_of(world.db)
    assert (email.channel, hook.channel) == ("email", "webhook")
    assert email.status == "queued" and email.attempts == 0
    assert email.last_error == EMAIL_NOT_CONFIGURED
    assert hook.status == "sent"
    assert len(receiver.to("/ok")) == 1


def test_an_unknown_smtp_host_is_a_failed_attempt_with_a_short_reason(
    world: Any, settings: Settings
) -> None:
    officer = user(world, "kz-mvd.officer")
    give_email(world.db, officer.id, "officer@kz-mvd.example")
    notify_user(world.db, officer.id)
    settings = configured(
        settings,
        smtp_host="smtp.invalid",
        smtp_username="caravan",
        smtp_password="hunter2-very-secret",
    )
    send_due(world.db, settings, utcnow())
    [delivery] = deliveries_of(world.db)
    assert delivery.attempts == 1 and delivery.status == "queued"
    assert delivery.last_error and delivery.last_error.startswith("SMTP server unreachable")
    assert "hunter2" not in delivery.last_error


# --------------------------------------------------------------------------- webhooks


def test_a_webhook_is_signed_with_the_watch_secret(
    world: Any, settings: Settings, receiver: Receiver
) -> None:
    analyst = user(world, "kg-mvd.analyst")
    watch = make_watch(world.db, analyst, webhook_url=receiver.url + "/ok", secret="s3cret-kg")
    with world.db.session() as session:
        notify(session, [analyst.id], "alert", TITLE, body=BODY, watch=watch, link="/watches/1")

    assert send_due(world.db, settings, utcnow()) == 1

    [call] = receiver.to("/ok")
    [delivery] = deliveries_of(world.db)
    stamp = call.headers["X-Caravan-Timestamp"]
    signature = call.headers["X-Caravan-Signature"]
    assert call.headers["X-Caravan-Event"] == "alert"
    assert call.headers["X-Caravan-Delivery"] == str(delivery.id)
    assert call.headers["Content-Type"].startswith("application/json")
    assert signature.startswith("sha256=")
    assert verify_signature("s3cret-kg", stamp, call.body, signature)
    # Another secret, another body or another timestamp does not verify.
    assert not verify_signature("s3cret-kz", stamp, call.body, signature)
    assert not verify_signature("s3cret-kg", stamp, call.body + b" ", signature)
    assert not verify_signature("s3cret-kg", str(int(stamp) + 1), call.body, signature)
    payload = json.loads(call.body.decode("utf-8"))
    assert payload["title"] == TITLE and payload["body"] == BODY
    assert payload["event"] == "alert" and payload["watch"] == watch.id
    assert delivery.status == "sent"


def test_verify_signature_refuses_stale_missing_and_malformed_headers() -> None:
    body = '{"event": "alert", "title": "Совпадение"}'
    stamp = "1767225600"
    good = sign("secret", stamp, body)
    assert verify_signature("secret", stamp, body, good, now=1767225600 + 299)
    assert verify_signature("secret", stamp, body.encode(), good, now=1767225600)
    assert not verify_signature("secret", stamp, body, good, now=1767225600 + 301)
    assert not verify_signature("secret", stamp, body, good, now=1767225600 - 301)
    assert verify_signature("secret", stamp, body, good, max_age_seconds=None)
    assert not verify_signature("secret", stamp, body, None, max_age_seconds=None)
    assert not verify_signature("secret", stamp, body, "", max_age_seconds=None)
    assert not verify_signature("secret", "yesterday", body, good, max_age_seconds=None)
    assert not verify_signature("secret", stamp, body, good[7:], max_age_seconds=None)
    assert not verify_signature("secret", stamp, body, "sha256=Ж", max_age_seconds=None)
    assert not verify_signature("", stamp, body, good, max_age_seconds=None)


def test_slow_and_failing_receivers_are_retried_without_holding_up_the_rest(
    world: Any, settings: Settings, receiver: Receiver
) -> None:
    analyst = user(world, "kz-mvd.analyst")
    settings = configured(settings, webhook_timeout_seconds=0.3, delivery_backoff_seconds=60)
    # The slow and the failing receiver come first in the batch.
    for path in ("/slow", "/fail", "/ok"):
        watch = make_watch(world.db, analyst, label=path, webhook_url=receiver.url + path)
        with world.db.session() as session:
            notify(session, [analyst.id], "alert", f"{TITLE} {path}", watch=watch)
    now = utcnow()

    assert send_due(world.db, settings, now) == 1

    slow, failing, ok = deliveries_of(world.db)
    assert ok.status == "sent"
    assert slow.status == failing.status == "queued"
    assert slow.attempts == failing.attempts == 1
    assert slow.last_error == "no answer within 0.3 s"
    assert failing.last_error == "receiver answered HTTP 500"
    assert as_utc(slow.next_attempt_at) == as_utc(failing.next_attempt_at)
    assert as_utc(slow.next_attempt_at) == now + timedelta(seconds=60)
    assert all(receiver.url not in (d.last_error or "") for d in (slow, failing))

    # Not due yet: nobody is called again; when due, both are tried once more.
    assert send_due(world.db, settings, now + timedelta(seconds=59)) == 0
    assert len(receiver.to("/fail")) == 1
    send_due(world.db, settings, now + timedelta(seconds=60))
    assert len(receiver.to("/fail")) == 2 and len(receiver.to("/slow")) == 2
    slow, failing, ok = deliveries_of(world.db)
    assert slow.attempts == failing.attempts == 2
    assert as_utc(failing.next_attempt_at) == now + timedelta(seconds=60 + 240)
    assert len(receiver.to("/ok")) == 1


def test_a_webhook_to_a_closed_port_or_of_a_deleted_watch(
    world: Any, settings: Settings, receiver: Receiver
) -> None:
    analyst = user(world, "kz-mvd.analyst")
    closed = make_watch(world.db, analyst, webhook_url=f"http://127.0.0.1:{free_port()}/hook")
    gone = make_watch(world.db, analyst, webhook_url=receiver.url + "/ok")
    with world.db.session() as session:
        notify(session, [analyst.id], "alert", TITLE, watch=closed)
        notify(session, [analyst.id], "alert", TITLE, watch=gone)
    with world.db.session() as session:
        session.delete(session.get(type(gone), gone.id))

    send_due(world.db, settings, utcnow())

    unreachable, orphan = deliveries_of(world.db)
    assert unreachable.status == "queued" and unreachable.attempts == 1
    assert unreachable.last_error == "receiver unreachable (ConnectError)"
    assert orphan.status == "failed" and orphan.last_error == "the watch was deleted"
    assert receiver.requests == []


def test_notify_only_queues_and_touches_no_network(
    world: Any, settings: Settings, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a user's request does when it causes a notification: rows, no I/O."""
    analyst = user(world, "kz-mvd.analyst")
    give_email(world.db, analyst.id, "analyst@kz-mvd.example")
    watch = make_watch(world.db, analyst, webhook_url=receiver.url + "/ok", email=True)
    calls: list[Any] = []

    def no_network(self: socket.socket, address: Any) -> None:
        calls.append(address)
        raise AssertionError(f"notify() opened a connection to {address}")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket.socket, "connect_ex", no_network)
    with world.db.session() as session:
        notify(session, [analyst.id], "alert", TITLE, body=BODY, watch=watch)
    monkeypatch.undo()

    assert calls == []
    assert receiver.requests == []
    rows = deliveries_of(world.db)
    assert [(d.channel, d.status, d.attempts) for d in rows] == [
        ("email", "queued", 0),
        ("webhook", "queued", 0),
    ]


# --------------------------------------------------------------------------- digests


def at_hour(day: datetime, hour: int) -> datetime:
    return day.replace(hour=hour, minute=5, second=0, microsecond=0)


def test_a_digest_watch_is_mailed_once_a_day_at_the_digest_hour(
    world: Any, settings: Settings, smtp: SmtpServer, receiver: Receiver
) -> None:
    state(world.db)
    analyst = user(world, "kz-mvd.analyst")
    give_email(world.db, analyst.id, "analyst@kz-mvd.example")
    settings = configured(settings, smtp_host="127.0.0.1", smtp_port=smtp.port, digest_hour_utc=6)
    watch = make_watch(
        world.db,
        analyst,
        delivery="digest",
        email=True,
        webhook_url=receiver.url + "/ok",
        secret="digest-secret",
    )
    with world.db.session() as session:
        notify(session, [analyst.id], "alert", "Совпадение 1", body="Первое", watch=watch)
        notify(session, [analyst.id], "alert", "Совпадение 2", body="Второе", watch=watch)
    # Filed in the inbox at once, e-mailed later.
    assert deliveries_of(world.db) == []
    tomorrow = utcnow() + timedelta(days=1)

    assert send_digests(world.db, settings, at_hour(tomorrow, 5)) == 0
    assert deliveries_of(world.db) == []
    assert send_digests(world.db, settings, at_hour(tomorrow, 6)) == 2
    assert send_digests(world.db, settings, at_hour(tomorrow, 23)) == 0  # not twice a day
    assert send_due(world.db, settings, at_hour(tomorrow, 6)) == 2

    [message] = smtp.messages()
    assert message["To"] == "analyst@kz-mvd.example"
    assert "digest" in message["Subject"] and "2 new alerts" in message["Subject"]
    text = message.get_content()
    assert "Совпадение 1" in text and "Второе" in text
    [call] = receiver.to("/ok")
    assert call.headers["X-Caravan-Event"] == "digest"
    assert verify_signature(
        "digest-secret",
        call.headers["X-Caravan-Timestamp"],
        call.body,
        call.headers["X-Caravan-Signature"],
    )
    payload = json.loads(call.body)
    assert payload["count"] == 2 and payload["watch"] == watch.id
    assert [n["title"] for n in payload["notifications"]] == ["Совпадение 1", "Совпадение 2"]
    with world.db.session() as session:
        notes = list(session.scalars(select(Notification)))
    assert all(n.digested_at is not None and n.read_at is None for n in notes)

    # Another alert later that day waits for the next day's digest, alone.
    with world.db.session() as session:
        notify(session, [analyst.id], "alert", "Совпадение 3", watch=watch)
    assert send_digests(world.db, settings, at_hour(tomorrow, 22)) == 0
    day_after = tomorrow + timedelta(days=1)
    assert send_digests(world.db, settings, at_hour(day_after, 7)) == 2
    send_due(world.db, settings, at_hour(day_after, 7))
    first, second = smtp.messages()
    assert {"Совпадение 1", "Совпадение 3"} & {first["Subject"], second["Subject"]} == set()
    latest = second if "Совпадение 3" in second.get_content() else first
    assert "Совпадение 3" in latest.get_content()
    assert "Совпадение 1" not in latest.get_content()


def test_a_digest_without_email_wish_or_address_sends_no_email(
    world: Any, settings: Settings
) -> None:
    state(world.db)
    analyst = user(world, "kz-mvd.analyst")  # no e-mail address
    supervisor = user(world, "kz-mvd.supervisor")
    give_email(world.db, supervisor.id, "supervisor@kz-mvd.example")
    quiet = make_watch(world.db, supervisor, delivery="digest", email=False)
    no_address = make_watch(world.db, analyst, delivery="digest", email=True)
    with world.db.session() as session:
        notify(session, [supervisor.id], "alert", TITLE, watch=quiet)
        notify(session, [analyst.id], "alert", TITLE, watch=no_address)
    noon = at_hour(utcnow() + timedelta(days=1), 12)
    assert send_digests(world.db, settings, noon) == 0
    assert deliveries_of(world.db) == []
    with world.db.session() as session:
        assert all(n.digested_at for n in session.scalars(select(Notification)))


# --------------------------------------------------------------------------- administrators


def failed_delivery(world: Any, settings: Settings, username: str) -> int:
    someone = user(world, username)
    give_email(world.db, someone.id, f"{username}@example.org")
    notify_user(world.db, someone.id)
    settings = configured(
        settings, smtp_host="127.0.0.1", smtp_port=free_port(), delivery_max_attempts=1
    )
    send_due(world.db, settings, utcnow())
    [delivery] = [d for d in deliveries_of(world.db) if d.user_id == someone.id]
    assert delivery.status == "failed"
    return delivery.id


def test_administrators_list_and_retry_deliveries_of_their_agency(
    world: Any, settings: Settings
) -> None:
    delivery_id = failed_delivery(world, settings, "kz-mvd.officer")
    kz_admin = world.principal("kz-mvd.administrator")
    with world.db.session() as session:
        for name in ("kz-mvd.officer", "kz-mvd.supervisor", "kz-mvd.analyst"):
            with pytest.raises(PermissionDenied):
                deliveries.list_deliveries(session, world.principal(name))
            with pytest.raises(PermissionDenied):
                retry_now(session, world.principal(name), delivery_id)
        # Another agency's administrator does not see it; the centre's does.
        kg_admin = world.principal("kg-mvd.administrator")
        assert deliveries.list_deliveries(session, kg_admin) == []
        assert deliveries.delivery_counts(session, kg_admin)["failed"] == 0
        with pytest.raises(NotFound):
            retry_now(session, kg_admin, delivery_id)
        centre = world.principal("caricc.administrator")
        assert [d.id for d in deliveries.list_deliveries(session, centre, "failed")] == [
            delivery_id
        ]
        assert deliveries.delivery_counts(session, kz_admin) == {
            "queued": 0,
            "sent": 0,
            "failed": 1,
        }
        with pytest.raises(InvalidData) as bad:
            deliveries.list_deliveries(session, kz_admin, "lost")
        assert bad.value.errors[0].field == "status"
        with pytest.raises(NotFound):
            retry_now(session, kz_admin, delivery_id + 1000)

    with world.db.session() as session:
        retried = retry_now(session, kz_admin, delivery_id)
        assert retried.status == "queued"
    with world.db.session() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "delivery.retry")
        ).one()
        assert event.actor == "kz-mvd.administrator"
        assert event.object_id == str(delivery_id)
        assert event.before == {"status": "failed", "attempts": 1}
        delivery = session.get(Delivery, delivery_id)
        assert delivery is not None and delivery.status == "queued"


def test_a_sent_delivery_cannot_be_retried(
    world: Any, settings: Settings, receiver: Receiver
) -> None:
    analyst = user(world, "kz-mvd.analyst")
    watch = make_watch(world.db, analyst, webhook_url=receiver.url + "/ok")
    with world.db.session() as session:
        notify(session, [analyst.id], "alert", TITLE, watch=watch)
    send_due(world.db, settings, utcnow())
    [delivery] = deliveries_of(world.db)
    with world.db.session() as session, pytest.raises(Conflict):
        retry_now(session, world.principal("kz-mvd.administrator"), delivery.id)


def test_channel_status_never_shows_the_password(settings: Settings) -> None:
    status = deliveries.channel_status(
        configured(settings, smtp_host="mail.example", smtp_username="u", smtp_password="pw-x")
    )
    assert status["smtp_configured"] and status["smtp_login"]
    assert "pw-x" not in json.dumps(status, default=str)


def test_the_dispatchers_round_sends_what_is_due(
    world: Any, settings: Settings, receiver: Receiver
) -> None:
    from caravan.exchange.dispatcher import Dispatcher

    analyst = user(world, "kz-mvd.analyst")
    watch = make_watch(world.db, analyst, webhook_url=receiver.url + "/ok")
    with world.db.session() as session:
        notify(session, [analyst.id], "alert", TITLE, watch=watch)
    done = Dispatcher(world.db, settings).run_once()
    assert done.leased and done.sent == 1
    assert not [e for e in done.errors if e.startswith(("sent", "digests"))]
    assert len(receiver.to("/ok")) == 1


def test_links_in_emails_are_whole_when_the_public_url_is_set(settings: Settings) -> None:
    from caravan.exchange.deliveries import absolute_links

    text = "RFI-2026-000001 answered\n\nOpen in Caravan: /rfis/7\n"
    assert absolute_links(settings, text) == text
    public = settings.model_copy(update={"public_url": "https://caravan.caricc.example/"})
    assert absolute_links(public, text).endswith(
        "Open in Caravan: https://caravan.caricc.example/rfis/7\n"
    )
