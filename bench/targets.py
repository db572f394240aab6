"""Fresh databases to import into: an SQLite file, a PostgreSQL database (dropped and created).

Both get the real schema (Alembic ``upgrade``) and the demo agencies and users
(:func:`caravan.collect.demo.ensure_accounts`).
"""

from __future__ import annotations

from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from caravan.access import Principal
from caravan.accounts import service as accounts
from caravan.collect.demo import CENTRE_ADMIN, ensure_accounts
from caravan.store import Database

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def fresh_sqlite(path: Path) -> Database:
    """An empty SQLite file database at ``path`` (any old file and its WAL removed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return prepared(Database(f"sqlite:///{path}"))


def pg_conninfo(base_url: str, dbname: str) -> str:
    """A libpq URL for ``dbname`` on the server of ``base_url``."""
    url = make_url(base_url).set(drivername="postgresql", database=dbname)
    return url.render_as_string(hide_password=False)


def recreate_pg_database(base_url: str, dbname: str) -> str:
    """Drop and create ``dbname``; return its URL. Raises ``psycopg.Error`` if unreachable."""
    with psycopg.connect(pg_conninfo(base_url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{dbname}"')
    return pg_conninfo(base_url, dbname)


def pg_server_version(base_url: str) -> str:
    try:
        with psycopg.connect(pg_conninfo(base_url, "postgres"), connect_timeout=5) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            return str(row[0]) if row else "?"
    except psycopg.Error as exc:
        return f"unreachable ({type(exc).__name__})"


def fresh_pg(base_url: str, dbname: str) -> Database:
    return prepared(Database(recreate_pg_database(base_url, dbname)))


def prepared(db: Database) -> Database:
    """Schema plus demo agencies and users."""
    db.upgrade()
    with db.session() as session:
        ensure_accounts(session)
    return db


def principal(db: Database, username: str = CENTRE_ADMIN) -> Principal:
    with db.session() as session:
        return Principal.from_user(accounts.get_user(session, username))
