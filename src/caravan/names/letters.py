"""Letter tables for folding person names to one phonetic Latin skeleton.

Every letter is mapped to an *internal* code: plain Latin letters, plus three codes
for sounds that Latin spells with two letters — ``x`` for ш (sh), ``c`` for ч (ch) and
``q`` for ц (ts).  ``y`` is a transient glide resolved later
(see ``caravan.names.transliterate``).  The matching key is deliberately close to the
ICAO passport rendering, because that is the Latin form most records carry.

Sources:

* ICAO Doc 9303 (7th ed., 2015), Part 3, "Transliteration of Cyrillic
  characters": Е, Ё → E; Й → I; Х → KH; Ц → TS; Щ → SHCH; Ъ → IE; Ы → Y; Ь omitted;
  Ю → IU; Я → IA; Ґ → G; Є → IE; Ї → I; Ў → U.
* BGN/PCGN 1947 romanization of Russian: е → ye (initial, after vowels, ъ, ь), ё → yë,
  й → y, ы → y, ъ → ”, ь → ’, ю → yu, я → ya.  The glide rules in the folding code
  make ``ye``/``yu``/``ya`` fold like ICAO ``e``/``iu``/``ia``.
* GOST 7.79-2000 system A (= ISO 9:1995: ž š č ŝ â û è ʹ ʺ, й → j, ц → c) and system B
  (zh sh ch shh ya yu e` y` ` ``, ц → cz/c, х → x).
* Uzbek Latin alphabet (law of 1995): oʻ gʻ sh ch ng, q = қ, x = х, j = ж/дж, ʼ = ъ;
  the ʻ arrives as any of ʻ ʼ ' ` ´ ‘ ’ (all treated alike).
* Kazakh Latin alphabet: the 2018 version (á ǵ ı ń ó ú ý, sh ch) and the January 2021
  revision (ä ğ ı i ñ/ŋ ö ş ū ü y).  Kazakh ý (2018: у) collides with Turkmen ý (й); the
  Turkmen reading wins, 2018 texts being rare.
* Turkmen Latin alphabet (1993, revised 1999): ç ž ň ş ý ä ö ü w, j = дж, y = ы.
* Azerbaijani Latin alphabet (1991/1992): ə ç ş ğ ı ö ü, c = дж, j = ж, x = х, q.
* Tajik, Kazakh, Kyrgyz and Uzbek Cyrillic national letters, mapped to the sound the
  Russian rendering of the same name uses (ҳ → х, ҷ → дж, қ → к, ғ → г, ӣ → и, ӯ/ў → у,
  ә → а, ң → н, ө → о, ұ/ү → у, һ → х, і → и).
"""

from __future__ import annotations

RUSSIAN: dict[str, str] = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ё": "e",  # ICAO: E (Russian writing drops the dots as often as not)
    "ж": "j",  # ж and дж fold together: Kazakh ж is said and written "j" in Latin
    "з": "z",
    "и": "i",
    "й": "i",
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
    "х": "h",  # kh / x / h
    "ц": "q",  # ts
    "ч": "c",  # ch
    "ш": "x",  # sh
    "щ": "x",  # shch folds with sh (Uzbek and informal spellings write sh)
    "ъ": "",
    "ы": "i",  # ICAO y, Uzbek i, Kazakh/Azerbaijani ı: one vowel for the match
    "ь": "",
    "э": "e",
    "ю": "iu",
    "я": "ia",
}
"""Russian Cyrillic (ICAO Doc 9303 values, with ж = дж and ы = и for the match)."""

NATIONAL_CYRILLIC: dict[str, str] = {
    # Tajik
    "ғ": "g",
    "ӣ": "i",
    "қ": "k",
    "ӯ": "u",
    "ҳ": "h",
    "ҷ": "j",
    # Kazakh (ғ қ shared with Tajik)
    "ә": "a",
    "ң": "n",
    "ө": "o",
    "ұ": "u",
    "ү": "u",
    "һ": "h",
    "і": "i",
    # Uzbek Cyrillic (қ ғ ҳ shared)
    "ў": "u",
    # Tatar and Bashkir, cheap to have
    "җ": "j",
    "ҡ": "k",
    "ҙ": "z",
    "ҫ": "s",
    # Ukrainian and Belarusian (ICAO values)
    "ґ": "g",
    "є": "ie",
    "ї": "i",
    # Serbian and Macedonian (ICAO values where they fit the fold)
    "ђ": "d",
    "ј": "j",
    "љ": "lj",
    "њ": "nj",
    "ћ": "c",
    "џ": "j",
    "ѓ": "g",
    "ќ": "k",
    "ѕ": "dz",
}
"""National Cyrillic letters of the region, mapped to the sound of the Russian spelling."""

