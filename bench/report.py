"""The results as Markdown: printed, and appended as a dated section to ``bench/RESULTS.md``."""

from __future__ import annotations

from bench import RESULTS
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


def summary(imports: ImportReport | None, lists: ListReport | None) -> list[str]:
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
    return lines


def render(
    machine: Machine, command: str, imports: ImportReport | None, lists: ListReport | None
) -> str:
    lines = [f"## {machine.date}", "", *machine.markdown(), f"- command: `{command}`", ""]
    if imports:
        lines += [*import_section(imports), ""]
    if lists:
        lines += [*list_section(lists), ""]
    lines += [*summary(imports, lists), ""]
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
