"""Alerts: what 10,000 active watches cost an import, and how fast an alert arrives.

(a) **Import with watches.** ``--alerts-persons`` generated persons (:mod:`bench.data`,
the import benchmark's generator) are imported through the real importer
(:func:`caravan.collect.importer.import_file`) in files of ``--alerts-chunk`` rows — one
transaction each, as agencies send them — into a fresh SQLite store, twice: with no
watch, then with ``--alerts-watches`` active watches (mostly persons by name and birth
date, plus phones, plates, documents, companies and seizure queries; one in a hundred
person, phone and document watches is taken from the data, so there are real matches).
Throughout, the dispatcher runs every 0.5 s as the web app runs it by default
(``dispatcher = process``: ``caravan dispatcher`` in a child process). The run with
watches is repeated with the dispatcher in a thread of the importing process
(``dispatcher = inline``), to show what sharing one interpreter costs. Reported: the
import times, their ratios to the run without watches (target ≤ 1.20), and how long after
the last import the dispatcher had matched everything (its ``feed_id`` at the end of the
change feed).

(b) **Notification latency.** On the store with the watches, with the dispatcher
running (interval 0.5 s): commit a person whose phone one watch watches, then poll from
another session until the ``Notification`` row is there; ``--alerts-trials`` times.
Reported: p50, p95 and max (target ≤ 2 s).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from bench import OUT
from bench.data import _atomic_csv
from bench.stats import percentile
from bench.targets import fresh_sqlite, principal
from caravan.collect import records
from caravan.collect.generator import PERSON_COLUMNS, generate_persons
from caravan.collect.importer import import_file
from caravan.config import Settings
from caravan.exchange import alert_feed, alerts
from caravan.exchange.dispatcher import Dispatcher, DispatcherProcess
from caravan.exchange.dispatcher import state as dispatcher_state
from caravan.match.selectors import parse_selector
from caravan.store import Database
from caravan.store.models import ChangeFeed, DispatcherState, Notification, User, Watch, WatchHit

TARGET_RATIO = 1.20
TARGET_LATENCY_S = 2.0
INTERVAL_S = 0.5
#: The watch mixture (shares of ``--alerts-watches``).
MIX = {"person": 0.70, "phone": 0.10, "plate": 0.05, "document": 0.05, "company": 0.05}
#: The rest are seizure queries. One in this many person/phone/document watches is taken
#: from the imported data.
FROM_DATA = 100
DRUGS = ("heroin", "opium", "hashish", "cannabis_herb", "methamphetamine", "cocaine")
COUNTRIES = ("KZ", "KG", "TJ", "UZ", "TM", "AF", "RU")


@dataclass
class Run:
    watches: int
    #: ``process`` or ``inline`` (see the module docstring).
    mode: str = "process"
    import_s: float = 0.0
    caught_up_s: float = 0.0
    hits: int = 0
    notifications: int = 0
    rounds: int = 0


@dataclass
class AlertsReport:
    persons: int
    chunk: int
    runs: list[Run] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    index_build_s: float = 0.0

    @property
    def ratio(self) -> float:
        """The production default's ratio (dispatcher in a child process)."""
        return self.ratio_of("process")

    @property
    def baseline_s(self) -> float:
        """The import without watches: the mean of the runs before and after the others
        (the machine's drift over the benchmark cancels out)."""
        times = [r.import_s for r in self.runs if not r.watches]
        return sum(times) / len(times) if times else 0.0

    def ratio_of(self, mode: str) -> float:
        run = next((r for r in self.runs if r.watches and r.mode == mode), None)
        return run.import_s / self.baseline_s if run and self.baseline_s else 0.0


def _settings(db: Database) -> Settings:
    return Settings(
        environment="test",
        database_url=db.url,
        secret_key="bench-secret-key-that-is-long-enough-0123456789",  # noqa: S106
        dispatcher_interval_seconds=INTERVAL_S,
    )


