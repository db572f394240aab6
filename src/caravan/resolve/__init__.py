"""Entity resolution: one profile per real person, across agencies and scripts.

* :mod:`~caravan.resolve.features` — comparison columns from :mod:`caravan.names`;
* :mod:`~caravan.resolve.model` — the Splink model (comparisons, blocking, training);
* :mod:`~caravan.resolve.pipeline` — scoring with Splink on DuckDB or Spark;
* :mod:`~caravan.resolve.cluster` — bands and clustering under analysts' decisions;
* :mod:`~caravan.resolve.service` — runs (full and incremental), written all or nothing;
* :mod:`~caravan.resolve.review` — the review queue, decisions, split and move;
* :mod:`~caravan.resolve.profiles` — what a user may see of a profile.
"""
