"""Hit/no-hit person checks (issue 3): recall, false strong hits, latency, throughput, index.

The store: ``generate_persons(persons, seed)`` imported into SQLite (the list-page
database of :mod:`bench.build`, copied to ``bench/out/checks-*.sqlite`` because checks
write audit rows and hit notifications). The person index is in process memory, so the
backend only matters for the audit and notification writes; SQLite is used.

The queries (:mod:`bench.check_data`): renderings of held persons that differ from
every stored row (script/transliteration, surname suffix, name order, patronymic, one
typo, gender ending — alone and combined), a control group asking a stored row exactly,
and persons nobody holds. All are asked by ``kz.officer`` (a member agency's officer;
hits on records they may not read come as hit notices, and are counted the same).

What is measured:

* **recall@k** — share of held queries with at least one record of the person among the
  first k hits of :func:`~caravan.match.checks.run_check` (any stored record of the
  person counts). Over all held queries, beside what an *oracle* would reach: a query
  whose person has *twins* — held persons of the same name whose stored birth dates
  agree with the query's as well (:func:`bench.check_data.count_twins`, decided from the
  generator's truth before any check runs) — cannot rank its person first more than
  1 / (1 + twins) of the time, by any method. So recall@1 is also reported over the
  queries without twins (those that identify their person) and recall@10 over those
  with fewer than 10, and every group of queries (by variation, by birth date given)
  shows the oracle's recall beside Caravan's;
* **unheld strong share** — share of queries for unheld persons whose hits include one
  in the ``strong`` band;
* **baseline** — the same candidates (``PersonIndex.candidates`` with the checks' own
  cut to ``MAX_SCORED``), ranked by ``rapidfuzz.fuzz.token_sort_ratio`` of the
  ``unidecode``\\d full names (the query's against each stored spelling of a candidate,
  best one); no birth date; "strong" = score ≥ :data:`BASELINE_STRONG`;
* **in process** — wall time of one check as the API runs it: ``parse_selector`` plus
  ``run_check`` (index refresh, ranking, visibility, notifications, audit) in its own
  session, commit included; every query once, in random order, after a warm-up;
* **over HTTP** — ``POST /api/v1/checks`` with a bearer token, from an ``httpx`` client
  to uvicorn on 127.0.0.1 (one at a time, keep-alive), response fully read;
* **batch** — :func:`~caravan.match.batch.run_batch` over already-validated queries in
  one session, commit included: queries ÷ wall seconds; once ranked in the batch's own
  process, once by ``--check-workers`` check workers (:mod:`caravan.match.workers`,
  started and warmed before the clock starts, as ``caravan serve`` does with
  ``CARAVAN_CHECK_WORKERS``; their resident memory is reported too);
* **index** — :meth:`PersonIndex.build` in a fresh process (:mod:`bench.check_index`):
  its wall time, and the process's resident memory growth (``VmRSS`` after − before) and
  peak growth (``VmHWM`` − ``VmRSS`` before). The memory target is judged on the peak.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import httpx
from rapidfuzz import fuzz
from sqlalchemy import select
from unidecode import unidecode

from bench import OUT
from bench.build import build_list_db
from bench.check_data import (
    BIRTH_GROUPS,
    Query,
    QuerySet,
    iter_labels,
    make_queries,
)
from bench.server import running
from bench.stats import Latency, percentile
from bench.targets import principal
from caravan.accounts import service as accounts
from caravan.match.batch import BatchQuery, run_batch
from caravan.match.checks import MAX_SCORED, person_index, reset_index, run_check
from caravan.match.index import PersonIndex
from caravan.match.selectors import Selector, parse_selector
from caravan.match.workers import RankWorkers
from caravan.store import Database
from caravan.store.models import Person

ROOT = Path(__file__).resolve().parents[1]
OFFICER = "kz.officer"
BASELINE_STRONG = 90.0
TOP_KEPT = 20

TARGET_RECALL_1 = 0.95
TARGET_RECALL_10 = 0.99
TARGET_UNHELD_STRONG = 0.01
TARGET_P95_MS = 25.0
TARGET_HTTP_P95_MS = 50.0
TARGET_BATCH_PER_S = 500.0
TARGET_BUILD_S = 120.0
TARGET_MEMORY_BYTES = 2_000_000_000


@dataclass
class Answer:
    """One query's ranked hits (ours and the baseline's) as record ids (hex)."""

    query: Query
    hits: list[tuple[str, str, float]] = field(default_factory=list)
    seconds: float = 0.0
    baseline: list[tuple[str, float]] = field(default_factory=list)
    candidates: int = 0

    def rank(self, truth: set[str]) -> int | None:
        return next((i + 1 for i, h in enumerate(self.hits) if h[0] in truth), None)

    def baseline_rank(self, truth: set[str]) -> int | None:
        return next((i + 1 for i, h in enumerate(self.baseline) if h[0] in truth), None)

    @property
    def strong(self) -> bool:
        return any(band == "strong" for _, band, _ in self.hits)

    @property
    def baseline_strong(self) -> bool:
        return bool(self.baseline) and self.baseline[0][1] >= BASELINE_STRONG


@dataclass
class IndexBuild:
    """The fresh-process build (:mod:`bench.check_index`)."""

    seconds: float
    persons: int
    stems: int
    keys: int
    postings: int
    rss_growth: int
    peak_growth: int

    @classmethod
    def of(cls, data: dict[str, Any]) -> IndexBuild:
        return cls(
            data["build_seconds"],
            data["persons"],
            data["stems"],
            data["keys"],
            data["postings"],
            data["rss_after"] - data["rss_before"],
            data["peak"] - data["rss_before"],
        )


@dataclass
class Group:
    name: str
    n: int
    recall_1: float
    recall_10: float
    base_1: float
    base_10: float
    strong: float
    #: recall@1 and @10 of the oracle (:meth:`ChecksReport.oracle`) on these queries.
    oracle_1: float = float("nan")
    oracle_10: float = float("nan")


@dataclass
class BatchWorkers:
    """The batch ranked by check workers."""

    count: int
    seconds: float
    #: Wall time from starting the workers until each had built its index.
    start_seconds: float
    #: The largest worker's resident memory after the batch.
    rss: int


@dataclass
class ChecksReport:
    persons: int
    database: Path
    queries: QuerySet
    answers: dict[str, Answer]
    #: query id → record ids (hex) of the person's stored records.
    truth: dict[str, set[str]]
    build: IndexBuild | None
    process_build_seconds: float
    in_process: Latency
    http: Latency | None
    batch_queries: int
    batch_seconds: float
    batch_workers: BatchWorkers | None
    examples_file: Path
    #: A few misses and unheld strong hits, for the results file.
    examples: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    # -------------------------------------------------------------- figures

    def _held(self, queries: Iterable[Query]) -> list[tuple[Answer, set[str]]]:
        return [(self.answers[q.qid], self.truth[q.qid]) for q in queries]

    def group(self, name: str, queries: Sequence[Query]) -> Group:
        pairs = self._held(queries)
        n = len(pairs)

        def share(hit: Callable[[Answer, set[str]], bool]) -> float:
            return sum(1 for a, t in pairs if hit(a, t)) / n if n else float("nan")

        def within(rank: int | None, k: int) -> bool:
            return rank is not None and rank <= k

        return Group(
            name,
            n,
            share(lambda a, t: within(a.rank(t), 1)),
            share(lambda a, t: within(a.rank(t), 10)),
            share(lambda a, t: within(a.baseline_rank(t), 1)),
            share(lambda a, t: within(a.baseline_rank(t), 10)),
            share(lambda a, t: any(h[0] in t and h[1] == "strong" for h in a.hits)),
            _oracle(queries, 1),
            _oracle(queries, 10),
        )

    @property
    def overall(self) -> Group:
        return self.group("all held queries", self.queries.held)

    @property
    def identified(self) -> Group:
        """Held queries whose information tells their person from every other held
        person (no twins, :func:`bench.check_data.count_twins`): where rank 1 is earned."""
        return self.group("", [q for q in self.queries.held if q.twins == 0])

    @property
    def within_ten(self) -> Group:
        """Held queries with fewer than 10 twins: where rank ≤ 10 is within reach."""
        return self.group("", [q for q in self.queries.held if q.twins < 10])

    def oracle(self, k: int) -> float:
        """recall@k of an oracle over all held queries (:func:`_oracle`)."""
        return _oracle(self.queries.held, k)

    def variation_groups(self) -> list[Group]:
        by: dict[str, list[Query]] = {}
        for q in self.queries.held:
            for label in iter_labels(q):
                by.setdefault(label, []).append(q)

        def order(name: str) -> tuple[int, str]:
            kind = 0 if name.endswith("(any)") else 2 if name.startswith("recipe") else 1
            kind = 3 if name.endswith("variation(s)") else kind
            return kind, name

        groups = [self.group(name, by[name]) for name in sorted(by, key=order)]
        groups.append(
            self.group("control: a stored row exactly (not in totals)", self.queries.controls)
        )
        return groups

    def birth_groups(self) -> list[Group]:
        return [self.group(g, [q for q in self.queries.held if q.birth == g]) for g in BIRTH_GROUPS]

    def unheld_share(self, queries: Sequence[Query], baseline: bool = False) -> float:
        if not queries:
            return float("nan")
        answers = [self.answers[q.qid] for q in queries]
        return sum(1 for a in answers if (a.baseline_strong if baseline else a.strong)) / len(
            answers
        )

    def unheld_groups(self) -> list[tuple[str, int, float, float, float]]:
        """(group, n, strong share, any-hit share, baseline strong share)."""
        unheld = self.queries.unheld
        groups = [("all unheld queries", unheld)]
        groups += [(g, [q for q in unheld if q.birth == g]) for g in BIRTH_GROUPS]
        groups += [
            ("namesake held (same surname + given name)", [q for q in unheld if q.namesake]),
            ("no namesake held", [q for q in unheld if not q.namesake]),
        ]
        out = []
        for name, queries in groups:
            n = len(queries)
            any_hit = sum(1 for q in queries if self.answers[q.qid].hits) / n if n else float("nan")
            out.append(
                (name, n, self.unheld_share(queries), any_hit, self.unheld_share(queries, True))
            )
        return out

    @property
    def batch_rate(self) -> float:
        """Checks a second, ranked in the batch's own process."""
        return self.batch_queries / self.batch_seconds if self.batch_seconds else float("nan")

    @property
    def workers_rate(self) -> float:
        """Checks a second, ranked by the check workers."""
        w = self.batch_workers
        return self.batch_queries / w.seconds if w and w.seconds else float("nan")

    def candidates_p95(self) -> float:
        return percentile([float(a.candidates) for a in self.answers.values()], 95)


