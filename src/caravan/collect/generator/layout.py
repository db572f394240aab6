"""The *layout* of the person rows: which real person and which agency each row is.

Rows are produced in blocks of ``BLOCK`` rows.  A block's layout depends only on
``(seed, block number, PersonLayout)``, never on how many rows were asked for, so:

* the first n rows of a run equal the first n rows of any longer run;
* seizures, reports and links can name person rows (``P-<agency>-<row>``) by
  recomputing one block's layout, without materialising the persons.

Real persons and their small criminal networks never cross a block boundary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from .agencies import AGENCIES_BY_CODE
from .common import AGENCIES_OF, pick, rng_for, weighted
from .name_pools import ETHNICITIES

BLOCK = 256


@dataclass(frozen=True)
class PersonLayout:
    """Tunable shape of the synthetic population.

    ``multi_share``: share of real persons recorded by more than one agency (2–5).
    ``network_share``: approximate share of real persons in a criminal network (3–12).
    """

    multi_share: float = 0.25
    network_share: float = 0.2


DEFAULT_LAYOUT = PersonLayout()

# Where people of each ethnicity get recorded (country weights).
_ETH_COUNTRIES: dict[str, list[tuple[str, int]]] = {
    "TJ": [("TJ", 40), ("RU", 25), ("UZ", 10), ("KZ", 12), ("KG", 10)],
    "UZ": [("UZ", 45), ("RU", 20), ("KZ", 15), ("TJ", 8), ("KG", 10)],
    "KZ": [("KZ", 60), ("RU", 25), ("KG", 10), ("UZ", 5)],
    "KG": [("KG", 55), ("KZ", 25), ("RU", 20)],
    "TM": [("TM", 50), ("RU", 15), ("AZ", 10), ("UZ", 15), ("KZ", 10)],
    "AZ": [("AZ", 60), ("RU", 30), ("TM", 10)],
    "RU": [("RU", 65), ("KZ", 25), ("AZ", 5), ("KG", 5)],
    "AF": [("TJ", 35), ("UZ", 20), ("TM", 20), ("RU", 10), ("KZ", 10), ("KG", 5)],
}
_TYPE_WEIGHT = {
    "police": 5,
    "drug_control": 5,
    "customs": 3,
    "border": 3,
    "security_service": 2,
}

AGENCY_POOL: dict[str, tuple[str, ...]] = {
    eth: weighted(
        [
            (code, w * _TYPE_WEIGHT[AGENCIES_BY_CODE[code].type])
            for cc, w in countries
            for code in AGENCIES_OF[cc]
        ]
        + [("CARICC", 8)]
    )
    for eth, countries in _ETH_COUNTRIES.items()
}
ETH_POOL: tuple[str, ...] = weighted(
    list(zip(ETHNICITIES, (22, 22, 16, 12, 7, 8, 8, 5), strict=True))
)
_EXTRA_RECORDS = (1, 1, 1, 1, 2, 2, 2, 3, 3, 4)


@dataclass(frozen=True)
class Block:
    """Layout of one block.  Per row: ``agency``, ``person`` (local index).  Per local
    person: ``eth``, ``female``, ``network`` (local network number or -1) and
    ``family`` (local index of the relative whose surname they share, or -1)."""

    agency: tuple[str, ...]
    person: tuple[int, ...]
    eth: tuple[str, ...]
    female: tuple[bool, ...]
    network: tuple[int, ...]
    family: tuple[int, ...]


@lru_cache(maxsize=256)
def block_layout(seed: int, b: int, layout: PersonLayout = DEFAULT_LAYOUT) -> Block:
    """The layout of block ``b`` (rows ``b*BLOCK`` to ``b*BLOCK+BLOCK-1``)."""
    rnd = rng_for("person-layout", seed, b).random
    agency: list[str] = []
    person: list[int] = []
    eth: list[str] = []
    female: list[bool] = []
    network: list[int] = []
    family: list[int] = []
    net_start = layout.network_share / (7.5 - 6.5 * layout.network_share)
    n_networks = 0

    def add_person(e: str, net: int, fam: int, home: str | None, multi: float) -> None:
        p = len(eth)
        eth.append(e)
        female.append(rnd() < (0.08 if net >= 0 else 0.18))
        network.append(net)
        family.append(fam)
        k = 1 + pick(rnd, _EXTRA_RECORDS) if rnd() < multi else 1
        k = min(k, BLOCK - len(agency))
        pool = AGENCY_POOL[e]
        chosen: list[str] = []
        if home is not None and rnd() < 0.75:
            chosen.append(home)
        tries = 0
        while len(chosen) < k and tries < 20:
            code = pick(rnd, pool)
            if code not in chosen:
                chosen.append(code)
            tries += 1
        for code in chosen:
            agency.append(code)
            person.append(p)

    while len(agency) < BLOCK:
        if rnd() < net_start:
            net = n_networks
            n_networks += 1
            net_eth = pick(rnd, ETH_POOL)
            home = pick(rnd, AGENCY_POOL[net_eth])
            size = 3 + int(rnd() * 10)
            first = len(eth)
            for i in range(size):
                if len(agency) >= BLOCK:
                    break
                e = net_eth if rnd() < 0.75 else pick(rnd, ETH_POOL)
                fam = -1
                if i > 0 and rnd() < 0.25 and eth[first] == e:
                    fam = first
                add_person(e, net, fam, home, min(1.0, 2 * layout.multi_share))
        else:
            add_person(pick(rnd, ETH_POOL), -1, -1, None, layout.multi_share)
    return Block(
        tuple(agency), tuple(person), tuple(eth), tuple(female), tuple(network), tuple(family)
    )


def person_source_id(agency: str, row: int) -> str:
    """The ``source_id`` of person row ``row`` (0-based, global) held by ``agency``."""
    return f"P-{agency}-{row + 1:07d}"


@lru_cache(maxsize=256)
def _rows_by_agency(seed: int, b: int, layout: PersonLayout) -> dict[str, tuple[int, ...]]:
    blk = block_layout(seed, b, layout)
    index: dict[str, list[int]] = {}
    for i, code in enumerate(blk.agency):
        index.setdefault(code, []).append(b * BLOCK + i)
    return {code: tuple(rows) for code, rows in index.items()}


def rows_of_agency(seed: int, b: int, n: int, agency: str, layout: PersonLayout) -> list[int]:
    """Global row numbers (< n) in block ``b`` that belong to ``agency``."""
    rows = _rows_by_agency(seed, b, layout).get(agency, ())
    if (b + 1) * BLOCK <= n:
        return list(rows)
    return [r for r in rows if r < n]


def pick_person_ids(
    rnd: Callable[[], float],
    seed: int,
    start: int,
    n_blocks: int,
    n: int,
    agency: str,
    layout: PersonLayout,
) -> str:
    """1–4 ``;``-separated person source_ids of ``agency`` from block ``start`` (or the
    next two blocks), preferring members of one network; ``""`` when none."""
    for step in range(3):
        b = (start + step) % n_blocks
        rows = rows_of_agency(seed, b, n, agency, layout)
        if rows:
            break
    else:
        return ""
    first = pick(rnd, rows)
    chosen = [first]
    blk = block_layout(seed, b, layout)
    net = blk.network[blk.person[first - b * BLOCK]]
    mates = [
        r for r in rows if r != first and net >= 0 and blk.network[blk.person[r - b * BLOCK]] == net
    ]
    for _ in range(int(rnd() * 4)):
        pool = mates if mates and rnd() < 0.8 else rows
        row = pick(rnd, pool)
        if row not in chosen:
            chosen.append(row)
    return ";".join(person_source_id(agency, r) for r in chosen)
