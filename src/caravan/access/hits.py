"""What a hit/no-hit check may show of the records it found.

A check searches every agency's records — that is its purpose — but shows the
asker only what the asker may read (:func:`~caravan.access.visibility_clause`).
For anything else the asker gets a :class:`HitNotice`: that a record exists and
whom to ask, never its content. The notice is built here, from the record, so
that no caller ever holds a restricted record while answering a check.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from caravan.access.principal import Principal
from caravan.access.visibility import visibility_clause
from caravan.store.models import Agency, RecordMixin


@dataclass(frozen=True)
class HitNotice:
    """A record the asker may not read: who holds it and how to ask — nothing else."""

    kind: str
    owner_id: int
    owner_code: str
    owner_name_en: str
    owner_name_ru: str
    #: The owner's reference (its ``source_id``, or Caravan's short id).
    reference: str
    handling_code: str
    #: The owner's contact point for requests (``None`` when the agency set none).
    contact: str | None

    def owner_name(self, lang: str) -> str:
        return self.owner_name_ru if lang == "ru" else self.owner_name_en


@dataclass(frozen=True, slots=True)
class HitRecord:
    """A record the asker may read, as a batch of checks reports it: which record, whose,
    and its reference (:func:`hit_refs`; a single check shows the record itself)."""

    kind: str
    id: Any
    owner_code: str
    reference: str
    handling_code: str


def hit_views(
    session: Session, model: type[RecordMixin], ids: Iterable[Any], principal: Principal
) -> dict[Any, RecordMixin | HitNotice]:
    """For each found id: the record if ``principal`` may read it, else a :class:`HitNotice`.

    Ids that no longer exist are left out.
    """
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    allowed = visibility_clause(model, principal).label("allowed")
    rows = session.execute(select(model, allowed).where(model.id.in_(wanted))).all()
    agencies = _agencies(session, {r[0].agency_id for r in rows})
    views: dict[Any, RecordMixin | HitNotice] = {}
    for record, may_read in rows:
        if may_read:
            views[record.id] = record
            continue
        views[record.id] = _notice(
            record.KIND, agencies[record.agency_id], record.reference, record.handling_code
        )
        session.expunge(record)
    return views


def hit_refs(
    session: Session, model: type[RecordMixin], ids: Iterable[Any], principal: Principal
) -> dict[Any, HitRecord | HitNotice]:
    """As :func:`hit_views`, with a :class:`HitRecord` for a record ``principal`` may read:
    for answers that name records without showing them (a batch of checks). Reads only
    the columns those need."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    allowed = visibility_clause(model, principal).label("allowed")
    rows = session.execute(
        select(model.id, model.agency_id, model.source_id, model.handling_code, allowed).where(
            model.id.in_(wanted)
        )
    ).all()
    agencies = _agencies(session, {r[1] for r in rows})
    views: dict[Any, HitRecord | HitNotice] = {}
    for record_id, agency_id, source_id, handling_code, may_read in rows:
        # RecordMixin.reference: the owner's reference, or Caravan's short id.
        reference = source_id or str(record_id)[:8]
        owner = agencies[agency_id]
        views[record_id] = (
            HitRecord(model.KIND, record_id, owner.code, reference, handling_code)
            if may_read
            else _notice(model.KIND, owner, reference, handling_code)
        )
    return views


def _agencies(session: Session, ids: set[int]) -> dict[int, Agency]:
    return {a.id: a for a in session.scalars(select(Agency).where(Agency.id.in_(ids)))}


def _notice(kind: str, owner: Agency, reference: str, handling_code: str) -> HitNotice:
    return HitNotice(
        kind=kind,
        owner_id=owner.id,
        owner_code=owner.code,
        owner_name_en=owner.name_en,
        owner_name_ru=owner.name_ru,
        reference=reference,
        handling_code=handling_code,
        contact=owner.contact,
    )


__all__ = ["HitNotice", "HitRecord", "hit_refs", "hit_views"]
