"""Reading import files: formats, encodings, headers, row numbers, constant memory."""

from __future__ import annotations

import datetime as dt
import io
import json
import tracemalloc
from pathlib import Path

import pytest
from openpyxl import Workbook

from caravan.collect.importer import PERSONS, SEIZURES
from caravan.collect.readers import ColumnSpec, detect_encoding, guess_format, open_rows
from caravan.errors import InvalidData

HEADER = (
    "agency,source_id,surname,given_name,patronymic,birth_date,nationality,document_number,phone"
)


def rows_of(data: bytes | str, spec: ColumnSpec = PERSONS, **kwargs: object) -> list:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return list(open_rows(io.BytesIO(raw), columns=spec, **kwargs))  # type: ignore[arg-type]


def invalid(data: bytes | str, spec: ColumnSpec = PERSONS, **kwargs: object) -> InvalidData:
    with pytest.raises(InvalidData) as info:
        rows_of(data, spec, **kwargs)
    return info.value


def test_utf8_csv_rows_are_numbered_as_in_a_spreadsheet() -> None:
    data = f"{HEADER}\nKZ-MVD,P1,Иванов,Иван,,1985-03-07,KZ,N1,+77011234567\n"
    reader = open_rows(io.BytesIO(data.encode()), columns=PERSONS)
    assert reader.columns == HEADER.split(",")
    rows = list(reader)
    assert rows == [
        (
            2,
            {
                "agency": "KZ-MVD",
                "source_id": "P1",
                "surname": "Иванов",
                "given_name": "Иван",
                "patronymic": "",
                "birth_date": "1985-03-07",
                "nationality": "KZ",
                "document_number": "N1",
                "phone": "+77011234567",
            },
        )
    ]
    assert reader.encoding == "utf-8"
    assert reader.bytes_read == reader.bytes_total == len(data.encode())


def test_cp1251_is_detected() -> None:
    data = "source_id;фамилия;имя;отчество\nP1;Иванов;Иван;Иванович\nP2;Сидорова;Анна;Петровна\n"
    reader = open_rows(io.BytesIO(data.encode("cp1251")), columns=PERSONS)
    assert reader.encoding == "cp1251"
    rows = list(reader)
    assert rows[1] == (3, {"source_id": "P2", "surname": "Сидорова", "given_name": "Анна",
                           "patronymic": "Петровна"})  # fmt: skip


def test_semicolon_and_tab_delimiters_and_bom() -> None:
    semicolon = "\ufeffsource_id;surname;notes\nP1;Ivanov;a, b and c\n"
    assert rows_of(semicolon) == [
        (2, {"source_id": "P1", "surname": "Ivanov", "notes": "a, b and c"})
    ]
    tab = "source_id\tsurname\nP1\tIvanov\n"
    assert rows_of(tab) == [(2, {"source_id": "P1", "surname": "Ivanov"})]


def test_russian_aliases_and_loose_header_spelling() -> None:
    data = "Агентство,Source ID,ФАМИЛИЯ , Имя,Дата рождения,Гражданство,Номер документа,Телефон\n"
    data += "KZ-MVD,P1,Иванов,Иван,1985,KZ,N1,87011234567\n"
    reader = open_rows(io.BytesIO(data.encode()), columns=PERSONS)
    assert reader.columns == ["agency", "source_id", "surname", "given_name", "birth_date",
                              "nationality", "document_number", "phone"]  # fmt: skip
    seizure = "source_id,Дата,Страна,Вещество,Количество,Ед. изм.\nS1,2024-01-02,KZ,героин,1,кг\n"
    assert rows_of(seizure, SEIZURES)[0][1]["unit"] == "кг"


def test_column_mapping_for_other_layouts() -> None:
    data = "Ref;Family;Given\nP1;Ivanov;Ivan\n"
    rows = rows_of(data, mapping={"source_id": "Ref", "surname": "family", "given_name": "Given"})
    assert rows == [(2, {"source_id": "P1", "surname": "Ivanov", "given_name": "Ivan"})]


