"""Records the check tests file: a visible person and a restricted one full of markers."""

from __future__ import annotations

RAKHIMOV = {
    "source_id": "KZ-P-1",
    "surname": "Рахимов",
    "given_name": "Джамшед",
    "patronymic": "Каримович",
    "birth_date": "1985-03-07",
    "nationality": "TJ",
    "document_number": "N 1234567",
    "phone": "+992 93 123 4567",
    "handling_code": "H1",
}

#: A restricted record whose every field carries a marker no check answer may contain.
SECRET = {
    "source_id": "KG-SECRET-REF",
    "surname": "Холматов",
    "given_name": "Бахтиёр",
    "patronymic": "Секретович",
    "name_as_written": "KHOLMATOV BAKHTIYOR ZZMARKER",
    "birth_date": "1979-11-23",
    "nationality": "KG",
    "document_number": "AC 7654321",
    "phone": "+996 555 123 456",
    "notes": "ZZNOTEMARKER informant meeting",
    "handling_code": "H3",
    "handling_note": "ZZHANDLINGMARKER do not disseminate",
}
LEAK_MARKERS = (
    "Холматов",
    "Бахтиёр",
    "Секретович",
    "KHOLMATOV",
    "BAKHTIYOR",
    "ZZMARKER",
    "1979",
    "7654321",
    "555 123",
    "+996555123456",
    "ZZNOTEMARKER",
    "ZZHANDLINGMARKER",
)