def _selector_rows(n: int, persons: int, seed: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(selector kind, criteria)`` of ``n`` selector watches (see :data:`MIX`)."""
    rng = random.Random(seed)
    data = list(islice(generate_persons(persons, seed), 0, persons, max(1, persons // 2000)))
    others = generate_persons(n, seed + 7)  # names of the region, mostly not in the data
    counts = {kind: int(n * share) for kind, share in MIX.items()}
    for number in range(counts["person"]):
        row = rng.choice(data) if number % FROM_DATA == 0 else next(others)
        birth = row["birth_date"] or f"{rng.randint(1960, 2004)}-{rng.randint(1, 12):02d}-11"
        yield (
            "person",
            {"surname": row["surname"], "given_name": row["given_name"], "birth_date": birth},
        )
    for number in range(counts["phone"]):
        phones = [r["phone"] for r in data if r["phone"].startswith("+")]
        if number % FROM_DATA == 0 and phones:
            yield "phone", {"phone": rng.choice(phones)}
        else:
            yield "phone", {"phone": f"+99670{rng.randrange(10**7):07d}"}
    for _ in range(counts["plate"]):
        yield "plate", {"plate": f"{rng.randrange(1000):03d}{rng.choice('ABEKMHOPCTYX') * 2}02"}
    for number in range(counts["document"]):
        documents = [r["document_number"] for r in data if r["document_number"]]
        if number % FROM_DATA == 0 and documents:
            yield "document", {"document": rng.choice(documents)}
        else:
            yield "document", {"document": f"Z{rng.randrange(10**8):08d}"}
    for number in range(counts["company"]):
        yield "company", {"name": f"ТОО «Транзит {number} {rng.choice(COUNTRIES)}»"}


def add_watches(db: Database, n: int, persons: int, seed: int) -> int:
    """``n`` active watches spread over every user (written in bulk: set-up, not timed)."""
    with db.session() as session:
        users = list(session.execute(select(User.id, User.agency_id)).all())
        rows: list[dict[str, Any]] = []
        for kind, raw in _selector_rows(n, persons, seed):
            selector = parse_selector(kind, raw)
            rows.append(
                {
                    "kind": "selector",
                    "selector_kind": kind,
                    "criteria": dict(selector.shown),
                    "label": alerts.selector_label(selector)[:200],
                }
            )
        rng = random.Random(seed + 1)
        while len(rows) < n:
            criteria = alerts.parse_query(
                {
                    "drug_code": rng.choice(DRUGS),
                    "country": rng.choice(COUNTRIES),
                    "min_kg": rng.choice((1, 5, 10, 50)),
                }
            )
            rows.append({"kind": "query", "criteria": criteria, "label": "query"})
        for number, row in enumerate(rows):
            user_id, agency_id = users[number % len(users)]
            row.update(user_id=user_id, agency_id=agency_id, delivery="immediate", active=True)
            row.update(email=False, match_count=0)
        session.execute(insert(Watch), rows)
    return len(rows)


def _caught_up(db: Database) -> bool:
    with db.session() as session:
        latest = session.scalar(select(func.max(ChangeFeed.id))) or 0
        done = session.scalar(select(DispatcherState.feed_id).where(DispatcherState.id == 1))
        return done is not None and done >= latest


def chunk_files(persons: int, seed: int, chunk: int) -> list[Path]:
    """``generate_persons(persons, seed)`` as CSV files of ``chunk`` rows (made once)."""
    rows = generate_persons(persons, seed)
    paths = []
    for part in range((persons + chunk - 1) // chunk):
        path = OUT / f"alerts-persons-{persons}-s{seed}-c{chunk}" / f"part-{part:04d}.csv"
        block = list(islice(rows, chunk))
        paths.append(_atomic_csv(path, list(PERSON_COLUMNS), iter(block)))
    return paths


def _import_with_dispatcher(
    db: Database, files: list[Path], run: Run, log: Callable[[str], None]
) -> Dispatcher | DispatcherProcess:
    admin = principal(db)
    # The dispatcher starts from the end of the change feed as it is when it first runs
    # (watches are about data that comes after them): a web app has long been running when
    # an import comes, so its state is made before the import — not by a child that may
    # still be starting when the import is under way.
    dispatcher_state(db)
    dispatcher: Dispatcher | DispatcherProcess = (
        Dispatcher(db, _settings(db)) if run.mode == "inline" else DispatcherProcess(_settings(db))
    )
    dispatcher.start()
    started = time.perf_counter()
    for path in files:
        with db.session() as session:
            result = import_file(session, admin, "persons", path)
        log(f"    {result.rows:,} rows imported ({time.perf_counter() - started:.1f} s)")
    run.import_s = time.perf_counter() - started
    finished = time.perf_counter()
    while not _caught_up(db):
        time.sleep(0.05)
    run.caught_up_s = time.perf_counter() - finished
    with db.session() as session:
        run.hits = session.scalar(select(func.count()).select_from(WatchHit)) or 0
        run.notifications = session.scalar(select(func.count()).select_from(Notification)) or 0
    run.rounds = dispatcher.rounds if isinstance(dispatcher, Dispatcher) else 0
    return dispatcher


def _latency(db: Database, trials: int, seed: int) -> list[float]:
    """Seconds from the commit of a matching person to its notification, per trial."""
    owner = principal(db, "kz-mvd.officer") if _has_user(db, "kz-mvd.officer") else principal(db)
    numbers = [f"+99677{seed % 1000:03d}{n:04d}" for n in range(trials)]
    with db.session() as session:
        made = [
            alerts.create_watch(
                session,
                owner,
                {"kind": "selector", "selector_kind": "phone", "criteria": {"phone": number}},
            ).id
            for number in numbers
        ]
    time.sleep(3 * INTERVAL_S)  # the index takes the new watches in
    seconds: list[float] = []
    for number, watch_id in zip(numbers, made, strict=True):
        with db.session() as session:
            records.create_record(
                session,
                owner,
                "persons",
                {
                    "surname": "Latency",
                    "given_name": "Probe",
                    "phone": number,
                    "handling_code": "H1",
                },
            )
        committed = time.perf_counter()
        while True:
            with db.session() as session:
                seen = session.scalar(
                    select(func.count())
                    .select_from(Notification)
                    .where(Notification.watch_id == watch_id)
                )
            if seen:
                seconds.append(time.perf_counter() - committed)
                break
            if time.perf_counter() - committed > 30:
                seconds.append(float("inf"))
                break
            time.sleep(0.005)
        time.sleep(random.Random(seed + len(seconds)).uniform(0, INTERVAL_S))
    return seconds


def _has_user(db: Database, username: str) -> bool:
    with db.session() as session:
        return session.scalar(select(User.id).where(User.username == username)) is not None


def run(
    persons: int = 100_000,
    watches: int = 10_000,
    *,
    chunk: int = 10_000,
    trials: int = 30,
    seed: int = 2026,
    log: Callable[[str], None] = print,
) -> AlertsReport:
    report = AlertsReport(persons, chunk)
    files = chunk_files(persons, seed, chunk)
    plan = ((0, "process"), (watches, "process"), (watches, "inline"), (0, "process"))
    for count, mode in plan:
        alerts.reset_cache()
        db = fresh_sqlite(OUT / f"alerts-{count}-{mode}.sqlite")
        try:
            run_ = Run(count, mode)
            if count:
                add_watches(db, count, persons, seed)
                with db.session() as session:
                    started = time.perf_counter()
                    alert_feed.watch_index(session, alert_feed._state(db))
                    report.index_build_s = time.perf_counter() - started
                alerts.reset_cache()
            log(f"  alerts: importing {persons:,} persons, {count:,} watches, dispatcher {mode}")
            dispatcher = _import_with_dispatcher(db, files, run_, log)
            report.runs.append(run_)
            log(
                f"  alerts: {count:,} watches ({mode}): import {run_.import_s:.2f} s, dispatcher"
                f" caught up {run_.caught_up_s:.2f} s later; {run_.hits:,} matches,"
                f" {run_.notifications:,} notifications"
            )
            if count and mode == "process":
                report.latencies = _latency(db, trials, seed)
            dispatcher.stop()
        finally:
            db.dispose()
    return report


def render(report: AlertsReport) -> str:
    lines = [
        "### Alerts (exchange)",
        "",
        f"{report.persons:,} persons imported in files of {report.chunk:,} rows (SQLite),"
        " dispatcher every 0.5 s: `process` = `caravan dispatcher` as a child process (the"
        " default), `inline` = a thread of the importing process.",
        "",
        "| active watches | dispatcher | import (s) | ratio | caught up after (s) | matches |"
        " notifications |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for r in report.runs:
        ratio = report.ratio_of(r.mode) if r.watches else r.import_s / report.baseline_s
        lines.append(
            f"| {r.watches:,} | {r.mode} | {r.import_s:.2f} | {ratio:.3f} |"
            f" {r.caught_up_s:.2f} | {r.hits:,} | {r.notifications:,} |"
        )
    ok = "meets" if report.ratio <= TARGET_RATIO else "MISSES"
    lines += [
        "",
        f"Ratios are to the mean of the two runs without watches (first and last,"
        f" {report.baseline_s:.2f} s). Import time ratio with/without watches (default,"
        " dispatcher process):"
        f" **{report.ratio:.3f}** ({ok} ≤ {TARGET_RATIO:.2f}); in a thread:"
        f" {report.ratio_of('inline'):.3f}. Watch index build: {report.index_build_s:.2f} s.",
    ]
    if report.latencies:
        p50, p95 = percentile(report.latencies, 50), percentile(report.latencies, 95)
        worst = max(report.latencies)
        ok = "meets" if worst <= TARGET_LATENCY_S else "MISSES"
        lines += [
            "",
            f"Notification latency over {len(report.latencies)} trials: p50 {p50:.3f} s,"
            f" p95 {p95:.3f} s, max {worst:.3f} s ({ok} ≤ {TARGET_LATENCY_S:.0f} s).",
        ]
    return "\n".join(lines)


__all__ = ["AlertsReport", "add_watches", "render", "run"]
