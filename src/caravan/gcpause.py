"""Fewer garbage collections while a bulk job runs (an import, a batch of checks).

An import allocates millions of small containers (rows, tuples, dicts) that live for a
batch. CPython's collector counts those allocations and, every few hundred, runs a
collection — and every so often a full one that walks *every* tracked object of the
process (for the importing process: SQLAlchemy, the models, the web application …).
Measured on 100,000 persons, that cost more than a third of the importing process's
CPU time and nearly as much of the cleaning worker's. A batch of checks is alike: with a
million persons in the check index, each full collection took most of a second.

:func:`fewer_collections` therefore, for the duration of an import or a batch:

* moves the objects that exist when it starts into the collector's permanent
  generation (``gc.freeze``), so full collections walk only what the import made;
* collects the young generation every :data:`YOUNG_THRESHOLD` allocations instead of
  every 700.

Garbage is still collected (memory stays bounded), only less often; on leaving, the
frozen objects are returned to the collector and the thresholds restored. Nested or
concurrent imports (threads of a web server) share one such period: the last one to
leave ends it.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["YOUNG_THRESHOLD", "fewer_collections", "tune_for_worker"]

#: Allocations between two young-generation collections during an import (CPython: 700).
YOUNG_THRESHOLD = 50_000


class _Period:
    """How many imports are inside :func:`fewer_collections`, and what to restore."""

    lock = threading.Lock()
    depth = 0
    thresholds: tuple[int, int, int] = (700, 10, 10)


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect garbage less often (and never walk the objects that existed before)
    until the block ends."""
    with _Period.lock:
        if _Period.depth == 0:
            _Period.thresholds = gc.get_threshold()
            gc.freeze()
            young, middle, old = _Period.thresholds
            if young:  # 0: collection is switched off; leave it so
                gc.set_threshold(max(YOUNG_THRESHOLD, young), middle, old)
        _Period.depth += 1
    try:
        yield
    finally:
        with _Period.lock:
            _Period.depth -= 1
            if _Period.depth == 0:
                gc.set_threshold(*_Period.thresholds)
                gc.unfreeze()


def tune_for_worker() -> None:
    """For a process that only imports (the cleaning worker): freeze what exists now and
    collect the young generation less often, for the rest of the process's life."""
    gc.freeze()
    young, middle, old = gc.get_threshold()
    if young:
        gc.set_threshold(max(YOUNG_THRESHOLD, young), middle, old)
