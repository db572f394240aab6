"""The checks benchmark end to end at a tiny scale, so that it cannot rot.

``bench/check_data.py`` replays the demo generator's internals to label its queries; a
change to the generator must break this test, not the next 1,000,000-person run. Over
3,000 persons in a temporary folder: every figure is there and the report renders. No
timing is asserted.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import bench.build  # noqa: E402
import bench.checks  # noqa: E402
from bench import report as bench_report  # noqa: E402
from bench.check_data import BIRTH_GROUPS  # noqa: E402

pytestmark = pytest.mark.slow


def test_checks_benchmark_runs_and_renders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench.build, "OUT", tmp_path)
    monkeypatch.setattr(bench.checks, "OUT", tmp_path)
    report = bench.checks.run(
        3_000, held=60, unheld=20, http_requests=30, batch=40, workers=1, log=lambda _: None
    )
    assert len(report.queries.held) == 60 and len(report.queries.unheld) == 20
    assert set(report.answers) == {q.qid for q in report.queries.all}
    overall = report.overall
    assert overall.n == 60 and 0.5 <= overall.recall_10 <= 1.0
    # the oracle is an upper bound of rank 1 only up to ties: it is reported, not asserted
    assert 0.0 < report.oracle(1) <= report.oracle(10) <= 1.0
    groups = report.birth_groups()
    assert [g.name for g in groups] == list(BIRTH_GROUPS)
    assert sum(g.n for g in groups) == 60
    for g in groups:
        assert g.n == 0 or (0.0 <= g.oracle_1 <= g.oracle_10 <= 1.0), g
        assert g.n > 0 or math.isnan(g.oracle_1)
    assert report.http is not None and report.batch_workers is not None
    assert report.batch_workers.count == 1
    assert report.examples_file.exists()
    text = "\n".join(bench_report.checks_section(report))
    assert "### Hit/no-hit checks (3,000 persons" in text
    assert "| queries | n | recall@1 | recall@10 | base @1 | base @10 | strong | oracle @1" in text
    for name in ("recall@1, held (60; an oracle:", "unheld with a strong hit (20)", "batch, 1"):
        assert name in text, name
