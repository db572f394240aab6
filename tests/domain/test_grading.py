import itertools

import pytest

from caravan.domain import SCHEMES, Grade, parse_grade, scheme_values
from caravan.errors import InvalidValue


@pytest.mark.parametrize(
    ("value", "scheme", "label"),
    [
        ("B2", "europol", "B2"),
        ("b 2", "europol", "B2"),
        ("B/2", "europol", "B2"),
        ("В2", "europol", "B2"),  # Cyrillic В
        ("x4", "europol", "X4"),
        ("F6", "admiralty", "F6"),
        ("1A", "uk3x5x2", "1A"),
        ("1AP", "uk3x5x2", "1AP"),
        ("1 A P", "uk3x5x2", "1AP"),
        ("3-e-c", "uk3x5x2", "3EC"),
    ],
)
def test_parse_grade(value: str, scheme: str, label: str) -> None:
    grade = parse_grade(value, scheme)
    assert grade.label == str(grade) == label
    assert grade.scheme == scheme


def test_default_scheme_is_europol() -> None:
    assert parse_grade("A1") == Grade("europol", "A", "1")


@pytest.mark.parametrize(
    ("value", "scheme", "allowed"),
    [
        ("D2", "europol", "A, B, C, X"),
        ("B5", "europol", "1, 2, 3, 4"),
        ("G1", "admiralty", "A, B, C, D, E, F"),
        ("4A", "uk3x5x2", "1, 2, 3"),
        ("1F", "uk3x5x2", "A, B, C, D, E"),
        ("1AX", "uk3x5x2", "P, C"),
    ],
)
def test_bad_grade_names_value_and_allowed(value: str, scheme: str, allowed: str) -> None:
    with pytest.raises(InvalidValue) as info:
        parse_grade(value, scheme)
    assert repr(value) in str(info.value)
    assert allowed in str(info.value)


@pytest.mark.parametrize("value", ["B", "B2P", "", "B22"])
def test_malformed_grades(value: str) -> None:
    with pytest.raises(InvalidValue):
        parse_grade(value)


def test_unknown_scheme() -> None:
    with pytest.raises(InvalidValue, match="unknown grading scheme 'nato'"):
        parse_grade("A1", "nato")


def test_mapping_examples() -> None:
    assert parse_grade("A1", "admiralty").to_europol().label == "A1"
    assert parse_grade("C2", "admiralty").to_europol().label == "C3"
    assert parse_grade("F6", "admiralty").to_europol().label == "X4"
    assert parse_grade("1AP", "uk3x5x2").to_europol() == Grade("europol", "A", "2")
    assert parse_grade("2B", "uk3x5x2").to_europol().label == "X3"
    europol = parse_grade("C3")
    assert europol.to_europol() is europol


def _all_grades() -> list[Grade]:
    grades = []
    for code, scheme in SCHEMES.items():
        handlings: list[str | None] = [None, *scheme.allowed("handling")]
        for s, i, h in itertools.product(
            scheme.allowed("source"), scheme.allowed("information"), handlings
        ):
            grades.append(Grade(code, s, i, h))
    return grades


@pytest.mark.parametrize("grade", _all_grades(), ids=lambda g: f"{g.scheme}-{g.label}")
def test_every_grade_maps_to_a_valid_europol_grade(grade: Grade) -> None:
    europol = grade.to_europol()
    assert europol.scheme == "europol"
    assert europol == parse_grade(europol.label, "europol")
    assert parse_grade(grade.label, grade.scheme) == grade


def test_scheme_values_for_dropdowns() -> None:
    values = scheme_values("europol")
    assert [v for v, _, _ in values["source"]] == ["A", "B", "C", "X"]
    assert [v for v, _, _ in values["information"]] == ["1", "2", "3", "4"]
    assert all(en and ru for _, en, ru in values["source"] + values["information"])
    assert len(scheme_values("admiralty")["information"]) == 6
    assert [v for v, _, _ in scheme_values("uk3x5x2")["handling"]] == ["P", "C"]
