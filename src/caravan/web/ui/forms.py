"""Record forms: HTML form fields in, the services' raw dicts out, and errors back beside fields.

Field names are the keys of :mod:`caravan.collect.clean`, so a form posts exactly
what an import row or an API call would. Persons typed inline arrive as repeated
groups ``new_persons-<n>-<field>``; the services number them from 1 in the order
given (``new_persons[1].surname``), which :func:`errors_by_field` maps back.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from caravan.access import Principal, visible
from caravan.collect.records import linked_records, recipients_of
from caravan.domain import DEFAULT_SCHEME, SCHEMES, all_drugs, drug_groups, scheme_values
from caravan.domain.places import Concealment, DocumentType, PlaceType, TransportMode, label
from caravan.domain.units import unit_codes, unit_label
from caravan.errors import FieldError
from caravan.store.models import Agency, Person, RecordMixin
from caravan.web.ui.helpers import country_choices

COMMON_FIELDS = (
    "source_id",
    "grading_scheme",
    "source_grade",
    "information_grade",
    "handling",
    "handling_code",
    "handling_note",
)
PERSON_FIELDS = (
    "surname",
    "given_name",
    "patronymic",
    "name_as_written",
    "birth_date",
    "gender",
    "nationality",
    "document_type",
    "document_number",
    "document_country",
    "phone",
    "notes",
)
SEIZURE_FIELDS = (
    "date",
    "country",
    "admin_area",
    "city",
    "place_type",
    "latitude",
    "longitude",
    "drug",
    "quantity",
    "unit",
    "purity_percent",
    "price_usd",
    "origin_country",
    "departure_country",
    "destination_country",
    "transit_countries",
    "transport_mode",
    "concealment",
    "vehicle_plates",
    "notes",
)
REPORT_FIELDS = ("date", "title", "body", "language")
FIELDS = {"persons": PERSON_FIELDS, "seizures": SEIZURE_FIELDS, "reports": REPORT_FIELDS}
INLINE_PERSON_FIELDS = (
    "surname",
    "given_name",
    "patronymic",
    "birth_date",
    "nationality",
    "document_number",
    "phone",
)
_INLINE = re.compile(r"^new_persons-(\d{1,3})-([a-z_]+)$")
_INLINE_ERROR = re.compile(r"^new_persons\[(\d+)\]\.(\w+)$")


@dataclass
class FormState:
    """What a form page shows: the values typed, inline persons, picked persons, errors."""

    values: dict[str, Any] = field(default_factory=dict)
    new_persons: list[dict[str, str]] = field(default_factory=list)
    person_ids: list[str] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)
    #: every error as ``{"field", "anchor", "message", "value"}`` for the summary at the top.
    summary: list[dict[str, str | None]] = field(default_factory=list)


def parse_record_form(form: FormData, kind: str) -> tuple[FormState, dict[str, Any]]:
    """The typed values (to re-show) and the raw dict for the record services."""
    state = FormState()
    for name in (*COMMON_FIELDS, *FIELDS[kind]):
        state.values[name] = str(form.get(name) or "")
    state.values["recipients"] = [str(v) for v in form.getlist("recipients") if v]
    raw: dict[str, Any] = {k: v for k, v in state.values.items() if v not in ("", [])}
    if kind == "seizures":
        transit = [str(v) for v in form.getlist("transit_countries") if str(v).strip()]
        state.values["transit_countries"] = transit
        if transit:
            raw["transit_countries"] = transit
    if kind in ("seizures", "reports"):
        state.person_ids = list(dict.fromkeys(str(v) for v in form.getlist("person_ids") if v))
        groups: dict[int, dict[str, str]] = {}
        for key, value in form.multi_items():
            match = _INLINE.match(key)
            if match and match.group(2) in INLINE_PERSON_FIELDS and isinstance(value, str):
                groups.setdefault(int(match.group(1)), {})[match.group(2)] = value
        # Blank groups (the one always on the form, or extra ones) are not persons; dropping
        # them here keeps the services' positions equal to the re-shown group numbers.
        ordered = [groups[i] for i in sorted(groups) if any(v.strip() for v in groups[i].values())]
        state.new_persons = ordered or [{}]
        raw["person_ids"] = state.person_ids
        raw["new_persons"] = ordered
    return state, raw


def errors_by_field(state: FormState, errors: list[FieldError]) -> None:
    """Attach each error to the form field it belongs to (and to the summary)."""
    for error in errors:
        name = error.field
        match = _INLINE_ERROR.match(name)
        if match:
            # groups are re-shown numbered from 0 in the order posted
            name = f"new_persons-{int(match.group(1)) - 1}-{match.group(2)}"
        elif name == "grade":
            name = "source_grade"
        state.errors.setdefault(name, []).append(error.message)
        anchor = "f-" + name
        state.summary.append(
            {"field": error.field, "anchor": anchor, "message": error.message, "value": error.value}
        )


def record_form_state(session: Session, principal: Principal, kind: str, record: Any) -> FormState:
    """Pre-fill an edit form from a stored record (derived phone, document, plates too)."""
    state = FormState()
    values = state.values
    scheme, _, entered = (record.grade_as_entered or "").partition(":")
    values.update(
        source_id=record.source_id or "",
        grading_scheme=scheme or DEFAULT_SCHEME,
        source_grade=entered[:1],
        information_grade=entered[1:2],
        handling=entered[2:],
        handling_code=record.handling_code,
        handling_note=record.handling_note or "",
        recipients=recipients_of(session, record.id),
    )
    for name in FIELDS[kind]:
        value = getattr(record, name, None)
        values[name] = "" if value is None else str(value)
    linked = linked_records(session, principal, record)
    if kind == "persons":
        for item in linked:
            other = item.record
            if other.KIND == "phone":
                values["phone"] = other.e164  # type: ignore[attr-defined]
            elif other.KIND == "document":
                values["document_number"] = other.number  # type: ignore[attr-defined]
                values["document_type"] = other.doc_type  # type: ignore[attr-defined]
                values["document_country"] = other.issuing_country or ""  # type: ignore[attr-defined]
        names = [n for n in record.names if n.kind == "as_written"]
        values["name_as_written"] = names[0].full_name if names else ""
    else:
        state.person_ids = [str(item.record.id) for item in linked if item.record.KIND == "person"]
        state.new_persons = [{}]
    if kind == "seizures":
        values["drug"] = record.drug_code
        values["transit_countries"] = list(record.transit_countries or [])
        values["vehicle_plates"] = "; ".join(
            item.record.plate  # type: ignore[attr-defined]
            for item in linked
            if item.record.KIND == "vehicle" and item.record.plate  # type: ignore[attr-defined]
        )
        values["quantity"] = _plain(record.quantity)
        for name in ("purity_percent", "price_usd"):
            values[name] = _plain(getattr(record, name))
    return state


def _plain(value: Any) -> str:
    if value is None:
        return ""
    text = format(value.normalize(), "f") if hasattr(value, "normalize") else str(value)
    return text


def picked_persons(session: Session, principal: Principal, ids: list[str]) -> list[Person]:
    """The visible persons behind the ``person_ids`` a form carries (unknown ids dropped)."""
    wanted = []
    for value in ids:
        try:
            wanted.append(uuid.UUID(value))
        except ValueError:
            continue
    if not wanted:
        return []
    rows = session.scalars(visible(select(Person).where(Person.id.in_(wanted)), Person, principal))
    return list(rows)


def choices(session: Session, principal: Principal, lang: str) -> dict[str, Any]:
    """Every dropdown a record form needs, labelled in ``lang``."""
    drugs_by_group: dict[str, list[tuple[str, str]]] = {g: [] for g in drug_groups()}
    for drug in all_drugs():
        drugs_by_group[drug.group].append((drug.code, drug.name(lang)))
    grades = {
        code: {
            part: [(v, f"{v} — {ru if lang == 'ru' else en}") for v, en, ru in values]
            for part, values in scheme_values(code).items()
        }
        for code in SCHEMES
    }
    agencies = session.scalars(select(Agency).order_by(Agency.code)).all()
    return {
        "countries": country_choices(lang),
        "drug_groups": drugs_by_group,
        "units": [(code, unit_label(code, lang)) for code in unit_codes()],
        "place_types": [(m.value, label(m, lang)) for m in PlaceType],
        "transport_modes": [(m.value, label(m, lang)) for m in TransportMode],
        "concealments": [(m.value, label(m, lang)) for m in Concealment],
        "document_types": [(m.value, label(m, lang)) for m in DocumentType],
        "schemes": [(c, s.name_ru if lang == "ru" else s.name_en) for c, s in SCHEMES.items()],
        "grades": grades,
        "handling_codes": ["H0", "H1", "H2", "H3"],
        "recipient_agencies": [
            (a.code, a.name(lang)) for a in agencies if a.id != principal.agency_id
        ],
    }


def owned_by_principal(record: RecordMixin, principal: Principal) -> bool:
    return record.agency_id == principal.agency_id
