"""Matching new data against watches: the dispatcher's alert step.

:func:`match_new` follows the change feed from :attr:`DispatcherState.feed_id`, reads
what the new rows name in bulk (:func:`_read`: only what some watch can use), matches it
against the cached :class:`~caravan.exchange.watch_index.WatchIndex` of the active
watches, and files each new (watch, record) pair once as a :class:`WatchHit` with a
notification (:func:`_file`). What a notification says of a record comes through
:func:`caravan.access.hit_views` for the watcher: a record they may not read is a hit
notice, and its owner is told (:func:`caravan.match.checks.notify_owners`).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from caravan.access import HitNotice, Principal, hit_views
from caravan.exchange import dispatcher
from caravan.exchange.alerts import (
    MODELS,
    notice_text,
    public_criteria,
    record_label,
    record_url,
    rfi_url,
)
from caravan.exchange.notify import notify
from caravan.exchange.watch_index import (
    Match,
    NewData,
    NewPerson,
    NewSeizure,
    WatchIndex,
    WatchRow,
    describe_query,
)
from caravan.match import checks
from caravan.match.index import FEED_OVERLAP
from caravan.match.selectors import Selector
from caravan.store import Database
from caravan.store.models import (
    ChangeFeed,
    DispatcherState,
    IdentityDocument,
    Link,
    Organisation,
    Person,
    PersonName,
    Phone,
    ProfileMember,
    RecordMixin,
    ResolutionDecision,
    ResolutionRun,
    SeizureReport,
    User,
    Vehicle,
    Watch,
    WatchHit,
)
from caravan.store.models.base import utcnow

#: Notifications one watch gets per round; more matches are summed up in one more.
NOTIFY_PER_ROUND = 10
#: Feed rows read per step of a round, and how long a round keeps taking steps.
FEED_STEP = 20
ROUND_BUDGET_SECONDS = 5.0
_CHUNK = 500


class _State:
    """What this process keeps between rounds for one database."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.index: WatchIndex | None = None
        #: Feed rows matched by this process (within the overlap window).
        self.seen: set[int] = set()
        self.profile_stamp: tuple[Any, ...] | None = None
        #: The feed position this process last wrote: one lower in the store means the
        #: store was emptied or restored under it.
        self.feed_id = 0


_states: dict[str, _State] = {}
_states_lock = threading.Lock()


def _state(db: Database) -> _State:
    with _states_lock:
        return _states.setdefault(db.url, _State())


def reset_cache() -> None:
    """Forget every cached watch index (tests that empty the database call this)."""
    with _states_lock:
        _states.clear()


def _signature(session: Session) -> tuple[Any, ...]:
    """Changes when an active watch comes or goes, or profiles' members may have moved:
    ``(watches' stamp, profiles' stamp)``."""
    watches = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(Watch.id), 0),
            func.max(Watch.id),
            func.max(Watch.created_at),
        ).where(Watch.active.is_(True))
    ).one()
    return (tuple(watches), _profile_stamp(session))


def _profile_stamp(session: Session) -> tuple[Any, ...]:
    runs = session.scalar(
        select(func.count()).select_from(ResolutionRun).where(ResolutionRun.status == "done")
    )
    decided = session.scalar(select(func.max(ResolutionDecision.id)))
    return (int(runs or 0), int(decided or 0))


def _build(session: Session, signature: tuple[Any, ...]) -> WatchIndex:
    index = WatchIndex(signature)
    rows = session.execute(
        select(Watch.id, Watch.kind, Watch.selector_kind, Watch.criteria, Watch.profile_id).where(
            Watch.active.is_(True)
        )
    )
    for row in rows:
        index.add(WatchRow(row[0], row[1], row[2], row[3] or {}, row[4]))
    if index.profiles:
        wanted = sorted(set(index.profiles.values()))
        for start in range(0, len(wanted), _CHUNK):
            index.add_members(
                session.execute(
                    select(ProfileMember.profile_id, ProfileMember.person_id).where(
                        ProfileMember.profile_id.in_(wanted[start : start + _CHUNK])
                    )
                )
            )
    return index


