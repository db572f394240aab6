"""Person records the resolution UI tests file: pairs that link, pairs for review, a
document shared by two different names, and a restricted record full of markers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from caravan.collect import records
from caravan.resolve.service import RunOptions, resolve
from caravan.store.models import ProfileMember, ResolutionPair

#: (filing user, record) — KZ-MVD and KG-MVD hold the same people in other scripts.
PERSONS: dict[str, tuple[str, dict[str, Any]]] = {
    # One man in two agencies: same name (two scripts), birth date and passport → auto-link.
    "rakhimov-kz": (
        "kz-mvd.officer",
        {
            "source_id": "KZ-P-1",
            "surname": "Рахимов",
            "given_name": "Джамшед",
            "patronymic": "Каримович",
            "birth_date": "1985-03-07",
            "nationality": "TJ",
            "document_number": "N 1234567",
            "phone": "+992 93 123 4567",
            "handling_code": "H1",
        },
    ),
    "rakhimov-kg": (
        "kg-mvd.officer",
        {
            "source_id": "KG-P-1",
            "surname": "Rakhimov",
            "given_name": "Dzhamshed",
            "birth_date": "1985-03-07",
            "nationality": "TJ",
            "document_number": "N1234567",
            "handling_code": "H1",
        },
    ),
    # Same name and nationality, nothing else known: a pair for review.
    "nazarov-kz": (
        "kz-mvd.officer",
        {
            "source_id": "KZ-P-2",
            "surname": "Назаров",
            "given_name": "Фаррух",
            "birth_date": "1990",
            "nationality": "TJ",
            "handling_code": "H1",
        },
    ),
    "nazarov-kg": (
        "kg-mvd.officer",
        {
            "source_id": "KG-P-2",
            "surname": "Nazarov",
            "given_name": "Farrukh",
            "nationality": "TJ",
            "handling_code": "H0",
        },
    ),
    # One passport, two names, two birth dates: flagged, never merged automatically.
    "ivanov-kz": (
        "kz-mvd.officer",
        {
            "source_id": "KZ-P-3",
            "surname": "Иванов",
            "given_name": "Пётр",
            "birth_date": "1970-01-15",
            "nationality": "KZ",
            "document_number": "XY 7777777",
            "phone": "+7 701 555 0101",
            "handling_code": "H1",
        },
    ),
    "sidorov-kg": (
        "kg-mvd.officer",
        {
            "source_id": "KG-P-3",
            "surname": "Сидоров",
            "given_name": "Олег",
            "birth_date": "1982-06-30",
            "nationality": "KZ",
            "document_number": "XY7777777",
            "phone": "+7 701 555 0101",
            "handling_code": "H1",
        },
    ),
}

#: KG-MVD's restricted (H3) record of Rakhimov: what is its own carries a marker no
#: other agency may ever see; it still joins his profile (same name, birth date, passport).
SECRET = {
    "source_id": "KG-SECRET-REF",
    "surname": "Rakhimov",
    "given_name": "Jamshed",
    "patronymic": "Sekretovich",
    "name_as_written": "RAKHIMOV JAMSHED ZZASWRITTEN",
    "birth_date": "1985-03-07",
    "nationality": "TJ",
    "document_number": "N 1234567",
    "phone": "+996 700 918 273",
    "notes": "ZZNOTEMARKER informant meeting",
    "handling_code": "H3",
    "handling_note": "ZZHANDLINGMARKER do not disseminate",
}
LEAK_MARKERS = (
    "Sekretovich",
    "ZZASWRITTEN",
    "Jamshed",
    "700 918",
    "+996700918273",
    "ZZNOTEMARKER",
    "ZZHANDLINGMARKER",
)


def file_persons(world: Any, *, secret: bool = True) -> dict[str, Any]:
    """File :data:`PERSONS` (and :data:`SECRET`); returns name → person id."""
    ids: dict[str, Any] = {}
    with world.db.session() as session:
        for name, (username, values) in PERSONS.items():
            principal = world.principal(username)
            ids[name] = records.create_record(session, principal, "persons", values).id
        if secret:
            principal = world.principal("kg-mvd.officer")
            ids["secret"] = records.create_record(session, principal, "persons", SECRET).id
    return ids


def run_resolution(world: Any, tmp_path: Path) -> Any:
    return resolve(world.db, full=True, options=RunOptions(state_dir=tmp_path / "resolve"))


# --------------------------------------------------------------------------- the web


def pair_of(world: Any, a: Any, b: Any) -> ResolutionPair:
    """The scored pair of two records (either order)."""
    left, right = sorted((a, b))
    with world.db.session() as session:
        pair = session.scalar(
            select(ResolutionPair).where(
                ResolutionPair.left_id == left, ResolutionPair.right_id == right
            )
        )
        assert pair is not None, "the pair was not scored"
        session.expunge(pair)
        return pair


def profile_of(world: Any, person_id: Any) -> Any:
    with world.db.session() as session:
        return session.scalar(
            select(ProfileMember.profile_id).where(ProfileMember.person_id == person_id)
        )


def no_leak(text: str) -> None:
    for marker in LEAK_MARKERS:
        assert marker not in text, marker
