"""Match keys of the selectors that are not person names: plates, documents, companies.

A key is what two renderings of the same identifier have in common, so that a
lookup by key finds every one of them. Keys are computed when a record is written
(``vehicle.plate_key``, ``identity_document.number_key``, ``organisation.name_key``)
and when a check is asked, by the same function.
"""

from __future__ import annotations

import re
import unicodedata

from caravan.names import fold

#: Cyrillic letters that look like Latin ones — the only letters allowed on the region's
#: Cyrillic number plates (GOST R 50577), and the usual source of "different" plates.
LOOKALIKES = str.maketrans("АВЕКМНОРСТУХ", "ABEKMHOPCTYX")
#: Document numbers: letters read as digits (OCR, hand copying).
DIGIT_LOOKALIKES = str.maketrans({"O": "0", "Q": "0", "I": "1"})
_NOT_ALNUM = re.compile(r"[^0-9A-Z\u0400-\u04ff]")

#: Legal forms dropped from company names (Russian, Kazakh, Kyrgyz, Uzbek, Tajik, English…).
LEGAL_FORMS = frozenset(
    (
        # Russian and the region's Cyrillic forms (ТОО/ЖШС Kazakh, ОсОО Kyrgyz, МЧЖ Uzbek,
        # ҶДММ Tajik…)
        *("ооо", "оао", "зао", "пао", "ао", "нао", "тоо", "ип", "чп", "пк", "осоо", "мчж"),
        *("хк", "ҷдмм", "ҷсп", "жшс", "жк", "ақ", "ук"),
        # English and international
        *("llc", "llp", "ltd", "limited", "inc", "corp", "corporation", "co", "company"),
        *("jsc", "ojsc", "cjsc", "pjsc", "plc", "gmbh", "ag", "sa", "srl"),
        # The Cyrillic forms in Latin
        *("ooo", "oao", "zao", "pao", "ao", "too", "ip", "chp", "osoo", "mchj", "xk", "jshs"),
    )
)
_QUOTES = re.compile(r"[\"'«»„“”‘’`]")
#: A word of a company name; hyphenated words (``Ала-Тоо``) stay one.
_WORDS = re.compile(r"[^\W_]+(?:-[^\W_]+)*")


def _upper_nfkc(value: str) -> str:
    return unicodedata.normalize("NFKC", value).upper()


def plate_key(value: str) -> str:
    """``А 123 ВС-02`` and ``A123BC02``: upper case, Cyrillic look-alikes as Latin, only
    letters and digits.

    >>> plate_key("а 123 вс-02") == plate_key("A123BC02")
    True
    """
    return _NOT_ALNUM.sub("", _upper_nfkc(value).translate(LOOKALIKES))


def document_key(value: str) -> str:
    """A document number without separators, with look-alike letters folded (О/O→0, I→1).

    >>> document_key("AO 1234567") == document_key("A0 I234567")
    True
    """
    folded = _NOT_ALNUM.sub("", _upper_nfkc(value).translate(LOOKALIKES).replace("І", "I"))
    return folded.translate(DIGIT_LOOKALIKES)


def company_words(value: str) -> list[str]:
    """The words of a company name without quotes and the legal forms written before or
    after it, as written (``ТОО «Ала-Тоо Транс»`` → ``Ала-Тоо``, ``Транс``)."""
    words = _WORDS.findall(_QUOTES.sub(" ", unicodedata.normalize("NFKC", value)))
    while words and words[0].casefold() in LEGAL_FORMS:
        words.pop(0)
    while words and words[-1].casefold() in LEGAL_FORMS:
        words.pop()
    return words


def company_key(value: str) -> str:
    """``ТОО «Восток-Транзит»`` and ``Vostok Tranzit LLP``: legal form dropped, words folded
    across scripts (as person names are) and sorted.

    >>> company_key('ТОО "Восток Транзит"') == company_key("Vostok Tranzit LLP")
    True
    """
    folded = sorted({part for w in company_words(value) for part in fold(w).split()})
    return " ".join(folded)[:300]


__all__ = ["LEGAL_FORMS", "company_key", "company_words", "document_key", "plate_key"]