def watch_index(session: Session, state: _State) -> WatchIndex:
    signature = _signature(session)
    if state.index is None or state.index.signature != signature:
        state.index = _build(session, signature)
    return state.index


def match_new(db: Database) -> int:
    """Match what the change feed added since the last round; returns the new matches.

    Reads feed rows after :attr:`DispatcherState.feed_id` — and re-reads the last
    :data:`~caravan.match.index.FEED_OVERLAP` rows this process has not matched, since a
    transaction that took a lower feed id may commit after higher ones — in steps of
    :data:`FEED_STEP` rows, each committed on its own, for at most
    :data:`ROUND_BUDGET_SECONDS`. A (watch, record) pair is filed once whatever is read
    twice (:class:`WatchHit` is unique on it).
    """
    dispatcher.state(db)
    state = _state(db)
    started = time.perf_counter()
    made = 0
    with state.lock:
        while True:
            step, done = _step(db, state)
            made += step
            if done or time.perf_counter() - started > ROUND_BUDGET_SECONDS:
                return made


def _step(db: Database, state: _State) -> tuple[int, bool]:
    """One step: up to :data:`FEED_STEP` unseen feed rows. Returns (matches, caught up)."""
    with db.session() as session:
        feed_id = int(
            session.scalar(select(DispatcherState.feed_id).where(DispatcherState.id == 1)) or 0
        )
        latest = int(session.scalar(select(func.max(ChangeFeed.id))) or 0)
        if feed_id < state.feed_id:
            state.seen.clear()
        if latest < feed_id:  # the store was emptied or restored: start again at its end
            session.execute(
                update(DispatcherState).where(DispatcherState.id == 1).values(feed_id=latest)
            )
            state.seen.clear()
            return 0, True
        recent = session.scalars(
            select(ChangeFeed.id)
            .where(ChangeFeed.id > feed_id - FEED_OVERLAP)
            .order_by(ChangeFeed.id)
        )
        unseen = [i for i in recent if i not in state.seen]
        taken = unseen[:FEED_STEP]
        index = watch_index(session, state)
        matches: list[Match] = []
        if taken and index.size:
            rows = list(
                session.scalars(
                    select(ChangeFeed).where(ChangeFeed.id.in_(taken)).order_by(ChangeFeed.id)
                )
            )
            matches = index.match(_read(session, rows, index))
        stamp = index.signature[1]  # read just now by watch_index
        runs = stamp[0]
        if index.profiles and stamp != state.profile_stamp:
            matches.extend(_new_members(session, index))
        made = _file(session, matches) if matches else 0
        values: dict[str, Any] = {"runs_seen": runs, "updated_at": utcnow()}
        if taken:
            values["feed_id"] = max(feed_id, max(taken))
        session.execute(update(DispatcherState).where(DispatcherState.id == 1).values(**values))
    state.profile_stamp = stamp
    state.feed_id = values.get("feed_id", feed_id)
    if taken:
        state.seen.update(taken)
        floor = max(state.seen) - FEED_OVERLAP
        state.seen = {i for i in state.seen if i > floor}
    return made, len(unseen) <= FEED_STEP


# ------------------------------------------------------------------ reading what is new


def _id_clauses(
    column: Any, ranges: Sequence[tuple[uuid.UUID, uuid.UUID]], ids: Sequence[uuid.UUID]
) -> list[Any]:
    """Conditions that together select the feed's records: one per range, one per
    chunk of changed ids."""
    clauses = [and_(column >= lo, column <= hi) for lo, hi in ranges]
    clauses.extend(column.in_(ids[s : s + _CHUNK]) for s in range(0, len(ids), _CHUNK))
    return clauses


