"""Compare two person names, word by word, and say why they match.

Each query word is paired with at most one candidate word (the best assignment over
all pairings; names have at most eight words).  A pair scores by how its words relate:

=================  =====  ==========================================================
how                score  when
=================  =====  ==========================================================
exact              1.00   same word as written (case aside)
transliteration    0.97   same folded key (Рахимов / RAKHIMOV / Raximov)
gender             0.95   same stem, masculine ↔ feminine ending (-ov/-ova, -ovich/-ovna)
suffix             0.92   same stem, other ending (Рахимов / Раҳимзода / Rahimi / Rakhim)
variant            0.90   same coarse key: a national spelling (Jamshed / Jamshid)
suffix             0.88   same coarse stem (Rahimov / Rahimzade with a vowel changed)
typo               0.70   one letter added, dropped, changed or two swapped, in
                          the word, its stem or its ending (Rahimvo / Rahimov)
initial            0.70   a one-letter word and a word starting with that letter
different          ≤ 0.4  anything else (scaled similarity of the folded keys)
=================  =====  ==========================================================

Pairs whose roles disagree (a surname paired with a given name) lose 5% and set
``swapped``; a given name read as a surname there may drop a surname ending (``Armanov``
in the given-name field ≈ ``Armanuly``).  A given name and a patronymic never match each
other — nor a given name and a word of a name as written that reads as a patronymic
(``Нурбекович``): a man's own name is not his father's.  The name score is the weighted
mean over the words of both names: a query word counts with its weight (1 for surname
and given name, 0.5 for a patronymic), a candidate word with half its weight; a word
left without a partner counts with a small credit (0.6 for a patronymic or a middle word
of an unstructured name of three words or more, 0.1 for a surname or given name), so a
father's name not written on one side counts for clearly less than one that agrees.  Each
surname or given name paired with a clearly different word (pair score < 0.5) takes 15%
off the total: the same surname with another given name is a relative, not a hit.

Example:
    >>> m = compare_names("Рахимов Джамшед", "Раҳимзода Ҷамшед")
    >>> m.score, m.parts[0].how, m.parts[0].detail
    (0.945, 'suffix', '-ov ↔ -zoda')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import permutations

from rapidfuzz.distance import OSA, Levenshtein

from caravan.names.affixes import JOINED_ENDINGS, gender_pair, is_patronymic_like
from caravan.names.tokenise import Token, kazakh_reading, tokens

__all__ = ["HOW", "NameMatch", "Pairs", "PartMatch", "compare", "compare_names", "match_score"]

HOW: dict[str, float] = {
    "exact": 1.0,
    "transliteration": 0.97,
    "gender": 0.95,
    "suffix": 0.92,
    "suffix_variant": 0.88,
    "variant": 0.9,
    "typo": 0.7,
    "initial": 0.7,
}
"""Pair scores by kind of match (``suffix_variant`` is reported as ``suffix``)."""

ROLE_MISMATCH = 0.95
CONFLICT = 0.85
_EXTRA_WEIGHT = 0.5
_LABEL = {"surname": "surname", "given": "given name", "patronymic": "patronymic", "name": "name"}


@dataclass(frozen=True, slots=True)
class PartMatch:
    """How one word of the query fared.

    ``how`` is one of ``exact``, ``transliteration``, ``gender``, ``suffix``,
    ``variant``, ``typo``, ``initial``, ``different`` (paired, but not alike),
    ``missing`` (a query word the candidate lacks; ``candidate`` is None) or ``extra``
    (a candidate word the query lacks; ``query`` and ``query_role`` are ``""``).
    ``score`` is the pair score, or for ``missing``/``extra`` the credit it got.
    ``detail`` says more where there is more to say (``-ov ↔ -zoda``).
    """

    query: str
    candidate: str | None
    query_role: str
    candidate_role: str | None
    how: str
    score: float
    detail: str = ""


@dataclass(frozen=True, slots=True)
class NameMatch:
    """The result of comparing two names: a score in 0..1 and how each word fared."""

    score: float
    parts: tuple[PartMatch, ...]
    swapped: bool
    """True when the words were paired out of order (given name where the surname
    was expected, or written in another order)."""

    def explain(self) -> str:
        """A one-line English explanation, e.g.
        ``surname Рахимов ≈ Раҳимзода (suffix -ov ↔ -zoda); given name Джамшед =
        Jamshed (transliteration); patronymic Каримович not in candidate``."""
        texts = [_explain_part(p) for p in self.parts]
        if self.swapped:
            texts.append("name order differs")
        return "; ".join(texts) if texts else "no name to compare"


def compare_names(query: str, candidate: str) -> NameMatch:
    """Compare two names given as written (no structure, any order)."""
    return compare(tokens(full=query), tokens(full=candidate))


def compare(
    query: Sequence[Token], candidate: Sequence[Token], known: Pairs | None = None
) -> NameMatch:
    """Compare two tokenised names (see the module documentation for the scoring).

    ``known``: word pairs already worked out for this query (:data:`Pairs`; a check
    scoring many names in bulk passes what it found, :mod:`caravan.names.bulk`)."""
    if not query or not candidate:
        return _unpaired(query, candidate)
    score, swapped, chosen, scores, hows = _solve(query, candidate, known)
    long_q, long_c = len(query) >= 3, len(candidate) >= 3
    parts: list[PartMatch] = []
    for i, q in enumerate(query):
        j = chosen[i]
        if j < 0:
            credit = q.credit_long if long_q else q.credit_short
            parts.append(PartMatch(q.written, None, q.role, None, "missing", credit))
            continue
        c = candidate[j]
        how = hows[i]
        detail = _detail(q, c) if how in ("suffix", "gender") else ""
        parts.append(PartMatch(q.written, c.written, q.role, c.role, how, scores[i], detail))
    used = set(chosen)
    for j, c in enumerate(candidate):
        if j not in used:
            credit = c.credit_long if long_c else c.credit_short
            parts.append(PartMatch("", c.written, "", c.role, "extra", credit))
    return NameMatch(score, tuple(parts), swapped)


def match_score(query: Sequence[Token], candidate: Sequence[Token]) -> float:
    """The score of :func:`compare` without the explanation (cheaper, for ranking)."""
    if not query or not candidate:
        return 0.0
    return _solve(query, candidate)[0]


_Solution = tuple[float, bool, list[int], list[float], list[str]]
Pairs = dict[tuple[int, int], tuple[float, str]]
"""What :func:`pair` said of (query word position, ``id`` of a candidate token)."""


def _solve(
    query: Sequence[Token], candidate: Sequence[Token], known: Pairs | None = None
) -> _Solution:
    """Score every word pair, pick the best assignment, and total the score.

    Returns the score, whether the order was swapped, the candidate index paired with
    each query word (-1: none), and each query word's pair score and kind.
    """
    nq, nc = len(query), len(candidate)
    long_c = nc >= 3
    c_weight: list[float] = []
    c_base: list[float] = []
    unstructured = False
    for c in candidate:
        weight = c.weight * _EXTRA_WEIGHT
        c_weight.append(weight)
        c_base.append(weight * (c.credit_long if long_c else c.credit_short))
        unstructured = unstructured or c.role == "name"
    base = sum(c_base)
    denominator = sum(c_weight)
    cells: list[tuple[float, str]] = []
    gain_rows: list[list[float]] = []
    long_q = nq >= 3
    for i, q in enumerate(query):
        q_weight = q.weight
        q_base = q_weight * (q.credit_long if long_q else q.credit_short)
        base += q_base
        denominator += q_weight
        q_keys = keyset(q.keys)
        unstructured = unstructured or q.role == "name"
        gains: list[float] = []
        for c, c_w, c_b in zip(candidate, c_weight, c_base, strict=True):
            cell = known.get((i, id(c))) if known is not None else None
            if cell is None:
                cell = pair(q, c, q_keys)
            cells.append(cell)
            gains.append((q_weight + c_w) * cell[0] - q_base - c_b)
        gain_rows.append(gains)
    chosen = _assign(gain_rows, nq, nc)

    total = base
    conflicts = 0
    swapped = False
    last = -1
    pair_scores = [0.0] * nq
    pair_hows = ["missing"] * nq
    for i, j in enumerate(chosen):
        if j < 0:
            continue
        q, c = query[i], candidate[j]
        score, how = cells[i * nc + j]
        if how == "different":
            score = different(q.folded, c.folded)
            total += (q.weight + c_weight[j]) * score
        total += gain_rows[i][j]
        pair_scores[i], pair_hows[i] = score, how
        if score < 0.5:
            conflicts += q.weight == 1.0 and c.weight == 1.0
            continue
        if q.role != c.role and "name" not in (q.role, c.role):
            swapped = True
        if j < last and unstructured:
            swapped = True  # written in another order (surname first or last)
        last = max(last, j)
    score = total / denominator * CONFLICT**conflicts
    return round(min(1.0, max(0.0, score)), 4), swapped, chosen, pair_scores, pair_hows


_EXACT = (HOW["exact"], "exact")
_TRANSLITERATION = (HOW["transliteration"], "transliteration")
_DIFFERENT = (0.0, "different")


def pair(q: Token, c: Token, q_keys: frozenset[str]) -> tuple[float, str]:
    """How a query word and a candidate word relate: their pair score and kind (before
    ``different`` pairs get their scaled similarity, :func:`different`). ``q_keys``:
    the query word's blocking keys as a set."""
    q_folded, c_folded = q.folded, c.folded
    if q_folded == c_folded:
        cell = _EXACT if _same_writing(q.written, c.written) else _TRANSLITERATION
    elif q_keys.isdisjoint(c.keys):
        if len(q_folded) == 1 or len(c_folded) == 1:
            cell = _initial(q_folded, c_folded)
        else:
            cell = _DIFFERENT
    else:
        cell = _related(q, c)
    q_role, c_role = q.role, c.role
    if q_role != c_role:
        if _own_and_father(q, c):
            return _DIFFERENT  # a man's own name is not his father's
        if q_role != "name" and c_role != "name":
            return (cell[0] * ROLE_MISMATCH, cell[1])
    return cell


