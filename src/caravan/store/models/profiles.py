"""Entity resolution: runs, profiles, the pairs behind them and analysts' decisions.

A *profile* is one real person as Caravan believes it to be: the person records of
every agency that resolution put together. Every person record belongs to exactly one
profile (a record nothing matched has a profile of its own), so an export can say for
each record which profile it is in.

Profiles hold no personal data of their own: names, birth dates and documents are
read from the member records, through ``caravan.access``, so a user sees a profile
only through the records they may see.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from caravan.store.models.base import Base, utcnow


class ResolutionRun(Base):
    """One run of resolution (full or incremental), its progress and its figures."""

    __tablename__ = "resolution_run"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    #: ``full`` or ``incremental``.
    mode: Mapped[str] = mapped_column(String(12))
    #: ``duckdb`` or ``spark``.
    engine: Mapped[str] = mapped_column(String(12))
    #: ``queued``, ``running``, ``done``, ``error`` or ``interrupted``.
    status: Mapped[str] = mapped_column(String(16), default="queued")
    #: The step now running (``read``, ``features``, ``train``, ``score``, ``cluster``,
    #: ``write``) and how far it is, for the progress bar and the job page.
    step: Mapped[str | None] = mapped_column(String(16))
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    records: Mapped[int] = mapped_column(Integer, default=0)
    pairs: Mapped[int] = mapped_column(Integer, default=0)
    auto_links: Mapped[int] = mapped_column(Integer, default=0)
    review: Mapped[int] = mapped_column(Integer, default=0)
    profiles: Mapped[int] = mapped_column(Integer, default=0)
    #: The last change-feed row this run covered: the next incremental run starts after it.
    feed_max: Mapped[int] = mapped_column(Integer, default=0)
    #: The trained model (Splink's JSON), thresholds and figures of the run.
    model: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    message: Mapped[str | None] = mapped_column(String(500))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class Profile(Base):
    """One real person: the person records resolution put together."""

    __tablename__ = "profile"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    size: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    run_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("resolution_run.id", ondelete="SET NULL")
    )


class ProfileMember(Base):
    """A person record's place in a profile, and how it got there."""

    __tablename__ = "profile_member"
    __table_args__ = (Index("ix_profile_member_profile", "profile_id", "person_id"),)

    person_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    profile_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("profile.id", ondelete="CASCADE"))
    #: ``single`` (nothing matched), ``auto`` (linked above the auto-link threshold),
    #: ``confirmed`` (an analyst confirmed a link) or ``moved`` (an analyst put it here).
    how: Mapped[str] = mapped_column(String(12), default="single")
    #: The strongest link that put the record here (match probability), if any.
    score: Mapped[float | None]
    run_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("resolution_run.id", ondelete="SET NULL")
    )


class ResolutionPair(Base):
    """A scored pair of person records: an auto-link or a pair waiting for review.

    ``detail`` keeps what the review page shows: the prior and each comparison's level
    and match weight (the waterfall), so an explanation never needs the model again.
    Pairs below the review threshold are not kept.
    """

    __tablename__ = "resolution_pair"
    __table_args__ = (
        Index("uq_resolution_pair", "left_id", "right_id", unique=True),
        Index("ix_resolution_pair_queue", "band", "status", "probability"),
        Index("ix_resolution_pair_right", "right_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The two records, the smaller id on the left.
    left_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    right_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    match_weight: Mapped[float]
    probability: Mapped[float]
    #: ``auto`` or ``review``.
    band: Mapped[str] = mapped_column(String(8))
    #: Why a pair above the auto-link threshold still waits for review
    #: (``conflicting_identifiers``, ``no_usable_name``), empty when none.
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: ``pending``, ``confirmed`` or ``rejected`` (review pairs); ``linked`` (auto pairs).
    status: Mapped[str] = mapped_column(String(12), default="pending")
    run_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("resolution_run.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ResolutionDecision(Base):
    """An analyst's decision: two records are (``must``) or are not (``cannot``) one person.

    Every later run obeys these: must-linked records always share a profile and
    cannot-linked records never do. Confirming a pair, rejecting it, splitting a profile
    and moving a record out of one all come down to rows here.
    """

    __tablename__ = "resolution_decision"
    __table_args__ = (
        Index("ix_resolution_decision_pair", "left_id", "right_id"),
        Index("ix_resolution_decision_right", "right_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    left_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    right_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    #: ``must`` or ``cannot``.
    kind: Mapped[str] = mapped_column(String(8))
    #: ``confirm``, ``reject``, ``split`` or ``move``.
    action: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
