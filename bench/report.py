"""The results as Markdown: printed, and appended as a dated section to ``bench/RESULTS.md``."""

from __future__ import annotations

from pathlib import Path

from bench import RESULTS
from bench import checks as ck
from bench import resolve as rs
from bench.checks import ChecksReport
from bench.import_speed import TARGETS, ImportReport
from bench.list_pages import TARGET_P95_MS, CaseResult, ListReport
from bench.machine import Machine


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return out


def _met(ok: bool) -> str:
    return "**met**" if ok else "**NOT met**"


def import_section(report: ImportReport) -> list[str]:
    lines = [
        f"### Import ({report.persons:,} persons, {report.seizures:,} seizures)",
        "",
        "Wall time of `import_file` in its transaction, commit included, validation included."
        " Floor = raw `executemany` of the same CSV rows (parse included) into a plain"
        " one-table schema on the same backend, best of 3, measured just before.",
        "",
    ]
    rows = []
    for m in report.imports:
        floor = report.floor(m.backend, m.kind)
        ratio = report.ratio(m)
        target = TARGETS[m.kind]
        rows.append(
            [
                m.backend,
                m.kind,
                f"{m.rows:,}",
                f"{m.seconds:.2f}",
                f"{m.rate:,.0f}",
                f"{floor.rate:,.0f}" if floor else "–",
                f"{ratio:.3f}" if ratio is not None else "–",
                f"≥ {target:,}",
                _met(m.rate >= target),
            ]
        )
    header = ["backend", "kind", "rows", "s", "rows/s", "floor rows/s", "ratio", "target", ""]
    lines += _table(header, rows)
    lines += ["", "Floors and parse-only rates (same run):", ""]
    lines += _table(
        ["backend", "kind", "what", "rows", "s", "rows/s"],
        [
            [f.backend, f.kind, f.what, f"{f.rows:,}", f"{f.seconds:.3f}", f"{f.rate:,.0f}"]
            for f in report.floors
        ],
    )
    lines += [f"- note: {n}" for n in report.notes]
    lines += [f"- **import failed** — {f}" for f in report.failures]
    return lines


def _case_row(report: ListReport, case: CaseResult) -> list[str]:
    ratio = report.ratio(case)
    baseline = case.surface == "baseline"
    return [
        case.surface,
        case.name,
        f"{case.latency.p50:.1f}",
        f"{case.latency.p95:.1f}",
        f"{case.latency.max:.1f}",
        "1.00" if baseline else (f"{ratio:.2f}" if ratio is not None else "–"),
        "" if case.items is None else str(case.items),
        f"{case.sql_statements} / {case.sql_ms:.1f}",
        "baseline" if baseline else _met(case.met),
    ]


def list_section(report: ListReport) -> list[str]:
    lines = [
        f"### List pages ({report.persons:,} persons, SQLite)",
        "",
        f"`{report.database.name}`; {report.requests} requests per case after warm-up, cases"
        " interleaved; as `kz.officer` (KZ-MVD, visibility filter applies); uvicorn +"
        " httpx over 127.0.0.1. Times in ms. Ratio = p95 ÷ baseline p95. SQL = statements /"
        " ms in one traced request.",
        "",
    ]
    rows = [_case_row(report, report.baseline)] if report.baseline else []
    rows += [_case_row(report, c) for c in report.cases]
    header = ["surface", "case", "p50", "p95", "max", "p95 ratio", "items", "SQL", "< 200 ms p95"]
    lines += _table(header, rows)
    for case in report.cases:
        if case.plan:
            lines += [
                "",
                f"Slow case `{case.surface} {case.name}` ({case.url}): slowest statement"
                f" {case.slowest_sql_ms:.1f} ms:",
                "",
                "```sql",
                case.slowest_sql,
                "```",
                "",
                "```",
                *case.plan,
                "```",
            ]
    lines += [f"- note: {n}" for n in report.notes]
    return lines


def _shown(path: Path) -> Path:
    """A file of the run as the results name it: from the repository root if there."""
    root = RESULTS.parent.parent
    return path.relative_to(root) if path.is_relative_to(root) else path


def _pct(value: float) -> str:
    return "–" if value != value else f"{100 * value:.1f} %"


