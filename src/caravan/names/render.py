"""Render a name in passport Latin (ICAO Doc 9303) for display and explanations.

The Russian letters go through iuliia's ``ICAO_DOC_9303`` schema; national Cyrillic
letters are first replaced by the Russian letter a Russian passport office would use
(ҳ → х, ҷ → дж, қ → к, ң → н, ө → о, ү → у, і → и, …), and national Latin letters lose
their marks (ə → A, ı → I, ş → S, oʻ → O), as in the visual zone of a passport.

Example:
    >>> passport_latin("Раҳимзода Ҷамшед")
    'RAKHIMZODA DZHAMSHED'
    >>> passport_latin("Yoʻldosh Əliyev")
    'YOLDOSH ALIYEV'
"""

from __future__ import annotations

import unicodedata

import iuliia

from caravan.names.letters import APOSTROPHES

__all__ = ["passport_latin"]

_TO_RUSSIAN = str.maketrans(
    {
        "ҳ": "х",
        "Ҳ": "Х",
        "ҷ": "дж",
        "Ҷ": "Дж",
        "қ": "к",
        "Қ": "К",
        "ғ": "г",
        "Ғ": "Г",
        "ӣ": "и",
        "Ӣ": "И",
        "ӯ": "у",
        "Ӯ": "У",
        "ў": "у",
        "Ў": "У",
        "ә": "а",
        "Ә": "А",
        "ң": "н",
        "Ң": "Н",
        "ө": "о",
        "Ө": "О",
        "ұ": "у",
        "Ұ": "У",
        "ү": "у",
        "Ү": "У",
        "һ": "х",
        "Һ": "Х",
        "і": "и",
        "І": "И",
    }
)
_LATIN_LETTERS = str.maketrans(
    {"ə": "a", "Ə": "A", "ı": "i", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss"}
    | dict.fromkeys(APOSTROPHES, "")
)


def passport_latin(text: str) -> str:
    """``text`` as it would appear in the visual zone of a passport (upper-case Latin).

    Letters of scripts other than Cyrillic and Latin are kept as they are.
    """
    latin = iuliia.ICAO_DOC_9303.translate(text.translate(_TO_RUSSIAN))
    latin = latin.translate(_LATIN_LETTERS)
    out: list[str] = []
    ascii_base = False
    for ch in unicodedata.normalize("NFD", latin):
        if unicodedata.combining(ch):
            if not ascii_base:
                out.append(ch)  # a mark of another script stays with its letter
            continue
        ascii_base = ch.isascii()
        out.append(ch)
    return " ".join(unicodedata.normalize("NFC", "".join(out)).upper().split())
