"""Match keys of plates, documents and companies: look-alikes folded, never a crash."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caravan.match.keys import company_key, document_key, plate_key


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("А 123 ВС 02", "A123BC02"),
        ("а123вс-02", "A 123 BC 02"),
        ("777 ОКО 01", "777OKO01"),
        ("Х 001 УТ 77", "X001YT77"),
    ],
)
def test_plates_fold_cyrillic_lookalikes_spaces_and_dashes(a: str, b: str) -> None:
    assert plate_key(a) == plate_key(b)


def test_different_plates_stay_different() -> None:
    assert plate_key("A123BC02") != plate_key("A123BC03")
    assert plate_key("Д 123 БГ") != plate_key("D 123 BG")  # not look-alikes: kept apart


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("N 1234567", "n-1234567"),
        ("AO 1234567", "A0 I234567"),
        ("АС 7654321", "AC7654321"),  # Cyrillic series
        ("O0I1", "0011"),
    ],
)
def test_documents_fold_separators_and_lookalikes(a: str, b: str) -> None:
    assert document_key(a) == document_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ('ТОО "Восток Транзит"', "Vostok Tranzit LLP"),
        ("ООО «Шёлковый путь»", "Shelkovyy Put' LLC"),
        ("Osiyo Savdo MChJ", "Осиё Савдо МЧЖ"),
        ("Tranzit Grupp JSC", "АО Транзит Групп"),
    ],
)
def test_companies_drop_legal_forms_and_fold_scripts(a: str, b: str) -> None:
    assert company_key(a) == company_key(b)


def test_different_companies_stay_different() -> None:
    assert company_key("ТОО Восток") != company_key("ТОО Запад")
    # A legal form's letters inside the name are part of it.
    assert company_key('ОсОО "Ала-Тоо Транс"') != company_key('ОсОО "Транс"')


@given(st.text(max_size=300))
def test_keys_never_crash_and_are_idempotent(text: str) -> None:
    for key in (plate_key, document_key):
        once = key(text)
        assert key(once) == once
    assert isinstance(company_key(text), str)
    assert len(company_key(text)) <= 300
