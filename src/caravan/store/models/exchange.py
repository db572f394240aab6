"""Exchange: requests for information, releases, watches, notifications, operations.

Who may read which row is decided in :mod:`caravan.access` (``rfi_visibility_clause``,
``operation_visibility_clause``); the workflows live in :mod:`caravan.exchange`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from caravan.store.models.base import Base, utcnow
from caravan.store.models.people import Agency, User

# --------------------------------------------------------------------------- requests


class Rfi(Base):
    """A request for information from one agency to another.

    A request to several agencies is one row per recipient, sharing ``group_ref``: each
    recipient acknowledges, answers and is timed on its own. ``subjects`` names what the
    request is about as the asker knows it — ``{"kind": "person", "reference": "…"}`` from a
    hit notice — never a record id the asker could not see.
    """

    __tablename__ = "rfi"
    __table_args__ = (
        Index("ix_rfi_to_state", "to_agency_id", "state"),
        Index("ix_rfi_from_state", "from_agency_id", "state"),
        Index("ix_rfi_group", "group_ref"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    group_ref: Mapped[str] = mapped_column(String(40))
    from_agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    to_agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    #: ``urgent``, ``high`` or ``normal``: sets ``due_at`` when sent.
    priority: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(300))
    question: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(String(300))
    purpose: Mapped[str] = mapped_column(Text)
    subjects: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    #: ``draft``, ``sent``, ``acknowledged``, ``answered``, ``partly_answered``,
    #: ``refused`` or ``closed``.
    state: Mapped[str] = mapped_column(String(16), default="draft")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    answered_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    #: When the owner's supervisors were told it is overdue (once).
    escalated_at: Mapped[datetime | None]

    from_agency: Mapped[Agency] = relationship(foreign_keys=[from_agency_id], lazy="joined")
    to_agency: Mapped[Agency] = relationship(foreign_keys=[to_agency_id], lazy="joined")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id], lazy="joined")
    answers: Mapped[list[RfiAnswer]] = relationship(
        back_populates="rfi", order_by="RfiAnswer.id", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[RfiAttachment]] = relationship(
        back_populates="rfi", order_by="RfiAttachment.id", cascade="all, delete-orphan"
    )


class RfiAnswer(Base):
    """The owner's answer: a text, an outcome and the records it releases.

    An answer releasing H2/H3 content waits as ``pending`` until a supervisor of the owner
    agency other than its author approves it (``released``) or returns it (``returned``).
    """

    __tablename__ = "rfi_answer"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rfi_id: Mapped[int] = mapped_column(ForeignKey("rfi.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    #: ``answered``, ``partly_answered`` or ``refused``.
    outcome: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    #: ``pending`` (awaiting a supervisor), ``released`` or ``returned``.
    status: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)

    rfi: Mapped[Rfi] = relationship(back_populates="answers")
    author: Mapped[User | None] = relationship(foreign_keys=[author_id], lazy="joined")
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id], lazy="joined")
    releases: Mapped[list[Release]] = relationship(
        back_populates="answer", order_by="Release.id", cascade="all, delete-orphan"
    )


class Release(Base):
    """One record an answer releases to the asking agency, in full or as a sanitised copy.

    Releasing adds the asker as a recipient (:class:`RecordRecipient`) of the record — or
    of the sanitised copy (``copy_id``), a new record of the owner with free text removed.
    The record keeps its own handling code either way.
    """

    __tablename__ = "release"
    __table_args__ = (Index("ix_release_record", "record_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    answer_id: Mapped[int] = mapped_column(
        ForeignKey("rfi_answer.id", ondelete="CASCADE"), index=True
    )
    record_kind: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[uuid.UUID]
    #: ``full`` or ``sanitised``.
    mode: Mapped[str] = mapped_column(String(10))
    handling_code: Mapped[str] = mapped_column(String(2))
    copy_id: Mapped[uuid.UUID | None]
    released_at: Mapped[datetime | None]

    answer: Mapped[RfiAnswer] = relationship(back_populates="releases")


class RfiAttachment(Base):
    """A file attached to a request (by the asker) or to an answer (by the owner)."""

    __tablename__ = "rfi_attachment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rfi_id: Mapped[int] = mapped_column(ForeignKey("rfi.id", ondelete="CASCADE"), index=True)
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("rfi_answer.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    rfi: Mapped[Rfi] = relationship(back_populates="attachments")


# --------------------------------------------------------------------------- alerts


class Watch(Base):
    """A standing question: tell me when new data matches.

    ``kind`` is ``profile`` (a resolved profile: ``profile_id``), ``selector`` (a person,
    phone, plate, document or company, as a check takes it: ``selector_kind`` and
    ``criteria``) or ``query`` (seizure criteria: drug, country, least quantity).
    """

    __tablename__ = "watch"
    __table_args__ = (Index("ix_watch_user", "user_id", "active"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    kind: Mapped[str] = mapped_column(String(10))
    label: Mapped[str] = mapped_column(String(200))
    selector_kind: Mapped[str | None] = mapped_column(String(16))
    criteria: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    profile_id: Mapped[uuid.UUID | None]
    #: ``immediate`` or ``digest`` (e-mail and webhook once a day; the inbox at once).
    delivery: Mapped[str] = mapped_column(String(10), default="immediate")
    email: Mapped[bool] = mapped_column(Boolean, default=False)
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    #: The shared secret webhook bodies are signed with (HMAC-SHA256); shown to the owner.
    webhook_secret: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_match_at: Mapped[datetime | None]
    match_count: Mapped[int] = mapped_column(Integer, default=0)

    user: Mapped[User] = relationship(lazy="joined")


class WatchHit(Base):
    """A record that matched a watch: each record alerts a watch once."""

    __tablename__ = "watch_hit"
    __table_args__ = (Index("uq_watch_hit_once", "watch_id", "record_id", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    watch_id: Mapped[int] = mapped_column(ForeignKey("watch.id", ondelete="CASCADE"))
    record_kind: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[uuid.UUID]
    score: Mapped[float] = mapped_column(default=1.0)
    explanation: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(Base):
    """One message in a user's inbox. ``digest``: e-mail/webhook wait for the daily digest."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user", "user_id", "read_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    #: ``rfi.received``, ``rfi.answered``, ``release.approval``, ``rfi.overdue``,
    #: ``alert``, ``operation.*``…
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    #: Where the UI takes the reader (a path inside Caravan).
    link: Mapped[str | None] = mapped_column(String(300))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    watch_id: Mapped[int | None] = mapped_column(ForeignKey("watch.id", ondelete="SET NULL"))
    digest: Mapped[bool] = mapped_column(Boolean, default=False)
    #: When a digest took it (digest notifications only).
    digested_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


