"""Exchange in the demo region: requests in every state, a joint operation, watches.

Everything is made through the real services by the demo users, so the demo's audit log,
inboxes and notifications look exactly as they would after people did it by hand.
Running it again adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from caravan.access import Principal
from caravan.accounts import service as accounts
from caravan.config import Settings
from caravan.exchange import operations, rfis
from caravan.store import Database
from caravan.store.models import Agency, Person, Rfi


@dataclass
class ExchangeDemo:
    requests: int = 0
    operations: int = 0
    watches: int = 0
    skipped: bool = False
    notes: list[str] = field(default_factory=list)


def _who(session: Session, username: str) -> Principal:
    return Principal.from_user(accounts.get_user(session, username))


def _person(session: Session, agency: str, codes: tuple[str, ...]) -> Person | None:
    return session.scalars(
        select(Person)
        .join(Agency, Agency.id == Person.agency_id)
        .where(Agency.code == agency, Person.handling_code.in_(codes))
        .order_by(Person.source_id)
        .limit(1)
    ).first()


def _ask(
    session: Session,
    settings: Settings,
    asker: str,
    to: str,
    record: Person,
    priority: str,
    purpose: str,
    *,
    send: bool = True,
) -> Rfi:
    return rfis.create(
        session,
        _who(session, asker),
        {
            "to": [to],
            "priority": priority,
            "subject": f"{record.full_name} ({record.birth_date or 'birth date unknown'})",
            "question": "Our check hit your record. Please share what you hold on this person: "
            "identity, phones, vehicles and recent movements.",
            "legal_basis": "CARICC Agreement (2006), art. 6 — exchange of information",
            "purpose": purpose,
            "subjects": [{"kind": "person", "reference": record.reference}],
        },
        settings,
        send=send,
    )[0]


def load_exchange_demo(db: Database, settings: Settings) -> ExchangeDemo:
    """Requests (answered, waiting for approval, unanswered, draft), one operation, and
    a few watches of the demo users."""
    summary = ExchangeDemo()
    with db.session() as session:
        if session.scalar(select(func.count()).select_from(Rfi)):
            summary.skipped = True
            return summary
        kg_secret = _person(session, "KG-MVD", ("H2",))
        tj_secret = _person(session, "TJ-AKN", ("H2", "H3"))
        kz_person = _person(session, "KZ-MVD", ("H2", "H3"))
        uz_person = _person(session, "UZ-MVD", ("H1", "H2"))
        if not (kg_secret and tj_secret and kz_person and uz_person):
            summary.notes.append("the demo region lacks restricted persons: no requests made")
            return summary
        # 1. Answered: KZ asks KG, KG's officer releases, its supervisor approves.
        first = _ask(
            session,
            settings,
            "kz.officer",
            "KG-MVD",
            kg_secret,
            "high",
            "Investigation 17/2026 into heroin couriers on the Osh–Almaty road",
        )
        officer = _who(session, "kg.officer")
        rfis.acknowledge(session, officer, first.id)
        reply = rfis.answer(
            session,
            officer,
            first.id,
            {
                "outcome": "answered",
                "text": "Known to us as a courier since 2024; our record is released in full.",
                "releases": [{"kind": "person", "id": str(kg_secret.id), "mode": "full"}],
            },
        )
        rfis.approve(session, _who(session, "kg.supervisor"), reply.id, "Release approved.")
        # 2. Waiting for the four-eyes approval: UZ asks TJ, urgent; a sanitised copy.
        second = _ask(
            session,
            settings,
            "uz.officer",
            "TJ-AKN",
            tj_secret,
            "urgent",
            "Controlled delivery prepared with TJ-AKN and KZ-MVD",
        )
        rfis.answer(
            session,
            _who(session, "tj.officer"),
            second.id,
            {
                "outcome": "partly_answered",
                "text": "A sanitised copy; the source's report stays with us.",
                "releases": [{"kind": "person", "id": str(tj_secret.id), "mode": "sanitised"}],
            },
        )
        # 3. Sent, not yet acknowledged; 4. a draft.
        _ask(
            session,
            settings,
            "ru.officer",
            "KZ-MVD",
            kz_person,
            "normal",
            "Check of a suspect detained at the Orenburg border crossing",
        )
        _ask(
            session,
            settings,
            "kg.officer",
            "UZ-MVD",
            uz_person,
            "normal",
            "Background for a joint analysis of the Fergana valley routes",
            send=False,
        )
        summary.requests = 4

        # A joint operation led by KZ-MVD with KG-MVD and UZ-MVD.
        lead = _who(session, "kz.supervisor")
        operation = operations.create_operation(
            session,
            lead,
            name="Controlled delivery: Osh – Almaty",
            description="A courier car expected to carry heroin from Osh to Almaty through "
            "the Korday crossing, watched in three countries.",
            agencies=["KG-MVD", "UZ-MVD"],
        )
        for username in ("kz.officer", "kz.analyst", "kg.officer", "kg.supervisor", "uz.officer"):
            operations.add_member(session, lead, operation.id, username)
        operations.set_status(session, lead, operation.id, "running")
        operations.post_message(
            session,
            _who(session, "kg.officer"),
            operation.id,
            "The car left Osh at 06:10 local time; our team follows to the border.",
        )
        operations.add_task(
            session,
            lead,
            operation.id,
            title="Brief the Korday border post",
            owner="kz.officer",
        )
        operations.share_record(
            session, _who(session, "kg.officer"), operation.id, "person", str(kg_secret.id)
        )
        summary.operations = 1
    summary.watches = _demo_watches(db)
    return summary


def _demo_watches(db: Database) -> int:
    """A few standing watches (made by the alerts service when it is there)."""
    from caravan.exchange import alerts

    made = 0
    specs: list[tuple[str, dict[str, Any]]] = [
        (
            "kz.analyst",
            {
                "kind": "query",
                "label": "Heroin seizures over 10 kg in Kyrgyzstan",
                "criteria": {"drug_code": "heroin", "country": "KG", "min_kg": 10},
            },
        ),
        (
            "kz.officer",
            {
                "kind": "selector",
                "selector_kind": "phone",
                "label": "Courier's phone",
                "criteria": {"phone": "+996 555 123 456"},
            },
        ),
    ]
    with db.session() as session:
        for username, raw in specs:
            alerts.create_watch(session, _who(session, username), raw)
            made += 1
    return made


__all__ = ["ExchangeDemo", "load_exchange_demo"]
