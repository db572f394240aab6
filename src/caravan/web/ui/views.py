"""What list and detail pages show beyond the records themselves."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from caravan.access import Principal, visible
from caravan.collect.records import LinkedRecord, linked_records, person_names
from caravan.domain import drug_groups
from caravan.resolve.profiles import profile_id_of
from caravan.store.models import Agency, Link, Person
from caravan.web.ui.helpers import country_choices, group_label


def list_context(
    session: Session, principal: Principal, kind: str, items: list[Any], lang: str
) -> dict[str, Any]:
    """Filter dropdowns, plus the persons of each listed seizure/report."""
    agencies = session.scalars(select(Agency).order_by(Agency.code)).all()
    context: dict[str, Any] = {
        "agency_options": [(a.code, a.code) for a in agencies],
        "handling_options": [(c, c) for c in ("H0", "H1", "H2", "H3")],
        "country_options": country_choices(lang),
    }
    if kind == "seizures":
        context["group_options"] = [(g, group_label(g, lang)) for g in drug_groups()]
    if kind in ("seizures", "reports"):
        context["persons_of"] = persons_of(session, principal, [r.id for r in items])
    return context


def persons_of(
    session: Session, principal: Principal, record_ids: list[Any]
) -> dict[Any, list[Person]]:
    """Visible persons linked to each of ``record_ids`` (one query for the whole page)."""
    if not record_ids:
        return {}
    stmt: Any = (
        select(Link.to_id, Person)
        .join(Person, Person.id == Link.from_id)
        .where(Link.to_id.in_(record_ids), Link.from_kind == "person")
    )
    stmt = visible(visible(stmt, Link, principal), Person, principal)
    rows = session.execute(stmt.order_by(Person.surname_key))
    result: dict[Any, list[Person]] = defaultdict(list)
    for record_id, person in rows:
        result[record_id].append(person)
    return result


def detail_context(
    session: Session, principal: Principal, kind: str, record: Any
) -> dict[str, Any]:
    """Linked records grouped by kind; for a person, every name, their records and the
    profile the person is in (``None`` until resolution has run)."""
    linked = linked_records(session, principal, record)
    by_kind: dict[str, list[LinkedRecord]] = defaultdict(list)
    for item in linked:
        by_kind[item.record.KIND].append(item)
    context: dict[str, Any] = {"linked": by_kind}
    if kind == "persons":
        context["profile_id"] = profile_id_of(session, record.id, principal)
        context["names"] = person_names(session, record)
        context["seizures"] = sorted(
            by_kind.get("seizure", []), key=lambda i: i.record.seized_on, reverse=True
        )
        context["reports"] = sorted(
            by_kind.get("report", []), key=lambda i: i.record.reported_on, reverse=True
        )
    return context
