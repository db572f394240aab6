"""Read import files — CSV, XLSX, JSON and JSON Lines — as rows of text, in constant memory.

:func:`open_rows` checks the header (every required column present, no unknown or
duplicate column) before a single row is read, then yields ``(row_number, row)``
pairs where ``row`` maps *our* column names to the cell text. Row numbers are what
a person sees: in a spreadsheet or CSV the header is row 1 and the first data row
is row 2; in a JSON array item *n* is row *n*; in JSON Lines line *n* is row *n*.

Problems with a single row (wrong number of cells, text not in the file's
encoding, a JSON item that is not an object) do not stop the reader: the row is
skipped and a :class:`~caravan.errors.FieldError` is appended to
:attr:`TableReader.errors`, so that one pass reports every bad row. Problems with
the file as a whole raise :class:`~caravan.errors.InvalidData`.

Example:
    >>> import io
    >>> spec = ColumnSpec("persons", required=("source_id", "surname"))
    >>> reader = open_rows(io.BytesIO("Source ID;Фамилия\\nP1;Иванов\\n".encode()), columns=spec)
    >>> reader.columns, list(reader)
    (['source_id', 'surname'], [(2, {'source_id': 'P1', 'surname': 'Иванов'})])
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from caravan.errors import FieldError, InvalidData

__all__ = [
    "FORMATS",
    "HEADER_ALIASES",
    "ColumnSpec",
    "TableReader",
    "column_key",
    "detect_encoding",
    "guess_format",
    "open_rows",
]

FORMATS = ("csv", "xlsx", "json", "jsonl")
#: Bytes looked at to guess the format, the encoding and the delimiter.
SNIFF_BYTES = 64 * 1024
BUFFER_BYTES = 256 * 1024
#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ENCODING_HINT = "cannot tell the file's encoding; give it (--encoding cp1251|utf-8)"

_SUFFIXES = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}


@dataclass(frozen=True)
class ColumnSpec:
    """The columns one kind of file may carry: those it must have and those it may have."""

    kind: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return self.required + self.optional


def column_key(name: str) -> str:
    """The form headers are compared in: case-folded, ``ё`` → ``е``, no spaces, dots, ``_``, ``-``.

    ``"Source ID"``, ``"source_id"`` and ``"SOURCE-ID"`` all become ``"sourceid"``.
    """
    return re.sub(r"[\s._\-]+", "", name.replace("\ufeff", "").casefold().replace("ё", "е"))


def _aliases(table: Mapping[str, Iterable[str]]) -> dict[str, str]:
    return {column_key(alias): ours for ours, aliases in table.items() for alias in aliases}


#: Header spellings understood without a mapping (besides our own names), keyed by
#: :func:`column_key`. An alias applies only where its column belongs to the kind.
HEADER_ALIASES: dict[str, str] = _aliases(
    {
        "agency": ("агентство", "ведомство", "орган"),
        "source_id": ("идентификатор", "ид записи"),
        "surname": ("фамилия", "last name", "family name"),
        "given_name": ("имя", "first name"),
        "patronymic": ("отчество", "middle name"),
        "birth_date": ("дата рождения", "date of birth", "dob"),
        "nationality": ("гражданство", "citizenship"),
        "document_number": ("номер документа", "номер паспорта", "passport number"),
        "phone": ("телефон", "номер телефона", "phone number"),
        "gender": ("пол", "sex"),
        "notes": ("примечание", "примечания", "comment", "comments"),
        "date": ("дата", "дата изъятия", "seizure date"),
        "country": ("страна",),
        "admin_area": ("регион", "область"),
        "city": ("город", "населенный пункт"),
        "drug": ("наркотик", "вещество", "наркотическое вещество", "substance"),
        "quantity": ("количество", "кол-во", "amount"),
        "unit": ("ед. изм.", "единица измерения", "единица", "units"),
        "persons": ("лица", "фигуранты"),
        "title": ("заголовок", "тема"),
        "body": ("текст", "содержание"),
        "language": ("язык",),
        "name": ("наименование", "название", "наименование организации", "company name"),
        "legal_form": ("организационно-правовая форма", "правовая форма", "опф"),
        "registration_number": (
            "регистрационный номер",
            "рег. номер",
            "бин",
            "инн",
            "огрн",
            "bin",
            "inn",
            "registration no",
        ),
    }
)


def guess_format(name: str | os.PathLike[str] | None) -> str | None:
    """The format named by a file's suffix (``csv``, ``xlsx``, ``json``, ``jsonl``) or ``None``."""
    if not name:
        return None
    return _SUFFIXES.get(Path(str(name)).suffix.lower())


