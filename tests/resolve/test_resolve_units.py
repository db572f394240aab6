"""Features, bands and constrained clustering, without a database."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caravan.resolve.cluster import CONFLICTING, NO_NAME, bands, cluster
from caravan.resolve.features import SCHEMA, PersonInput, feature_table, person_features
from caravan.resolve.model import BIRTH, DOCUMENTS, NAME


def make(uid: str, surname: str | None, given: str | None = None, **kw: object) -> PersonInput:
    values: dict[str, object] = {
        "patronymic": None,
        "other_names": (),
        "birth_date": None,
        "nationality": None,
        "documents": (),
        "phones": (),
        **kw,
    }
    return PersonInput(uid, "KZ-MVD", surname, given, **values)  # type: ignore[arg-type]


def test_renderings_share_stems_and_phonetic_keys() -> None:
    a = person_features(make("a", "Раҳимзода", "Ҷамшед", birth_date="1985-03-07"))
    b = person_features(make("b", "RAKHIMOV", "DZHAMSHED", birth_date="1985"))
    c = person_features(make("c", "Raximov", "Jamshid"))
    assert a["sn_stem"] == b["sn_stem"] == c["sn_stem"] == "rahim"
    assert a["gn_coarse"] == b["gn_coarse"] == c["gn_coarse"]
    assert (a["birth_year"], a["birth_month"], a["birth_day"], a["birth_date"]) == (
        1985,
        3,
        7,
        "1985-03-07",
    )
    # A partial date keeps its year and is never a full date.
    assert (b["birth_year"], b["birth_month"], b["birth_date"]) == (1985, None, None)


def test_swapped_names_and_aliases_share_a_name_key() -> None:
    a = person_features(make("a", "Rakhimov", "Jamshed"))
    b = person_features(make("b", "Jamshed", "Rakhimov"))
    assert a["name_key"] == b["name_key"]
    alias = person_features(make("c", "Ким", "Виктор", other_names=("RAKHIMOV JAMSHED",)))
    assert "rahim" in alias["sn_stems"] and "jamshed" in alias["name_stems"]


def test_no_usable_name_gives_empty_name_columns() -> None:
    f = person_features(make("a", "—", None, birth_date="1985", documents=("N1",)))
    assert f["sn_stem"] is None and f["gn_folded"] is None and f["name_stems"] is None
    assert f["documents"] == ["N1"] and f["document"] == "N1"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80), st.text(max_size=80), st.text(max_size=20))
def test_any_text_gives_a_valid_feature_row(surname: str, given: str, birth: str) -> None:
    table = feature_table([make("x", surname, given, birth_date=birth)])
    assert table.schema == SCHEMA and table.num_rows == 1


def scored(rows: list[tuple[str, str, float, int, int, int]]) -> pd.DataFrame:
    return pd.DataFrame(
        rows,
        columns=[
            "unique_id_l", "unique_id_r", "match_probability",
            f"gamma_{NAME}", f"gamma_{BIRTH}", f"gamma_{DOCUMENTS}",
        ],
    )  # fmt: skip


def test_bands_hold_back_conflicts_and_nameless_pairs() -> None:
    pairs = scored(
        [
            ("a", "b", 0.999, 8, 6, -1),  # strong: auto
            ("a", "c", 0.7, 3, 3, -1),  # review
            ("a", "d", 0.1, 3, 0, -1),  # below review: dropped
            ("e", "f", 0.999, 0, -1, 2),  # same document, names differ, no birth: conflict
            ("e", "g", 0.02, 0, 0, 2),  # conflict below the review threshold: still kept
            ("h", "i", 0.999, 0, 6, 2),  # names differ but same birth date: one person
            ("j", "k", 0.999, -1, 6, 2),  # no usable name
        ]
    )
    out = bands(pairs, auto=0.95, review=0.5)
    got = {(r.unique_id_l, r.unique_id_r): (r.band, r.flags) for r in out.itertuples()}
    assert got == {
        ("a", "b"): ("auto", []),
        ("a", "c"): ("review", []),
        ("e", "f"): ("review", [CONFLICTING]),
        ("e", "g"): ("review", [CONFLICTING]),
        ("h", "i"): ("auto", []),
        ("j", "k"): ("review", [NO_NAME]),
    }


def test_cannot_links_hold_through_chains() -> None:
    links = [("a", "b", 0.99), ("b", "c", 0.98), ("c", "d", 0.97)]
    groups, refused = cluster("abcd", links, cannot=[("a", "d")])
    assert sorted(sorted(g) for g in groups.groups()) == [["a", "b", "c"], ["d"]]
    assert refused == [("c", "d", 0.97)]


def test_strongest_links_win_and_must_links_come_first() -> None:
    links = [("a", "b", 0.90), ("b", "c", 0.99)]
    groups, _ = cluster("abcd", links, must=[("a", "d")], cannot=[("c", "d")])
    # a–d is a must; c–d a cannot; b joins c first (stronger), then a–b would join the
    # two groups, which the cannot-link forbids.
    assert sorted(sorted(g) for g in groups.groups()) == [["a", "d"], ["b", "c"]]


def test_exclusive_items_are_never_merged() -> None:
    links = [("new", "P1", 0.99), ("new", "P2", 0.98)]
    groups, refused = cluster(["new", "P1", "P2"], links, exclusive=["P1", "P2"])
    assert groups.group_of("new") == {"new", "P1"}
    assert refused == [("new", "P2", 0.98)]


def test_blocking_analysis_reports_every_rule() -> None:
    from caravan.resolve.model import blocking_rules
    from caravan.resolve.pipeline import blocking_report

    table = feature_table(
        [
            make("a", "Рахимов", "Джамшед", birth_date="1985-03-07", documents=("N1",)),
            make("b", "RAKHIMOV", "DZHAMSHED", birth_date="1985-03-07", documents=("N1",)),
            make("c", "Джамшед", "Рахимов", birth_date="1985-03-07"),
            make("d", "Ким", "Виктор"),
        ]
    )
    report = blocking_report(table)
    assert len(report) == len(blocking_rules())
    assert report[0]["marginal"] == 1  # a–b share a document
    cumulative = [r["cumulative"] for r in report]
    assert cumulative == sorted(cumulative) and cumulative[-1] == 3  # a–b, a–c, b–c
    assert all(r["all_pairs"] == 6 for r in report)


def test_a_record_without_a_birth_date_does_not_chain_two_namesakes() -> None:
    from caravan.resolve.cluster import birth

    births = {
        "a": birth("1985-03-07", 1985),
        "b": birth("1991-11-02", 1991),
        "c": birth(None, None),  # links strongly to both
        "d": birth(None, 1985),
    }
    links = [("a", "c", 0.99), ("b", "c", 0.98), ("a", "d", 0.97)]
    groups, refused = cluster("abcd", links, births=births)
    assert groups.group_of("a") == {"a", "c", "d"}
    assert refused == [("b", "c", 0.98)]
    # Two single records: the model has weighed their dates already.
    alone, _ = cluster("ab", [("a", "b", 0.99)], births=births)
    assert alone.group_of("a") == {"a", "b"}
    # An analyst's must-link is not held back.
    decided, _ = cluster("abc", links[:2], must=[("b", "c")], births=births)
    assert decided.group_of("b") == {"b", "c"}


def test_the_gammas_the_bands_read_are_the_levels_they_mean() -> None:
    from caravan.resolve import model
    from caravan.resolve.pipeline import levels, score_all

    table = feature_table(
        [make("a", "Рахимов", "Джамшед", birth_date="1985-03-07"), make("b", "Ким", "Виктор")]
    )
    labels = levels(score_all(table, threshold=0.5, train=False).model)
    assert labels[(model.BIRTH, model.BIRTH_SWAPPED)] == "day and month swapped"
    assert labels[(model.BIRTH, model.BIRTH_SWAPPED + 1)] == "same birth date"
    assert labels[(model.DOCUMENTS, model.DOCUMENT_SHARED)] == "a document number shared"
    assert labels[(model.NAME, model.ELSE_GAMMA)] == "different names"
    assert labels[(model.NAME, model.NULL_GAMMA)] == "no usable name"


def test_import_rows_become_inputs_as_the_importer_reads_dates() -> None:
    from caravan.resolve.features import from_import_row

    row = {"source_id": "P-1", "agency": "KZ-MVD", "surname": "Рахимов", "given_name": "",
           "birth_date": "07.03.1985", "document_number": "n 123-45", "phone": "+7 (701) 123-45-67",
           "name_as_written": "RAKHIMOV"}  # fmt: skip
    p = from_import_row(row)
    assert (p.birth_date, p.given_name, p.documents, p.phones) == (
        "1985-03-07",
        None,
        ("N12345",),
        ("7011234567",),
    )
    assert p.other_names == ("RAKHIMOV",)
    assert from_import_row({**row, "birth_date": "31.02.1985"}).birth_date is None
    assert from_import_row({**row, "birth_date": "1985"}).birth_date == "1985"


def test_name_words_count_a_shared_given_name_once() -> None:
    # A given name's family holds several stems ("mhary" → mhar, mhari): as stems, two
    # records sharing only that given name share two; as words, one.
    a = person_features(make("a", "Rundle", "Mhary"))
    b = person_features(make("b", "Majetic", "Mhary"))
    assert len(set(a["name_stems"]) & set(b["name_stems"])) >= 2
    assert set(a["name_words"]) & set(b["name_words"]) == {"mhar"}
    swapped = person_features(make("c", "Mhary", "Rundle"))
    assert set(a["name_words"]) == set(swapped["name_words"])


def test_names_sharing_one_given_name_are_not_an_alias_but_swapped_names_are() -> None:
    from caravan.resolve.pipeline import score_all

    table = feature_table(
        [
            make("a", "Rundle", "Mhary", birth_date="1996-08-12"),
            make("b", "Majetic", "Mhary", birth_date="1996-08-12"),
            make("c", "Mhary", "Rundle", birth_date="1996-08-12"),
        ]
    )
    pairs = score_all(table, threshold=0.0, train=False).pairs
    gamma = {
        frozenset((left, right)): g
        for left, right, g in zip(
            pairs["unique_id_l"], pairs["unique_id_r"], pairs["gamma_name"], strict=True
        )
    }
    alias = 6  # "same names in another order or as an alias"
    assert gamma[frozenset("ac")] == alias
    assert gamma[frozenset("ab")] < alias


def test_document_numbers_one_keystroke_apart_share_an_edit_key() -> None:
    def keys(*numbers: str) -> set[str]:
        return set(person_features(make("x", "A", documents=numbers))["document_edits"] or ())

    original = keys("5714719")
    for typo in ("5714791", "5714718", "571479", "57147199", "5174719"):
        assert original & keys(typo), typo
    assert not original & keys("5741971")  # two transpositions
    assert keys("N12") == set()  # too short to key


def test_a_document_number_typo_is_scored_without_a_shared_name_or_date() -> None:
    from caravan.resolve.pipeline import score_all

    table = feature_table(
        [
            make("a", "Jardine", "Matthew", birth_date="1918-08-05", documents=("2211117",)),
            make("b", "Jaridne", "Erin", birth_date="1918-08-05", documents=("2211171",)),
            make("c", "Watkin", "Kalli", birth_date="1903-12-02", documents=("2486965",)),
        ]
    )
    pairs = score_all(table, threshold=0.0, train=False).pairs
    assert list(zip(pairs["unique_id_l"], pairs["unique_id_r"], strict=True)) == [("a", "b")]
    assert pairs["gamma_documents"].tolist() == [1]  # one keystroke apart


def test_discounting_matches_from_u_lowers_only_estimated_levels() -> None:
    from types import SimpleNamespace

    from caravan.resolve.pipeline import U_FLOOR_SHARE, discount_matches

    def level(m: float, u: float, estimated: bool = True) -> SimpleNamespace:
        return SimpleNamespace(
            is_null_level=False, _has_estimated_u_values=estimated, m_probability=m, u_probability=u
        )

    shared, floor, default, rare = (
        level(0.9, 1e-4),
        level(0.9, 5e-5),
        level(0.7, 1e-5, False),
        level(0.1, 0.9),
    )
    null = SimpleNamespace(is_null_level=True)
    levels = [null, shared, floor, default, rare]
    settings = SimpleNamespace(
        _probability_two_random_records_match=1e-4,
        comparisons=[SimpleNamespace(comparison_levels=levels)],
    )
    discount_matches(SimpleNamespace(_settings_obj=settings))  # type: ignore[arg-type]
    assert shared.u_probability == pytest.approx((1e-4 - 0.9e-4) / (1 - 1e-4))
    assert floor.u_probability == pytest.approx(5e-5 * U_FLOOR_SHARE)  # λ·m > observed
    assert default.u_probability == 1e-5  # a default, never observed: kept
    assert rare.u_probability == pytest.approx((0.9 - 1e-5) / (1 - 1e-4))
