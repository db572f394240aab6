"""Score pairs of person records with Splink: train, predict, explain.

Engine-neutral: takes feature tables (:mod:`caravan.resolve.features`), returns pandas
frames of scored pairs with, for each pair, the level every comparison reached and its
match weight (:func:`waterfall`), which is what the review page shows.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
from splink import Linker

from caravan.resolve import model
from caravan.resolve.engines import database_api, in_dialect

#: Below this many records the model keeps its default parameters: EM needs enough
#: pairs of each kind to estimate anything.
MIN_TRAIN = 2_000
#: Random pairs sampled to estimate u probabilities.
U_PAIRS = 2_000_000

#: :func:`discount_matches` leaves at least this share of the u observed at a level.
U_FLOOR_SHARE = 0.05

Progress = Callable[[str, int, int], None]


def _quiet(*_: Any) -> None:
    return None


@dataclass(frozen=True)
class Limits:
    """What a run may take of the machine (DuckDB): memory in GB, and where to spill."""

    memory_gb: float | None = None
    spill_dir: Path | None = None


def _limits(limits: Limits | None) -> dict[str, Any]:
    return {"memory_gb": limits.memory_gb, "spill_dir": limits.spill_dir} if limits else {}


@dataclass
class Scored:
    """The pairs at or above the review threshold, and the model that scored them."""

    pairs: pd.DataFrame
    model: dict[str, Any]
    trained: bool


def _register(db_api: Any, table: pa.Table, name: str) -> Any:
    """Hand a feature table to the engine: DuckDB reads Arrow as it is (no copy); Spark
    gets a pandas frame."""
    data: Any = table if db_api.sql_dialect.sql_dialect_str == "duckdb" else table.to_pandas()
    return db_api.register(data, table_name=name)


#: The columns of scored pairs the rest of Caravan reads: ids, score, and each
#: comparison's level (``gamma_``) and match weight (``mw_``) — not the compared values.
_KEPT = ("unique_id_l", "unique_id_r", "match_weight", "match_probability")


def _pairs(scored: Any) -> pd.DataFrame:
    """A scored-pairs table as a lean pandas frame (the compared values, arrays
    included, stay in the engine: at a million records they would cost gigabytes)."""
    names = [c.unquote().name for c in scored.columns]
    keep = [n for n in names if n in _KEPT or n.startswith(("gamma_", "mw_"))]
    columns = ", ".join(keep)  # plain snake_case names: no quoting in any dialect
    return scored.query_sql(f"SELECT {columns} FROM {{this}}").as_pandas_dataframe()  # noqa: S608


def _linker(db_api: Any, frames: list[Any], settings: Any) -> Linker:
    return Linker(frames if len(frames) > 1 else frames[0], settings, log_level=logging.ERROR)


def score_all(
    features: pa.Table,
    *,
    threshold: float,
    engine: str = "duckdb",
    plain_names: bool = False,
    train: bool | None = None,
    progress: Progress = _quiet,
    limits: Limits | None = None,
) -> Scored:
    """Train on ``features`` (when there are enough) and score every blocked pair."""
    should_train = features.num_rows >= MIN_TRAIN if train is None else train
    db_api = database_api(engine, **_limits(limits))
    frame = _register(db_api, features, "persons")
    settings = model.settings(plain_names=plain_names, term_frequencies=should_train)
    linker = _linker(db_api, [frame], settings)
    if should_train:
        progress("train", 0, 3)
        linker.training.estimate_probability_two_random_records_match(
            model.DETERMINISTIC_RULES, recall=0.7
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=U_PAIRS, seed=2026)
        progress("train", 1, 3)
        for rule in model.TRAINING_RULES:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True
            )
        discount_matches(linker)
        progress("train", 3, 3)
    progress("score", 0, 1)
    pairs = _pairs(linker.inference.predict(threshold_match_probability=threshold))
    shared = _pairs(
        linker.inference.predict_within(
            frame,
            blocking_rules_to_generate_predictions=[model.SHARED_DOCUMENT],
            warning_mode="never",
        )
    )
    pairs = _with_conflicts(pairs, shared, threshold)
    progress("score", 1, 1)
    return Scored(pairs, linker.misc.save_model_to_json(), should_train)


def discount_matches(linker: Linker) -> None:
    """Take the true matches out of the u probabilities estimated from random pairs.

    Splink estimates u (how often two *different* people agree at a level) from random
    pairs, as if none of them were one person. But a share λ (the prior) of them is,
    and they agree at the strong levels — same document number, same name, same birth
    date — far more often than different people: the observed rate at a level is
    ``λ·m + (1 − λ)·u``. Where people are recorded several times (FEBRL4: λ = 1e-4;
    a store of many agencies' records of one population), λ·m is most of what was
    observed, and the model then gives a shared passport number the weight of a
    shared surname. So, once EM has estimated m and λ is known, each level whose u
    was estimated from the data gets ``u = (observed − λ·m) / (1 − λ)``, but never
    below :data:`U_FLOOR_SHARE` of the observed rate (λ is itself an estimate)."""
    settings = linker._settings_obj
    prior = float(settings._probability_two_random_records_match)
    for comparison in settings.comparisons:
        for level in comparison.comparison_levels:
            if level.is_null_level or not level._has_estimated_u_values:
                continue
            observed, m = level.u_probability, level.m_probability
            if observed is None or m is None:
                continue
            discounted = (observed - prior * m) / (1 - prior)
            level.u_probability = max(discounted, observed * U_FLOOR_SHARE)


def blocking_report(
    features: pa.Table, *, engine: str = "duckdb", sample: float = 1.0
) -> list[dict[str, Any]]:
    """Splink's blocking analysis of :func:`caravan.resolve.model.blocking_rules` on
    ``features``: per rule, the pairs it adds (``marginal``) and the running total."""
    db_api = database_api(engine)
    frame = _register(db_api, features, "persons")
    linker = _linker(db_api, [frame], model.settings(term_frequencies=False))
    records = linker.blocking_analysis.count_comparisons_from_blocking_rules(
        record_sample_proportion=sample
    )
    return [
        {
            "rule": r["blocking_rule"],
            "marginal": int(r["marginal_comparison_count"]),
            "cumulative": int(r["cumulative_comparison_count"]),
            "all_pairs": int(r["total_possible_comparison_count"]),
            "estimate": bool(r["is_estimate"]),
        }
        for r in records
    ]


def score_new(
    existing: pa.Table,
    new: pa.Table,
    trained_model: dict[str, Any],
    *,
    threshold: float,
    engine: str = "duckdb",
    limits: Limits | None = None,
) -> pd.DataFrame:
    """Score ``new`` records against ``existing`` ones and against each other.

    Uses the model of the last full run as it is (no retraining); term frequencies are
    taken from all records, old and new.
    """
    db_api = database_api(engine, **_limits(limits))
    old_frame = _register(db_api, existing, "existing")
    new_frame = _register(db_api, new, "incoming")
    everything = _register(db_api, pa.concat_tables([existing, new]), "everything")
    linker = _linker(db_api, [everything], in_dialect(trained_model, db_api))
    for column in _tf_columns(trained_model):
        linker.table_management.compute_tf_table(column)
    between = _pairs(
        linker.inference.predict_between(
            old_frame, new_frame, threshold_match_probability=threshold, warning_mode="never"
        )
    )
    within = _pairs(
        linker.inference.predict_within(
            new_frame, threshold_match_probability=threshold, warning_mode="never"
        )
    )
    rules: list[Any] = [model.SHARED_DOCUMENT]
    shared = pd.concat(
        [
            _pairs(
                linker.inference.predict_between(
                    old_frame,
                    new_frame,
                    blocking_rules_to_generate_predictions=rules,
                    warning_mode="never",
                )
            ),
            _pairs(
                linker.inference.predict_within(
                    new_frame, blocking_rules_to_generate_predictions=rules, warning_mode="never"
                )
            ),
        ],
        ignore_index=True,
    )
    return _with_conflicts(pd.concat([between, within], ignore_index=True), shared, threshold)


def _with_conflicts(pairs: pd.DataFrame, shared: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Add the pairs below ``threshold`` that share a document number but disagree on
    the name: one passport, two people — an analyst must see them whatever their score."""
    if shared.empty:
        return pairs
    below = shared[
        (shared["match_probability"] < threshold)
        & (shared[f"gamma_{model.DOCUMENTS}"] == model.DOCUMENT_SHARED)
        & (shared[f"gamma_{model.NAME}"] == model.ELSE_GAMMA)
    ]
    if below.empty:
        return pairs
    return pd.concat([pairs, below[pairs.columns.intersection(below.columns)]], ignore_index=True)


def _tf_columns(trained_model: dict[str, Any]) -> list[str]:
    columns = {
        level["tf_adjustment_column"]
        for comparison in trained_model["comparisons"]
        for level in comparison["comparison_levels"]
        if level.get("tf_adjustment_column")
    }
    return sorted(columns)


@dataclass(frozen=True)
class Level:
    comparison: str
    gamma: int
    label: str


def levels(trained_model: dict[str, Any]) -> dict[tuple[str, int], str]:
    """(comparison, gamma) → the level's label, from a saved model."""
    labels: dict[tuple[str, int], str] = {}
    for comparison in trained_model["comparisons"]:
        name = comparison["output_column_name"]
        ranked = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        for lv in comparison["comparison_levels"]:
            if lv.get("is_null_level"):
                labels[(name, -1)] = lv.get("label_for_charts") or "unknown"
        for i, lv in enumerate(ranked):
            labels[(name, len(ranked) - 1 - i)] = lv.get("label_for_charts") or lv["sql_condition"]
        labels.setdefault((name, -1), "unknown")
    return labels


def comparison_names(trained_model: dict[str, Any]) -> list[str]:
    return [c["output_column_name"] for c in trained_model["comparisons"]]


def waterfall(
    row: Any, trained_model: dict[str, Any], labels: dict[tuple[str, int], str]
) -> dict[str, Any]:
    """The match weight of one scored pair, term by term: the prior, then each comparison
    (its level and the match weight — log2 Bayes factor — it contributed, the
    term-frequency adjustment included). The steps add up to the pair's match weight."""
    prior = trained_model["probability_two_random_records_match"]
    steps = [
        {"comparison": "prior", "gamma": None, "level": "", "weight": _log2(prior / (1 - prior))}
    ]
    for name in comparison_names(trained_model):
        gamma = int(row[f"gamma_{name}"])
        weight = float(row[f"mw_{name}"])
        adjustment = row.get(f"mw_tf_adj_{name}")
        if adjustment is not None and not pd.isna(adjustment):
            weight += float(adjustment)
        steps.append(
            {
                "comparison": name,
                "gamma": gamma,
                "level": labels.get((name, gamma), str(gamma)),
                "weight": round(weight, 3),
            }
        )
    return {"steps": steps, "match_weight": round(float(row["match_weight"]), 3)}


def _log2(x: float) -> float:
    return math.log2(x) if x > 0 else -60.0
