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

import re
from dataclasses import dataclass, field
from functools import lru_cache
from sys import intern

from caravan.names.affixes import (
    ENDINGS,
    LEADING_PARTICLES,
    TRAILING_PARTICLES,
    is_patronymic_like,
    stems_of,
)
from caravan.names.transliterate import (
    coarse,
    fold,
    iter_words,
    normalise_text,
    refold_internal,
    to_internal,
)

__all__ = ["MAX_TOKENS", "MAX_WORD", "ROLES", "Token", "blocking_keys", "tokens"]

ROLES: tuple[str, ...] = ("surname", "given", "patronymic", "name")
MAX_TOKENS = 8
"""At most this many tokens per name (the rest of a long text is ignored)."""
MAX_WORD = 60
"""Words are cut to this many characters before folding."""
KEY_PREFIX = 10
"""The stem key is the first ``KEY_PREFIX`` coarse letters of the stem."""
KEY_TYPO = 8
"""The typo keys are the one-letter deletions of the first ``KEY_TYPO`` coarse letters
of the stem (a typo further on leaves those letters as they are)."""
MAX_KEYS = 12
"""At most this many blocking keys per token (besides its family keys)."""
MAX_FAMILY_KEYS = 8
"""At most this many more keys for a given name read as a surname (``Armanov``)."""
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
    family: tuple[str, ...] = field(init=False, compare=False, repr=False)
    """The stems read as a family name: ``stems``, except for a given name, which keeps
    its form as a given name but may stand in a surname field (``Armanov`` → arman)."""
    loose: str = field(init=False, compare=False, repr=False)
    """The word letter by letter, before spellings of one sound are merged (``Үөөт`` →
    ``uoot``, not ``ut``): a typo that breaks a digraph or makes a double letter is
    still one letter off here."""
    near: tuple[str, ...] = field(init=False, compare=False, repr=False)
    """Stems left when an ending with one typo is cut (``rahimvo`` → rahim,
    ``Davlatzooa`` → davlat); only for words without a known ending."""
    near_coarse: tuple[str, ...] = field(init=False, compare=False, repr=False)
    alt: str = field(init=False, compare=False, repr=False)
    """The folded word read with Kazakh Latin's ``io`` for ё after a consonant
    (``semionov`` → semenov, as Семёнов folds); empty where that changes nothing
    (:func:`kazakh_reading`)."""
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
        family = stems
        loose = _loose(self.written) or self.folded
        setattr_(self, "loose", intern(loose))
        if self.role == "given" and self.folded:
            read = stems_of(self.folded, "surname")
            if read == (self.folded,) and len(self.folded) >= _SWAPPED_TYPO:
                # a surname with a typo in its ending, in the given-name field
                read = _near_stems(self.folded, loose, "surname", _FAMILY_ENDINGS)
            if read and read != (self.folded,):
                family = tuple(intern(s) for s in (*read, self.folded))
        setattr_(self, "family", family)
        cut = len(self.folded) - len(self.stem)  # no ending, or only -i (Rahsidi)
        near = _near_stems(self.folded, loose, self.role) if cut <= 1 else ()
        near += _digraph_repairs(loose, self.role)
        near = tuple(intern(n) for n in dict.fromkeys(near) if n not in stems)
        setattr_(self, "near", near)
        setattr_(self, "near_coarse", tuple(intern(coarse(n)) for n in near))
        loose_stem = coarse(stems_of(loose, self.role)[0]) if loose != self.folded else ""
        # a given name read as a surname: its stem and that stem's typo keys
        family_keys = (
            tuple(_keys(coarse(family[0]), ())) + tuple(coarse(f) for f in family[1:-1])
            if family is not stems
            else ()
        )
        alt = _KAZAKH_IO.sub("e", self.folded) if "io" in self.folded else self.folded
        alt = "" if alt == self.folded else intern(alt)
        setattr_(self, "alt", alt)
        # the Kazakh Latin reading is found by its own keys too
        alt_keys = _make(self.role, self.written, alt).keys if alt else ()
        extra = (*self.near_coarse, loose_stem)
        keys = _keys(self.coarse_stem, extra, self.coarse, family_keys, alt_keys)
        setattr_(self, "keys", tuple(intern(k) for k in keys))
        patronymic_like = self.role == "patronymic" or (
            self.role == "name" and is_patronymic_like(self.folded)
        )
        setattr_(self, "patronymic_like", patronymic_like)
        setattr_(self, "weight", 0.5 if patronymic_like else 1.0)
        credit = 0.6 if patronymic_like else 0.1
        middle = self.role == "name" and not patronymic_like
        setattr_(self, "credit_short", credit)
        setattr_(self, "credit_long", 0.6 if middle else credit)


#: ``io`` after a consonant: ё in Kazakh Latin (2021), и + о elsewhere (Rodion).
_KAZAKH_IO = re.compile(r"(?<=[b-df-hj-np-tv-z])io")


def kazakh_reading(token: Token) -> Token | None:
    """The word read with ``io`` as ё (:attr:`Token.alt`), where that is another word:
    Kazakh Latin (2021) writes Семён, Фёдор, Артём as Semion, Fiodor, Artiom."""
    return _make(token.role, token.written, token.alt) if token.alt else None


