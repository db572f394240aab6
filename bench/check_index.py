"""Build the person index of a database in a fresh process and report time and memory.

``python -m bench.check_index sqlite:///PATH`` prints one JSON object:

* ``build_seconds``: :meth:`PersonIndex.build` wall time (its own ``IndexStats``);
* ``rss_before`` / ``rss_after``: the process's resident set (``VmRSS`` in
  ``/proc/self/status``, bytes) just before the build — modules imported, database
  connected — and just after it (``gc.collect()`` first), so ``rss_after - rss_before``
  is what the built index keeps resident;
* ``peak``: the process's peak resident set (``VmHWM``) after the build, so
  ``peak - rss_before`` is the most the build needed at any moment;
* the index's ``persons``, ``stems``, ``keys`` and ``postings``.

A separate process, because the benchmark's own process has already generated queries
and imported data: its resident set says little about the index.
"""

from __future__ import annotations

import gc
import json
import sys
from dataclasses import asdict

from sqlalchemy import select

from bench.machine import status_bytes
from caravan.match.index import PersonIndex
from caravan.store import Database
from caravan.store.models import Person


def measure(url: str) -> dict[str, float | int]:
    db = Database(url)
    try:
        with db.session() as session:
            session.execute(select(Person.id).limit(1)).all()
            gc.collect()
            before = status_bytes("VmRSS")
            index = PersonIndex()
            stats = index.build(session)
            gc.collect()
            after = status_bytes("VmRSS")
            peak = status_bytes("VmHWM")
            return {**asdict(stats), "rss_before": before, "rss_after": after, "peak": peak}
    finally:
        db.dispose()


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1])))
