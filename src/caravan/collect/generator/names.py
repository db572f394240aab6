"""Render one underlying person's name the way a given agency would write it.

A person is identified by ``(ethnicity, surname index, given index, father index,
sex, variant)``.  ``variant`` selects the family-name tradition where a people has
two: Tajik -зода instead of -ов, Kazakh -ұлы/-қызы or Kyrgyz уулу/кызы instead of
-ов, Azerbaijani -zadə instead of -ov.

*Forms* are the scripts a name can be rendered in: ``native`` (the person's own
orthography), ``RU`` (Russian Cyrillic), ``TJ`` (Russian form with Tajik ҷ),
``UZ``/``TM``/``AZ`` (national Latin alphabets), ``ICAO`` (ICAO 9303 from the Russian
form, upper case) and ``LAT`` (informal English-style Latin).  Each renderer returns a
tuple of plausible spellings; callers pick one at random.  Results are memoised, so
rendering a million records costs dictionary look-ups.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from . import translit as t
from .name_pools import FEMALE, MALE, RU_PATRONYMIC_EXCEPTIONS, SURNAMES

UZ_APOSTROPHES: tuple[str, ...] = ("ʻ", "ʻ", "'", "`", "ʼ", "‘")
"""How the Uzbek ``ʻ`` (in oʻ, gʻ) actually arrives: the proper letter and its stand-ins."""

_TO_RU: dict[str, t.Table] = {
    "TJ": t.TJ_TO_RU,
    "KZ": t.KZ_TO_RU,
    "KG": t.KG_TO_RU,
    "UZ": t.UZ_TO_RU,
    "TM": t.TM_TO_RU,
    "AZ": t.AZ_TO_RU,
    "AF": t.AF_TO_RU,
}
_CYR_VOWELS = set("аеёиоуыэюяӣӯәөұүі")
_LAT_VOWELS = set("aeiouyəıöüäý")


def to_russian(eth: str, native: str) -> str:
    """The Russian Cyrillic spelling of a name written in ``eth``'s orthography."""
    if eth == "RU":
        return native
    if eth in ("TJ", "KZ", "KG"):
        table = _TO_RU[eth]
        return "".join(_map_letter(c, table) for c in native)
    return t.convert(native, _TO_RU[eth])


def _map_letter(c: str, table: t.Table) -> str:
    low = c.lower()
    rep = table.get(low)
    if rep is None:
        return c
    return rep if c == low else rep[:1].upper() + rep[1:]


def _cyr_suffix(stem: str) -> str:
    last = stem[-1]
    if last in "йь":
        return stem[:-1] + "ев"
    if last in _CYR_VOWELS or last in "жшчщц":
        return stem + "ев"
    return stem + "ов"


def _lat_suffix(stem: str) -> str:
    if stem[-1] in _LAT_VOWELS:
        return stem + "yev"
    if stem.endswith(("sh", "ch", "j", "ş", "ç")):
        return stem + "ev"
    return stem + "ov"


def _tm_suffix(stem: str) -> str:
    return stem + ("ýew" if stem[-1] in _LAT_VOWELS else "ow")


def _ru_patronymic(father: str, female: bool) -> str:
    if father in RU_PATRONYMIC_EXCEPTIONS:
        return RU_PATRONYMIC_EXCEPTIONS[father][female]
    ending = "на" if female else "ич"
    if father.endswith("ий"):
        return father[:-1] + "ев" + ending
    if father[-1] in "йь":
        return father[:-1] + "ев" + ending
    if father[-1] in _CYR_VOWELS or father[-1] in "жшчщц":
        return father + "ев" + ending
    return father + "ов" + ending


def _lat_patronymic(father: str, female: bool, tm: bool = False) -> str:
    if tm:
        base = father + ("ýew" if father[-1] in _LAT_VOWELS else "ow")
        return base + ("na" if female else "iç")
    base = father + ("yev" if father[-1] in _LAT_VOWELS else "ov")
    return base + ("na" if female else "ich")


def _split(entry: str) -> tuple[str, str]:
    """``"Ҷамшед/Jamshid"`` → native and Uzbek spelling (``""`` when none)."""
    native, _, uzbek = entry.partition("/")
    return native, uzbek


def given_native(eth: str, idx: int, female: bool) -> str:
    pool = FEMALE[eth] if female else MALE[eth]
    return _split(pool[idx])[0]


# --------------------------------------------------------------------------- Russian


@cache
def surname_ru(eth: str, s: int, female: bool, variant: bool, father: int) -> tuple[str, ...]:
    """Russian spellings of the surname (the first is the usual one)."""
    stem = SURNAMES[eth][s]
    if eth == "RU":
        return (stem + "а" if female else stem,)
    if eth == "AF":
        return (to_russian(eth, stem),)
    if variant and eth in ("KZ", "KG"):
        fath = to_russian(eth, given_native(eth, father, False))
        if eth == "KZ":
            return (fath + ("кызы" if female else "улы"),)
        return (fath + (" кызы" if female else " уулу"),)
    stem_ru = to_russian(eth, stem)
    if eth in ("UZ", "TM", "AZ"):
        # the Latin stem already carries its own -ov/-ow; convert the full native form
        full = surname_native(eth, s, female, False, father)[0]
        base = to_russian(eth, full)
    else:
        base = _cyr_suffix(stem_ru) + ("а" if female else "")
    if variant and eth == "TJ":
        return (base, base, base, stem_ru + "зода")
    if variant and eth == "AZ":
        return (base, base, stem_ru + "заде")
    return (base,)


