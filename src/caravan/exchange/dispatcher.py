"""The dispatcher: the one background loop of exchange.

Each round (every ``dispatcher_interval_seconds``) it

1. matches new data against watches (:func:`caravan.exchange.alerts.match_new`), following
   the change feed from where it last stopped, so an alert reaches the inbox within a
   round or two of the commit that caused it;
2. sends due e-mails and webhook calls (:func:`caravan.exchange.deliveries.send_due`),
   outside any transaction, retrying failures with back-off;
3. escalates overdue requests (:func:`caravan.exchange.rfis.escalate_overdue`) and, once
   a day, sends the digests (:func:`caravan.exchange.deliveries.send_digests`).

Where it runs (``CARAVAN_DISPATCHER``): ``process`` (the default) — each web process starts
``caravan dispatcher`` as a child process (:class:`DispatcherProcess`), so matching new
data against thousands of watches never competes for Python's interpreter lock with the
requests and imports the web process serves; ``inline`` — a thread of the web process
(:meth:`Dispatcher.start`); ``off`` — run ``caravan dispatcher`` yourself. Any number may
run: a lease in :class:`DispatcherState` lets one of them work at a time, and a crashed
holder's lease runs out after :data:`LEASE_SECONDS`.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from caravan.config import Settings
from caravan.store import Database
from caravan.store.models import ChangeFeed, DispatcherState
from caravan.store.models.base import utcnow

log = logging.getLogger(__name__)

#: A holder that has not renewed its lease for this long is taken over.
LEASE_SECONDS = 30


@dataclass
class Round:
    """What one round did."""

    leased: bool = False
    alerts: int = 0
    sent: int = 0
    escalated: int = 0
    digests: int = 0
    errors: list[str] = field(default_factory=list)


def state(db: Database) -> None:
    """Create the dispatcher's single state row if it is missing."""
    with db.session() as session:
        if session.get(DispatcherState, 1) is None:
            try:
                with session.begin_nested():
                    session.add(DispatcherState(id=1, feed_id=_feed_start(session)))
            except IntegrityError:
                pass  # another process made it first


def _feed_start(session: Session) -> int:
    """A new installation's dispatcher starts at the current end of the change feed:
    watches are about data that arrives after them."""
    return int(session.scalar(select(func.max(ChangeFeed.id))) or 0)


class Dispatcher:
    """Runs rounds in a daemon thread (:meth:`start`) or one at a time (:meth:`run_once`)."""

    def __init__(self, db: Database, settings: Settings, name: str | None = None) -> None:
        self.db = db
        self.settings = settings
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.rounds = 0

    # ------------------------------------------------------------------ the lease

    def _lease(self, now: datetime) -> bool:
        with self.db.session() as session:
            taken = session.execute(
                update(DispatcherState)
                .where(
                    DispatcherState.id == 1,
                    or_(
                        DispatcherState.lease_owner.is_(None),
                        DispatcherState.lease_owner == self.name,
                        DispatcherState.lease_until < now,
                    ),
                )
                .values(
                    lease_owner=self.name,
                    lease_until=now + timedelta(seconds=LEASE_SECONDS),
                    updated_at=now,
                )
            )
            return bool(taken.rowcount)  # type: ignore[attr-defined]

    def release(self) -> None:
        with self.db.session() as session:
            session.execute(
                update(DispatcherState)
                .where(DispatcherState.id == 1, DispatcherState.lease_owner == self.name)
                .values(lease_owner=None, lease_until=None)
            )

    # ------------------------------------------------------------------ a round

    def run_once(self, now: datetime | None = None) -> Round:
        """One round; every step runs even when an earlier one failed (and says why)."""
        from caravan.exchange import alerts, deliveries, rfis

        now = now or utcnow()
        done = Round()
        state(self.db)
        if not self._lease(now):
            return done
        done.leased = True
        steps = (
            ("alerts", lambda: alerts.match_new(self.db)),
            ("sent", lambda: deliveries.send_due(self.db, self.settings, now)),
            ("escalated", lambda: rfis.escalate_overdue(self.db, self.settings, now)),
            ("digests", lambda: deliveries.send_digests(self.db, self.settings, now)),
        )
        for name, step in steps:
            try:
                setattr(done, name, step())
            except Exception as exc:  # one failing step must not stop the others
                log.exception("dispatcher step %s failed", name)
                done.errors.append(f"{name}: {exc}")
        self.rounds += 1
        return done

    # ------------------------------------------------------------------ the thread

    def start(self) -> threading.Thread:
        def loop() -> None:
            while not self._stop.is_set():
                try:
                    self.run_once()
                except Exception:  # the database may be away for a moment
                    log.exception("dispatcher round failed")
                self._stop.wait(self.settings.dispatcher_interval_seconds)
            try:
                self.release()
            except Exception:
                log.exception("releasing the dispatcher lease failed")

        self._thread = threading.Thread(target=loop, name="exchange-dispatcher", daemon=True)
        self._thread.start()
        return self._thread

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)


class DispatcherProcess:
    """``caravan dispatcher`` as a child process of the web process (``dispatcher =
    process``). It stops with the web process, and on its own if the web process dies."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> subprocess.Popen[bytes]:
        env = {**os.environ, "CARAVAN_DATABASE_URL": self.settings.database_url}
        self.process = subprocess.Popen(  # noqa: S603 - our own command, no shell
            [sys.executable, "-m", "caravan.cli", "dispatcher", "--parent", str(os.getpid())],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
        )
        return self.process

    def stop(self, timeout: float = 10) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)


__all__ = ["LEASE_SECONDS", "Dispatcher", "DispatcherProcess", "Round", "state"]
