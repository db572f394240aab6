"""Check workers rank a batch exactly as the batch's own process does — also when a worker
dies, and for records saved after the workers started."""

from __future__ import annotations

import random
from typing import Any

import pytest
from test_batch_same_as_checks import _import, _queries, _seen

from caravan.collect.generator.persons import generate_persons
from caravan.match import batch as batch_module
from caravan.match.batch import BatchQuery, run_batch
from caravan.match.workers import RankWorkers


def _world_rows() -> list[dict[str, str]]:
    rows = [dict(r) for r in generate_persons(600, seed=31)]
    for i, row in enumerate(rows):
        row["handling_code"] = "H3" if i % 4 == 0 else "H1"
        row["handling_note"] = "source protection" if i % 4 == 0 else ""
        if not row["phone"].startswith("+"):
            row["phone"] = ""
    return rows


def _batch(rows: list[dict[str, str]]) -> list[BatchQuery]:
    asked = _queries(rows, random.Random(8))
    return [
        BatchQuery(f"q{i}", i + 1, batch_module._row_selectors(fields, "KZ"))
        for i, fields in enumerate(asked)
    ]


def _answers(world: Any, batch: list[BatchQuery], workers: RankWorkers | None) -> list[Any]:
    who = world.principal("kg-mvd.analyst")
    with world.db.session() as session:
        outcome = run_batch(session, who, batch, workers=workers)
    return [(query_id, _seen(hits)) for query_id, hits in outcome.results]


@pytest.fixture
def pool(world: Any) -> Any:
    workers = RankWorkers(world.db.url, 2)
    yield workers
    workers.close()


def test_workers_rank_as_the_batch_process_does(
    world: Any, pool: RankWorkers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batch_module, "UNIT", 9)  # many units, in and out of order
    rows = _world_rows()
    _import(world, "kz-mvd.officer", rows[:400])
    assert pool.wait_ready(120) == 2
    # Saved after the workers built their indexes: they find them too (change feed).
    _import(world, "kg-mvd.officer", rows[400:])
    batch = _batch(rows)
    late = {row["source_id"] for row in rows[400:]}
    alone = _answers(world, batch, None)
    with pool.lease() as leased:
        assert leased is pool
        with pool.lease() as second:
            assert second is None  # one batch at a time
        together = _answers(world, batch, leased)
    assert together == alone
    assert sum(1 for _, hits in together if hits) > 80
    assert any(hit[12] in late for _, hits in together for hit in hits)  # reference


def test_one_worker_and_the_batch_process_share_the_units(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batch_module, "UNIT", 7)
    monkeypatch.setattr("os.cpu_count", lambda: 2)  # a core left: this process ranks too
    rows = _world_rows()
    _import(world, "kz-mvd.officer", rows)
    batch = _batch(rows)
    alone = _answers(world, batch, None)
    here: list[int] = []
    workers = RankWorkers(world.db.url, 1)
    try:
        assert workers.wait_ready(120) == 1
        with workers.lease() as leased:
            assert leased is workers

            def counted(unit: Any) -> Any:
                here.append(len(unit))
                return batch_module.rank_queries(session, unit)

            who = world.principal("kg-mvd.analyst")
            with world.db.session() as session:
                units = [[q.selectors for q in batch[i : i + 7]] for i in range(0, len(batch), 7)]
                ranked = [r for unit in workers.rank(units, counted) for r in unit]
                outcome = run_batch(session, who, batch, workers=leased)
            assert [(q, _seen(h)) for q, h in outcome.results] == alone
            assert len(ranked) == len(batch)
    finally:
        workers.close()
    assert 0 < len(here) < len(units)  # some units here, the rest by the worker


def test_a_dead_worker_leaves_its_queries_to_the_batch(world: Any, pool: RankWorkers) -> None:
    rows = _world_rows()
    _import(world, "kz-mvd.officer", rows)
    assert pool.wait_ready(120) == 2
    batch = _batch(rows)
    alone = _answers(world, batch, None)
    pool._workers[0].process.kill()
    pool._workers[0].process.join(10)
    with pool.lease() as leased:
        assert leased is pool
        assert _answers(world, batch, leased) == alone
    assert pool.count == 1
    pool._workers[0].process.kill()
    pool._workers[0].process.join(10)
    with pool.lease() as leased:
        assert _answers(world, batch, leased) == alone  # none left: all ranked in process
    assert pool.count == 0


def test_a_worker_that_cannot_start_is_dropped(tmp_path: Any) -> None:
    workers = RankWorkers(f"sqlite:///{tmp_path / 'missing' / 'none.db'}", 1)
    try:
        assert workers.wait_ready(120) == 0
        assert workers.count == 0
        with workers.lease() as leased:
            assert leased is None
    finally:
        workers.close()
