"""Template filters and globals: numbers, dates, vocabulary labels, grades, handling codes.

Registered once on the shared Jinja environment when :mod:`caravan.web.ui` is imported,
so every page formats a quantity or names a drug the same way, in the page's language.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from typing import Any
from urllib.parse import urlencode

import pycountry

from caravan.domain import MEMBER_STATES, SCHEMES, country_name, get_drug, group_name
from caravan.domain.handling import HandlingCode
from caravan.domain.places import VOCABULARIES, label
from caravan.domain.units import unit_kind, unit_label
from caravan.store.models.base import as_utc
from caravan.web.templating import templates

NARROW_NBSP = "\u202f"


def N_(message: str) -> str:
    """Mark a message for translation; it is translated where it is rendered (``_(msg)``)."""
    return message


def fmt_number(value: Any, lang: str = "en") -> str:
    """``1234.5`` → ``1,234.5`` (English) or ``1 234,5`` (Russian); trailing zeros dropped."""
    if value is None or value == "":
        return ""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if number == number.to_integral_value():
        text = f"{int(number):,}"
    else:
        text = f"{number.normalize():,f}"
    if lang == "ru":
        text = text.replace(",", NARROW_NBSP).replace(".", ",")
    return text


def fmt_datetime(value: datetime | date | None) -> str:
    """ISO date and minute, in UTC: ``2025-03-07 14:05``."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return as_utc(value).astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def handling_description(code: str | None, lang: str = "en") -> str:
    try:
        return HandlingCode(code or "").description(lang)
    except ValueError:
        return ""


def drug_label(code: str | None, lang: str = "en") -> str:
    if not code:
        return ""
    try:
        return get_drug(code).name(lang)
    except ValueError:
        return code


def group_label(group: str | None, lang: str = "en") -> str:
    if not group:
        return ""
    try:
        return group_name(group, lang)
    except ValueError:
        return group


def vocab_label(vocabulary: str, value: str | None, lang: str = "en") -> str:
    """Label of a stored vocabulary code, e.g. ``vocab_label("PlaceType", "road", "ru")``."""
    if not value:
        return ""
    try:
        return label(VOCABULARIES[vocabulary](value), lang)
    except (KeyError, ValueError):
        return value


def unit_name(code: str | None, lang: str = "en") -> str:
    if not code:
        return ""
    try:
        if lang == "en" and unit_kind(code) in ("mass", "volume"):
            return code  # "kg", "l": what analysts write, shorter than "kilograms"
        return unit_label(code, lang)
    except ValueError:
        return code


def scheme_name(code: str | None, lang: str = "en") -> str:
    scheme = SCHEMES.get(code or "")
    if scheme is None:
        return code or ""
    return scheme.name_ru if lang == "ru" else scheme.name_en


def grade_parts(record: Any) -> dict[str, str] | None:
    """The grade as entered (scheme, label) and its Europol mapping, or None if ungraded."""
    if not record.grade_as_entered:
        return None
    scheme, _, entered = record.grade_as_entered.partition(":")
    return {
        "scheme": scheme,
        "entered": entered,
        "europol": f"{record.source_grade or ''}{record.information_grade or ''}",
    }


@cache
def country_choices(lang: str) -> list[tuple[str, str]]:
    """(code, name) for every country: member states first, then the rest by name."""
    members = [(code, country_name(code, lang)) for code in MEMBER_STATES]
    others = []
    for country in pycountry.countries:
        code = country.alpha_2
        if code in MEMBER_STATES:
            continue
        try:
            others.append((code, country_name(code, lang)))
        except ValueError:
            continue
    return members + sorted(others, key=lambda item: item[1])


def query_string(params: dict[str, Any], **changes: Any) -> str:
    """``?a=1&b=2`` from the current filters with some changed; empty values dropped."""
    merged = {**params, **changes}
    pairs = [(k, str(v)) for k, v in merged.items() if v not in (None, "")]
    return "?" + urlencode(pairs) if pairs else "?"


def install() -> None:
    """Register the filters and globals on the shared template environment."""
    env = templates.env
    env.filters.update(num=fmt_number, dt=fmt_datetime)
    env.globals.update(
        handling_description=handling_description,
        drug_label=drug_label,
        group_label=group_label,
        vocab_label=vocab_label,
        unit_name=unit_name,
        scheme_name=scheme_name,
        grade_parts=grade_parts,
        query_string=query_string,
    )
