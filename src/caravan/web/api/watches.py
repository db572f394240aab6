"""``/api/v1/watches``: watches on profiles, selectors and seizure queries, and their matches.

A watch is its owner's alone: nobody else lists, opens, changes or deletes it (another
user's watch answers 404). When new data matches, the owner is notified in the inbox
(``/api/v1/notifications``), by e-mail when the watch asks for it and they gave an
address, and by a webhook signed with the watch's secret (HMAC-SHA256) — at once or in
the daily digest. A match on a record the owner may not read is a hit notice: who holds
it and how to ask, never its content.
"""

# No ``from __future__ import annotations``: FastAPI reads these annotations at runtime.

from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from caravan.exchange import alerts
from caravan.match.selectors import KINDS as SELECTOR_KINDS
from caravan.store.models import Watch
from caravan.web.api.schemas import iso_utc
from caravan.web.deps import CsrfDep, PrincipalDep, SessionDep

router = APIRouter(tags=["watches"])

CRITERIA_DESCRIPTION = (
    "For a ``selector`` watch, the fields a check takes for its ``selector_kind`` — "
    "person: ``surname``, ``given_name``, ``patronymic`` or ``full_name`` (any script), "
    "``birth_date`` (partial ISO date), ``nationality``, ``document``; phone: ``phone``; "
    "plate: ``plate``; document: ``document``; company: ``name``. For a ``query`` watch: "
    "``drug_code`` (or a drug name) or ``drug_group``, ``country``, ``min_kg`` (above 0) "
    "and ``transport_mode`` — at least one. Stored cleaned (E.164 phone, ISO country…)."
)
EXAMPLES: list[Any] = [
    {
        "kind": "selector",
        "selector_kind": "person",
        "criteria": {"surname": "Rakhimov", "given_name": "Jamshed", "birth_date": "1985"},
        "delivery": "immediate",
        "email": True,
    },
    {"kind": "selector", "selector_kind": "phone", "criteria": {"phone": "+996 555 123 456"}},
    {
        "kind": "query",
        "label": "Heroin over 10 kg in Kyrgyzstan",
        "criteria": {"drug_code": "heroin", "country": "KG", "min_kg": 10},
        "delivery": "digest",
        "webhook_url": "https://hooks.example.org/caravan",
    },
    {"kind": "profile", "profile_id": "0b9e5d1c-3a3f-4e0b-9f4a-2c1d0e7b6a55"},
]


class WatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": EXAMPLES})

    kind: str = Field(description="``profile``, ``selector`` or ``query``")
    label: str | None = Field(
        None, description=f"Your name for it (default: what it watches), {alerts.MAX_LABEL} max"
    )
    selector_kind: str | None = Field(
        None, description=f"For a selector watch: one of {', '.join(SELECTOR_KINDS)}"
    )
    criteria: dict[str, Any] = Field(default_factory=dict, description=CRITERIA_DESCRIPTION)
    profile_id: str | None = Field(
        None, description="For a profile watch: a profile you may see at least one record of"
    )
    delivery: str = Field(
        "immediate",
        description="``immediate``, or ``digest``: e-mail and webhook once a day "
        "(the inbox still at once)",
    )
    email: bool = Field(False, description="Also e-mail you (to your account's address)")
    webhook_url: str | None = Field(
        None,
        description="Also POST each alert as JSON here (http or https), signed with the "
        "watch's secret: ``X-Caravan-Signature: sha256=`` + hex HMAC-SHA256 of "
        "``<X-Caravan-Timestamp>.<body>``",
    )
    active: bool = Field(True, description="An inactive watch matches nothing")


class WatchChangeIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"active": False}, {"delivery": "digest", "email": True}]},
    )

    label: str | None = Field(None, description="A new name")
    active: bool | None = Field(None, description="Pause (false) or resume (true) the watch")
    delivery: str | None = Field(None, description="``immediate`` or ``digest``")
    email: bool | None = Field(None, description="E-mail alerts, or stop")
    webhook_url: str | None = Field(
        None, description="A new webhook (gets a new secret); an empty string removes it"
    )