class Delivery(Base):
    """An e-mail or webhook call waiting to go, gone, or given up on.

    Sent by the dispatcher, never by the request that caused it; failures are retried
    with back-off until ``delivery_max_attempts`` and stay visible to administrators.
    """

    __tablename__ = "delivery"
    __table_args__ = (Index("ix_delivery_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    notification_id: Mapped[int | None] = mapped_column(
        ForeignKey("notification.id", ondelete="SET NULL")
    )
    #: ``email`` or ``webhook``.
    channel: Mapped[str] = mapped_column(String(8))
    #: The address or URL.
    target: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(300))
    #: The e-mail text, or the webhook's JSON body.
    body: Mapped[str] = mapped_column(Text)
    #: Webhooks: the watch whose secret signs the body.
    watch_id: Mapped[int | None] = mapped_column(ForeignKey("watch.id", ondelete="SET NULL"))
    #: ``queued``, ``sent`` or ``failed`` (given up after the last attempt).
    status: Mapped[str] = mapped_column(String(8), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class DispatcherState(Base):
    """What the dispatcher has done, shared by every process that may run it.

    ``feed_id``: change-feed rows up to here were matched against watches. ``lease_*``:
    which process dispatches now (one at a time, whatever the number of web workers).
    """

    __tablename__ = "dispatcher_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[int] = mapped_column(Integer, default=0)
    #: Resolution runs already looked at for profile watches.
    runs_seen: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None]
    last_digest_on: Mapped[dt.date | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


# --------------------------------------------------------------------------- operations


class Operation(Base):
    """A joint operation's closed workspace. Only its members see it."""

    __tablename__ = "operation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    #: ``open``, ``running``, ``closed`` or ``archived``.
    status: Mapped[str] = mapped_column(String(10), default="open")
    lead_agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    lead_agency: Mapped[Agency] = relationship(lazy="joined")


class OperationAgency(Base):
    __tablename__ = "operation_agency"

    operation_id: Mapped[int] = mapped_column(
        ForeignKey("operation.id", ondelete="CASCADE"), primary_key=True
    )
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), primary_key=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    agency: Mapped[Agency] = relationship(lazy="joined")


class OperationMember(Base):
    __tablename__ = "operation_member"
    __table_args__ = (Index("ix_operation_member_user", "user_id", "operation_id"),)

    operation_id: Mapped[int] = mapped_column(
        ForeignKey("operation.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True
    )
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")


class OperationEntry(Base):
    """One line of the operation's timeline: an event (with when it happened) or a message."""

    __tablename__ = "operation_entry"
    __table_args__ = (Index("ix_operation_entry_op", "operation_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id", ondelete="CASCADE"))
    #: ``event``, ``message`` or ``system`` (status changes, members, shared records).
    kind: Mapped[str] = mapped_column(String(8))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship(lazy="joined")


class OperationTask(Base):
    __tablename__ = "operation_task"
    __table_args__ = (Index("ix_operation_task_op", "operation_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    due_on: Mapped[dt.date | None]
    #: ``open`` or ``done``.
    status: Mapped[str] = mapped_column(String(8), default="open")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]

    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id], lazy="joined")


class OperationRecord(Base):
    """A record its owner shared into an operation (for every participating agency).

    Sharing H2/H3 records waits (``pending``) for a supervisor of the owner agency other
    than the one who shared it, as releases do.
    """

    __tablename__ = "operation_record"
    __table_args__ = (Index("uq_operation_record_once", "operation_id", "record_id", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id", ondelete="CASCADE"))
    record_kind: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[uuid.UUID]
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    handling_code: Mapped[str] = mapped_column(String(2))
    #: ``pending``, ``shared`` or ``refused``.
    status: Mapped[str] = mapped_column(String(8))
    shared_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    approved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