def _own_and_father(a: Token, b: Token) -> bool:
    """Whether two words of different roles are a man's own name and his father's: a
    given name and a patronymic, or a given name and a word of a name as written that
    reads as a patronymic (``Нурбек`` and ``Нурбекович``) — unless the given-name field
    itself reads as one, for then it holds a surname (``Nurbek uulu``, fields swapped)."""
    if a.role == "given":
        given, other = a, b
    elif b.role == "given":
        given, other = b, a
    else:
        return False
    if other.role == "patronymic":
        return True
    return other.role == "name" and other.patronymic_like and not is_patronymic_like(given.folded)


# --------------------------------------------------------------------------- pairs


@lru_cache(maxsize=4096)
def keyset(keys: tuple[str, ...]) -> frozenset[str]:
    """The blocking keys of a query word as a set (a query is compared many times)."""
    return frozenset(keys)


def _same_writing(a: str, b: str) -> bool:
    return a == b or a.casefold() == b.casefold()


def _forms(t: Token, other: Token) -> tuple[str, ...]:
    """The stems of ``t`` when paired with ``other``: a given name paired with a
    surname (fields mixed up) is read as a surname too (``Armanov`` → arman)."""
    return t.family if t.role == "given" and other.role != "given" else t.stems


def _common_forms(q: Token, c: Token) -> set[str]:
    """Stems (or the whole word) the two words share: they differ by an ending."""
    return {*_forms(q, c), q.folded} & {*_forms(c, q), c.folded}