def test_mapping_to_an_absent_column_or_an_unknown_one_is_refused() -> None:
    exc = invalid("source_id,surname\nP1,X\n", mapping={"given_name": "Имя2", "shoe": "Size"})
    messages = [e.message for e in exc.errors]
    assert "cannot map 'shoe': not a persons column" in messages
    assert "mapped to 'Имя2', but the file has no such column" in messages
    assert all(e.row == 1 for e in exc.errors)


def test_missing_required_columns_are_all_named() -> None:
    exc = invalid("agency,given_name\nKZ-MVD,Ivan\n")
    assert len(exc.errors) == 1
    error = exc.errors[0]
    assert (error.row, error.field) == (1, "source_id, surname")
    assert error.message == "missing required column(s): source_id, surname"
    seizure = invalid("source_id,drug\nS1,heroin\n", SEIZURES)
    assert "date, quantity, unit" in seizure.errors[0].message


def test_unknown_and_duplicate_columns_are_refused() -> None:
    exc = invalid("source_id,surname,Shoe size,Фамилия\nP1,A,42,B\n")
    assert [(e.row, e.field, e.message) for e in exc.errors] == [
        (1, "Shoe size", "unknown column 'Shoe size': map it or remove it"),
        (1, "surname", "column 'surname' appears twice (columns 2 and 4)"),
    ]


def test_given_encoding_is_applied_strictly_and_the_row_is_named() -> None:
    data = "source_id,surname\nP1,Ivanov\nP2,Иванов\nP3,Petrov\n".encode("cp1251")
    reader = open_rows(io.BytesIO(data), columns=PERSONS, encoding="utf-8")
    rows = list(reader)
    assert [n for n, _ in rows] == [2, 4]
    [error] = reader.errors
    assert (error.row, error.field) == (3, "encoding")
    assert "not valid utf-8" in error.message
    assert "--encoding cp1251" in error.message


def test_a_bad_byte_after_the_sniffed_part_is_reported_at_its_row() -> None:
    good = "".join(f"P{i},Ivanov\n" for i in range(2, 8000))
    data = ("source_id,surname\n" + good).encode() + "P9,Иванов\n".encode("cp1251")
    assert len(data) > 64 * 1024
    reader = open_rows(io.BytesIO(data), columns=PERSONS)
    assert reader.encoding == "utf-8"
    assert sum(1 for _ in reader) == 7998
    [error] = reader.errors
    assert (error.row, error.field) == (8000, "encoding")


def test_undetectable_encoding_asks_for_it() -> None:
    exc = invalid(b"source_id,surname\nP1,Iv\x98nov\n")
    assert exc.message == "cannot tell the file's encoding; give it (--encoding cp1251|utf-8)"
    with pytest.raises(InvalidData, match="unknown encoding 'klingon'"):
        rows_of(b"source_id,surname\nP1,X\n", encoding="klingon")


def test_detect_encoding() -> None:
    assert detect_encoding("Иванов".encode()) == "utf-8"
    assert detect_encoding("Иванов".encode("cp1251")) == "cp1251"
    assert detect_encoding(b"\xef\xbb\xbfabc") == "utf-8-sig"
    assert detect_encoding("abc".encode("utf-16")) == "utf-16"
    # a multi-byte character cut at the end of the sniffed part is still UTF-8
    assert detect_encoding("Иванов".encode()[:-1]) == "utf-8"


def test_utf16_with_bom_is_read() -> None:
    data = "source_id\tsurname\nP1\tИванов\n".encode("utf-16")
    assert rows_of(data) == [(2, {"source_id": "P1", "surname": "Иванов"})]


