"""Resolution runs: read the store, score, cluster, write profiles — all or nothing.

A *full* run (:func:`run_full`) trains the model on every person record, scores every
blocked pair and rebuilds all profiles; profile ids are kept wherever a profile keeps
its records, so links to a profile survive a re-run. An *incremental* run
(:func:`run_incremental`) takes only the records written since the last run, scores
them against everything with the last run's model, and adds them to existing profiles
(or makes new ones) without touching anything else.

Everything a run computes is held in memory (and DuckDB) until the last step, which
writes it in one transaction: a run that fails or is stopped half-way leaves the
profiles exactly as they were. Analysts' decisions (:class:`ResolutionDecision`) are
obeyed by both kinds of run.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from caravan import audit
from caravan.access import Principal, require
from caravan.config import Settings
from caravan.errors import Conflict
from caravan.resolve import pipeline
from caravan.resolve.cluster import HELD_BACK, Birth, bands, birth, cluster
from caravan.resolve.features import SCHEMA
from caravan.resolve.source import changed_since, read_features
from caravan.store import Database
from caravan.store.bulk import bulk_insert, bulk_update, new_id
from caravan.store.models import (
    ChangeFeed,
    Person,
    Profile,
    ProfileMember,
    ResolutionDecision,
    ResolutionPair,
    ResolutionRun,
)
from caravan.store.models.base import utcnow

log = logging.getLogger(__name__)

#: Default thresholds (match probability); settings ``CARAVAN_RESOLVE_AUTO_LINK`` and
#: ``CARAVAN_RESOLVE_REVIEW`` override them.
AUTO_LINK = 0.95
REVIEW = 0.50
WRITE_CHUNK = 20_000

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Thresholds:
    auto: float = AUTO_LINK
    review: float = REVIEW

    def __post_init__(self) -> None:
        if not 0 < self.review <= self.auto <= 1:
            raise ValueError(
                f"Resolution thresholds must satisfy 0 < review ({self.review}) "
                f"<= auto-link ({self.auto}) <= 1"
            )


@dataclass
class RunOptions:
    engine: str = "duckdb"
    thresholds: Thresholds = field(default_factory=Thresholds)
    #: Where the feature cache of the last run is kept (incremental runs read it).
    state_dir: Path | None = None
    #: Train on the data (``None``: when there are enough records).
    train: bool | None = None
    #: DuckDB's memory cap in GB (it spills to ``state_dir`` beyond it); ``None``: no cap.
    memory_gb: float | None = None

    @classmethod
    def from_settings(cls, settings: Settings, engine: str = "duckdb") -> RunOptions:
        return cls(
            engine=engine,
            thresholds=Thresholds(auto=settings.resolve_auto_link, review=settings.resolve_review),
            state_dir=settings.resolve_dir,
            memory_gb=settings.resolve_memory_gb,
        )

    @property
    def limits(self) -> pipeline.Limits:
        spill = self.state_dir / "spill" if self.state_dir else None
        return pipeline.Limits(memory_gb=self.memory_gb, spill_dir=spill)


# ----------------------------------------------------------------------------- runs


def start_run(
    db: Database, mode: str, engine: str, principal: Principal | None = None
) -> uuid.UUID:
    """Create the run's row (``running``); refuses while another run is running."""
    with db.session() as session:
        if principal is not None:
            require(principal, "resolve.run")
        busy = session.scalar(
            select(ResolutionRun.id).where(ResolutionRun.status.in_(("queued", "running")))
        )
        if busy is not None:
            raise Conflict("A resolution run is already in progress; wait for it to finish")
        run = ResolutionRun(
            mode=mode,
            engine=engine,
            status="running",
            user_id=principal.user_id if principal else None,
        )
        session.add(run)
        session.flush()
        audit.append(
            session,
            "resolve.run",
            principal=principal,
            actor=None if principal else "cli",
            object_kind="resolution_run",
            object_id=run.id,
            detail=f"{mode} run on {engine}",
        )
        return run.id


