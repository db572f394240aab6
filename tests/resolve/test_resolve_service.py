"""Resolution through the service: cross-script profiles, bands, bad input, decisions that
later runs obey, incremental runs, stable profile ids, all-or-nothing writes, export."""

from __future__ import annotations

import csv
import io
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from caravan.collect import records
from caravan.errors import Conflict, InvalidData, NotFound
from caravan.resolve import review, service
from caravan.resolve.profiles import export_profiles, profile_id_of, profile_view
from caravan.resolve.service import RunOptions
from caravan.store.models import (
    AuditEvent,
    Profile,
    ProfileMember,
    ResolutionDecision,
    ResolutionPair,
    ResolutionRun,
)

#: One man as four agencies filed him: Tajik Cyrillic, Russian, passport Latin, Uzbek Latin.
RAKHIMOV = [
    ("kz-mvd", {"surname": "Рахимов", "given_name": "Джамшед", "patronymic": "Каримович",
                "birth_date": "1985-03-07", "nationality": "TJ"}),
    ("kg-mvd", {"surname": "RAKHIMOV", "given_name": "DZHAMSHED", "birth_date": "07.03.1985",
                "nationality": "TJ", "document_number": "N 1234567"}),
    ("kz-mvd", {"surname": "Раҳимзода", "given_name": "Ҷамшед", "birth_date": "1985-03-07",
                "document_number": "N1234567"}),
    ("kg-mvd", {"surname": "Raximov", "given_name": "Jamshid", "birth_date": "1985",
                "phone": "+992 93 123 4567", "nationality": "TJ"}),
]  # fmt: skip


def person(world: Any, username: str, values: dict[str, Any]) -> uuid.UUID:
    values = {"handling_code": "H1", **values}
    with world.db.session() as session:
        return records.create_record(session, world.principal(username), "persons", values).id


def run(world: Any, tmp_path: Path, *, full: bool = False) -> ResolutionRun:
    return service.resolve(world.db, full=full, options=RunOptions(state_dir=tmp_path))


def profile_of(world: Any, person_id: uuid.UUID) -> uuid.UUID:
    with world.db.session() as session:
        pid = session.scalar(
            select(ProfileMember.profile_id).where(ProfileMember.person_id == person_id)
        )
    assert pid is not None
    return pid


def file_rakhimov(world: Any) -> list[uuid.UUID]:
    return [person(world, f"{agency}.officer", values) for agency, values in RAKHIMOV]


def test_one_man_in_four_renderings_becomes_one_profile(world: Any, tmp_path: Path) -> None:
    ids = file_rakhimov(world)
    namesake = person(
        world,
        "kz-mvd.officer",
        {"surname": "Рахимов", "given_name": "Фаррух", "birth_date": "1991-11-02"},
    )
    done = run(world, tmp_path)
    assert done.status == "done" and done.mode == "full"
    assert done.records == 5
    assert len({profile_of(world, i) for i in ids}) == 1
    assert profile_of(world, namesake) != profile_of(world, ids[0])
    with world.db.session() as session:
        # Every record has a profile; the namesake's is its own.
        assert session.scalar(select(func.count()).select_from(ProfileMember)) == 5
        assert (
            session.scalar(select(Profile.size).where(Profile.id == profile_of(world, namesake)))
            == 1
        )
        linked = session.scalars(
            select(ResolutionPair).where(ResolutionPair.status == "linked")
        ).all()
    assert linked, "auto-links are kept to explain the profile"
    steps = linked[0].detail["steps"]
    assert steps[0]["comparison"] == "prior"
    assert sum(s["weight"] for s in steps) == pytest.approx(
        linked[0].detail["match_weight"], abs=0.01
    )
    assert {s["comparison"] for s in steps} >= {"name", "birth", "documents"}


