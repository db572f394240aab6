"""Fold a person name in any script to one lower-case phonetic Latin skeleton.

The same man is ``Раҳимзода Ҷамшед``, ``Рахимов Джамшед``, ``RAKHIMOV DZHAMSHED``,
``Rahimov Jamshed`` and ``Raximov Jamshid``.  Folding brings the spellings of one
sound together (kh/x/h/х/ҳ → ``h``; zh/dzh/dj/j/ж/ҷ/ž/c(Azerbaijani) → ``j``;
ya/ia/я → ``ia``; ye/е/э → ``e``; yo/ё → ``e``; ts/tz/cz/ц → ``ts``; w → ``v``;
q/қ → ``k``; double letters → one), so that transliterations of one name give one key.
What folding cannot settle (Tajik e vs Uzbek i, Uzbek o vs Russian а, г vs h) is left
to the coarse key (:func:`coarse`) and to the comparison.

The key is close to the ICAO passport rendering of the Russian spelling: ``Рахимов``
folds to ``rahimov``, ``Джамшед`` to ``jamshed``, ``Юлия`` to ``iulia``, ``Алиев``
to ``aliev``.  Letters of scripts not handled here (Arabic, Chinese, Greek…) are kept
as written after NFKC case folding, so they compare only with themselves.

Examples:
    >>> fold("RAKHIMOV DZHAMSHED")
    'rahimov jamshed'
    >>> fold("Раҳимзода Ҷамшед")
    'rahimzoda jamshed'
    >>> fold("Yoʻldosh Gʻafurov")
    'iuldosh gafurov'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

from caravan.names.letters import (
    APOSTROPHES,
    COARSE,
    DIGRAPHS,
    NATIONAL_CYRILLIC,
    NATIONAL_LATIN,
    PLAIN_LATIN,
    RENDER,
    RUSSIAN,
)

__all__ = ["coarse", "fold", "fold_word", "iter_words", "normalise_text", "split_words"]

_LETTERS: dict[str, str] = {
    **PLAIN_LATIN,
    **RUSSIAN,
    **NATIONAL_CYRILLIC,
    **NATIONAL_LATIN,
}
_APOSTROPHE_TABLE = str.maketrans(dict.fromkeys(APOSTROPHES, "'"))
_WORD = re.compile(r"[^\s\-‐‑‒–—―/\\,.;:()\[\]{}<>\"«»„“”!?|+*=&#@%$^~0-9_]+")
_DIGRAPH = re.compile("|".join(sorted(DIGRAPHS, key=len, reverse=True)))
_DOUBLE = re.compile(r"([a-z])\1+")
_UZBEK_APOSTROPHE = re.compile(r"([og])'+")
_C = re.compile(r"c([hzk]?)")
_FRONT_VOWELS = frozenset("eiyéèêëíìîıý")
_AZERBAIJANI_C = frozenset(("", "a", "ə", "á"))
_AZERBAIJANI = frozenset("əǝığ")
_RENDER_TABLE = str.maketrans(RENDER)
_UNRENDER = re.compile("|".join(RENDER.values()))
_UNRENDER_MAP = {v: k for k, v in RENDER.items()}
_COARSE_TABLE = str.maketrans(COARSE)
_COARSE_RUN = re.compile(r"([a-z])\1+")
_GLIDE_J = re.compile(r"(?<=[aeiou])j(?![aeiou])")
_SOFT_U = re.compile(r"(?<=[^aeiou])iu")
_TZ = re.compile(r"tz(?!o?d|ad)")  # German tz = ц, but not Davlat-zoda, Ahmat-zade


def normalise_text(text: str) -> str:
    """NFKC, case-folded text with every apostrophe variant written ``'``."""
    return _nfkc_casefold(text.translate(_APOSTROPHE_TABLE))


def _nfkc_casefold(text: str) -> str:
    """Case folding and NFKC, repeated until stable (a few characters need two rounds)."""
    for _ in range(4):
        folded = unicodedata.normalize("NFKC", text.casefold()).translate(_APOSTROPHE_TABLE)
        if folded == text:
            break
        text = folded
    return text


def split_words(text: str) -> list[str]:
    """The words of ``text``: runs of characters between spaces, punctuation and digits."""
    return _WORD.findall(text)


def iter_words(text: str) -> Iterator[str]:
    """The words of ``text``, lazily (a very long text is read only as far as needed)."""
    return (m.group() for m in _WORD.finditer(text))


def fold(text: str) -> str:
    """Any name text → its lower-case phonetic skeleton, words separated by one space.

    Idempotent: ``fold(fold(x)) == fold(x)``.  Returns ``""`` when the text has no
    letters.
    """
    if not text:
        return ""
    words = (fold_word(w) for w in split_words(normalise_text(text)))
    return " ".join(w for w in words if w)


@lru_cache(maxsize=1 << 17)
def fold_word(word: str) -> str:
    """Fold one word already passed through :func:`normalise_text`."""
    folded = _canonical(_to_internal(word)).translate(_RENDER_TABLE)
    if not folded.isascii():
        # letters kept as written may compose once what stood between them is gone
        folded = _nfkc_casefold(folded)
    return folded


