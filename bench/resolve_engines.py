"""``python -m bench.resolve_engines``: entity resolution on DuckDB and on Spark (local).

Scores generated person records (``caravan.collect.generator``: one person written by
several agencies, in several scripts) with :func:`caravan.resolve.pipeline.score_all` on
each engine and prints wall time, peak memory of this process and of the Spark JVM, and
the pairs found. Spark needs ``pip install 'caravan[spark]'`` and Java 17+.

Each size and engine runs in a fresh subprocess, so one run's memory and JVM start-up
are not hidden by another's.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any


def persons(n: int, seed: int) -> Iterator[Any]:
    """``n`` generated person rows as resolution inputs (light normalisation only)."""
    from caravan.collect.generator import generate_persons
    from caravan.resolve.features import from_import_row

    return (from_import_row(row) for row in generate_persons(n, seed))


def _jvm_peak_kib() -> int | None:
    """Peak resident memory (VmHWM) of the child JVM Spark started, if any."""
    try:
        out = subprocess.run(
            ["pgrep", "-P", str(os.getpid()), "java"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.split()
        for pid in out:
            with open(f"/proc/{pid}/status") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1])
    except OSError:
        return None
    return None


def one(n: int, seed: int, engine: str, train: bool | None, threshold: float) -> dict[str, Any]:
    from caravan.resolve import pipeline
    from caravan.resolve.features import feature_table

    t0 = time.perf_counter()
    features = feature_table(persons(n, seed))
    t1 = time.perf_counter()
    scored = pipeline.score_all(features, threshold=threshold, engine=engine, train=train)
    t2 = time.perf_counter()
    result = {
        "records": n,
        "engine": engine,
        "trained": scored.trained,
        "features_s": round(t1 - t0, 1),
        "score_s": round(t2 - t1, 1),
        "pairs": len(scored.pairs),
        "python_peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }
    jvm = _jvm_peak_kib()
    if jvm is not None:
        result["jvm_peak_mib"] = jvm // 1024
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.resolve_engines", description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--engines", nargs="+", default=["duckdb", "spark"])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument(
        "--train", choices=["auto", "yes", "no"], default="auto", help="auto: train from 2,000"
    )
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    train = {"auto": None, "yes": True, "no": False}[args.train]
    if args.one:
        print(json.dumps(one(args.sizes[0], args.seed, args.engines[0], train, args.threshold)))
        return 0
    head = ["records", "engine", "trained", "features s", "score s", "pairs"]
    print("| " + " | ".join([*head, "Python peak MiB", "JVM peak MiB"]) + " |")
    print("|---|---|---|---|---|---|---|---|")
    for n in args.sizes:
        for engine in args.engines:
            cmd = [sys.executable, "-m", "bench.resolve_engines", "--one", "--sizes", str(n)]
            cmd += ["--engines", engine, "--seed", str(args.seed)]
            cmd += ["--threshold", str(args.threshold), "--train", args.train]
            proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if proc.returncode:
                print(f"| {n} | {engine} | failed: {proc.stderr.strip().splitlines()[-1:]} |")
                continue
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            print(
                f"| {r['records']:,} | {engine} | {r['trained']} | {r['features_s']} "
                f"| {r['score_s']} | {r['pairs']:,} | {r['python_peak_mib']} "
                f"| {r.get('jvm_peak_mib', '')} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
