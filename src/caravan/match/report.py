"""A check's outcome as data (API, CLI, batch rows): explicit fields, never a record dump.

A hit notice is rendered from :class:`~caravan.access.HitNotice` alone, so nothing of
a restricted record can reach an answer through these functions.
"""

from __future__ import annotations

from typing import Any

from caravan.match.checks import CheckOutcome, Hit
from caravan.store.models import Person


def _summary(hit: Hit) -> dict[str, Any]:
    record = hit.record
    assert record is not None
    data: dict[str, Any] = {
        "id": str(record.id),
        "label": record.full_name if isinstance(record, Person) else getattr(record, "label", ""),
    }
    if isinstance(record, Person):
        data.update(
            birth_date=record.birth_date,
            nationality=record.nationality,
            matched_name=hit.matched_name,
        )
    return data


def request_text(hit: Hit) -> str:
    """What to send the owner to ask for the record behind a hit notice."""
    assert hit.notice is not None
    return (
        f"Request for information: your record {hit.notice.reference} "
        f"({hit.kind}, {hit.notice.handling_code}) matched our check."
    )


def hit_to_dict(hit: Hit) -> dict[str, Any]:
    data: dict[str, Any] = {
        "rank": hit.rank,
        "kind": hit.kind,
        "score": hit.score,
        "band": hit.band,
        "explanation": hit.explanation,
        "visible": hit.visible,
        "agency": hit.agency,
        "reference": hit.reference,
        "handling_code": hit.handling_code,
    }
    if hit.record is not None:
        data["record"] = _summary(hit)
        data["url"] = hit.url
    else:
        notice = hit.notice
        assert notice is not None
        data["notice"] = {
            "owner_agency": notice.owner_code,
            "owner_name_en": notice.owner_name_en,
            "owner_name_ru": notice.owner_name_ru,
            "contact": notice.contact,
            "request_information": {
                "agency": notice.owner_code,
                "contact": notice.contact,
                "reference": notice.reference,
                "text": request_text(hit),
                # The body of POST /api/v1/rfis that asks for it (add the rest and send).
                "rfi": {
                    "to": [notice.owner_code],
                    "subject": request_text(hit),
                    "subjects": [{"kind": hit.kind, "reference": notice.reference}],
                },
            },
        }
    return data


def outcome_to_dict(outcome: CheckOutcome) -> dict[str, Any]:
    return {
        "kind": outcome.selector.kind,
        "query": outcome.selector.shown,
        "total": outcome.total,
        "shown": len(outcome.hits),
        "advice": outcome.advice,
        "hits": [hit_to_dict(h) for h in outcome.hits],
    }


#: Columns of a batch's results (one row per hit).
RESULT_COLUMNS = ("query_id", "rank", "score", "band", "agency", "source_id", "visible")


def hit_row(query_id: str, hit: Hit) -> dict[str, Any]:
    return {
        "query_id": query_id,
        "rank": hit.rank,
        "score": hit.score,
        "band": hit.band,
        "agency": hit.agency,
        "source_id": hit.reference,
        "visible": hit.visible,
    }


__all__ = ["RESULT_COLUMNS", "hit_row", "hit_to_dict", "outcome_to_dict", "request_text"]
