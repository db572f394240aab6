"""Request and response shapes of the JSON API (they make the OpenAPI document).

Inputs are deliberately loose (strings, as a form or a file would carry them):
the same cleaners as forms and imports validate them, so every channel gives the
same error for the same mistake.
"""

from __future__ import annotations

import datetime as dt
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from caravan.store.models.base import as_utc


def iso_utc(value: datetime | None) -> str | None:
    """A stored time as ISO 8601 in UTC, the same on SQLite and PostgreSQL."""
    return None if value is None else as_utc(value).astimezone(dt.UTC).isoformat()


class RecordCommonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source_id: str | None = Field(
        None, description="Your agency's own reference; unique per agency"
    )
    grading_scheme: str | None = Field(
        None, examples=["europol"], description="europol, admiralty or uk3x5x2"
    )
    grade: str | None = Field(
        None, examples=["B2"], description="Source + information grade, e.g. B2"
    )
    source_grade: str | None = None
    information_grade: str | None = None
    handling_code: str | None = Field(None, examples=["H1"], description="H0-H3; H2 when omitted")
    handling_note: str | None = Field(None, description="The restriction, required for H3")
    recipients: list[str] = Field(
        default_factory=list, description="Agency codes that may see an H2/H3 record"
    )


class PersonIn(RecordCommonIn):
    surname: str | None = None
    given_name: str | None = None
    patronymic: str | None = None
    name_as_written: str | None = None
    birth_date: str | None = Field(None, examples=["1985-03-07", "07.03.1985", "1985-03", "1985"])
    nationality: str | None = Field(None, examples=["TJ", "Tajikistan", "Таджикистан"])
    gender: str | None = None
    document_number: str | None = None
    document_type: str | None = None
    document_country: str | None = None
    phone: str | None = Field(None, examples=["+992 93 123 4567"])
    notes: str | None = None


class SeizureIn(RecordCommonIn):
    date: str | None = Field(None, examples=["2026-10-14"])
    country: str | None = None
    admin_area: str | None = None
    city: str | None = None
    place_type: str | None = None
    latitude: str | float | None = None
    longitude: str | float | None = None
    drug: str | None = Field(None, examples=["heroin", "гашиш"])
    quantity: str | float | None = Field(None, examples=["12.5"])
    unit: str | None = Field(None, examples=["kg"])
    purity_percent: str | float | None = None
    price_usd: str | float | None = None
    origin_country: str | None = None
    departure_country: str | None = None
    transit_countries: list[str] = Field(default_factory=list)
    destination_country: str | None = None
    transport_mode: str | None = None
    concealment: str | None = None
    notes: str | None = None
    persons: list[str] = Field(
        default_factory=list, description="source_ids of your agency's persons"
    )
    person_ids: list[uuid.UUID] = Field(default_factory=list, description="Ids of visible persons")
    new_persons: list[PersonIn] = Field(
        default_factory=list, description="Persons to create with it"
    )
    vehicle_plates: list[str] = Field(default_factory=list)


class ReportIn(RecordCommonIn):
    date: str | None = None
    title: str | None = None
    body: str | None = None
    language: str | None = None
    persons: list[str] = Field(default_factory=list)
    person_ids: list[uuid.UUID] = Field(default_factory=list)
    new_persons: list[PersonIn] = Field(default_factory=list)


class RecordOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str
    agency: str
    source_id: str | None
    grading_scheme: str
    grade_as_entered: str | None
    source_grade: str | None
    information_grade: str | None
    handling_code: str
    handling_note: str | None
    recipients: list[str] = []
    created_at: datetime
    updated_at: datetime
    version: int
    links: list[dict[str, Any]] | None = None


class PersonOut(RecordOut):
    surname: str
    given_name: str | None
    patronymic: str | None
    birth_date: str | None
    gender: str | None
    nationality: str | None
    notes: str | None
    names: list[dict[str, Any]] = []


class SeizureOut(RecordOut):
    date: str
    seized_on: dt.date
    country: str
    admin_area: str | None
    city: str | None
    place_type: str | None
    latitude: float | None
    longitude: float | None
    drug_code: str
    drug_group: str
    drug_as_entered: str | None
    quantity: Decimal
    unit: str
    quantity_kg: Decimal | None
    quantity_units: Decimal | None
    conversion_factor: Decimal | None
    factor_source: str | None
    purity_percent: Decimal | None
    price_usd: Decimal | None
    origin_country: str | None
    departure_country: str | None
    transit_countries: list[str]
    destination_country: str | None
    transport_mode: str | None
    concealment: str | None
    notes: str | None


class ReportOut(RecordOut):
    date: str
    title: str
    body: str
    language: str | None


class PageOut(BaseModel):
    items: list[dict[str, Any]]
    page: int
    per_page: int
    has_next: bool
    next_cursor: str | None = Field(None, description="Pass as ?after= for the next page")
    prev_cursor: str | None = Field(None, description="Pass as ?before= for the previous page")


class ImportOut(BaseModel):
    status: str
    rows: int
    inserted: int
    updated: int
    errors: list[dict[str, Any]] = []


class TokenIn(BaseModel):
    name: str


class TokenOut(BaseModel):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    token: str | None = Field(None, description="The secret: shown once, at creation")


class MeOut(BaseModel):
    username: str
    display_name: str | None
    agency: str
    role: str
