"""The Splink model of person resolution: comparisons, blocking rules, training.

Caravan's model compares the columns of :mod:`caravan.resolve.features`:

* ``name`` — one comparison over surname and given name, so that one name is not
  counted as several independent pieces of evidence. Its levels, strongest first:
  same folded names; same surname stem and phonetic given name (transliteration or
  suffix change: ``Раҳимзода Ҷамшед`` = ``RAKHIMOV DZHAMSHED``); same words in another
  order or through an alias; one typo each; same surname stem only; one word shared.
  Term-frequency adjusted on the surname stem (``Ivanov`` proves less than ``Toktogulov``);
* ``patronymic``, ``birth`` (exact, day/month swapped, year and month, year with an
  unknown month, year, year ±1), ``nationality``, ``documents`` and ``phones``.

Each level carries a default m and u probability, so a store too small to train on
is still scored sensibly; :func:`train` replaces them with estimates from the data
(u by random sampling, less the true matches among the random pairs — see
:func:`caravan.resolve.pipeline.discount_matches`; m by expectation maximisation).

:func:`baseline_settings` is the benchmark's yardstick: the same model except that
names are compared as plain full-name text with Jaro-Winkler.
"""

from __future__ import annotations

from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on

from caravan.resolve.features import COLUMNS

#: Comparison name → the gamma (comparison vector value) of its levels that matter for
#: the bands: ``else`` (the values disagree) and, for names, ``null`` (no usable name).
NAME, BIRTH, DOCUMENTS = "name", "birth", "documents"
ELSE_GAMMA = 0
#: The gamma of ``documents`` when the two records share a document number.
DOCUMENT_SHARED = 2
#: The gamma of ``birth`` for day and month swapped; above it: the same birth date.
BIRTH_SWAPPED = 5
NULL_GAMMA = -1

PRIOR = 1e-5
"""Default probability that two random records are one person (before training)."""


def _level(creator: Any, m: float, u: float, label: str, tf: str | None = None) -> Any:
    options: dict[str, Any] = {"m_probability": m, "u_probability": u, "label_for_charts": label}
    if tf:
        options["tf_adjustment_column"] = tf
        options["tf_adjustment_weight"] = 1.0
    return creator.configure(**options)


def _null(condition: str, label: str) -> Any:
    return cll.CustomLevel(condition, label).configure(is_null_level=True)


def name_comparison(term_frequencies: bool = True) -> Any:
    """Surname and given name as one comparison, through ``caravan.names`` features."""
    tf = "sn_stem" if term_frequencies else None
    no_name = (
        "(sn_stem_l IS NULL AND gn_folded_l IS NULL) OR (sn_stem_r IS NULL AND gn_folded_r IS NULL)"
    )
    levels = [
        _null(no_name, "no usable name"),
        _level(
            cll.And(cll.ExactMatchLevel("sn_folded"), cll.ExactMatchLevel("gn_folded")),
            0.55,
            2e-6,
            "same name",
            tf=tf,
        ),
        _level(
            cll.And(cll.ExactMatchLevel("sn_stem"), cll.ExactMatchLevel("gn_coarse")),
            0.25,
            4e-6,
            "same name in another script, spelling or suffix",
            tf=tf,
        ),
        _level(
            # Two words, not two stems: a given name's family holds several stems, so
            # ``name_stems`` would put two records sharing only a given name here.
            cll.Or(cll.ExactMatchLevel("name_key"), cll.ArrayIntersectLevel("name_words", 2)),
            0.06,
            1e-5,
            "same names in another order or as an alias",
        ),
        _level(
            cll.And(cll.JaroWinklerLevel("sn_stem", 0.88), cll.JaroWinklerLevel("gn_folded", 0.88)),
            0.07,
            5e-5,
            "surname and given name a letter or two apart",
        ),
        _level(
            cll.Or(
                cll.And(
                    cll.ExactMatchLevel("sn_stem"),
                    cll.Or(cll.NullLevel("gn_folded"), cll.NullLevel("gn_folded")),
                ),
                cll.And(cll.ExactMatchLevel("gn_coarse"), cll.NullLevel("sn_stem")),
            ),
            0.05,
            5e-4,
            "same name, one part missing",
        ),
        _level(cll.ExactMatchLevel("sn_stem"), 0.04, 2e-3, "same surname only", tf=tf),
        _level(
            cll.JaroWinklerLevel("gn_folded", 0.9),
            0.02,
            1e-2,
            "given name a letter or two apart, surname different or missing",
        ),
        _level(cll.ArrayIntersectLevel("name_stems", 1), 0.02, 2e-2, "one name word shared"),
        _level(cll.ElseLevel(), 0.01, 0.975, "different names"),
    ]
    return cl.CustomComparison(
        comparison_levels=levels,
        output_column_name=NAME,
        comparison_description="Surname and given name (folded across scripts)",
    )


