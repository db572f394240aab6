"""Entities (POLE), reports and the typed links between them.

Every class here carries :class:`RecordMixin`: an owner agency, a grade and a
handling code. Which rows a user may read is decided by ``caravan.access``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caravan.store.models.base import Base, RecordMixin


def _owned(table: str, *extra: Any, listed: bool = False) -> tuple[Any, ...]:
    """Table args of an owned record. ``(agency_id, source_id)`` is unique and also serves
    agency filters; ``listed`` tables (those with list pages) get a ``created_at`` index."""
    # Lists order by (created_at, id): the index carries both, so no page needs a sort.
    created = (Index(f"ix_{table}_created_at", "created_at", "id"),) if listed else ()
    return (
        # Partial: records Caravan derives (phones, documents, links) carry no source_id
        # and cost the index nothing.
        Index(
            f"uq_{table}_agency_source",
            "agency_id",
            "source_id",
            unique=True,
            sqlite_where=HAS_SOURCE_ID,
            postgresql_where=HAS_SOURCE_ID,
        ),
        *created,
        *extra,
    )


HAS_SOURCE_ID = text("source_id IS NOT NULL")


class RecordRecipient(Base):
    """An agency named by the owner to see an H2/H3 record in full."""

    __tablename__ = "record_recipient"
    __table_args__ = (Index("ix_record_recipient_agency", "agency_id", "record_id"),)

    record_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), primary_key=True)


class Person(RecordMixin, Base):
    """A person as one agency recorded them.

    ``surname``/``given_name``/``patronymic`` are kept exactly as written (any
    script); every other spelling the agency holds is in :class:`PersonName`.
    ``birth_date`` is an ISO 8601 partial date (``1985``, ``1985-03`` or
    ``1985-03-07``).
    """

    KIND = "person"
    __tablename__ = "person"
    __table_args__ = _owned(
        "person",
        # Each filter's index ends in the list order, so a filtered page is read in
        # order and stops after 50 rows instead of sorting every match.
        Index("ix_person_surname_key", "surname_key", "id"),
        Index("ix_person_birth_year", "birth_year", "created_at", "id"),
        Index("ix_person_nationality", "nationality", "created_at", "id"),
        listed=True,
    )

    surname: Mapped[str] = mapped_column(String(200))
    given_name: Mapped[str | None] = mapped_column(String(200))
    patronymic: Mapped[str | None] = mapped_column(String(200))
    #: Case-folded surname, for prefix filters that use an index.
    surname_key: Mapped[str] = mapped_column(String(200))
    birth_date: Mapped[str | None] = mapped_column(String(10))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    gender: Mapped[str | None] = mapped_column(String(1))
    nationality: Mapped[str | None] = mapped_column(String(2))
    notes: Mapped[str | None] = mapped_column(Text)

    names: Mapped[list[PersonName]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="PersonName.id"
    )

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.surname, self.given_name, self.patronymic) if p)


class PersonName(Base):
    """One name of a person exactly as written, with its structured parts."""

    __tablename__ = "person_name"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    full_name: Mapped[str] = mapped_column(String(400))
    surname: Mapped[str | None] = mapped_column(String(200))
    given_name: Mapped[str | None] = mapped_column(String(200))
    patronymic: Mapped[str | None] = mapped_column(String(200))
    #: ``cyrillic``, ``latin``, ``mixed`` or ``other`` — detected, not declared.
    script: Mapped[str] = mapped_column(String(10))
    #: ``primary``, ``as_written`` (full name as on the source), ``alias`` or ``document``.
    kind: Mapped[str] = mapped_column(String(16), default="primary")

    person: Mapped[Person] = relationship(back_populates="names")


class Organisation(RecordMixin, Base):
    KIND = "organisation"
    __tablename__ = "organisation"
    __table_args__ = _owned("organisation", Index("ix_organisation_name_key", "name_key"))

    name: Mapped[str] = mapped_column(String(300))
    name_key: Mapped[str] = mapped_column(String(300))
    legal_form: Mapped[str | None] = mapped_column(String(40))
    registration_number: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(2))
    notes: Mapped[str | None] = mapped_column(Text)

    @property
    def label(self) -> str:
        return self.name


class Vehicle(RecordMixin, Base):
    KIND = "vehicle"
    __tablename__ = "vehicle"
    __table_args__ = _owned("vehicle", Index("ix_vehicle_plate_key", "plate_key"))

    plate: Mapped[str | None] = mapped_column(String(40))
    #: Plate upper-cased without spaces or dashes (look-alike folding comes with checks).
    plate_key: Mapped[str | None] = mapped_column(String(40))
    vin: Mapped[str | None] = mapped_column(String(17))
    make: Mapped[str | None] = mapped_column(String(100))
    model: Mapped[str | None] = mapped_column(String(100))
    colour: Mapped[str | None] = mapped_column(String(50))
    country: Mapped[str | None] = mapped_column(String(2))

    @property
    def label(self) -> str:
        return " ".join(p for p in (self.plate, self.make, self.model) if p) or self.reference


class Phone(RecordMixin, Base):
    KIND = "phone"
    __tablename__ = "phone"
    __table_args__ = _owned("phone", Index("ix_phone_e164", "e164"))

    e164: Mapped[str] = mapped_column(String(20))

    @property
    def label(self) -> str:
        return self.e164


class IdentityDocument(RecordMixin, Base):
    KIND = "document"
    __tablename__ = "identity_document"
    __table_args__ = _owned(
        "identity_document", Index("ix_identity_document_number_key", "number_key")
    )

    doc_type: Mapped[str] = mapped_column(String(20), default="passport")
    number: Mapped[str] = mapped_column(String(60))
    number_key: Mapped[str] = mapped_column(String(60))
    issuing_country: Mapped[str | None] = mapped_column(String(2))
    valid_until: Mapped[dt.date | None]

    @property
    def label(self) -> str:
        return f"{self.number} ({self.issuing_country})" if self.issuing_country else self.number


class Location(RecordMixin, Base):
    KIND = "location"
    __tablename__ = "location"
    __table_args__ = _owned("location")

    name: Mapped[str | None] = mapped_column(String(300))
    country: Mapped[str | None] = mapped_column(String(2))
    admin_area: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(400))
    place_type: Mapped[str | None] = mapped_column(String(32))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)

    @property
    def label(self) -> str:
        return ", ".join(p for p in (self.name, self.address, self.city) if p) or self.reference


class SeizureReport(RecordMixin, Base):
    """One seizure, after UNODC's individual drug seizure reporting."""

    KIND = "seizure"
    __tablename__ = "seizure"
    __table_args__ = _owned(
        "seizure",
        Index("ix_seizure_seized_on", "seized_on", "id"),
        Index("ix_seizure_drug_code", "drug_code", "seized_on", "id"),
        Index("ix_seizure_country", "country", "seized_on", "id"),
    )

    #: ISO 8601 partial date as reported, and its first day for sorting and ranges.
    date: Mapped[str] = mapped_column(String(10))
    seized_on: Mapped[dt.date]
    country: Mapped[str] = mapped_column(String(2))
    admin_area: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(200))
    place_type: Mapped[str | None] = mapped_column(String(32))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    drug_code: Mapped[str] = mapped_column(String(60))
    drug_group: Mapped[str] = mapped_column(String(30))
    drug_as_entered: Mapped[str | None] = mapped_column(String(200))
    quantity: Mapped[Decimal]
    unit: Mapped[str] = mapped_column(String(20))
    quantity_kg: Mapped[Decimal | None]
    quantity_units: Mapped[Decimal | None]
    #: The factor used to reach ``quantity_kg`` and where it comes from.
    conversion_factor: Mapped[Decimal | None]
    factor_source: Mapped[str | None] = mapped_column(String(200))
    purity_percent: Mapped[Decimal | None]
    price_usd: Mapped[Decimal | None]
    origin_country: Mapped[str | None] = mapped_column(String(2))
    departure_country: Mapped[str | None] = mapped_column(String(2))
    transit_countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    destination_country: Mapped[str | None] = mapped_column(String(2))
    transport_mode: Mapped[str | None] = mapped_column(String(32))
    concealment: Mapped[str | None] = mapped_column(String(40))
    notes: Mapped[str | None] = mapped_column(Text)

    @property
    def label(self) -> str:
        return f"{self.reference} · {self.date}"


