"""The alerts benchmark end to end at a tiny scale, so that it cannot rot (no timing is
asserted: only that every figure is there and the report renders)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import exchange_alerts  # noqa: E402

pytestmark = pytest.mark.slow


def test_the_alerts_benchmark_runs_and_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exchange_alerts, "OUT", tmp_path)
    report = exchange_alerts.run(200, 30, chunk=200, trials=2, log=lambda _: None)
    assert [(r.watches, r.mode) for r in report.runs] == [
        (0, "process"),
        (30, "process"),
        (30, "inline"),
        (0, "process"),
    ]
    assert all(r.import_s > 0 for r in report.runs)
    assert report.runs[0].hits == 0 and report.runs[1].hits == report.runs[2].hits > 0
    assert len(report.latencies) == 2 and all(s < float("inf") for s in report.latencies)
    text = exchange_alerts.render(report)
    assert "| 30 | process |" in text and "Notification latency over 2 trials" in text
