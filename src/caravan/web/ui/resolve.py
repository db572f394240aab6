"""Entity resolution in the browser: the review queue, a pair and its waterfall,
profiles (with split and move out), and resolution runs.

:mod:`caravan.resolve.review` and :mod:`caravan.resolve.profiles` decide what a user may
see and do — a pair only when both its records are readable, a profile only through its
readable records, the others shown as hit notices. These handlers parse the form, call
them and render, as the JSON API (:mod:`caravan.web.api.resolve`) does.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from jinja2 import pass_context
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from caravan.access import Principal, allowed, require
from caravan.collect.records import linked_records
from caravan.errors import Conflict, FieldError, InvalidData, NotFound
from caravan.resolve.profiles import ProfileView, profile_view
from caravan.resolve.review import PairView, decide, move_out, pair_view, review_queue, split
from caravan.store.models import Person, ResolutionRun
from caravan.web.deps import CsrfDep, LangDep, PrincipalDep, SessionDep, SettingsDep
from caravan.web.i18n import translations
from caravan.web.resolution import PAGES, parse_uuid, probability, run_options, run_to_dict
from caravan.web.templating import render, templates
from caravan.web.ui.forms import FormState
from caravan.web.ui.helpers import N_

router = APIRouter()

#: Pairs per page of the review queue; runs listed on the runs page.
PER_PAGE = 25
RECENT_RUNS = 10

#: The comparisons of the model, as the waterfall names them.
COMPARISONS = {
    "prior": N_("Prior: two records picked at random"),
    "name": N_("Name"),
    "full_plain": N_("Full name as written"),
    "patronymic": N_("Patronymic"),
    "birth": N_("Birth date"),
    "nationality": N_("Nationality"),
    "documents": N_("Documents"),
    "phones": N_("Phones"),
}
#: The model's level labels (``caravan.resolve.model``), marked so each has Russian.
LEVELS = (
    N_("no usable name"),
    N_("same name"),
    N_("same name in another script, spelling or suffix"),
    N_("same names in another order or as an alias"),
    N_("surname and given name a letter or two apart"),
    N_("same name, one part missing"),
    N_("same surname only"),
    N_("given name a letter or two apart, surname different or missing"),
    N_("one name word shared"),
    N_("different names"),
    N_("birth date unknown"),
    N_("same birth date"),
    N_("day and month swapped"),
    N_("same year and month"),
    N_("same year (month unknown)"),
    N_("same year, other month"),
    N_("year one apart"),
    N_("different birth dates"),
    N_("a document number shared"),
    N_("document numbers one keystroke apart"),
    N_("different document numbers"),
    N_("same patronymic"),
    N_("different patronymic"),
    N_("same nationality"),
    N_("different nationality"),
    N_("a phone number shared"),
    N_("different phone numbers"),
)
#: A null level Splink labels by its SQL (``pt_stem is NULL``).
UNKNOWN_LEVEL = N_("not known on one record or both")
FLAGS = {
    "conflicting_identifiers": N_(
        "Conflicting identifiers: same document, different names — never merged automatically"
    ),
    "no_usable_name": N_("No usable name on one of the records — never merged automatically"),
    "held_back": N_(
        "A strong link held back: the two profiles' birth dates contradict, or a decision "
        "keeps them apart"
    ),
}
HOW = {
    "auto": N_("Linked automatically"),
    "confirmed": N_("Confirmed by an analyst"),
    "moved": N_("Moved here by an analyst"),
    "single": N_("Single record"),
}
STEPS = {
    "read": N_("Reading records"),
    "features": N_("Preparing names"),
    "train": N_("Training the model"),
    "score": N_("Scoring pairs"),
    "cluster": N_("Building profiles"),
    "write": N_("Writing profiles"),
}
#: Messages of the resolution services shown through ``_()``; marked here for Russian.
SERVICE_MESSAGES = (
    N_("Give a reason for the decision"),
    N_("Choose at least one record to move"),
    N_("Every record moved must be in this profile"),
    N_("A profile cannot be split into itself: leave at least one record"),
    N_("A resolution run is already in progress; wait for it to finish"),
    N_("This pair was already decided (confirmed)"),
    N_("This pair was already decided (rejected)"),
    N_(
        "An earlier decision says records of these two profiles are different people; "
        "split or move records first"
    ),
)


def localise(message: str, lang: str) -> str:
    """A service's message in ``lang`` (English is the services' own language)."""
    return message if lang == "en" else translations(lang).gettext(message)


# --------------------------------------------------------------------------- the waterfall


@dataclass(frozen=True)
class Bar:
    """One row of the waterfall: a term, its weight and the running total after it."""

    comparison: str
    label: str
    level: str
    weight: float
    total: float
    #: How wide the bar is, in whole % of the chart (the zero line is at 50%); a
    #: ``bar-w-<n>`` class draws it, since the pages allow no inline styles.
    width: int


def level_label(step: dict[str, Any]) -> str:
    level = str(step.get("level") or "")
    if step.get("gamma") == -1 and level.endswith(" is NULL"):
        return UNKNOWN_LEVEL
    return level


def _width(weight: float, scale: float) -> int:
    """Half the chart for the largest term; any term that is not zero shows."""
    if weight == 0:
        return 0
    return max(1, min(50, round(50 * abs(weight) / scale)))


def waterfall(view: PairView) -> dict[str, Any]:
    """The pair's match weight term by term, scaled for the bar chart."""
    steps = view.steps
    final = float(view.pair.detail.get("match_weight", view.pair.match_weight))
    scale = max([abs(float(s["weight"])) for s in steps] + [abs(final), 1.0])
    bars: list[Bar] = []
    total = 0.0
    for step in steps:
        weight = float(step["weight"])
        total += weight
        name = str(step["comparison"])
        bars.append(
            Bar(
                comparison=name,
                label=COMPARISONS.get(name, name),
                level=level_label(step),
                weight=weight,
                total=total,
                width=_width(weight, scale),
            )
        )
    return {
        "bars": bars,
        "final": final,
        "final_width": _width(final, scale),
        "probability": probability(final),
    }


