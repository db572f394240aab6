"""Record services: create, change, delete, read and list — with their audit trail."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from caravan.collect import records
from caravan.errors import Conflict, InvalidData, NotFound, PermissionDenied
from caravan.store.models import (
    AuditEvent,
    IdentityDocument,
    Link,
    Person,
    PersonName,
    Phone,
    RecordRecipient,
)

PERSON = {
    "surname": "Раҳимзода",
    "given_name": "Ҷамшед",
    "name_as_written": "RAKHIMOV DZHAMSHED",
    "birth_date": "07.03.1985",
    "nationality": "Таджикистан",
    "document_number": "N 1234567",
    "phone": "+992 93 123 4567",
    "handling_code": "H1",
    "grade": "B2",
}


def count(session: Any, model: Any) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_person_is_normalised_with_names_document_and_phone(world: Any) -> None:
    officer = world.principal("tj-akn.officer") if "tj-akn.officer" in world.users else None
    officer = officer or world.principal("kz-mvd.officer")
    with world.db.session() as session:
        person = records.create_record(session, officer, "persons", PERSON)
        assert (person.birth_date, person.birth_year, person.nationality) == (
            "1985-03-07",
            1985,
            "TJ",
        )
        names = records.person_names(session, person)
        assert [(n.full_name, n.script, n.kind) for n in names] == [
            ("Раҳимзода Ҷамшед", "cyrillic", "primary"),
            ("RAKHIMOV DZHAMSHED", "latin", "as_written"),
        ]
        linked = {
            item.link.link_type: item.record
            for item in records.linked_records(session, officer, person)
        }
        assert linked["uses_phone"].e164 == "+992931234567"
        assert linked["holds_document"].number_key == "N1234567"
        assert linked["holds_document"].issuing_country == "TJ"
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "record.create")
        ).one()
        assert event.object_id == str(person.id)
        assert event.after["surname"] == "Раҳимзода"


def test_update_audits_only_what_changed_and_delete_takes_derived_records(world: Any) -> None:
    officer = world.principal("kz-mvd.supervisor")
    with world.db.session() as session:
        person = records.create_record(session, officer, "persons", PERSON)
        records.update_record(
            session, officer, "persons", person.id, {**PERSON, "birth_date": "1986"}
        )
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "record.update")
        ).one()
        assert event.before == {"birth_date": "1985-03-07", "birth_year": 1985}
        assert event.after == {"birth_date": "1986", "birth_year": 1986}
        assert session.get(Person, person.id).version == 2
        # replaced, not added (the structured name is the person's own, not a person_name row)
        assert count(session, Phone) == 1 and count(session, PersonName) == 1

        records.delete_record(session, officer, "persons", person.id)
        for model in (Person, PersonName, Phone, IdentityDocument, Link, RecordRecipient):
            assert count(session, model) == 0, model
        deleted = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "record.delete")
        ).one()
        assert deleted.before["surname"] == "Раҳимзода"


def test_bad_values_are_all_named(world: Any) -> None:
    officer = world.principal("kz-mvd.officer")
    with world.db.session() as session, pytest.raises(InvalidData) as caught:
        records.create_record(
            session,
            officer,
            "seizures",
            {
                "date": "31.02.2024",
                "drug": "unobtainium",
                "quantity": "-3",
                "unit": "kg",
                "country": "Narnia",
                "handling_code": "H3",
                "recipients": ["XX-NONE"],
            },
        )
    fields = {e.field for e in caught.value.errors}
    assert {"date", "drug", "quantity", "country", "handling_note", "recipients"} <= fields
    with world.db.session() as session:
        assert count(session, AuditEvent) == 0


def test_inline_persons_inherit_the_records_handling(world: Any) -> None:
    officer = world.principal("kz-mvd.officer")
    with world.db.session() as session:
        seizure = records.create_record(
            session,
            officer,
            "seizures",
            {
                "date": "2026-05-02",
                "drug": "гашиш",
                "quantity": "2,5",
                "unit": "кг",
                "handling_code": "H2",
                "grade": "B2",
                "recipients": ["KG-MVD"],
                "new_persons": [{"surname": "Осмонов", "given_name": "Бакыт"}, {"surname": ""}],
            },
        )
        assert seizure.drug_code == "cannabis_resin" and float(seizure.quantity_kg) == 2.5
        person = session.scalars(select(Person)).one()
        assert (person.handling_code, person.source_grade, person.information_grade) == (
            "H2",
            "B",
            "2",
        )
        assert records.recipients_of(session, person.id) == ["KG-MVD"]


def test_owner_keeps_control(world: Any) -> None:
    kz = world.principal("kz-mvd.supervisor")
    kg = world.principal("kg-mvd.supervisor")
    with world.db.session() as session:
        open_person = records.create_record(
            session, kz, "persons", {**PERSON, "handling_code": "H0"}
        )
        hidden = records.create_record(
            session, kz, "persons", {**PERSON, "handling_code": "H2", "source_id": "X"}
        )
        with pytest.raises(PermissionDenied):
            records.update_record(session, kg, "persons", open_person.id, PERSON)
        with pytest.raises(NotFound):
            records.read_record(session, kg, "persons", hidden.id)
        with pytest.raises(Conflict):
            records.create_record(session, kz, "persons", {**PERSON, "source_id": "X"})


def test_restricted_reads_are_audited_in_lists_and_detail(world: Any) -> None:
    kz = world.principal("kz-mvd.officer")
    with world.db.session() as session:
        restricted = records.create_record(
            session, kz, "persons", {**PERSON, "handling_code": "H2"}
        )
        records.create_record(
            session, kz, "persons", {**PERSON, "handling_code": "H0", "source_id": "o"}
        )
    with world.db.session() as session:
        records.list_records(session, kz, "persons")
        records.read_record(session, kz, "persons", restricted.id)
        events = {e.action: e for e in session.scalars(select(AuditEvent))}
        assert events["record.list"].after == {"records": [f"person:{restricted.id}"]}
        assert events["record.view"].object_id == str(restricted.id)
