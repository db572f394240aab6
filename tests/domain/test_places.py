from enum import StrEnum

import pytest

from caravan.domain import (
    VOCABULARIES,
    Concealment,
    DocumentType,
    LinkType,
    PlaceType,
    Role,
    TransportMode,
    label,
    parse_vocab,
)
from caravan.errors import InvalidValue


@pytest.mark.parametrize(
    ("cls", "value", "member"),
    [
        (PlaceType, "border_crossing", PlaceType.BORDER_CROSSING),
        (PlaceType, "Border crossing", PlaceType.BORDER_CROSSING),
        (PlaceType, "ПУНКТ ПРОПУСКА ЧЕРЕЗ ГРАНИЦУ", PlaceType.BORDER_CROSSING),
        (TransportMode, "post_courier", TransportMode.POST_COURIER),
        (Concealment, "закладка", Concealment.DROP_POINT),
        (Role, "Аналитик", Role.ANALYST),
        (LinkType, "travelled with", LinkType.TRAVELLED_WITH),
        (DocumentType, "Водительское удостоверение", DocumentType.DRIVING_LICENCE),
    ],
)
def test_parse_vocab(cls: type[StrEnum], value: str, member: StrEnum) -> None:
    assert parse_vocab(cls, value) is member


def test_unknown_vocab_names_value() -> None:
    with pytest.raises(InvalidValue, match="unknown role 'king'"):
        parse_vocab(Role, "king")


@pytest.mark.parametrize("cls", list(VOCABULARIES.values()), ids=lambda c: c.__name__)
def test_every_member_has_labels_that_parse_back(cls: type[StrEnum]) -> None:
    for member in cls:
        for lang in ("en", "ru"):
            text = label(member, lang)
            assert text
            assert parse_vocab(cls, text) is member
        assert parse_vocab(cls, member.value) is member
