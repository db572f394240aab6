"""``caravan graph neighbours`` and ``caravan graph path``: link analysis from the shell."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from caravan.analyze.network import service
from caravan.cli import context
from caravan.cli.imports import AsUser
from caravan.errors import CaravanError

graph_app = typer.Typer(help="Link analysis: neighbourhoods and paths.", no_args_is_help=True)

Types = Annotated[
    str, typer.Option("--types", help="Comma-separated link types to walk (default: all).")
]
Out = Annotated[
    Path | None, typer.Option("--out", help="Write to this file instead of the screen.")
]
FORMATS = ("json", "graphml", "gexf", "csv", "anx")


def _emit(data: bytes, out: Path | None) -> None:
    if out is None:
        sys.stdout.buffer.write(data)
        if not data.endswith(b"\n"):
            sys.stdout.buffer.write(b"\n")
        sys.stdout.flush()
    else:
        out.write_bytes(data)
        context.console.print(f"Wrote {out}", highlight=False)


@graph_app.command("neighbours")
def neighbours_command(
    entity: Annotated[str, typer.Argument(help="Entity id: a UUID, or kind:UUID.")],
    as_user: AsUser,
    hops: Annotated[int, typer.Option("--hops", help="How many links out (1–6).")] = 1,
    fmt: Annotated[str, typer.Option("--format", help=f"One of {', '.join(FORMATS)}.")] = "json",
    types: Types = "",
    cap: Annotated[
        int, typer.Option("--cap", help="Links shown per node before 'showing N of M'.")
    ] = service.DEFAULT_CAP,
    out: Out = None,
) -> None:
    """The neighbourhood of ENTITY as the acting user may see it (files other than JSON
    are exports: they need the export right and are audited)."""
    if fmt not in FORMATS:
        raise typer.BadParameter(f"use one of {', '.join(FORMATS)}", param_hint="--format")
    try:
        with context.session_scope() as session:
            principal = context.principal_for(session, as_user)
            view = service.neighbours(
                session,
                principal,
                entity,
                hops=hops,
                cap=cap,
                filters=service.filters_from(types.split(",")),
            )
            if fmt == "json":
                data = json.dumps(view.to_dict(), ensure_ascii=False, indent=2).encode()
            else:
                data, _, _ = service.export_view(session, principal, view, fmt)
    except CaravanError as exc:
        context.fail(exc)
        return
    for cut in view.truncated:
        context.err_console.print(f"[yellow]{cut.message()}[/]", highlight=False)
    _emit(data, out)


@graph_app.command("path")
def path_command(
    a: Annotated[str, typer.Argument(help="From: a UUID, or kind:UUID.")],
    b: Annotated[str, typer.Argument(help="To: a UUID, or kind:UUID.")],
    as_user: AsUser,
    k: Annotated[int, typer.Option("--k", help="How many shortest paths (1–10).")] = 1,
    max_hops: Annotated[int, typer.Option("--max-hops", help="Longest path (links).")] = 8,
    types: Types = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The shortest path(s) from A to B over links the acting user may see."""
    try:
        with context.session_scope() as session:
            principal = context.principal_for(session, as_user)
            found = service.paths(
                session,
                principal,
                a,
                b,
                k=k,
                max_hops=max_hops,
                filters=service.filters_from(types.split(",")),
            )
    except CaravanError as exc:
        context.fail(exc, as_json=as_json)
        return
    if as_json:
        payload = {**found.view.to_dict(), "paths": found.paths, "message": found.message}
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    if not found.paths:
        context.console.print(found.message, highlight=False)
        raise typer.Exit(1)
    labels = {n.id: f"{n.label} [{n.kind}]" for n in found.view.nodes}
    types_between = {
        frozenset((e.source, e.target)): e.type for e in found.view.edges if e.type != "restricted"
    }
    for number, path in enumerate(found.paths, start=1):
        context.console.print(f"Path {number} ({len(path) - 1} links):", highlight=False)
        for i, node in enumerate(path):
            if i:
                link = types_between.get(frozenset((path[i - 1], node)), "?")
                context.console.print(f"   ↓ {link}", highlight=False)
            context.console.print(f"  {labels.get(node, node)}  {node}", highlight=False)
