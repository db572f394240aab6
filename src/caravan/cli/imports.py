"""``caravan import persons|seizures|reports|organisations FILE`` and ``caravan export persons``.

An import runs in one transaction: if any row is invalid nothing is written, the
problems are printed as a table on stderr (and as JSON with ``--errors-json``),
and the command exits with status 1.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import IO, Annotated

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from sqlalchemy.orm import Session

from caravan.access import Principal, require
from caravan.cli import context
from caravan.collect.export import export_persons
from caravan.collect.importer import (
    ImportFailed,
    ImportProgress,
    ImportResult,
    errors_to_json,
    import_file,
    render_error_table,
)
from caravan.config import get_settings
from caravan.errors import CaravanError, InvalidData

import_app = typer.Typer(
    help="Import persons, seizures, reports or organisations from CSV, XLSX, JSON or JSON Lines "
    "(all or nothing; see docs/import.md).",
    no_args_is_help=True,
)
export_app = typer.Typer(help="Export records as CSV in the import format.", no_args_is_help=True)

#: Rows of the error table printed; the JSON report (--errors-json) has them all.
TABLE_LIMIT = 1000

FileArg = Annotated[
    Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="The file to import.")
]
AsUser = Annotated[str, typer.Option("--as", help="The acting user (whose rights apply).")]
AgencyOpt = Annotated[
    str | None,
    typer.Option("--agency", help="Agency of rows without an agency column (default: yours)."),
]
FormatOpt = Annotated[
    str | None, typer.Option("--format", help="csv, xlsx, json or jsonl (default: guessed).")
]
EncodingOpt = Annotated[
    str | None, typer.Option("--encoding", help="utf-8 or cp1251 (default: detected).")
]
MapOpt = Annotated[
    list[str] | None,
    typer.Option("--map", help="Column mapping OUR=THEIRS, e.g. --map surname=Фамилия (repeat)."),
]
ErrorsJsonOpt = Annotated[
    Path | None, typer.Option("--errors-json", help="Write the error report as JSON here.")
]
BatchOpt = Annotated[int | None, typer.Option("--batch-rows", min=1, help="Rows per batch.")]


def parse_mapping(items: list[str] | None) -> dict[str, str]:
    """``["surname=Фамилия"]`` → ``{"surname": "Фамилия"}``."""
    mapping: dict[str, str] = {}
    for item in items or ():
        ours, sep, theirs = item.partition("=")
        if not sep or not ours.strip() or not theirs.strip():
            raise typer.BadParameter(f"'{item}' is not OUR=THEIRS", param_hint="--map")
        mapping[ours.strip()] = theirs.strip()
    return mapping


def _report_failure(exc: InvalidData, errors_json: Path | None) -> None:
    total = getattr(exc, "total_errors", len(exc.errors))
    if errors_json is not None:
        errors_json.write_text(errors_to_json(exc.errors, total=total) + "\n", encoding="utf-8")
    err = context.err_console
    err.print(f"[bold red]Import refused:[/] {exc.message}", highlight=False)
    if exc.errors:
        table = render_error_table(exc.errors, limit=TABLE_LIMIT)
        err.print(table, markup=False, highlight=False, soft_wrap=True)
    if errors_json is not None:
        err.print(f"The full report is in {errors_json}", highlight=False)


def _run_import(
    kind: str,
    file: Path,
    as_user: str,
    agency: str | None,
    fmt: str | None,
    encoding: str | None,
    mapping: list[str] | None,
    errors_json: Path | None,
    batch_rows: int | None,
) -> None:
    columns = parse_mapping(mapping)
    batch = batch_rows or get_settings().import_batch_rows
    total = file.stat().st_size
    progress = Progress(
        TextColumn(f"[bold]{kind}[/]"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TextColumn("{task.fields[rows]:,} rows"),
        TimeRemainingColumn(),
        console=context.err_console,
        transient=True,
    )
    task = progress.add_task(kind, total=total, rows=0)

    def on_progress(update: ImportProgress) -> None:
        progress.update(task, completed=update.bytes_read, rows=update.rows_read)

    try:
        with progress, context.session_scope() as session:
            principal = context.principal_for(session, as_user)
            result = import_file(
                session,
                principal,
                kind,
                file,
                fmt=fmt,
                encoding=encoding,
                mapping=columns,
                agency_code=agency,
                batch_rows=batch,
                progress=on_progress,
                filename=file.name,
            )
    except (ImportFailed, InvalidData) as exc:
        _report_failure(exc, errors_json)
        raise typer.Exit(1) from None
    except CaravanError as exc:
        context.fail(exc)
    _summary(result)


def _summary(result: ImportResult) -> None:
    context.console.print(
        f"Imported {result.rows:,} {result.kind}: {result.inserted:,} inserted, "
        f"{result.updated:,} updated, in {result.seconds:.1f} s "
        f"({result.rows_per_second:,.0f} rows/s)",
        highlight=False,
    )


#: kind → the help of its ``caravan import KIND`` command.
IMPORT_COMMANDS = {
    "persons": "Import persons (columns: agency, source_id, surname, given_name, patronymic, ...).",
    "seizures": "Import seizures (columns: source_id, date, drug, quantity, unit, country, ...).",
    "reports": "Import intelligence reports (columns: source_id, date, title, body, ...).",
    "organisations": "Import organisations, e.g. companies (columns: source_id, name, "
    "legal_form, ...).",
}


def _import_command(kind: str, help_text: str) -> None:
    def command(
        file: FileArg,
        as_user: AsUser,
        agency: AgencyOpt = None,
        fmt: FormatOpt = None,
        encoding: EncodingOpt = None,
        mapping: MapOpt = None,
        errors_json: ErrorsJsonOpt = None,
        batch_rows: BatchOpt = None,
    ) -> None:
        _run_import(kind, file, as_user, agency, fmt, encoding, mapping, errors_json, batch_rows)

    command.__name__ = f"import_{kind}"
    import_app.command(kind, help=help_text)(command)


for _kind, _help in IMPORT_COMMANDS.items():
    _import_command(_kind, _help)


OutFile = Annotated[Path, typer.Option("--out", help="The CSV file to write.", dir_okay=False)]


def export_to(out: Path, as_user: str, write: Callable[[Session, Principal, IO[str]], int]) -> int:
    """Run ``write`` as ``as_user`` (who needs the export right) into the file ``out``;
    returns its row count. On an error the file is removed and the command exits."""
    opened = False
    try:
        with context.session_scope() as session:
            principal = context.principal_for(session, as_user)
            require(principal, "export.run")
            with out.open("w", encoding="utf-8", newline="") as fileobj:
                opened = True
                return write(session, principal, fileobj)
    except CaravanError as exc:
        if opened:
            out.unlink(missing_ok=True)
        context.fail(exc)
        raise  # not reached: fail() exits


@export_app.command("persons")
def export_persons_command(as_user: AsUser, out: OutFile) -> None:
    """Export every person you may see as CSV in the import format."""
    count = export_to(out, as_user, export_persons)
    context.console.print(f"Exported {count:,} persons to {out}", highlight=False)
