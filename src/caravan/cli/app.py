"""``caravan``: the command line. Thin: it parses, calls the same services as the web, prints."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select

from caravan import audit
from caravan.accounts import service as accounts
from caravan.cli import context
from caravan.cli.context import console, fail, session_scope
from caravan.config import get_settings
from caravan.errors import CaravanError
from caravan.store import Database
from caravan.store.models import Agency, ApiToken, ResolutionRun, User

app = typer.Typer(
    name="caravan",
    help="Caravan: intelligence records, checks and exchange for drug-law-enforcement agencies.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
agencies_app = typer.Typer(help="Member agencies and the centre.", no_args_is_help=True)
users_app = typer.Typer(help="Users and their roles.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens for the JSON API.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(agencies_app, name="agencies")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(audit_app, name="audit")


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Create or migrate the schema to the latest revision (Alembic)."""
    context.database().upgrade(revision)
    console.print(f"Database at revision {revision}: {_safe_url()}")


def _safe_url() -> str:
    from sqlalchemy.engine import make_url

    return make_url(context.database().url).render_as_string(hide_password=True)


@agencies_app.command("create")
def agencies_create(
    code: str,
    country: Annotated[str, typer.Option(help="ISO 3166 code or name, e.g. KZ")],
    name_en: Annotated[str, typer.Option("--name-en")],
    name_ru: Annotated[str, typer.Option("--name-ru")],
    type_: Annotated[
        str,
        typer.Option(
            "--type", help="police, drug_control, customs, border, security_service, centre"
        ),
    ] = "police",
    contact: Annotated[
        str | None, typer.Option(help="Contact point others are told to ask")
    ] = None,
) -> None:
    """Create an agency (set-up; audited as done from the command line)."""
    try:
        with session_scope() as session:
            agency = accounts.create_agency(
                session,
                code=code,
                country=country,
                name_en=name_en,
                name_ru=name_ru,
                type=type_,
                contact=contact,
            )
            console.print(f"Created agency {agency.code} ({agency.country})")
    except CaravanError as exc:
        fail(exc)


@agencies_app.command("list")
def agencies_list() -> None:
    """List agencies."""
    with session_scope() as session:
        table = Table("code", "country", "type", "name (en)", "name (ru)")
        for agency in session.scalars(select(Agency).order_by(Agency.code)):
            table.add_row(agency.code, agency.country, agency.type, agency.name_en, agency.name_ru)
        console.print(table)


@users_app.command("create")
def users_create(
    name: str,
    agency: Annotated[str, typer.Option(help="Agency code, e.g. KZ-MVD")],
    role: Annotated[str, typer.Option(help="officer, analyst, supervisor or administrator")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input")
    ] = False,
    display_name: Annotated[str | None, typer.Option("--display-name")] = None,
    email: Annotated[
        str | None, typer.Option("--email", help="Where notifications are e-mailed")
    ] = None,
) -> None:
    """Create a user. The password is read from standard input, never from the command line."""
    if not password_stdin:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        with session_scope() as session:
            user = accounts.create_user(
                session,
                username=name,
                agency_code=agency,
                role=role,
                password=password,
                display_name=display_name,
                email=email,
            )
            console.print(f"Created user {user.username} ({user.role}, {agency.upper()})")
    except CaravanError as exc:
        fail(exc)


@users_app.command("set")
def users_set(
    name: str,
    role: Annotated[str | None, typer.Option(help="New role")] = None,
    active: Annotated[
        bool | None, typer.Option("--active/--inactive", help="Switch the account on or off")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read a new password from standard input")
    ] = False,
    email: Annotated[
        str | None,
        typer.Option("--email", help="Where notifications are e-mailed ('' removes it)"),
    ] = None,
) -> None:
    """Change a user's role, switch the account off (ends sessions, revokes tokens) or on,
    reset the password or set the e-mail address. Audited."""
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    try:
        with session_scope() as session:
            user = accounts.update_user(
                session, name, role=role, active=active, password=password, email=email
            )
            state = "active" if user.is_active else "inactive"
            console.print(f"{user.username}: {user.role}, {state}")
    except CaravanError as exc:
        fail(exc)