def _read(session: Session, rows: Sequence[ChangeFeed], index: WatchIndex) -> NewData:
    """What the feed rows name, read in bulk — only what some watch can use."""
    ranges: dict[str, list[tuple[uuid.UUID, uuid.UUID]]] = defaultdict(list)
    changed: dict[str, list[uuid.UUID]] = defaultdict(list)
    for row in rows:
        if row.inserted_from and row.inserted_to:
            ranges[row.kind].append((uuid.UUID(row.inserted_from), uuid.UUID(row.inserted_to)))
        changed[row.kind].extend(uuid.UUID(i) for i in row.updated or ())
    data = NewData()

    def where(kind: str, column: Any) -> list[Any]:
        return _id_clauses(column, ranges.get(kind, []), changed.get(kind, []))

    persons = where("person", Person.id)
    if persons and index.wants_names:
        columns = (
            Person.id,
            Person.surname,
            Person.given_name,
            Person.patronymic,
            Person.birth_date,
            Person.nationality,
        )
        by_id: dict[uuid.UUID, NewPerson] = {}
        for clause in persons:
            for values in session.execute(select(*columns).where(clause)):
                by_id[values[0]] = NewPerson(*values)
        for clause in where("person", PersonName.person_id):
            for person_id, full_name in session.execute(
                select(PersonName.person_id, PersonName.full_name).where(
                    clause, PersonName.kind != "primary"
                )
            ):
                if person_id in by_id:
                    by_id[person_id].other_names.append(full_name)
        data.persons = list(by_id.values())
    if persons and index.wants_phones:
        for clause in where("person", Link.from_id):
            data.phones.extend(
                session.execute(
                    select(Link.from_id, Phone.e164)
                    .join(Phone, Phone.id == Link.to_id)
                    .where(clause, Link.link_type == "uses_phone")
                )
            )
    if persons and index.wants_documents:
        for clause in where("person", Link.from_id):
            data.documents.extend(
                session.execute(
                    select(Link.from_id, IdentityDocument.number_key)
                    .join(IdentityDocument, IdentityDocument.id == Link.to_id)
                    .where(clause, Link.link_type == "holds_document")
                )
            )
    seizures = where("seizure", SeizureReport.id)
    if seizures and index.queries:
        for clause in seizures:
            data.seizures.extend(
                NewSeizure(*v)
                for v in session.execute(
                    select(
                        SeizureReport.id,
                        SeizureReport.country,
                        SeizureReport.drug_code,
                        SeizureReport.drug_group,
                        SeizureReport.quantity_kg,
                        SeizureReport.transport_mode,
                    ).where(clause)
                )
            )
    if seizures and index.wants_plates:
        for clause in where("seizure", Link.report_id):
            data.plates.extend(
                (seizure_id, key)
                for seizure_id, key in session.execute(
                    select(Link.report_id, Vehicle.plate_key)
                    .join(Vehicle, Vehicle.id == Link.from_id)
                    .where(clause, Link.from_kind == "vehicle")
                )
                if key and seizure_id is not None
            )
    organisations = where("organisation", Organisation.id)
    if organisations and index.keyed["company"]:
        for clause in organisations:
            data.organisations.extend(
                session.execute(select(Organisation.id, Organisation.name_key).where(clause)).all()
            )
    if index.members:
        for kind in ("seizure", "report"):
            for clause in where(kind, Link.report_id):
                data.person_links.extend(
                    (person_id, kind, report_id)
                    for person_id, report_id in session.execute(
                        select(Link.from_id, Link.report_id).where(
                            clause, Link.from_kind == "person", Link.to_kind == kind
                        )
                    )
                    if report_id is not None
                )
        for clause in where("link", Link.id):
            for from_kind, from_id, to_kind, to_id in session.execute(
                select(Link.from_kind, Link.from_id, Link.to_kind, Link.to_id).where(clause)
            ):
                if from_kind == "person" and to_kind in MODELS:
                    data.person_links.append((from_id, to_kind, to_id))
                if to_kind == "person" and from_kind in MODELS:
                    data.person_links.append((to_id, from_kind, from_id))
    return data