def _related(q: Token, c: Token) -> tuple[float, str]:
    """Two words that share a blocking key but not their folded key."""
    if q.alt or c.alt:
        # Kazakh Latin's io for ё (Semionov / Семёнов): compared as that reading
        for a, b in ((kazakh_reading(q), c), (q, kazakh_reading(c))):
            if a is not None and b is not None:
                cell = _TRANSLITERATION if a.folded == b.folded else _related(a, b)
                if cell is not _DIFFERENT:
                    return cell
    q_stem, c_stem = _forms(q, c)[0], _forms(c, q)[0]
    if _common_forms(q, c):
        q_end, c_end = _ends(q, c)
        if gender_pair(q_end, c_end):
            return HOW["gender"], "gender"
        if q_stem == c_stem or q.folded == c_stem or q_stem == c.folded:
            return HOW["suffix"], "suffix"
        return HOW["suffix_variant"], "suffix"
    if q.role != "given" and c.role != "given" and _feminine(q.folded, c.folded):
        return HOW["gender"], "gender"
    if q.coarse == c.coarse:
        return HOW["variant"], "variant"
    if q.coarse_stem == c.coarse_stem:
        return HOW["suffix_variant"], "suffix"
    if (
        _one_off(q.folded, c.folded)
        or _one_off(q_stem, c_stem)
        or _one_off(q.loose, c.loose)
        or _near_ending(q, c)
        or _near_ending(c, q)
        or _gender_typo(q, c)
        or _gender_typo(c, q)
        or (
            (_one_off(q.coarse, c.coarse) or _one_off(q.coarse_stem, c.coarse_stem))
            and Levenshtein.distance(q_stem, c_stem, score_cutoff=2) <= 2
        )
    ):
        return HOW["typo"], "typo"
    return _DIFFERENT


