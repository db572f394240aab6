"""Cross-script person names: fold, tokenise, compare, and key for a hit index.

The same man is written ``Раҳимзода Ҷамшед`` (Tajik Cyrillic), ``Рахимов Джамшед``
(Russian), ``RAKHIMOV DZHAMSHED`` (passport), ``Rahimov Jamshed`` and ``Raximov Jamshid``
(Uzbek Latin).  :func:`fold` gives every spelling one phonetic Latin key, :func:`tokens`
folds a name word by word once (for a million stored persons), :func:`compare` pairs
the words of two names and scores them with an explanation (:func:`match_score`: the
score alone, cheaper), and :func:`blocking_keys` gives the keys a hit index files a
word under.

Example:
    >>> m = compare_names("Рахимов Джамшед", "RAKHIMOV DZHAMSHED")
    >>> m.score, m.explain()
    (0.97, 'name Рахимов = RAKHIMOV (transliteration); name Джамшед = DZHAMSHED (transliteration)')
"""

from caravan.names.matching import (
    HOW,
    NameMatch,
    PartMatch,
    compare,
    compare_names,
    match_score,
)
from caravan.names.render import passport_latin
from caravan.names.tokenise import MAX_TOKENS, MAX_WORD, ROLES, Token, blocking_keys, tokens
from caravan.names.transliterate import coarse, fold

__all__ = [
    "HOW",
    "MAX_TOKENS",
    "MAX_WORD",
    "ROLES",
    "NameMatch",
    "PartMatch",
    "Token",
    "blocking_keys",
    "coarse",
    "compare",
    "compare_names",
    "fold",
    "match_score",
    "passport_latin",
    "tokens",
]