def _checks_figures(r: ChecksReport) -> list[tuple[str, str, str, str, bool | None]]:
    """(figure, ours, baseline, target, met) rows of the checks section."""
    o, i, t = r.overall, r.identified, r.within_ten
    unheld = r.unheld_share(r.queries.unheld)
    base_unheld = r.unheld_share(r.queries.unheld, baseline=True)
    rows: list[tuple[str, str, str, str, bool | None]] = [
        (f"recall@1, held ({o.n:,}; an oracle: {_pct(r.oracle(1))})", _pct(o.recall_1),
         _pct(o.base_1), f"≥ {ck.TARGET_RECALL_1:.2f}", o.recall_1 >= ck.TARGET_RECALL_1),
        (f"recall@10, held ({o.n:,}; an oracle: {_pct(r.oracle(10))})", _pct(o.recall_10),
         _pct(o.base_10), f"≥ {ck.TARGET_RECALL_10:.2f}", o.recall_10 >= ck.TARGET_RECALL_10),
        (f"recall@1, held queries that identify their person ({i.n:,})", _pct(i.recall_1),
         _pct(i.base_1), f"≥ {ck.TARGET_RECALL_1:.2f}", i.recall_1 >= ck.TARGET_RECALL_1),
        (f"recall@10, held queries with under 10 indistinguishable namesakes ({t.n:,})",
         _pct(t.recall_10), _pct(t.base_10), f"≥ {ck.TARGET_RECALL_10:.2f}",
         t.recall_10 >= ck.TARGET_RECALL_10),
        ("held: the person's record is a strong hit", _pct(o.strong), "", "", None),
        (f"unheld with a strong hit ({len(r.queries.unheld):,})", _pct(unheld),
         _pct(base_unheld), f"≤ {100 * ck.TARGET_UNHELD_STRONG:.0f} %",
         unheld <= ck.TARGET_UNHELD_STRONG),
        (f"in process p50 / p95 ({r.in_process.n:,} checks)",
         f"{r.in_process.p50:.1f} / {r.in_process.p95:.1f} ms", "",
         f"p95 ≤ {ck.TARGET_P95_MS:.0f} ms", r.in_process.p95 <= ck.TARGET_P95_MS),
    ]  # fmt: skip
    if r.http is not None:
        rows.append(
            (f"over HTTP p50 / p95 ({r.http.n:,} checks)",
             f"{r.http.p50:.1f} / {r.http.p95:.1f} ms", "",
             f"p95 ≤ {ck.TARGET_HTTP_P95_MS:.0f} ms", r.http.p95 <= ck.TARGET_HTTP_P95_MS)
        )  # fmt: skip
    w = r.batch_workers
    rows.append(
        (f"batch, ranked in its own process ({r.batch_queries:,} queries, "
         f"{r.batch_seconds:.1f} s)", f"{r.batch_rate:,.0f} checks/s", "",
         f"≥ {ck.TARGET_BATCH_PER_S:,.0f} checks/s" if w is None else "",
         r.batch_rate >= ck.TARGET_BATCH_PER_S if w is None else None)
    )  # fmt: skip
    if w is not None:
        rows.append(
            (f"batch, {w.count} check workers ({r.batch_queries:,} queries, {w.seconds:.1f} s;"
             f" workers ready in {w.start_seconds:.0f} s, {w.rss / 1e6:,.0f} MB each)",
             f"{r.workers_rate:,.0f} checks/s", "", f"≥ {ck.TARGET_BATCH_PER_S:,.0f} checks/s",
             r.workers_rate >= ck.TARGET_BATCH_PER_S)
        )  # fmt: skip
    if r.build is not None:
        b = r.build
        rows += [
            (f"index build, fresh process ({b.persons:,} persons)", f"{b.seconds:.1f} s", "",
             f"≤ {ck.TARGET_BUILD_S:.0f} s", b.seconds <= ck.TARGET_BUILD_S),
            ("index memory: peak RSS growth (kept after build)",
             f"{b.peak_growth / 1e6:,.0f} MB ({b.rss_growth / 1e6:,.0f} MB)", "",
             f"≤ {ck.TARGET_MEMORY_BYTES / 1e9:.0f} GB",
             b.peak_growth <= ck.TARGET_MEMORY_BYTES),
        ]  # fmt: skip
    return rows


def _group_row(g: ck.Group) -> list[str]:
    return [
        g.name,
        f"{g.n:,}",
        _pct(g.recall_1),
        _pct(g.recall_10),
        _pct(g.base_1),
        _pct(g.base_10),
        _pct(g.strong),
        _pct(g.oracle_1),
        _pct(g.oracle_10),
    ]


