"""From scored pairs to profiles: bands, then clustering that obeys analysts' decisions.

Bands: a pair at or above the auto-link threshold links its records; one between the
review and auto-link thresholds goes to the review queue; below, nothing is kept. A pair
above the auto-link threshold still goes to review when its evidence conflicts — the same
document number on two records whose names disagree and whose birth dates do not agree
(one passport, two people: a forged or reused document, or a typing error) — or when a
side has no usable name. Such pairs are never merged automatically.

Clustering is greedy and constrained: must-links first, then auto-links from the
strongest down; two groups are joined only if no cannot-link runs between them. So a
rejected pair is never put back together through a chain of other links, and a weak
chain cannot glue two analysts' "different people" into one profile.

Auto-links also respect birth dates at the level of groups: two groups whose birth dates
contradict (each has full dates and none in common, or each has birth years and none in
common) are not joined by an auto-link, unless the link joins two single records (their
dates were already weighed by the model). Otherwise a record with no birth date, linked
to two namesakes born years apart, would chain them into one profile. An analyst's
confirmation (a must-link) overrides this.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from caravan.resolve.model import (
    BIRTH,
    BIRTH_SWAPPED,
    DOCUMENT_SHARED,
    DOCUMENTS,
    ELSE_GAMMA,
    NAME,
    NULL_GAMMA,
)

CONFLICTING = "conflicting_identifiers"
NO_NAME = "no_usable_name"
#: An auto-link the clustering did not follow (see :func:`cluster`): it goes to review.
HELD_BACK = "held_back"


def bands(pairs: pd.DataFrame, *, auto: float, review: float) -> pd.DataFrame:
    """Add ``band`` (``auto``/``review``) and ``flags`` to scored pairs; drop the rest
    (except conflicting pairs, which go to review whatever their score)."""
    shared_document = pairs[f"gamma_{DOCUMENTS}"] == DOCUMENT_SHARED
    # One document, two people: the names disagree and no same birth date vouches for
    # them (a name typo next to the same passport and birth date is one person).
    names_differ = pairs[f"gamma_{NAME}"] == ELSE_GAMMA
    same_birth = pairs[f"gamma_{BIRTH}"] >= BIRTH_SWAPPED
    conflicts = shared_document & names_differ & ~same_birth
    keep = (pairs["match_probability"] >= review) | conflicts
    kept = pairs[keep].copy()
    conflict = conflicts[keep]
    no_name = kept[f"gamma_{NAME}"] == NULL_GAMMA
    flags: list[list[str]] = [
        [f for f, on in ((CONFLICTING, c), (NO_NAME, n)) if on]
        for c, n in zip(conflict.tolist(), no_name.tolist(), strict=True)
    ]
    kept["flags"] = flags
    is_auto = (kept["match_probability"] >= auto) & ~conflict & ~no_name
    kept["band"] = ["auto" if a else "review" for a in is_auto.tolist()]
    return kept


@dataclass
class Clusters:
    """Union-find over record ids, refusing unions across a cannot-link."""

    cannot: dict[Hashable, set[Hashable]] = field(default_factory=dict)
    #: At most one of these may be in a group (incremental runs: existing profiles,
    #: which new records may join but not merge).
    exclusive: frozenset[Hashable] = frozenset()
    #: item → (full birth dates, birth years) it holds; groups with contradicting ones
    #: are not joined by auto-links (see the module's docstring).
    births: Mapping[Any, Birth] = field(default_factory=dict)
    _parent: dict[Hashable, Hashable] = field(default_factory=dict)
    _members: dict[Hashable, set[Hashable]] = field(default_factory=dict)
    _births: dict[Hashable, Birth] = field(default_factory=dict)

    def add(self, item: Hashable) -> None:
        if item not in self._parent:
            self._parent[item] = item
            self._members[item] = {item}
            known = self.births.get(item)
            if known is not None and (known[0] or known[1]):
                self._births[item] = known

    def find(self, item: Hashable) -> Hashable:
        self.add(item)
        root = item
        while self._parent[root] != root:
            root = self._parent[root]
        while self._parent[item] != root:  # path compression
            self._parent[item], item = root, self._parent[item]
        return root

    def blocked(self, a: Hashable, b: Hashable) -> bool:
        """Would joining the groups of ``a`` and ``b`` put a cannot-link inside one group?"""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        small, large = sorted((self._members[ra], self._members[rb]), key=len)
        if self.exclusive and self.exclusive & small and self.exclusive & large:
            return True
        cannot = self.cannot
        return any(cannot.get(x, _EMPTY) & large for x in small)

    def contradict(self, a: Hashable, b: Hashable) -> bool:
        """Do the groups of ``a`` and ``b`` hold contradicting birth dates (and is either
        more than one record)?"""
        ra, rb = self.find(a), self.find(b)
        first, second = self._births.get(ra), self._births.get(rb)
        if first is None or second is None:
            return False
        if len(self._members[ra]) == 1 and len(self._members[rb]) == 1:
            return False
        (dates_a, years_a), (dates_b, years_b) = first, second
        return bool(
            (dates_a and dates_b and not dates_a & dates_b)
            or (years_a and years_b and not years_a & years_b)
        )

    def union(self, a: Hashable, b: Hashable, *, decided: bool = False) -> bool:
        """Join the groups of ``a`` and ``b``; False (and nothing done) if forbidden.
        ``decided``: an analyst's must-link, which birth dates do not hold back."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if self.blocked(a, b) or (not decided and self.contradict(a, b)):
            return False
        if len(self._members[ra]) < len(self._members[rb]):
            ra, rb = rb, ra
        self._parent[rb] = ra
        self._members[ra] |= self._members.pop(rb)
        moved = self._births.pop(rb, None)
        if moved is not None:
            kept = self._births.get(ra)
            self._births[ra] = moved if kept is None else (kept[0] | moved[0], kept[1] | moved[1])
        return True

    def groups(self) -> list[set[Hashable]]:
        return [set(m) for r, m in self._members.items() if self._parent[r] == r]

    def group_of(self, item: Hashable) -> set[Hashable]:
        return self._members[self.find(item)]