def plain_name_comparison() -> Any:
    """The baseline: the full name as written, lower-cased, by Jaro-Winkler."""
    # Levels as ``cl.JaroWinklerAtThresholds("full_plain", [0.95, 0.88, 0.8])``, but named
    # ``name`` like Caravan's comparison: the bands and the conflicting-document check
    # read the name's level from ``gamma_name`` (-1 no name, 0 names differ).
    levels: list[Any] = [
        cll.NullLevel("full_plain"),
        cll.ExactMatchLevel("full_plain"),
        *(cll.JaroWinklerLevel("full_plain", t) for t in (0.95, 0.88, 0.8)),
        cll.ElseLevel(),
    ]
    return cl.CustomComparison(
        comparison_levels=levels,
        output_column_name=NAME,
        comparison_description="Full name as written (Jaro-Winkler)",
    )


def birth_comparison() -> Any:
    levels = [
        _null("birth_year_l IS NULL OR birth_year_r IS NULL", "birth date unknown"),
        _level(cll.ExactMatchLevel("birth_date"), 0.60, 5e-5, "same birth date"),
        _level(
            cll.CustomLevel(
                "birth_year_l = birth_year_r AND birth_month_l = birth_day_r "
                "AND birth_day_l = birth_month_r"
            ),
            0.03,
            2e-5,
            "day and month swapped",
        ),
        _level(
            cll.And(cll.ExactMatchLevel("birth_year"), cll.ExactMatchLevel("birth_month")),
            0.05,
            1.2e-3,
            "same year and month",
        ),
        _level(
            cll.CustomLevel(
                "birth_year_l = birth_year_r AND (birth_month_l IS NULL OR birth_month_r IS NULL)"
            ),
            0.24,
            1.5e-2,
            "same year (month unknown)",
        ),
        _level(cll.ExactMatchLevel("birth_year"), 0.03, 1.5e-2, "same year, other month"),
        _level(
            cll.CustomLevel("abs(birth_year_l - birth_year_r) <= 1"),
            0.03,
            3e-2,
            "year one apart",
        ),
        _level(cll.ElseLevel(), 0.02, 0.94, "different birth dates"),
    ]
    return cl.CustomComparison(
        comparison_levels=levels,
        output_column_name=BIRTH,
        comparison_description="Birth date (full or partial)",
    )


def _simple(column: str, name: str, match: Any, m: float, u: float, same: str, other: str) -> Any:
    levels = [
        cll.NullLevel(column),
        _level(match, m, u, same),
        _level(cll.ElseLevel(), 1 - m, 1 - u, other),
    ]
    return cl.CustomComparison(comparison_levels=levels, output_column_name=name)


def documents_comparison() -> Any:
    levels = [
        cll.NullLevel("documents"),
        _level(cll.ArrayIntersectLevel("documents", 1), 0.85, 1e-6, "a document number shared"),
        _level(
            cll.DamerauLevenshteinLevel("document", 1),
            0.05,
            2e-5,
            "document numbers one keystroke apart",
        ),
        _level(cll.ElseLevel(), 0.10, 1 - 2.1e-5, "different document numbers"),
    ]
    return cl.CustomComparison(comparison_levels=levels, output_column_name=DOCUMENTS)


