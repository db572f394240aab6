"""Shared fixtures: a real database per backend, agencies, users, principals.

Every test that takes ``db`` runs once on SQLite and, when
``CARAVAN_TEST_DATABASE_URL`` points at PostgreSQL, once more there. The schema
is built by the real Alembic migrations; tables are emptied after each test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text

from caravan.access import Principal
from caravan.accounts.passwords import hash_password
from caravan.config import Settings
from caravan.match.checks import reset_index
from caravan.store import Database
from caravan.store.guards import create_audit_guards, drop_audit_guards
from caravan.store.models import Agency, Base, User

PG_URL = os.environ.get("CARAVAN_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
TEST_PASSWORD = "correct-horse-battery"
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"
ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture(scope="session")
def password_hash() -> str:
    return hash_password(TEST_PASSWORD)


@pytest.fixture(scope="session", params=BACKENDS)
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'caravan.db'}"
    else:
        assert PG_URL
        url = PG_URL
    database = Database(url)
    if request.param == "postgresql":
        with database.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    database.upgrade()
    yield database
    database.dispose()


def _empty(database: Database) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with database.engine.begin() as conn:
        drop_audit_guards(conn)
        if database.is_sqlite:
            conn.execute(text("PRAGMA defer_foreign_keys=ON"))
            for name in tables:
                conn.execute(text(f'DELETE FROM "{name}"'))  # noqa: S608 - our own table names
        else:
            conn.execute(text("TRUNCATE " + ", ".join(f'"{n}"' for n in tables) + " CASCADE"))
        create_audit_guards(conn)


@pytest.fixture
def db(database: Database) -> Iterator[Database]:
    yield database
    _empty(database)
    reset_index()


@pytest.fixture
def settings(db: Database) -> Settings:
    return Settings(
        environment="test",
        database_url=db.url,
        secret_key=TEST_SECRET,
        cookie_secure=False,
    )


@dataclass
class World:
    """Three agencies (the centre and two member agencies) with one user per role each."""

    db: Database
    agencies: dict[str, Agency]
    users: dict[str, User]

    def principal(self, username: str) -> Principal:
        with self.db.session() as session:
            user = session.get(User, self.users[username].id)
            assert user is not None
            return Principal.from_user(user)


AGENCIES = [
    ("CARICC", "KZ", "Central Asian Regional Information Centre", "ЦАРИКЦ", "centre"),
    ("KZ-MVD", "KZ", "Ministry of Internal Affairs of Kazakhstan", "МВД Казахстана", "police"),
    ("KG-MVD", "KG", "Ministry of Internal Affairs of Kyrgyzstan", "МВД Кыргызстана", "police"),
]
ROLES = ("officer", "analyst", "supervisor", "administrator")


@pytest.fixture
def world(db: Database, password_hash: str) -> World:
    agencies: dict[str, Agency] = {}
    users: dict[str, User] = {}
    with db.session() as session:
        for code, country, en, ru, kind in AGENCIES:
            agency = Agency(
                code=code,
                country=country,
                name_en=en,
                name_ru=ru,
                type=kind,
                contact=f"liaison@{code.lower()}.example",
            )
            session.add(agency)
            session.flush()
            agencies[code] = agency
            for role in ROLES:
                name = f"{code.lower()}.{role}"
                user = User(
                    username=name,
                    agency_id=agency.id,
                    role=role,
                    password_hash=password_hash,
                    display_name=name,
                )
                session.add(user)
                session.flush()
                users[name] = user
    return World(db, agencies, users)
