import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caravan.domain import all_drugs, drug_groups, get_drug, group_name, resolve_drug
from caravan.errors import InvalidValue


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("cannabis_herb", "cannabis_herb"),
        ("Cannabis herb", "cannabis_herb"),
        ("марихуана", "cannabis_herb"),
        ("конопля", "cannabis_herb"),
        ("гашиш", "cannabis_resin"),
        ("Анаша", "cannabis_resin"),
        ("план", "cannabis_resin"),
        ("героин", "heroin"),
        ("опий", "opium"),
        ("мак", "poppy_straw"),
        ("Маковая солома", "poppy_straw"),
        ("кокаин", "cocaine_hcl"),
        ("крэк", "crack"),
        ("амфетамин", "amphetamine"),
        ("метамфетамин", "methamphetamine"),
        ("мет", "methamphetamine"),
        ("лёд", "methamphetamine"),
        ("лед", "methamphetamine"),
        ("экстази", "mdma"),
        ("МДМА", "mdma"),
        ("мефедрон", "mephedrone"),
        ("меф", "mephedrone"),
        ("соль", "synthetic_cathinones"),
        ("соли", "synthetic_cathinones"),
        ("спайс", "synthetic_cannabinoids"),
        ("α-PVP", "alpha_pvp"),
        ("alpha-PVP", "alpha_pvp"),
        ("Alpha PVP", "alpha_pvp"),
        ("альфа-PVP", "alpha_pvp"),
        ("альфа ПВП", "alpha_pvp"),
        ("скорость", "alpha_pvp"),
        ("fentanyl", "fentanyls"),
        ("изотонитазен", "nitazenes"),
        ("acetic anhydride", "acetic_anhydride"),
        ("Уксусный ангидрид", "acetic_anhydride"),
        ("марганцовка", "potassium_permanganate"),
        ("P-2-P", "p2p"),
        ("BMK", "p2p"),
        ("APAAN", "apaan"),
        ("MEK", "mek"),
        ("метилэтилкетон", "mek"),
        ("sulfuric acid", "sulphuric_acid"),
        ("серная кислота", "sulphuric_acid"),
        ("соляная кислота", "hydrochloric_acid"),
        ("ацетон", "acetone"),
        ("толуол", "toluene"),
        ("NPP", "npp"),
        ("ANPP", "anpp"),
        ("сафрол", "safrole"),
        ("пиперональ", "piperonal"),
        ("  ЭФЕДРИН ", "ephedrine"),
        ("pseudoephedrine", "pseudoephedrine"),
    ],
)
def test_resolve_drug(value: str, code: str) -> None:
    assert resolve_drug(value).code == code


@pytest.mark.parametrize("value", ["xyz", "насвай", "nasvay", "шт", "табак"])
def test_unknown_drug_names_the_value(value: str) -> None:
    with pytest.raises(InvalidValue, match=f"unknown drug '{value}'"):
        resolve_drug(value)


def test_get_drug() -> None:
    drug = get_drug("acetic_anhydride")
    assert drug.group == "precursors"
    assert drug.convention_table == "I"
    assert get_drug("acetone").convention_table == "II"
    assert get_drug("heroin").convention_table is None
    assert get_drug("mdma").default_form == "count"
    assert get_drug("heroin").name("ru") == "Героин"
    with pytest.raises(InvalidValue, match="unknown drug code 'Heroin'"):
        get_drug("Heroin")


def test_taxonomy_shape() -> None:
    groups = drug_groups()
    assert groups == ["cannabis", "opiates", "cocaine", "ats", "nps", "sedatives", "precursors"]
    drugs = all_drugs()
    assert {d.group for d in drugs} == set(groups)
    for d in drugs:
        assert d.code.isidentifier() and d.code == d.code.lower()
        assert d.name_en and d.name_ru
        assert (d.convention_table is not None) == (d.group == "precursors")
        for spelling in (d.code, d.name_en, d.name_ru, *d.synonyms):
            assert resolve_drug(spelling) is d
    assert group_name("ats", "ru") == "Стимуляторы амфетаминового ряда"


@given(st.text(max_size=30))
def test_resolve_drug_never_crashes(value: str) -> None:
    with contextlib.suppress(InvalidValue):
        resolve_drug(value)