def test_rows_with_the_wrong_number_of_cells_are_errors() -> None:
    reader = open_rows(io.BytesIO(b"source_id,surname\nP1,A\nP2\nP3,B,C\nP4,D\n"), columns=PERSONS)
    assert [n for n, _ in reader] == [2, 5]
    assert [(e.row, e.field, e.message) for e in reader.errors] == [
        (3, "row", "has 1 cells but the header has 2"),
        (4, "row", "has 3 cells but the header has 2"),
    ]


def test_blank_lines_are_skipped_but_keep_their_row_numbers() -> None:
    rows = rows_of("\nsource_id,surname\nP1,A\n\n,\nP2,B\n")
    assert [n for n, _ in rows] == [3, 6]


@pytest.mark.parametrize("data", [b"", b"   \r\n\n", b"\xef\xbb\xbf\n"])
def test_empty_file(data: bytes) -> None:
    assert invalid(data).message == "the file is empty"


def test_header_only() -> None:
    exc = invalid("source_id,surname\n\n")
    assert exc.message == "the file has a header but no rows"
    assert exc.errors[0].row == 1


def test_formula_escape_is_undone_on_import() -> None:
    rows = rows_of("source_id,surname,phone,notes\nP1,'=HYPERLINK(1),'+77011234567,'plain\n")
    assert rows[0][1]["surname"] == "=HYPERLINK(1)"
    assert rows[0][1]["phone"] == "+77011234567"
    assert rows[0][1]["notes"] == "'plain"


