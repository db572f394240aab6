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


#: ``+`` then digits, spaces or dashes only: the common, unambiguous international form.
_PLAIN_INTERNATIONAL = re.compile(r"^\+[1-9][\d \-]{5,22}$")


def fast_international(text: str) -> str | None:
    """E.164 for a plainly written international number, without a full parse.

    Bulk imports meet hundreds of thousands of distinct numbers and
    ``phonenumbers.parse`` costs ~100 µs each. For ``+`` and digits (spaces and
    dashes allowed) the E.164 form is the digits themselves; we only check, from
    libphonenumber's own metadata, that the country code exists and the national
    number has a possible length. Anything else (brackets, a trunk ``0`` after the
    country code, an impossible length) returns ``None`` and takes the full parser.
    """
    if not _PLAIN_INTERNATIONAL.match(text):
        return None
    digits = text[1:].replace(" ", "").replace("-", "")
    for size in (1, 2, 3):
        regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(int(digits[:size]))
        if regions:
            break
    else:
        return None
    national = digits[size:]
    metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(
        int(digits[:size]), regions[0]
    )
    if national.startswith("0") or metadata is None or metadata.general_desc is None:
        return None
    if len(national) not in metadata.general_desc.possible_length:
        return None
    return "+" + digits


#: Digits with the separators people write (no ``+``): a national number, perhaps.
_PLAIN_NATIONAL = re.compile(r"^(?!00)\d[\d \-().]{5,22}$")


def fast_national(text: str, region: str) -> str | None:
    """E.164 for a national number written with the region's trunk prefix, without a parse.

    ``8 (701) 123-45-67`` in Kazakhstan is ``+7`` and the digits after the trunk ``8``:
    exactly what the full parser returns for it, whenever those digits have a possible
    length for the country (the check the full path ends with, too). Only for regions
    whose trunk prefix is a plain digit string; numbers beginning ``00`` (Tajik mobiles),
    the region's international prefix (``8 10`` …) and anything else take the full parser.
    """
    if not _PLAIN_NATIONAL.match(text):
        return None
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.general_desc is None:
        return None
    prefix = metadata.national_prefix
    if not prefix or metadata.national_prefix_for_parsing not in (None, prefix):
        return None
    if metadata.national_prefix_transform_rule is not None:
        return None
    digits = re.sub(r"[ \-().]", "", text)
    if not digits.startswith(prefix):
        return None
    if metadata.international_prefix and re.match(metadata.international_prefix, digits):
        return None  # "8 10 …": dialling abroad from Russia, Kazakhstan, Turkmenistan
    national = digits[len(prefix) :]
    if national.startswith("0") or len(national) not in metadata.general_desc.possible_length:
        return None
    return f"+{metadata.country_code}{national}"


@lru_cache(maxsize=65536)
def _normalise(value: str, region: str | None) -> str:
    if not isinstance(value, str):
        raise InvalidValue(f"not a phone number {shown(value)}: expected text")
    text = value.strip()
    if not text:
        raise InvalidValue("phone number is empty")
    fast = fast_international(text)
    if fast is None and region is not None:
        fast = fast_national(text, region)
    if fast is not None:
        return fast
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