def watch_to_dict(watch: Watch, *, secret: bool = False) -> dict[str, Any]:
    """A watch as its owner sees it (``secret``: with the webhook secret)."""
    data: dict[str, Any] = {
        "id": watch.id,
        "kind": watch.kind,
        "label": watch.label,
        "selector_kind": watch.selector_kind,
        "criteria": alerts.public_criteria(watch),
        "profile_id": str(watch.profile_id) if watch.profile_id else None,
        "delivery": watch.delivery,
        "email": watch.email,
        "webhook_url": watch.webhook_url,
        "active": watch.active,
        "created_at": iso_utc(watch.created_at),
        "last_match_at": iso_utc(watch.last_match_at),
        "match_count": watch.match_count,
        "url": f"/api/v1/watches/{watch.id}",
    }
    if secret:
        data["webhook_secret"] = watch.webhook_secret
    return data


def hit_to_dict(hit: alerts.HitView) -> dict[str, Any]:
    data: dict[str, Any] = {
        "record_kind": hit.kind,
        "score": hit.score,
        "explanation": hit.explanation,
        "matched_at": iso_utc(hit.created_at),
        "visible": hit.visible,
        "label": hit.label,
        "url": hit.url,
    }
    if hit.record is not None:
        data.update(
            record_id=str(hit.record.id),
            agency=hit.record.agency.code,
            reference=hit.record.reference,
            handling_code=hit.record.handling_code,
        )
    elif hit.notice is not None:
        data.update(
            owner=hit.notice.owner_code,
            reference=hit.notice.reference,
            handling_code=hit.notice.handling_code,
            contact=hit.notice.contact,
        )
    return data


@router.get("/watches")
def list_watches(session: SessionDep, principal: PrincipalDep) -> dict[str, Any]:
    """Your watches, newest first (webhook secrets only on each watch's own URL)."""
    return {"items": [watch_to_dict(w) for w in alerts.list_watches(session, principal)]}


@router.post("/watches", status_code=201, dependencies=[CsrfDep])
def create_watch(body: WatchIn, session: SessionDep, principal: PrincipalDep) -> dict[str, Any]:
    """Start watching a profile, a selector or a seizure query. New data from now on is
    matched; 422 names every bad field (``criteria.phone``, ``webhook_url``…); a profile
    you may see none of is 404. The answer carries the webhook secret, if any."""
    watch = alerts.create_watch(session, principal, body.model_dump(exclude_none=True))
    return watch_to_dict(watch, secret=True)


@router.get("/watches/{watch_id}")
def get_watch(watch_id: int, session: SessionDep, principal: PrincipalDep) -> dict[str, Any]:
    """One of your watches, with its webhook secret."""
    return watch_to_dict(alerts.get_watch(session, principal, watch_id), secret=True)


@router.put("/watches/{watch_id}", dependencies=[CsrfDep])
def change_watch(
    watch_id: int, body: WatchChangeIn, session: SessionDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Change ``label``, ``active``, ``delivery``, ``email`` or ``webhook_url`` of your
    watch (what it watches is fixed: make a new watch instead)."""
    changes = body.model_dump(exclude_unset=True)
    watch = alerts.update_watch(session, principal, watch_id, changes)
    return watch_to_dict(watch, secret=True)


@router.delete("/watches/{watch_id}", status_code=204, dependencies=[CsrfDep])
def delete_watch(watch_id: int, session: SessionDep, principal: PrincipalDep) -> Response:
    """Stop watching; the watch's matches go with it (its notifications stay)."""
    alerts.delete_watch(session, principal, watch_id)
    return Response(status_code=204)


@router.get("/watches/{watch_id}/hits")
def watch_hits(watch_id: int, session: SessionDep, principal: PrincipalDep) -> dict[str, Any]:
    """Your watch's matches, newest first, as you may see each record now: a record you
    may read with its label and page, any other as a hit notice (owner, reference,
    handling code, contact, and ``url`` to request it)."""
    return {"items": [hit_to_dict(h) for h in alerts.watch_hits(session, principal, watch_id)]}
