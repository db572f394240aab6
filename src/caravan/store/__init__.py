"""The relational store: SQLAlchemy models, sessions and Alembic migrations.

SQLite (embedded default) and PostgreSQL differences live here and nowhere else.
"""

from caravan.store.db import Database, make_engine

__all__ = ["Database", "make_engine"]
