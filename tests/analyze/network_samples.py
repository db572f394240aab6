"""A small region for link-analysis tests, written straight into the store.

KZ-MVD and KG-MVD hold persons, a phone, a company, a seizure and reports, with links
of every visibility case: open links, a restricted person behind an open link, a
restricted link, a profile of two agencies' records, a report two persons share, a
self-link and a hub phone with many users.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from caravan.collect.writer import note_change
from caravan.store.bulk import new_id
from caravan.store.models import (
    IntelReport,
    Link,
    Organisation,
    Person,
    Phone,
    Profile,
    ProfileMember,
    RecordRecipient,
    SeizureReport,
)

HUB_USERS = 300


@dataclass
class Sample:
    ids: dict[str, uuid.UUID] = field(default_factory=dict)

    def node(self, name: str, kind: str | None = None) -> str:
        prefix = kind or kind_of(name)
        return f"{prefix}:{self.ids[name]}"


def kind_of(name: str) -> str:
    if name.startswith("hubuser"):
        return "person"
    return "phone" if name == "hub" else name.rstrip("0123456789")


def _id() -> uuid.UUID:
    return uuid.UUID(new_id())


def build(session: Session, agencies: dict[str, Any], *, hub_users: int = HUB_USERS) -> Sample:
    kz, kg = agencies["KZ-MVD"].id, agencies["KG-MVD"].id
    sample = Sample()
    inserted: list[str] = []

    def add(name: str, record: Any) -> Any:
        record.id = _id()
        inserted.append(record.id.hex)
        sample.ids[name] = record.id
        session.add(record)
        return record

    def person(name: str, agency: int, code: str, surname: str, given: str) -> None:
        add(
            name,
            Person(
                agency_id=agency,
                handling_code=code,
                surname=surname,
                given_name=given,
                surname_key=surname.casefold(),
                birth_date="1985-03-07",
                birth_year=1985,
            ),
        )

    person("person1", kz, "H1", "Каримов", "Алишер")
    person("person2", kz, "H1", "Юсупов", "Бахтияр")
    person("person3", kg, "H2", "Секретов", "Тайный")
    person("person4", kg, "H1", "Осмонов", "Нурлан")
    person("person5", kg, "H1", "Karimov", "Alisher")
    add("phone1", Phone(agency_id=kz, handling_code="H1", e164="+77011234567"))
    add("hub", Phone(agency_id=kz, handling_code="H1", e164="+77010000000"))
    add(
        "organisation1",
        Organisation(agency_id=kg, handling_code="H0", name="ОсОО Тулпар", name_key="тулпар"),
    )
    add(
        "seizure1",
        SeizureReport(
            agency_id=kz,
            handling_code="H1",
            date="2024-05-02",
            seized_on=date(2024, 5, 2),
            country="KZ",
            drug_code="heroin",
            drug_group="opioids",
            quantity=Decimal("12.5"),
            unit="kg",
            source_grade="B",
            information_grade="2",
        ),
    )
    add(
        "report1",
        IntelReport(
            agency_id=kz,
            handling_code="H1",
            date="2024-04-01",
            reported_on=date(2024, 4, 1),
            title="Курьеры через Хоргос",
            body="…",
            source_grade="B",
            information_grade="2",
        ),
    )
    add(
        "report2",
        IntelReport(
            agency_id=kg,
            handling_code="H2",
            date="2024-06-01",
            reported_on=date(2024, 6, 1),
            title="Shared with KZ",
            body="…",
        ),
    )
    session.flush()
    session.add(RecordRecipient(record_id=sample.ids["report2"], agency_id=kz))

    def link(
        name: str,
        kind: str,
        a: str,
        b: str,
        *,
        agency: int = kz,
        code: str = "H1",
        report: str | None = None,
        valid_from: str | None = None,
        valid_to: str | None = None,
        grade: str | None = "B2",
    ) -> None:
        kinds = {n: kind_of(n) for n in (a, b, report or "")}
        add(
            name,
            Link(
                agency_id=agency,
                handling_code=code,
                link_type=kind,
                from_kind=kinds[a],
                from_id=sample.ids[a],
                to_kind=kinds[b],
                to_id=sample.ids[b],
                report_kind=kinds[report] if report else None,
                report_id=sample.ids[report] if report else None,
                valid_from=valid_from,
                valid_to=valid_to,
                source_grade=grade[0] if grade else None,
                information_grade=grade[1] if grade else None,
            ),
        )

    link("uses1", "uses_phone", "person1", "phone1")
    link("uses2", "uses_phone", "person2", "phone1", grade="C3")
    link("assoc23", "associate", "person2", "person3", agency=kg)
    link("secret34", "associate", "person3", "person4", agency=kg, code="H2")
    link("employ", "employee_of", "person4", "organisation1", agency=kg)
    link("travel", "travelled_with", "person1", "person4", valid_from="2023", valid_to="2023")
    link("seized", "involved_in_seizure", "phone1", "seizure1", report="seizure1")
    link("assoc12", "associate", "person1", "person2", report="report1", valid_from="2024-04")
    link("shared", "associate", "person4", "organisation1", agency=kg, code="H2", report="report2")
    link("self", "associate", "person1", "person1")
    hub_persons = []
    for i in range(hub_users):
        name = f"hubuser{i}"
        person(name, kz, "H1", f"Абонент{i}", "Тест")
        hub_persons.append(name)
    session.flush()
    for name in hub_persons:
        link(f"hublink-{name}", "uses_phone", name, "hub")
    link("hub1", "uses_phone", "person1", "hub")

    # One real person, recorded by both agencies: a profile of two records.
    profile = Profile(id=_id(), size=2)
    sample.ids["profile"] = profile.id
    session.add(profile)
    session.flush()
    for name in ("person1", "person5"):
        session.add(ProfileMember(person_id=sample.ids[name], profile_id=profile.id, how="auto"))
    note_change(session, "person", inserted=inserted)
    session.flush()
    return sample