def checks_section(r: ChecksReport) -> list[str]:
    q = r.queries
    lines = [
        f"### Hit/no-hit checks ({r.persons:,} persons, SQLite, index in process memory)",
        "",
        f"`{r.database.name}`; {len(q.held):,} held queries (renderings of held persons"
        f" that differ from every stored row), {len(q.unheld):,} queries for unheld persons,"
        f" {len(q.controls):,} control queries; as `{ck.OFFICER}`. Baseline: rapidfuzz"
        " `token_sort_ratio` over `unidecode`d full names, same candidates, no birth date;"
        f" its strong = score ≥ {ck.BASELINE_STRONG:.0f}. Index build and memory in a fresh"
        " process (VmRSS/VmHWM growth); in-process build here"
        f" {r.process_build_seconds:.1f} s. See `bench/checks.py`.",
        "",
    ]
    rows = [
        [name, ours, base, target, "" if met is None else _met(met)]
        for name, ours, base, target, met in _checks_figures(r)
    ]
    lines += _table(["figure", "checks", "baseline", "target", ""], rows)
    header = [
        *("queries", "n", "recall@1", "recall@10", "base @1", "base @10", "strong"),
        *("oracle @1", "oracle @10"),
    ]
    lines += ["", "Held queries by variation (a query counts in each of its variations):", ""]
    lines += _table(header, [_group_row(g) for g in r.variation_groups()])
    lines += ["", "Held queries by birth date given:", ""]
    lines += _table(header, [_group_row(g) for g in r.birth_groups()])
    lines += ["", "Unheld queries:", ""]
    lines += _table(
        ["queries", "n", "strong hit", "any hit", "baseline strong"],
        [
            [name, f"{n:,}", _pct(strong), _pct(any_hit), _pct(base)]
            for name, n, strong, any_hit, base in r.unheld_groups()
        ],
    )
    lines += [
        "",
        f"Candidates compared per check: p95 {r.candidates_p95():,.0f}. All misses and"
        f" unheld strong hits: `{_shown(r.examples_file)}`"
        " (git-ignored). First few:",
        "",
        *r.examples,
    ]
    lines += [f"- note: {n}" for n in r.notes]
    return lines


def summary(
    imports: ImportReport | None,
    lists: ListReport | None,
    checks: ChecksReport | None = None,
    resolved: rs.ResolveReport | None = None,
) -> list[str]:
    lines = ["### Targets", ""]
    if imports:
        for m in imports.imports:
            target = TARGETS[m.kind]
            lines.append(
                f"- {m.kind} import into {m.backend} ≥ {target:,} rows/s:"
                f" {m.rate:,.0f} rows/s → {_met(m.rate >= target)}"
            )
        for failure in imports.failures:
            lines.append(f"- import failed, target **NOT met**: {failure}")
    if lists:
        slow = [c for c in lists.cases if not c.met]
        worst = max(lists.cases, key=lambda c: c.latency.p95, default=None)
        if worst is not None:
            lines.append(
                f"- list pages p95 < {TARGET_P95_MS:.0f} ms with {lists.persons:,} persons:"
                f" worst {worst.surface} {worst.name} p95 {worst.latency.p95:.1f} ms →"
                f" {_met(not slow)}"
                + (
                    f" ({len(slow)} case(s) over: "
                    + ", ".join(f"{c.surface} {c.name}" for c in slow)
                    + ")"
                    if slow
                    else ""
                )
            )
    if checks:
        for figure, ours, _base, goal, met in _checks_figures(checks):
            if met is not None:
                lines.append(
                    f"- checks ({checks.persons:,} persons) {figure} {goal}: {ours} → {_met(met)}"
                )
    if resolved:
        lines += rs.targets(resolved)
    return lines


def render(
    machine: Machine,
    command: str,
    imports: ImportReport | None,
    lists: ListReport | None,
    checks: ChecksReport | None = None,
    resolved: rs.ResolveReport | None = None,
) -> str:
    lines = [f"## {machine.date}", "", *machine.markdown(), f"- command: `{command}`", ""]
    if imports:
        lines += [*import_section(imports), ""]
    if lists:
        lines += [*list_section(lists), ""]
    if checks:
        lines += [*checks_section(checks), ""]
    if resolved:
        lines += [*rs.section(resolved), ""]
    targets = summary(imports, lists, checks, resolved)
    if len(targets) > 2:  # a heading alone says nothing (a run of one other benchmark)
        lines += [*targets, ""]
    return "\n".join(lines) + "\n"


def append(text: str) -> None:
    if not RESULTS.exists():
        RESULTS.write_text(
            "# Benchmark results\n\nAppended by `make bench` (`python -m bench`), newest last."
            " See `bench/__init__.py` for what is measured and how.\n\n",
            encoding="utf-8",
        )
    with RESULTS.open("a", encoding="utf-8") as handle:
        handle.write(text + "\n")
