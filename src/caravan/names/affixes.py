"""Surname and patronymic endings of the region, on folded words, and the stems they leave.

One family name takes many endings: Russian and Central Asian -ов/-ев/-ова/-ева
(Turkmen -ow/-ew/-owa, Uzbek -ov/-yev), Tajik -зода/-заде (Persian -zadeh), Kazakh
-ұлы/-қызы, Kyrgyz уулу/кызы, Uzbek oʻgʻli/qizi, Azerbaijani oğlu/qızı and -li/-lu,
Afghan and Tajik -i (Rahimi, Раҳимӣ), Russian -ин/-ина, -ский/-ская, and patronymic
-ович/-овна/-евич/-евна/-ич/-ична.  ``Рахимов``, ``Раҳимзода``, ``Rahimi`` and
``Rakhim`` all leave the stem ``rahim``.

Endings are written as they fold (``-ев`` → ``ev``, ``-ская`` → ``skaia``, ``уулу`` →
``ulu``, ``o'g'li`` → ``ugli``, ``qızı`` → ``kizi``).
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = [
    "GENDER_PAIRS",
    "JOINED_ENDINGS",
    "LEADING_PARTICLES",
    "PATRONYMIC_ENDINGS",
    "TRAILING_PARTICLES",
    "Ending",
    "gender_pair",
    "is_patronymic_like",
    "stems_of",
]


class Ending(NamedTuple):
    """A word ending, what replaces it, and the shortest stem it may leave."""

    ending: str
    replacement: str
    min_stem: int
    roles: frozenset[str]


_ALL = frozenset({"surname", "patronymic", "name"})
_SURNAME_ONLY = frozenset({"surname", "patronymic"})

ENDINGS: tuple[Ending, ...] = (
    # patronymics (Russian and the Russian form of Central Asian names)
    Ending("ovich", "", 3, _ALL),
    Ending("evich", "", 3, _ALL),
    Ending("ichna", "", 4, _ALL),
    Ending("ovna", "", 3, _ALL),
    Ending("evna", "", 3, _ALL),
    # son of / daughter of, written as one word (particles are joined to the name first)
    Ending("ugli", "", 3, _ALL),  # Uzbek oʻgʻli
    Ending("ogli", "", 3, _ALL),
    Ending("oglu", "", 3, _ALL),  # Azerbaijani oğlu
    Ending("kizi", "", 3, _ALL),  # Kazakh қызы, Kyrgyz кызы, Uzbek qizi
    Ending("gizi", "", 3, _ALL),  # Azerbaijani qızı read with q = г
    Ending("ulu", "", 3, _ALL),  # Kyrgyz уулу
    Ending("uli", "", 4, _ALL),  # Kazakh ұлы (4: not Rasuli → Ras)
    # Tajik and Persian "born of"
    Ending("zadeh", "", 3, _ALL),
    Ending("zoda", "", 3, _ALL),
    Ending("zada", "", 3, _ALL),
    Ending("zade", "", 3, _ALL),
    Ending("zod", "", 3, frozenset({"surname"})),  # not for given names (Bekzod, Sherzod)
    # Russian adjectival surnames
    Ending("skaia", "sk", 2, _ALL),
    Ending("skoi", "sk", 2, _ALL),
    Ending("ski", "sk", 2, _ALL),
    # -ov/-ev and their feminine forms (Turkmen -ow/-ew fold to these)
    Ending("ova", "", 3, _ALL),
    Ending("eva", "", 3, _ALL),
    Ending("ov", "", 3, _ALL),
    Ending("ev", "", 3, _ALL),
    Ending("ina", "in", 3, _SURNAME_ONLY),  # Никитина → Никитин (Madina keeps its a)
    Ending("ich", "", 4, _ALL),  # Ильич, Никитич
    # Azerbaijani -li/-lı/-lu/-lü, Persian and Tajik -i/-ӣ
    Ending("li", "", 4, _ALL),
    Ending("lu", "", 4, _ALL),
    Ending("i", "", 4, _ALL),
)
"""Endings tried in this order; the first that applies gives the primary stem."""

PATRONYMIC_ENDINGS: tuple[str, ...] = (
    "ovich",
    "evich",
    "ovna",
    "evna",
    "ichna",
    "ugli",
    "ogli",
    "oglu",
    "kizi",
    "gizi",
)
"""Endings that mark a word as a patronymic when the role is not given."""

TRAILING_PARTICLES: frozenset[str] = frozenset(
    {"ugli", "ogli", "oglu", "uli", "ulu", "kizi", "gizi"}
)
"""Folded words that belong to the word before them (``Asan uulu``, ``Karim oʻgʻli``)."""

LEADING_PARTICLES: frozenset[str] = frozenset(
    {"abd", "abdu", "abdul", "abdel", "abdal", "abdol", "abdur", "al", "el", "ul"}
)
"""Folded words that belong to the word after them (``Abdul Aziz``, ``al-Rahman``)."""

GENDER_PAIRS: frozenset[frozenset[str]] = frozenset(
    frozenset(pair)
    for pair in (
        ("ov", "ova"),
        ("ev", "eva"),
        ("in", "ina"),
        ("", "a"),  # Никитин / Никитина once -ина → -ин
        ("ovich", "ovna"),
        ("evich", "evna"),
        ("ich", "ichna"),
        ("ugli", "kizi"),
        ("ogli", "kizi"),
        ("oglu", "gizi"),
        ("oglu", "kizi"),
        ("uli", "kizi"),
        ("ulu", "kizi"),
        ("i", "aia"),  # Красовский / Красовская once both end in -sk
        ("oi", "aia"),
    )
)
"""Masculine and feminine endings of one family name or patronymic."""


_VOWELS = frozenset("aeiou")
JOINED_ENDINGS: frozenset[str] = frozenset(
    e.ending
    for e in ENDINGS
    if len(e.ending) >= 3 and e.ending[0] not in _VOWELS and not e.replacement
)
"""Endings that start with a consonant a name may end with (-zoda, -kizi): written
after it, the double letter folds to one (``Nurbek qizi`` → ``nurbekizi``)."""


def stems_of(folded: str, role: str) -> tuple[str, ...]:
    """Stems of a folded word: the primary stem first, then other readings.

    Given names keep their form (``("jamshed",)``); other roles drop one ending.

    >>> stems_of("rahimzoda", "surname")
    ('rahim',)
    >>> stems_of("rasuli", "name")
    ('rasu', 'rasul')

    A stem left ending in a vowel before an ending that starts with a consonant has a
    second reading with that consonant: folding reads a double letter as one, so
    ``Nurbek qizi`` is ``nurbekizi`` and ``Novruzzoda`` is ``novruzoda``.

    >>> stems_of("novruzoda", "surname")
    ('novru', 'novruz')
    """
    if role == "given" or len(folded) < 3:
        return (folded,)
    found: list[str] = []
    for end in ENDINGS:
        if role not in end.roles or not folded.endswith(end.ending):
            continue
        stem = folded[: len(folded) - len(end.ending)]
        if len(stem) < end.min_stem:
            continue
        joined = end.ending in JOINED_ENDINGS and stem[-1] in _VOWELS
        stem += end.replacement
        if stem not in found:
            found.append(stem)
        if joined and stem + end.ending[0] not in found:
            found.append(stem + end.ending[0])
    return tuple(found) if found else (folded,)


def is_patronymic_like(folded: str) -> bool:
    """Whether a word of unknown role reads as a patronymic (Karimovich, Karim oʻgʻli)."""
    return len(folded) > 6 and folded.endswith(PATRONYMIC_ENDINGS)


def gender_pair(end_a: str, end_b: str) -> bool:
    """Whether two endings are the masculine and feminine of one name (-ov/-ova)."""
    return frozenset((end_a, end_b)) in GENDER_PAIRS