class IntelReport(RecordMixin, Base):
    """An intelligence report. It never carries the identity of a human source."""

    KIND = "report"
    __tablename__ = "intel_report"
    __table_args__ = _owned(
        "intel_report", Index("ix_intel_report_reported_on", "reported_on", "id")
    )

    date: Mapped[str] = mapped_column(String(10))
    reported_on: Mapped[dt.date]
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(2))

    @property
    def label(self) -> str:
        return self.title


class Link(RecordMixin, Base):
    """A typed, time-bounded link between two records, with its provenance.

    ``report_id`` names the seizure or intelligence report the link was
    recorded in (provenance); the owner agency and grade are the link's own.
    """

    KIND = "link"
    __tablename__ = "link"
    __table_args__ = _owned(
        "link",
        Index("ix_link_from", "from_id"),
        Index("ix_link_to", "to_id"),
        Index(
            "ix_link_report",
            "report_id",
            sqlite_where=text("report_id IS NOT NULL"),
            postgresql_where=text("report_id IS NOT NULL"),
        ),
    )

    link_type: Mapped[str] = mapped_column(String(32))
    from_kind: Mapped[str] = mapped_column(String(16))
    from_id: Mapped[uuid.UUID]
    to_kind: Mapped[str] = mapped_column(String(16))
    to_id: Mapped[uuid.UUID]
    valid_from: Mapped[str | None] = mapped_column(String(10))
    valid_to: Mapped[str | None] = mapped_column(String(10))
    report_kind: Mapped[str | None] = mapped_column(String(16))
    report_id: Mapped[uuid.UUID | None]
    note: Mapped[str | None] = mapped_column(Text)


ENTITY_MODELS: dict[str, type[RecordMixin]] = {
    m.KIND: m for m in (Person, Organisation, Vehicle, Phone, IdentityDocument, Location)
}
REPORT_MODELS: dict[str, type[RecordMixin]] = {m.KIND: m for m in (SeizureReport, IntelReport)}
RECORD_MODELS: dict[str, type[RecordMixin]] = {**ENTITY_MODELS, **REPORT_MODELS, "link": Link}
