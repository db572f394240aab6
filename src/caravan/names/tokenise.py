"""Name tokens: each word of a name folded once, with what comparison and indexing need.

A check compares one query with many stored names, so everything that depends on one
word only is computed here, once: the folded key, the stems, the coarse keys and the
blocking keys.  :func:`caravan.names.compare` then works on these precomputed strings.

Example:
    >>> [(t.role, t.folded, t.stem) for t in tokens(surname="Раҳимзода", given="Ҷамшед")]
    [('surname', 'rahimzoda', 'rahim'), ('given', 'jamshed', 'jamshed')]
    >>> [t.folded for t in tokens(full="Асан уулу Бакыт")]
    ['asanulu', 'bakit']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from sys import intern

from caravan.names.affixes import (
    LEADING_PARTICLES,
    TRAILING_PARTICLES,
    is_patronymic_like,
    stems_of,
)
from caravan.names.transliterate import coarse, fold, iter_words

__all__ = ["MAX_TOKENS", "MAX_WORD", "ROLES", "Token", "blocking_keys", "tokens"]

ROLES: tuple[str, ...] = ("surname", "given", "patronymic", "name")
MAX_TOKENS = 8
"""At most this many tokens per name (the rest of a long text is ignored)."""
MAX_WORD = 60
"""Words are cut to this many characters before folding."""
KEY_PREFIX = 10
"""The stem key is the first ``KEY_PREFIX`` coarse letters of the stem."""
KEY_HEAD = 6
"""The typo keys are the first ``KEY_HEAD`` coarse letters of the word and their
one-letter deletions."""
_PART_CAPS = {"surname": 3, "given": 3, "patronymic": 2, "name": MAX_TOKENS}


@dataclass(frozen=True, slots=True)
class Token:
    """One word of a person name, folded.

    ``role`` is ``surname``, ``given``, ``patronymic`` or ``name`` (from an unstructured
    text, role unknown).  ``folded`` is the phonetic key (:func:`~caravan.names.fold`),
    ``stem`` the folded word without its surname or patronymic ending (``rahim`` for
    ``Рахимова``; given names keep theirs).  The other fields are derived from these
    four when the token is made.
    """

    role: str
    written: str
    folded: str
    stem: str
    stems: tuple[str, ...] = field(init=False, compare=False, repr=False)
    """All readings of the stem, the primary one first (``rasuli`` → rasu, rasul)."""
    coarse: str = field(init=False, compare=False, repr=False)
    """:func:`~caravan.names.coarse` of the folded word."""
    coarse_stem: str = field(init=False, compare=False, repr=False)
    keys: tuple[str, ...] = field(init=False, compare=False, repr=False)
    """The blocking keys (:func:`blocking_keys`)."""
    weight: float = field(init=False, compare=False, repr=False)
    """How much the word counts in a score: 1 for surname and given name, 0.5 for a
    patronymic (or a word of unknown role that reads as one)."""
    patronymic_like: bool = field(init=False, compare=False, repr=False)
    credit_short: float = field(init=False, compare=False, repr=False)
    """What the word earns in a score when the other name has no word for it."""
    credit_long: float = field(init=False, compare=False, repr=False)
    """The same, when the word's own name has three words or more (a middle name)."""

    def __post_init__(self) -> None:
        # A million stored persons hold these: equal strings are interned so that
        # tokens of one family (Rahimov, Rahimova, Rahimzoda) share them.
        setattr_ = object.__setattr__
        others = stems_of(self.folded, self.role) if self.folded else ()
        stems = tuple(intern(s) for s in (self.stem, *(s for s in others if s != self.stem)))
        setattr_(self, "stems", stems)
        setattr_(self, "coarse", intern(coarse(self.folded)))
        setattr_(self, "coarse_stem", intern(coarse(self.stem)))
        setattr_(
            self, "keys", tuple(intern(k) for k in _keys(self.stem, self.coarse_stem, self.coarse))
        )
        patronymic_like = self.role == "patronymic" or (
            self.role == "name" and is_patronymic_like(self.folded)
        )
        setattr_(self, "patronymic_like", patronymic_like)
        setattr_(self, "weight", 0.5 if patronymic_like else 1.0)
        credit = 0.75 if patronymic_like else 0.1
        middle = self.role == "name" and not patronymic_like
        setattr_(self, "credit_short", credit)
        setattr_(self, "credit_long", 0.6 if middle else credit)


