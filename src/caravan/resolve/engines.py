"""Where Splink runs: DuckDB in this process (the default) or Apache Spark.

Both take the same feature table and the same model; only the database API differs.
Spark is optional (``pip install 'caravan[spark]'``, and a Java runtime): see
``docs/scale.md``.
"""

from __future__ import annotations

import atexit
import copy
import os
import shutil
import tempfile
import threading
import uuid
import weakref
from typing import Any

from caravan.errors import ConfigurationError

ENGINES = ("duckdb", "spark")

#: Environment variable naming the Spark master URL (``local[4]``, ``spark://host:7077``,
#: ``yarn``…). Unset: whatever ``spark-submit --master`` or ``spark-defaults.conf`` say,
#: else Spark's own default, ``local[*]`` (every core of this machine).
MASTER_ENV = "CARAVAN_SPARK_MASTER"
#: Memory of the Spark driver (``8g``). Only read when Caravan starts the JVM itself.
DRIVER_MEMORY_ENV = "CARAVAN_SPARK_DRIVER_MEMORY"
#: Where Splink writes its intermediate tables (parquet). On a cluster this must be a
#: directory every executor can reach (``hdfs://…``, ``s3a://…``); by default a
#: temporary directory of this machine, which is only right in local mode.
CHECKPOINT_ENV = "CARAVAN_SPARK_CHECKPOINT_DIR"


def database_api(
    engine: str,
    *,
    threads: int | None = None,
    memory_gb: float | None = None,
    spill_dir: str | os.PathLike[str] | None = None,
) -> Any:
    """A fresh Splink database API for ``engine`` (every run starts from a clean one).

    DuckDB: ``memory_gb`` caps its memory (by default it takes up to 80 % of the
    machine's); past the cap it spills to ``spill_dir`` instead of growing."""
    if engine == "duckdb":
        import duckdb
        from splink import DuckDBAPI

        connection = duckdb.connect(":memory:")
        if threads:
            connection.execute(f"SET threads = {int(threads)}")
        if memory_gb:
            connection.execute(f"SET memory_limit = '{float(memory_gb):.2f}GB'")
            # Order is not needed for scored pairs, and keeping it costs memory.
            connection.execute("SET preserve_insertion_order = false")
        if spill_dir:
            os.makedirs(spill_dir, exist_ok=True)
            connection.execute("SET temp_directory = ?", [os.fspath(spill_dir)])
        return DuckDBAPI(connection)
    if engine == "spark":
        return _spark_api()
    raise ConfigurationError(
        f"Unknown resolution engine {engine!r}; use one of {', '.join(ENGINES)}"
    )


def in_dialect(trained_model: dict[str, Any], db_api: Any) -> dict[str, Any]:
    """``trained_model`` with its SQL in the dialect of ``db_api``.

    A saved model holds the SQL of the engine that trained it (DuckDB's
    ``jaro_winkler_similarity`` and ``list_intersect``, Spark's ``jaro_winkler`` and
    ``array_intersect``), which the other engine cannot run, so a full run on one engine
    and incremental runs on the other need a translation. The comparisons and blocking
    rules of :mod:`caravan.resolve.model` are rendered for the new dialect and all the
    saved parameters (m and u, term frequencies, labels, prior) kept, level by level —
    provided the saved SQL is exactly what this code renders for the saved dialect;
    otherwise (a model of another version) it refuses rather than guess.
    """
    from caravan.resolve import model

    dialect = db_api.sql_dialect.sql_dialect_str
    saved = trained_model.get("sql_dialect") or dialect
    if saved == dialect:
        return trained_model
    rules = "blocking_rules_to_generate_predictions"
    for plain_names in (False, True):
        code = model.settings(plain_names=plain_names)
        before = code.get_settings(saved).as_dict()
        if before[rules] == trained_model[rules] and _sql(before) == _sql(trained_model):
            break
    else:
        raise ConfigurationError(
            f"The model of the last full run was trained on {saved} by another version of "
            f"the resolution model and cannot be rendered for {dialect}: run a full "
            "resolution on this engine first"
        )
    after = code.get_settings(dialect).as_dict()
    translated = copy.deepcopy(trained_model)
    translated[rules] = after[rules]
    for comparison, rendered in zip(translated["comparisons"], after["comparisons"], strict=True):
        for level, new in zip(
            comparison["comparison_levels"], rendered["comparison_levels"], strict=True
        ):
            level["sql_condition"] = new["sql_condition"]
    translated["sql_dialect"] = dialect
    return translated


def _sql(settings: dict[str, Any]) -> list[list[str]]:
    return [
        [level["sql_condition"] for level in comparison["comparison_levels"]]
        for comparison in settings["comparisons"]
    ]