def test_xlsx_first_sheet_cells_become_text(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Source ID", "Фамилия", "birth_date", "document_number", "phone", "notes"])
    sheet.append(["P1", "Иванов", dt.datetime(1985, 3, 7), 12345678, 77011234567.0, 1.5])
    sheet.append([None, None, None, None, None, None])
    sheet.append(["P2", "Петров", "1990", None, None, None, None, None])
    book.create_sheet("ignored").append(["x"])
    path = tmp_path / "persons.xlsx"
    book.save(path)
    reader = open_rows(path, columns=PERSONS)
    assert reader.columns[:2] == ["source_id", "surname"]
    rows = list(reader)
    expected = {"source_id": "P1", "surname": "Иванов", "birth_date": "1985-03-07",
                "document_number": "12345678", "phone": "77011234567", "notes": "1.5"}  # fmt: skip
    assert rows[0] == (2, expected)
    assert rows[1][0] == 4
    assert rows[1][1]["birth_date"] == "1990"
    assert reader.bytes_read == reader.bytes_total


def test_xlsx_from_a_file_object_without_a_name(tmp_path: Path) -> None:
    book = Workbook()
    book.active.append(["source_id", "surname"])
    book.active.append(["P1", "Ivanov"])
    buffer = io.BytesIO()
    book.save(buffer)
    assert rows_of(buffer.getvalue()) == [(2, {"source_id": "P1", "surname": "Ivanov"})]


def test_json_array_and_its_bad_items() -> None:
    items = [
        {"source_id": "P1", "surname": "Ivanov", "phone": 77011234567,
         "recipients": ["KG-MVD", "UZ-MVD"]},
        ["not", "an", "object"],
        {"source_id": "P3", "surname": {"nested": True}},
    ]  # fmt: skip
    reader = open_rows(io.BytesIO(json.dumps(items).encode()), columns=PERSONS)
    rows = list(reader)
    assert rows == [(1, {"source_id": "P1", "surname": "Ivanov", "phone": "77011234567",
                         "recipients": "KG-MVD;UZ-MVD"})]  # fmt: skip
    assert [(e.row, e.field) for e in reader.errors] == [(2, "row"), (3, "surname")]
    assert reader.errors[0].message == "must be an object {...}, not list"
    # keys are the header of a JSON array: an unknown one anywhere refuses the file
    exc = invalid(json.dumps([{"source_id": "P1", "surname": "A"}, {"shoe": 42}]))
    assert exc.errors[0].message == "unknown column 'shoe': map it or remove it"


def test_json_lines_unknown_key_after_the_first_line_is_a_row_error() -> None:
    data = b'{"source_id": "P1", "surname": "A"}\n{"source_id": "P2", "surname": "B", "shoe": 1}\n'
    reader = open_rows(io.BytesIO(data), columns=PERSONS)
    assert [n for n, _ in reader] == [1]
    assert [(e.row, e.field, e.message) for e in reader.errors] == [
        (2, "shoe", "unknown column 'shoe': map it or remove it")
    ]


def test_json_that_is_not_an_array_is_refused() -> None:
    assert "array of objects" in invalid(b'{"source_id": "P1"}', fmt="json").message
    assert invalid(b"[]").message == "the file is empty"


def test_json_lines_are_streamed_with_line_numbers() -> None:
    data = (
        b'{"source_id": "P1", "surname": "A"}\n\n{not json}\n{"source_id": "P2", "surname": "B"}\n'
    )
    reader = open_rows(io.BytesIO(data), columns=PERSONS)
    assert reader.fmt == "jsonl"
    assert [n for n, _ in reader] == [1, 4]
    assert [(e.row, e.field) for e in reader.errors] == [(3, "row")]


def test_format_is_guessed_from_the_name_then_the_content(tmp_path: Path) -> None:
    assert guess_format("a.CSV") == "csv"
    assert guess_format("a.ndjson") == "jsonl"
    assert guess_format("noext") is None
    path = tmp_path / "upload.bin"
    path.write_text('[{"source_id": "P1", "surname": "A"}]', encoding="utf-8")
    assert open_rows(path, columns=PERSONS).fmt == "json"
    with pytest.raises(InvalidData, match="old Excel"):
        rows_of(b"\xd0\xcf\x11\xe0" + b"\0" * 100)


def test_a_large_csv_streams_in_constant_memory(tmp_path: Path) -> None:
    path = tmp_path / "large.csv"
    line = "KZ-MVD,P{},Иванов,Иван,Иванович,1985-03-07,KZ,N12345678,+77011234567,{}\n"
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER + ",notes\n")
        for start in range(0, 200_000, 10_000):
            out.write("".join(line.format(i, "x" * 20) for i in range(start, start + 10_000)))
    size = path.stat().st_size
    assert size >= 20 * 1024 * 1024
    tracemalloc.start()
    try:
        reader = open_rows(path, columns=PERSONS)
        count = sum(1 for _ in reader)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 200_000
    assert reader.bytes_read == size
    assert peak < 5 * 1024 * 1024, f"peak {peak:,} bytes for a {size:,}-byte file"


class EndlessCsv(io.RawIOBase):
    """1 GiB of CSV made up on the fly; counts what was pulled from it."""

    def __init__(self, size: int = 1024**3) -> None:
        self.size = size
        self.served = 0
        self.row = 0
        self.pending = (HEADER + "\n").encode()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while len(self.pending) < len(buffer) and self.served + len(self.pending) < self.size:
            self.row += 1
            self.pending += f"KZ-MVD,P{self.row},Иванов,Иван,,1985,KZ,N{self.row},\n".encode()
        size = min(len(buffer), len(self.pending), self.size - self.served)
        buffer[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        self.served += size
        return size


def test_a_1_gib_stream_is_read_lazily() -> None:
    source = EndlessCsv()
    tracemalloc.start()
    try:
        reader = open_rows(io.BufferedReader(source), columns=PERSONS)
        rows = iter(reader)
        first = [next(rows) for _ in range(1000)]
        _, peak = tracemalloc.get_traced_memory()
        reader.close()
    finally:
        tracemalloc.stop()
    assert first[-1][0] == 1001
    assert first[-1][1]["source_id"] == "P1000"
    assert reader.bytes_total is None
    assert reader.bytes_read < 1024**2
    assert source.served < 1024**2
    assert peak < 4 * 1024**2