@cache
def given_ru(eth: str, g: int, female: bool) -> str:
    return to_russian(eth, given_native(eth, g, female))


@cache
def patronymic_ru(eth: str, f: int, female: bool, variant: bool) -> str:
    if eth == "AF" or (variant and eth in ("KZ", "KG")):
        return ""
    return _ru_patronymic(to_russian(eth, given_native(eth, f, False)), female)


# --------------------------------------------------------------------------- native


@cache
def surname_native(eth: str, s: int, female: bool, variant: bool, father: int) -> tuple[str, ...]:
    """Spellings of the surname in the person's own orthography."""
    stem = SURNAMES[eth][s]
    fem = "а" if female else ""
    if eth == "RU":
        return (stem + fem,)
    if eth == "AF":
        return (stem,)
    if eth == "TJ":
        if variant:
            return (stem + "зода", stem + "зода", stem + "зода", stem + "заде")
        return (_cyr_suffix(stem) + fem,)
    if eth in ("KZ", "KG"):
        if variant:
            fath = given_native(eth, father, False)
            if eth == "KZ":
                return (fath + ("қызы" if female else "ұлы"),)
            return (fath + (" кызы" if female else " уулу"),)
        return (_cyr_suffix(stem) + fem,)
    if eth == "TM":
        return (_tm_suffix(stem) + ("a" if female else ""),)
    if eth == "AZ" and variant:
        return (stem + "zadə",)
    return (_lat_suffix(stem) + ("a" if female else ""),)


@cache
def patronymic_native(eth: str, f: int, female: bool, variant: bool) -> tuple[str, ...]:
    """Spellings of the patronymic in the person's own orthography."""
    if eth == "AF" or (variant and eth in ("KZ", "KG")):
        return ("",)
    father = given_native(eth, f, False)
    if eth in ("RU", "TJ", "KG"):
        return (_ru_patronymic(father, female),)
    if eth == "KZ":
        return (father + ("қызы" if female else "ұлы"), _ru_patronymic(father, female))
    if eth == "UZ":
        return (father + (" qizi" if female else " oʻgʻli"), _lat_patronymic(father, female))
    if eth == "TM":
        return (_lat_patronymic(father, female, tm=True),)
    return (father + (" qızı" if female else " oğlu"),)


# --------------------------------------------------------------------------- forms

_FROM_RU: dict[str, tuple[Callable[[str], str], ...]] = {
    "ICAO": (lambda s: t.convert(s, t.RU_TO_ICAO, upper=True),),
    "LAT": (
        lambda s: t.convert(s, t.RU_TO_LAT_H),
        lambda s: t.convert(s, t.RU_TO_LAT_H),
        lambda s: t.convert(s, t.RU_TO_LAT_KH),
    ),
    "UZ": (lambda s: t.convert(s, t.RU_TO_UZ),),
    "TM": (lambda s: t.convert(s, t.RU_TO_TM),),
    "AZ": (lambda s: _az_dot(t.convert(s, t.RU_TO_AZ)),),
    "TJ": (lambda s: s, lambda s: "".join(_tj_letters(s))),
    "RU": (lambda s: s,),
}


def _az_dot(s: str) -> str:
    return "İ" + s[1:] if s.startswith("I") else s


def _tj_letters(s: str) -> str:
    return s.replace("дж", "ҷ").replace("Дж", "Ҷ")


def _dedupe(values: list[str]) -> tuple[str, ...]:
    return tuple(values)  # duplicates kept on purpose: they weight the random choice


def _from_ru(form: str, russian: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for name in russian:
        out.extend(fn(name) if name else "" for fn in _FROM_RU[form])
    return _dedupe(out)


def _native_latin(eth: str, form: str) -> bool:
    """AF names are native-Latin: informal Latin and ICAO start from the English form."""
    return eth == "AF" and form in ("LAT", "ICAO")


@cache
def render_surname(
    eth: str, s: int, female: bool, variant: bool, father: int, form: str
) -> tuple[str, ...]:
    """Surname spellings of one person in one form (see module doc)."""
    if form == "native":
        return surname_native(eth, s, female, variant, father)
    if _native_latin(eth, form):
        native = surname_native(eth, s, female, variant, father)
        return tuple(n.upper() for n in native) if form == "ICAO" else native
    return _from_ru(form, surname_ru(eth, s, female, variant, father))


@cache
def render_given(eth: str, g: int, female: bool, form: str) -> tuple[str, ...]:
    """Given-name spellings of one person in one form."""
    if form == "native":
        return (given_native(eth, g, female),)
    if _native_latin(eth, form):
        name = given_native(eth, g, female)
        return (name.upper(),) if form == "ICAO" else (name,)
    if form == "UZ":
        pool = FEMALE[eth] if female else MALE[eth]
        uzbek = _split(pool[g])[1]
        if uzbek:
            return (uzbek,)
    return _from_ru(form, (given_ru(eth, g, female),))


@cache
def render_patronymic(eth: str, f: int, female: bool, variant: bool, form: str) -> tuple[str, ...]:
    """Patronymic spellings of one person in one form (``""`` when the form has none)."""
    if form == "native":
        return patronymic_native(eth, f, female, variant)
    return _from_ru(form, (patronymic_ru(eth, f, female, variant),))