def _oracle(queries: Sequence[Query], k: int) -> float:
    """recall@k of an oracle that knows everything the query says and nothing more:
    its person is one of ``1 + twins`` equals, ranked at random among them."""
    if not queries:
        return float("nan")
    return sum(min(1.0, k / (1 + q.twins)) for q in queries) / len(queries)


# --------------------------------------------------------------------------- the run


def _copy_db(source: Path, persons: int, seed: int) -> Path:
    """A private copy of the list database (checks write audit rows and notices)."""
    target = OUT / f"checks-{persons}-s{seed}.sqlite"
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, target)
    return target


def measure_index(db_file: Path) -> IndexBuild:
    """Build the index in a fresh process (see :mod:`bench.check_index`)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")])}
    out = subprocess.run(
        [sys.executable, "-m", "bench.check_index", f"sqlite:///{db_file}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return IndexBuild.of(json.loads(out.stdout.strip().splitlines()[-1]))


def _record_ids(db: Database, source_ids: set[str]) -> dict[str, str]:
    """source_id → record id (hex) for the stored rows named."""
    found: dict[str, str] = {}
    ordered = sorted(source_ids)
    with db.session() as session:
        for start in range(0, len(ordered), 500):
            chunk = ordered[start : start + 500]
            for record_id, source_id in session.execute(
                select(Person.id, Person.source_id).where(Person.source_id.in_(chunk))
            ):
                if source_id:
                    found[source_id] = record_id.hex
    return found


def _selector(query: Query) -> Selector:
    return parse_selector("person", query.fields)


def _query_text(query: Query) -> str:
    f = query.fields
    return f.get("full_name") or " ".join(
        f[k] for k in ("surname", "given_name", "patronymic") if f.get(k)
    )


@lru_cache(maxsize=500_000)
def _folded(text: str) -> str:
    return unidecode(text)


def baseline(
    index: PersonIndex, selector: Selector, text: str
) -> tuple[list[tuple[str, float]], int]:
    """The baseline's top hits over the checks' own candidates, and how many there were."""
    found, _, _ = index.candidates(selector.names, birth=selector.birth_date, limit=MAX_SCORED)
    candidates = found.tolist()
    query = unidecode(text)
    scored: list[tuple[str, float]] = []
    for ordinal in candidates:
        hex_id, variants, _birth, _nat = index.person(ordinal)
        if not hex_id:
            continue
        best = max(
            (
                fuzz.token_sort_ratio(query, _folded(" ".join(t.written for t in variant)))
                for variant in variants
            ),
            default=0.0,
        )
        scored.append((hex_id, best))
    scored.sort(key=lambda s: (-s[1], s[0]))
    return scored[:TOP_KEPT], len(candidates)


def _in_process(
    db: Database, queries: list[Query], answers: dict[str, Answer], log: Callable[[str], None]
) -> Latency:
    who = principal(db, OFFICER)
    for query in queries[:20]:  # warm-up (caches, first statements)
        with db.session() as session:
            run_check(session, who, _selector(query))
    times = []
    for i, query in enumerate(queries):
        started = time.perf_counter()
        with db.session() as session:
            outcome = run_check(session, who, _selector(query))
            hits = [(uuid.UUID(str(h._target)).hex, h.band, h.score) for h in outcome.hits]
        seconds = time.perf_counter() - started
        times.append(seconds)
        answers[query.qid] = Answer(query, hits, seconds)
        if (i + 1) % 500 == 0:
            log(f"  checks: {i + 1:,}/{len(queries):,} in process")
    return Latency.of(times)


def _baseline(db: Database, queries: list[Query], answers: dict[str, Answer]) -> None:
    with db.session() as session:
        index = person_index(session)
    for query in queries:
        answer = answers[query.qid]
        answer.baseline, answer.candidates = baseline(index, _selector(query), _query_text(query))


def _batch(db: Database, queries: list[Query], workers: RankWorkers | None = None) -> float:
    batch = [BatchQuery(q.qid, i + 1, [_selector(q)]) for i, q in enumerate(queries)]
    who = principal(db, OFFICER)
    started = time.perf_counter()
    with db.session() as session:
        run_batch(session, who, batch, filename="bench-checks", workers=workers)
    return time.perf_counter() - started


def _rss(pid: int) -> int:
    """A process's resident memory (bytes), from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def _batch_with_workers(
    db: Database, queries: list[Query], count: int, log: Callable[[str], None]
) -> BatchWorkers:
    """The batch again, ranked by ``count`` check workers (started and warmed first, as
    ``caravan serve`` does with ``CARAVAN_CHECK_WORKERS``; that start is not timed)."""
    started = time.perf_counter()
    pool = RankWorkers(db.url, count)
    try:
        ready = pool.wait_ready(900)
        warm = time.perf_counter() - started
        log(f"checks: {ready} check worker(s) ready in {warm:.1f}s")
        with pool.lease() as leased:
            if ready != count or leased is None:
                raise RuntimeError(f"only {ready} of {count} check workers started")
            seconds = _batch(db, queries, leased)
        rss = [_rss(pid) for pid in pool.pids]
    finally:
        pool.close()
    return BatchWorkers(count, seconds, warm, max(rss))