def _new_members(session: Session, index: WatchIndex) -> list[Match]:
    """Person records a resolution run (or a review) put into a watched profile since the
    watch was made."""
    watched = defaultdict(list)
    for watch_id, profile_id in index.profiles.items():
        watched[profile_id].append(watch_id)
    baselines = {
        watch_id: set((criteria or {}).get("baseline") or ())
        for watch_id, criteria in session.execute(
            select(Watch.id, Watch.criteria).where(Watch.id.in_(list(index.profiles)))
        )
    }
    found: list[Match] = []
    profiles = list(watched)
    for start in range(0, len(profiles), _CHUNK):
        for profile_id, person_id in session.execute(
            select(ProfileMember.profile_id, ProfileMember.person_id).where(
                ProfileMember.profile_id.in_(profiles[start : start + _CHUNK])
            )
        ):
            for watch_id in watched[profile_id]:
                if person_id.hex not in baselines.get(watch_id, ()):
                    said = "a person record joined the watched profile"
                    found.append(Match(watch_id, "person", person_id, 1.0, "strong", said, said))
    return found


# ------------------------------------------------------------------ filing the matches


def _file(session: Session, matches: Sequence[Match]) -> int:
    """File each new (watch, record) pair once, with its notification; returns how many."""
    best: dict[tuple[int, uuid.UUID], Match] = {}
    for m in matches:
        key = (m.watch_id, m.record_id)
        if key not in best or m.score > best[key].score:
            best[key] = m
    record_ids = sorted({rid for _, rid in best}, key=str)
    for start in range(0, len(record_ids), _CHUNK):
        for key in session.execute(
            select(WatchHit.watch_id, WatchHit.record_id).where(
                WatchHit.record_id.in_(record_ids[start : start + _CHUNK])
            )
        ):
            best.pop(key, None)
    if not best:
        return 0
    now = utcnow()
    rows = [
        {
            "watch_id": m.watch_id,
            "record_kind": m.kind,
            "record_id": m.record_id,
            "score": m.score,
            "explanation": m.coarse[:2000],
            "created_at": now,
        }
        for m in best.values()
    ]
    new = _insert_hits(session, rows)
    fresh = [best[(r["watch_id"], r["record_id"])] for r in new]
    if fresh:
        _tell(session, fresh, now)
    return len(fresh)