def test_same_passport_different_people_goes_to_review_never_merged(
    world: Any, tmp_path: Path
) -> None:
    a = person(
        world,
        "kz-mvd.officer",
        {
            "surname": "Садыков",
            "given_name": "Ерлан",
            "birth_date": "1970-01-01",
            "document_number": "N 7777777",
        },
    )
    b = person(world, "kg-mvd.officer", {"surname": "Петренко", "given_name": "Ольга",
                                         "document_number": "N7777777"})  # fmt: skip
    run(world, tmp_path)
    assert profile_of(world, a) != profile_of(world, b)
    with world.db.session() as session:
        pair = session.scalars(select(ResolutionPair)).one()
    assert pair.status == "pending" and pair.band == "review"
    assert pair.flags == ["conflicting_identifiers"]


def test_records_without_a_usable_name_or_with_only_a_birth_year(
    world: Any, tmp_path: Path
) -> None:
    nameless = person(world, "kz-mvd.officer", {"surname": "—", "birth_date": "1985"})
    year_only = person(world, "kz-mvd.officer", {"surname": "Рахимов", "birth_date": "1985"})
    other_year_only = person(world, "kg-mvd.officer", {"surname": "Rakhimov", "birth_date": "1985"})
    done = run(world, tmp_path)
    assert done.status == "done"
    # A surname and a year prove nothing: three profiles, nothing auto-linked.
    assert len({profile_of(world, i) for i in (nameless, year_only, other_year_only)}) == 3


def test_decisions_are_obeyed_by_later_runs(world: Any, tmp_path: Path) -> None:
    ids = file_rakhimov(world)
    run(world, tmp_path)
    pid = profile_of(world, ids[0])
    analyst = world.principal("kz-mvd.analyst")
    with world.db.session() as session:
        new_pid = review.move_out(session, pid, ids[3], analyst, reason="Different man, same name")
    assert profile_of(world, ids[3]) == new_pid != pid
    for full in (True, False):
        run(world, tmp_path, full=full)
        assert profile_of(world, ids[3]) != profile_of(world, ids[0])
        assert len({profile_of(world, i) for i in ids[:3]}) == 1
    with world.db.session() as session:
        decisions = session.scalars(select(ResolutionDecision)).all()
        actions = set(session.scalars(select(AuditEvent.action)))
    assert {d.kind for d in decisions} == {"cannot"} and len(decisions) == 3
    assert "resolve.move" in actions


def test_confirming_a_review_pair_merges_and_sticks(world: Any, tmp_path: Path) -> None:
    # The same name, with no birth date on one side: review, not auto-link.
    a = person(
        world,
        "kz-mvd.officer",
        {"surname": "Токтогулов", "given_name": "Мирлан", "birth_date": "1985-03-15"},
    )
    b = person(world, "kg-mvd.officer", {"surname": "TOKTOGULOV", "given_name": "MIRLAN"})
    service.resolve(
        world.db,
        options=RunOptions(
            state_dir=tmp_path, thresholds=service.Thresholds(auto=0.95, review=0.1)
        ),
    )
    assert profile_of(world, a) != profile_of(world, b)
    analyst = world.principal("kz-mvd.analyst")
    with world.db.session() as session:
        queue, total = review.review_queue(session, analyst)
        assert total == 1
        with pytest.raises(InvalidData) as err:
            review.decide(session, queue[0].pair.id, analyst, confirm=True, reason="  ")
        assert err.value.errors[0].field == "reason"
    with world.db.session() as session:
        review.decide(
            session, queue[0].pair.id, analyst, confirm=True, reason="Same phone, same man"
        )
    assert profile_of(world, a) == profile_of(world, b)
    with world.db.session() as session, pytest.raises(Conflict):
        review.decide(session, queue[0].pair.id, analyst, confirm=False, reason="changed my mind")
    service.resolve(
        world.db,
        full=True,
        options=RunOptions(
            state_dir=tmp_path, thresholds=service.Thresholds(auto=0.95, review=0.1)
        ),
    )
    assert profile_of(world, a) == profile_of(world, b)
    officer = world.principal("kz-mvd.officer")
    with world.db.session() as session, pytest.raises(Exception, match="may not"):
        review.review_queue(session, officer)


