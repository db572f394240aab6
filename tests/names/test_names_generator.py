"""Demo identities: every rendering of one person matches the others, other people don't.

The demo generator writes each person the way each agency would (Tajik, Kazakh, Kyrgyz
Cyrillic; Russian; Uzbek, Turkmen, Azerbaijani Latin; ICAO; informal Latin), with its
own surname traditions (-зода, -ұлы, уулу, -zadə) and occasional typos.  It does not
use caravan.names, so it is an independent check.
"""

import itertools
import random
from collections import defaultdict

import pytest

from caravan.collect.generator.persons import generate_persons
from caravan.names import Token, blocking_keys, compare, tokens

Row = dict[str, str]


@pytest.fixture(scope="module")
def people() -> dict[str, list[Row]]:
    by_person: dict[str, list[Row]] = defaultdict(list)
    for row in generate_persons(3000, seed=11, with_truth=True):
        by_person[row["true_person_id"]].append(row)
    return by_person


def _structured(row: Row) -> tuple[Token, ...]:
    return tokens(surname=row["surname"], given=row["given_name"], patronymic=row["patronymic"])


def _written(row: Row) -> tuple[Token, ...]:
    return tokens(full=row["name_as_written"])


def test_renderings_of_one_person_match(people: dict[str, list[Row]]) -> None:
    scores = []
    for rows in people.values():
        for a, b in itertools.combinations(rows, 2):
            scores.append(compare(_structured(a), _structured(b)).score)
            scores.append(compare(_written(a), _written(b)).score)
            scores.append(compare(_structured(a), _written(b)).score)
    assert len(scores) > 1000
    strong = sum(s >= 0.85 for s in scores) / len(scores)
    possible = sum(s >= 0.75 for s in scores) / len(scores)
    assert strong >= 0.95, strong
    assert possible >= 0.98, possible


def test_other_people_do_not_match(people: dict[str, list[Row]]) -> None:
    rnd = random.Random(3)
    ids = sorted(people)
    scores = []
    for _ in range(6000):
        p, q = rnd.sample(ids, 2)
        a, b = rnd.choice(people[p]), rnd.choice(people[q])
        scores.append(compare(_structured(a), _structured(b)).score)
    # the pools are small, so a few different people share surname and given name
    assert sum(s >= 0.85 for s in scores) / len(scores) <= 0.002
    assert sum(s >= 0.6 for s in scores) / len(scores) <= 0.01


def test_one_person_is_the_best_hit_among_relatives(people: dict[str, list[Row]]) -> None:
    """Same surname (a brother, a cousin) must rank below the person himself."""
    by_surname: dict[str, list[tuple[str, Row]]] = defaultdict(list)
    for pid, rows in people.items():
        for row in rows:
            by_surname[_structured(row)[0].stem].append((pid, row))
    checked = wrong = 0
    for pid, rows in people.items():
        if len(rows) < 2:
            continue
        query = _structured(rows[0])
        pool = [(p, r) for p, r in by_surname[query[0].stem] if r is not rows[0]]
        if not any(p != pid for p, _ in pool):
            continue
        best = max(pool, key=lambda item: compare(query, _structured(item[1])).score)
        checked += 1
        wrong += best[0] != pid and _structured(best[1])[1].stem != query[1].stem
    assert checked > 100
    assert wrong / checked <= 0.03


def test_matching_renderings_share_blocking_keys(people: dict[str, list[Row]]) -> None:
    pairs = 0
    for rows in people.values():
        for a, b in itertools.combinations(rows, 2):
            query, candidate = _structured(a), _structured(b)
            match = compare(query, candidate)
            if match.score < 0.85:
                continue
            pairs += 1
            shared = any(
                set(blocking_keys(q)) & set(blocking_keys(c)) for q in query for c in candidate
            )
            assert shared, match.explain()
    assert pairs > 500