def to_internal(word: str) -> str:
    """A word passed through :func:`normalise_text` → internal letter codes, each
    letter mapped on its own (no digraph merged, no double letter collapsed)."""
    return _to_internal(word)


def refold_internal(internal: str) -> str:
    """Internal letter codes (:func:`to_internal`) → the folded key."""
    folded = _canonical(internal).translate(_RENDER_TABLE)
    return _nfkc_casefold(folded) if not folded.isascii() else folded


def coarse(folded: str) -> str:
    """The coarse class string of a folded word: vowels and consonants that alternate
    between national forms of one name fall together (o~a, i~e, g~h~k, b~p~f, d~t),
    a j after a vowel and before a consonant reads as й (ISO 9 Ajbek, Sergej), and
    ю after a consonant as у (Гюнель / Günel, Людмила / Ludmila).

    >>> coarse("jamshed") == coarse("jamshid")
    True
    >>> coarse("ajbek") == coarse("aibek")
    True
    """
    internal = _UNRENDER.sub(lambda m: _UNRENDER_MAP[m.group()], folded)
    if "j" in internal:
        internal = _GLIDE_J.sub("i", internal)
    if "iu" in internal:
        internal = _SOFT_U.sub("u", internal)
    return _COARSE_RUN.sub(r"\1", internal.translate(_COARSE_TABLE))


# --------------------------------------------------------------------------- internals


def _to_internal(word: str) -> str:
    """Letters → internal codes (see ``letters``); context rules for ' and c first."""
    if "'" in word:
        word = _UZBEK_APOSTROPHE.sub(lambda m: "ў" if m.group(1) == "o" else "ғ", word)
        word = word.replace("'", "")
    if "c" in word:
        azerbaijani = not _AZERBAIJANI.isdisjoint(word)
        word = _C.sub(lambda m: _latin_c(m, azerbaijani), word)

    out: list[str] = []
    keep_marks = False
    for ch in word:
        mapped = _LETTERS.get(ch)
        if mapped is not None:
            out.append(mapped)
            keep_marks = False
            continue
        mapped, keep_marks = _unknown(ch, keep_marks)
        out.append(mapped)
    return "".join(out)


def _latin_c(m: re.Match[str], azerbaijani: bool) -> str:
    follower = m.group(1)
    if follower == "h":
        return "ч"
    if follower == "z":
        if m.string.startswith(("ad", "od"), m.end()):
            return "жz"  # Azerbaijani c before -zadə (Oruczadə), not Polish cz
        return "ц"
    if follower == "k":
        return "к"
    if azerbaijani:
        return "ж"  # Azerbaijani c = дж (Cəfər, Cəlil)
    end = m.end()
    after = m.string[end] if end < len(m.string) else ""
    if after in _FRONT_VOWELS:
        return "ц"  # GOST system B and ISO 9 (Zajcev, Kuznecov)
    if after in _AZERBAIJANI_C:
        return "ж"  # Azerbaijani c before a and at the end (Cavid, Nicat, Oruc)
    return "ц"  # Kuznecov, Cvetkov


@lru_cache(maxsize=4096)
def _unknown_letter(ch: str) -> str | None:
    """A letter outside the tables: a Latin or Cyrillic letter with a diacritic maps
    to its base letter; a letter of another script gives None (kept as written)."""
    base = unicodedata.normalize("NFD", ch)[:1]
    if base != ch and base in _LETTERS:
        return _LETTERS[base]
    return None


def _unknown(ch: str, keep_marks: bool) -> tuple[str, bool]:
    """Map a character the tables do not know; the flag says whether marks that follow
    belong to a letter kept as written (and so are kept too)."""
    category = unicodedata.category(ch)
    if category[0] == "L":
        mapped = _unknown_letter(ch)
        if mapped is not None:
            return mapped, False
        return ch, True
    if category[0] == "M":
        return (ch, True) if keep_marks else ("", False)
    return "", False


def _canonical(s: str) -> str:
    """Apply digraph merges, the y-glide rules and double-letter collapse until stable."""
    for _ in range(8):
        before = s
        s = _DIGRAPH.sub(lambda m: DIGRAPHS[m.group()], s)
        if "tz" in s:
            s = _TZ.sub("q", s)
        s = _DOUBLE.sub(r"\1", s.replace("yy", "iy"))
        if "y" in s:
            s = _glides(s)
        if s == before:
            break
    return s


_Y_BEFORE_E = re.compile(r"y(?=e)")
_Y_JO = re.compile(r"(?<=[aeou])y(?=o)")


def _glides(s: str) -> str:
    """Resolve Latin y: ye → e, yo → e (ё) but io after a/e/o/u (йо), ya/yu → ia/iu,
    y elsewhere (й after a vowel, ы after a consonant) → i.  This makes BGN and
    informal spellings fold like ICAO (Yelena/Elena, Aliyev/Aliev, Sergey/Sergei)."""
    s = _Y_BEFORE_E.sub("", s)
    s = _Y_JO.sub("i", s)
    return s.replace("yo", "e").replace("y", "i")
