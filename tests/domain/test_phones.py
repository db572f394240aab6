import pytest

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
