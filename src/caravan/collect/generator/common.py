"""Small helpers shared by the producers: weighted pools, grading, handling codes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from random import Random
from typing import TypeVar

from .agencies import AGENCIES_BY_CODE, MEMBER_STATES

T = TypeVar("T")


def weighted(pairs: Sequence[tuple[T, int]]) -> tuple[T, ...]:
    """Expand ``(value, weight)`` pairs into a tuple for fast uniform picking."""
    return tuple(v for v, w in pairs for _ in range(w))


def pick(rnd: Callable[[], float], pool: Sequence[T]) -> T:
    """Uniform pick with a bound ``Random.random`` (faster than ``Random.choice``)."""
    return pool[int(rnd() * len(pool))]


def rng_for(kind: str, seed: int, part: int = 0) -> Random:
    """A private, reproducible random stream (string seeds hash with SHA-512,
    independent of ``PYTHONHASHSEED``)."""
    return Random(f"caravan-demo:{kind}:{seed}:{part}")


SOURCE_GRADES: tuple[str, ...] = weighted([("A", 20), ("B", 45), ("C", 20), ("X", 15)])
INFO_GRADES: tuple[str, ...] = weighted([("1", 15), ("2", 40), ("3", 30), ("4", 15)])
HANDLING: tuple[str, ...] = weighted([("H0", 45), ("H1", 35), ("H2", 15), ("H3", 5)])

NATIONAL_AGENCIES: tuple[str, ...] = tuple(
    code for code, a in AGENCIES_BY_CODE.items() if a.type != "centre"
)
AGENCIES_OF: dict[str, tuple[str, ...]] = {
    cc: tuple(code for code in NATIONAL_AGENCIES if AGENCIES_BY_CODE[code].country == cc)
    for cc in MEMBER_STATES
}
ALL_AGENCIES: tuple[str, ...] = tuple(AGENCIES_BY_CODE)


def grading(rnd: Callable[[], float], agency: str) -> tuple[str, str, str, str]:
    """Source grade, information grade, handling code and recipients of one record.

    About a third of H2/H3 records name one to three recipient agencies (never the
    owner itself), ``;``-separated.
    """
    code = pick(rnd, HANDLING)
    recipients = ""
    if code in ("H2", "H3") and rnd() < 0.35:
        chosen: list[str] = []
        for _ in range(1 + int(rnd() * 3)):
            other = pick(rnd, ALL_AGENCIES)
            if other != agency and other not in chosen:
                chosen.append(other)
        recipients = ";".join(chosen)
    return pick(rnd, SOURCE_GRADES), pick(rnd, INFO_GRADES), code, recipients


#: H3 means "other restrictions, stated": the generator states this one.
H3_NOTE = "Not for use in judicial proceedings; contact the owner before any action"


def handling_note(code: str) -> str:
    """The restriction an H3 record must state (empty for other codes)."""
    return H3_NOTE if code == "H3" else ""
