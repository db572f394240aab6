"""Turn raw input (form fields, file rows, JSON) into clean, normalised record values.

The same cleaners serve the web forms, the JSON API and bulk import, so a value
accepted in one place is accepted everywhere. Each cleaner collects *every*
problem of a row as :class:`~caravan.errors.FieldError` instead of stopping at
the first, and returns ``None`` when the row is invalid.

Cleaners are hot during bulk import (20,000+ rows/s), so they are plain
functions over dicts, with the normalisers' caches doing the heavy lifting.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from caravan.domain.countries import normalise_country
from caravan.domain.dates import parse_partial_date
from caravan.domain.drugs import resolve_drug
from caravan.domain.grading import parse_grade
from caravan.domain.handling import parse_handling_code
from caravan.domain.phones import fast_international, normalise_phone
from caravan.domain.places import (
    Concealment,
    DocumentType,
    PlaceType,
    TransportMode,
    parse_vocab,
)
from caravan.domain.units import normalise_quantity
from caravan.errors import FieldError, InvalidValue
from caravan.match.keys import LEGAL_FORMS, company_key, document_key
from caravan.store.models import Agency

T = TypeVar("T")

#: Handling code given to a record whose owner did not say: restricted until released.
DEFAULT_HANDLING = "H2"
LIST_SEPARATORS = re.compile(r"[;,|]")
MAX_TEXT = 20_000
#: Longest legal form kept (``organisation.legal_form``).
MAX_LEGAL_FORM = 40


@dataclass
class RowContext:
    """What a cleaner needs to know besides the row itself."""

    #: agency code → (id, country) for every agency in the store.
    agencies: Mapping[str, tuple[int, str]]
    #: The agency rows belong to when the row does not say (the importer's own).
    default_agency: str
    row: int | None = None
    errors: list[FieldError] = field(default_factory=list)
    #: What normalisers made of a text before (``(normaliser, text) → result``, or an
    #: :class:`_Invalid`): a file repeats the same countries, dates and grades on many
    #: rows, and each is read once. Bounded (see :data:`MEMO_LIMIT`); one per context, so
    #: one import's memo never outlives it.
    memo: dict[tuple[Any, ...], Any] = field(default_factory=dict)

    def error(self, column: str, message: str, value: Any = None) -> None:
        shown = None if value is None else str(value)[:200]
        self.errors.append(FieldError(column, message, row=self.row, value=shown))

    def recall(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)`` (``fn`` depends on its arguments alone), remembered in
        :attr:`memo`; an :class:`InvalidValue` it raises is remembered and returned as an
        :class:`_Invalid`."""
        memo = self.memo
        key = (fn, *args)
        found = memo.get(key, _MISSING)
        if found is _MISSING:
            try:
                found = fn(*args)
            except InvalidValue as exc:
                found = _Invalid(str(exc))
            if len(memo) >= MEMO_LIMIT:
                memo.clear()
            memo[key] = found
        return found


#: Results a :class:`RowContext` remembers at most before it starts afresh.
MEMO_LIMIT = 65_536