def reporter(db: Database, run_id: uuid.UUID, also: Progress | None = None) -> Progress:
    """Progress callback that records the step on the run's row (for the job page)."""

    def report(step: str, done: int, total: int) -> None:
        with db.session() as session:
            session.execute(
                update(ResolutionRun)
                .where(ResolutionRun.id == run_id)
                .values(step=step, done=done, total=total)
            )
        if also:
            also(step, done, total)

    return report


def execute(
    db: Database, run_id: uuid.UUID, options: RunOptions, progress: Progress | None = None
) -> ResolutionRun:
    """Run the (already started) run ``run_id`` to the end, recording failure on its row."""
    report = reporter(db, run_id, progress)
    with db.session() as session:
        run = session.get(ResolutionRun, run_id)
        assert run is not None
        mode = run.mode
    try:
        if mode == "incremental":
            summary = _incremental(db, run_id, options, report)
        else:
            summary = _full(db, run_id, options, report)
    except BaseException as exc:
        with db.session() as session:
            session.execute(
                update(ResolutionRun)
                .where(ResolutionRun.id == run_id)
                .values(
                    status="error" if isinstance(exc, Exception) else "interrupted",
                    message=f"{type(exc).__name__}: {exc}"[:500],
                    finished_at=utcnow(),
                )
            )
        raise
    with db.session() as session:
        run = session.get(ResolutionRun, run_id)
        assert run is not None
        log.info("resolution run %s done: %s", run_id, summary)
        return run


def resolve(
    db: Database,
    *,
    full: bool = False,
    options: RunOptions | None = None,
    principal: Principal | None = None,
    progress: Progress | None = None,
) -> ResolutionRun:
    """Run resolution now: incremental when a previous run exists, unless ``full``."""
    options = options or RunOptions()
    with db.session() as session:
        previous = last_done_run(session)
    mode = "full" if full or previous is None else "incremental"
    run_id = start_run(db, mode, options.engine, principal)
    return execute(db, run_id, options, progress)


def start_in_background(
    db: Database, principal: Principal, *, full: bool, options: RunOptions
) -> uuid.UUID:
    """Start a run in a background thread (the web page's "Run resolution"); returns its
    id at once. Progress is on the run's row; failures are recorded there too."""
    with db.session() as session:
        previous = last_done_run(session)
    mode = "full" if full or previous is None else "incremental"
    run_id = start_run(db, mode, options.engine, principal)

    def work() -> None:
        try:
            execute(db, run_id, options)
        except Exception:
            log.exception("resolution run %s failed", run_id)

    threading.Thread(target=work, name=f"resolve-{run_id}", daemon=True).start()
    return run_id


def last_done_run(session: Session) -> ResolutionRun | None:
    return session.scalars(
        select(ResolutionRun)
        .where(ResolutionRun.status == "done", ResolutionRun.model.is_not(None))
        .order_by(ResolutionRun.started_at.desc())
        .limit(1)
    ).first()


def recover_interrupted_runs(db: Database) -> int:
    """Close runs a stopped process left ``running`` (nothing of them was written)."""
    with db.session() as session:
        stale = list(
            session.scalars(
                select(ResolutionRun).where(ResolutionRun.status.in_(("queued", "running")))
            )
        )
        for run in stale:
            run.status = "interrupted"
            run.message = "Interrupted: the process stopped during the run; profiles are unchanged"
            run.finished_at = utcnow()
    return len(stale)


# ----------------------------------------------------------------------------- full


