"""What a user may see of a profile: only what its member records let them see.

Resolution runs on the centre's behalf over every record, but a profile is shown
through ``caravan.access``: the members the user may read in full, the others as
:class:`~caravan.access.HitNotice` (who holds a record and how to ask — never its
content). Names, birth dates, documents, phones and the timeline are gathered from the
readable members only, each with the record it comes from. A profile none of whose
records the user may read does not exist for them.
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from caravan.access import HitNotice, Principal, hit_views, require, visibility_clause
from caravan.errors import NotFound
from caravan.store.models import (
    IdentityDocument,
    IntelReport,
    Link,
    Person,
    PersonName,
    Phone,
    Profile,
    ProfileMember,
    SeizureReport,
)


@dataclass(frozen=True)
class Sourced:
    """A value seen in a profile, and the record (and its owner) it comes from."""

    value: str
    person_id: uuid.UUID
    agency: str


@dataclass(frozen=True)
class ProfileRecord:
    person: Person
    how: str
    score: float | None


@dataclass(frozen=True)
class TimelineEntry:
    date: str
    kind: str
    label: str
    record_id: uuid.UUID
    person_id: uuid.UUID


@dataclass
class ProfileView:
    id: uuid.UUID
    size: int
    updated_at: datetime
    records: list[ProfileRecord] = field(default_factory=list)
    notices: list[HitNotice] = field(default_factory=list)
    names: list[Sourced] = field(default_factory=list)
    birth_dates: list[Sourced] = field(default_factory=list)
    nationalities: list[Sourced] = field(default_factory=list)
    documents: list[Sourced] = field(default_factory=list)
    phones: list[Sourced] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.records[0].person.full_name if self.records else str(self.id)[:8]


def profile_id_of(session: Session, person_id: Any, principal: Principal) -> uuid.UUID | None:
    """The profile of a person record the principal may read (``None``: not resolved yet)."""
    require(principal, "profile.read")
    stmt = (
        select(ProfileMember.profile_id)
        .join(Person, Person.id == ProfileMember.person_id)
        .where(ProfileMember.person_id == person_id, visibility_clause(Person, principal))
    )
    return session.scalar(stmt)


def profile_ids_of(
    session: Session, person_ids: list[Any], principal: Principal
) -> dict[uuid.UUID, uuid.UUID]:
    """person id → profile id, for the readable ones of ``person_ids`` (check results)."""
    require(principal, "profile.read")
    out: dict[uuid.UUID, uuid.UUID] = {}
    for start in range(0, len(person_ids), 500):
        stmt = (
            select(ProfileMember.person_id, ProfileMember.profile_id)
            .join(Person, Person.id == ProfileMember.person_id)
            .where(
                ProfileMember.person_id.in_(person_ids[start : start + 500]),
                visibility_clause(Person, principal),
            )
        )
        out.update(dict(session.execute(stmt).all()))
    return out


def profile_view(session: Session, profile_id: Any, principal: Principal) -> ProfileView:
    """The profile as ``principal`` may see it; :class:`NotFound` if they may see none
    of its records (exactly as if it did not exist)."""
    require(principal, "profile.read")
    profile = session.get(Profile, profile_id)
    if profile is None:
        raise NotFound(f"No profile {profile_id} that you may see")
    members = {
        person_id: (how, score)
        for person_id, how, score in session.execute(
            select(ProfileMember.person_id, ProfileMember.how, ProfileMember.score).where(
                ProfileMember.profile_id == profile.id
            )
        )
    }
    views = hit_views(session, Person, members, principal)
    readable = [v for v in views.values() if isinstance(v, Person)]
    if not readable:
        raise NotFound(f"No profile {profile_id} that you may see")
    readable.sort(key=lambda p: (p.created_at, p.id))
    # The size counted now (a record deleted since the last run is gone already).
    view = ProfileView(id=profile.id, size=len(members), updated_at=profile.updated_at)
    view.records = [ProfileRecord(p, *members[p.id]) for p in readable]
    view.notices = sorted(
        (v for v in views.values() if isinstance(v, HitNotice)),
        key=lambda n: (n.owner_code, n.reference),
    )
    _gather(session, view, readable, principal)
    return view


def _gather(
    session: Session, view: ProfileView, persons: list[Person], principal: Principal
) -> None:
    ids = [p.id for p in persons]
    agency = {p.id: p.agency.code for p in persons}
    seen: set[tuple[int, str]] = set()

    def add(bucket: list[Sourced], value: str | None, person_id: uuid.UUID) -> None:
        if value and (id(bucket), value) not in seen:
            seen.add((id(bucket), value))
            bucket.append(Sourced(value, person_id, agency[person_id]))

    for p in persons:
        add(view.names, p.full_name, p.id)
        add(view.birth_dates, p.birth_date, p.id)
        add(view.nationalities, p.nationality, p.id)
    for person_id, full_name in session.execute(
        select(PersonName.person_id, PersonName.full_name)
        .where(PersonName.person_id.in_(ids), PersonName.kind != "primary")
        .order_by(PersonName.id)
    ):
        add(view.names, full_name, person_id)
    # Documents, phones, seizures and reports are records of their own: a user sees
    # those they may read, whatever the person record says.
    linked: tuple[tuple[Any, Any, str, list[Sourced]], ...] = (
        (IdentityDocument, IdentityDocument.number, "holds_document", view.documents),
        (Phone, Phone.e164, "uses_phone", view.phones),
    )
    for model, column, link_type, bucket in linked:
        values = (
            select(Link.from_id, column)
            .join(model, model.id == Link.to_id)
            .where(
                Link.from_id.in_(ids),
                Link.link_type == link_type,
                visibility_clause(model, principal),
            )
        )
        for person_id, value in session.execute(values):
            add(bucket, value, person_id)
    timeline = [
        TimelineEntry(p.created_at.date().isoformat(), "person", p.agency.code, p.id, p.id)
        for p in persons
    ]
    reports: tuple[tuple[Any, str], ...] = (
        (SeizureReport, "involved_in_seizure"),
        (IntelReport, "mentioned_in_report"),
    )
    for model, link_type in reports:
        found = (
            select(Link.from_id, model)
            .join(model, model.id == Link.to_id)
            .where(
                Link.from_id.in_(ids),
                Link.link_type == link_type,
                visibility_clause(model, principal),
            )
        )
        for person_id, record in session.execute(found):
            timeline.append(
                TimelineEntry(record.date, record.KIND, record.label, record.id, person_id)
            )
    view.timeline = sorted(timeline, key=lambda e: (e.date, e.kind))


def export_profiles(session: Session, principal: Principal, out: IO[str]) -> int:
    """Write ``agency, source_id, profile_id`` for every resolved person record the
    principal may read; returns the number of rows."""
    require(principal, "export.run")
    writer = csv.writer(out)
    writer.writerow(["agency", "source_id", "profile_id"])
    count = 0
    for agency, reference, profile_id in _export_rows(session, principal):
        writer.writerow([agency, reference, profile_id])
        count += 1
    return count


def _export_rows(session: Session, principal: Principal) -> Iterator[tuple[str, str, str]]:
    from caravan.store.models import Agency

    last: uuid.UUID | None = None
    while True:
        stmt = (
            select(Person.id, Agency.code, Person.source_id, ProfileMember.profile_id)
            .join(ProfileMember, ProfileMember.person_id == Person.id)
            .join(Agency, Agency.id == Person.agency_id)
            .where(visibility_clause(Person, principal))
            .order_by(Person.id)
            .limit(20_000)
        )
        if last is not None:
            stmt = stmt.where(Person.id > last)
        rows = session.execute(stmt).all()
        if not rows:
            return
        for person_id, code, source_id, profile_id in rows:
            yield code, source_id or str(person_id)[:8], str(profile_id)
        last = rows[-1][0]


__all__ = [
    "ProfileRecord",
    "ProfileView",
    "Sourced",
    "TimelineEntry",
    "export_profiles",
    "profile_id_of",
    "profile_ids_of",
    "profile_view",
]
