"""The review queue and analysts' decisions: confirm, reject, split, move out.

A decision takes effect at once (profiles change in the same transaction) and is kept
as a :class:`~caravan.store.models.ResolutionDecision` that every later run obeys:
confirming makes a *must-link*, rejecting, splitting and moving out make *cannot-links*.
Every decision needs a reason and is audited.

An analyst reviews only pairs whose two records they may both read: deciding that two
records are one person means looking at both.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from caravan import audit
from caravan.access import Principal, get_visible, require, visibility_clause
from caravan.errors import Conflict, FieldError, InvalidData, NotFound
from caravan.store.bulk import new_id
from caravan.store.models import (
    Person,
    Profile,
    ProfileMember,
    ResolutionDecision,
    ResolutionPair,
)
from caravan.store.models.base import utcnow

MAX_REASON = 1000


@dataclass(frozen=True)
class PairView:
    pair: ResolutionPair
    left: Person
    right: Person
    left_profile: uuid.UUID | None
    right_profile: uuid.UUID | None

    @property
    def steps(self) -> list[dict[str, Any]]:
        return list(self.pair.detail.get("steps", []))


def _both_visible(principal: Principal) -> tuple[Any, Any, Any]:
    left, right = aliased(Person), aliased(Person)
    clause = and_(visibility_clause(left, principal), visibility_clause(right, principal))
    return left, right, clause


def review_queue(
    session: Session, principal: Principal, *, limit: int = 50, offset: int = 0
) -> tuple[list[PairView], int]:
    """Pending pairs the principal may decide, strongest first, and how many there are."""
    require(principal, "resolve.review")
    left, right, clause = _both_visible(principal)
    base = (
        select(ResolutionPair, left, right)
        .join(left, left.id == ResolutionPair.left_id)
        .join(right, right.id == ResolutionPair.right_id)
        .where(ResolutionPair.status == "pending", clause)
    )
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.execute(
        base.order_by(ResolutionPair.probability.desc(), ResolutionPair.id)
        .limit(limit)
        .offset(offset)
    ).all()
    profiles = _profiles(session, [p.id for _, a, b in rows for p in (a, b)])
    views = [PairView(pair, a, b, profiles.get(a.id), profiles.get(b.id)) for pair, a, b in rows]
    return views, total


def pair_view(session: Session, pair_id: int, principal: Principal) -> PairView:
    """One pair, if the principal may read both records (else :class:`NotFound`)."""
    require(principal, "resolve.review")
    pair = session.get(ResolutionPair, pair_id)
    if pair is None:
        raise NotFound(f"No pair {pair_id} that you may see")
    try:
        left = get_visible(session, Person, pair.left_id, principal)
        right = get_visible(session, Person, pair.right_id, principal)
    except NotFound:
        raise NotFound(f"No pair {pair_id} that you may see") from None
    profiles = _profiles(session, [left.id, right.id])
    return PairView(pair, left, right, profiles.get(left.id), profiles.get(right.id))


def _profiles(session: Session, person_ids: list[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    if not person_ids:
        return {}
    return dict(
        session.execute(
            select(ProfileMember.person_id, ProfileMember.profile_id).where(
                ProfileMember.person_id.in_(person_ids)
            )
        ).all()
    )


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidData([FieldError("reason", "Give a reason for the decision")])
    if len(text) > MAX_REASON:
        raise InvalidData(
            [FieldError("reason", f"At most {MAX_REASON} characters ({len(text)} given)")]
        )
    return text


def decide(
    session: Session, pair_id: int, principal: Principal, *, confirm: bool, reason: str
) -> PairView:
    """Confirm (one person: their profiles are merged) or reject (two people) a pair."""
    text = _reason(reason)
    view = pair_view(session, pair_id, principal)
    pair = view.pair
    if pair.status != "pending":
        raise Conflict(f"This pair was already decided ({pair.status})")
    left, right = view.left.id, view.right.id
    if confirm:
        a, b = view.left_profile, view.right_profile
        if a is not None and b is not None and a != b:
            _forbid_across(session, a, b)
            _merge(session, keep=a, into_from=b)
        session.execute(
            update(ProfileMember)
            .where(ProfileMember.person_id.in_([left, right]))
            .values(how="confirmed")
        )
    _decision(
        session,
        left,
        right,
        "must" if confirm else "cannot",
        "confirm" if confirm else "reject",
        text,
        principal,
    )
    pair.status = "confirmed" if confirm else "rejected"
    audit.append(
        session,
        "resolve.confirm" if confirm else "resolve.reject",
        principal=principal,
        object_kind="resolution_pair",
        object_id=pair.id,
        detail=f"{left} / {right}: {text}",
    )
    session.flush()
    return view


def move_out(
    session: Session, profile_id: Any, person_id: Any, principal: Principal, *, reason: str
) -> uuid.UUID:
    """Take one record out of a profile into a profile of its own; returns the new id."""
    return split(session, profile_id, [person_id], principal, reason=reason, action="move")


def split(
    session: Session,
    profile_id: Any,
    person_ids: list[Any],
    principal: Principal,
    *,
    reason: str,
    action: str = "split",
) -> uuid.UUID:
    """Move ``person_ids`` out of a profile into one new profile: they and the records
    left behind are different people from now on (cannot-links)."""
    require(principal, "resolve.review")
    text = _reason(reason)
    moving = {uuid.UUID(str(p)) for p in person_ids}
    if not moving:
        raise InvalidData([FieldError("person_ids", "Choose at least one record to move")])
    for person in moving:
        get_visible(session, Person, person, principal)
    profile = session.get(Profile, profile_id)
    if profile is None:
        raise NotFound(f"No profile {profile_id} that you may see")
    members = set(
        session.scalars(
            select(ProfileMember.person_id).where(ProfileMember.profile_id == profile.id)
        )
    )
    if not moving <= members:
        raise InvalidData([FieldError("person_ids", "Every record moved must be in this profile")])
    staying = members - moving
    if not staying:
        raise Conflict("A profile cannot be split into itself: leave at least one record")
    new_profile = uuid.UUID(new_id())
    now = utcnow()
    session.add(Profile(id=new_profile, size=len(moving), created_at=now, updated_at=now))
    session.flush()
    session.execute(
        update(ProfileMember)
        .where(ProfileMember.person_id.in_(list(moving)))
        .values(profile_id=new_profile, how="moved", score=None)
    )
    profile.size = len(staying)
    profile.updated_at = now
    for a in sorted(moving):
        for b in sorted(staying):
            _decision(session, a, b, "cannot", action, text, principal)
    # Links that joined the two sides are no longer what holds the profile together.
    session.execute(
        delete(ResolutionPair).where(
            ResolutionPair.status == "linked",
            or_(
                and_(
                    ResolutionPair.left_id.in_(list(moving)),
                    ResolutionPair.right_id.in_(list(staying)),
                ),
                and_(
                    ResolutionPair.left_id.in_(list(staying)),
                    ResolutionPair.right_id.in_(list(moving)),
                ),
            ),
        )
    )
    audit.append(
        session,
        f"resolve.{action}",
        principal=principal,
        object_kind="profile",
        object_id=profile.id,
        detail=f"moved {len(moving)} record(s) to profile {new_profile}: {text}",
    )
    session.flush()
    return new_profile


def _decision(
    session: Session,
    a: uuid.UUID,
    b: uuid.UUID,
    kind: str,
    action: str,
    reason: str,
    principal: Principal,
) -> None:
    left, right = sorted((a, b))
    session.add(
        ResolutionDecision(
            left_id=left,
            right_id=right,
            kind=kind,
            action=action,
            reason=reason,
            user_id=principal.user_id,
        )
    )


def _forbid_across(session: Session, a: uuid.UUID, b: uuid.UUID) -> None:
    """Refuse to merge two profiles an earlier decision keeps apart."""
    side_a = select(ProfileMember.person_id).where(ProfileMember.profile_id == a)
    side_b = select(ProfileMember.person_id).where(ProfileMember.profile_id == b)
    clash = session.scalar(
        select(ResolutionDecision.id)
        .where(
            ResolutionDecision.kind == "cannot",
            or_(
                and_(
                    ResolutionDecision.left_id.in_(side_a), ResolutionDecision.right_id.in_(side_b)
                ),
                and_(
                    ResolutionDecision.left_id.in_(side_b), ResolutionDecision.right_id.in_(side_a)
                ),
            ),
        )
        .limit(1)
    )
    if clash is not None:
        raise Conflict(
            "An earlier decision says records of these two profiles are different people; "
            "split or move records first"
        )


def _merge(session: Session, *, keep: uuid.UUID, into_from: uuid.UUID) -> None:
    moved = session.execute(
        update(ProfileMember).where(ProfileMember.profile_id == into_from).values(profile_id=keep)
    ).rowcount  # type: ignore[attr-defined]
    session.execute(
        update(Profile)
        .where(Profile.id == keep)
        .values(size=Profile.size + moved, updated_at=utcnow())
    )
    session.execute(delete(Profile).where(Profile.id == into_from))


__all__ = ["PairView", "decide", "move_out", "pair_view", "review_queue", "split"]