def _sniff_format(head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise InvalidData(
            [FieldError("file", "old Excel .xls files are not read; save it as .xlsx or CSV")],
            "old Excel .xls files are not read; save it as .xlsx or CSV",
        )
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if start == b"[":
        return "json"
    if start == b"{":
        return "jsonl"
    return "csv"


def _file_error(message: str, field: str = "file", row: int | None = None) -> InvalidData:
    return InvalidData([FieldError(field, message, row=row)], message)


def _codec_name(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise _file_error(f"unknown encoding '{encoding}'", "encoding") from None


def _mostly_cyrillic(text: str) -> bool:
    letters = [c for c in text if c.isalpha() and not c.isascii()]
    cyrillic = sum(1 for c in letters if "\u0400" <= c <= "\u04ff")
    return bool(letters) and cyrillic >= 0.8 * len(letters)


def detect_encoding(head: bytes, *, complete: bool = False) -> str:
    """A file's encoding from its first bytes: ``utf-8-sig``, ``utf-16``, ``utf-8`` or ``cp1251``.

    ``complete`` says ``head`` is the whole file (so a multi-byte character may not
    be cut at its end). Raises :class:`InvalidData` when it cannot tell.
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=complete)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        if _mostly_cyrillic(head.decode("cp1251")):
            return "cp1251"
    except UnicodeDecodeError:
        pass
    raise _file_error(ENCODING_HINT, "encoding")


def _decode_hint(encoding: str, exc: UnicodeDecodeError) -> str:
    other = "utf-8" if encoding == "cp1251" else "cp1251"
    byte = exc.object[exc.start : exc.start + 1].hex()
    return (
        f"the text is not valid {encoding} (byte 0x{byte}); the file may be in {other}: "
        f"give --encoding {other}"
    )


class _Chain(io.RawIOBase):
    """A raw stream that serves ``head`` first, then the rest of ``source``."""

    def __init__(self, head: bytes, source: IO[bytes]) -> None:
        self._head = memoryview(head)
        self._source = source
        self.served = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            size = min(len(buffer), len(self._head))
            buffer[:size] = self._head[:size]
            self._head = self._head[size:]
            self.served += size
            return size
        data = self._source.read(len(buffer))
        buffer[: len(data)] = data
        self.served += len(data)
        return len(data)


def _read_head(source: IO[bytes], size: int = SNIFF_BYTES) -> bytes:
    parts: list[bytes] = []
    wanted = size
    while wanted > 0:
        chunk = source.read(wanted)
        if not chunk:
            break
        parts.append(chunk)
        wanted -= len(chunk)
    return b"".join(parts)


def _size_of(source: IO[bytes]) -> int | None:
    try:
        return os.fstat(source.fileno()).st_size - source.tell()
    except (OSError, AttributeError, ValueError, io.UnsupportedOperation):
        pass
    try:
        if source.seekable():
            here = source.tell()
            end = source.seek(0, io.SEEK_END)
            source.seek(here)
            return end - here
    except (OSError, AttributeError, ValueError):
        pass
    return None


class TableReader:
    """Rows of one file, after the header checks. Iterate once; close when done.

    Attributes:
        columns: our column names, in the file's order (after mapping and aliases).
        bytes_total: the file's size, when known (for progress).
        bytes_read: how much of it has been read so far.
        errors: problems with single rows; those rows are not yielded.
    """

    fmt = ""

    def __init__(self, columns: list[str], bytes_total: int | None) -> None:
        self.columns = columns
        self.bytes_total = bytes_total
        self.bytes_read = 0
        self.errors: list[FieldError] = []
        self.encoding: str | None = None
        self._closers: list[Any] = []

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        raise NotImplementedError

    def close(self) -> None:
        while self._closers:
            self._closers.pop().close()

    def __enter__(self) -> TableReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _row_error(self, row: int, field: str, message: str, value: str | None = None) -> None:
        self.errors.append(FieldError(field, message, row=row, value=value))

    def _no_rows(self, header_row: int) -> InvalidData:
        return _file_error("the file has a header but no rows", "file", header_row)


class _Header:
    """Maps a file's header cells to our column names, collecting every header problem."""

    def __init__(
        self, spec: ColumnSpec, mapping: Mapping[str, str] | None, row: int | None
    ) -> None:
        self.spec = spec
        self.row = row
        self.errors: list[FieldError] = []
        self.known = {column_key(n): n for n in spec.names}
        self.mapped: dict[str, str] = {}
        self.theirs: dict[str, str] = {}
        for ours, theirs in (mapping or {}).items():
            if ours not in spec.names:
                self._error(ours, f"cannot map '{ours}': not a {spec.kind} column", theirs)
            else:
                self.mapped[column_key(theirs)] = ours
                self.theirs[ours] = theirs

    def _error(self, field: str, message: str, value: str | None = None) -> None:
        self.errors.append(FieldError(field, message, row=self.row, value=value))

    def resolve(self, name: str) -> str | None:
        """Our name for a header cell, or ``None`` when it is unknown."""
        key = column_key(name)
        if key in self.mapped:
            return self.mapped[key]
        ours = self.known.get(key) or HEADER_ALIASES.get(key)
        return ours if ours in self.spec.names else None

    def check(self, cells: list[str], *, require: bool = True) -> list[str | None]:
        """Our name per cell (``None`` for blank trailing cells); raises on any problem."""
        names: list[str | None] = []
        seen: dict[str, int] = {}
        for position, cell in enumerate(cells, start=1):
            label = cell.replace("\ufeff", "").strip()
            if not label:
                names.append(None)
                continue
            ours = self.resolve(label)
            if ours is None:
                self._error(label, f"unknown column '{label}': map it or remove it", label)
            elif ours in seen:
                self._error(
                    ours,
                    f"column '{ours}' appears twice (columns {seen[ours]} and {position})",
                    label,
                )
            else:
                seen[ours] = position
            names.append(ours)
        present = set(seen)
        for ours, theirs in self.theirs.items():
            if ours not in present:
                self._error(ours, f"mapped to '{theirs}', but the file has no such column", theirs)
        missing = [n for n in self.spec.required if n not in present]
        if require and missing:
            listed = ", ".join(missing)
            self._error(listed, f"missing required column(s): {listed}")
        if self.errors:
            raise InvalidData(self.errors, f"the header is not right: {self.errors[0].message}")
        return names


# --------------------------------------------------------------------------- CSV


class CsvReader(TableReader):
    """Delimited text, decoded line by line so a bad byte is pinned to its row."""

    fmt = "csv"

    def __init__(
        self,
        source: IO[bytes],
        head: bytes,
        bytes_total: int | None,
        spec: ColumnSpec,
        mapping: Mapping[str, str] | None,
        encoding: str | None,
    ) -> None:
        super().__init__([], bytes_total)
        complete = len(head) < SNIFF_BYTES
        if not head.strip(b" \t\r\n"):
            raise _file_error("the file is empty")
        if encoding:
            name = _codec_name(encoding)
            if name == "utf-8" and head.startswith(codecs.BOM_UTF8):
                name = "utf-8-sig"
        else:
            name = detect_encoding(head, complete=complete)
        self.encoding = name
        self._bad: UnicodeDecodeError | None = None
        self._chain = _Chain(head, source)
        self._buffer = io.BufferedReader(self._chain, BUFFER_BYTES)
        text = head.decode(name, errors="replace").lstrip("\ufeff")
        if not text.strip(" \t\r\n\x00"):
            raise _file_error("the file is empty")
        first = next((line for line in text.splitlines() if line.strip()), "")
        delimiter = max((",", ";", "\t"), key=first.count) if first else ","
        self.delimiter = delimiter if first.count(delimiter) else ","
        self._reader = csv.reader(self._lines(), delimiter=self.delimiter)
        self._number = 0
        cells = self._next_record()
        while cells is not None and not any(c.strip() for c in cells):
            cells = self._next_record()
        if cells is None:
            raise _file_error("the file is empty")
        self._header_row = self._number
        if self._bad is not None:
            raise _file_error(_decode_hint(name, self._bad), "encoding", self._number)
        header = _Header(spec, mapping, self._number)
        self._names = header.check(cells)
        self.columns = [n for n in self._names if n]

    def _lines(self) -> Iterator[str]:
        if self.encoding in ("utf-16", "utf-32"):
            # Lines cannot be cut on the byte b"\n" here: decode the stream as a whole.
            wrapper = io.TextIOWrapper(self._buffer, self.encoding, newline="")
            for text in wrapper:
                self.bytes_read = self._chain.served
                yield text
            return
        decoder = codecs.getincrementaldecoder(self.encoding or "utf-8")("strict")
        for line in self._buffer:
            self.bytes_read += len(line)
            try:
                yield decoder.decode(line)
            except UnicodeDecodeError as exc:
                self._bad = exc
                decoder.reset()
                yield line.decode(self.encoding or "utf-8", errors="replace")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            self._bad = exc

    def _next_record(self) -> list[str] | None:
        try:
            cells = next(self._reader)
        except StopIteration:
            return None
        except csv.Error as exc:
            self._number += 1
            self._row_error(self._number, "row", f"cannot be read as CSV: {exc}")
            return []
        self._number += 1
        return cells

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        names = self._names
        width = len(names)
        plain = all(names)
        columns = self.columns
        encoding = self.encoding or "utf-8"
        rows = 0
        try:
            while True:
                cells = self._next_record()
                if cells is None:
                    break
                number = self._number
                if self._bad is not None:
                    self._row_error(number, "encoding", _decode_hint(encoding, self._bad))
                    self._bad = None
                    continue
                if not any(cells):
                    continue
                rows += 1
                if len(cells) != width:
                    self._row_error(
                        number,
                        "row",
                        f"has {len(cells)} cells but the header has {width}",
                    )
                    continue
                if "'" in "".join(cells):  # rare: look at each cell only then
                    cells = [_unquote(c) if c[:1] == "'" else c for c in cells]
                if plain:
                    yield number, dict(zip(columns, cells, strict=True))
                else:
                    row = self._sparse(number, names, cells)
                    if row is not None:
                        yield number, row
            if self._bad is not None:
                self._row_error(self._number, "encoding", _decode_hint(encoding, self._bad))
            if rows == 0:
                raise self._no_rows(self._header_row)
        finally:
            self.close()

    def _sparse(
        self, number: int, names: list[str | None], cells: list[str]
    ) -> dict[str, str] | None:
        row: dict[str, str] = {}
        for position, (name, cell) in enumerate(zip(names, cells, strict=True), start=1):
            if name:
                row[name] = cell
            elif cell.strip():
                self._row_error(
                    number, "row", f"has a value in column {position}, which has no header", cell
                )
                return None
        return row

    def close(self) -> None:
        self._buffer.close()
        super().close()


def _unquote(cell: str) -> str:
    """Undo :func:`caravan.collect.export.safe_cell`: ``'=x`` → ``=x`` (only before = + - @)."""
    return cell[1:] if cell[1:2] and cell[1] in FORMULA_STARTS else cell


# --------------------------------------------------------------------------- XLSX


def _cell_text(value: Any) -> str:
    """A spreadsheet cell as text: ints without ``.0``, dates as ISO ``YYYY-MM-DD``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


class XlsxReader(TableReader):
    """The first sheet of an Excel workbook, streamed by openpyxl's read-only mode."""

    fmt = "xlsx"

    def __init__(
        self,
        source: IO[bytes],
        bytes_total: int | None,
        spec: ColumnSpec,
        mapping: Mapping[str, str] | None,
    ) -> None:
        from openpyxl import load_workbook
        from openpyxl.utils.exceptions import InvalidFileException

        super().__init__([], bytes_total)
        try:
            self._book = load_workbook(source, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, InvalidFileException) as exc:
            raise _file_error(f"not a readable .xlsx workbook ({exc})") from None
        self._closers.append(self._book)
        sheet = self._book.worksheets[0]
        self._max_row = sheet.max_row if isinstance(sheet.max_row, int) else None
        self._rows = enumerate(sheet.iter_rows(values_only=True), start=1)
        header: list[str] | None = None
        for number, values in self._rows:
            cells = [_cell_text(v).strip() for v in values]
            if any(cells):
                self._header_row = number
                header = cells
                break
        if header is None:
            self.close()
            raise _file_error("the file is empty")
        while header and not header[-1]:
            header.pop()
        self._names = _Header(spec, mapping, self._header_row).check(header)
        self.columns = [n for n in self._names if n]

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        names = self._names
        width = len(names)
        rows = 0
        try:
            for number, values in self._rows:
                cells = [_cell_text(v) for v in values]
                if not any(c.strip() for c in cells):
                    continue
                rows += 1
                if self.bytes_total and self._max_row:
                    self.bytes_read = min(
                        self.bytes_total, self.bytes_total * number // self._max_row
                    )
                extra = next((i for i in range(width, len(cells)) if cells[i].strip()), None)
                if extra is not None:
                    self._row_error(
                        number,
                        "row",
                        f"has a value in column {extra + 1}, which has no header",
                        cells[extra],
                    )
                    continue
                cells = cells[:width] + [""] * (width - len(cells))
                row: dict[str, str] = {}
                bad = None
                for position, (name, cell) in enumerate(zip(names, cells, strict=True), start=1):
                    if name:
                        row[name] = cell
                    elif cell.strip():
                        bad = position
                if bad is not None:
                    self._row_error(
                        number, "row", f"has a value in column {bad}, which has no header"
                    )
                    continue
                yield number, row
            if rows == 0:
                raise self._no_rows(self._header_row)
            self.bytes_read = self.bytes_total or 0
        finally:
            self.close()


# --------------------------------------------------------------------------- JSON


def _json_text(value: Any) -> str | None:
    """A JSON value as cell text (lists become ``;``-separated); ``None`` if it cannot be."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _cell_text(value)
    if isinstance(value, list):
        parts = [_json_text(v) for v in value]
        if any(p is None or isinstance(v, list) for p, v in zip(parts, value, strict=True)):
            return None
        return ";".join(p for p in parts if p)
    return None


class _JsonRows(TableReader):
    """Shared by JSON arrays and JSON Lines: object → row, with per-row key checks."""

    def _setup(self, header: _Header, keys: list[str], *, require: bool) -> None:
        self._header = header
        names = header.check(keys, require=require)
        self._key_names = {k: n for k, n in zip(keys, names, strict=True) if n}
        self.columns = [n for n in names if n]

    def _row(self, number: int, item: Any) -> dict[str, str] | None:
        if not isinstance(item, dict):
            kind = type(item).__name__.replace("dict", "object").replace("NoneType", "null")
            self._row_error(number, "row", f"must be an object {{...}}, not {kind}")
            return None
        row: dict[str, str] = {}
        ok = True
        for key, value in item.items():
            name = self._key_names.get(key)
            if name is None:
                name = self._header.resolve(str(key))
                if name is None:
                    self._row_error(
                        number, str(key), f"unknown column '{key}': map it or remove it"
                    )
                    ok = False
                    continue
                self._key_names[key] = name
            cell = _json_text(value)
            if cell is None:
                self._row_error(number, name, "must be text, a number or a list of them")
                ok = False
            elif name in row:
                self._row_error(number, name, f"column '{name}' appears twice")
                ok = False
            else:
                row[name] = cell
        return row if ok else None


class JsonReader(_JsonRows):
    """A JSON array of objects, loaded whole (uploads are capped in size)."""

    fmt = "json"

    def __init__(
        self,
        source: IO[bytes],
        head: bytes,
        bytes_total: int | None,
        spec: ColumnSpec,
        mapping: Mapping[str, str] | None,
        encoding: str | None,
    ) -> None:
        super().__init__([], bytes_total)
        data = head + source.read()
        self.bytes_read = len(data)
        self.encoding = _codec_name(encoding) if encoding else "utf-8"
        if not data.strip():
            raise _file_error("the file is empty")
        try:
            items = json.loads(
                data.decode("utf-8-sig" if self.encoding == "utf-8" else self.encoding)
            )
        except UnicodeDecodeError as exc:
            raise _file_error(_decode_hint(self.encoding, exc), "encoding") from None
        except json.JSONDecodeError as exc:
            raise _file_error(f"not valid JSON: {exc}") from None
        if not isinstance(items, list):
            raise _file_error("a JSON file must hold an array of objects [{...}, ...]")
        if not items:
            raise _file_error("the file is empty")
        keys = list(dict.fromkeys(k for item in items if isinstance(item, dict) for k in item))
        self._setup(_Header(spec, mapping, None), keys, require=True)
        self._items = items

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        items, self._items = self._items, []
        for number, item in enumerate(items, start=1):
            row = self._row(number, item)
            if row is not None:
                yield number, row


class JsonLinesReader(_JsonRows):
    """JSON Lines: one object per line, streamed."""

    fmt = "jsonl"

    def __init__(
        self,
        source: IO[bytes],
        head: bytes,
        bytes_total: int | None,
        spec: ColumnSpec,
        mapping: Mapping[str, str] | None,
        encoding: str | None,
    ) -> None:
        super().__init__([], bytes_total)
        self.encoding = _codec_name(encoding) if encoding else "utf-8"
        if self.encoding == "utf-8":
            self.encoding = "utf-8-sig"
        self._buffer = io.BufferedReader(_Chain(head, source), BUFFER_BYTES)
        self._closers.append(self._buffer)
        self._lines = enumerate(self._buffer, start=1)
        self._first: tuple[int, Any] | None = None
        for number, line in self._lines:
            self.bytes_read += len(line)
            if line.strip():
                self._first = (number, self._parse(number, line))
                break
        if self._first is None:
            self.close()
            raise _file_error("the file is empty")
        first = self._first[1]
        keys = list(first) if isinstance(first, dict) else []
        self._setup(_Header(spec, mapping, self._first[0]), keys, require=True)

    def _parse(self, number: int, line: bytes) -> Any:
        try:
            text = line.decode(self.encoding or "utf-8")
            if number > 1:
                text = text.lstrip("\ufeff")
            return json.loads(text)
        except UnicodeDecodeError as exc:
            self._row_error(number, "encoding", _decode_hint(self.encoding or "utf-8", exc))
        except json.JSONDecodeError as exc:
            self._row_error(number, "row", f"is not valid JSON: {exc}")
        return _INVALID

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        try:
            if self._first is not None:
                number, item = self._first
                self._first = None
                if item is not _INVALID:
                    row = self._row(number, item)
                    if row is not None:
                        yield number, row
            for number, line in self._lines:
                self.bytes_read += len(line)
                if not line.strip():
                    continue
                item = self._parse(number, line)
                if item is _INVALID:
                    continue
                row = self._row(number, item)
                if row is not None:
                    yield number, row
        finally:
            self.close()


_INVALID = object()


# --------------------------------------------------------------------------- entry point


def open_rows(
    source: str | os.PathLike[str] | IO[bytes],
    *,
    fmt: str | None = None,
    encoding: str | None = None,
    mapping: Mapping[str, str] | None = None,
    columns: ColumnSpec,
) -> TableReader:
    """Open an import file and check its header; iterate the result for ``(row_number, row)``.

    Args:
        source: a path, or a binary file object (not closed by the reader).
        fmt: ``csv``, ``xlsx``, ``json`` or ``jsonl``; guessed from the file name, then
            from its first bytes, when not given.
        encoding: for text formats; detected (UTF-8, UTF-16 with BOM or Windows-1251)
            when not given, and applied strictly when given.
        mapping: our column name → the file's header, for other layouts.
        columns: the columns this kind of file has.

    Raises:
        InvalidData: the file is empty, unreadable, or its header is wrong.
    """
    if fmt is not None and fmt not in FORMATS:
        raise _file_error(f"unknown format '{fmt}'; use one of {', '.join(FORMATS)}", "format")
    owned: IO[bytes] | None = None
    if isinstance(source, str | os.PathLike):
        fmt = fmt or guess_format(source)
        try:
            owned = source = open(source, "rb")  # noqa: SIM115 - closed by the reader
        except OSError as exc:
            raise _file_error(f"cannot open the file: {exc.strerror}") from None
    else:
        fmt = fmt or guess_format(getattr(source, "name", None))
    try:
        reader = _open(source, fmt, encoding, mapping, columns)
    except BaseException:
        if owned is not None:
            owned.close()
        raise
    if owned is not None:
        reader._closers.append(owned)
    return reader


def _open(
    source: IO[bytes],
    fmt: str | None,
    encoding: str | None,
    mapping: Mapping[str, str] | None,
    spec: ColumnSpec,
) -> TableReader:
    total = _size_of(source)
    if fmt == "xlsx" or fmt is None:
        start = source.tell() if source.seekable() else None
        head = _read_head(source)
        fmt = fmt or _sniff_format(head)
        if fmt == "xlsx":
            if start is not None:
                source.seek(start)
                return XlsxReader(source, total, spec, mapping)
            spooled = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the reader
            spooled.write(head)
            shutil.copyfileobj(source, spooled)
            spooled.seek(0)
            reader = XlsxReader(spooled, total, spec, mapping)
            reader._closers.insert(0, spooled)
            return reader
    else:
        head = _read_head(source)
    if fmt == "csv":
        return CsvReader(source, head, total, spec, mapping, encoding)
    if fmt == "json":
        return JsonReader(source, head, total, spec, mapping, encoding)
    return JsonLinesReader(source, head, total, spec, mapping, encoding)