NATIONAL_LATIN: dict[str, str] = {
    # Azerbaijani (c, q, x are handled with the plain Latin letters)
    "ə": "a",
    "ǝ": "a",
    "ı": "i",
    "ğ": "g",
    "ş": "x",
    "ç": "c",
    "ö": "o",
    "ü": "u",
    # Turkmen (ç ş ö ü shared)
    "ä": "a",
    "ž": "j",
    "ň": "n",
    "ý": "y",
    # Kazakh 2018 and 2021 (ı ğ ä ö ş ü shared)
    "á": "a",
    "ǵ": "g",
    "ń": "n",
    "ñ": "n",
    "ŋ": "n",
    "ó": "o",
    "ú": "u",
    "ū": "u",
    # GOST 7.79 system A / ISO 9 and scientific transliteration
    "š": "x",
    "č": "c",
    "ŝ": "x",
    "â": "ia",
    "û": "iu",
    "è": "e",
    "ë": "e",
    "ė": "e",
    # other Latin letters that do not decompose
    "æ": "ae",
    "œ": "oe",
    "ø": "o",
    "đ": "d",
    "ð": "d",
    "þ": "t",
    "ł": "l",
    "ħ": "h",
    "ŧ": "t",
    "ß": "ss",
    "ſ": "s",
}
"""National Latin alphabets (Uzbek oʻ/gʻ and the context-dependent c are handled in code)."""

PLAIN_LATIN: dict[str, str] = {
    **{letter: letter for letter in "abdefghijklmnoprstuvz"},
    "c": "q",  # a c left after the context rules (ch, cz, ck, c+e/i/y, Azerbaijani c)
    "q": "k",  # Uzbek, Kazakh, Azerbaijani q
    "w": "v",  # Turkmen w, German-style -ow
    "x": "h",  # Uzbek, Azerbaijani, GOST system B x
    "y": "y",  # resolved by the glide rules
}

APOSTROPHES: str = "'ʻʼ`´‘’ʹʺ′″ʽʾʿ‛＇"
"""Characters that stand for the Uzbek ʻ (in oʻ, gʻ) or a soft/hard sign: all one mark."""

DIGRAPHS: dict[str, str] = {
    # internal code sequences merged wherever they occur (Latin spelling or not)
    "dzh": "j",
    "shc": "x",  # shch
    "tsc": "c",  # tsch
    "dj": "j",
    "zh": "j",
    "sh": "x",
    "sc": "x",  # sch
    "xc": "x",
    "xh": "x",  # GOST 7.79 system B shh (щ)
    "tx": "qh",  # тш is written tsh, which reads back as ts + h
    "kh": "h",
    "gh": "g",
    "ph": "f",
    "th": "t",
    "ts": "q",
    "tq": "q",
    "tc": "c",  # tch
    "qc": "c",
    "ou": "u",  # French/English spellings (Yousuf)
    "oo": "u",  # English spellings (Noorzai, Yousoof); Kyrgyz long оо folds with у
}
"""Two- and three-letter spellings of one sound, on internal codes."""

RENDER: dict[str, str] = {"x": "sh", "c": "ch", "q": "ts"}
"""How the internal codes are written in the folded key."""

COARSE: dict[str, str] = {
    "o": "a",  # Tajik/Uzbek o ~ Russian а (Sulton/Sultan, Qodir/Kadyr)
    "i": "e",  # Tajik e ~ Uzbek i (Jamshed/Jamshid, Umed/Umid)
    "g": "k",  # Russian г for Azerbaijani/Arabic h (Гасан/Həsən), q/қ ~ к, ғ ~ г
    "h": "k",
    "b": "p",  # Turkic final devoicing and f ~ p (Yusuf/Yusup, Sharif/Sharip)
    "f": "p",
    "d": "t",  # Murad/Myrat, Mered/Meret
    "q": "j",  # a Latin c read as ц that was Azerbaijani дж (Ceyhun, Nurcemal)
}
"""Coarse classes: letters that alternate between national forms of one name."""
