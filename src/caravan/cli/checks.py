"""``caravan check person|phone|plate|document|company`` and ``caravan check batch FILE``.

A check prints its ranked hits (``--json`` for the API's JSON). Hits on records the
acting user may not read are hit notices: owner agency, reference, handling code and
contact point only. A batch is validated whole first: a bad row refuses the file (exit
status 1, every bad row listed) and nothing is checked.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from caravan.cli import context
from caravan.errors import CaravanError
from caravan.match.batch import read_batch, run_batch, write_results_csv
from caravan.match.checks import CheckOutcome, asker_region, run_check
from caravan.match.report import outcome_to_dict
from caravan.match.selectors import parse_selector
from caravan.match.workers import RankWorkers

check_app = typer.Typer(
    help="Hit/no-hit checks: does anyone hold anything on this person, phone, plate, "
    "document or company?",
    no_args_is_help=True,
)

AsUser = Annotated[str, typer.Option("--as", help="The acting user (whose rights apply).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def _print(outcome: CheckOutcome) -> None:
    console = context.console
    if outcome.advice:
        console.print(f"[yellow]{outcome.advice}[/]", highlight=False)
    if not outcome.hits:
        console.print("No hit.")
        return
    table = Table(title=f"{outcome.total} hit(s); showing {len(outcome.hits)}")
    for column in ("#", "score", "band", "agency", "reference", "H", "record", "why"):
        table.add_column(column, overflow="fold")
    for hit in outcome.hits:
        if hit.record is not None:
            shown = getattr(hit.record, "full_name", None) or getattr(hit.record, "label", "")
            record = f"{shown} ({hit.url or hit.kind})"
        else:
            notice = hit.notice
            assert notice is not None
            contact = f"; ask {notice.contact}" if notice.contact else ""
            record = (
                f"restricted {hit.kind} — request information from {notice.owner_code}{contact}"
            )
        table.add_row(
            str(hit.rank),
            f"{hit.score:.2f}",
            hit.band,
            hit.agency,
            hit.reference,
            hit.handling_code,
            record,
            hit.explanation,
        )
    console.print(table)


def _check(kind: str, raw: dict[str, Any], as_user: str, as_json: bool) -> None:
    try:
        with context.session_scope() as session:
            principal = context.principal_for(session, as_user)
            selector = parse_selector(
                kind,
                {k: v for k, v in raw.items() if v is not None},
                region=asker_region(session, principal),
            )
            outcome = run_check(session, principal, selector)
            if as_json:
                typer.echo(json.dumps(outcome_to_dict(outcome), ensure_ascii=False, indent=2))
            else:
                _print(outcome)
    except CaravanError as exc:
        context.fail(exc, as_json=as_json)


@check_app.command("person")
def check_person(
    as_user: AsUser,
    surname: Annotated[str | None, typer.Option(help="Surname, any script.")] = None,
    given_name: Annotated[str | None, typer.Option(help="Given name.")] = None,
    patronymic: Annotated[str | None, typer.Option(help="Patronymic or middle name.")] = None,
    full_name: Annotated[
        str | None, typer.Option(help="A whole name as written, any order.")
    ] = None,
    birth_date: Annotated[str | None, typer.Option(help="1985, 1985-03 or 1985-03-07.")] = None,
    nationality: Annotated[str | None, typer.Option(help="Country code or name.")] = None,
    document: Annotated[str | None, typer.Option(help="Identity document number.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Check a person across scripts and transliterations."""
    _check(
        "person",
        {
            "surname": surname,
            "given_name": given_name,
            "patronymic": patronymic,
            "full_name": full_name,
            "birth_date": birth_date,
            "nationality": nationality,
            "document": document,
        },
        as_user,
        as_json,
    )


#: kind → (the selector field its argument fills, the argument's name and help, the
#: command's help) of ``caravan check KIND VALUE``.
VALUE_COMMANDS = {
    "phone": (
        "phone",
        "NUMBER",
        "Phone number; national ones read as your country's.",
        "Check a phone number (compared in E.164).",
    ),
    "plate": (
        "plate",
        "PLATE",
        "Number plate; Cyrillic look-alikes, spaces, dashes ignored.",
        "Check a vehicle number plate.",
    ),
    "document": (
        "document",
        "NUMBER",
        "Document number; O/0 and I/1 confusions ignored.",
        "Check an identity document number.",
    ),
    "company": (
        "name",
        "NAME",
        "Company name; legal forms (ТОО, LLP, ООО…) ignored.",
        "Check a company name across scripts.",
    ),
}


def _value_command(kind: str, field: str, metavar: str, argument: str, help_text: str) -> None:
    def command(value: str, as_user: AsUser, as_json: JsonOpt = False) -> None:
        _check(kind, {field: value}, as_user, as_json)

    command.__name__ = f"check_{kind}"
    command.__annotations__["value"] = Annotated[
        str, typer.Argument(help=argument, metavar=metavar)
    ]
    check_app.command(kind, help=help_text)(command)


for _kind, (_field, _metavar, _argument, _help) in VALUE_COMMANDS.items():
    _value_command(_kind, _field, _metavar, _argument, _help)


@check_app.command("batch")
def check_batch(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="Queries file.")
    ],
    as_user: AsUser,
    out: Annotated[Path, typer.Option("--out", help="Results CSV (one row per hit).")],
    fmt: Annotated[str | None, typer.Option("--format", help="csv, xlsx, json or jsonl.")] = None,
    encoding: Annotated[str | None, typer.Option(help="utf-8 or cp1251.")] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=0,
            max=64,
            help="Worker processes ranking the queries, each building its own index first "
            "(worth it for large files). 0: rank here.",
        ),
    ] = 0,
) -> None:
    """Run a file of checks (columns: query_id, surname, given_name, patronymic,
    birth_date, nationality, document_number, phone)."""
    pool: RankWorkers | None = None
    try:
        with context.session_scope() as session:
            principal = context.principal_for(session, as_user)
            queries = read_batch(
                file, fmt=fmt, encoding=encoding, region=asker_region(session, principal)
            )
            if workers:
                url = session.get_bind().engine.url.render_as_string(hide_password=False)
                pool = RankWorkers(url, workers)
                ready = pool.wait_ready()
                if ready < workers:
                    context.console.print(
                        f"[yellow]only {ready} of {workers} worker(s) started (see the log);"
                        " the rest of the work is done here[/yellow]"
                    )
            with pool.lease() if pool is not None else contextlib.nullcontext(None) as leased:
                outcome = run_batch(session, principal, queries, filename=file.name, workers=leased)
            with out.open("w", encoding="utf-8", newline="") as handle:
                write_results_csv(outcome, handle)
    except CaravanError as exc:
        context.fail(exc)
    finally:
        if pool is not None:
            pool.close()
    context.console.print(
        f"{outcome.queries:,} queries, {outcome.hits:,} hit row(s) written to {out}",
        highlight=False,
    )
