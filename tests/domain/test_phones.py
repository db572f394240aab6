import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from caravan.domain import normalise_phone
from caravan.errors import InvalidValue


@pytest.mark.parametrize(
    ("value", "region", "e164"),
    [
        ("+7 701 123 45 67", None, "+77011234567"),
        ("+77011234567", None, "+77011234567"),
        ("8 (701) 123-45-67", "KZ", "+77011234567"),
        ("8 (701) 123-45-67", "Казахстан", "+77011234567"),
        ("00992 93 123 4567", None, "+992931234567"),
        ("+996 555 123 456", None, "+996555123456"),
        ("+998 90 123 45 67", None, "+998901234567"),
        ("+993 65 123456", None, "+99365123456"),
        ("+994 50 123 45 67", None, "+994501234567"),
        ("8 912 345-67-89", "RU", "+79123456789"),
        ("93 123 4567", "TJ", "+992931234567"),
    ],
)
def test_normalise_phone(value: str, region: str | None, e164: str) -> None:
    assert normalise_phone(value, default_region=region) == e164


@pytest.mark.parametrize(
    ("value", "region"),
    [
        ("abc", None),
        ("call me", "KZ"),
        ("+7 12", None),
        ("+7 701 123 45 67 89 00 11", None),
        ("+999 123 4567", None),
        ("701 123 45 67", None),  # no country code, no default country
    ],
)
def test_bad_phone_names_the_value(value: str, region: str | None) -> None:
    with pytest.raises(InvalidValue) as info:
        normalise_phone(value, default_region=region)
    assert repr(value) in str(info.value)


def test_empty_phone() -> None:
    with pytest.raises(InvalidValue, match="empty"):
        normalise_phone("   ")


def test_unknown_default_region() -> None:
    with pytest.raises(InvalidValue, match="Narnia"):
        normalise_phone("8 701 123 45 67", default_region="Narnia")


@given(
    country_code=st.sampled_from([7, 992, 996, 998, 993, 994, 93, 98, 44, 1, 49, 380, 86, 90]),
    national=st.text(alphabet="0123456789", min_size=4, max_size=13),
    separator=st.sampled_from(["", " ", "-"]),
)
def test_fast_path_agrees_with_the_full_parser(
    country_code: int, national: str, separator: str
) -> None:
    """Whenever the shortcut answers, it answers exactly what libphonenumber would."""
    from caravan.domain.phones import fast_international

    text = f"+{country_code}{separator}{separator.join([national[:3], national[3:]])}"
    fast = fast_international(text)
    if fast is None:
        return
    parsed = phonenumbers.parse(text, None)
    assert phonenumbers.is_possible_number(parsed)
    assert fast == phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


@given(
    region=st.sampled_from(["KZ", "KG", "TJ", "TM", "UZ", "RU", "AZ", "GB", "DE", "TR"]),
    prefix=st.sampled_from(["", "0", "8", "00", "810", "8 10", "7", "9"]),
    national=st.text(alphabet="0123456789", min_size=4, max_size=13),
    separator=st.sampled_from(["", " ", "-", ") "]),
)
def test_national_shortcut_agrees_with_the_full_parser(
    region: str, prefix: str, national: str, separator: str
) -> None:
    """``8 (701) 123-45-67``: whenever the national shortcut answers, the full path (which
    it spares a ~50 µs parse) answers the same."""
    from caravan.domain import phones

    text = f"{prefix}{separator}{national[:3]}{separator}{national[3:]}".strip()
    fast = phones.fast_national(text, region)
    if fast is None:
        return
    parsed = phonenumbers.parse(text, region)
    assert phonenumbers.is_possible_number(parsed)
    assert fast == phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def test_national_shortcut_examples() -> None:
    from caravan.domain.phones import fast_national

    assert fast_national("8 (701) 123-45-67", "KZ") == "+77011234567"
    assert fast_national("0 555 123 456", "KG") == "+996555123456"
    assert fast_national("8 10 992 93 123 4567", "KZ") is None  # dialling abroad
    assert fast_national("93 123 4567", "TJ") is None  # no trunk prefix there: full parser


@pytest.mark.parametrize(
    ("value", "region", "e164"),
    [
        ("002532840", "TJ", "+992002532840"),  # Tajik mobile numbers may begin with 00
        ("00992 93 123 4567", "TJ", "+992931234567"),
        ("00992 93 123 4567", "KZ", "+992931234567"),  # 00 as the international prefix
        ("00992 93 123 4567", "UZ", "+992931234567"),
    ],
)
def test_leading_double_zero_by_region(value: str, region: str, e164: str) -> None:
    assert normalise_phone(value, region) == e164
