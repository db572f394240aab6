"""The person index's candidate selection: enough words, birth-year filter, evidence order."""

from __future__ import annotations

import random

import pytest

from caravan.match import index as index_module
from caravan.match.index import PersonIndex
from caravan.names import tokens


def index_of(people: list[tuple[str, str, str | None]]) -> PersonIndex:
    index = PersonIndex()
    for number, (surname, given, birth) in enumerate(people):
        index._put(f"{number:032x}", (index.table.add(tokens(surname, given)),), birth, None)
    return index


def test_a_candidate_needs_two_words_of_a_two_word_query() -> None:
    index = index_of([("Сериков", "Талгат", None), ("Сериков", "Ержан", None)])
    found, total, frequency = index.candidates(tokens("Serikov", "Talgat"))
    assert found.tolist() == [0] and total == 1
    assert frequency == {"Serikov": 2, "Talgat": 1}


def test_birth_year_filters_and_the_closest_date_comes_first() -> None:
    people: list[tuple[str, str, str | None]] = [("Сериков", "Талгат", None)] * 30
    people += [
        ("Сериков", "Талгат", "1980"),  # 30: far year — left out
        ("Сериков", "Талгат", "2001"),  # 31: same year
        ("Сериков", "Талгат", "2001-01"),  # 32: same month
        ("Сериков", "Талгат", "2001-01-12"),  # 33: same day
        ("Сериков", "Талгат", "2002-05-05"),  # 34: a year apart — kept, no bonus
    ]
    index = index_of(people)
    found, total, _ = index.candidates(tokens("Serikov", "Talgat"), birth="2001-01-12", limit=4)
    assert total == 34  # all but the one born in 1980
    assert found.tolist()[:3] == [33, 32, 31]
    unlimited, _, _ = index.candidates(tokens("Serikov", "Talgat"), birth="2001-01-12")
    assert 30 not in unlimited.tolist() and 34 in unlimited.tolist()


def test_exact_stems_come_before_typos_when_there_are_too_many() -> None:
    people: list[tuple[str, str, str | None]] = [("Серков", "Талгат", None)]  # a typo
    people += [("Сериков", "Талгат", None)] * 3
    index = index_of(people)
    everyone, total, _ = index.candidates(tokens("Serikov", "Talgat"))
    assert sorted(everyone.tolist()) == [0, 1, 2, 3] and total == 4
    found, _, _ = index.candidates(tokens("Serikov", "Talgat"), limit=3)
    assert sorted(found.tolist()) == [1, 2, 3]


def test_many_found_give_the_same_candidates_read_off_every_count(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Candidates are read off all counts when the words found many persons, else sorted
    out of those found: the same ordinals, order, totals and frequencies either way."""
    rnd = random.Random(4)
    surnames = ["Сериков", "Серикова", "Serikov", "Серков", "Рахимов", "Rakhimova", "Ахмедов"]
    givens = ["Талгат", "Talgat", "Ержан", "Джамшед", "Jamshid", "Бахтиёр"]
    years = [None, "1980", "1981", "1981-02", "1981-02-03", "1990-07-01"]
    people = [(rnd.choice(surnames), rnd.choice(givens), rnd.choice(years)) for _ in range(600)]
    index = index_of(people)
    index._drop(f"{5:032x}")
    queries = [tokens(s, g) for s in surnames[:4] for g in givens[:3]] + [tokens("Serikov")]
    for query in queries:
        for birth, limit in ((None, None), ("1981-02-03", 50), ("1981", 10), (None, 5)):
            answers = []
            for sweep in (0, 10_000):  # never, always
                monkeypatch.setattr(index_module, "_SWEEP", sweep)
                found, total, frequency = index.candidates(query, birth=birth, limit=limit)
                answers.append((found.dtype, found.tolist(), total, frequency))
                assert not index._counts.any()  # the scratch counts are left all zero
            assert answers[0] == answers[1], (query, birth, limit)