def _one_off(a: str, b: str) -> bool:
    """One typo apart: a letter changed, added, dropped or two swapped — also a letter
    dropped between two equal ones, which folding then reads as one (jumaba → juma)."""
    if OSA.distance(a, b, score_cutoff=1) <= 1:
        return True
    if len(a) > len(b):
        a, b = b, a
    if len(b) != len(a) + 2 or len(a) < 3:
        return False
    return any(b[i - 1] == b[i + 1] and b[:i] + b[i + 2 :] == a for i in range(1, len(b) - 1))


def _near_ending(q: Token, c: Token) -> bool:
    """``q`` is ``c``'s stem with an ending one typo off (Rahimvo, Davlatzooa)."""
    if not q.near:
        return False
    forms = _forms(c, q)
    return any(n in forms for n in q.near) or c.coarse_stem in q.near_coarse


_MASCULINE = ("ov", "ev", "in")


def _gender_typo(q: Token, c: Token) -> bool:
    """``q`` is one typo off ``c`` in the other gender (Rejeopva / Rejepov, Qodiorva /
    Қодиров): the typo is counted once the ending is flipped; stems of four letters or
    more, not given names."""
    if q.role == "given" or c.role == "given" or len(c.stem) < 4:
        return False
    a, b = q.folded, c.folded
    if b.endswith(_MASCULINE):
        return len(a) >= len(b) and _one_off(a, b + "a")
    if b.endswith("a") and b[:-1].endswith(_MASCULINE):
        return len(a) <= len(b) and _one_off(a, b[:-1])
    return False


def _ends(q: Token, c: Token) -> tuple[str, str]:
    """The endings two words show after the stem they share (or after their own
    stems, when they share none)."""
    q_stem, c_stem = _forms(q, c)[0], _forms(c, q)[0]
    if q_stem == c_stem:
        return q.folded[len(q_stem) :], c.folded[len(c_stem) :]
    common = _common_forms(q, c)
    if common:
        stem = max(common, key=len)
        return _joined(stem, q.folded[len(stem) :]), _joined(stem, c.folded[len(stem) :])
    return q.folded[len(q_stem) :], c.folded[len(c_stem) :]


def _joined(stem: str, end: str) -> str:
    """The ending as written when the stem's last letter was folded into it
    (``novruz`` + ``oda`` is ``-zoda``, ``nurbek`` + ``izi`` is ``-kizi``)."""
    if end and stem[-1] + end in JOINED_ENDINGS:
        return stem[-1] + end
    return end


def _detail(q: Token, c: Token) -> str:
    """``-ov ↔ -zoda``: the endings of a suffix or gender match."""
    if not _common_forms(q, c) and _feminine(q.folded, c.folded):
        return _endings(*(("in", "ina") if len(q.folded) < len(c.folded) else ("ina", "in")))
    return _endings(*_ends(q, c))


def _initial(a: str, b: str) -> tuple[float, str]:
    if len(a) > len(b):
        a, b = b, a
    if len(a) == 1 and b.startswith(a):
        return HOW["initial"], "initial"
    return _DIFFERENT


def different(a: str, b: str) -> float:
    """The pair score of two words that are not alike: their scaled similarity (≤ 0.4)."""
    return scaled_similarity(Levenshtein.normalized_similarity(a, b))


def scaled_similarity(similarity: float) -> float:
    """:func:`different` of two words whose normalised Levenshtein similarity is given."""
    return round(max(0.0, similarity - 0.5) * 0.8, 4)


