"""Saved, named link charts.

A chart keeps only *structure*: node ids (``"person:<uuid>"``, ``"profile:<uuid>"``…),
where they sit, the filters, the layout and the colour/size choices. It never keeps a
name, a date or anything else read from a record: when a chart is opened again, its
nodes are read afresh through ``caravan.access``, so it never shows what its reader may
no longer see. ``state`` is validated by :mod:`caravan.analyze.network.charts`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caravan.store.models.base import Base, utcnow
from caravan.store.models.people import Agency, User


class Chart(Base):
    """One user's named chart; ``shared`` lets colleagues of the same agency open it."""

    __tablename__ = "chart"
    __table_args__ = (
        Index("uq_chart_owner_name", "owner_id", "name", unique=True),
        Index("ix_chart_agency_shared", "agency_id", "shared"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(120))
    owner_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    #: The owner's agency when the chart was last saved: whose colleagues a shared chart
    #: is for.
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Node ids, positions, filters, layout, colour/size choices, pinned and focus nodes.
    #: Deferred: lists of charts do not load it.
    state: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    #: How many nodes ``state`` lists (shown in lists without loading the state).
    node_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner: Mapped[User] = relationship(lazy="joined")
    agency: Mapped[Agency] = relationship(lazy="joined")