def blocking_keys(token: Token) -> tuple[str, ...]:
    """The keys a hit index files ``token`` under and looks it up by.

    Two tokens that :func:`~caravan.names.compare` calls a match (other than an
    initial, or two identical one-letter words) share at least one key: compare checks
    that they do before it grants anything weaker than equal folded keys.  The keys
    are, on coarse letters:

    * the stem (its first ``KEY_PREFIX`` letters): every ending change of one stem
      meets there;
    * the stem's one-letter deletions (of its first ``KEY_TYPO`` letters, a double
      letter the deletion makes read as one) when it has four letters or more.  As in
      SymSpell, one typo anywhere in the stem — a letter changed, added, dropped, or
      two swapped — leaves the two stems with a deletion in common, or one stem equal
      to a deletion of the other.  A shorter stem takes the first four letters of the
      whole word instead, as a key too; a stem whose letters read otherwise in the
      whole word (a j before the ending: ``Orudzh-ov``) has that reading's keys too;
    * the stem left when an ending with a typo is cut (``Rahimvo`` → rakem), the stem
      a given name has when read as a surname (a field mix-up: ``Armanov`` → arman),
      and the stem of the word read letter by letter when that differs (a typo that
      broke a digraph: ``Үөөт`` → uat).

    A given name that reads as a surname (its ending is one, or one with two letters
    swapped: a surname written in the given-name field) also has the keys of that
    surname's stem, up to ``MAX_FAMILY_KEYS`` more.

    A word with Kazakh Latin's ``io`` after a consonant (``Semionov``) also has the keys
    of that reading (:func:`kazakh_reading`) after its own.

    At most ``MAX_KEYS`` keys otherwise; none for a stem shorter than two letters.

    >>> blocking_keys(tokens(surname="Рахимов")[0])
    ('rakem', 'akem', 'rkem', 'raem', 'rakm', 'rake')
    """
    return token.keys


def _keys(
    coarse_stem: str,
    extra: tuple[str, ...],
    whole: str = "",
    family: tuple[str, ...] = (),
    alt: tuple[str, ...] = (),
) -> list[str]:
    """Blocking keys (see :func:`blocking_keys`) of a word whose coarse stem and coarse
    form are ``coarse_stem`` and ``whole``; ``family``: keys of a given name read as a
    surname, kept beyond ``MAX_KEYS`` (only words with a surname ending have them);
    ``alt``: the keys of its Kazakh Latin reading, within ``MAX_KEYS``."""
    if len(coarse_stem) < 2:
        return []
    split = _split(coarse_stem)
    keys = [split[:KEY_PREFIX]]
    whole = _split(whole)
    bases: list[str] = []
    if len(coarse_stem) >= 4:
        bases.append(split[:KEY_TYPO])
        # The stem as the whole word reads it, where that differs: a j before the
        # ending is a consonant there (Orudzh-ov), a glide at the end of the stem alone.
        inner = whole[: len(split)]
        if inner != split and len(inner) >= 4:
            keys.append(inner[:KEY_PREFIX])
            bases.append(inner[:KEY_TYPO])
    elif len(whole) >= 4:
        # A short stem: its typo keys come from the stem and what follows it, which is
        # a key too (a typo the ending hides: Gadzhyhv and Gadzhyev share kaje).
        bases.append(whole[:4])
        keys.append(whole[:4])
    for base in bases:
        for key in _deletions(base):
            if key not in keys:
                keys.append(key)
    for other in extra:
        key = _split(other)[:KEY_PREFIX]
        if len(key) >= 3 and key not in keys:
            keys.append(key)
    keys += [k for k in alt if k not in keys]
    keys = keys[:MAX_KEYS]
    more = [k for k in dict.fromkeys(_split(f)[:KEY_PREFIX] for f in family) if k not in keys]
    return keys + more[:MAX_FAMILY_KEYS]


def _split(coarse_stem: str) -> str:
    """ш as the two Latin letters it is most often written with (sh), so that a typo
    that breaks the pair (``Rahsid``, ``Jamsihd``) is one letter off too."""
    return coarse_stem.replace("x", "sk") if "x" in coarse_stem else coarse_stem


def _deletions(word: str) -> list[str]:
    """One-letter deletions of a coarse word, runs read as one letter (as
    :func:`~caravan.names.coarse` reads them: ``jumapa`` less ``p`` is ``juma``)."""
    out: list[str] = []
    for i in range(len(word)):
        key = word[:i] + word[i + 1 :]
        if 0 < i < len(word) - 1 and word[i - 1] == word[i + 1]:
            key = word[:i] + word[i + 2 :]
        if key not in out:
            out.append(key)
    return out


