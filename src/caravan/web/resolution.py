"""Entity resolution as the web shows it: run options from the settings, and runs, pairs
and profiles as data (the JSON API, and the run page's status).

Everything here is built from what :mod:`caravan.resolve.review` and
:mod:`caravan.resolve.profiles` return — records the user may read, and
:class:`~caravan.access.HitNotice` for the others — field by field, never a record dump,
so nothing of a hidden record can reach an answer through these functions.
"""

from __future__ import annotations

import math
import uuid
from typing import TYPE_CHECKING, Any

from caravan.access import HitNotice
from caravan.config import Settings
from caravan.errors import NotFound
from caravan.resolve.profiles import ProfileView, Sourced
from caravan.resolve.review import PairView
from caravan.store.models import Person, ResolutionRun

if TYPE_CHECKING:  # the service pulls in Splink and DuckDB: imported when a run starts
    from caravan.resolve.service import RunOptions

#: Where each kind of record of a profile's timeline is shown.
PAGES = {"person": "/persons/{}", "seizure": "/seizures/{}", "report": "/reports/{}"}


def run_options(settings: Settings) -> RunOptions:
    """Thresholds and the feature cache's folder from the settings (the CLI's choices)."""
    from caravan.resolve.service import RunOptions

    return RunOptions.from_settings(settings)


def parse_uuid(value: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound(f"No {what} {value}") from None


def probability(weight: float) -> float:
    """Match probability from a match weight (log2 of the odds)."""
    if weight > 60:
        return 1.0
    odds = math.pow(2.0, weight)
    return odds / (1 + odds)


# --------------------------------------------------------------------------- runs


def run_to_dict(run: ResolutionRun) -> dict[str, Any]:
    return {
        "id": str(run.id),
        "mode": run.mode,
        "engine": run.engine,
        "status": run.status,
        "step": run.step,
        "done": run.done,
        "total": run.total,
        "records": run.records,
        "pairs": run.pairs,
        "auto_links": run.auto_links,
        "review": run.review,
        "profiles": run.profiles,
        "summary": run.summary,
        "message": run.message,
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
    }


# --------------------------------------------------------------------------- pairs


def person_summary(person: Person) -> dict[str, Any]:
    return {
        "id": str(person.id),
        "agency": person.agency.code,
        "reference": person.reference,
        "full_name": person.full_name,
        "birth_date": person.birth_date,
        "nationality": person.nationality,
        "handling_code": person.handling_code,
        "url": f"/persons/{person.id}",
    }


def pair_to_dict(view: PairView) -> dict[str, Any]:
    pair = view.pair
    return {
        "id": pair.id,
        "status": pair.status,
        "band": pair.band,
        "probability": pair.probability,
        "match_weight": pair.match_weight,
        "flags": list(pair.flags or []),
        "left": person_summary(view.left),
        "right": person_summary(view.right),
        "left_profile": str(view.left_profile) if view.left_profile else None,
        "right_profile": str(view.right_profile) if view.right_profile else None,
        "steps": view.steps,
    }


# --------------------------------------------------------------------------- profiles


def notice_to_dict(notice: HitNotice) -> dict[str, Any]:
    """A member the user may not read: who holds it and whom to ask — nothing else."""
    return {
        "kind": notice.kind,
        "owner_agency": notice.owner_code,
        "owner_name_en": notice.owner_name_en,
        "owner_name_ru": notice.owner_name_ru,
        "reference": notice.reference,
        "handling_code": notice.handling_code,
        "contact": notice.contact,
    }


def _sourced(values: list[Sourced]) -> list[dict[str, Any]]:
    return [{"value": v.value, "person_id": str(v.person_id), "agency": v.agency} for v in values]


def profile_to_dict(view: ProfileView) -> dict[str, Any]:
    return {
        "id": str(view.id),
        "size": view.size,
        "updated_at": view.updated_at.isoformat(),
        "records": [
            {**person_summary(r.person), "how": r.how, "score": r.score} for r in view.records
        ],
        "notices": [notice_to_dict(n) for n in view.notices],
        "names": _sourced(view.names),
        "birth_dates": _sourced(view.birth_dates),
        "nationalities": _sourced(view.nationalities),
        "documents": _sourced(view.documents),
        "phones": _sourced(view.phones),
        "timeline": [
            {
                "date": e.date,
                "kind": e.kind,
                "label": e.label,
                "record_id": str(e.record_id),
                "person_id": str(e.person_id),
                "url": PAGES[e.kind].format(e.record_id) if e.kind in PAGES else None,
            }
            for e in view.timeline
        ],
    }


__all__ = [
    "PAGES",
    "notice_to_dict",
    "pair_to_dict",
    "parse_uuid",
    "person_summary",
    "probability",
    "profile_to_dict",
    "run_options",
    "run_to_dict",
]