def _feminine(a: str, b: str) -> bool:
    """-in/-ina of a word whose role is not known (Никитин / Никитина)."""
    if len(a) > len(b):
        a, b = b, a
    return len(b) == len(a) + 1 and b.endswith("a") and b.startswith(a) and a.endswith("in")


def _endings(a: str, b: str) -> str:
    return f"{'-' + a if a else 'no ending'} ↔ {'-' + b if b else 'no ending'}"


# --------------------------------------------------------------------------- assignment

_PERMUTATIONS: dict[tuple[int, int], tuple[tuple[int, ...], ...]] = {}


def _assign(gain: list[list[float]], nq: int, nc: int) -> list[int]:
    """Pair min(nq, nc) words of each side with the largest total gain; the candidate
    index for each query word, -1 where it stays unpaired."""
    if nq > nc:
        columns = [[gain[i][j] for i in range(nq)] for j in range(nc)]
        chosen = [-1] * nq
        for j, i in enumerate(_assign(columns, nc, nq)):
            chosen[i] = j
        return chosen
    if nq == 1:
        row = gain[0]
        return [max(range(nc), key=row.__getitem__)]
    if nc > 5:
        return _assign_dp(gain, nq, nc)
    perms = _PERMUTATIONS.get((nc, nq))
    if perms is None:
        perms = _PERMUTATIONS[nc, nq] = tuple(permutations(range(nc), nq))
    best: tuple[int, ...] = perms[0]
    best_total = float("-inf")
    if nq == 2:
        g0, g1 = gain
        for perm in perms:
            total = g0[perm[0]] + g1[perm[1]]
            if total > best_total:
                best_total, best = total, perm
    elif nq == 3:
        g0, g1, g2 = gain
        for perm in perms:
            total = g0[perm[0]] + g1[perm[1]] + g2[perm[2]]
            if total > best_total:
                best_total, best = total, perm
    else:
        for perm in perms:
            total = sum(row[j] for row, j in zip(gain, perm, strict=True))
            if total > best_total:
                best_total, best = total, perm
    return list(best)


def _assign_dp(gain: list[list[float]], nq: int, nc: int) -> list[int]:
    """Exact assignment by dynamic programming over candidate subsets (6-8 words)."""
    best: dict[int, tuple[float, tuple[int, ...]]] = {0: (0.0, ())}
    for i in range(nq):
        nxt: dict[int, tuple[float, tuple[int, ...]]] = {}
        for mask, (total, chosen) in best.items():
            for j in range(nc):
                if mask & (1 << j):
                    continue
                key = mask | (1 << j)
                value = total + gain[i][j]
                if key not in nxt or value > nxt[key][0]:
                    nxt[key] = (value, (*chosen, j))
        best = nxt
    _, chosen = max(best.values(), key=lambda item: item[0])
    return list(chosen)


def _unpaired(query: Sequence[Token], candidate: Sequence[Token]) -> NameMatch:
    parts = [PartMatch(q.written, None, q.role, None, "missing", 0.0) for q in query]
    parts += [PartMatch("", c.written, "", c.role, "extra", 0.0) for c in candidate]
    return NameMatch(0.0, tuple(parts), False)


# --------------------------------------------------------------------------- explanation


def _explain_part(p: PartMatch) -> str:
    if p.how == "missing":
        return f"{_LABEL.get(p.query_role, p.query_role)} {p.query} not in candidate"
    if p.how == "extra":
        return f"candidate also has {_LABEL.get(p.candidate_role or '', 'name')} {p.candidate}"
    role = p.query_role
    if role == "name" and p.candidate_role not in (None, "name"):
        role = p.candidate_role or role
    sign = {"exact": "=", "transliteration": "=", "different": "≠"}.get(p.how, "≈")
    why = {
        "suffix": f"suffix {p.detail}",
        "gender": f"gender ending {p.detail}",
        "variant": "spelling variant",
        "typo": "one typo",
    }.get(p.how, p.how)
    text = f"{_LABEL.get(role, role)} {p.query} {sign} {p.candidate} ({why}"
    if (
        p.candidate_role
        and p.candidate_role != p.query_role
        and "name" not in (p.query_role, p.candidate_role)
    ):
        text += f", written as {_LABEL[p.candidate_role]}"
    return text + ")"