def _insert_hits(session: Session, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Insert the hits; should another dispatcher have filed some first, insert the rest
    one by one and leave those out."""
    try:
        with session.begin_nested():
            session.execute(insert(WatchHit), rows)
        return rows
    except IntegrityError:
        pass
    done = []
    for row in rows:
        try:
            with session.begin_nested():
                session.execute(insert(WatchHit), [row])
            done.append(row)
        except IntegrityError:
            continue
    return done


def _tell(session: Session, fresh: Sequence[Match], now: datetime) -> None:
    """Notify each watcher of their new matches, as they may see each record; tell the
    owners of records the watchers may not read."""
    by_watch: dict[int, list[Match]] = defaultdict(list)
    for m in fresh:
        by_watch[m.watch_id].append(m)
    watches = {w.id: w for w in session.scalars(select(Watch).where(Watch.id.in_(list(by_watch))))}
    for watch_id, found in by_watch.items():
        watch = watches[watch_id]
        watch.match_count = (watch.match_count or 0) + len(found)
        watch.last_match_at = now
    by_user: dict[int, list[Match]] = defaultdict(list)
    for m in fresh:
        if m.watch_id in watches:
            by_user[watches[m.watch_id].user_id].append(m)
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(list(by_user))))}
    for user_id, found in by_user.items():
        user = users.get(user_id)
        if user is None or not user.is_active:
            continue
        watcher = Principal.from_user(user)
        views = _views(session, watcher, found)
        told: list[tuple[Selector, checks.Hit]] = []
        per_watch: dict[int, list[Match]] = defaultdict(list)
        for m in found:
            if m.record_id in views:
                per_watch[m.watch_id].append(m)
        for watch_id, matches in per_watch.items():
            watch = watches[watch_id]
            matches.sort(key=lambda m: (-m.score, str(m.record_id)))
            for m in matches[:NOTIFY_PER_ROUND]:
                view = views[m.record_id]
                _notify_one(session, watch, m, view)
                if isinstance(view, HitNotice):
                    told.append((_asked(watch), _hit(m, view)))
            for m in matches[NOTIFY_PER_ROUND:]:
                view = views[m.record_id]
                if isinstance(view, HitNotice):
                    told.append((_asked(watch), _hit(m, view)))
            rest = len(matches) - NOTIFY_PER_ROUND
            if rest > 0:
                notify(
                    session,
                    [watch.user_id],
                    "alert",
                    f"Watch “{watch.label}”: {rest} more new matches",
                    body=f"{rest} more records matched your watch; the watch's page lists them.",
                    link=f"/watches/{watch.id}",
                    payload={"watch": watch.id, "more": rest},
                    watch=watch,
                )
        if told:
            checks.notify_owners(session, watcher, told)


def _views(
    session: Session, watcher: Principal, found: Sequence[Match]
) -> dict[Any, RecordMixin | HitNotice]:
    by_kind: dict[str, list[uuid.UUID]] = defaultdict(list)
    for m in found:
        by_kind[m.kind].append(m.record_id)
    views: dict[Any, RecordMixin | HitNotice] = {}
    for kind, ids in by_kind.items():
        if kind not in MODELS:
            continue
        for start in range(0, len(ids), _CHUNK):
            views.update(hit_views(session, MODELS[kind], ids[start : start + _CHUNK], watcher))
    return views


def _notify_one(session: Session, watch: Watch, m: Match, view: RecordMixin | HitNotice) -> None:
    payload: dict[str, Any] = {
        "watch": watch.id,
        "record_kind": m.kind,
        "band": m.band,
        "score": m.score,
    }
    if isinstance(view, HitNotice):
        title = f"Watch “{watch.label}”: {notice_text(view)}"
        body = f"Matched: {m.coarse}." if m.coarse else ""
        link: str | None = rfi_url(view)
        payload.update(
            visible=False,
            owner=view.owner_code,
            reference=view.reference,
            handling_code=view.handling_code,
            contact=view.contact,
        )
    else:
        label = record_label(view)
        title = f"Watch “{watch.label}”: {m.kind} {label}"
        body = f"Matched: {m.explanation}." if m.explanation else ""
        link = record_url(view) or f"/watches/{watch.id}"
        payload.update(
            visible=True,
            record_id=str(view.id),
            label=label,
            agency=view.agency.code,
            handling_code=view.handling_code,
        )
    notify(
        session, [watch.user_id], "alert", title, body=body, link=link, payload=payload, watch=watch
    )


def _asked(watch: Watch) -> Selector:
    """What the owner's hit inbox says was asked: the watch, from the watcher's side."""
    if watch.kind == "selector":
        return Selector(f"watch {watch.selector_kind}", dict(public_criteria(watch)))
    if watch.kind == "query":
        return Selector("watch seizures", {"query": describe_query(watch.criteria or {})})
    return Selector("watch profile", {"profile": str(watch.profile_id)})


def _hit(m: Match, notice: HitNotice) -> checks.Hit:
    return checks.Hit(
        0,
        m.kind,
        m.score,
        m.band,
        m.coarse,
        notice=notice,
        _target=m.record_id,
        detail=m.explanation,
    )


__all__ = ["FEED_STEP", "NOTIFY_PER_ROUND", "match_new", "reset_cache", "watch_index"]