# Spark ------------------------------------------------------------------------------

_lock = threading.Lock()
#: Run directories on a non-local file system whose run has ended, deleted at the next
#: run (deleting them needs the JVM, which a garbage-collection callback must not call).
_ended: list[str] = []
#: The Spark session Caravan started (runs in other threads do not see it as active).
_session: Any = None


def _spark_api() -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - depends on the optional extra
        raise ConfigurationError(
            "The Spark engine needs PySpark: pip install 'caravan[spark]' (and Java 17+)"
        ) from exc
    from splink import SparkAPI

    global _session
    with _lock:
        base = SparkSession.getActiveSession()
        if base is None and _session is not None and _session.sparkContext._jsc is not None:
            base = _session  # started by an earlier run, in another thread
        if base is None:
            base = _new_session()
        _session = base
        _prepare(base)
        while _ended:
            _delete(base, _ended.pop())
        run_dir = f"{str(base.sparkContext.getCheckpointDir()).rstrip('/')}/run-{uuid.uuid4().hex}"
        run = base.newSession()
        given = base.sparkContext.getConf()
        defaults = {
            # pandas → Spark through Arrow: list<string> and nullable int32 columns keep
            # their types, and it is much faster than row by row.
            "spark.sql.execution.arrow.pyspark.enabled": "true",
        }
        if str(base.sparkContext.master or "").startswith("local"):
            # Splink runs many small queries: a few partitions beat Spark's 200 here.
            defaults["spark.sql.shuffle.partitions"] = "8"
        for key, value in defaults.items():
            if not given.contains(key):
                run.conf.set(key, value)

    class RunSparkAPI(SparkAPI):
        """One run: its own Spark session (temporary views, UDFs, SQL settings) on the
        shared Spark context, and its own directory of intermediate tables, deleted
        once the run is over (when this object is garbage-collected)."""

        def _get_checkpoint_dir_path(self, spark_df: Any) -> str:
            return run_dir

    api = RunSparkAPI(spark_session=run)
    weakref.finalize(api, _run_ended, run_dir)
    return api


def _new_session() -> Any:
    """Start Spark: ``CARAVAN_SPARK_MASTER`` if set, else whatever ``PYSPARK_SUBMIT_ARGS``
    or ``spark-defaults.conf`` say, else local mode on every core (``local[*]``)."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("caravan-resolve")
    submit_args = os.environ.get("PYSPARK_SUBMIT_ARGS", "")
    if "PYSPARK_GATEWAY_PORT" not in os.environ:  # not under spark-submit
        # No web UI port opened by a server process unless asked for, and no stage
        # progress bars over the command line's own.
        for key in ("spark.ui.enabled", "spark.ui.showConsoleProgress"):
            if key not in submit_args:
                builder = builder.config(key, "false")
    master = os.environ.get(MASTER_ENV)
    if master:
        builder = builder.master(master)
    driver_memory = os.environ.get(DRIVER_MEMORY_ENV)
    if driver_memory:
        builder = builder.config("spark.driver.memory", driver_memory)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def _prepare(spark: Any) -> None:
    """Once per Spark application: Splink's UDF jar and a checkpoint directory."""
    from splink.backends.spark import similarity_jar_location

    context = spark.sparkContext
    if context.getCheckpointDir() is None:
        configured = os.environ.get(CHECKPOINT_ENV)
        if configured:
            context.setCheckpointDir(configured)
        else:
            local = tempfile.mkdtemp(prefix="caravan-spark-")
            atexit.register(shutil.rmtree, local, True)
            context.setCheckpointDir(local)
    # Spark SQL has no Jaro-Winkler or Damerau-Levenshtein: Splink ships them as Scala
    # UDFs in a jar (one build for Spark 3, one for Spark 4). ADD JAR puts it on the
    # classpath of the driver (for every session) and of the executors; SparkAPI then
    # registers the functions in each run's session.
    jar = similarity_jar_location()
    listed = {row[0].rsplit("/", 1)[-1] for row in spark.sql("LIST JARS").collect()}
    if os.path.basename(jar) not in listed:
        spark.sql(f"ADD JAR '{jar}'")


def _run_ended(run_dir: str) -> None:
    if run_dir.startswith("file:"):
        shutil.rmtree(run_dir.removeprefix("file:"), ignore_errors=True)
    elif run_dir.startswith("/"):
        shutil.rmtree(run_dir, ignore_errors=True)
    else:
        _ended.append(run_dir)


def _delete(spark: Any, directory: str) -> None:
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(directory)
    path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).delete(path, True)