class _Invalid:
    """A remembered refusal: the message of the :class:`InvalidValue` raised."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


_MISSING = object()


def _grade_parts(grade_text: str, scheme: str) -> tuple[str, str, str]:
    """The grade as entered (``scheme:label``) and its Europol source and information."""
    grade = parse_grade(grade_text, scheme)
    europol = grade.to_europol()
    return f"{scheme}:{grade.label}", europol.source, europol.information


def agency_map(session: Session) -> dict[str, tuple[int, str]]:
    """``code → (id, country)`` for every agency: what :class:`RowContext` resolves codes with."""
    rows = session.execute(select(Agency.id, Agency.code, Agency.country))
    return {code: (agency_id, country) for agency_id, code, country in rows}


def text(raw: Mapping[str, Any], key: str) -> str | None:
    """The stripped text of a field, ``None`` when empty."""
    value = raw.get(key)
    if value is None:
        return None
    if value.__class__ is not str:
        value = str(value)
    return value.strip() or None


def _normalise(
    ctx: RowContext,
    raw: Mapping[str, Any],
    column: str,
    fn: Callable[[str], T],
    *,
    memo: bool = False,
) -> T | None:
    """``fn`` of the column's text (``None`` when empty); an :class:`InvalidValue` it
    raises becomes the row's error. ``memo``: ``fn`` depends on its text alone (a
    module-level function, not a closure made per row), so its results are remembered in
    ``ctx.memo``; the errors are the same either way."""
    value = text(raw, column)
    if value is None:
        return None
    if memo:
        found = ctx.recall(fn, value)
        if isinstance(found, _Invalid):
            ctx.error(column, found.message, value)
            return None
        return found
    try:
        return fn(value)
    except InvalidValue as exc:
        ctx.error(column, str(exc), value)
        return None


def _required(ctx: RowContext, raw: Mapping[str, Any], column: str, max_len: int) -> str | None:
    value = text(raw, column)
    if value is None:
        ctx.error(column, "is required")
        return None
    return _limited(ctx, column, value, max_len)


def _limited(ctx: RowContext, column: str, value: str | None, max_len: int) -> str | None:
    if value is not None and len(value) > max_len:
        ctx.error(column, f"is longer than {max_len} characters")
        return None
    return value


def _decimal_field(
    ctx: RowContext, raw: Mapping[str, Any], column: str, lo: float, hi: float
) -> Any:
    value = text(raw, column)
    if value is None:
        return None
    number = parse_number(value)
    if number is None:
        ctx.error(column, "is not a number", value)
        return None
    if not lo <= number <= hi:
        ctx.error(column, f"must be between {lo:g} and {hi:g}", value)
        return None
    return number


def _float_field(
    ctx: RowContext, raw: Mapping[str, Any], column: str, lo: float, hi: float
) -> float | None:
    number = _decimal_field(ctx, raw, column, lo, hi)
    return None if number is None else float(number)


def parse_number(value: str) -> Decimal | None:
    """A decimal written with ``.`` or a Russian ``,``, spaces allowed; ``None`` if not a number."""
    cleaned = re.sub(r"[\s\u00a0\u202f]", "", value).replace(",", ".")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


_CYRILLIC_RANGES = "\u0400-\u052f\u1c80-\u1c8f\u2de0-\u2dff\ua640-\ua69f"
_LATIN_RANGES = "A-Za-z\u00c0-\u024f\u02b0-\u02ff\u1e00-\u1eff"
_CYRILLIC = re.compile(f"[{_CYRILLIC_RANGES}]")
_LATIN = re.compile(f"[{_LATIN_RANGES}]")
#: A letter of any other script (a word character that is neither digit, "_", Latin nor Cyrillic).
_OTHER_LETTER = re.compile(f"[^\\W\\d_{_LATIN_RANGES}{_CYRILLIC_RANGES}]")


def script_of(value: str) -> str:
    """``cyrillic``, ``latin``, ``mixed`` or ``other``: which scripts a name's letters use."""
    found = [
        name
        for name, pattern in (("cyrillic", _CYRILLIC), ("latin", _LATIN), ("other", _OTHER_LETTER))
        if pattern.search(value)
    ]
    if len(found) > 1:
        return "mixed"
    return found[0] if found else "other"


def key_of(value: str) -> str:
    """Case-folded, NFC, single-spaced: the form list filters compare."""
    return " ".join(unicodedata.normalize("NFC", value).casefold().split())


