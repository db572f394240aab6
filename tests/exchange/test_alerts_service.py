"""Alerts: each kind of watch matches new data written through the real write paths.

New data comes from ``create_record`` and the importer; the dispatcher (or
``alerts.match_new``) matches it. Restricted matches must reach the watcher as hit
notices only, and their owner's hit inbox must hear of them.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select, text, update

from caravan.collect import records
from caravan.collect.importer import import_file
from caravan.errors import InvalidData, NotFound, PermissionDenied
from caravan.exchange import alerts
from caravan.exchange.alert_feed import NOTIFY_PER_ROUND
from caravan.exchange.dispatcher import Dispatcher
from caravan.match import inbox as hit_inbox
from caravan.store.models import (
    AuditEvent,
    ChangeFeed,
    DispatcherState,
    HitNotification,
    Notification,
    Profile,
    ProfileMember,
    ResolutionRun,
    Watch,
    WatchHit,
)

WATCHER = "kg-mvd.officer"


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    alerts.reset_cache()
    yield
    alerts.reset_cache()


def watch(world: Any, raw: dict[str, Any], user: str = WATCHER) -> int:
    with world.db.session() as session:
        return alerts.create_watch(session, world.principal(user), raw).id


def person(world: Any, user: str, **values: Any) -> uuid.UUID:
    values.setdefault("handling_code", "H1")
    if values["handling_code"] == "H3":
        values.setdefault("handling_note", "Not to be shared without the owner's consent")
    with world.db.session() as session:
        return records.create_record(session, world.principal(user), "persons", values).id


def seizure(world: Any, user: str, **values: Any) -> uuid.UUID:
    values = {"date": "2025-03-11", "unit": "kg", "handling_code": "H1", **values}
    with world.db.session() as session:
        return records.create_record(session, world.principal(user), "seizures", values).id


def notes(world: Any, user: str = WATCHER) -> list[Notification]:
    with world.db.session() as session:
        uid = world.users[user].id
        return list(
            session.scalars(
                select(Notification).where(Notification.user_id == uid).order_by(Notification.id)
            )
        )


def hits(world: Any, watch_id: int) -> list[WatchHit]:
    with world.db.session() as session:
        return list(session.scalars(select(WatchHit).where(WatchHit.watch_id == watch_id)))


def everything(note: Notification) -> str:
    return " ".join(
        [note.title, note.body, note.link or "", json.dumps(note.payload, ensure_ascii=False)]
    )


def rakhimov_watch(world: Any, **extra: Any) -> int:
    raw = {
        "kind": "selector",
        "selector_kind": "person",
        "criteria": {"surname": "Rakhimov", "given_name": "Jamshed", **extra},
    }
    return watch(world, raw)


# --------------------------------------------------------------------------- persons


def test_cross_script_person_watch_alerts_once(world: Any) -> None:
    wid = rakhimov_watch(world, birth_date="1985")
    alerts.match_new(world.db)  # the dispatcher's first round: nothing new yet
    found = person(
        world, "kz-mvd.officer", surname="Рахимов", given_name="Джамшед", birth_date="1985-03-07"
    )
    person(world, "kz-mvd.officer", surname="Иванов", given_name="Иван", birth_date="1985")
    assert alerts.match_new(world.db) == 1
    [note] = notes(world)
    assert note.kind == "alert" and note.watch_id == wid
    assert "Рахимов Джамшед" in note.title  # an H1 record: the watcher may read it
    assert note.link == f"/persons/{found}"
    assert note.payload["visible"] is True and note.payload["record_id"] == str(found)
    [hit] = hits(world, wid)
    assert (hit.record_kind, hit.record_id) == ("person", found)
    # Re-running (another round, another process re-reading the overlap) files nothing.
    assert alerts.match_new(world.db) == 0
    alerts.reset_cache()
    assert alerts.match_new(world.db) == 0
    assert len(notes(world)) == 1 and len(hits(world, wid)) == 1
    with world.db.session() as session:
        w = session.get(Watch, wid)
        assert w is not None and w.match_count == 1 and w.last_match_at is not None


def test_birth_date_conflict_and_other_names_do_not_alert(world: Any) -> None:
    wid = rakhimov_watch(world, birth_date="1985-03-07")
    alerts.match_new(world.db)
    person(world, "kz-mvd.officer", surname="Рахимов", given_name="Джамшед", birth_date="1962")
    person(world, "kz-mvd.officer", surname="Рахимов", given_name="Алишер", birth_date="1985")
    person(world, "kz-mvd.officer", surname="Каримов", given_name="Джамшед")
    assert alerts.match_new(world.db) == 0
    assert notes(world) == [] and hits(world, wid) == []


def test_restricted_match_is_a_notice_and_the_owner_hears_of_it(world: Any) -> None:
    wid = rakhimov_watch(world)
    alerts.match_new(world.db)
    hidden = person(
        world,
        "kz-mvd.officer",
        surname="Рахимов",
        given_name="Джамшед",
        patronymic="Каримович",
        birth_date="1985-03-07",
        handling_code="H3",
        phone="+7 701 555 12 34",
        source_id="KZ-P-77",
    )
    assert alerts.match_new(world.db) == 1
    [note] = notes(world)
    said = everything(note)
    for secret in ("Рахимов", "Каримович", "1985", "+77015551234", str(hidden)):
        assert secret not in said
    assert "a person record of KZ-MVD (H3) matched your watch" in note.title
    assert "liaison@kz-mvd.example" in note.title
    assert note.link == "/rfis/new?to=KZ-MVD&kind=person&reference=KZ-P-77"
    assert note.payload["visible"] is False and note.payload["reference"] == "KZ-P-77"
    # The owner's hit inbox, as for a check's hit notice.
    with world.db.session() as session:
        [told] = session.scalars(select(HitNotification)).all()
        assert told.record_id == hidden and told.asker_user_id == world.users[WATCHER].id
        assert "watch person" in told.matched
        owner = hit_inbox.inbox(session, world.principal("kz-mvd.analyst"))
        assert [n.id for n in owner] == [told.id]
    # The watch's matches show the notice, not the record.
    with world.db.session() as session:
        [view] = alerts.watch_hits(session, world.principal(WATCHER), wid)
        assert not view.visible and view.notice is not None
        assert view.url == "/rfis/new?to=KZ-MVD&kind=person&reference=KZ-P-77"
        # The owner agency's own user would see the record (but it is not their watch).
        with pytest.raises(NotFound):
            alerts.watch_hits(session, world.principal("kz-mvd.officer"), wid)


def test_phone_document_watches_via_the_importer(world: Any, settings: Any) -> None:
    phone = watch(
        world,
        {"kind": "selector", "selector_kind": "phone", "criteria": {"phone": "+7 (701) 123-45-67"}},
    )
    doc = watch(
        world,
        {"kind": "selector", "selector_kind": "document", "criteria": {"document": "N 1234567"}},
    )
    alerts.match_new(world.db)
    csv = (
        "source_id,surname,given_name,birth_date,document_number,phone,handling_code\n"
        "P1,Иванов,Иван,1985,N1234567,87011234567,H1\n"
        "P2,Петров,Пётр,1980,X9999999,+77019999999,H1\n"
    )
    with world.db.session() as session:
        import_file(
            session,
            world.principal("kz-mvd.officer"),
            "persons",
            io.BytesIO(csv.encode()),
            fmt="csv",
        )
    assert Dispatcher(world.db, settings).run_once().alerts == 2
    [p] = hits(world, phone)
    [d] = hits(world, doc)
    assert p.record_id == d.record_id  # both find the person who holds them
    titles = [n.title for n in notes(world)]
    assert len(titles) == 2 and all("Иванов Иван" in t for t in titles)
    assert "phone number matched" in " ".join(n.body for n in notes(world))


def test_plate_and_seizure_query_watches(world: Any) -> None:
    plate = watch(
        world, {"kind": "selector", "selector_kind": "plate", "criteria": {"plate": "777 АВD 02"}}
    )
    query = watch(
        world, {"kind": "query", "criteria": {"drug_code": "heroin", "country": "KG", "min_kg": 10}}
    )
    alerts.match_new(world.db)
    big = seizure(
        world,
        "kg-mvd.officer",
        drug="heroin",
        quantity="12.5",
        country="KG",
        vehicle_plates="777ABD02",
        source_id="KG-S-1",
    )
    seizure(world, "kg-mvd.officer", drug="heroin", quantity="5", country="KG")
    seizure(world, "kz-mvd.officer", drug="heroin", quantity="50", country="KZ")
    seizure(world, "kg-mvd.officer", drug="cocaine", quantity="50", country="KG")
    assert alerts.match_new(world.db) == 2
    assert [h.record_id for h in hits(world, plate)] == [big]
    assert [h.record_id for h in hits(world, query)] == [big]
    said = next(n for n in notes(world) if n.watch_id == query)
    assert "heroin, at least 10 kg, in KG" in said.body
    assert said.link == f"/seizures/{big}"


def test_company_watch_via_the_importer(world: Any) -> None:
    wid = watch(
        world,
        {
            "kind": "selector",
            "selector_kind": "company",
            "criteria": {"name": "Vostok Tranzit LLP"},
        },
    )
    alerts.match_new(world.db)
    csv = "source_id,name,handling_code\nO1,ТОО «Восток Транзит»,H1\nO2,ООО Запад,H1\n"
    with world.db.session() as session:
        import_file(
            session,
            world.principal("kz-mvd.officer"),
            "organisations",
            io.BytesIO(csv.encode()),
            fmt="csv",
        )
    assert alerts.match_new(world.db) == 1
    [hit] = hits(world, wid)
    assert hit.record_kind == "organisation"
    [note] = notes(world)
    assert "Восток Транзит" in note.title and note.link == f"/watches/{wid}"


def test_profile_watch_new_link_and_new_member(world: Any) -> None:
    member = person(world, "kg-mvd.officer", surname="Рахимов", given_name="Джамшед")
    other = person(world, "kz-mvd.officer", surname="Rakhimov", given_name="Dzhamshed")
    with world.db.session() as session:  # as a resolution run would leave it
        profile = Profile(size=1)
        session.add(profile)
        session.flush()
        session.add(ProfileMember(person_id=member, profile_id=profile.id))
        pid = profile.id
    wid = watch(world, {"kind": "profile", "profile_id": str(pid)})
    alerts.match_new(world.db)
    linked = seizure(
        world, "kg-mvd.officer", drug="heroin", quantity="1", country="KG", person_ids=[str(member)]
    )
    seizure(world, "kg-mvd.officer", drug="heroin", quantity="1", country="KG")
    assert alerts.match_new(world.db) == 1
    assert [(h.record_kind, h.record_id) for h in hits(world, wid)] == [("seizure", linked)]
    # A later run puts another record into the profile.
    with world.db.session() as session:
        session.add(ProfileMember(person_id=other, profile_id=pid, how="auto"))
        session.add(ResolutionRun(mode="incremental", engine="duckdb", status="done"))
    assert alerts.match_new(world.db) == 1
    assert {h.record_id for h in hits(world, wid)} == {linked, other}
    assert alerts.match_new(world.db) == 0
    with world.db.session() as session:
        state = session.get(DispatcherState, 1)
        assert state is not None and state.runs_seen == 1


def test_profile_watch_needs_a_visible_member(world: Any) -> None:
    hidden = person(world, "kz-mvd.officer", surname="Рахимов", handling_code="H3")
    with world.db.session() as session:
        profile = Profile(size=1)
        session.add(profile)
        session.flush()
        session.add(ProfileMember(person_id=hidden, profile_id=profile.id))
        pid = profile.id
    with pytest.raises(NotFound):
        watch(world, {"kind": "profile", "profile_id": str(pid)})
    with pytest.raises(NotFound):
        watch(world, {"kind": "profile", "profile_id": str(uuid.uuid4())})
    assert watch(world, {"kind": "profile", "profile_id": str(pid)}, user="kz-mvd.officer")


def test_inactive_watch_does_not_match(world: Any) -> None:
    wid = rakhimov_watch(world)
    with world.db.session() as session:
        alerts.update_watch(session, world.principal(WATCHER), wid, {"active": False})
    alerts.match_new(world.db)
    person(world, "kz-mvd.officer", surname="Рахимов", given_name="Джамшед")
    assert alerts.match_new(world.db) == 0
    assert hits(world, wid) == []
    # Active again: only what comes afterwards.
    with world.db.session() as session:
        alerts.update_watch(session, world.principal(WATCHER), wid, {"active": True})
    person(world, "kz-mvd.officer", surname="Rahimov", given_name="Jamshid")
    assert alerts.match_new(world.db) == 1


def test_late_commit_with_a_lower_feed_id_is_matched(world: Any) -> None:
    wid = rakhimov_watch(world)
    alerts.match_new(world.db)
    person(world, "kz-mvd.officer", surname="Петров", given_name="Пётр")
    with world.db.session() as session:
        top = session.scalar(select(func.max(ChangeFeed.id)))
        session.execute(update(ChangeFeed).where(ChangeFeed.id == top).values(id=top + 5))
    alerts.match_new(world.db)  # matched up to top + 5
    with world.db.session() as session:
        before = set(session.scalars(select(ChangeFeed.id)))
    late = person(world, "kz-mvd.officer", surname="Рахимов", given_name="Джамшед")
    with world.db.session() as session:
        [new] = set(session.scalars(select(ChangeFeed.id))) - before
        # This write took its feed id before the one already matched, and committed later.
        session.execute(update(ChangeFeed).where(ChangeFeed.id == new).values(id=top + 2))
    assert alerts.match_new(world.db) == 1
    assert [h.record_id for h in hits(world, wid)] == [late]


def test_many_matches_in_one_round_are_summed_up(world: Any) -> None:
    wid = watch(world, {"kind": "query", "criteria": {"drug_group": "opiates"}})
    alerts.match_new(world.db)
    for n in range(NOTIFY_PER_ROUND + 3):
        seizure(world, "kg-mvd.officer", drug="heroin", quantity=str(n + 1), country="KG")
    assert alerts.match_new(world.db) == NOTIFY_PER_ROUND + 3
    said = notes(world)
    assert len(said) == NOTIFY_PER_ROUND + 1
    assert said[-1].payload == {"watch": wid, "more": 3}


# --------------------------------------------------------------------------- the service


def test_watches_are_personal(world: Any) -> None:
    wid = rakhimov_watch(world)
    other = world.principal("kg-mvd.supervisor")  # same agency, another user
    with world.db.session() as session:
        assert alerts.list_watches(session, other) == []
        for call in (
            lambda: alerts.get_watch(session, other, wid),
            lambda: alerts.update_watch(session, other, wid, {"active": False}),
            lambda: alerts.delete_watch(session, other, wid),
            lambda: alerts.watch_hits(session, other, wid),
        ):
            with pytest.raises(NotFound):
                call()
        assert [w.id for w in alerts.list_watches(session, world.principal(WATCHER))] == [wid]


def test_create_update_delete_are_audited(world: Any) -> None:
    me = world.principal(WATCHER)
    with world.db.session() as session:
        w = alerts.create_watch(
            session,
            me,
            {
                "kind": "selector",
                "selector_kind": "phone",
                "criteria": {"phone": "+996 555 123 456"},
                "webhook_url": "https://hooks.example/x",
            },
        )
        assert w.criteria == {"phone": "+996555123456"} and w.label == "+996555123456"
        assert w.webhook_secret is not None and len(w.webhook_secret) == 64
        secret = w.webhook_secret
        alerts.update_watch(session, me, w.id, {"delivery": "digest", "email": True})
        assert w.webhook_secret == secret
        alerts.update_watch(session, me, w.id, {"webhook_url": ""})
        assert w.webhook_url is None and w.webhook_secret is None
        alerts.delete_watch(session, me, w.id)
        actions = list(
            session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.action.like("watch.%"))
                .order_by(AuditEvent.seq)
            )
        )
        assert actions == ["watch.create", "watch.update", "watch.update", "watch.delete"]
        assert session.scalar(select(func.count()).select_from(Watch)) == 0
        assert "secret" not in str(
            session.scalars(
                select(AuditEvent.after).where(AuditEvent.action == "watch.create")
            ).first()
        )


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"kind": "nonsense"}, "kind"),
        ({"kind": "selector", "selector_kind": "ship", "criteria": {"name": "x"}}, "selector_kind"),
        ({"kind": "selector", "selector_kind": "person", "criteria": {}}, "criteria.surname"),
        (
            {"kind": "selector", "selector_kind": "person", "criteria": {"surname": "123"}},
            "criteria.surname",
        ),
        (
            {"kind": "selector", "selector_kind": "phone", "criteria": {"phone": "12"}},
            "criteria.phone",
        ),
        ({"kind": "selector", "selector_kind": "phone", "criteria": {}}, "criteria.phone"),
        ({"kind": "selector", "selector_kind": "person", "criteria": "Rakhimov"}, "criteria"),
        ({"kind": "query", "criteria": {}}, "criteria"),
        ({"kind": "query", "criteria": {"min_kg": 0}}, "criteria.min_kg"),
        ({"kind": "query", "criteria": {"min_kg": "-3"}}, "criteria.min_kg"),
        ({"kind": "query", "criteria": {"min_kg": "lots"}}, "criteria.min_kg"),
        ({"kind": "query", "criteria": {"drug_code": "moonbeam"}}, "criteria.drug_code"),
        ({"kind": "query", "criteria": {"drug_group": "snacks"}}, "criteria.drug_group"),
        (
            {"kind": "query", "criteria": {"drug_code": "heroin", "drug_group": "cocaine"}},
            "criteria.drug_group",
        ),
        ({"kind": "query", "criteria": {"country": "Atlantis"}}, "criteria.country"),
        ({"kind": "query", "criteria": {"transport_mode": "teleport"}}, "criteria.transport_mode"),
        ({"kind": "profile"}, "profile_id"),
        ({"kind": "profile", "profile_id": "not-an-id"}, "profile_id"),
        (
            {"kind": "query", "criteria": {"country": "KG"}, "webhook_url": "ftp://x.example/"},
            "webhook_url",
        ),
        (
            {"kind": "query", "criteria": {"country": "KG"}, "webhook_url": "https://"},
            "webhook_url",
        ),
        ({"kind": "query", "criteria": {"country": "KG"}, "delivery": "weekly"}, "delivery"),
        ({"kind": "query", "criteria": {"country": "KG"}, "email": "perhaps"}, "email"),
        ({"kind": "query", "criteria": {"country": "KG"}, "label": "x" * 201}, "label"),
    ],
)
def test_bad_input_names_the_field(world: Any, raw: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidData) as info:
        watch(world, raw)
    assert field in [e.field for e in info.value.errors]
    with world.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Watch)) == 0


def test_bad_changes_name_the_field(world: Any) -> None:
    wid = rakhimov_watch(world)
    me = world.principal(WATCHER)
    for changes, field in (
        ({"criteria": {"surname": "X"}}, "criteria"),
        ({"webhook_url": "javascript:alert(1)"}, "webhook_url"),
        ({"active": "maybe"}, "active"),
        ({}, "body"),
    ):
        with world.db.session() as session, pytest.raises(InvalidData) as info:
            alerts.update_watch(session, me, wid, changes)
        assert [e.field for e in info.value.errors] == [field]


def test_query_criteria_are_cleaned(world: Any) -> None:
    wid = watch(
        world,
        {
            "kind": "query",
            "criteria": {
                "drug": "героин",
                "country": "Кыргызстан",
                "min_kg": "10,5",
                "transport_mode": "road",
            },
        },
    )
    with world.db.session() as session:
        w = session.get(Watch, wid)
        assert w is not None
        assert w.criteria == {
            "drug_code": "heroin",
            "drug_group": "opiates",
            "country": "KG",
            "min_kg": 10.5,
            "transport_mode": "road",
        }
        assert w.label == "heroin, at least 10.5 kg, in KG, by road"


def test_role_without_watch_manage_is_refused(world: Any, monkeypatch: Any) -> None:
    from caravan.access import permissions

    monkeypatch.setitem(permissions.ROLE_MATRIX, "watch.manage", frozenset({"analyst"}))
    with world.db.session() as session, pytest.raises(PermissionDenied):
        alerts.list_watches(session, world.principal(WATCHER))


def test_emptied_store_starts_again(world: Any) -> None:
    rakhimov_watch(world)
    alerts.match_new(world.db)
    with world.db.session() as session:
        state = session.get(DispatcherState, 1)
        assert state is not None
        session.execute(text("UPDATE dispatcher_state SET feed_id = feed_id + 1000"))
    assert alerts.match_new(world.db) == 0
    with world.db.session() as session:
        top = session.scalar(select(func.max(ChangeFeed.id))) or 0
        assert session.scalar(select(DispatcherState.feed_id)) == top
