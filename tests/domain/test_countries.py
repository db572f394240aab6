import pycountry
import pytest
from hypothesis import given
from hypothesis import strategies as st

from caravan.domain import MEMBER_STATES, country_name, normalise_country
from caravan.errors import InvalidValue


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("KZ", "KZ"),
        ("kz", "KZ"),
        (" KGZ ", "KG"),
        ("860", "UZ"),
        ("8", "AL"),
        ("Kazakhstan", "KZ"),
        ("russian federation", "RU"),
        ("Iran, Islamic Republic of", "IR"),
        ("Islamic Republic of Iran", "IR"),
        ("Iran", "IR"),
        ("Российская Федерация", "RU"),
        ("Россия", "RU"),
        ("РФ", "RU"),
        ("Russia", "RU"),
        ("Киргизия", "KG"),
        ("Кыргызстан", "KG"),
        ("Kyrgyzstan", "KG"),
        ("Таджикистан", "TJ"),
        ("Туркмения", "TM"),
        ("ТУРКМЕНИСТАН", "TM"),
        ("Казахстан", "KZ"),
        ("Узбекистан", "UZ"),
        ("Азербайджан", "AZ"),
        ("Афганистан", "AF"),
        ("Иран", "IR"),
        ("UAE", "AE"),
        ("ОАЭ", "AE"),
        ("Объединенные Арабские Эмираты", "AE"),  # е for ё
        ("Turkey", "TR"),
        ("Türkiye", "TR"),
        ("Китай", "CN"),
        ("Украина", "UA"),
        ("Беларусь", "BY"),
        ("Исламская Респу́блика Иран", "IR"),  # stress mark in the ISO catalogue
        ("  Германия  ", "DE"),
    ],
)
def test_normalise_country(value: str, code: str) -> None:
    assert normalise_country(value) == code


@pytest.mark.parametrize("value", ["Narnia", "XX", "999", "Russi", "Нарния"])
def test_unknown_country_names_the_value(value: str) -> None:
    with pytest.raises(InvalidValue, match=f"unknown country '{value}'"):
        normalise_country(value)


def test_empty_country() -> None:
    with pytest.raises(InvalidValue, match="empty"):
        normalise_country("  ")


def test_country_name() -> None:
    assert country_name("KG") == "Kyrgyzstan"
    assert country_name("KG", "ru") == "Кыргызстан"
    assert country_name("tjk", "ru") == "Таджикистан"
    assert country_name("RU", "ru") == "Россия"
    assert country_name("DE", "ru") == "Германия"
    with pytest.raises(InvalidValue, match="'fr'"):
        country_name("KZ", "fr")


def test_member_states() -> None:
    assert MEMBER_STATES == ("KZ", "KG", "TJ", "TM", "UZ", "RU", "AZ")
    assert all(normalise_country(country_name(c, "ru")) == c for c in MEMBER_STATES)
    assert all(normalise_country(country_name(c, "en")) == c for c in MEMBER_STATES)


def test_every_iso_country_round_trips() -> None:
    for c in pycountry.countries:
        for value in (c.alpha_2, c.alpha_3, c.numeric, c.name):
            assert normalise_country(value) == c.alpha_2
        for lang in ("en", "ru"):
            assert normalise_country(country_name(c.alpha_2, lang)) == c.alpha_2


_SPELLINGS = [v for c in pycountry.countries for v in (c.alpha_2, c.alpha_3, c.name)] + [
    "Россия",
    "Киргизия",
    "UAE",
]


@given(st.one_of(st.sampled_from(_SPELLINGS), st.text(max_size=30)))
def test_normalise_country_is_idempotent(value: str) -> None:
    try:
        code = normalise_country(value)
    except InvalidValue:
        return
    assert normalise_country(code) == code
    assert len(code) == 2
    assert code.isupper()
