"""Score one query name against many stored names at once.

A hit/no-hit check compares its query with a few hundred stored names. Doing that one
:func:`~caravan.names.match_score` at a time spends most of its time in Python loops
over words that many of those names share (a surname, a common given name). A
:class:`NameTable` holds every distinct name as a row of *token numbers*; to score a
query against a set of rows it

1. pairs each query word with each distinct token of those rows once
   (:func:`~caravan.names.matching.pair`, the rules of :func:`~caravan.names.compare`);
2. builds every row's gain matrix from those pairs and solves the word assignment for
   all rows of one length together with numpy (every pairing of the shorter side, as
   :func:`~caravan.names.compare` does, with the same tie-breaking);
3. totals each row's score with the same arithmetic, in the same order, as
   :func:`~caravan.names.match_score` — so the scores are *equal*, not merely close
   (``tests/names/test_bulk_scores.py`` holds the two to that).

Rows that need the exact search over more than five words on both sides (rare: names
of six words or more) are scored by :func:`~caravan.names.match_score` itself.

Example:
    >>> from caravan.names import tokens
    >>> table = NameTable()
    >>> rows = [table.add(tokens("Рахимов", "Джамшед")), table.add(tokens("Каримов", "Алишер"))]
    >>> table.scores(tokens("Rakhimov", "Jamshed"), np.array(rows)).tolist()
    [0.97, 0.0]
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from itertools import permutations

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from caravan.names.matching import (
    _EXTRA_WEIGHT,
    CONFLICT,
    Pairs,
    keyset,
    match_score,
    pair,
    scaled_similarity,
)
from caravan.names.tokenise import MAX_TOKENS, Token

__all__ = ["NameTable"]

#: Above this many words on both sides the assignment is searched word by word.
_PERMUTED = 5
#: ``CONFLICT ** k`` as Python computes it (numpy's power may differ in the last bit).
_CONFLICT_POWERS = np.array([CONFLICT**k for k in range(MAX_TOKENS + 1)])


class NameTable:
    """Distinct names, each a row of token numbers (see the module documentation).

    Not thread-safe: the owner serialises :meth:`add` with :meth:`scores`
    (:class:`~caravan.match.index.PersonIndex` holds its lock for both).
    """

    def __init__(self) -> None:
        self.names: list[tuple[Token, ...]] = []
        self._numbers: dict[tuple[Token, ...], int] = {}
        self.tokens: list[Token] = []
        self._token_numbers: dict[Token, int] = {}
        # Per token: its weight in a candidate (half its own), the credit it earns
        # unpaired in a short or a long name (times that weight), whether it counts full.
        self._weight = array("d")
        self._credit_short = array("d")
        self._credit_long = array("d")
        self._full = array("b")
        # Per name: MAX_TOKENS token numbers (-1 past its length) and its length.
        self._rows = array("i")
        self._lengths = array("b")

    def __len__(self) -> int:
        return len(self.names)

    def add(self, name: tuple[Token, ...]) -> int:
        """The number of ``name`` (a tuple of tokens), adding it if it is new."""
        number = self._numbers.get(name)
        if number is not None:
            return number
        number = self._numbers[name] = len(self.names)
        self.names.append(name)
        row = [self._token(t) for t in name[:MAX_TOKENS]]
        self._rows.extend(row + [-1] * (MAX_TOKENS - len(row)))
        self._lengths.append(len(row))
        return number

    def _token(self, token: Token) -> int:
        number = self._token_numbers.get(token)
        if number is None:
            number = self._token_numbers[token] = len(self.tokens)
            self.tokens.append(token)
            weight = token.weight * _EXTRA_WEIGHT
            self._weight.append(weight)
            self._credit_short.append(weight * token.credit_short)
            self._credit_long.append(weight * token.credit_long)
            self._full.append(token.weight == 1.0)
        return number

    def scores(
        self, query: Sequence[Token], numbers: np.ndarray, known: Pairs | None = None
    ) -> np.ndarray:
        """``match_score(query, self.names[n])`` for each ``n`` of ``numbers``.

        ``known``: filled with the word pairs worked out, for explaining some of these
        names afterwards (``compare(query, name, known)``)."""
        out = np.zeros(len(numbers), dtype=np.float64)
        if not query or not len(numbers):
            return out
        rows = np.frombuffer(self._rows, dtype=np.int32).reshape(-1, MAX_TOKENS)[numbers]
        lengths = np.frombuffer(self._lengths, dtype=np.int8)[numbers]
        # The distinct tokens of these rows, numbered locally (the last for padding).
        filled = rows >= 0
        distinct, local = np.unique(rows[filled], return_inverse=True)
        padded = np.full(rows.shape, len(distinct), dtype=np.intp)
        padded[filled] = local
        cells = _Cells(query, [self.tokens[t] for t in distinct.tolist()], known)
        weight = np.append(np.frombuffer(self._weight)[distinct], 0.0)
        credit = {
            False: np.append(np.frombuffer(self._credit_short)[distinct], 0.0),
            True: np.append(np.frombuffer(self._credit_long)[distinct], 0.0),
        }
        full = np.append(np.frombuffer(self._full, dtype=np.int8)[distinct] == 1, False)
        for length in np.unique(lengths).tolist():
            if length == 0:
                continue
            chosen = np.flatnonzero(lengths == length)
            if min(len(query), length) > 1 and max(len(query), length) > _PERMUTED:
                for i in chosen.tolist():
                    out[i] = match_score(query, self.names[int(numbers[i])])
                continue
            out[chosen] = _score_rows(
                query, padded[chosen, :length], cells, weight, credit[length >= 3], full
            )
        return out


class _Cells:
    """Each query word paired with each distinct token: the pair score (0 for a
    ``different`` pair, as the assignment sees it), whether the pair is ``different``,
    and the scaled similarity a ``different`` pair counts with when it is chosen."""

    def __init__(
        self, query: Sequence[Token], distinct: list[Token], known: Pairs | None = None
    ) -> None:
        shape = (len(query), len(distinct) + 1)
        self.score = np.zeros(shape)
        self.different = np.ones(shape, dtype=bool)
        folded = [c.folded for c in distinct]
        words = list(zip(folded, (c.keys for c in distinct), strict=True))
        # A pair without a blocking key in common is different (pair's first test)
        # unless its words are equal or one is an initial: only the others are paired.
        initials = [k for k, f in enumerate(folded) if len(f) == 1]
        for i, q in enumerate(query):
            q_keys, q_folded = keyset(q.keys), q.folded
            if len(q_folded) == 1:
                paired: Iterable[int] = range(len(distinct))
            else:
                paired = [
                    k
                    for k, (f, keys) in enumerate(words)
                    if f == q_folded or not q_keys.isdisjoint(keys)
                ]
                paired += initials
            for k in paired:
                c = distinct[k]
                value, how = cell = pair(q, c, q_keys)
                if known is not None:
                    known[i, id(c)] = cell
                if how != "different":
                    self.score[i, k] = value
                    self.different[i, k] = False
        # One C call for every similarity; few distinct values to scale (and round as
        # Python does) one by one.
        similarity = process.cdist(
            [q.folded for q in query],
            [c.folded for c in distinct],
            scorer=Levenshtein.normalized_similarity,
            dtype=np.float64,
        )
        values, inverse = np.unique(similarity, return_inverse=True)
        scaled = np.array([scaled_similarity(v) for v in values.tolist()])
        self.similarity = np.zeros(shape)
        self.similarity[:, :-1] = scaled[inverse].reshape(similarity.shape)


def _score_rows(
    query: Sequence[Token],
    rows: np.ndarray,
    cells: _Cells,
    c_weight: np.ndarray,
    c_credit: np.ndarray,
    c_full: np.ndarray,
) -> np.ndarray:
    """Scores of names that all have ``rows.shape[1]`` words (local token numbers):
    :func:`~caravan.names.matching._solve`'s arithmetic, one numpy step per word."""
    count, nc = rows.shape
    nq = len(query)
    long_q = nq >= 3
    weights = c_weight[rows]
    base: np.ndarray | float = 0.0
    denominator: np.ndarray | float = 0.0
    for j in range(nc):
        base = base + c_credit[rows[:, j]]
        denominator = denominator + weights[:, j]
    q_weights = [q.weight for q in query]
    gains = []
    for i, q in enumerate(query):
        q_base = q.weight * (q.credit_long if long_q else q.credit_short)
        base = base + q_base
        denominator = denominator + q.weight
        gains.append((q.weight + weights) * cells.score[i][rows] - q_base - c_credit[rows])
    chosen = _assign(gains, count, nq, nc)
    total = base
    conflicts = np.zeros(count, dtype=np.int64)
    span = np.arange(count)
    for i in range(nq):
        paired = chosen[:, i] >= 0
        column = np.where(paired, chosen[:, i], 0)
        token = rows[span, column]
        differs = paired & cells.different[i][token]
        extra = (q_weights[i] + c_weight[token]) * cells.similarity[i][token]
        total = total + np.where(differs, extra, 0.0)
        total = total + np.where(paired, gains[i][span, column], 0.0)
        if q_weights[i] == 1.0:
            conflicts += differs & c_full[token]
    score = total / denominator * _CONFLICT_POWERS[conflicts]
    clipped = np.minimum(1.0, np.maximum(0.0, score))
    return np.array([round(s, 4) for s in clipped.tolist()])


