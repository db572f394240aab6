"""What a check asks about: a person, phone, plate, document or company — validated.

:func:`parse_selector` turns a form, a JSON body, CLI options or a batch row into a
:class:`Selector`, or raises :class:`~caravan.errors.InvalidData` naming every bad field.
Names in any script are accepted as written; what cannot be a name (no letters), an
unreadable date or phone, or a field longer than :data:`MAX_FIELD` is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from caravan.domain.countries import normalise_country
from caravan.domain.dates import parse_partial_date
from caravan.domain.phones import normalise_phone
from caravan.errors import FieldError, InvalidData, InvalidValue
from caravan.match.keys import company_key, document_key, plate_key
from caravan.names import Token, tokens

KINDS = ("person", "phone", "plate", "document", "company")
#: The longest value a selector field accepts (names, numbers, company names).
MAX_FIELD = 200
PERSON_FIELDS = ("surname", "given_name", "patronymic", "full_name")


@dataclass(frozen=True)
class Selector:
    """One validated query. ``key`` is what the store is searched by (kind-specific)."""

    kind: str
    #: The query as the asker gave it, cleaned (what is shown back and audited).
    shown: dict[str, str]
    key: str = ""
    names: tuple[Token, ...] = ()
    birth_date: str | None = None
    nationality: str | None = None
    document: str | None = None

    def describe(self) -> str:
        """``person: surname=Рахимов, given_name=Джамшед, birth_date=1985`` (for audit)."""
        return f"{self.kind}: " + ", ".join(f"{k}={v}" for k, v in self.shown.items())


def _text(raw: Mapping[str, Any], name: str, errors: list[FieldError]) -> str | None:
    value = raw.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        value = str(value)
    value = " ".join(value.split())
    if not value:
        return None
    if len(value) > MAX_FIELD:
        errors.append(
            FieldError(name, f"is {len(value):,} characters long; at most {MAX_FIELD}", None)
        )
        return None
    return value


def _has_letter(value: str) -> bool:
    return any(c.isalpha() for c in value)


def _person(raw: Mapping[str, Any], errors: list[FieldError]) -> Selector:
    parts = {name: _text(raw, name, errors) for name in PERSON_FIELDS}
    for name, value in parts.items():
        if value is not None and not _has_letter(value):
            errors.append(FieldError(name, "has no letters; a name is needed", value=value[:60]))
            parts[name] = None
    shown = {k: v for k, v in parts.items() if v}
    if not shown and not any(e.field in PERSON_FIELDS for e in errors):
        errors.append(FieldError("surname", "give a surname, a given name or a full name"))
    birth = _text(raw, "birth_date", errors)
    birth_date = None
    if birth:
        try:
            birth_date = parse_partial_date(birth).iso()
            shown["birth_date"] = birth_date
        except InvalidValue as exc:
            errors.append(FieldError("birth_date", str(exc), value=birth[:60]))
    nationality = _text(raw, "nationality", errors)
    country = None
    if nationality:
        try:
            country = normalise_country(nationality)
            shown["nationality"] = country
        except InvalidValue as exc:
            errors.append(FieldError("nationality", str(exc), value=nationality[:60]))
    document = _text(raw, "document", errors) or _text(raw, "document_number", errors)
    doc_key = None
    if document:
        doc_key = document_key(document)
        if len(doc_key) < 4:
            errors.append(
                FieldError("document", "needs at least 4 letters or digits", value=document)
            )
        shown["document"] = document
    names = (
        tokens(parts["surname"], parts["given_name"], parts["patronymic"])
        if any(parts[k] for k in ("surname", "given_name", "patronymic"))
        else tokens(full=parts["full_name"])
        if parts["full_name"]
        else ()
    )
    return Selector(
        "person",
        shown,
        names=names,
        birth_date=birth_date,
        nationality=country,
        document=doc_key,
    )


def _phone(raw: Mapping[str, Any], errors: list[FieldError], region: str | None) -> Selector:
    value = _text(raw, "phone", errors) or _text(raw, "number", errors)
    if not value:
        if not errors:
            errors.append(FieldError("phone", "is required"))
        return Selector("phone", {})
    try:
        e164 = normalise_phone(value, region)
    except InvalidValue as exc:
        errors.append(FieldError("phone", str(exc), value=value[:60]))
        return Selector("phone", {"phone": value})
    return Selector("phone", {"phone": e164}, key=e164)


def _keyed(
    kind: str,
    names: tuple[str, ...],
    fn: Any,
    minimum: int,
    raw: Mapping[str, Any],
    errors: list[FieldError],
) -> Selector:
    value = next((v for n in names if (v := _text(raw, n, errors))), None)
    if not value:
        if not errors:
            errors.append(FieldError(names[0], "is required"))
        return Selector(kind, {})
    key = fn(value)
    if len(key) < minimum:
        errors.append(
            FieldError(names[0], f"needs at least {minimum} letters or digits", value=value[:60])
        )
    return Selector(kind, {names[0]: value}, key=key)


def parse_selector(kind: str, raw: Mapping[str, Any], *, region: str | None = None) -> Selector:
    """Validate one query of ``kind``; ``region`` reads national phone numbers.

    Raises:
        InvalidData: every problem found, each naming its field.
    """
    errors: list[FieldError] = []
    if kind == "person":
        selector = _person(raw, errors)
    elif kind == "phone":
        selector = _phone(raw, errors, region)
    elif kind == "plate":
        selector = _keyed("plate", ("plate",), plate_key, 2, raw, errors)
    elif kind == "document":
        selector = _keyed("document", ("document", "number"), document_key, 4, raw, errors)
    elif kind == "company":
        selector = _keyed("company", ("name", "company"), company_key, 2, raw, errors)
    else:
        raise InvalidData(
            [
                FieldError(
                    "kind",
                    f"unknown check kind; use one of {', '.join(KINDS)}",
                    value=str(kind)[:40],
                )
            ]
        )
    if errors:
        raise InvalidData(errors)
    return selector


__all__ = ["KINDS", "MAX_FIELD", "Selector", "parse_selector"]