def _full(db: Database, run_id: uuid.UUID, options: RunOptions, report: Progress) -> dict[str, Any]:
    with db.session() as session:
        feed_max = session.scalar(select(func.max(ChangeFeed.id))) or 0
        total = session.scalar(select(func.count()).select_from(ProfileMember.__table__)) or 0
        features = read_features(session, progress=lambda n: report("read", n, max(n, total)))
        must, cannot = decisions(session)
    report("read", features.num_rows, features.num_rows)
    thresholds = options.thresholds
    scored = pipeline.score_all(
        features,
        threshold=thresholds.review,
        engine=options.engine,
        train=options.train,
        progress=report,
        limits=options.limits,
    )
    pairs = bands(scored.pairs, auto=thresholds.auto, review=thresholds.review)
    report("cluster", 0, 1)
    ids = features.column("unique_id").to_pylist()
    auto = pairs[pairs["band"] == "auto"]
    linked = set(auto["unique_id_l"]) | set(auto["unique_id_r"])
    groups, refused = cluster(
        ids,
        zip(auto["unique_id_l"], auto["unique_id_r"], auto["match_probability"], strict=True),
        must=must,
        cannot=cannot,
        births=_births(features, linked),
    )
    report("cluster", 1, 1)
    # Progress is not recorded while the write transaction holds SQLite's write lock.
    report("write", 0, len(ids))
    with db.session() as session:
        written = _write_full(session, run_id, groups.groups(), pairs, scored.model, must, cannot)
        summary = {
            "records": len(ids),
            "pairs": len(pairs),
            "auto_links": int((pairs["band"] == "auto").sum()),
            "review": written["review"],
            "profiles": written["profiles"],
            "held_back": len(refused),
            "trained": scored.trained,
            "thresholds": {"auto": thresholds.auto, "review": thresholds.review},
        }
        _finish(session, run_id, summary, feed_max, scored.model)
    report("write", len(ids), len(ids))
    _save_cache(options.state_dir, run_id, features)
    return summary


def _write_full(
    session: Session,
    run_id: uuid.UUID,
    groups: list[set[Any]],
    pairs: pd.DataFrame,
    trained_model: dict[str, Any],
    must: list[tuple[str, str]],
    cannot: list[tuple[str, str]],
) -> dict[str, int]:
    old_hex = {
        person.hex: profile
        for person, profile in session.execute(
            select(ProfileMember.person_id, ProfileMember.profile_id)
        )
    }
    strongest = _strongest_links(pairs)
    taken: set[uuid.UUID] = set()
    profiles: list[tuple[Any, ...]] = []
    members: list[tuple[Any, ...]] = []
    now = utcnow()
    # Biggest groups choose first, so a profile id stays with the bulk of its records.
    for group in sorted(groups, key=len, reverse=True):
        votes = Counter(old_hex[m] for m in group if m in old_hex)
        pid = next((p for p, _ in votes.most_common() if p not in taken), None)
        if pid is None:
            pid = uuid.UUID(new_id())
        taken.add(pid)
        profiles.append((pid, len(group)))
        for member in group:
            score = strongest.get(member) if len(group) > 1 else None
            how = "single" if len(group) == 1 else "auto"
            members.append((uuid.UUID(member), pid, how, score))
    confirmed = {uuid.UUID(i) for pair in must for i in pair}
    session.execute(delete(ProfileMember))
    existing = set(session.scalars(select(Profile.id)))
    keep = existing & taken
    if existing - keep:
        gone = list(existing - keep)
        for start in range(0, len(gone), 500):
            session.execute(delete(Profile).where(Profile.id.in_(gone[start : start + 500])))
    bulk_update(
        session,
        Profile.__table__,  # type: ignore[arg-type]
        ("size",),
        [(size, pid.hex) for pid, size in profiles if pid in keep],
        constants={"updated_at": now, "run_id": run_id},
    )
    new_profiles = [(pid, size, now, now, run_id) for pid, size in profiles if pid not in keep]
    for start in range(0, len(new_profiles), WRITE_CHUNK):
        bulk_insert(
            session,
            Profile.__table__,  # type: ignore[arg-type]
            ("id", "size", "created_at", "updated_at", "run_id"),
            new_profiles[start : start + WRITE_CHUNK],
        )
    for start in range(0, len(members), WRITE_CHUNK):
        chunk = [
            (person, pid, "confirmed" if person in confirmed and how == "auto" else how, score)
            for person, pid, how, score in members[start : start + WRITE_CHUNK]
        ]
        bulk_insert(
            session,
            ProfileMember.__table__,  # type: ignore[arg-type]
            ("person_id", "profile_id", "how", "score"),
            chunk,
            constants={"run_id": run_id},
        )
    session.execute(delete(ResolutionPair).where(ResolutionPair.status.in_(("pending", "linked"))))
    decided = {
        (a.hex, b.hex)
        for a, b in session.execute(select(ResolutionPair.left_id, ResolutionPair.right_id))
    }
    group_of = {m: i for i, g in enumerate(groups) for m in g}
    ruled_out = {frozenset(p) for p in cannot}
    review = _insert_pairs(session, run_id, pairs, trained_model, group_of, decided, ruled_out)
    return {"profiles": len(profiles), "review": review}