def test_incremental_run_links_new_records_to_existing_profiles(world: Any, tmp_path: Path) -> None:
    ids = file_rakhimov(world)
    first = run(world, tmp_path)
    pid = profile_of(world, ids[0])
    late = person(
        world,
        "kg-mvd.officer",
        {
            "surname": "Рахимов",
            "given_name": "Джамшед",
            "birth_date": "1985-03-07",
            "document_number": "N 1234567",
        },
    )
    stranger = person(world, "kg-mvd.officer", {"surname": "Ким", "given_name": "Виктор",
                                                "birth_date": "1960-05-05"})  # fmt: skip
    second = run(world, tmp_path)
    assert second.mode == "incremental" and second.records == 2
    assert second.feed_max > first.feed_max
    assert profile_of(world, late) == pid
    assert profile_of(world, stranger) != pid
    with world.db.session() as session:
        assert session.get(Profile, pid).size == 5  # type: ignore[union-attr]
    # Nothing new: nothing to do.
    third = run(world, tmp_path)
    assert third.records == 0
    # A full re-run keeps the profile's id.
    run(world, tmp_path, full=True)
    assert profile_of(world, ids[0]) == pid


def test_incremental_without_the_feature_cache_reads_the_store(world: Any, tmp_path: Path) -> None:
    ids = file_rakhimov(world)
    run(world, tmp_path)
    (tmp_path / "features.parquet").unlink()
    late = person(
        world,
        "kg-mvd.officer",
        {
            "surname": "RAKHIMOV",
            "given_name": "JAMSHED",
            "birth_date": "1985-03-07",
            "document_number": "N1234567",
        },
    )
    assert run(world, tmp_path).mode == "incremental"
    assert profile_of(world, late) == profile_of(world, ids[0])


