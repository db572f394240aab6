"""Links between person rows of one agency that belong to one criminal network."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from .common import pick, rng_for, weighted
from .layout import BLOCK, DEFAULT_LAYOUT, PersonLayout, block_layout, person_source_id

LINK_COLUMNS: tuple[str, ...] = (
    "agency", "from_source_id", "to_source_id", "link_type", "valid_from", "valid_to",
)  # fmt: skip
_TYPES = weighted([("associate", 45), ("called", 30), ("travelled_with", 25)])
_FROM = dt.date(2019, 1, 1).toordinal()
_LAST = dt.date(2026, 10, 31).toordinal()


def generate_links(
    seed: int = 1, *, persons: int, layout: PersonLayout = DEFAULT_LAYOUT
) -> Iterator[dict[str, str]]:
    """Yield links among the rows of ``generate_persons(persons, seed, layout=layout)``.

    Within one agency, the records of one network's members form a connected tree
    plus a few extra edges; relatives (shared surname) are linked as ``family``.
    """
    for b in range((persons + BLOCK - 1) // BLOCK):
        blk = block_layout(seed, b, layout)
        rnd = rng_for("links", seed, b).random
        base = b * BLOCK
        groups: dict[tuple[int, str], list[int]] = {}
        for i in range(min(BLOCK, persons - base)):
            net = blk.network[blk.person[i]]
            if net >= 0:
                groups.setdefault((net, blk.agency[i]), []).append(i)
        for (_, agency), rows in groups.items():  # insertion order: deterministic
            edges: list[tuple[int, int]] = [
                (pick(rnd, rows[:pos]), row) for pos, row in enumerate(rows) if pos
            ]
            if len(rows) > 3 and rnd() < 0.5:
                a, c = pick(rnd, rows), pick(rnd, rows)
                if a != c and (a, c) not in edges and (c, a) not in edges:
                    edges.append((a, c))
            for a, c in edges:
                pa, pc = blk.person[a], blk.person[c]
                related = (
                    pa == blk.family[pc]
                    or pc == blk.family[pa]
                    or (blk.family[pa] >= 0 and blk.family[pa] == blk.family[pc])
                )
                start = _FROM + int(rnd() * (_LAST - _FROM - 30))
                end = ""
                if rnd() < 0.4:
                    end = dt.date.fromordinal(min(_LAST, start + 30 + int(rnd() * 900))).isoformat()
                yield {
                    "agency": agency,
                    "from_source_id": person_source_id(agency, base + a),
                    "to_source_id": person_source_id(agency, base + c),
                    "link_type": "family" if related else pick(rnd, _TYPES),
                    "valid_from": dt.date.fromordinal(start).isoformat() if rnd() < 0.85 else "",
                    "valid_to": end,
                }
