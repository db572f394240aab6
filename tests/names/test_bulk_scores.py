"""NameTable scores a query against many names at once: each score equals match_score's
(the bulk path must not rank differently), and the word pairs it reports explain alike."""

from __future__ import annotations

import random

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_names_properties import name_text

from caravan.collect.generator import generate_persons
from caravan.names import compare, tokens
from caravan.names.bulk import NameTable
from caravan.names.matching import Pairs, match_score


def _typo(word: str, rnd: random.Random) -> str:
    if len(word) < 3:
        return word
    i = rnd.randrange(len(word) - 1)
    kind = rnd.randrange(3)
    if kind == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == 1:
        return word[:i] + word[i + 1 :]
    return word[:i] + rnd.choice("aeiouаеиоу") + word[i:]


def _stored() -> list[tuple]:
    """Names as the demo generator stores them: structured, and as written."""
    names = []
    for row in generate_persons(3000, seed=11):
        names.append(tokens(row["surname"], row["given_name"], row["patronymic"]))
        if row["name_as_written"]:
            names.append(tokens(full=row["name_as_written"]))
    return [n for n in names if n]


STORED = _stored()


def _queries(rnd: random.Random, count: int) -> list[tuple]:
    """Other renderings of stored names: typos, swapped fields, fewer or more words, one text,
    names of six words and more (those the bulk path leaves to match_score)."""
    out = []
    for _ in range(count):
        words = [t.written for t in rnd.choice(STORED)]
        shape = rnd.randrange(6)
        if shape == 0:
            words = [_typo(w, rnd) if rnd.random() < 0.5 else w for w in words]
            out.append(tokens(*([*words, None, None])[:3]))
        elif shape == 1:
            out.append(tokens(full=" ".join(reversed(words))))
        elif shape == 2:
            out.append(tokens(words[0]))
        elif shape == 3:
            other = [t.written for t in rnd.choice(STORED)]
            out.append(tokens(full=" ".join(words + other)[:200]))
        elif shape == 4:
            out.append(tokens(words[-1], words[0]))
        else:
            out.append(tokens(*([*words, None, None])[:3]))
    return [q for q in out if q]


def test_bulk_scores_equal_match_score_on_generated_names() -> None:
    rnd = random.Random(4)
    table = NameTable()
    numbers = np.array([table.add(name) for name in STORED])
    long_names = [tokens(full="Abdul Rahim ibn Karim al Farsi uulu Nur Bek")] * 2
    numbers = np.append(numbers, [table.add(name) for name in long_names])
    compared = 0
    for query in _queries(rnd, 250):
        chosen = np.unique([*rnd.sample(list(numbers), 300), int(numbers[-1])])
        known: Pairs = {}
        got = table.scores(query, chosen, known).tolist()
        want = [match_score(query, table.names[n]) for n in chosen.tolist()]
        assert got == want, [t.written for t in query]
        for n in chosen.tolist()[:20]:
            assert compare(query, table.names[n], known) == compare(query, table.names[n])
        compared += len(chosen)
    assert compared > 70_000


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(name_text, min_size=1, max_size=4), st.lists(name_text, min_size=1, max_size=12))
def test_bulk_scores_equal_match_score_on_any_text(
    query_words: list[str], stored: list[str]
) -> None:
    query = tokens(full=" ".join(query_words))
    table = NameTable()
    names = [n for n in (tokens(full=s) for s in stored) if n]
    numbers = np.array([table.add(n) for n in names], dtype=np.int64)
    got = table.scores(query, numbers).tolist()
    assert got == [match_score(query, n) for n in names]


def test_a_name_is_held_once_and_empty_queries_score_nothing() -> None:
    table = NameTable()
    name = tokens("Рахимов", "Джамшед")
    assert table.add(name) == table.add(tokens("Рахимов", "Джамшед")) == 0
    assert len(table) == 1
    assert table.scores((), np.array([0])).tolist() == [0.0]
    assert table.scores(tokens("Rakhimov", "Jamshed"), np.array([], dtype=np.int64)).size == 0
