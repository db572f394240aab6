"""Countries: any common spelling to an ISO 3166-1 alpha-2 code, and back to a name.

Sources, in order of trust: the ISO codes themselves (alpha-2, alpha-3, numeric), the
English names in ``pycountry``, the Russian names from pycountry's ``iso3166-1`` gettext
catalogue, and ``data/countries.yaml`` for colloquial names (Киргизия, РФ, UAE, Turkey…).

Example:
    >>> normalise_country("Кыргызстан"), normalise_country("rus"), normalise_country("860")
    ('KG', 'RU', 'UZ')
    >>> country_name("TJ", "ru")
    'Таджикистан'
"""

from __future__ import annotations

import gettext
from functools import cache, lru_cache

import pycountry

from caravan.domain._data import fold, load_yaml, shown
from caravan.errors import InvalidValue

__all__ = ["MEMBER_STATES", "country_name", "normalise_country"]

#: The centre's member states.
MEMBER_STATES: tuple[str, ...] = ("KZ", "KG", "TJ", "TM", "UZ", "RU", "AZ")


@cache
def _russian() -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ru"], fallback=True)


def _add(index: dict[str, str], key: str, code: str, *, strict: bool) -> None:
    key = fold(key)
    if not key:
        return
    known = index.get(key)
    if known is None:
        index[key] = code
    elif known != code and strict:
        raise ValueError(f"countries.yaml: alias {key!r} names both {known} and {code}")


@cache
def _index() -> dict[str, str]:
    """Folded spelling -> alpha-2. Codes win over names, names over aliases."""
    index: dict[str, str] = {}
    tr = _russian()
    countries = list(pycountry.countries)
    for c in countries:
        index[c.alpha_2.casefold()] = c.alpha_2
        index[c.alpha_3.casefold()] = c.alpha_2
        index[c.numeric] = c.alpha_2
    for c in countries:
        for attr in ("name", "official_name", "common_name"):
            english = getattr(c, attr, None)
            if english:
                _add(index, english, c.alpha_2, strict=False)
                _add(index, tr.gettext(english), c.alpha_2, strict=False)
    data = load_yaml("countries.yaml")
    for code, aliases in data["aliases"].items():
        if pycountry.countries.get(alpha_2=code) is None:
            raise ValueError(f"countries.yaml: {code!r} is not an ISO alpha-2 code")
        for alias in aliases:
            _add(index, str(alias), code, strict=True)
    return index


@lru_cache(maxsize=4096)
def normalise_country(value: str) -> str:
    """Return the ISO 3166-1 alpha-2 code (upper case) for a code or a name.

    Accepts alpha-2, alpha-3 and numeric codes ("8" and "008" alike), English and Russian
    names in any case, with ё or е. Raises :class:`InvalidValue` when nothing matches.

    Example:
        >>> normalise_country(" Российская Федерация "), normalise_country("Türkiye")
        ('RU', 'TR')
    """
    if not isinstance(value, str):
        raise InvalidValue(f"unknown country {shown(value)}: expected text")
    key = fold(value)
    if key.isdigit() and len(key) < 3:
        key = key.zfill(3)
    code = _index().get(key)
    if code is None:
        if not key:
            raise InvalidValue("country is empty")
        raise InvalidValue(f"unknown country {shown(value.strip())}")
    return code


@lru_cache(maxsize=1024)
def country_name(code: str, lang: str = "en") -> str:
    """The display name of a country, in English (``"en"``) or Russian (``"ru"``).

    ``code`` may be anything :func:`normalise_country` accepts.

    Example:
        >>> country_name("KG"), country_name("KG", "ru")
        ('Kyrgyzstan', 'Кыргызстан')
    """
    if lang not in ("en", "ru"):
        raise InvalidValue(f"unknown language {shown(lang)}: expected 'en' or 'ru'")
    alpha_2 = normalise_country(code)
    display = load_yaml("countries.yaml")["display"].get(alpha_2)
    if display:
        return str(display[lang])
    country = pycountry.countries.get(alpha_2=alpha_2)
    assert country is not None  # normalise_country only returns known codes
    english = getattr(country, "common_name", None) or country.name
    return english if lang == "en" else _russian().gettext(country.name)
