"""``python -m bench``: run the import, list-page, checks, resolution and link-analysis
benchmarks; record the results.

Prints the figures as Markdown and appends them, with date, machine, versions and the
command, to ``bench/RESULTS.md``. ``--quick`` runs small sizes end to end (a smoke test;
its figures say little about the targets).
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys

from bench import RESULTS, checks, exchange_alerts, import_speed, list_pages, report
from bench import graph as link_graph
from bench import resolve as resolution
from bench.machine import Machine
from bench.targets import DEFAULT_PG_URL


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--persons-import", type=int, default=200_000)
    parser.add_argument("--seizures-import", type=int, default=100_000)
    parser.add_argument("--persons-list", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200, help="per list case")
    parser.add_argument("--warmup", type=int, default=10, help="warm-up rounds")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="server to create DBs on")
    parser.add_argument("--no-pg", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--skip-list", action="store_true")
    parser.add_argument("--skip-checks", action="store_true")
    parser.add_argument(
        "--checks", action="store_true", help="run only the hit/no-hit checks benchmark"
    )
    parser.add_argument("--checks-persons", type=int, default=1_000_000)
    parser.add_argument("--checks-held", type=int, default=2000, help="held-person queries")
    parser.add_argument("--checks-unheld", type=int, default=1000, help="unheld-person queries")
    parser.add_argument("--checks-http", type=int, default=300, help="checks timed over HTTP")
    parser.add_argument("--checks-batch", type=int, default=2000, help="queries in the batch")
    parser.add_argument(
        "--check-workers",
        type=int,
        default=os.cpu_count() or 1,
        help="check workers ranking the batch a second time (default: one per core; "
        "0: only in process)",
    )
    parser.add_argument("--skip-resolve", action="store_true")
    parser.add_argument(
        "--resolve", action="store_true", help="run only the entity-resolution benchmark"
    )
    parser.add_argument(
        "--resolve-persons", type=int, default=20_000, help="cross-script set: generated rows"
    )
    parser.add_argument(
        "--resolve-scale",
        default="200000,1000000",
        help="sizes (comma-separated persons) of the timed full + incremental runs; 0: none",
    )
    parser.add_argument(
        "--resolve-new", type=int, default=10_000, help="new persons for the incremental run"
    )
    parser.add_argument(
        "--resolve-limit",
        type=float,
        default=2 * resolution.TARGET_FULL_S,
        help="stop a full run after this many seconds",
    )
    parser.add_argument(
        "--resolve-max-gib", type=float, default=16.0, help="stop a run above this RSS (GiB)"
    )
    parser.add_argument("--skip-graph", action="store_true")
    parser.add_argument("--graph", action="store_true", help="run only the link-analysis benchmark")
    parser.add_argument("--graph-nodes", type=int, default=1_000_000, help="records in the graph")
    parser.add_argument("--graph-links", type=int, default=5_000_000, help="links in the graph")
    parser.add_argument(
        "--graph-samples", type=int, default=200, help="start nodes and node pairs timed"
    )
    parser.add_argument(
        "--graph-subgraph", type=int, default=100_000, help="nodes of the Leiden subgraph"
    )
    parser.add_argument(
        "--graph-user", default=link_graph.DEFAULT_USER, help="the reader (visibility applies)"
    )
    parser.add_argument(
        "--graph-no-networkx", action="store_true", help="Caravan's side only, no NetworkX"
    )
    parser.add_argument("--skip-alerts", action="store_true")
    parser.add_argument(
        "--alerts", action="store_true", help="run only the alerts (watches) benchmark"
    )
    parser.add_argument("--alerts-persons", type=int, default=100_000, help="persons imported")
    parser.add_argument("--alerts-watches", type=int, default=10_000, help="active watches")
    parser.add_argument("--alerts-chunk", type=int, default=10_000, help="rows per import file")
    parser.add_argument("--alerts-trials", type=int, default=30, help="latency trials")
    parser.add_argument("--no-record", action="store_true", help="do not append RESULTS.md")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small sizes: 5,000 persons / 2,000 seizures / 20,000 listed, 30 requests;"
        " checks over 20,000 persons with 140 + 60 queries; resolution: 5,000 cross-script rows,"
        " a 20,000-person full run and 1,000 new; graph: 20,000 records, 100,000 links,"
        " 30 samples, a 5,000-node subgraph; alerts: 10,000 persons, 1,000 watches, 10 trials",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.persons_import, args.seizures_import = 5_000, 2_000
        args.persons_list, args.requests, args.warmup = 20_000, 30, 2
        args.checks_persons, args.checks_held, args.checks_unheld = 20_000, 140, 60
        args.checks_http, args.checks_batch = 50, 200
        args.resolve_persons, args.resolve_scale, args.resolve_new = 5_000, "20000", 1_000
        args.graph_nodes, args.graph_links = 20_000, 100_000
        args.graph_samples, args.graph_subgraph = 30, 5_000
        args.alerts_persons, args.alerts_watches, args.alerts_trials = 10_000, 1_000, 10
    if args.checks:
        args.skip_import = args.skip_list = args.skip_resolve = args.skip_graph = True
        args.skip_checks, args.skip_alerts = False, True
    if args.resolve:
        args.skip_import = args.skip_list = args.skip_checks = args.skip_graph = True
        args.skip_resolve, args.skip_alerts = False, True
    if args.alerts:
        args.skip_import = args.skip_list = args.skip_checks = args.skip_resolve = True
        args.skip_graph, args.skip_alerts = True, False
    if args.graph:
        args.skip_import = args.skip_list = args.skip_checks = args.skip_resolve = True
        args.skip_graph, args.skip_alerts = False, True
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse(argv)
    pg_url = None if args.no_pg else args.pg_url
    machine = Machine.now(pg_url)
    command = shlex.join([".venv/bin/python", "-m", "bench", *argv])
    print(f"bench: {machine.date}; load {machine.load}; {command}", flush=True)

    def log(message: str) -> None:
        print(message, flush=True)

    imports = lists = None
    if not args.skip_import:
        imports = import_speed.run(
            args.persons_import, args.seizures_import, seed=args.seed, pg_url=pg_url, log=log
        )
    if not args.skip_list:
        lists = list_pages.run(
            args.persons_list, seed=args.seed, requests=args.requests, warmup=args.warmup, log=log
        )
    checked = None
    if not args.skip_checks:
        checked = checks.run(
            args.checks_persons,
            seed=args.seed,
            held=args.checks_held,
            unheld=args.checks_unheld,
            http_requests=args.checks_http,
            batch=args.checks_batch,
            workers=args.check_workers,
            log=log,
        )
    resolved = None
    if not args.skip_resolve:
        sizes = [int(x) for x in str(args.resolve_scale).split(",") if x.strip() and int(x)]
        resolved = resolution.run(
            persons=args.resolve_persons,
            scale_persons=sizes,
            new=args.resolve_new,
            seed=args.seed,
            limit_s=args.resolve_limit,
            kill_rss=int(args.resolve_max_gib * 2**30),
            log=log,
        )
    graphed = None
    if not args.skip_graph:
        graphed = link_graph.run(
            nodes=args.graph_nodes,
            links=args.graph_links,
            seed=args.seed,
            samples=args.graph_samples,
            subgraph=args.graph_subgraph,
            user=args.graph_user,
            networkx=not args.graph_no_networkx,
            log=log,
        )
    alerted = None
    if not args.skip_alerts:
        alerted = exchange_alerts.run(
            args.alerts_persons,
            args.alerts_watches,
            chunk=args.alerts_chunk,
            trials=args.alerts_trials,
            seed=args.seed,
            log=log,
        )
    text = report.render(machine, command, imports, lists, checked, resolved)
    if graphed:
        text = link_graph.add_to(text, graphed)
    if alerted:
        text = f"{text}\n\n{exchange_alerts.render(alerted)}"
    print()
    print(text)
    if not args.no_record:
        report.append(text)
        print(f"appended to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
