"""Caravan benchmarks (``make bench`` / ``python -m bench``).

* :mod:`bench.import_speed` — rows/s of :func:`caravan.collect.importer.import_file`
  into SQLite and PostgreSQL, against raw ``executemany`` floors measured in the same run.
* :mod:`bench.list_pages` — latency of the persons list (JSON API and UI) with a large
  database, against ``GET /api/v1/me`` measured in the same run.
* :mod:`bench.checks` — hit/no-hit person checks: recall, false strong hits, latency.
* :mod:`bench.resolve` — entity resolution: pairwise precision / recall / F1 on FEBRL4 and
  on cross-script generated records against a plain-name baseline, and the time and
  memory of full and incremental runs at scale (``--resolve``, ``--skip-resolve``).
* :mod:`bench.graph` — link analysis over a generated region (:mod:`bench.graph_data`:
  1,000,000 records, 5,000,000 links): graph load, 2-hop expansion, shortest path and
  Leiden, side by side with NetworkX (``--graph``, ``--skip-graph``).

Every figure is compared with a baseline measured in the same run on the same machine,
because the machine is shared and noisy: ratios travel, absolute times do not.
Generated files and cached databases live in ``bench/out/`` (git-ignored).
"""

from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
