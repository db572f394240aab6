"""``caravan resolve`` and ``caravan export profiles``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)

from caravan.cli import context
from caravan.cli.imports import AsUser, OutFile, export_app, export_to
from caravan.config import get_settings
from caravan.errors import CaravanError
from caravan.resolve.engines import ENGINES
from caravan.resolve.profiles import export_profiles
from caravan.resolve.service import RunOptions, resolve

STEPS = {
    "read": "Reading records",
    "train": "Training the model",
    "score": "Scoring pairs",
    "cluster": "Building profiles",
    "write": "Writing profiles",
}


def resolve_command(
    full: Annotated[
        bool, typer.Option("--full", help="Re-run everything (default: only what changed).")
    ] = False,
    engine: Annotated[
        str, typer.Option("--engine", help=f"Where Splink runs: {' or '.join(ENGINES)}.")
    ] = "duckdb",
) -> None:
    """Resolve person records into profiles (incremental unless --full or the first run)."""
    if engine not in ENGINES:
        raise typer.BadParameter(f"use one of {', '.join(ENGINES)}", param_hint="--engine")
    settings = get_settings()
    options = RunOptions.from_settings(settings, engine)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.completed:,.0f}/{task.total:,.0f}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=context.console, transient=False) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(STEPS.get(step, step), total=max(total, 1))
            bar.update(tasks[step], completed=done, total=max(total, done, 1))

        try:
            run = resolve(context.database(), full=full, options=options, progress=progress)
        except CaravanError as exc:
            context.fail(exc)
    summary = run.summary or {}
    context.console.print(
        f"{run.mode.capitalize()} run done: {run.records:,} records, {run.auto_links:,} "
        f"auto-links, {run.review:,} pairs to review, {run.profiles:,} "
        f"{'profiles' if run.mode == 'full' else 'new profiles'}"
        + (
            f", {summary['joined']:,} records joined existing profiles"
            if "joined" in summary
            else ""
        ),
        highlight=False,
    )


@export_app.command("profiles")
def export_profiles_command(as_user: AsUser, out: OutFile) -> None:
    """Export agency, source_id, profile_id for every resolved person record you may see."""
    count = export_to(out, as_user, export_profiles)
    context.console.print(f"Exported {count:,} person records to {out}", highlight=False)