def test_a_run_that_fails_half_way_leaves_profiles_as_they_were(
    world: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = file_rakhimov(world)
    run(world, tmp_path)
    with world.db.session() as session:
        before = sorted(session.execute(select(ProfileMember.person_id, ProfileMember.profile_id)))
        pairs_before = session.scalar(select(func.count()).select_from(ResolutionPair))
    person(world, "kg-mvd.officer", {"surname": "Ким", "given_name": "Виктор"})

    def broken(*args: Any, **kwargs: Any) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(service, "_insert_pairs", broken)
    with pytest.raises(RuntimeError):
        run(world, tmp_path, full=True)
    with world.db.session() as session:
        after = sorted(session.execute(select(ProfileMember.person_id, ProfileMember.profile_id)))
        assert after == before
        assert session.scalar(select(func.count()).select_from(ResolutionPair)) == pairs_before
        failed = session.scalars(
            select(ResolutionRun).order_by(ResolutionRun.started_at.desc())
        ).first()
    assert failed is not None and failed.status == "error" and "disk full" in (failed.message or "")
    assert len(ids) == 4


def test_only_one_run_at_a_time_and_interrupted_runs_are_closed(world: Any, tmp_path: Path) -> None:
    run_id = service.start_run(world.db, "full", "duckdb")
    with pytest.raises(Conflict):
        service.start_run(world.db, "full", "duckdb")
    assert service.recover_interrupted_runs(world.db) == 1
    with world.db.session() as session:
        assert session.get(ResolutionRun, run_id).status == "interrupted"  # type: ignore[union-attr]
    officer = world.principal("kz-mvd.officer")
    with pytest.raises(Exception, match="may not"):
        service.start_run(world.db, "full", "duckdb", officer)


def test_a_profile_shows_restricted_members_only_as_notices(world: Any, tmp_path: Path) -> None:
    open_id = person(
        world,
        "kz-mvd.officer",
        {"surname": "Рахимов", "given_name": "Джамшед", "birth_date": "1985-03-07",
         "document_number": "N 1234567"},
    )  # fmt: skip
    secret_id = person(
        world,
        "kg-mvd.officer",
        {"surname": "RAKHIMOV", "given_name": "DZHAMSHED", "birth_date": "1985-03-07",
         "document_number": "N1234567", "notes": "ZZSECRET", "handling_code": "H3",
         "handling_note": "owner only"},
    )  # fmt: skip
    run(world, tmp_path)
    pid = profile_of(world, open_id)
    assert profile_of(world, secret_id) == pid
    kz = world.principal("kz-mvd.analyst")
    with world.db.session() as session:
        view = profile_view(session, pid, kz)
        assert [r.person.id for r in view.records] == [open_id]
        assert [n.owner_code for n in view.notices] == ["KG-MVD"]
        assert all("RAKHIMOV" not in s.value for s in view.names)
        assert profile_id_of(session, secret_id, kz) is None
        out = io.StringIO()
        export_profiles(session, kz, out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows == [{"agency": "KZ-MVD", "source_id": str(open_id)[:8], "profile_id": str(pid)}]
    # A profile whose records are all hidden does not exist for the user.
    lonely = person(
        world,
        "kg-mvd.officer",
        {"surname": "Тайный", "handling_code": "H3", "handling_note": "owner only"},
    )
    run(world, tmp_path)
    with world.db.session() as session, pytest.raises(NotFound):
        profile_view(session, profile_of(world, lonely), kz)


def test_incremental_finds_records_the_feed_missed_and_forgets_deleted_ones(
    world: Any, tmp_path: Path
) -> None:
    ids = file_rakhimov(world)
    first = run(world, tmp_path)
    late = person(
        world,
        "kg-mvd.officer",
        {"surname": "Рахимов", "given_name": "Джамшед", "birth_date": "1985-03-07"},
    )
    with world.db.session() as session:
        # As if the late record's transaction had committed after the last run had read
        # the feed: its feed row is behind the run's mark.
        session.get(ResolutionRun, first.id).feed_max = 10**9  # type: ignore[union-attr]
    with world.db.session() as session:
        records.delete_record(session, world.principal("kz-mvd.supervisor"), "persons", ids[0])
    second = run(world, tmp_path)
    assert second.records == 1
    pid = profile_of(world, late)
    assert pid == profile_of(world, ids[1])
    with world.db.session() as session:
        assert session.get(Profile, pid).size == 4  # type: ignore[union-attr]


def test_a_dateless_record_does_not_chain_two_namesakes(world: Any, tmp_path: Path) -> None:
    name = {"surname": "Рахимов", "given_name": "Джамшед"}
    older = person(
        world, "kz-mvd.officer", {**name, "birth_date": "1985-03-07", "document_number": "N 111"}
    )
    younger = person(
        world, "kz-mvd.officer", {**name, "birth_date": "1991-11-02", "phone": "+992 93 555 0101"}
    )
    dateless = person(
        world,
        "kg-mvd.officer",
        {"surname": "RAKHIMOV", "given_name": "DZHAMSHED", "document_number": "N111",
         "phone": "+992935550101"},
    )  # fmt: skip
    run(world, tmp_path)
    assert profile_of(world, dateless) == profile_of(world, older)
    assert profile_of(world, younger) != profile_of(world, older)
    with world.db.session() as session:
        held = session.scalars(
            select(ResolutionPair).where(ResolutionPair.status == "pending")
        ).all()
    assert [(p.band, p.flags) for p in held] == [("review", ["held_back"])]
    assert {held[0].left_id, held[0].right_id} == {younger, dateless}


def test_incremental_reads_the_store_when_the_feature_cache_is_of_an_older_version(
    world: Any, tmp_path: Path
) -> None:
    import pyarrow.parquet as pq

    ids = file_rakhimov(world)
    run(world, tmp_path)
    cache = tmp_path / "features.parquet"
    old = pq.read_table(cache)
    # As an earlier version left it: without a column added since.
    pq.write_table(
        old.drop_columns(["document_edits"]).replace_schema_metadata(old.schema.metadata), cache
    )
    late = person(
        world,
        "kg-mvd.officer",
        {"surname": "RAKHIMOV", "given_name": "JAMSHED", "birth_date": "1985-03-07",
         "document_number": "N1234567"},
    )  # fmt: skip
    assert run(world, tmp_path).mode == "incremental"
    assert profile_of(world, late) == profile_of(world, ids[0])
