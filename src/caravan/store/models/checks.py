"""Hit/no-hit checks: the change feed the check index follows, owners' hit inbox, batch jobs."""

from __future__ import annotations

import datetime as dt
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caravan.store.models.base import Base, utcnow
from caravan.store.models.people import Agency, User


class ChangeFeed(Base):
    """One write of records of ``kind`` (a bulk write call, a form save, a delete).

    The in-memory check index reads the rows it has not seen and re-reads exactly the
    records they name: new records as the id range ``inserted_from``–``inserted_to``
    (ids are time-ordered, see ``caravan.store.bulk.new_id``), changed and deleted ones
    by id. A writer adds its row in its own transaction, so the index sees the change
    when — and only when — it is committed.
    """

    __tablename__ = "change_feed"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    inserted_from: Mapped[str | None] = mapped_column(String(32))
    inserted_to: Mapped[str | None] = mapped_column(String(32))
    updated: Mapped[list[str]] = mapped_column(JSON, default=list)
    deleted: Mapped[list[str]] = mapped_column(JSON, default=list)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class HitNotification(Base):
    """A check from another agency hit one of the owner's restricted records.

    One row per asking user, record and day: repeated checks raise ``count``. What
    matched is described from the *query's* side, so the row can be shown to the owner
    without revealing anything the asker does not already know.
    """

    __tablename__ = "hit_notification"
    __table_args__ = (
        Index("uq_hit_notification_once", "asker_user_id", "record_id", "day", unique=True),
        Index("ix_hit_notification_owner", "owner_agency_id", "last_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    record_kind: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[uuid.UUID]
    reference: Mapped[str] = mapped_column(String(100))
    handling_code: Mapped[str] = mapped_column(String(2))
    asker_agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    asker_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    day: Mapped[dt.date]
    first_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_at: Mapped[datetime] = mapped_column(default=utcnow)
    count: Mapped[int] = mapped_column(Integer, default=1)
    #: The selector kind and what matched, from the query's side
    #: (e.g. ``person: surname Rakhimov (transliteration); birth date: day``).
    matched: Mapped[str] = mapped_column(Text)
    band: Mapped[str] = mapped_column(String(10))
    score: Mapped[float]
    read_at: Mapped[datetime | None]

    asker_agency: Mapped[Agency] = relationship(foreign_keys=[asker_agency_id], lazy="joined")
    asker_user: Mapped[User] = relationship(foreign_keys=[asker_user_id], lazy="joined")


class CheckJob(Base):
    """A batch of checks run in the background; results are kept as rows of ``results``."""

    __tablename__ = "check_job"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    filename: Mapped[str] = mapped_column(String(300))
    #: ``queued``, ``running``, ``failed`` (bad rows: nothing was checked), ``error`` or ``done``.
    status: Mapped[str] = mapped_column(String(16), default="queued")
    queries: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    hits: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str | None] = mapped_column(String(500))
    errors: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class CheckResult(Base):
    """One hit of one query of a batch (the rows of the results CSV)."""

    __tablename__ = "check_result"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("check_job.id", ondelete="CASCADE"), index=True
    )
    query_id: Mapped[str] = mapped_column(String(100))
    rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[float]
    band: Mapped[str] = mapped_column(String(10))
    agency: Mapped[str] = mapped_column(String(32))
    #: The owner's reference (``source_id`` or Caravan's short id).
    source_id: Mapped[str] = mapped_column(String(100))
    visible: Mapped[bool]
    #: Only for records the asker may see; ``None`` for hit notices.
    record_id: Mapped[str | None] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(16))
    explanation: Mapped[str] = mapped_column(Text)
