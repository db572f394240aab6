import pytest

from caravan.domain import HandlingCode, parse_handling_code
from caravan.errors import InvalidValue


@pytest.mark.parametrize(
    ("value", "code"),
    [("H2", HandlingCode.H2), ("h2", HandlingCode.H2), ("2", HandlingCode.H2), (" H0 ", "H0")],
)
def test_parse_handling_code(value: str, code: HandlingCode) -> None:
    assert parse_handling_code(value) == code


@pytest.mark.parametrize("value", ["H4", "X", "", "HH", "-1"])
def test_bad_handling_code(value: str) -> None:
    with pytest.raises(InvalidValue, match=f"unknown handling code '{value}'"):
        parse_handling_code(value)


def test_restricted_and_descriptions() -> None:
    assert [c.restricted for c in HandlingCode] == [False, False, True, True]
    assert "hit/no-hit" in HandlingCode.H2.description()
    assert "владельца" in HandlingCode.H1.description("ru")
    assert HandlingCode.H3 == "H3"
