"""Shared helpers: load reference data files once and fold text for lookups."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Any

import yaml

_SPACES = re.compile(r"\s+")
# Stress marks that some Russian reference texts carry (e.g. "Респу́блика").
_ACCENTS = str.maketrans("", "", "\u0301\u0300")


@cache
def load_yaml(name: str) -> Any:
    """Return the parsed content of ``domain/data/<name>`` (parsed once per process)."""
    text = (
        resources.files("caravan.domain")
        .joinpath("data")
        .joinpath(name)
        .read_text(encoding="utf-8")
    )
    return yaml.safe_load(text)


def fold(value: str) -> str:
    """Lookup key for free text: trimmed, case-folded, ё→е, stress marks dropped, spaces collapsed.

    Example:
        >>> fold("  Ёлка   Зелёная ")
        'елка зеленая'
    """
    return _SPACES.sub(" ", value.translate(_ACCENTS).strip().casefold().replace("ё", "е"))


def shown(value: object) -> str:
    """A value as quoted in an error message (shortened so messages stay readable)."""
    text = str(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return repr(text)
