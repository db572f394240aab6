"""Letter tables used to *render* demo names in other scripts.

This is data rendering for the generator, deliberately independent of the matching
code in ``caravan.names``: it imitates how officers of different countries write a
name, including their habits and inconsistencies.  ``^`` in a key matches the start
of a word.
"""

from __future__ import annotations

from collections.abc import Mapping

Table = Mapping[str, str]

# --- native orthographies to Russian Cyrillic -------------------------------------

TJ_TO_RU: Table = {"ҳ": "х", "ҷ": "дж", "ғ": "г", "қ": "к", "ӣ": "и", "ӯ": "у"}
KZ_TO_RU: Table = {
    "ә": "а",
    "ғ": "г",
    "қ": "к",
    "ң": "н",
    "ө": "о",
    "ұ": "у",
    "ү": "у",
    "һ": "х",
    "і": "и",
}
KG_TO_RU: Table = {"ң": "н", "ө": "о", "ү": "у"}

_LATIN_BASE: dict[str, str] = {
    "a": "а",
    "b": "б",
    "d": "д",
    "e": "е",
    "^e": "э",
    "f": "ф",
    "g": "г",
    "h": "х",
    "i": "и",
    "k": "к",
    "l": "л",
    "m": "м",
    "n": "н",
    "o": "о",
    "p": "п",
    "r": "р",
    "s": "с",
    "t": "т",
    "u": "у",
    "v": "в",
    "z": "з",
    "y": "й",
    "j": "дж",
    "q": "к",
    "w": "в",
    "x": "х",
    "c": "к",
}
UZ_TO_RU: Table = {
    **_LATIN_BASE,
    "sh": "ш",
    "ch": "ч",
    "oʻ": "у",
    "gʻ": "г",
    "yoʻ": "ю",
    "ya": "я",
    "yu": "ю",
    "yo": "ё",
    "ye": "е",
    "ts": "ц",
    "ʼ": "ъ",
}
TM_TO_RU: Table = {
    **_LATIN_BASE,
    "ýa": "я",
    "ýu": "ю",
    "ýe": "е",
    "ýo": "ё",
    "ş": "ш",
    "ç": "ч",
    "ž": "ж",
    "ň": "н",
    "ä": "а",
    "ö": "о",
    "ü": "у",
    "y": "ы",
    "ý": "й",
}
AZ_TO_RU: Table = {
    **_LATIN_BASE,
    "ə": "а",
    "ş": "ш",
    "ç": "ч",
    "c": "дж",
    "ğ": "г",
    "q": "г",
    "ı": "ы",
    "ö": "о",
    "ü": "у",
    "j": "ж",
    "h": "г",
    "ya": "я",
    "yu": "ю",
    "ye": "е",
    "məmməd": "мамед",
}
AF_TO_RU: Table = {
    **_LATIN_BASE,
    "kh": "х",
    "sh": "ш",
    "ch": "ч",
    "zh": "ж",
    "gh": "г",
    "oo": "у",
    "ee": "и",
    "ai": "ай",
    "ei": "ей",
    "ya": "я",
    "yu": "ю",
    "x": "кс",
}

# --- Russian Cyrillic to other scripts ----------------------------------------------

_RU_COMMON: dict[str, str] = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "з": "z",
    "и": "i",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "ь": "",
    "ъ": "",
    "э": "e",
}
RU_TO_ICAO: Table = {
    # ICAO Doc 9303 (7th ed.), Part 3, transliteration of Cyrillic characters.
    **_RU_COMMON,
    "ё": "e",
    "ж": "zh",
    "й": "i",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "ie",
    "ы": "y",
    "ю": "iu",
    "я": "ia",
}
RU_TO_LAT_H: Table = {
    # informal English-style spelling, as typed at a border post
    **_RU_COMMON,
    "ё": "yo",
    "ж": "zh",
    "й": "y",
    "х": "h",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "sch",
    "ы": "y",
    "ю": "yu",
    "я": "ya",
    "дж": "j",
    "ий": "iy",
}
RU_TO_LAT_KH: Table = {**RU_TO_LAT_H, "х": "kh", "дж": "dzh"}
RU_TO_UZ: Table = {
    **_RU_COMMON,
    "^е": "ye",
    "ё": "yo",
    "ж": "j",
    "й": "y",
    "х": "x",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "sh",
    "ъ": "ʼ",
    "ы": "i",
    "ю": "yu",
    "я": "ya",
    "дж": "j",
}
RU_TO_TM: Table = {
    **_RU_COMMON,
    "в": "w",
    "^е": "ýe",
    "ё": "ýo",
    "ж": "ž",
    "й": "ý",
    "х": "h",
    "ц": "ts",
    "ч": "ç",
    "ш": "ş",
    "щ": "şç",
    "ы": "y",
    "ю": "ýu",
    "я": "ýa",
    "дж": "j",
}
RU_TO_AZ: Table = {
    **_RU_COMMON,
    "г": "q",
    "^е": "ye",
    "ё": "yo",
    "ж": "j",
    "й": "y",
    "х": "x",
    "ц": "ts",
    "ч": "ç",
    "ш": "ş",
    "щ": "şç",
    "ы": "ı",
    "ю": "yu",
    "я": "ya",
    "дж": "c",
}
RU_TO_TJ: Table = {"дж": "ҷ"}


def _max_key(table: Table) -> int:
    return max(len(k) for k in table)


_MAXLEN: dict[int, int] = {}


def convert(text: str, table: Table, *, upper: bool = False) -> str:
    """Rewrite ``text`` with ``table`` (longest match first, word by word).

    Letters that the table does not know pass through unchanged.  The result is
    capitalised word by word (``upper=True``: all upper case, as in passports).
    """
    maxlen = _MAXLEN.get(id(table))
    if maxlen is None:
        maxlen = _MAXLEN[id(table)] = _max_key(table)
    words = []
    for word in text.replace("İ", "I").lower().split(" "):
        src = "^" + word
        out: list[str] = []
        i = 0
        while i < len(src):
            for size in range(min(maxlen, len(src) - i), 0, -1):
                piece = src[i : i + size]
                if piece in table:
                    out.append(table[piece])
                    i += size
                    break
            else:
                if src[i] != "^":
                    out.append(src[i])
                i += 1
        words.append("".join(out))
    if upper:
        return " ".join(words).upper()
    return " ".join(_capitalise(w) for w in words)


def _capitalise(word: str) -> str:
    """Upper-case the first letter of each hyphen-separated part; keep particles."""
    if word in ("уулу", "кызы", "uulu", "kyzy", "oʻgʻli", "qizi", "oğlu", "qızı"):
        return word
    return "-".join(p[:1].upper() + p[1:] for p in word.split("-"))