# --------------------------------------------------------------------------- the queue


@router.get("/review")
def queue_page(request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
    require(principal, "resolve.review")
    try:
        page = max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        page = 1
    views, total = review_queue(session, principal, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    context = {
        "pairs": views,
        "total": total,
        "page": page,
        "has_prev": page > 1,
        "has_next": page * PER_PAGE < total,
        "first": (page - 1) * PER_PAGE + 1,
        "flags": FLAGS,
    }
    return render(request, "resolve/queue.html", context)


def _pair_id(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise NotFound(f"No pair {value} that you may see") from None


def _identifiers(session: Session, principal: Principal, person: Person) -> dict[str, list[Any]]:
    """The documents and phones of a person that the user may read."""
    found: dict[str, list[Any]] = {"document": [], "phone": []}
    for item in linked_records(session, principal, person):
        if item.record.KIND in found:
            found[item.record.KIND].append(item.record)
    return found


def _pair_page(
    request: Request,
    session: Session,
    principal: Principal,
    view: PairView,
    form: FormState,
    status_code: int = 200,
) -> Response:
    context = {
        "view": view,
        "pair": view.pair,
        "sides": [
            (view.left, view.left_profile, _identifiers(session, principal, view.left)),
            (view.right, view.right_profile, _identifiers(session, principal, view.right)),
        ],
        "waterfall": waterfall(view),
        "flags": FLAGS,
        "form": form,
    }
    return render(request, "resolve/pair.html", context, status_code=status_code)


@router.get("/review/{pair_id}")
def pair_page(
    request: Request, pair_id: str, session: SessionDep, principal: PrincipalDep
) -> Response:
    view = pair_view(session, _pair_id(pair_id), principal)
    return _pair_page(request, session, principal, view, FormState())


@router.post("/review/{pair_id}", dependencies=[CsrfDep])
async def decide_pair(
    request: Request, pair_id: str, session: SessionDep, principal: PrincipalDep, lang: LangDep
) -> Response:
    """Confirm or reject; then on to the strongest pair still waiting."""
    require(principal, "resolve.review")
    number = _pair_id(pair_id)
    posted = await request.form()
    decision = str(posted.get("decision") or "")
    form = FormState(values={"reason": str(posted.get("reason") or ""), "decision": decision})
    try:
        if decision not in ("confirm", "reject"):
            raise InvalidData([FieldError("decision", N_("Choose confirm or reject"))])
        decide(
            session, number, principal, confirm=decision == "confirm", reason=form.values["reason"]
        )
    except (InvalidData, Conflict) as exc:
        session.rollback()
        errors = (
            exc.errors if isinstance(exc, InvalidData) else [FieldError("decision", exc.message)]
        )
        for error in errors:
            form.errors.setdefault(error.field, []).append(localise(error.message, lang))
        view = pair_view(session, number, principal)
        status = 409 if isinstance(exc, Conflict) else 422
        return _pair_page(request, session, principal, view, form, status_code=status)
    session.commit()
    following, _ = review_queue(session, principal, limit=1)
    if following:
        return RedirectResponse(f"/review/{following[0].pair.id}?notice=decided", status_code=303)
    return RedirectResponse("/review?notice=decided", status_code=303)


@pass_context
def review_pending(context: Any) -> int | None:
    """Pairs the signed-in user may review (for the navigation); ``None`` when their
    role reviews none."""
    user = context.get("user")
    if user is None:
        return None
    principal = Principal.from_user(user)
    if not allowed(principal, "resolve.review"):
        return None
    session = object_session(user)
    if session is None:  # an error page, rendered after the request's session closed
        return 0
    _, total = review_queue(session, principal, limit=0)
    return total


# --------------------------------------------------------------------------- profiles


def _profile_page(
    request: Request,
    session: Session,
    principal: Principal,
    view: ProfileView,
    form: FormState | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "profile": view,
        "how": HOW,
        "pages": PAGES,
        "can_review": allowed(principal, "resolve.review"),
        "form": form or FormState(),
    }
    return render(request, "resolve/profile.html", context, status_code=status_code)


@router.get("/profiles/{profile_id}")
def profile_page(
    request: Request, profile_id: str, session: SessionDep, principal: PrincipalDep
) -> Response:
    view = profile_view(session, parse_uuid(profile_id, "profile"), principal)
    return _profile_page(request, session, principal, view)


def _refused(
    request: Request,
    session: Session,
    principal: Principal,
    profile_id: uuid.UUID,
    form: FormState,
    exc: InvalidData | Conflict,
    lang: str,
    prefix: str,
) -> Response:
    session.rollback()
    errors = exc.errors if isinstance(exc, InvalidData) else [FieldError("reason", exc.message)]
    for error in errors:
        name = f"{prefix}reason" if error.field != "person_ids" else f"{prefix}person_ids"
        form.errors.setdefault(name, []).append(localise(error.message, lang))
    view = profile_view(session, profile_id, principal)
    return _profile_page(request, session, principal, view, form, status_code=422)


@router.post("/profiles/{profile_id}/split", dependencies=[CsrfDep])
async def split_profile(
    request: Request, profile_id: str, session: SessionDep, principal: PrincipalDep, lang: LangDep
) -> Response:
    """Move the ticked records into one new profile, and show it."""
    require(principal, "resolve.review")
    pid = parse_uuid(profile_id, "profile")
    profile_view(session, pid, principal)  # a profile the user may not see does not exist
    posted = await request.form()
    form = FormState(
        values={"split-reason": str(posted.get("reason") or "")},
        person_ids=[str(v) for v in posted.getlist("person_ids") if v],
    )
    try:
        ids = [parse_uuid(v, "record") for v in form.person_ids]
        new = split(session, pid, ids, principal, reason=form.values["split-reason"])
    except (InvalidData, Conflict) as exc:
        return _refused(request, session, principal, pid, form, exc, lang, "split-")
    session.commit()
    return RedirectResponse(f"/profiles/{new}?notice=split", status_code=303)


@router.post("/profiles/{profile_id}/move", dependencies=[CsrfDep])
async def move_record(
    request: Request, profile_id: str, session: SessionDep, principal: PrincipalDep, lang: LangDep
) -> Response:
    """Take one record out into a profile of its own; back to this profile."""
    require(principal, "resolve.review")
    pid = parse_uuid(profile_id, "profile")
    profile_view(session, pid, principal)
    posted = await request.form()
    person = str(posted.get("person_id") or "")
    prefix = f"move-{person}-"
    form = FormState(values={f"{prefix}reason": str(posted.get("reason") or "")})
    try:
        move_out(
            session,
            pid,
            parse_uuid(person, "record"),
            principal,
            reason=form.values[f"{prefix}reason"],
        )
    except (InvalidData, Conflict) as exc:
        return _refused(request, session, principal, pid, form, exc, lang, prefix)
    session.commit()
    return RedirectResponse(f"/profiles/{pid}?notice=moved", status_code=303)


# --------------------------------------------------------------------------- runs


def _runs_page(
    request: Request,
    session: Session,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    runs = session.scalars(
        select(ResolutionRun).order_by(ResolutionRun.started_at.desc()).limit(RECENT_RUNS)
    ).all()
    context = {"runs": runs, "error": error, "steps": STEPS}
    return render(request, "resolve/runs.html", context, status_code=status_code)


@router.get("/resolution")
def runs_page(request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
    require(principal, "resolve.run")
    return _runs_page(request, session)


@router.post("/resolution/runs", dependencies=[CsrfDep])
async def start_run(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    lang: LangDep,
) -> Response:
    """Start a run in the background and show its page (which follows its progress)."""
    require(principal, "resolve.run")
    posted = await request.form()
    session.commit()  # the run's own transactions write; this one must hold no lock
    from caravan.resolve.service import start_in_background  # Splink and DuckDB: load late

    try:
        run_id = start_in_background(
            request.app.state.db,
            principal,
            full=posted.get("full") == "1",
            options=run_options(settings),
        )
    except Conflict as exc:
        return _runs_page(request, session, localise(exc.message, lang), status_code=409)
    return RedirectResponse(f"/resolution/runs/{run_id}", status_code=303)


def _run(session: Session, principal: Principal, run_id: str) -> ResolutionRun:
    require(principal, "resolve.run")
    run = session.get(ResolutionRun, parse_uuid(run_id, "run"))
    if run is None:
        raise NotFound(f"No run {run_id}")
    return run


@router.get("/resolution/runs/{run_id}")
def run_page(
    request: Request, run_id: str, session: SessionDep, principal: PrincipalDep
) -> Response:
    run = _run(session, principal, run_id)
    return render(request, "resolve/run.html", {"run": run, "steps": STEPS})


@router.get("/resolution/runs/{run_id}/status")
def run_status(
    run_id: str, session: SessionDep, principal: PrincipalDep, lang: LangDep
) -> JSONResponse:
    data = run_to_dict(_run(session, principal, run_id))
    step = data["step"]
    data["step_label"] = localise(STEPS[step], lang) if step in STEPS else (step or "")
    return JSONResponse(data, headers={"Cache-Control": "no-store"})


@pass_context
def may(context: Any, action: str) -> bool:
    """Whether the signed-in user's role may take ``action`` (for menus and buttons)."""
    user = context.get("user")
    return user is not None and allowed(Principal.from_user(user), action)


def install() -> None:
    """Register what the navigation of every page needs (the review queue's count)."""
    templates.env.globals.update(review_pending=review_pending, may=may)


__all__ = ["install", "router", "waterfall"]