_EMPTY: frozenset[Hashable] = frozenset()
Birth = tuple[frozenset[str], frozenset[int]]


def birth(date: str | None, year: int | None) -> Birth:
    """What one record says of its birth: its full date (if known) and its year."""
    return frozenset((date,) if date else ()), frozenset((year,) if year else ())


def cannot_map(pairs: Iterable[tuple[Hashable, Hashable]]) -> dict[Hashable, set[Hashable]]:
    out: dict[Hashable, set[Hashable]] = {}
    for a, b in pairs:
        out.setdefault(a, set()).add(b)
        out.setdefault(b, set()).add(a)
    return out


def cluster(
    ids: Iterable[Hashable],
    links: Iterable[tuple[Hashable, Hashable, float]],
    *,
    must: Iterable[tuple[Hashable, Hashable]] = (),
    cannot: Iterable[tuple[Hashable, Hashable]] = (),
    exclusive: Iterable[Hashable] = (),
    births: Mapping[Any, Birth] | None = None,
) -> tuple[Clusters, list[tuple[Hashable, Hashable, float]]]:
    """Group ``ids``: must-links, then ``links`` strongest first, never across a cannot-link.

    Returns the groups and the links that were refused (they join records an analyst
    said are different people, directly or through their groups, two ``exclusive``
    items, or groups whose ``births`` contradict).
    """
    groups = Clusters(
        cannot=cannot_map(cannot), exclusive=frozenset(exclusive), births=births or {}
    )
    for item in ids:
        groups.add(item)
    for a, b in must:
        groups.union(a, b, decided=True)
    refused = []
    for a, b, score in sorted(links, key=lambda link: -link[2]):
        if not groups.union(a, b):
            refused.append((a, b, score))
    return groups, refused
