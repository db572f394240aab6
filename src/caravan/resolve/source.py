"""Read person records out of the store for resolution, in bulk (no ORM objects).

Every person is read with its other names, its document numbers and its phone numbers,
in chunks of :data:`CHUNK`, as :class:`~caravan.resolve.features.PersonInput` rows.
Resolution runs on the centre's behalf over every record; what a *user* then sees of
a profile is decided by ``caravan.access`` (see :mod:`caravan.resolve.profiles`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import pyarrow as pa
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from caravan.resolve.features import PersonInput, feature_table
from caravan.store.models import (
    Agency,
    ChangeFeed,
    IdentityDocument,
    Link,
    Person,
    PersonName,
    Phone,
    ProfileMember,
)

CHUNK = 20_000
_IN = 500

_COLUMNS = (
    Person.id,
    Agency.code,
    Person.surname,
    Person.given_name,
    Person.patronymic,
    Person.birth_date,
    Person.nationality,
)


def read_features(
    session: Session,
    ids: Sequence[uuid.UUID] | None = None,
    progress: Callable[[int], None] | None = None,
) -> pa.Table:
    """Features of every person (``ids=None``) or of the given ones."""
    tables = [feature_table(chunk) for chunk in iter_persons(session, ids, progress)]
    if not tables:
        return feature_table(())
    return pa.concat_tables(tables)


def iter_persons(
    session: Session,
    ids: Sequence[uuid.UUID] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[list[PersonInput]]:
    """Chunks of :class:`PersonInput`, in id order."""
    read = 0
    base = select(*_COLUMNS).join(Agency, Agency.id == Person.agency_id)
    if ids is not None:
        wanted = sorted(set(ids))
        for start in range(0, len(wanted), CHUNK):
            part = wanted[start : start + CHUNK]
            rows: list[Any] = []
            for i in range(0, len(part), _IN):
                rows.extend(session.execute(base.where(Person.id.in_(part[i : i + _IN]))).all())
            read += len(part)
            yield _inputs(session, rows)
            if progress:
                progress(read)
        return
    last: uuid.UUID | None = None
    while True:
        stmt = base.order_by(Person.id).limit(CHUNK)
        if last is not None:
            stmt = stmt.where(Person.id > last)
        rows = list(session.execute(stmt).all())
        if not rows:
            return
        last = rows[-1][0]
        read += len(rows)
        yield _inputs(session, rows)
        if progress:
            progress(read)


def _inputs(session: Session, rows: Sequence[Any]) -> list[PersonInput]:
    ids = [r[0] for r in rows]
    lo, hi = min(ids), max(ids)
    # One range query per table instead of IN lists: chunks are contiguous in id order.
    in_range = (lambda col: and_(col >= lo, col <= hi)) if len(ids) > _IN else None
    names = _grouped(
        session,
        select(PersonName.person_id, PersonName.full_name).where(PersonName.kind != "primary"),
        PersonName.person_id,
        ids,
        in_range,
    )
    documents = _grouped(
        session,
        select(Link.from_id, IdentityDocument.number_key)
        .join(IdentityDocument, IdentityDocument.id == Link.to_id)
        .where(Link.link_type == "holds_document", Link.from_kind == "person"),
        Link.from_id,
        ids,
        in_range,
    )
    phones = _grouped(
        session,
        select(Link.from_id, Phone.e164)
        .join(Phone, Phone.id == Link.to_id)
        .where(Link.link_type == "uses_phone", Link.from_kind == "person"),
        Link.from_id,
        ids,
        in_range,
    )
    return [
        PersonInput(
            unique_id=pid.hex,
            agency=agency,
            surname=surname,
            given_name=given,
            patronymic=patronymic,
            other_names=names.get(pid, ()),
            birth_date=birth,
            nationality=nationality,
            documents=documents.get(pid, ()),
            phones=phones.get(pid, ()),
        )
        for pid, agency, surname, given, patronymic, birth, nationality in rows
    ]


def _grouped(
    session: Session,
    stmt: Any,
    key: Any,
    ids: Sequence[uuid.UUID],
    in_range: Callable[[Any], Any] | None,
) -> dict[uuid.UUID, list[str]]:
    out: dict[uuid.UUID, list[str]] = {}
    wanted = set(ids)
    if in_range is not None:
        batches: Iterable[Any] = [stmt.where(in_range(key))]
    else:
        batches = (stmt.where(key.in_(ids[i : i + _IN])) for i in range(0, len(ids), _IN))
    for batch in batches:
        for owner, value in session.execute(batch):
            if owner in wanted and value:
                out.setdefault(owner, []).append(value)
    return out


def changed_since(session: Session, feed_max: int) -> tuple[set[uuid.UUID], set[uuid.UUID], int]:
    """Person ids to (re)link — every person without a profile, and those the change feed
    says were updated after row ``feed_max`` — the ids it says were deleted, and the
    newest feed row now.

    New records are found as "no profile yet" rather than from the feed's id ranges: a
    transaction that took its feed row before the last run but committed after it would
    otherwise be missed for good.
    """
    newest = session.scalar(select(ChangeFeed.id).order_by(ChangeFeed.id.desc()).limit(1)) or 0
    written: set[uuid.UUID] = set(
        session.scalars(
            select(Person.id).where(
                ~select(ProfileMember.person_id)
                .where(ProfileMember.person_id == Person.id)
                .exists()
            )
        )
    )
    deleted: set[uuid.UUID] = set()
    for updated, gone in session.execute(
        select(ChangeFeed.updated, ChangeFeed.deleted).where(
            ChangeFeed.id > feed_max, ChangeFeed.kind == "person"
        )
    ):
        written.update(uuid.UUID(h) for h in updated or ())
        deleted.update(uuid.UUID(h) for h in gone or ())
    written -= deleted
    return written, deleted, newest