def _http(db: Database, queries: list[Query], log: Callable[[str], None]) -> Latency:
    with db.session() as session:
        secret, _ = accounts.create_token(
            session, accounts.get_user(session, OFFICER), f"bench-checks-{time.time():.0f}"
        )
    times = []
    with running(db) as base:
        headers = {"Authorization": f"Bearer {secret}"}
        with httpx.Client(base_url=base, timeout=120, headers=headers) as client:
            for i, query in enumerate([*queries[:10], *queries]):
                started = time.perf_counter()
                response = client.post("/api/v1/checks", json={"kind": "person", **query.fields})
                response.read()
                seconds = time.perf_counter() - started
                if response.status_code != 200:
                    raise RuntimeError(
                        f"POST /api/v1/checks: HTTP {response.status_code}: {response.text[:300]}"
                    )
                if i >= 10:
                    times.append(seconds)
    log(f"  checks: {len(times)} over HTTP")
    return Latency.of(times)


def run(
    persons: int,
    *,
    seed: int = 2026,
    held: int = 2000,
    unheld: int = 1000,
    http_requests: int = 300,
    batch: int = 2000,
    workers: int = 2,
    log: Callable[[str], None] = print,
) -> ChecksReport:
    """Build (or reuse) the database of ``persons`` persons, then measure everything."""
    source = build_list_db(persons, seed, log=log)
    db_file = _copy_db(source, persons, seed)
    log(f"checks: index build in a fresh process over {db_file.name}")
    build = measure_index(db_file)
    log(
        f"checks: index built in {build.seconds:.1f}s, RSS +{build.rss_growth / 1e6:,.0f} MB"
        f" (peak +{build.peak_growth / 1e6:,.0f} MB)"
    )
    queries = make_queries(persons, seed, held=held, unheld=unheld, log=log)
    db = Database(f"sqlite:///{db_file}")
    try:
        source_ids = {s.source_id for q in queries.all for s in q.truth}
        ids = _record_ids(db, source_ids)
        missing = source_ids - ids.keys()
        if missing:
            raise RuntimeError(f"{len(missing)} stored rows not found, e.g. {sorted(missing)[:3]}")
        truth = {q.qid: {ids[s.source_id] for s in q.truth} for q in queries.all}
        reset_index()
        started = time.perf_counter()
        with db.session() as session:
            person_index(session)
        process_build = time.perf_counter() - started
        log(f"checks: index built in this process in {process_build:.1f}s")
        order = list(queries.all)
        random.Random(seed).shuffle(order)
        answers: dict[str, Answer] = {}
        in_process = _in_process(db, order, answers, log)
        log(f"checks: in process p50 {in_process.p50:.1f} ms, p95 {in_process.p95:.1f} ms")
        _baseline(db, order, answers)
        batch_queries = order[:batch]
        batch_seconds = _batch(db, batch_queries)
        log(f"checks: batch of {len(batch_queries):,} in {batch_seconds:.1f}s in process")
        batch_workers = _batch_with_workers(db, batch_queries, workers, log) if workers else None
        if batch_workers is not None:
            log(
                f"checks: batch of {len(batch_queries):,} in {batch_workers.seconds:.1f}s"
                f" with {workers} check worker(s)"
            )
        http = _http(db, order[:http_requests], log) if http_requests else None
    finally:
        db.dispose()
    report = ChecksReport(
        persons,
        db_file,
        queries,
        answers,
        truth,
        build,
        process_build,
        in_process,
        http,
        len(batch_queries),
        batch_seconds,
        batch_workers,
        OUT / f"checks-{persons}-s{seed}-examples.txt",
    )
    report.examples_file.write_text(
        "\n".join(example_lines(report, db_file)) + "\n", encoding="utf-8"
    )
    report.examples = example_lines(report, db_file, limit=5)
    return report


