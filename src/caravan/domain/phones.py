"""Phone numbers to E.164, via Google's libphonenumber (``phonenumbers``).

Example:
    >>> normalise_phone("+7 701 123 45 67")
    '+77011234567'
    >>> normalise_phone("8 (701) 123-45-67", default_region="KZ")
    '+77011234567'
    >>> normalise_phone("00992 93 123 4567")
    '+992931234567'
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

from caravan.domain._data import shown
from caravan.domain.countries import normalise_country
from caravan.errors import InvalidValue

__all__ = ["normalise_phone"]

# "00" international prefix (used across the CIS and Europe) written instead of "+".
_DOUBLE_ZERO = re.compile(r"^\s*00(?=[1-9])")
# Characters people put in phone numbers that carry no digits.
_ALLOWED = re.compile(r"^[\d\s+()\-./\u00a0\u2009\u202f]+$")


def normalise_phone(value: str, default_region: str | None = None) -> str:
    """Return the number in E.164 form (``+<country code><number>``).

    ``default_region`` (any country spelling :func:`normalise_country` accepts) is used
    for numbers written without a country code, such as ``8 (701) 123-45-67`` in
    Kazakhstan. Numbers that are not possible for their country raise
    :class:`InvalidValue`.
    """
    region = normalise_country(default_region) if default_region else None
    return _normalise(value, region)


@lru_cache(maxsize=65536)
def _normalise(value: str, region: str | None) -> str:
    if not isinstance(value, str):
        raise InvalidValue(f"not a phone number {shown(value)}: expected text")
    text = value.strip()
    if not text:
        raise InvalidValue("phone number is empty")
    if not _ALLOWED.match(text):
        raise InvalidValue(f"not a phone number {shown(text)}: only digits, spaces and + ( ) - .")
    if region is not None and not text.startswith("+"):
        # Read it as a national number first: in some countries (Tajikistan, for one)
        # mobile numbers themselves begin with 00, and libphonenumber knows each
        # country's own international prefix.
        try:
            national = phonenumbers.parse(text, region)
            if phonenumbers.is_valid_number(national):
                return phonenumbers.format_number(national, phonenumbers.PhoneNumberFormat.E164)
        except phonenumbers.NumberParseException:
            pass
    text = _DOUBLE_ZERO.sub("+", text)
    if not text.startswith("+") and region is None:
        raise InvalidValue(
            f"phone number {shown(text)} has no country code (+…) and no default country"
        )
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidValue(f"not a phone number {shown(text)}: {exc._msg}") from None
    if not phonenumbers.is_possible_number(number):
        reason = {
            phonenumbers.ValidationResult.TOO_SHORT: "too short",
            phonenumbers.ValidationResult.TOO_LONG: "too long",
            phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: "unknown country code",
        }.get(phonenumbers.is_possible_number_with_reason(number), "wrong length")
        raise InvalidValue(f"impossible phone number {shown(text)}: {reason}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