@users_app.command("list")
def users_list() -> None:
    """List users."""
    with session_scope() as session:
        table = Table("user", "agency", "role", "active", "last sign-in")
        for user in session.scalars(select(User).order_by(User.username)):
            table.add_row(
                user.username,
                user.agency.code,
                user.role,
                "yes" if user.is_active else "no",
                str(user.last_signin_at or ""),
            )
        console.print(table)


@tokens_app.command("create")
def tokens_create(
    name: Annotated[str, typer.Argument(help="The user the token acts as")],
    label: Annotated[str, typer.Option("--label", help="What the token is for")] = "cli",
) -> None:
    """Create an API token for a user. The token is printed once; only its hash is kept."""
    try:
        with session_scope() as session:
            user = accounts.get_user(session, name)
            secret, token = accounts.create_token(session, user, label)
        console.print(
            f"Token {token.id} for {user.username} ({label}). Keep it now; it is not shown again:"
        )
        typer.echo(secret)
    except CaravanError as exc:
        fail(exc)


@tokens_app.command("list")
def tokens_list(name: Annotated[str, typer.Argument(help="User name")]) -> None:
    """List a user's tokens (prefixes only)."""
    with session_scope() as session:
        user = accounts.get_user(session, name)
        table = Table("id", "label", "prefix", "created", "last used", "revoked")
        for token in session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)):
            table.add_row(
                str(token.id),
                token.name,
                token.prefix,
                str(token.created_at),
                str(token.last_used_at or ""),
                str(token.revoked_at or ""),
            )
        console.print(table)


@tokens_app.command("revoke")
def tokens_revoke(
    token_id: int, as_user: Annotated[str, typer.Option("--as", help="Acting user")]
) -> None:
    """Revoke a token."""
    from caravan.cli.context import principal_for

    try:
        with session_scope() as session:
            accounts.revoke_token(session, principal_for(session, as_user), token_id)
        console.print(f"Revoked token {token_id}")
    except CaravanError as exc:
        fail(exc)


@audit_app.command("verify")
def audit_verify() -> None:
    """Recompute the hash chain; name the first row altered or removed. Exits 1 if broken."""
    with session_scope() as session:
        result = audit.verify(session)
    if result.ok:
        console.print(f"Audit chain intact: {result.rows_checked} rows verified.")
        return
    console.print(
        f"[bold red]Audit chain BROKEN:[/] {result.problem} "
        f"({result.rows_checked} rows verified before it)."
    )
    raise typer.Exit(1)


@app.command("serve")
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
) -> None:
    """Start the web app (JSON API and UI)."""
    import uvicorn

    from caravan.collect.jobs import recover_interrupted
    from caravan.match.batch import recover_interrupted_batches
    from caravan.resolve.service import recover_interrupted_runs
    from caravan.web.uploads import UPLOAD_DIR

    settings = get_settings()
    interrupted = recover_interrupted(context.database(), UPLOAD_DIR)
    batches = recover_interrupted_batches(context.database())
    runs = recover_interrupted_runs(context.database())
    if interrupted or batches or runs:
        console.print(
            f"{interrupted} import(s), {batches} batch(es) of checks and {runs} resolution "
            "run(s) interrupted by the last stop marked as such."
        )
    console.print(f"Caravan on http://{host}:{port}  (API docs: http://{host}:{port}/api/docs)")
    uvicorn.run(
        "caravan.web.app:asgi_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info" if settings.environment != "test" else "warning",
        proxy_headers=True,
    )


def _progress_printer() -> object:
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,} rows"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )


@app.command("demo")
def demo(
    persons: int = 3000,
    seizures: int = 4000,
    reports: int = 400,
    seed: int = 2026,
    force: Annotated[
        bool, typer.Option(help="Re-import (updates in place, never duplicates)")
    ] = False,
) -> None:
    """Create the schema and load the demo region (agencies, users, persons, seizures, reports).

    Running it again adds nothing. Prints the demo users and their password.
    """
    from caravan.collect.demo import load_demo
    from caravan.collect.generator import DEMO_PASSWORD, demo_users

    db = context.database()
    db.upgrade()
    with _progress_printer() as bar:  # type: ignore[attr-defined]
        tasks: dict[str, object] = {}

        def progress(kind: str, p: object) -> None:
            if kind not in tasks:
                tasks[kind] = bar.add_task(f"importing {kind}", total=None)
            bar.update(tasks[kind], completed=p.rows_read)  # type: ignore[attr-defined]

        summary = load_demo(
            db,
            persons=persons,
            seizures=seizures,
            reports=reports,
            seed=seed,
            force=force,
            progress=progress,
        )
    if summary.skipped:
        console.print("Demo data already loaded; nothing added (use --force to re-import).")
    for kind, result in summary.imported.items():
        console.print(
            f"{kind}: {result.rows:,} rows ({result.inserted:,} new, {result.updated:,} updated) "
            f"in {result.seconds:.1f} s"
        )
    if summary.links:
        console.print(f"links: {summary.links:,}")
    run = _resolve_demo(db)
    console.print(
        f"profiles: {run.records:,} person records resolved in this run, "
        f"{run.auto_links:,} auto-links, {run.review:,} pairs to review"
    )
    from caravan.exchange.demo import load_exchange_demo

    exchange = load_exchange_demo(db, get_settings())
    if not exchange.skipped:
        console.print(
            f"exchange: {exchange.requests} requests for information, "
            f"{exchange.operations} joint operation, {exchange.watches} watches"
            + "".join(f"; {note}" for note in exchange.notes)
        )
    table = Table("user", "agency", "role", "password", title="Demo users (demo only!)")
    for user in demo_users():
        table.add_row(user.username, user.agency, user.role, DEMO_PASSWORD)
    console.print(table)


def _resolve_demo(db: Database) -> ResolutionRun:
    """Resolve the demo's persons into profiles (incremental on a second ``demo``)."""
    from caravan.resolve.service import RunOptions, resolve

    settings = get_settings()
    options = RunOptions.from_settings(settings)
    return resolve(db, options=options)


@app.command("generate")
def generate(
    persons: int = 10_000,
    seizures: int = 10_000,
    reports: int = 1_000,
    seed: int = 1,
    out: Annotated[
        str | None, typer.Option(help="Write CSV files to this folder instead of loading them")
    ] = None,
) -> None:
    """Generate a deterministic synthetic region of any size (1,000,000 persons and more).

    Without ``--out`` the data is loaded into the database like ``caravan demo``.
    """
    from pathlib import Path

    from caravan.collect.demo import load_demo, write_files

    if out:
        files = write_files(
            Path(out), persons=persons, seizures=seizures, reports=reports, seed=seed
        )
        for kind, path in files.items():
            console.print(f"{kind}: {path}")
        return
    db = context.database()
    db.upgrade()
    summary = load_demo(
        db, persons=persons, seizures=seizures, reports=reports, seed=seed, force=True
    )
    for kind, result in summary.imported.items():
        console.print(f"{kind}: {result.rows:,} rows in {result.seconds:.1f} s")


def _register_subcommands() -> None:
    from caravan.cli.checks import check_app
    from caravan.cli.exchange import dispatcher_command
    from caravan.cli.graph import graph_app
    from caravan.cli.imports import export_app, import_app
    from caravan.cli.resolve import resolve_command

    app.add_typer(import_app, name="import")
    app.add_typer(export_app, name="export")
    app.add_typer(check_app, name="check")
    app.add_typer(graph_app, name="graph")
    app.command("resolve")(resolve_command)
    app.command("dispatcher")(dispatcher_command)


_register_subcommands()
