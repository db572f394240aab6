"""What every CLI command shares: settings, the database, the acting user, error exits."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from caravan import audit
from caravan.access import Principal
from caravan.accounts.service import get_user
from caravan.config import get_settings
from caravan.errors import CaravanError, InvalidData
from caravan.store import Database

console = Console()
err_console = Console(stderr=True)

#: Exit codes: 1 for invalid input (with a report), 2 for usage, 3 for permission, 4 not found.
EXIT_CODES = {"invalid_data": 1, "permission_denied": 3, "not_found": 4, "conflict": 5}


@cache
def database() -> Database:
    return Database(get_settings().database_url)


@contextmanager
def session_scope() -> Iterator[Session]:
    audit.new_request_id("cli")
    with database().session() as session:
        yield session


def principal_for(session: Session, username: str) -> Principal:
    return Principal.from_user(get_user(session, username))


def fail(exc: CaravanError, *, as_json: bool = False) -> None:
    """Print an error the way a person (or a script, with ``--json``) wants it, then exit."""
    if as_json:
        typer.echo(json.dumps(exc.to_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        err_console.print(f"[bold red]Error:[/] {exc.message}", highlight=False)
        if isinstance(exc, InvalidData):
            for error in exc.errors:
                err_console.print(f"  - {error}", highlight=False)
    raise typer.Exit(EXIT_CODES.get(exc.code, 1))