def comparisons(plain_names: bool = False, term_frequencies: bool = True) -> list[Any]:
    return [
        plain_name_comparison() if plain_names else name_comparison(term_frequencies),
        _simple(
            "pt_stem",
            "patronymic",
            cll.JaroWinklerLevel("pt_stem", 0.9),
            0.9,
            0.02,
            "same patronymic",
            "different patronymic",
        ),
        birth_comparison(),
        _simple(
            "nationality",
            "nationality",
            cll.ExactMatchLevel("nationality"),
            0.9,
            0.3,
            "same nationality",
            "different nationality",
        ),
        documents_comparison(),
        _simple(
            "phones",
            "phones",
            cll.ArrayIntersectLevel("phones", 1),
            0.7,
            1e-5,
            "a phone number shared",
            "different phone numbers",
        ),
    ]


#: Pairs that share a document number (also scored apart, whatever their score, to find
#: one document held by two people).
SHARED_DOCUMENT = block_on("documents", arrays_to_explode=["documents"])


def blocking_rules() -> list[Any]:
    """Which pairs are scored at all. Recall across scripts comes from the keys:
    a shared document or phone; a document number one keystroke apart (a shared key of
    ``document_edits``: 27 true FEBRL4 pairs share no other key; at 1,000,000 generated
    records it adds about 220,000 pairs, Splink's blocking analysis); a surname stem (of
    any name of the record), birth year and the first letter of the phonetic given name;
    a phonetic given name, or any name word (names swapped), and the full birth date;
    phonetic surname and given name where a birth year is missing, unless both
    patronymics are known and differ.

    The given-name letter and the patronymic keep the blocks of common names small: with
    surname + year alone, and surname + given name alone, 1,000,000 generated records
    gave about 100 million candidate pairs and scoring did not fit in 16 GiB; on FEBRL4
    and the cross-script benchmark set (20,000 rows) recall is unchanged at every
    threshold (``bench/resolve.py``)."""
    return [
        SHARED_DOCUMENT,
        block_on("phones", arrays_to_explode=["phones"]),
        block_on("document_edits", arrays_to_explode=["document_edits"]),
        block_on(
            "sn_stems", "birth_year", "substr(gn_coarse, 1, 1)", arrays_to_explode=["sn_stems"]
        ),
        block_on("gn_coarse", "birth_date"),
        block_on("name_stems", "birth_date", arrays_to_explode=["name_stems"]),
        "l.sn_coarse = r.sn_coarse AND l.gn_coarse = r.gn_coarse "
        "AND (l.birth_year IS NULL OR r.birth_year IS NULL) "
        "AND (l.pt_stem = r.pt_stem OR l.pt_stem IS NULL OR r.pt_stem IS NULL)",
    ]


#: Pairs that are almost surely one person, for estimating the prior.
DETERMINISTIC_RULES: list[Any] = [
    "l.sn_stem = r.sn_stem AND l.gn_coarse = r.gn_coarse AND l.birth_date = r.birth_date",
    block_on("documents", "sn_stem", arrays_to_explode=["documents"]),
]
#: EM is run once per rule; each leaves out the comparisons it blocks on. The second
#: blocks on the first document number: few pairs at any size, nearly all one person, and
#: they teach the name and birth-date levels. (Surname stem + phonetic given name instead
#: gives blocks that grow with the square of the store — common names — and took over
#: 18 GB at 1,000,000 records; ``bench/resolve.py``.)
TRAINING_RULES: list[Any] = [
    block_on("birth_date"),
    block_on("document"),
]


def settings(
    plain_names: bool = False, prior: float = PRIOR, term_frequencies: bool = True
) -> SettingsCreator:
    """The model. ``term_frequencies=False`` for small stores: with a few hundred records
    the frequency of a surname in the store says nothing about its frequency in the
    population (four records of one man make his surname look "common")."""
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons(plain_names, term_frequencies),
        blocking_rules_to_generate_predictions=blocking_rules(),
        probability_two_random_records_match=prior,
        # Both are needed for the gamma (level) columns the review waterfall shows.
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
        additional_columns_to_retain=[],
    )


def baseline_settings(prior: float = PRIOR) -> SettingsCreator:
    return settings(plain_names=True, prior=prior)


__all__ = [
    "BIRTH",
    "COLUMNS",
    "DETERMINISTIC_RULES",
    "DOCUMENTS",
    "NAME",
    "TRAINING_RULES",
    "baseline_settings",
    "blocking_rules",
    "settings",
]
