import contextlib
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caravan.domain import (
    normalise_quantity,
    parse_amount,
    resolve_unit,
    unit_codes,
    unit_factor,
    units,
)
from caravan.errors import InvalidValue


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1,5", "1.5"),
        ("1.5", "1.5"),
        ("1 500,25", "1500.25"),
        ("1\u00a0500,25", "1500.25"),
        ("1\u2009500", "1500"),
        ("1\u202f500", "1500"),
        ("1.500,25", "1500.25"),
        ("1,500.25", "1500.25"),
        ("1.500.000", "1500000"),
        ("0", "0"),
        (",5", "0.5"),
        ("+3", "3"),
        (7, "7"),
        (0.1, "0.1"),
        (Decimal("2.50"), "2.50"),
    ],
)
def test_parse_amount(value: str, expected: str) -> None:
    assert parse_amount(value) == Decimal(expected)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("-1", "negative quantity '-1'"),
        (-0.5, "negative quantity '-0.5'"),
        ("abc", "not a number 'abc'"),
        ("nan", "not a number 'nan'"),
        ("inf", "not a number 'inf'"),
        (float("nan"), "not a number 'nan'"),
        (float("inf"), "not a number 'inf'"),
        (Decimal("NaN"), "not a number 'NaN'"),
        ("1e5", "not a number '1e5'"),
        ("1 5", "not a number '1 5'"),
        ("1,50,0", "not a number '1,50,0'"),
        ("1.5,0.0", "not a number '1.5,0.0'"),
        ("12 kg", "not a number '12 kg'"),
        ("١٢", "not a number"),
        (True, "not a number 'True'"),
        ("", "quantity is empty"),
    ],
)
def test_bad_amount_names_the_value(value: object, problem: str) -> None:
    with pytest.raises(InvalidValue, match=problem):
        parse_amount(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("spelling", "code"),
    [
        ("кг", "kg"),
        ("кг.", "kg"),
        ("KG", "kg"),
        ("г", "g"),
        ("гр", "g"),
        ("grams", "g"),
        ("т", "t"),
        ("lbs", "lb"),
        ("л", "l"),
        ("мл", "ml"),
        ("таблетки", "tablets"),
        ("табл.", "tablets"),
        ("капсулы", "capsules"),
        ("дозы", "doses"),
        ("ампулы", "ampoules"),
        ("растения", "plants"),
        ("кусты", "plants"),
        ("га", "hectares"),
        ("марки", "blotters"),
    ],
)
def test_resolve_unit(spelling: str, code: str) -> None:
    assert resolve_unit(spelling) == code


def test_ambiguous_and_unknown_units() -> None:
    with pytest.raises(InvalidValue, match="ambiguous unit 'шт'"):
        resolve_unit("шт")
    with pytest.raises(InvalidValue, match="unknown unit 'furlong'"):
        resolve_unit("furlong")
    assert unit_codes()[:7] == ["kg", "g", "mg", "t", "lb", "l", "ml"]


def test_mass_and_volume() -> None:
    q = normalise_quantity("1 500,25", "гр")
    assert (q.amount, q.unit, q.kg, q.units, q.factor) == (
        Decimal("1500.25"),
        "g",
        Decimal("1.50025"),
        None,
        Decimal("0.001"),
    )
    assert normalise_quantity("2", "t").kg == Decimal("2000")
    assert normalise_quantity("1", "lb").kg == Decimal("0.45359237")
    litres = normalise_quantity("3,5", "л")
    assert litres.kg == Decimal("3.5")
    assert litres.factor_source is not None and "UNODC" in litres.factor_source
    assert normalise_quantity(250, "мл").kg == Decimal("0.25")


def test_counted_units() -> None:
    q = normalise_quantity(200, "табл.", drug_code="mdma")
    assert q.units == Decimal(200)
    assert q.kg == Decimal("0.06")
    assert q.factor == Decimal("0.0003")
    assert q.factor_source and "set per agency" in q.factor_source
    # a drug name works too; the group row applies when the drug has none
    assert normalise_quantity(10, "tablets", drug_code="трамадол").factor == Decimal("0.0003")
    # no factor: units only
    q = normalise_quantity(5, "tablets")
    assert (q.units, q.kg, q.factor, q.factor_source) == (Decimal(5), None, None, None)
    assert normalise_quantity(5, "doses", drug_code="heroin").kg is None
    plants = normalise_quantity(40, "кусты", drug_code="cannabis_plants")
    assert plants.units == 40 and plants.kg == Decimal("4.0")
    area = normalise_quantity("2,5", "га", drug_code="poppy_straw")
    assert (area.units, area.kg) == (Decimal("2.5"), None)


def test_unit_factor_prefers_drug_over_group() -> None:
    drug_row = unit_factor("tablets", "amphetamine")
    group_row = unit_factor("tablets", "methamphetamine")
    assert drug_row is not None and drug_row[0] == Decimal("0.00017")
    assert group_row is not None and group_row[0] == Decimal("0.0001")
    assert unit_factor("tablets", "heroin") is None


def test_unknown_drug_in_quantity() -> None:
    with pytest.raises(InvalidValue, match="unknown drug 'xyz'"):
        normalise_quantity(1, "kg", drug_code="xyz")


@given(st.text(max_size=20), st.sampled_from(["kg", "g", "tablets", "шт", "xx", ""]))
def test_normalise_quantity_never_crashes(amount: str, unit: str) -> None:
    try:
        q = normalise_quantity(amount, unit)
    except InvalidValue:
        return
    assert q.amount >= 0


@given(st.from_regex(r"\A[0-9 ,.\-+]{0,12}\Z"))
def test_numberish_text_never_crashes(amount: str) -> None:
    with contextlib.suppress(InvalidValue):
        parse_amount(amount)


@given(st.decimals(min_value=0, max_value=10**12, places=6, allow_nan=False))
def test_grams_to_kg_is_exact(amount: Decimal) -> None:
    q = normalise_quantity(amount, "g")
    assert q.kg == amount / 1000
    assert normalise_quantity(str(amount), "g").kg == amount / 1000


def test_agency_factor_file_replaces_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = tmp_path / "factors.yaml"
    table.write_text(
        "factors:\n"
        "  - {unit: tablets, applies_to: mdma, kg: '0.00025', source: 'Agency X lab, 2024'}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("CARAVAN_UNIT_FACTORS", str(table))
    units._factors.cache_clear()
    try:
        q = normalise_quantity(4, "tablets", drug_code="mdma")
        assert (q.kg, q.factor_source) == (Decimal("0.001"), "Agency X lab, 2024")
        assert unit_factor("tablets", "methamphetamine") is None
        table.write_text("factors:\n  - {unit: kg, applies_to: mdma, kg: '1', source: x}\n")
        units._factors.cache_clear()
        with pytest.raises(ValueError, match="not a counted unit"):
            unit_factor("tablets", "mdma")
    finally:
        monkeypatch.delenv("CARAVAN_UNIT_FACTORS")
        units._factors.cache_clear()