# --------------------------------------------------------------------------- examples


def _names(db: Database, hex_ids: set[str]) -> dict[str, str]:
    """Record id (hex) → "agency source_id: surname given patronymic [birth date]"."""
    out: dict[str, str] = {}
    ordered = sorted(hex_ids)
    with db.session() as session:
        for start in range(0, len(ordered), 500):
            chunk = [uuid.UUID(h) for h in ordered[start : start + 500]]
            for person in session.scalars(select(Person).where(Person.id.in_(chunk))):
                out[person.id.hex] = (
                    f"{person.source_id}: {person.full_name} [{person.birth_date or '-'}]"
                )
    return out


def misses(report: ChecksReport) -> list[tuple[Query, Answer, int | None]]:
    """Held queries whose person is not first, worst first (not in the top 10, then rank)."""
    out = []
    for q in report.queries.held:
        answer = report.answers[q.qid]
        rank = answer.rank(report.truth[q.qid])
        if rank != 1:
            out.append((q, answer, rank))
    out.sort(key=lambda m: (m[2] is not None, m[2] or 0, m[0].qid))
    return out


def false_strong(report: ChecksReport) -> list[tuple[Query, Answer]]:
    return [
        (q, report.answers[q.qid]) for q in report.queries.unheld if report.answers[q.qid].strong
    ]


