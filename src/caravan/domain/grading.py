"""Evaluation grades: Europol 4x4 (default), Admiralty/NATO 6x6 and UK 3x5x2.

Schemes, value descriptions (en/ru) and the mappings to Europol live in
``data/grading.yaml``; every mapping choice is explained there.

Example:
    >>> g = parse_grade("b/2")
    >>> g.label, g.scheme
    ('B2', 'europol')
    >>> parse_grade("1 A P", scheme="uk3x5x2").to_europol().label
    'A2'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from caravan.domain._data import load_yaml, shown
from caravan.errors import InvalidValue

__all__ = ["DEFAULT_SCHEME", "SCHEMES", "Grade", "Scheme", "parse_grade", "scheme_values"]

Choice = tuple[str, str, str]  # (value, English description, Russian description)

# Cyrillic letters typed for their Latin look-alikes on a Russian keyboard.
_LOOKALIKES = str.maketrans("АаВСсЕеХхРр", "AABCCEEXXPP")
_JUNK = re.compile(r"[\s/\\\-.,:;_|]+")


@dataclass(frozen=True, slots=True)
class Scheme:
    """One grading scheme with its allowed values and its mapping to Europol."""

    code: str
    name_en: str
    name_ru: str
    source: tuple[Choice, ...]
    information: tuple[Choice, ...]
    handling: tuple[Choice, ...]
    source_to_europol: MappingProxyType[str, str]
    information_to_europol: MappingProxyType[str, str]

    def allowed(self, part: str) -> tuple[str, ...]:
        """Allowed values of ``"source"``, ``"information"`` or ``"handling"``."""
        choices: tuple[Choice, ...] = getattr(self, part)
        return tuple(c[0] for c in choices)


def _choices(rows: list[list[Any]] | None) -> tuple[Choice, ...]:
    return tuple((str(v), str(en), str(ru)) for v, en, ru in rows or ())


def _load() -> tuple[str, dict[str, Scheme]]:
    data = load_yaml("grading.yaml")
    schemes: dict[str, Scheme] = {}
    for code, spec in data["schemes"].items():
        mapping = spec["to_europol"]
        scheme = Scheme(
            code=code,
            name_en=spec["name_en"],
            name_ru=spec["name_ru"],
            source=_choices(spec["source"]),
            information=_choices(spec["information"]),
            handling=_choices(spec.get("handling")),
            source_to_europol=MappingProxyType(
                {str(k): str(v) for k, v in mapping["source"].items()}
            ),
            information_to_europol=MappingProxyType(
                {str(k): str(v) for k, v in mapping["information"].items()}
            ),
        )
        for part, table in (
            ("source", scheme.source_to_europol),
            ("information", scheme.information_to_europol),
        ):
            if set(table) != set(scheme.allowed(part)):
                raise ValueError(f"grading.yaml: {code}: to_europol.{part} must map every value")
        schemes[code] = scheme
    europol = schemes["europol"]
    for scheme in schemes.values():
        if not set(scheme.source_to_europol.values()) <= set(europol.allowed("source")) or not set(
            scheme.information_to_europol.values()
        ) <= set(europol.allowed("information")):
            raise ValueError(f"grading.yaml: {scheme.code}: maps to a value Europol lacks")
    return str(data["default"]), schemes


_DEFAULT, _SCHEMES = _load()

#: The default scheme's code ("europol").
DEFAULT_SCHEME: str = _DEFAULT
#: Every scheme by code, with value descriptions in English and Russian.
SCHEMES: MappingProxyType[str, Scheme] = MappingProxyType(_SCHEMES)


def _scheme(code: str) -> Scheme:
    scheme = SCHEMES.get(code)
    if scheme is None:
        raise InvalidValue(f"unknown grading scheme {shown(code)}; known: {', '.join(SCHEMES)}")
    return scheme


@dataclass(frozen=True, slots=True)
class Grade:
    """A grade in one scheme, as entered. ``handling`` is used by UK 3x5x2 only (P/C)."""

    scheme: str
    source: str
    information: str
    handling: str | None = None

    def __post_init__(self) -> None:
        scheme = _scheme(self.scheme)
        for part in ("source", "information"):
            if getattr(self, part) not in scheme.allowed(part):
                raise _bad(scheme, part, getattr(self, part), self.label)
        if self.handling is not None and self.handling not in scheme.allowed("handling"):
            raise _bad(scheme, "handling", self.handling, self.label)

    @property
    def label(self) -> str:
        """Short form, e.g. ``"B2"`` (Europol, Admiralty) or ``"1AP"`` (UK 3x5x2)."""
        return f"{self.source}{self.information}{self.handling or ''}"

    def to_europol(self) -> Grade:
        """The nearest Europol 4x4 grade (never more trusting than the original)."""
        if self.scheme == "europol":
            return self
        scheme = SCHEMES[self.scheme]
        return Grade(
            "europol",
            scheme.source_to_europol[self.source],
            scheme.information_to_europol[self.information],
        )

    def __str__(self) -> str:
        return self.label


def _bad(scheme: Scheme, part: str, value: object, whole: str) -> InvalidValue:
    allowed = ", ".join(scheme.allowed(part)) or "none"
    return InvalidValue(
        f"invalid grade {shown(whole)} for {scheme.name_en}: "
        f"{part} {shown(value)} is not one of {allowed}"
    )


@lru_cache(maxsize=1024)
def parse_grade(value: str, scheme: str = "europol") -> Grade:
    """Read a grade such as ``"B2"``, ``"b 2"``, ``"B/2"``, or ``"1AP"`` for UK 3x5x2.

    Cyrillic look-alike letters (А, В, С, Е, Х, Р) are read as Latin ones.
    """
    spec = _scheme(scheme)
    if not isinstance(value, str):
        raise InvalidValue(f"invalid grade {shown(value)}: expected text")
    text = _JUNK.sub("", value.translate(_LOOKALIKES)).upper()
    if not text:
        raise InvalidValue("grade is empty")
    source, information, handling = text[:1], text[1:2], text[2:] or None
    if len(text) < 2 or (handling is not None and not spec.handling):
        raise InvalidValue(
            f"invalid grade {shown(value.strip())} for {spec.name_en}: expected e.g. "
            f"{spec.allowed('source')[1]}{spec.allowed('information')[1]}"
            + (f"{spec.allowed('handling')[0]}" if spec.handling else "")
        )
    if source not in spec.allowed("source"):
        raise _bad(spec, "source", source, value.strip())
    if information not in spec.allowed("information"):
        raise _bad(spec, "information", information, value.strip())
    if handling is not None and handling not in spec.allowed("handling"):
        raise _bad(spec, "handling", handling, value.strip())
    return Grade(scheme, source, information, handling)


def scheme_values(scheme: str) -> dict[str, list[Choice]]:
    """Dropdown values of a scheme: ``{"source": [(value, en, ru), …], "information": …,
    "handling": …}`` (handling is empty except for UK 3x5x2)."""
    spec = _scheme(scheme)
    return {
        "source": list(spec.source),
        "information": list(spec.information),
        "handling": list(spec.handling),
    }
