"""Quantities and units: read an amount and a unit, express it in kg or in units.

Mass units convert exactly (Decimal); volumes count 1 l as 1 kg (UNODC convention).
Counted units (tablets, plants…) keep the count and get a mass only where
``data/unit_factors.yaml`` has a factor for the drug or its group. The factor table can
be replaced per agency by pointing ``CARAVAN_UNIT_FACTORS`` at a file of the same layout.

Example:
    >>> q = normalise_quantity("1 500,25", "гр")
    >>> q.unit, q.kg
    ('g', Decimal('1.50025'))
    >>> q = normalise_quantity(200, "табл.", drug_code="mdma")
    >>> q.units, q.kg
    (Decimal('200'), Decimal('0.0600'))
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation, localcontext
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml

from caravan.domain._data import fold, load_yaml, shown
from caravan.domain.drugs import all_drugs, drug_groups, get_drug, resolve_drug
from caravan.errors import InvalidValue

__all__ = [
    "NormalisedQuantity",
    "normalise_quantity",
    "parse_amount",
    "resolve_unit",
    "unit_codes",
    "unit_factor",
    "unit_kind",
    "unit_label",
]

_SPACE = "[ \u00a0\u2009\u202f]"
_SPACED = re.compile(rf"[0-9]{{1,3}}(?:{_SPACE}[0-9]{{3}})+(?:[.,][0-9]+)?")
_NUMBER = re.compile(r"[0-9]*(?:[.,][0-9]+)*|[0-9]+[.,]")
_MAX_DIGITS = 30


@dataclass(frozen=True, slots=True)
class NormalisedQuantity:
    """An amount as entered, its canonical unit, and its value in kg and/or units.

    ``factor`` is kg per unit entered (1000 for t, 0.001 for g, kg per tablet…) and
    ``factor_source`` says where that factor comes from; both are None when no mass
    can be given (a count without a factor, or hectares).
    """

    amount: Decimal
    unit: str
    kg: Decimal | None
    units: Decimal | None
    factor: Decimal | None
    factor_source: str | None


@cache
def _units() -> tuple[dict[str, dict[str, Any]], dict[str, str], frozenset[str], str]:
    data = load_yaml("units.yaml")
    units: dict[str, dict[str, Any]] = data["units"]
    index: dict[str, str] = {}
    for code, spec in units.items():
        if spec["kind"] not in ("mass", "volume", "count", "area"):
            raise ValueError(f"units.yaml: {code}: bad kind {spec['kind']!r}")
        if (spec["kind"] in ("mass", "volume")) != ("kg" in spec):
            raise ValueError(f"units.yaml: {code}: kg factor is for mass and volume only")
        for alias in (code, *spec["aliases"]):
            if index.setdefault(_unit_key(str(alias)), code) != code:
                raise ValueError(f"units.yaml: alias {alias!r} names two units")
    ambiguous = frozenset(_unit_key(str(a)) for a in data["ambiguous"]["aliases"])
    if ambiguous & index.keys():
        raise ValueError("units.yaml: an ambiguous spelling is also a unit alias")
    return units, index, ambiguous, str(data["ambiguous"]["reason"])


def _unit_key(value: str) -> str:
    return fold(value).rstrip(".")


@cache
def _factors() -> dict[tuple[str, str], tuple[Decimal, str]]:
    override = os.environ.get("CARAVAN_UNIT_FACTORS")
    if override:
        data = yaml.safe_load(Path(override).read_text(encoding="utf-8"))
    else:
        data = load_yaml("unit_factors.yaml")
    units = _units()[0]
    targets = {d.code for d in all_drugs()} | set(drug_groups())
    table: dict[tuple[str, str], tuple[Decimal, str]] = {}
    for row in data["factors"]:
        unit, target = str(row["unit"]), str(row["applies_to"])
        where = f"unit factors: {unit}/{target}"
        if units.get(unit, {}).get("kind") != "count":
            raise ValueError(f"{where}: {unit!r} is not a counted unit")
        if target not in targets:
            raise ValueError(f"{where}: {target!r} is neither a drug code nor a group")
        kg = Decimal(str(row["kg"]))
        if not kg.is_finite() or kg <= 0 or not str(row.get("source") or "").strip():
            raise ValueError(f"{where}: needs kg > 0 and a source")
        if (unit, target) in table:
            raise ValueError(f"{where}: appears twice")
        table[(unit, target)] = (kg, str(row["source"]))
    return table


@lru_cache(maxsize=1024)
def resolve_unit(value: str) -> str:
    """The canonical unit code for a spelling such as ``"кг."``, ``"grams"``, ``"кусты"``."""
    if not isinstance(value, str):
        raise InvalidValue(f"unknown unit {shown(value)}: expected text")
    _, index, ambiguous, reason = _units()
    key = _unit_key(value)
    if key in index:
        return index[key]
    if not key:
        raise InvalidValue("unit is empty")
    if key in ambiguous:
        raise InvalidValue(f"ambiguous unit {shown(value.strip())}: {reason}")
    raise InvalidValue(
        f"unknown unit {shown(value.strip())}; known units: {', '.join(unit_codes())}"
    )


def unit_codes() -> list[str]:
    """Canonical unit codes: kg, g, mg, t, lb, l, ml, tablets, capsules, … hectares."""
    return list(_units()[0])


def unit_kind(code: str) -> str:
    """``"mass"``, ``"volume"``, ``"count"`` or ``"area"`` for a unit (any spelling)."""
    return str(_units()[0][resolve_unit(code)]["kind"])


def unit_label(code: str, lang: str = "en") -> str:
    """Short display name of a unit in ``"en"`` or ``"ru"``."""
    return str(_units()[0][resolve_unit(code)]["name_ru" if lang == "ru" else "name_en"])


def unit_factor(unit: str, drug_code: str) -> tuple[Decimal, str] | None:
    """(kg per item, source) for a counted unit and a drug, or None when there is none.

    The drug's own row wins over its group's row.
    """
    code = resolve_unit(unit)
    drug = get_drug(drug_code)
    table = _factors()
    return table.get((code, drug.code)) or table.get((code, drug.group))


def parse_amount(value: str | int | float | Decimal) -> Decimal:
    """Read a non-negative number; Russian decimal commas and spaced thousands accepted.

    A single comma or dot is the decimal mark ("1,5" and "1.5" are one and a half); with
    both, the last one is ("1.500,25", "1,500.25"); repeated ones group thousands.

    Example:
        >>> parse_amount("1 500,25"), parse_amount("0,5"), parse_amount(3)
        (Decimal('1500.25'), Decimal('0.5'), Decimal('3'))
    """
    if isinstance(value, bool):
        raise InvalidValue(f"not a number {shown(value)}")
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value)) if value == value else Decimal("NaN")
    elif isinstance(value, Decimal):
        number = value
    elif isinstance(value, str):
        number = _parse_text(value)
    else:
        raise InvalidValue(f"not a number {shown(value)}")
    if not number.is_finite():
        raise InvalidValue(f"not a number {shown(value)}: must be finite")
    if number < 0:
        raise InvalidValue(f"negative quantity {shown(value)}")
    if len(number.as_tuple().digits) > _MAX_DIGITS:
        raise InvalidValue(f"quantity {shown(value)} has too many digits")
    return number


@lru_cache(maxsize=8192)
def _parse_text(value: str) -> Decimal:
    text = value.strip()
    if not text:
        raise InvalidValue("quantity is empty")
    if text.startswith("-"):
        raise InvalidValue(f"negative quantity {shown(text)}")
    text = text.removeprefix("+")
    if re.search(_SPACE, text):
        if not _SPACED.fullmatch(text):
            raise InvalidValue(f"not a number {shown(text)}")
        text = re.sub(_SPACE, "", text)
    if not text or not _NUMBER.fullmatch(text) or not any(c.isdigit() for c in text):
        raise InvalidValue(f"not a number {shown(value.strip())}")
    marks = [c for c in text if c in ".,"]
    if len(set(marks)) == 2:
        decimal_mark = marks[-1]
        if marks.count(decimal_mark) != 1:
            raise InvalidValue(f"not a number {shown(text)}: unclear decimal mark")
        whole, fraction = text.split(decimal_mark)
        text = _ungroup(whole, ",.".replace(decimal_mark, ""), value) + "." + fraction
    elif len(marks) > 1:
        text = _ungroup(text, marks[0], value)
    else:
        text = text.replace(",", ".")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise InvalidValue(f"not a number {shown(value.strip())}") from None


def _ungroup(text: str, mark: str, original: str) -> str:
    groups = text.split(mark)
    if not 1 <= len(groups[0]) <= 3 or any(len(g) != 3 for g in groups[1:]):
        raise InvalidValue(f"not a number {shown(original.strip())}: badly grouped digits")
    return "".join(groups)


def normalise_quantity(
    amount: str | int | float | Decimal, unit: str, drug_code: str | None = None
) -> NormalisedQuantity:
    """Read an amount and unit and express it in kg (mass, volume) or units (counts, area).

    ``drug_code`` (a code or any name :func:`resolve_drug` knows) lets counted units be
    converted to kg through the unit factor table.
    """
    number = parse_amount(amount)
    code = resolve_unit(unit)
    spec = _units()[0][code]
    drug = resolve_drug(drug_code).code if drug_code is not None else None
    if spec["kind"] in ("mass", "volume"):
        factor = Decimal(str(spec["kg"]))
        with localcontext() as ctx:
            ctx.prec = 2 * _MAX_DIGITS
            kg = number * factor
        return NormalisedQuantity(number, code, kg, None, factor, str(spec["source"]))
    found = None
    if drug is not None and spec["kind"] == "count":
        found = unit_factor(code, drug)
    if found is None:
        return NormalisedQuantity(number, code, None, number, None, None)
    factor, source = found
    with localcontext() as ctx:
        ctx.prec = 2 * _MAX_DIGITS
        kg = number * factor
    return NormalisedQuantity(number, code, kg, number, factor, source)
