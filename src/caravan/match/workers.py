"""Check workers: processes that rank the queries of batch checks, each with its own index.

Ranking a person check (candidates, name scores, explanations) is pure CPU in Python,
about 2 ms a query at a million persons; one process therefore ranks at most a few
hundred queries a second. :class:`RankWorkers` keeps ``count`` worker processes, each
holding its own :class:`~caravan.match.index.PersonIndex` of the store (built when the
worker starts, refreshed from the change feed before every piece of work, as the web
process's is), so a batch uses as many cores as there are workers — and one more: when
the machine has a core the workers leave free, the batch's own process ranks units too
while they are busy.
:func:`caravan.match.batch.run_batch` hands them the queries in units of :data:`UNIT`
and keeps for itself what needs the asker: what they may see of each hit, the owners'
notifications and the audit. Workers return exactly what :func:`~caravan.match.checks.rank`
returns in process (``tests/match/test_rank_workers.py``).

Costs and safety:

* Each worker holds a whole index: as much memory as the web process's (about 1 GB at a
  million persons) and the same build time. ``CARAVAN_CHECK_WORKERS`` (default 0: none)
  is therefore the operator's choice; ``caravan serve`` starts them in the background,
  and batches run in process until they are ready.
* Workers are started with ``spawn``, never ``fork`` (the web server is threaded). They
  only read the store.
* One batch at a time uses the workers (:meth:`RankWorkers.lease`); another one started
  meanwhile runs in process.
* A worker that fails or dies is dropped; the units it held are ranked in process, so a
  batch never loses queries to a worker.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any

from sqlalchemy.orm import Session

from caravan.gcpause import tune_for_worker
from caravan.match.checks import person_index, rank
from caravan.match.selectors import Selector
from caravan.store import Database

log = logging.getLogger(__name__)

__all__ = [
    "UNIT",
    "RankWorkers",
    "Ranked",
    "rank_queries",
    "shared",
    "start_shared",
    "stop_shared",
]

#: Queries per piece of work sent to a worker.
UNIT = 100
#: Pieces of work a worker holds at once (one being ranked, the next one waiting).
IN_FLIGHT = 2
#: What a batch needs of one query: the ranked items of each of its selectors, in order.
Ranked = list[Any]


def rank_queries(session: Session, queries: Sequence[Sequence[Selector]]) -> list[Ranked]:
    """Each query's ranked items (:func:`~caravan.match.checks.rank` of each selector, in
    order), with the person index refreshed once."""
    index = person_index(session)
    return [[i for s in selectors for i in rank(session, s, index)[0]] for selectors in queries]


def _serve(url: str, conn: Connection) -> None:
    """A worker: build the index, say so, then rank what comes until told to stop."""
    db = Database(url)
    try:
        with db.session() as session:
            person_index(session)
        tune_for_worker()  # the index is built: full collections need not walk it again
        conn.send(("ready", None))
        while True:
            try:
                message = conn.recv()
            except EOFError:
                return
            if message is None:
                return
            number, queries = message
            try:
                with db.session() as session:
                    conn.send((number, rank_queries(session, queries)))
            except Exception:
                conn.send((number, traceback.format_exc()))
    except Exception:
        with contextlib.suppress(OSError):
            conn.send(("failed", traceback.format_exc()))
    finally:
        db.dispose()


class _Worker:
    def __init__(self, process: Any, conn: Connection) -> None:
        self.process = process
        self.conn = conn
        self.ready = False
        self.held: list[int] = []


class RankWorkers:
    """``count`` worker processes ranking check queries against the store at ``url``."""

    def __init__(self, url: str, count: int) -> None:
        if count < 1:
            raise ValueError("count must be at least 1")
        context = multiprocessing.get_context("spawn")
        self._workers: list[_Worker] = []
        #: Guards the list of workers; ``_leased`` is held by the batch using them.
        self._lock = threading.RLock()
        self._leased = threading.Lock()
        for n in range(count):
            parent, child = context.Pipe()
            process = context.Process(
                target=_serve, args=(url, child), name=f"caravan-checks-{n}", daemon=True
            )
            process.start()
            child.close()
            self._workers.append(_Worker(process, parent))

    @property
    def count(self) -> int:
        return len(self._workers)

    @property
    def pids(self) -> list[int]:
        """The process ids of the workers left."""
        return [w.process.pid for w in self._workers]

    def _poll_ready(self, timeout: float | None) -> None:
        """Take the start-up word of workers not yet ready, waiting up to ``timeout``
        seconds (None: until each has spoken)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        waiting = {w.conn: w for w in self._workers if not w.ready}
        while waiting:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            answered = wait(list(waiting), left)
            if not answered:
                return
            for conn in answered:
                worker = waiting.pop(conn)  # type: ignore[call-overload]
                try:
                    kind, detail = worker.conn.recv()
                except (EOFError, OSError):
                    kind, detail = "failed", "the worker process ended"
                if kind == "ready":
                    worker.ready = True
                else:
                    log.error("a check worker failed to start: %s", detail)
                    self._drop(worker)

    def wait_ready(self, timeout: float | None = None) -> int:
        """Wait until every worker has built its index (or failed); how many are ready."""
        with self._lock:
            self._poll_ready(timeout)
            return sum(1 for w in self._workers if w.ready)

    @property
    def ready(self) -> int:
        """How many workers are ready now."""
        return self.wait_ready(0)

    def _drop(self, worker: _Worker) -> None:
        with self._lock:
            if worker in self._workers:
                self._workers.remove(worker)
        with contextlib.suppress(OSError):
            worker.conn.close()
        if worker.process.is_alive():
            worker.process.terminate()

    @contextlib.contextmanager
    def lease(self) -> Iterator[RankWorkers | None]:
        """These workers for one batch, or None when another batch has them or none is
        ready."""
        if not self._leased.acquire(blocking=False):
            yield None
            return
        try:
            yield self if self.ready else None
        finally:
            self._leased.release()

    def rank(
        self,
        units: Sequence[Sequence[Sequence[Selector]]],
        in_process: Callable[[Sequence[Sequence[Selector]]], list[Ranked]],
    ) -> Iterator[list[Ranked]]:
        """Each unit's ranked queries, in order, as they come (call under :meth:`lease`).
        ``in_process`` ranks units here: those of a worker that fails, and — when there
        are more cores than workers — the last ones not yet handed out while every worker
        is busy."""
        results: dict[int, list[Ranked]] = {}
        pending = list(range(len(units)))[::-1]  # popped from the end: first unit first
        busy = [w for w in self._workers if w.ready]
        # This process ranks too while the workers are busy — when a core is left for it.
        share = len(busy) < (os.cpu_count() or 1)
        done = 0
        while done < len(units):
            for worker in list(busy):
                while pending and len(worker.held) < IN_FLIGHT:
                    number = pending.pop()
                    try:
                        worker.conn.send((number, list(units[number])))
                    except OSError:  # it died: what it held comes back
                        pending.append(number)
                        self._lost(worker, busy, pending, "the worker process ended")
                        break
                    worker.held.append(number)
            if done in results or not any(w.held for w in busy):
                if done not in results:  # no worker left: rank the next unit here
                    number = pending.pop()
                    results[number] = in_process(units[number])
                yield results.pop(done)
                done += 1
                continue
            held = [w.conn for w in busy if w.held]
            if share and pending and not wait(held, 0):
                # Rather than wait, rank the last unit not yet handed out here (the
                # workers go on from the first): this process is a worker too.
                number = pending.pop(0)
                results[number] = in_process(units[number])
                continue
            for conn in wait(held):
                worker = next(w for w in busy if w.conn is conn)
                try:
                    answered, answer = worker.conn.recv()
                except (EOFError, OSError):
                    answered, answer = -1, "the worker process ended"
                if isinstance(answer, list) and answered in worker.held:
                    worker.held.remove(answered)
                    results[answered] = answer
                    continue
                self._lost(worker, busy, pending, answer)

    def _lost(self, worker: _Worker, busy: list[_Worker], pending: list[int], why: Any) -> None:
        """Drop a failed worker; the units it held go back to ``pending`` (kept in
        descending order: the first is popped first)."""
        log.error("a check worker failed; its queries are ranked elsewhere: %s", why)
        pending.extend(worker.held)
        pending.sort(reverse=True)
        worker.held.clear()
        busy.remove(worker)
        self._drop(worker)

    def close(self) -> None:
        """Stop every worker."""
        for worker in list(self._workers):
            with contextlib.suppress(OSError):
                worker.conn.send(None)
        for worker in list(self._workers):
            worker.process.join(timeout=5)
            self._drop(worker)


# --------------------------------------------------------------------------- the server's

_shared: RankWorkers | None = None


def start_shared(url: str, count: int) -> RankWorkers:
    """Start the server's workers (``caravan serve`` with ``CARAVAN_CHECK_WORKERS``)."""
    global _shared
    stop_shared()
    _shared = RankWorkers(url, count)
    return _shared


def shared() -> RankWorkers | None:
    """The server's workers, if started."""
    return _shared


def stop_shared() -> None:
    global _shared
    if _shared is not None:
        _shared.close()
        _shared = None
