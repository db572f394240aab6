"""Generated import files, written once into ``bench/out/`` and reused (keyed by size+seed)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

from bench import OUT
from caravan.collect.demo import write_csv
from caravan.collect.generator import (
    PERSON_COLUMNS,
    SEIZURE_COLUMNS,
    generate_persons,
    generate_seizures,
)


def _atomic_csv(path: Path, columns: list[str], rows: Iterator[dict[str, str]]) -> Path:
    """Write ``path`` through a temporary name so an interrupted run leaves no half file."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    write_csv(tmp, columns, rows)
    os.replace(tmp, path)
    return path


def persons_csv(n: int, seed: int) -> Path:
    """``n`` generated persons as an import CSV."""
    return _atomic_csv(
        OUT / f"persons-{n}-s{seed}.csv", list(PERSON_COLUMNS), generate_persons(n, seed)
    )


def seizures_csv(m: int, seed: int, persons: int) -> Path:
    """``m`` generated seizures referencing the rows of ``persons_csv(persons, seed)``."""
    return _atomic_csv(
        OUT / f"seizures-{m}-s{seed}-p{persons}.csv",
        list(SEIZURE_COLUMNS),
        generate_seizures(m, seed, persons=persons),
    )


def person_chunks(n: int, seed: int, chunk: int, directory: Path) -> Iterator[tuple[Path, int]]:
    """``generate_persons(n, seed)`` cut into CSV files of ``chunk`` rows, one at a time.

    Each file is yielded with its row count and deleted once the consumer moves on.
    """
    rows = generate_persons(n, seed)
    directory.mkdir(parents=True, exist_ok=True)
    part = 0
    while True:
        block = list(islice(rows, chunk))
        if not block:
            return
        part += 1
        path = directory / f"chunk-{part:04d}.csv"
        write_csv(path, PERSON_COLUMNS, iter(block))
        try:
            yield path, len(block)
        finally:
            path.unlink(missing_ok=True)
