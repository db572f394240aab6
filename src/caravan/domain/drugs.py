"""Drug taxonomy: groups and items with Russian and English names and synonyms.

The data lives in ``data/drugs.yaml``; see the comments there for the choices made.

Example:
    >>> resolve_drug("Гашиш").code, resolve_drug("альфа-PVP").code, resolve_drug("соль").code
    ('cannabis_resin', 'alpha_pvp', 'synthetic_cathinones')
    >>> get_drug("acetic_anhydride").convention_table
    'I'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Literal

from caravan.domain._data import fold, load_yaml, shown
from caravan.errors import InvalidValue

__all__ = [
    "Drug",
    "all_drugs",
    "drug_groups",
    "drug_key",
    "get_drug",
    "group_name",
    "resolve_drug",
]

Form = Literal["mass", "count"]

_ALPHA = re.compile(r"α|альфа")
_SEPARATORS = re.compile(r"[\s\-_‐‑–—.,·'’\"/\\()\[\]]+")


@dataclass(frozen=True, slots=True)
class Drug:
    """One item of the taxonomy (a substance, a class of substances or a plant product)."""

    code: str
    group: str
    name_en: str
    name_ru: str
    synonyms: tuple[str, ...] = ()
    convention_table: str | None = None
    default_form: Form = "mass"

    def name(self, lang: str = "en") -> str:
        """The display name in ``"en"`` or ``"ru"``."""
        return self.name_ru if lang == "ru" else self.name_en


def drug_key(value: str) -> str:
    """The lookup key of a drug name: folded, alpha spelt out, separators removed.

    Example:
        >>> drug_key("α-PVP") == drug_key("Alpha PVP") == drug_key("альфа-pvp")
        True
    """
    return _SEPARATORS.sub("", _ALPHA.sub("alpha", fold(value)))


@cache
def _load() -> tuple[dict[str, Drug], dict[str, str], list[str]]:
    data = load_yaml("drugs.yaml")
    groups = [str(g) for g in data["groups"]]
    drugs: dict[str, Drug] = {}
    index: dict[str, str] = {}
    for row in data["drugs"]:
        code = str(row["code"])
        if code in drugs:
            raise ValueError(f"drugs.yaml: code {code!r} appears twice")
        if row["group"] not in groups:
            raise ValueError(f"drugs.yaml: {code}: unknown group {row['group']!r}")
        table = row.get("convention_table")
        if (table is not None) != (row["group"] == "precursors") or table not in (None, "I", "II"):
            raise ValueError(f"drugs.yaml: {code}: bad convention_table {table!r}")
        if row["default_form"] not in ("mass", "count"):
            raise ValueError(f"drugs.yaml: {code}: bad default_form {row['default_form']!r}")
        drug = Drug(
            code=code,
            group=str(row["group"]),
            name_en=str(row["name_en"]),
            name_ru=str(row["name_ru"]),
            synonyms=tuple(str(s) for s in row.get("synonyms") or ()),
            convention_table=table,
            default_form=row["default_form"],
        )
        drugs[code] = drug
        for name in (code, drug.name_en, drug.name_ru, *drug.synonyms):
            key = drug_key(name)
            if index.setdefault(key, code) != code:
                raise ValueError(f"drugs.yaml: {name!r} names both {index[key]} and {code}")
    return drugs, index, groups


@lru_cache(maxsize=8192)
def resolve_drug(value: str) -> Drug:
    """Find a drug by code, English or Russian name, or synonym (street names included).

    Raises :class:`InvalidValue` (``unknown drug 'xyz'``) when nothing matches.
    """
    if not isinstance(value, str):
        raise InvalidValue(f"unknown drug {shown(value)}: expected text")
    drugs, index, _ = _load()
    code = index.get(drug_key(value))
    if code is None:
        if not value.strip():
            raise InvalidValue("drug is empty")
        raise InvalidValue(f"unknown drug {shown(value.strip())}")
    return drugs[code]


def get_drug(code: str) -> Drug:
    """The drug with exactly this code; :class:`InvalidValue` for an unknown code."""
    drug = _load()[0].get(code)
    if drug is None:
        raise InvalidValue(f"unknown drug code {shown(code)}")
    return drug


def all_drugs() -> list[Drug]:
    """Every drug, in taxonomy order (grouped)."""
    return list(_load()[0].values())


def drug_groups() -> list[str]:
    """Group codes in taxonomy order: cannabis, opiates, cocaine, ats, nps, sedatives, …"""
    return list(_load()[2])


def group_name(group: str, lang: str = "en") -> str:
    """Display name of a group in ``"en"`` or ``"ru"``."""
    groups = load_yaml("drugs.yaml")["groups"]
    if group not in groups:
        raise InvalidValue(f"unknown drug group {shown(group)}")
    return str(groups[group]["name_ru" if lang == "ru" else "name_en"])