def _births(features: pa.Table, wanted: set[str]) -> dict[str, Birth]:
    """Birth dates of the ``wanted`` records, for the clustering's birth-date guard."""
    out: dict[str, Birth] = {}
    for uid, date, year in zip(
        features.column("unique_id").to_pylist(),
        features.column("birth_date").to_pylist(),
        features.column("birth_year").to_pylist(),
        strict=True,
    ):
        if uid in wanted:
            out[uid] = birth(date, year)
    return out


def _profile_births(session: Session, profiles: set[str]) -> dict[str, Birth]:
    """``profile:<id>`` → the birth dates its records hold (incremental runs)."""
    ids = [uuid.UUID(h) for h in profiles]
    dates: dict[str, set[str]] = {}
    years: dict[str, set[int]] = {}
    for start in range(0, len(ids), 500):
        for profile_id, value in session.execute(
            select(ProfileMember.profile_id, Person.birth_date)
            .join(Person, Person.id == ProfileMember.person_id)
            .where(ProfileMember.profile_id.in_(ids[start : start + 500]))
        ):
            one = birth(value if value and len(value) == 10 else None, _year(value))
            dates.setdefault(f"profile:{profile_id.hex}", set()).update(one[0])
            years.setdefault(f"profile:{profile_id.hex}", set()).update(one[1])
    return {k: (frozenset(dates[k]), frozenset(years[k])) for k in dates}


def _year(value: str | None) -> int | None:
    return int(value[:4]) if value and value[:4].isdigit() else None


def _strongest_links(pairs: pd.DataFrame) -> dict[str, float]:
    auto = pairs[pairs["band"] == "auto"]
    best: dict[str, float] = {}
    for left, right, p in zip(
        auto["unique_id_l"], auto["unique_id_r"], auto["match_probability"], strict=True
    ):
        p = float(p)
        if p > best.get(left, 0.0):
            best[left] = p
        if p > best.get(right, 0.0):
            best[right] = p
    return best


def _insert_pairs(
    session: Session,
    run_id: uuid.UUID,
    pairs: pd.DataFrame,
    trained_model: dict[str, Any],
    group_of: dict[Any, Any],
    decided: set[tuple[str, str]],
    cannot: set[frozenset[str]],
) -> int:
    """Keep auto-links (as ``linked``) and review pairs whose records ended up in
    different profiles; ``decided`` pairs (analysts' decisions) are kept as they are."""
    labels = pipeline.levels(trained_model)
    rows: list[tuple[Any, ...]] = []
    review = 0
    for record in pairs.to_dict("records"):
        left, right = sorted((record["unique_id_l"], record["unique_id_r"]))
        if (left, right) in decided:
            continue
        same = group_of.get(left) is not None and group_of.get(left) == group_of.get(right)
        if record["band"] == "review":
            if same:
                continue
            status = "pending"
            review += 1
        elif same:
            status = "linked"
        elif frozenset((left, right)) in cannot:
            continue  # an analyst said these two are different people
        else:
            # A strong link clustering held back (birth dates of the two groups
            # contradict, or a decision keeps the groups apart): an analyst decides.
            status = "pending"
            review += 1
            record = {**record, "band": "review", "flags": [*record["flags"], HELD_BACK]}
        rows.append(
            (
                uuid.UUID(left),
                uuid.UUID(right),
                float(record["match_weight"]),
                float(record["match_probability"]),
                record["band"],
                list(record["flags"]),
                pipeline.waterfall(record, trained_model, labels),
                status,
            )
        )
    now = utcnow()
    for start in range(0, len(rows), WRITE_CHUNK):
        bulk_insert(
            session,
            ResolutionPair.__table__,  # type: ignore[arg-type]
            (
                "left_id",
                "right_id",
                "match_weight",
                "probability",
                "band",
                "flags",
                "detail",
                "status",
            ),
            rows[start : start + WRITE_CHUNK],
            constants={"run_id": run_id, "created_at": now},
        )
    return review