def blocking_keys(token: Token) -> tuple[str, ...]:
    """The keys a hit index files ``token`` under and looks it up by.

    Two tokens that :func:`~caravan.names.compare` calls a match (other than an
    initial, or two identical one-letter words) share at least one key: compare checks
    that they do before it grants anything weaker than equal folded keys.  The keys
    are the coarse stem (its first ``KEY_PREFIX`` letters: every ending change of one
    stem meets there), the first ``KEY_HEAD`` coarse letters of the word and their
    one-letter deletions when there are at least four (SymSpell style: one typo
    anywhere, a changed ending after a long stem).  At most 8 keys; none for a stem
    shorter than two letters.

    >>> blocking_keys(tokens(surname="Рахимов")[0])
    ('rakem', 'rakema', 'akema', 'rkema', 'raema', 'rakma', 'rakea')
    """
    return token.keys


def _keys(stem: str, coarse_stem: str, coarse_word: str) -> tuple[str, ...]:
    if len(stem) < 2:
        return ()
    keys = [coarse_stem[:KEY_PREFIX]]
    head = coarse_word[:KEY_HEAD]
    if head not in keys:
        keys.append(head)
    if len(head) >= 4:
        for i in range(len(head)):
            key = head[:i] + head[i + 1 :]
            if key not in keys:
                keys.append(key)
    return tuple(keys)


def tokens(
    surname: str | None = None,
    given: str | None = None,
    patronymic: str | None = None,
    full: str | None = None,
) -> tuple[Token, ...]:
    """Tokens of a person name.

    Structured parts give tokens with their role (a part of several words gives
    several tokens of that role, e.g. a double surname).  ``full`` — a name as written,
    without structure and in any order — gives tokens of role ``name``; it is used only
    when the structured parts give no token.  Particles are joined to their word
    (``Asan uulu``, ``Karim oʻgʻli``, ``Abdul Aziz``).  At most ``MAX_TOKENS`` tokens,
    words cut to ``MAX_WORD`` characters; empty or letterless input gives ``()``.
    """
    out: list[Token] = []
    for role, text in (("surname", surname), ("given", given), ("patronymic", patronymic)):
        if text:
            out.extend(_part_tokens(text, role))
    if not out and full:
        out.extend(_part_tokens(full, "name"))
    return tuple(out[:MAX_TOKENS])


def _part_tokens(text: str, role: str) -> list[Token]:
    cap = _PART_CAPS[role]
    words: list[tuple[str, str, str]] = []  # (written, written without spaces, folded)
    pending = ""  # a leading particle (Abdul, al-) waiting for its word
    for raw in iter_words(text):
        written = raw[:MAX_WORD]
        folded = _fold_written(written)
        if not folded:
            continue
        if pending:
            joined = pending.replace(" ", "") + written
            written, folded, pending = f"{pending} {written}", _fold_written(joined), ""
        elif folded in LEADING_PARTICLES:
            pending = written
            continue
        elif folded in TRAILING_PARTICLES and words:
            prev_written, prev_joined, _ = words[-1]
            joined = prev_joined + written
            words[-1] = (f"{prev_written} {written}", joined, _fold_written(joined))
            continue
        if len(words) >= cap:
            break
        words.append((written, written.replace(" ", ""), folded))
    if pending and len(words) < cap:
        words.append((pending, pending, _fold_written(pending)))
    return [_make(role, written, folded) for written, _, folded in words]


@lru_cache(maxsize=1 << 17)
def _fold_written(word: str) -> str:
    return "".join(fold(word).split())


@lru_cache(maxsize=1 << 17)
def _make(role: str, written: str, folded: str) -> Token:
    return Token(role, written, folded, stems_of(folded, role)[0])
