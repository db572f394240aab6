"""The person index's candidate selection: enough words, birth-year filter, evidence order."""

from __future__ import annotations

from caravan.match.index import PersonIndex
from caravan.names import tokens


def index_of(people: list[tuple[str, str, str | None]]) -> PersonIndex:
    index = PersonIndex()
    for number, (surname, given, birth) in enumerate(people):
        index._put(f"{number:032x}", (tokens(surname, given),), birth, None)
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