def _finish(
    session: Session,
    run_id: uuid.UUID,
    summary: dict[str, Any],
    feed_max: int,
    trained_model: dict[str, Any] | None,
) -> None:
    run = session.get(ResolutionRun, run_id)
    assert run is not None
    run.status = "done"
    run.step = None
    run.records = summary["records"]
    run.pairs = summary["pairs"]
    run.auto_links = summary["auto_links"]
    run.review = summary["review"]
    run.profiles = summary["profiles"]
    run.feed_max = feed_max
    run.summary = summary
    if trained_model is not None:
        run.model = trained_model
    run.finished_at = utcnow()


def decisions(
    session: Session,
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Analysts' must-link and cannot-link pairs, as hex ids."""
    must: list[tuple[str, str]] = []
    cannot: list[tuple[str, str]] = []
    for left, right, kind in session.execute(
        select(
            ResolutionDecision.left_id, ResolutionDecision.right_id, ResolutionDecision.kind
        ).order_by(ResolutionDecision.id)
    ):
        (must if kind == "must" else cannot).append((left.hex, right.hex))
    # A later "cannot" overrides an earlier "must" between the same two records.
    ruled_out = {frozenset(p) for p in cannot}
    return [p for p in must if frozenset(p) not in ruled_out], cannot


# ---------------------------------------------------------------------- incremental


def _incremental(
    db: Database, run_id: uuid.UUID, options: RunOptions, report: Progress
) -> dict[str, Any]:
    with db.session() as session:
        previous = last_done_run(session)
        if previous is None or not previous.model:
            raise Conflict("No earlier resolution run to build on: run a full resolution first")
        trained_model = previous.model
        written, deleted, feed_max = changed_since(session, previous.feed_max)
        report("read", 0, len(written))
        cached = _cached_features(options.state_dir, previous.id)
        if cached is None:
            existing = read_features(session, progress=lambda n: report("read", n, n))
        else:
            # A record deleted since is dropped here, or — if its deletion was missed —
            # when the links are written (it has no profile any more).
            existing = cached
        existing = _without(existing, {i.hex for i in written | deleted})
        new = read_features(
            session, sorted(written), progress=lambda n: report("read", n, len(written))
        )
        must, cannot = decisions(session)
    thresholds = options.thresholds
    report("score", 0, 1)
    if new.num_rows and existing.num_rows:
        scored = pipeline.score_new(
            existing,
            new,
            trained_model,
            threshold=thresholds.review,
            engine=options.engine,
            limits=options.limits,
        )
    elif new.num_rows > 1:
        scored = pipeline.score_all(
            new,
            threshold=thresholds.review,
            engine=options.engine,
            train=False,
            limits=options.limits,
        ).pairs
    else:
        scored = pd.DataFrame()
    report("score", 1, 1)
    pairs = (
        bands(scored, auto=thresholds.auto, review=thresholds.review)
        if len(scored)
        else _empty_pairs()
    )
    report("write", 0, new.num_rows)
    with db.session() as session:
        new_ids = new.column("unique_id").to_pylist()
        written_summary = _write_incremental(
            session, run_id, new_ids, pairs, trained_model, must, cannot, _births(new, set(new_ids))
        )
        summary = {
            "records": len(new_ids),
            "deleted": len(deleted),
            "pairs": len(pairs),
            "auto_links": int((pairs["band"] == "auto").sum()) if len(pairs) else 0,
            **written_summary,
            "thresholds": {"auto": thresholds.auto, "review": thresholds.review},
        }
        if deleted:
            _drop_empty_profiles(session)
        _finish(session, run_id, summary, feed_max, trained_model)
    report("write", new.num_rows, new.num_rows)
    _save_cache(options.state_dir, run_id, pa.concat_tables([existing, new]))
    return summary


def _empty_pairs() -> pd.DataFrame:
    return pd.DataFrame(
        columns=["unique_id_l", "unique_id_r", "match_probability", "match_weight", "band", "flags"]
    )


def _without(table: pa.Table, ids: set[str]) -> pa.Table:
    if not ids or not table.num_rows:
        return table
    mask = pc.invert(pc.is_in(table["unique_id"], value_set=pa.array(sorted(ids))))
    return table.filter(mask)


def _write_incremental(
    session: Session,
    run_id: uuid.UUID,
    new_ids: Sequence[str],
    pairs: pd.DataFrame,
    trained_model: dict[str, Any],
    must: list[tuple[str, str]],
    cannot: list[tuple[str, str]],
    new_births: dict[str, Birth],
) -> dict[str, int]:
    """Attach new (and rewritten) records to profiles: a new record joins the profile of
    its strongest auto-link; two existing profiles are never merged here (a record
    linking to both goes to review); new records with no link get profiles of their own."""
    new = set(new_ids)
    new_uuids = [uuid.UUID(h) for h in new]
    touched = set(_profiles_of(session, new).values())
    decided: set[tuple[str, str]] = set()
    for start in range(0, len(new_uuids), 500):
        chunk = new_uuids[start : start + 500]
        decided.update(
            (a.hex, b.hex)
            for a, b in session.execute(
                select(ResolutionPair.left_id, ResolutionPair.right_id).where(
                    ResolutionPair.status.in_(("confirmed", "rejected")),
                    ResolutionPair.left_id.in_(chunk) | ResolutionPair.right_id.in_(chunk),
                )
            )
        )
    # Rewritten records leave their profiles first and are linked afresh.
    for start in range(0, len(new_uuids), 500):
        session.execute(
            delete(ProfileMember).where(ProfileMember.person_id.in_(new_uuids[start : start + 500]))
        )
        session.execute(
            delete(ResolutionPair).where(
                ResolutionPair.status.in_(("pending", "linked")),
                (ResolutionPair.left_id.in_(new_uuids[start : start + 500]))
                | (ResolutionPair.right_id.in_(new_uuids[start : start + 500])),
            )
        )
    others = {
        x
        for a, b in zip(pairs.get("unique_id_l", ()), pairs.get("unique_id_r", ()), strict=True)
        for x in (a, b)
        if x not in new
    }
    others |= {
        x
        for pair in must + cannot
        for x in pair
        if x not in new and (pair[0] in new or pair[1] in new)
    }
    profile_of = _profiles_of(session, others)
    if len(pairs):
        # Only pairs between records that still exist: new ones, or ones with a profile.
        known = pairs["unique_id_l"].map(lambda x: x in new or x in profile_of) & pairs[
            "unique_id_r"
        ].map(lambda x: x in new or x in profile_of)
        pairs = pairs[known]

    def node(record: str) -> str:
        return f"profile:{profile_of[record]}" if record in profile_of else record

    links = []
    for a, b, p, band in zip(
        pairs.get("unique_id_l", ()),
        pairs.get("unique_id_r", ()),
        pairs.get("match_probability", ()),
        pairs.get("band", ()),
        strict=True,
    ):
        if band == "auto" and (a in profile_of or a in new) and (b in profile_of or b in new):
            links.append((node(a), node(b), float(p)))
    relevant = lambda pair: pair[0] in new or pair[1] in new  # noqa: E731
    must_nodes = [(node(a), node(b)) for a, b in must if relevant((a, b))]
    cannot_nodes = [(node(a), node(b)) for a, b in cannot if relevant((a, b))]
    profile_nodes = {f"profile:{p}" for p in profile_of.values()}
    births = _profile_births(session, set(profile_of.values()))
    births.update(new_births)
    groups, _ = cluster(
        list(new) + sorted(profile_nodes),
        links,
        must=must_nodes,
        cannot=cannot_nodes,
        exclusive=profile_nodes,
        births=births,
    )
    strongest = _strongest_links(pairs) if len(pairs) else {}
    now = utcnow()
    created = joined = 0
    members: list[tuple[Any, ...]] = []
    for group in groups.groups():
        records = [m for m in group if m in new]
        if not records:
            continue
        anchor = next((m for m in group if m in profile_nodes), None)
        if anchor is None:
            pid = uuid.UUID(new_id())
            session.add(
                Profile(id=pid, size=len(records), created_at=now, updated_at=now, run_id=run_id)
            )
            created += 1
        else:
            pid = uuid.UUID(anchor.split(":", 1)[1])
            joined += len(records)
            touched.add(anchor.split(":", 1)[1])
        for r in records:
            linked = len(group) > 1
            members.append(
                (
                    uuid.UUID(r),
                    pid,
                    "auto" if linked else "single",
                    strongest.get(r) if linked else None,
                )
            )
    session.flush()
    bulk_insert(
        session,
        ProfileMember.__table__,  # type: ignore[arg-type]
        ("person_id", "profile_id", "how", "score"),
        members,
        constants={"run_id": run_id},
    )
    _refresh_sizes(session, touched)
    records_of: dict[Any, list[Any]] = {}
    for record, profile in profile_of.items():
        records_of.setdefault(f"profile:{profile}", []).append(record)
    group_of: dict[Any, int] = {}
    for i, group in enumerate(groups.groups()):
        for m in group:
            for member in records_of.get(m, [m]):
                group_of[member] = i
    ruled_out = {frozenset(p) for p in cannot}
    review = (
        _insert_pairs(session, run_id, pairs, trained_model, group_of, decided, ruled_out)
        if len(pairs)
        else 0
    )
    return {"profiles": created, "joined": joined, "review": review}


def _profiles_of(session: Session, records: Iterable[str]) -> dict[str, str]:
    ids = [uuid.UUID(h) for h in records]
    out: dict[str, str] = {}
    for start in range(0, len(ids), 500):
        for person, profile in session.execute(
            select(ProfileMember.person_id, ProfileMember.profile_id).where(
                ProfileMember.person_id.in_(ids[start : start + 500])
            )
        ):
            out[person.hex] = profile.hex
    return out


def _refresh_sizes(session: Session, profile_ids: Iterable[str]) -> None:
    """Sizes of these profiles from their members; those left empty are removed."""
    ids = [uuid.UUID(h) for h in profile_ids]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        counts = dict(
            session.execute(
                select(ProfileMember.profile_id, func.count())
                .where(ProfileMember.profile_id.in_(chunk))
                .group_by(ProfileMember.profile_id)
            ).all()
        )
        empty = [p for p in chunk if p not in counts]
        if empty:
            session.execute(delete(Profile).where(Profile.id.in_(empty)))
        bulk_update(
            session,
            Profile.__table__,  # type: ignore[arg-type]
            ("size",),
            [(size, pid.hex) for pid, size in counts.items()],
            constants={"updated_at": utcnow()},
        )


def _drop_empty_profiles(session: Session) -> None:
    """Remove profiles whose every record was deleted."""
    has_member = select(ProfileMember.person_id).where(ProfileMember.profile_id == Profile.id)
    session.execute(delete(Profile).where(~has_member.exists()))


# ---------------------------------------------------------------------- feature cache


def _cache_path(state_dir: Path | None) -> Path | None:
    return state_dir / "features.parquet" if state_dir else None


def _save_cache(state_dir: Path | None, run_id: uuid.UUID, features: pa.Table) -> None:
    path = _cache_path(state_dir)
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    table = features.replace_schema_metadata({"run_id": run_id.hex})
    tmp = path.with_suffix(".tmp")
    pq.write_table(table, tmp)
    tmp.replace(path)


def _cached_features(state_dir: Path | None, run_id: uuid.UUID) -> pa.Table | None:
    """The feature table the run ``run_id`` left, if it is still there."""
    path = _cache_path(state_dir)
    if path is None or not path.exists():
        return None
    table = pq.read_table(path)
    meta = table.schema.metadata or {}
    if meta.get(b"run_id", b"").decode() != run_id.hex:
        return None
    table = table.replace_schema_metadata(None)
    # Left by another version of the features (columns added since): read them again.
    return table if table.schema.equals(SCHEMA) else None