def example_lines(report: ChecksReport, db_file: Path, limit: int | None = None) -> list[str]:
    """Misses (query, stored renderings, what came first) and unheld strong hits."""
    missed = misses(report)[:limit]
    strong = false_strong(report)[:limit]
    wanted = {a.hits[0][0] for _, a, _ in missed if a.hits}
    wanted |= {h[0] for _, a in strong for h in a.hits if h[1] == "strong"}
    for q, _a, _r in missed:
        wanted |= report.truth[q.qid]
    db = Database(f"sqlite:///{db_file}")
    try:
        names = _names(db, wanted)
    finally:
        db.dispose()
    lines = [f"Held queries whose person is not first ({len(misses(report))} in all):", ""]
    for q, a, rank in missed:
        first = a.hits[0] if a.hits else None
        lines.append(
            f"- {q.qid} {', '.join(q.variations)} ({q.birth}): `{q.shown}` → "
            + (f"rank {rank}" if rank else "not in the hits")
            + (f" ({q.twins} held namesake(s) the query cannot tell apart)" if q.twins else "")
            + f"; baseline rank {a.baseline_rank(report.truth[q.qid]) or '-'}"
        )
        for s in q.truth:
            lines.append(f"  - stored: {s.source_id}: {s.name} [{s.birth_date or '-'}]")
        if first is not None:
            lines.append(f"  - first: {names.get(first[0], first[0])} ({first[1]} {first[2]})")
    lines += ["", f"Unheld queries with a strong hit ({len(false_strong(report))} in all):", ""]
    for q, a in strong:
        lines.append(f"- {q.qid} ({q.birth}, namesake held: {q.namesake}): `{q.shown}`")
        for h in a.hits:
            if h[1] == "strong":
                lines.append(f"  - strong: {names.get(h[0], h[0])} ({h[2]})")
    return lines