def _near_table() -> dict[str, str]:
    """Word endings one typo away from a surname or patronymic ending (of three letters
    or more, or ``-ov``/``-ev`` with its letters swapped or its vowel changed), each
    with the real ending it is a typo of; real endings are left out, they cut the word
    already."""
    real = {e.ending for e in ENDINGS}
    letters = "abcdefghijklmnopqrstuvwxyz"
    table: dict[str, str] = {"vo": "ov", "ve": "ev"}
    # -ov/-ev with its vowel changed (Zaytstv, Usmnuv): the v still marks the ending
    table.update((ch + "v", "ov") for ch in letters if ch not in "oev")
    for end in sorted({e.ending for e in ENDINGS if len(e.ending) >= 3}):
        variants: set[str] = set()
        for i in range(len(end)):
            variants.add(end[:i] + end[i + 1 :])
            variants.update(end[:i] + ch + end[i + 1 :] for ch in letters)
            if i < len(end) - 1:
                variants.add(end[:i] + end[i + 1] + end[i] + end[i + 2 :])
        for i in range(len(end) + 1):
            variants.update(end[:i] + ch + end[i:] for ch in letters)
        for variant in sorted(variants):
            if len(variant) >= 2 and variant not in real:
                table.setdefault(variant, end)
    return table


_NEAR_ENDINGS = _near_table()
_NEAR_LONGEST = max(map(len, _NEAR_ENDINGS))


def _near_stems(
    folded: str, loose: str, role: str, endings: frozenset[str] | None = None
) -> tuple[str, ...]:
    """Stems of a word whose ending has a typo, from the folded word and from the word
    read letter by letter (folded again): the longest near-ending is cut; and the stems
    left when undoing one typo that straddles the ending — two letters swapped
    anywhere, or one letter too many in the last few — leaves a real ending to cut
    (``Жээнбеокв`` → jenbek, ``Sanzahruly`` → sanjar)."""
    if role == "given":
        return ()
    out: list[str] = []
    for word, refold in ((folded, False), (loose, True)):
        if refold and word == folded:
            continue
        for size in range(min(_NEAR_LONGEST, len(word) - 3), 1, -1):
            near = word[-size:]
            if near in _NEAR_ENDINGS and (endings is None or _swapped(near, endings)):
                stem = refold_internal(word[:-size]) if refold else word[:-size]
                if len(stem) >= 3 and stem not in out:
                    out.append(stem)
                break
        for fixed in _one_typo_undone(word):
            whole = refold_internal(fixed) if refold else fixed
            stem = stems_of(whole, role)[0]
            cut = whole[len(stem) :]
            wanted = endings is None or cut in endings
            if len(stem) >= 3 and len(cut) >= 2 and wanted and stem not in out:
                out.append(stem)
    return tuple(out[:_MAX_NEAR])


#: Surname endings a surname written in the given-name field is looked for with, when
#: two letters of its ending are swapped (other endings, and other typos, would read
#: too many given names as surnames: Gulnora is not Gulnova).
_FAMILY_ENDINGS = frozenset(
    {"ov", "ev", "ova", "eva", "uli", "ulu", "kizi", "zoda", "zade", "zada", "zadeh"}
)
#: Given names this long or longer are read as surnames with a mistyped ending.
_SWAPPED_TYPO = 6
#: At most this many near stems per word.
_MAX_NEAR = 4
#: Letters at the end of a word where an extra letter is looked for.
_TAIL = 5


#: First letters of the Latin digraphs of the region (zh, kh, sh, ch, dh, th, gh).
_DIGRAPH_FIRST = frozenset("zkscdtg")


def _digraph_repairs(loose: str, role: str) -> tuple[str, ...]:
    """Stems of a surname whose ``h`` a typo moved out of its digraph (``Zahparov`` →
    japar, ``BAIHZANULY`` → baijan): the ``h`` put back, the word folded again."""
    if role == "given" or "h" not in loose:
        return ()
    out: list[str] = []
    for i in range(1, len(loose) - 1):
        if loose[i + 1] == "h" and loose[i - 1] in _DIGRAPH_FIRST:  # z-a-h ← z-h-a
            fixed = loose[:i] + "h" + loose[i] + loose[i + 2 :]
        elif loose[i] == "h" and loose[i + 1] in _DIGRAPH_FIRST:  # h-z ← z-h
            fixed = loose[:i] + loose[i + 1] + "h" + loose[i + 2 :]
        else:
            continue
        stem = stems_of(refold_internal(fixed), role)[0]
        if len(stem) >= 3 and stem not in out:
            out.append(stem)
    return tuple(out[:2])


def _swapped(near: str, endings: frozenset[str]) -> bool:
    """Whether a near-ending is one of ``endings`` with two letters swapped (``-vo``)."""
    real = _NEAR_ENDINGS[near]
    return real in endings and sorted(near) == sorted(real)


def _one_typo_undone(word: str) -> list[str]:
    """The word with two neighbouring letters swapped back, anywhere, or with one
    letter of its last :data:`_TAIL` dropped."""
    out = [word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)]
    out += [word[:i] + word[i + 1 :] for i in range(max(3, len(word) - _TAIL), len(word))]
    return [w for w in out if w != word]


@lru_cache(maxsize=1 << 17)
def _loose(written: str) -> str:
    """The written word letter by letter (internal letter codes, no spelling merged)."""
    internal = to_internal("".join(normalise_text(written).split()))
    return "".join(ch for ch in internal.replace("y", "i") if ch.isalpha())


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
