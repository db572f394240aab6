"""Intelligence report rows in Russian and English."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from .agencies import AGENCIES_BY_CODE
from .common import ALL_AGENCIES, grading, handling_note, pick, rng_for
from .layout import BLOCK, DEFAULT_LAYOUT, PersonLayout, pick_person_ids
from .seizures import END, RUSSIAN_SHARE, START
from .texts import report_text

REPORT_COLUMNS: tuple[str, ...] = (
    "agency", "source_id", "date", "title", "body", "language", "source_grade",
    "information_grade", "handling_code", "handling_note", "recipients", "persons",
)  # fmt: skip


def generate_intel_reports(
    k: int,
    seed: int = 1,
    *,
    persons: int = 0,
    layout: PersonLayout = DEFAULT_LAYOUT,
) -> Iterator[dict[str, str]]:
    """Yield exactly ``k`` intelligence report rows (see ``REPORT_COLUMNS``).

    With ``persons`` > 0, some reports name person ``source_id``s of their own agency
    from ``generate_persons(persons, seed, layout=layout)``.
    """
    rnd = rng_for("reports", seed).random
    n_blocks = (persons + BLOCK - 1) // BLOCK
    for j in range(k):
        agency = pick(rnd, ALL_AGENCIES)
        country = AGENCIES_BY_CODE[agency].country
        russian = rnd() < RUSSIAN_SHARE[country]
        title, body = report_text(rnd, russian)
        date = dt.date.fromordinal(START + int(rnd() * (END - START + 1))).isoformat()
        people = ""
        if n_blocks and rnd() < 0.4:
            start = j * n_blocks // max(k, 1)
            people = pick_person_ids(rnd, seed, start, n_blocks, persons, agency, layout)
        source_grade, info_grade, handling, recipients = grading(rnd, agency)
        yield {
            "agency": agency,
            "source_id": f"IR-{agency}-{date[:4]}-{j + 1:06d}",
            "date": date,
            "title": title,
            "body": body,
            "language": "ru" if russian else "en",
            "source_grade": source_grade,
            "information_grade": info_grade,
            "handling_code": handling,
            "handling_note": handling_note(handling),
            "recipients": recipients,
            "persons": people,
        }
