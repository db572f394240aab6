"""Where Splink runs: DuckDB in this process (the default) or Apache Spark.

Both take the same feature table and the same model; only the database API differs.
Spark is optional (``pip install 'caravan[spark]'``, and a Java runtime): see
``docs/scale.md``.
"""

from __future__ import annotations

import tempfile
from typing import Any

from caravan.errors import ConfigurationError

ENGINES = ("duckdb", "spark")


def database_api(engine: str, *, threads: int | None = None) -> Any:
    """A fresh Splink database API for ``engine`` (every run starts from a clean one)."""
    if engine == "duckdb":
        import duckdb
        from splink import DuckDBAPI

        connection = duckdb.connect(":memory:")
        if threads:
            connection.execute(f"SET threads = {int(threads)}")
        return DuckDBAPI(connection)
    if engine == "spark":
        return _spark_api()
    raise ConfigurationError(
        f"Unknown resolution engine {engine!r}; use one of {', '.join(ENGINES)}"
    )


def _spark_api() -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - depends on the optional extra
        raise ConfigurationError(
            "The Spark engine needs PySpark: pip install 'caravan[spark]' (and Java 17+)"
        ) from exc
    from splink import SparkAPI

    spark = SparkSession.getActiveSession()
    if spark is None:
        # Local mode unless the operator's spark-submit / SPARK_* settings say otherwise.
        spark = (
            SparkSession.builder.appName("caravan-resolve")
            .config("spark.sql.shuffle.partitions", "8")
            .config("spark.ui.enabled", "false")
            .getOrCreate()
        )
        spark.sparkContext.setCheckpointDir(tempfile.mkdtemp(prefix="caravan-spark-"))
    return SparkAPI(spark_session=spark)
