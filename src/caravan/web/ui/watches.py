"""Pages: watches — what a user watches, each watch's matches, and a form to add one.

Everything is decided by :mod:`caravan.exchange.alerts` (validation, who may see which
watch, what a match shows of a record); these handlers parse the form, call it and
render. Form inputs are named ``<kind>-<field>`` (one form holds every kind of watch).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from caravan.access import Principal, require
from caravan.domain import all_drugs, drug_groups
from caravan.domain.places import TransportMode, label
from caravan.errors import InvalidData
from caravan.exchange import alerts
from caravan.web.deps import CsrfDep, LangDep, PrincipalDep, SessionDep
from caravan.web.templating import render
from caravan.web.ui.forms import FormState
from caravan.web.ui.helpers import N_, country_choices

router = APIRouter()

#: The form's fields for each kind of watch, in the order shown.
FIELDS: dict[str, tuple[str, ...]] = {
    "person": ("surname", "given_name", "patronymic", "birth_date", "document"),
    "phone": ("phone",),
    "plate": ("plate",),
    "document": ("document",),
    "company": ("name",),
    "query": ("drug_code", "drug_group", "country", "min_kg", "transport_mode"),
    "profile": ("profile_id",),
}
KIND_LABELS = {
    "person": N_("Person"),
    "phone": N_("Phone"),
    "plate": N_("Number plate"),
    "document": N_("Document"),
    "company": N_("Company"),
    "query": N_("Seizure query"),
    "profile": N_("Profile"),
}
COMMON = ("label", "delivery", "webhook_url")
DELIVERY_LABELS = {"immediate": N_("At once"), "digest": N_("Daily digest")}


def _kind_of(watch: Any) -> str:
    if watch.kind == "selector":
        return str(watch.selector_kind)
    return str(watch.kind)


def _raw(kind: str, values: dict[str, str], email: bool) -> dict[str, Any]:
    criteria = {f: values[f"{kind}-{f}"] for f in FIELDS[kind] if values.get(f"{kind}-{f}")}
    raw: dict[str, Any] = {k: values[k] for k in COMMON if values.get(k)}
    raw["email"] = email
    if kind == "query":
        raw.update(kind="query", criteria=criteria)
    elif kind == "profile":
        raw.update(kind="profile", profile_id=criteria.get("profile_id"))
    else:
        raw.update(kind="selector", selector_kind=kind, criteria=criteria)
    return raw


def _errors(kind: str, exc: InvalidData) -> FormState:
    """Service errors beside the form's fields (``criteria.surname`` → ``person-surname``)."""
    state = FormState()
    for error in exc.errors:
        name = error.field.removeprefix("criteria.")
        field = f"{kind}-{name}" if name in FIELDS[kind] else name
        state.errors.setdefault(field, []).append(error.message)
        state.summary.append(
            {"field": field, "anchor": f"f-{field}", "message": error.message, "value": error.value}
        )
    return state


def _page(
    request: Request,
    session: Any,
    principal: Principal,
    lang: str,
    *,
    kind: str,
    form: FormState,
    status_code: int = 200,
) -> Response:
    watches = alerts.list_watches(session, principal)
    context = {
        "watches": watches,
        "kind_of": _kind_of,
        "kind": kind,
        "kinds": list(FIELDS),
        "kind_labels": KIND_LABELS,
        "delivery_labels": DELIVERY_LABELS,
        "form": form,
        "countries": country_choices(lang),
        "drugs": [(d.code, d.name(lang)) for d in all_drugs()],
        "groups": [(g, g) for g in drug_groups()],
        "modes": [(str(m), label(m, lang)) for m in TransportMode],
        "deliveries": [(k, v) for k, v in DELIVERY_LABELS.items()],
    }
    return render(request, "watches/list.html", context, status_code=status_code)


@router.get("/watches")
def watches_page(
    request: Request, session: SessionDep, principal: PrincipalDep, lang: LangDep
) -> Response:
    """Your watches and the form to add one; ``?kind=person&surname=…`` pre-fills it (the
    "Watch" button of a check)."""
    require(principal, "watch.manage")
    kind = request.query_params.get("kind", "person")
    kind = kind if kind in FIELDS else "person"
    values = {
        f"{kind}-{f}": request.query_params[f] for f in FIELDS[kind] if f in request.query_params
    }
    return _page(request, session, principal, lang, kind=kind, form=FormState(values=values))


@router.post("/watches", dependencies=[CsrfDep])
async def add_watch(
    request: Request, session: SessionDep, principal: PrincipalDep, lang: LangDep
) -> Response:
    posted = await request.form()
    kind = str(posted.get("kind") or "person")
    kind = kind if kind in FIELDS else "person"
    names = [f"{k}-{f}" for k, fields in FIELDS.items() for f in fields] + list(COMMON)
    values = {n: str(posted.get(n) or "").strip() for n in names}
    try:
        watch = alerts.create_watch(
            session, principal, _raw(kind, values, posted.get("email") == "on")
        )
    except InvalidData as exc:
        session.rollback()
        form = _errors(kind, exc)
        form.values = {**values, "email": posted.get("email") or ""}
        return _page(request, session, principal, lang, kind=kind, form=form, status_code=422)
    return RedirectResponse(f"/watches/{watch.id}", status_code=303)


@router.get("/watches/{watch_id}")
def watch_page(
    request: Request, watch_id: int, session: SessionDep, principal: PrincipalDep
) -> Response:
    """One watch: what it watches, its matches as you may see them now, its webhook secret."""
    watch = alerts.get_watch(session, principal, watch_id)
    hits = alerts.watch_hits(session, principal, watch_id)
    context = {
        "watch": watch,
        "hits": hits,
        "kind_label": KIND_LABELS[_kind_of(watch)],
        "criteria": alerts.public_criteria(watch),
        "delivery_labels": DELIVERY_LABELS,
    }
    return render(request, "watches/detail.html", context)


@router.post("/watches/{watch_id}/toggle", dependencies=[CsrfDep])
def toggle_watch(watch_id: int, session: SessionDep, principal: PrincipalDep) -> Response:
    """Pause an active watch, or resume a paused one."""
    watch = alerts.get_watch(session, principal, watch_id)
    alerts.update_watch(session, principal, watch_id, {"active": not watch.active})
    return RedirectResponse("/watches", status_code=303)


@router.post("/watches/{watch_id}/delete", dependencies=[CsrfDep])
def delete_watch(watch_id: int, session: SessionDep, principal: PrincipalDep) -> Response:
    alerts.delete_watch(session, principal, watch_id)
    return RedirectResponse("/watches", status_code=303)
