"""The network chart in the browser: explore, filter, find paths, save and export.

The page itself holds no data: ``static/js/network-chart.js`` asks the JSON API
(:mod:`caravan.web.api.graph` and :mod:`caravan.web.api.charts`) for what the user may
see, so the chart shows exactly what the API shows. These handlers check the right to
use link analysis and hand the script what it needs to speak the page's language:
labels, link types, agencies and where each kind of record has its page.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from caravan.access import allowed, require
from caravan.analyze.network.charts import get_chart
from caravan.analyze.network.types import IN_REPORT, NODE_KINDS
from caravan.domain.handling import HandlingCode
from caravan.domain.places import LinkType
from caravan.store.models import Agency
from caravan.web.deps import LangDep, PrincipalDep, SessionDep
from caravan.web.i18n import translations
from caravan.web.templating import render
from caravan.web.ui.helpers import N_, vocab_label

router = APIRouter()

#: Names of the node kinds, in the legend's order (``NODE_KINDS``).
KIND_NAMES = {
    "profile": N_("Profile"),
    "person": N_("Person"),
    "organisation": N_("Organisation"),
    "vehicle": N_("Vehicle"),
    "phone": N_("Phone"),
    "document": N_("Identity document"),
    "location": N_("Location"),
    "seizure": N_("Seizure"),
    "report": N_("Report"),
    "notice": N_("Restricted record (hit notice)"),
}
IN_REPORT_NAME = N_("Recorded in the same report")

#: Where each kind of node has its page; shown only when the app serves that page.
RECORD_PAGES = {
    "person": "/persons/{}",
    "organisation": "/organisations/{}",
    "vehicle": "/vehicles/{}",
    "phone": "/phones/{}",
    "document": "/documents/{}",
    "location": "/locations/{}",
    "seizure": "/seizures/{}",
    "report": "/reports/{}",
    "profile": "/profiles/{}",
}

#: Every string the chart's script shows, translated in the page and handed over as JSON.
#: ``%(name)s`` placeholders are filled in by the script.
LABELS = {
    "loading": N_("Loading the network…"),
    "laying_out": N_("Arranging %(n)s nodes…"),
    "analysing": N_("Finding communities and central nodes…"),
    "counts": N_("%(nodes)s nodes · %(edges)s links"),
    "empty": N_("Nothing to show: no visible links match these filters."),
    "no_start": N_(
        "Open a record and choose “Open in network chart”, or type a node id such as "
        "person:<uuid> above."
    ),
    "error": N_("The server refused: %(message)s"),
    "network_error": N_("The server could not be reached. Check the connection and try again."),
    "truncated": N_("showing %(shown)s of %(total)s links of %(node)s"),
    "truncated_title": N_("Some nodes have more links than the chart shows"),
    "handling_banner": N_("Handling code of this chart: %(code)s — %(description)s"),
    "select_node": N_("Click a node to see its details and timeline."),
    "kind": N_("Kind"),
    "agencies": N_("Agencies"),
    "handling": N_("Handling code"),
    "grade": N_("Grade"),
    "date": N_("Date"),
    "members": N_("Records merged"),
    "links_shown": N_("Links shown"),
    "links_shown_of": N_("%(shown)s of %(total)s"),
    "open_record": N_("Open the record"),
    "expand": N_("Expand"),
    "hide": N_("Hide"),
    "remove": N_("Remove"),
    "show_hidden": N_("Show hidden nodes (%(n)s)"),
    "set_a": N_("Path from here"),
    "set_b": N_("Path to here"),
    "group_a": N_("Into group A"),
    "group_b": N_("Into group B"),
    "notice_text": N_(
        "You may not read this record. Its owner agency holds something here; ask them "
        "through a request for information."
    ),
    "notice_no_expand": N_("A restricted record cannot be expanded."),
    "notice_label": N_("%(agency)s: restricted linked records: %(n)s"),
    "expanded": N_("New nodes: %(n)s"),
    "expanded_none": N_("No new nodes: everything linked to it is already on the chart."),
    "timeline": N_("Timeline"),
    "timeline_empty": N_("No dated items for this node."),
    "timeline_of": N_("Timeline of %(node)s"),
    "until": N_("until %(date)s"),
    "paths_found": N_("Paths found: %(n)s"),
    "path_n": N_("Path %(n)s: %(hops)s links"),
    "path_need_two": N_("Choose two nodes: click one, shift-click another, or type their ids."),
    "not_connected": N_("These nodes are not connected within the hops allowed."),
    "groups_need": N_("Put at least one node in group A and one in group B."),
    "groups_result": N_("Nodes connecting the groups: %(n)s"),
    "group_count": N_("Nodes: %(n)s"),
    "saved": N_("Chart saved."),
    "name_needed": N_("Give the chart a name."),
    "exporting": N_("Preparing the %(format)s file…"),
    "exported": N_("Downloaded %(file)s."),
    "charts_empty": N_("No saved charts yet. Save one from the network chart."),
    "open": N_("Open"),
    "delete": N_("Delete"),
    "delete_confirm": N_("Delete the chart “%(name)s”?"),
    "shared": N_("Shared"),
    "yes": N_("yes"),
    "no": N_("no"),
    "deleted": N_("Chart deleted."),
    "chart_missing_nodes": N_("Nodes of the saved chart no longer visible to you: %(n)s."),
    "cannot_save": N_("Your role may not save charts."),
}


def record_pages(request: Request) -> dict[str, str]:
    """Record page URL patterns (``{}`` for the uuid) of the pages this app serves."""
    served = {getattr(route, "path", "") for route in request.app.routes}
    pages = {}
    for kind, pattern in RECORD_PAGES.items():
        prefix = pattern.split("{")[0]
        if any(re.fullmatch(re.escape(prefix) + r"\{[a-z_]+\}", path) for path in served):
            pages[kind] = pattern
    return pages


def _agencies(session: Session, lang: str) -> list[dict[str, str]]:
    rows = session.scalars(select(Agency).order_by(Agency.code)).all()
    return [{"code": a.code, "name": a.name(lang)} for a in rows]


def chart_config(request: Request, session: Session, lang: str, can_save: bool) -> dict[str, Any]:
    """What the script needs: translated labels, vocabularies and record pages."""
    gettext = translations(lang).gettext
    return {
        "labels": {key: gettext(text) for key, text in LABELS.items()},
        "kinds": {kind: gettext(KIND_NAMES[kind]) for kind in NODE_KINDS},
        "link_types": {
            **{t.value: vocab_label("LinkType", t.value, lang) for t in LinkType},
            IN_REPORT: gettext(IN_REPORT_NAME),
        },
        "handling": {code.value: code.description(lang) for code in HandlingCode},
        "pages": record_pages(request),
        "can_save": can_save,
        "lang": lang,
    }


def _chart_page(
    request: Request,
    session: Session,
    principal: Any,
    lang: str,
    chart_id: str = "",
) -> Response:
    require(principal, "graph.read")
    can_save = allowed(principal, "chart.save")
    config = chart_config(request, session, lang, can_save)
    context = {
        "config": config,
        "start": request.query_params.get("node", "").strip(),
        "chart_id": chart_id,
        "kinds": [(kind, config["kinds"][kind]) for kind in NODE_KINDS],
        "link_types": list(config["link_types"].items()),
        "agencies": _agencies(session, lang),
        "can_save": can_save,
        "can_export": allowed(principal, "export.run"),
        "grades": [f"{source}{info}" for source in "ABC" for info in "1234"],
    }
    return render(request, "graph/chart.html", context)


@router.get("/graph")
def chart_page(
    request: Request, session: SessionDep, principal: PrincipalDep, lang: LangDep
) -> Response:
    return _chart_page(request, session, principal, lang)


@router.get("/graph/charts")
def charts_page(
    request: Request, session: SessionDep, principal: PrincipalDep, lang: LangDep
) -> Response:
    require(principal, "graph.read")
    config = chart_config(request, session, lang, allowed(principal, "chart.save"))
    return render(request, "graph/charts.html", {"config": config})


@router.get("/graph/charts/{chart_id}")
def saved_chart_page(
    request: Request, chart_id: str, session: SessionDep, principal: PrincipalDep, lang: LangDep
) -> Response:
    # A chart the user may not open answers 404 here as in the API, before any script runs.
    chart = get_chart(session, principal, chart_id)
    return _chart_page(request, session, principal, lang, chart_id=str(chart.id))


__all__ = ["LABELS", "chart_config", "router"]
