"""Handling codes: who may use and receive a record (dissemination control).

Example:
    >>> parse_handling_code("h2"), parse_handling_code("2").restricted
    (<HandlingCode.H2: 'H2'>, True)
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache

from caravan.domain._data import shown
from caravan.errors import InvalidValue

__all__ = ["HandlingCode", "parse_handling_code"]

_DESCRIPTIONS: dict[str, tuple[str, str]] = {
    "H0": (
        "Use only to prevent and combat crime; releasable to all member agencies.",
        "Использовать только для предупреждения и пресечения преступлений; "
        "может передаваться всем ведомствам-участникам.",
    ),
    "H1": (
        "Not to be used in judicial proceedings without the owner's permission.",
        "Не использовать в судебном производстве без разрешения владельца.",
    ),
    "H2": (
        "Not to be disseminated without the owner's permission: others get hit/no-hit only.",
        "Не распространять без разрешения владельца: остальные получают только "
        "ответ «есть совпадение / нет совпадения».",
    ),
    "H3": (
        "Other restrictions, stated in free text; treated like H2 for visibility.",
        "Иные ограничения, указанные в тексте; по видимости приравнивается к H2.",
    ),
}


class HandlingCode(StrEnum):
    """H0–H3 after Europol's handling codes."""

    H0 = "H0"
    H1 = "H1"
    H2 = "H2"
    H3 = "H3"

    @property
    def restricted(self) -> bool:
        """True when others see only hit/no-hit unless named as recipients (H2, H3)."""
        return self in (HandlingCode.H2, HandlingCode.H3)

    def description(self, lang: str = "en") -> str:
        """What the code means, in ``"en"`` or ``"ru"``."""
        en, ru = _DESCRIPTIONS[self.value]
        return ru if lang == "ru" else en


@lru_cache(maxsize=64)
def parse_handling_code(value: str) -> HandlingCode:
    """Read ``"H2"``, ``"h2"``, ``"2"`` (Cyrillic ``"Н2"`` too) as a :class:`HandlingCode`."""
    if isinstance(value, HandlingCode):
        return value
    if not isinstance(value, str):
        raise InvalidValue(f"unknown handling code {shown(value)}: expected text")
    text = value.strip().upper().replace("Н", "H").replace(" ", "")
    if text.isdigit():
        text = "H" + text
    try:
        return HandlingCode(text)
    except ValueError:
        raise InvalidValue(
            f"unknown handling code {shown(value.strip())}: use H0, H1, H2 or H3"
        ) from None