_PERMUTATIONS: dict[tuple[int, int], np.ndarray] = {}


def _permutations(n: int, k: int) -> np.ndarray:
    found = _PERMUTATIONS.get((n, k))
    if found is None:
        found = _PERMUTATIONS[n, k] = np.array(list(permutations(range(n), k)), dtype=np.intp)
    return found


def _assign(gains: list[np.ndarray], count: int, nq: int, nc: int) -> np.ndarray:
    """For each row, the candidate word paired with each query word (-1: none), as
    :func:`~caravan.names.matching._assign` picks it: the first pairing, in
    ``itertools.permutations`` order, with the largest total gain (summed in the same
    order)."""
    chosen = np.full((count, nq), -1, dtype=np.intp)
    if nq <= nc:
        if nq == 1:
            chosen[:, 0] = np.argmax(gains[0], axis=1)
            return chosen
        perms = _permutations(nc, nq)
        total = gains[0][:, perms[:, 0]]
        for i in range(1, nq):
            total = total + gains[i][:, perms[:, i]]
        chosen[:] = perms[np.argmax(total, axis=1)]
        return chosen
    # More query words than candidate words: each candidate word picks its query word.
    stacked = np.stack(gains)  # (nq, count, nc)
    if nc == 1:
        chosen[np.arange(count), np.argmax(stacked[:, :, 0], axis=0)] = 0
        return chosen
    perms = _permutations(nq, nc)
    total = stacked[perms[:, 0], :, 0]
    for j in range(1, nc):
        total = total + stacked[perms[:, j], :, j]
    best = perms[np.argmax(total, axis=0)]  # (count, nc): the query word of each
    span = np.arange(count)
    for j in range(nc):
        chosen[span, best[:, j]] = j
    return chosen