def clean_common(ctx: RowContext, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Owner agency, grade, handling code and recipients — every record has them."""
    values: dict[str, Any] = {}
    code = (text(raw, "agency") or ctx.default_agency).upper()
    agency = ctx.agencies.get(code)
    if agency is None:
        ctx.error("agency", f"unknown agency code '{code}'", code)
        values["agency_id"] = None
    else:
        values["agency_id"] = agency[0]
    values["agency_code"] = code

    scheme = (text(raw, "grading_scheme") or "europol").lower()
    grade_text = text(raw, "grade")
    if grade_text is None:
        parts = [text(raw, "source_grade"), text(raw, "information_grade"), text(raw, "handling")]
        grade_text = "".join(p for p in parts if p) or None
    values.update(
        grading_scheme=scheme, grade_as_entered=None, source_grade=None, information_grade=None
    )
    if grade_text is not None:
        found = ctx.recall(_grade_parts, grade_text, scheme)
        if isinstance(found, _Invalid):
            column = "grade" if text(raw, "grade") else "source_grade"
            ctx.error(column, found.message, grade_text)
        else:
            values.update(
                grade_as_entered=found[0], source_grade=found[1], information_grade=found[2]
            )

    handling = _normalise(ctx, raw, "handling_code", parse_handling_code, memo=True)
    values["handling_code"] = str(handling) if handling else DEFAULT_HANDLING
    values["handling_note"] = _limited(ctx, "handling_note", text(raw, "handling_note"), 2000)
    if values["handling_code"] == "H3" and not values["handling_note"]:
        ctx.error("handling_note", "H3 needs the restriction stated in handling_note")

    recipients: list[int] = []
    raw_recipients = raw.get("recipients")
    if isinstance(raw_recipients, list | tuple):
        codes = [str(c).strip().upper() for c in raw_recipients if str(c).strip()]
    else:
        listed = text(raw, "recipients")
        codes = [c.strip().upper() for c in LIST_SEPARATORS.split(listed)] if listed else []
    for recipient in filter(None, codes):
        found = ctx.agencies.get(recipient)
        if found is None:
            ctx.error("recipients", f"unknown agency code '{recipient}'", recipient)
        elif found[0] != values["agency_id"]:
            recipients.append(found[0])
    values["recipients"] = sorted(set(recipients))
    return values


def _gender(value: str) -> str:
    lowered = value.strip().lower()
    if lowered in {"m", "male", "м", "муж", "мужской"}:
        return "M"
    if lowered in {"f", "female", "ж", "жен", "женский"}:
        return "F"
    raise InvalidValue(f"unknown gender '{value}' (use M or F)")


def clean_person(ctx: RowContext, raw: Mapping[str, Any]) -> dict[str, Any] | None:
    """A person row: names exactly as written, partial birth date, nationality, document, phone."""
    before = len(ctx.errors)
    values = clean_common(ctx, raw)
    values["source_id"] = _limited(ctx, "source_id", text(raw, "source_id"), 100)
    values["surname"] = _required(ctx, raw, "surname", 200)
    values["given_name"] = _limited(ctx, "given_name", text(raw, "given_name"), 200)
    values["patronymic"] = _limited(ctx, "patronymic", text(raw, "patronymic"), 200)
    values["name_as_written"] = _limited(ctx, "name_as_written", text(raw, "name_as_written"), 400)
    birth = _normalise(ctx, raw, "birth_date", parse_partial_date, memo=True)
    values["birth_date"] = birth.iso() if birth else None
    values["birth_year"] = birth.year if birth else None
    values["nationality"] = _normalise(ctx, raw, "nationality", normalise_country, memo=True)
    values["gender"] = _normalise(ctx, raw, "gender", _gender, memo=True)
    values["notes"] = _limited(ctx, "notes", text(raw, "notes"), MAX_TEXT)

    number = _limited(ctx, "document_number", text(raw, "document_number"), 60)
    document = None
    if number:
        doc_type = _normalise(ctx, raw, "document_type", _vocab_parser(DocumentType), memo=True)
        issuing = _normalise(ctx, raw, "document_country", normalise_country, memo=True)
        document = {
            "number": number,
            "number_key": document_key(number),
            "doc_type": str(doc_type or DocumentType.PASSPORT),
            "issuing_country": issuing or values["nationality"],
        }
        if not document["number_key"]:
            ctx.error("document_number", "has no letters or digits", number)
    values["document"] = document

    region = ctx.agencies.get(values["agency_code"], (0, None))[1]
    values["phone"] = _normalise(ctx, raw, "phone", lambda v: _phone(v, region))
    return values if len(ctx.errors) == before else None


def _phone(value: str, region: str | None) -> str:
    """:func:`~caravan.domain.phones.normalise_phone`, with the commonest written form of an
    international number, ``+7 (747) 943-69-53``, read without the full parser: its digits
    are those of ``+7 747 943-69-53``, which :func:`~caravan.domain.phones.fast_international`
    checks just as the parser would (anything it does not accept takes the full path, with
    the text as written)."""
    if value[:1] == "+" and "(" in value:
        fast = fast_international(value.replace("(", "").replace(")", ""))
        if fast is not None:
            return fast
    return normalise_phone(value, region)


def _countries(ctx: RowContext, raw: Mapping[str, Any], column: str) -> list[str]:
    value = raw.get(column)
    items = (
        value if isinstance(value, list | tuple) else LIST_SEPARATORS.split(text(raw, column) or "")
    )
    result: list[str] = []
    for item in items:
        item = str(item).strip()
        if not item:
            continue
        try:
            result.append(normalise_country(item))
        except InvalidValue as exc:
            ctx.error(column, str(exc), item)
    return result


def references(raw: Mapping[str, Any], column: str) -> list[str]:
    """A list field given as a list or as ``;``-separated text."""
    value = raw.get(column)
    items = value if isinstance(value, list | tuple) else (text(raw, column) or "").split(";")
    return [str(i).strip() for i in items if str(i).strip()]


def clean_seizure(ctx: RowContext, raw: Mapping[str, Any]) -> dict[str, Any] | None:
    """A seizure row, after UNODC's individual drug seizure reporting."""
    before = len(ctx.errors)
    values = clean_common(ctx, raw)
    values["source_id"] = _limited(ctx, "source_id", text(raw, "source_id"), 100)
    when = _normalise(ctx, raw, "date", parse_partial_date, memo=True)
    if when is None and text(raw, "date") is None:
        ctx.error("date", "is required")
    values["date"] = when.iso() if when else None
    values["seized_on"] = when.earliest() if when else None
    country = _normalise(ctx, raw, "country", normalise_country, memo=True)
    if country is None and text(raw, "country") is None:
        agency = ctx.agencies.get(values["agency_code"])
        country = agency[1] if agency else None
    values["country"] = country
    values["admin_area"] = _limited(ctx, "admin_area", text(raw, "admin_area"), 200)
    values["city"] = _limited(ctx, "city", text(raw, "city"), 200)
    values["place_type"] = _vocab(ctx, raw, "place_type", PlaceType)
    values["latitude"] = _float_field(ctx, raw, "latitude", -90, 90)
    values["longitude"] = _float_field(ctx, raw, "longitude", -180, 180)

    drug = _normalise(ctx, raw, "drug", resolve_drug, memo=True)
    if drug is None and text(raw, "drug") is None:
        ctx.error("drug", "is required")
    values["drug_code"] = drug.code if drug else None
    values["drug_group"] = drug.group if drug else None
    values["drug_as_entered"] = text(raw, "drug")
    amount, unit = text(raw, "quantity"), text(raw, "unit")
    if amount is None:
        ctx.error("quantity", "is required")
    if unit is None:
        ctx.error("unit", "is required")
    if amount is not None and unit is not None:
        try:
            quantity = normalise_quantity(amount, unit, drug.code if drug else None)
            if quantity.amount <= 0:
                raise InvalidValue(f"quantity must be greater than zero, not '{amount}'")
            values.update(
                quantity=quantity.amount,
                unit=quantity.unit,
                quantity_kg=quantity.kg,
                quantity_units=quantity.units,
                conversion_factor=quantity.factor,
                factor_source=quantity.factor_source,
            )
        except InvalidValue as exc:
            column = "unit" if "unit" in str(exc).lower() else "quantity"
            ctx.error(column, str(exc), amount if column == "quantity" else unit)
    values["purity_percent"] = _decimal_field(ctx, raw, "purity_percent", 0, 100)
    values["price_usd"] = _decimal_field(ctx, raw, "price_usd", 0, 1e12)
    for column in ("origin_country", "departure_country", "destination_country"):
        values[column] = _normalise(ctx, raw, column, normalise_country, memo=True)
    values["transit_countries"] = _countries(ctx, raw, "transit_countries")
    values["transport_mode"] = _vocab(ctx, raw, "transport_mode", TransportMode)
    values["concealment"] = _vocab(ctx, raw, "concealment", Concealment)
    values["notes"] = _limited(ctx, "notes", text(raw, "notes"), MAX_TEXT)
    values["person_refs"] = references(raw, "persons")
    values["vehicle_plates"] = references(raw, "vehicle_plates")
    for plate in values["vehicle_plates"]:
        if len(plate) > 40:
            ctx.error("vehicle_plates", "a plate is longer than 40 characters", plate)
    return values if len(ctx.errors) == before else None


@cache
def _vocab_parser(enum: Any) -> Callable[[str], Any]:
    """One parser per vocabulary, so that ``_normalise`` can remember its results."""
    return lambda value: parse_vocab(enum, value)


def _vocab(ctx: RowContext, raw: Mapping[str, Any], column: str, enum: Any) -> str | None:
    member = _normalise(ctx, raw, column, _vocab_parser(enum), memo=True)
    return str(member) if member is not None else None


def detect_language(body: str) -> str:
    letters = [c for c in body if c.isalpha()]
    cyrillic = sum(1 for c in letters if "\u0400" <= c <= "\u04ff")
    return "ru" if letters and cyrillic / len(letters) > 0.3 else "en"


def clean_report(ctx: RowContext, raw: Mapping[str, Any]) -> dict[str, Any] | None:
    """An intelligence report. It must not name a human source; that is the owner's duty."""
    before = len(ctx.errors)
    values = clean_common(ctx, raw)
    values["source_id"] = _limited(ctx, "source_id", text(raw, "source_id"), 100)
    when = _normalise(ctx, raw, "date", parse_partial_date, memo=True)
    if when is None and text(raw, "date") is None:
        ctx.error("date", "is required")
    values["date"] = when.iso() if when else None
    values["reported_on"] = when.earliest() if when else None
    values["title"] = _required(ctx, raw, "title", 300)
    values["body"] = _required(ctx, raw, "body", MAX_TEXT)
    language = (text(raw, "language") or "").lower() or None
    if language not in (None, "ru", "en"):
        ctx.error("language", "must be ru or en", language)
    values["language"] = language or (detect_language(values["body"]) if values["body"] else None)
    values["person_refs"] = references(raw, "persons")
    return values if len(ctx.errors) == before else None


#: A word of a company name; a hyphenated word (``Ала-Тоо``) is one word.
_NAME_WORDS = re.compile(r"[^\W_]+(?:-[^\W_]+)*")


def detect_legal_form(name: str) -> str | None:
    """The legal form written at the start or end of a company name, as written: ``ТОО``,
    ``MChJ``, ``Co Ltd``; ``None`` when the name carries none (see
    :data:`caravan.match.keys.LEGAL_FORMS`)."""
    words = _NAME_WORDS.findall(unicodedata.normalize("NFKC", name))
    lead = 0
    while lead < len(words) and words[lead].casefold() in LEGAL_FORMS:
        lead += 1
    tail = len(words)
    while tail > lead and words[tail - 1].casefold() in LEGAL_FORMS:
        tail -= 1
    forms = words[:lead] + words[tail:]
    if not forms:
        return None
    joined = " ".join(forms)
    return joined if len(joined) <= MAX_LEGAL_FORM else forms[0][:MAX_LEGAL_FORM]


def clean_organisation(ctx: RowContext, raw: Mapping[str, Any]) -> dict[str, Any] | None:
    """A company or other organisation: its name as written (with its legal form), the
    legal form (read from the name when not given), registration number (a Kazakh BIN,
    a Russian INN…) and country of registration.

    ``name_key`` is :func:`~caravan.match.keys.company_key` of the name: what company
    checks look up, across scripts and without the legal form.
    """
    before = len(ctx.errors)
    values = clean_common(ctx, raw)
    values["source_id"] = _limited(ctx, "source_id", text(raw, "source_id"), 100)
    name = _required(ctx, raw, "name", 300)
    values["name"] = name
    values["name_key"] = company_key(name) if name else None
    if name and not values["name_key"]:
        ctx.error("name", "has no words besides a legal form", name)
    legal_form = _limited(ctx, "legal_form", text(raw, "legal_form"), MAX_LEGAL_FORM)
    if legal_form is None and name and text(raw, "legal_form") is None:
        legal_form = detect_legal_form(name)
    values["legal_form"] = legal_form
    values["registration_number"] = _limited(
        ctx, "registration_number", text(raw, "registration_number"), 100
    )
    values["country"] = _normalise(ctx, raw, "country", normalise_country, memo=True)
    values["notes"] = _limited(ctx, "notes", text(raw, "notes"), MAX_TEXT)
    return values if len(ctx.errors) == before else None
