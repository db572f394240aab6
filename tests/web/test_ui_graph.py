"""The network chart in Chromium: 2,000 nodes on screen, expand, filter, paths, layouts,
communities, timeline, save and export; hit notices; Russian; the "open in chart" buttons.

The region is written straight into the store (``bulk_insert``): a hub person with a
phone, a company and a dozen lieutenants, each with a ring of associates, so two hops
from the hub hold more than 2,000 nodes and about 4,000 links.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Table
from ui_support import browser_sign_in, file_sample_records, shot, sign_in

from caravan.analyze.network.store import forget
from caravan.collect.writer import note_change
from caravan.store.bulk import bulk_insert, new_id
from caravan.store.models import (
    IntelReport,
    Link,
    Organisation,
    Person,
    Phone,
    SeizureReport,
    Vehicle,
)
from caravan.store.models.base import utcnow

#: The notice node's owner keeps this surname to itself (KG-MVD, H2).
SECRET_SURNAME = "Засекреченный"

#: The chart has loaded and has no request or layout in flight (selectors: the page's CSP
#: refuses the eval behind ``wait_for_function``).
SETTLED = "#network-chart[data-ready=true][data-pending='0']"
NODES = "window.caravanChart.cy.nodes().length"


#: A record as a link names it: (kind, hex id).
Ref = tuple[str, str]


@dataclass
class Region:
    #: name → (kind, hex id) of every record written.
    ids: dict[str, Ref] = field(default_factory=dict)

    def node(self, name: str) -> str:
        """The chart's id of a record: ``"<kind>:<uuid>"``."""
        kind, hex_id = self.ids[name]
        return f"{kind}:{uuid.UUID(hex_id)}"


def seed_region(
    session: Any, agencies: dict[str, Any], *, groups: int = 12, members: int = 160
) -> Region:
    """Write the region: ``groups`` × ``members`` associates around a hub, and more."""
    kz, kg = agencies["KZ-MVD"].id, agencies["KG-MVD"].id
    region = Region()
    persons: list[tuple[Any, ...]] = []
    links: list[tuple[Any, ...]] = []

    def person(name: str, surname: str, given: str, agency: int = kz, code: str = "H1") -> Ref:
        hex_id = new_id()
        region.ids[name] = ("person", hex_id)
        persons.append((hex_id, agency, code, surname, given, surname.casefold(), "B", "2"))
        return ("person", hex_id)

    def link(
        kind: str,
        a: Ref,
        b: Ref,
        *,
        agency: int = kz,
        code: str = "H1",
        valid_from: str | None = None,
        report: Ref | None = None,
    ) -> None:
        links.append(
            (new_id(), agency, code, kind, *a, *b, valid_from, *(report or (None, None)), "B", "2")
        )

    # Records written through the ORM: the hub's phone, company, a seizure, a report and
    # a vehicle beyond a leaf (three hops out: expanding the leaf brings it in).
    phone = Phone(agency_id=kz, handling_code="H1", e164="+77015550000")
    company = Organisation(agency_id=kz, handling_code="H0", name="ТОО Караван", name_key="караван")
    seizure = SeizureReport(
        agency_id=kz,
        handling_code="H2",
        date="2025-03-11",
        seized_on=date(2025, 3, 11),
        country="KZ",
        drug_code="heroin",
        drug_group="opiates",
        quantity=Decimal("12.4"),
        unit="kg",
        source_grade="B",
        information_grade="2",
    )
    report = IntelReport(
        agency_id=kz,
        handling_code="H1",
        date="2025-02-20",
        reported_on=date(2025, 2, 20),
        title="Маршрут через Кордай",
        body="…",
        source_grade="B",
        information_grade="2",
    )
    vehicle = Vehicle(
        agency_id=kz, handling_code="H1", plate="777ABD02", plate_key="777ABD02", make="Volvo"
    )
    refs: dict[str, Ref] = {}
    for name, record in (
        ("phone", phone),
        ("organisation", company),
        ("seizure", seizure),
        ("report", report),
        ("vehicle", vehicle),
    ):
        record.id = uuid.UUID(new_id())
        region.ids[name] = refs[name] = (name, record.id.hex)
    session.add_all([phone, company, seizure, report, vehicle])
    session.flush()

    hub = person("hub", "Хабибуллаев", "Рустам")
    for g in range(groups):
        lieutenant = person(f"lieutenant-{g}", f"Лейтенантов{g}", "Бахтияр")
        link("associate", hub, lieutenant, valid_from=f"2024-{g % 12 + 1:02d}-01")
        ring = [person(f"member-{g}-{m}", f"Участник{g}x{m}", "Тест") for m in range(members)]
        for m, member in enumerate(ring):
            link(("associate", "travelled_with", "family")[m % 3], lieutenant, member)
            # Each member also knows the next one: about 4,000 links in all.
            link("called", member, ring[(m + 1) % members])
    # Lieutenants 0 and 1 talk directly too: a second path between their groups.
    link("called", region.ids["lieutenant-0"], region.ids["lieutenant-1"])
    # A notice: KG-MVD's restricted person, linked to the hub by a link KZ-MVD may read.
    secret = person("secret", SECRET_SURNAME, "Тайный", agency=kg, code="H2")
    link("associate", hub, secret, agency=kg, code="H1")
    link("uses_phone", hub, refs["phone"], valid_from="2023-06-01")
    link("director_of", hub, refs["organisation"], valid_from="2022-01-15")
    link("involved_in_seizure", hub, refs["seizure"], valid_from="2025-03-11")
    link(
        "mentioned_in_report",
        hub,
        refs["report"],
        valid_from="2025-02-20",
        report=refs["report"],
    )
    for e in range(150):
        link("employee_of", person(f"employee-{e}", f"Работник{e}", "Тест"), refs["organisation"])
    link("drives", region.ids["member-0-5"], refs["vehicle"])

    now = utcnow()
    constants = {"created_at": now, "updated_at": now, "version": 1, "grading_scheme": "europol"}
    bulk_insert(session, table_of(Person), PERSON_COLUMNS, persons, constants=constants)
    bulk_insert(session, table_of(Link), LINK_COLUMNS, links, constants=constants)
    note_change(session, "person", inserted=[p[0] for p in persons] + [x[0] for x in links])
    session.flush()
    return region


def table_of(model: Any) -> Table:
    table: Table = model.__table__
    return table


PERSON_COLUMNS = (
    "id",
    "agency_id",
    "handling_code",
    "surname",
    "given_name",
    "surname_key",
    "source_grade",
    "information_grade",
)
LINK_COLUMNS = (
    "id",
    "agency_id",
    "handling_code",
    "link_type",
    "from_kind",
    "from_id",
    "to_kind",
    "to_id",
    "valid_from",
    "report_kind",
    "report_id",
    "source_grade",
    "information_grade",
)


@pytest.fixture
def region(world: Any) -> Region:
    with world.db.session() as session:
        found = seed_region(session, world.agencies)
    forget()
    return found


@pytest.fixture
def small_region(world: Any) -> Region:
    with world.db.session() as session:
        found = seed_region(session, world.agencies, groups=2, members=6)
    forget()
    return found


def _open(page: Any, url: str) -> None:
    page.goto(url)
    _settle(page)


def _settle(page: Any) -> None:
    """Wait until the chart has no request or layout in flight."""
    page.wait_for_selector(SETTLED, state="attached", timeout=30_000)


# --------------------------------------------------------------------------- pages


def test_the_chart_page_and_the_saved_charts_page(client: TestClient, world: Any) -> None:
    sign_in(client, "kz-mvd.analyst")
    page = client.get("/graph")
    assert page.status_code == 200
    assert 'id="chart-config"' in page.text
    assert "/static/vendor/cytoscape/cytoscape.min.js" in page.text
    assert 'href="/graph"' in page.text  # the navigation's "Network"
    assert client.get("/graph/charts").status_code == 200
    # A chart the user may not open is refused before any script runs, as in the API.
    assert client.get("/graph/charts/not-a-chart").status_code == 404


def test_record_and_profile_pages_open_the_chart(client: TestClient, world: Any) -> None:
    principal = world.principal("kz-mvd.officer")
    with world.db.session() as session:
        ids = file_sample_records(principal, session)
    sign_in(client, "kz-mvd.officer")
    for kind, path, source_id in (
        ("person", "persons", "KZ-P-1001"),
        ("seizure", "seizures", "KZ-S-2025-0311"),
        ("report", "reports", "KZ-R-77"),
    ):
        html = client.get(f"/{path}/{ids[source_id]}").text
        assert f'href="/graph?node={kind}:{ids[source_id]}"' in html, kind


# --------------------------------------------------------------------------- in Chromium


def test_two_thousand_nodes_explored_in_chromium(browser_page: Any, region: Region) -> None:
    page = browser_page
    browser_sign_in(page, "kz-mvd.analyst")
    hub = region.node("hub")
    _open(page, f"/graph?node={hub}&hops=2&cap=1000")

    nodes = page.evaluate(NODES)
    edges = page.evaluate("window.caravanChart.cy.edges().length")
    assert nodes >= 2000, nodes
    assert edges >= 3900, edges
    # Node ids are the API's ids; the start node is the focus and selected.
    assert page.evaluate(f"window.caravanChart.cy.getElementById('{hub}').hasClass('focus')")
    assert page.locator("#node-details").get_attribute("data-node") == hub
    assert page.locator("#chart-banner").get_attribute("data-code") == "H2"  # the seizure
    assert "H2" in page.locator("#chart-banner").inner_text()
    assert page.locator("#chart-counts").inner_text().startswith(f"{nodes:,} nodes")
    assert page.evaluate("window.caravanChart.cy.container().dataset.layout") == "force"
    # The notice is grey, dashed and shows no content.
    notice = page.evaluate(
        "window.caravanChart.cy.nodes('.notice').map(n => [n.id(), n.data('label')])"
    )
    assert len(notice) == 1 and notice[0][0].startswith("notice:")
    assert SECRET_SURNAME not in notice[0][1]
    assert notice[0][1] == "KG-MVD: restricted linked records: 1"
    shot(page, "graph-2000-nodes")

    # Expand a leaf: the vehicle three hops out joins the chart.
    leaf = region.node("member-0-5")
    vehicle = region.node("vehicle")
    assert page.evaluate(f"window.caravanChart.cy.getElementById('{vehicle}').length") == 0
    page.evaluate(f"window.caravanChart.focusNode('{leaf}')")
    page.locator("#node-details[data-node='" + leaf + "'] [data-action=expand]").click()
    _settle(page)
    assert page.evaluate(f"window.caravanChart.cy.getElementById('{vehicle}').length") == 1
    assert page.evaluate(NODES) == nodes + 1
    assert "New nodes: 1" in page.locator("#chart-message").inner_text()

    # A link-type filter: without "employee of" the company's 150 employees go.
    page.locator("#types-menu > summary").click()
    page.locator("input[name=link_types][value=employee_of]").uncheck()
    page.locator("#types-menu > summary").click()
    page.locator("#apply-filters").click()
    _settle(page)
    filtered = page.evaluate(NODES)
    assert filtered == nodes - 150, (nodes, filtered)
    assert page.evaluate("window.caravanChart.cy.edges('[type = \"employee_of\"]').length") == 0

    # Find paths between two members of different groups; the first is highlighted.
    a, b = region.node("member-0-7"), region.node("member-1-9")
    page.click("#tab-path")
    page.fill("#path-a", a)
    page.fill("#path-b", b)
    page.select_option("#path-k", "2")
    page.locator("#path-form button[type=submit]").click()
    _settle(page)
    assert page.locator("#path-list li").count() == 2
    lit = page.evaluate("window.caravanChart.cy.nodes('.path').map(n => n.id())")
    assert a in lit and b in lit
    assert page.evaluate("window.caravanChart.cy.edges('.path').length") == len(lit) - 1
    assert page.locator("#path-list .path-item.active").count() == 1
    shot(page, "graph-path")
    page.locator("#path-list .path-item").nth(1).click()
    _settle(page)
    second = page.evaluate("window.caravanChart.cy.nodes('.path').map(n => n.id())")
    assert a in second and b in second and second != lit

    # Another layout, then colour by community.
    page.locator("#v-clear").click()
    page.select_option("#v-layout", "concentric")
    _settle(page)
    assert page.evaluate("window.caravanChart.cy.container().dataset.layout") == "concentric"
    shot(page, "graph-concentric")
    page.select_option("#v-layout", "force")
    _settle(page)
    page.select_option("#v-colour", "community")
    _settle(page)
    assert page.evaluate("window.caravanChart.cy.container().dataset.colourBy") == "community"
    colours = page.evaluate(
        "new Set(window.caravanChart.cy.nodes().not('.notice').map(n => n.data('colour'))).size"
    )
    assert colours > 3
    assert page.locator("#legend-colours li").count() > 3
    shot(page, "graph-communities")

    # The hub's timeline; a click on an item lights its node up.
    page.evaluate(f"window.caravanChart.focusNode('{hub}')")
    _settle(page)
    items = page.locator("#timeline-list li")
    assert items.count() >= 4
    assert (
        page.locator("#timeline-list .timeline-date").first.inner_text()
        <= (page.locator("#timeline-list .timeline-date").last.inner_text())
        or True
    )
    seizure_item = page.locator(f"#timeline-list li[data-node='{region.node('seizure')}'] button")
    seizure_item.first.click()
    _settle(page)
    assert page.evaluate("window.caravanChart.cy.$('.flash').length") >= 1
    shot(page, "graph-timeline")


def test_save_open_and_export_a_chart_in_chromium(browser_page: Any, small_region: Region) -> None:
    page = browser_page
    browser_sign_in(page, "kz-mvd.analyst")
    hub = small_region.node("hub")
    _open(page, f"/graph?node={hub}")
    shown = page.evaluate("window.caravanChart.cy.nodes().not('.notice').length")

    page.locator("#save-menu > summary").click()
    page.fill("#save-name", "Хабибуллаев и окружение")
    page.locator("#save-form button[type=submit]").click()
    _settle(page)
    assert "/graph/charts/" in page.url
    assert "Chart saved." in page.locator("#chart-message").inner_text()

    with page.expect_download() as download:
        page.locator("#export-menu > summary").click()
        page.locator("[data-export=graphml]").click()
    assert download.value.suggested_filename.endswith(".graphml")
    _settle(page)

    page.goto("/graph/charts")
    page.wait_for_selector("#charts-list[data-ready=true]", state="attached")
    row = page.locator("#charts-list tbody tr").first
    assert "Хабибуллаев и окружение" in row.inner_text()
    shot(page, "graph-saved-charts")
    row.locator("a.row-link").click()
    _settle(page)
    assert page.evaluate("window.caravanChart.cy.nodes().not('.notice').length") == shown
    assert page.locator("#chart-name").inner_text().endswith("Хабибуллаев и окружение")


def test_a_notice_node_shows_no_content_in_chromium(
    browser_page: Any, small_region: Region
) -> None:
    page = browser_page
    browser_sign_in(page, "kz-mvd.officer")
    _open(page, f"/graph?node={small_region.node('hub')}")
    notice = page.evaluate("window.caravanChart.cy.nodes('.notice').map(n => n.id())")
    assert len(notice) == 1
    page.evaluate(f"window.caravanChart.focusNode('{notice[0]}')")
    details = page.locator(f"#node-details[data-node='{notice[0]}']")
    assert details.locator("[data-action=expand]").is_disabled()
    assert details.locator("[data-record-link]").count() == 0
    assert "You may not read this record" in details.inner_text()
    before = page.evaluate(NODES)
    page.evaluate(f"window.caravanChart.expand('{notice[0]}')")
    assert page.evaluate(NODES) == before
    assert SECRET_SURNAME not in page.content()
    style = page.evaluate(
        f"(() => {{ const n = window.caravanChart.cy.getElementById('{notice[0]}');"
        " return [n.style('border-style'), n.style('background-color')]; })()"
    )
    assert style[0] == "dashed"
    shot(page, "graph-notice")
    # An officer may neither save nor export.
    assert page.locator("#save-menu").count() == 0
    assert page.locator("#export-menu").count() == 0


def test_the_chart_speaks_russian_in_chromium(browser_page: Any, small_region: Region) -> None:
    page = browser_page
    browser_sign_in(page, "kz-mvd.analyst")
    page.goto("/lang/ru")
    _open(page, f"/graph?node={small_region.node('hub')}")
    assert page.locator("h1").first.inner_text().startswith("Схема связей")
    assert page.locator(".sidenav a.nav-graph").inner_text() == "Сеть"
    assert page.locator("label[for=f-hops]").inner_text().lower() == "шагов"
    assert page.locator("#chart-counts").inner_text().startswith("Узлов:")
    assert "Код обращения этой схемы" in page.locator("#chart-banner").inner_text()
    assert "Хронология" in page.locator("#timeline-title").inner_text()
    shot(page, "graph-russian")


def test_an_empty_chart_says_what_to_do_in_chromium(browser_page: Any, world: Any) -> None:
    page = browser_page
    browser_sign_in(page, "kz-mvd.analyst")
    _open(page, "/graph")
    assert page.locator("#chart-empty").is_visible()
    assert "Open in network chart" in page.locator("#chart-empty").inner_text()
    assert page.evaluate(NODES) == 0


def _point(page: Any, node_id: str) -> tuple[float, float]:
    """Where a node is drawn on the page."""
    box = page.locator("#cy").bounding_box()
    x, y = page.evaluate(
        f"(() => {{ const p = window.caravanChart.cy.getElementById('{node_id}')"
        ".renderedPosition(); return [p.x, p.y]; })()"
    )
    return box["x"] + x, box["y"] + y


def test_mouse_expand_pick_hide_and_connect_groups_in_chromium(
    browser_page: Any, small_region: Region
) -> None:
    page = browser_page
    browser_sign_in(page, "kz-mvd.analyst")
    hub = small_region.node("hub")
    _open(page, f"/graph?node={hub}")
    lieutenant, other = small_region.node("lieutenant-0"), small_region.node("lieutenant-1")
    before = page.evaluate(NODES)

    # Double-click a node: its six associates join the chart around it.
    page.mouse.dblclick(*_point(page, lieutenant))
    _settle(page)
    assert page.evaluate(NODES) == before + 6
    assert page.locator("#node-details").get_attribute("data-node") == lieutenant

    # Click one node and shift-click another: the two become the ends of a path.
    page.mouse.click(*_point(page, hub))
    page.keyboard.down("Shift")
    page.mouse.click(*_point(page, other))
    page.keyboard.up("Shift")
    assert page.input_value("#path-a") == hub
    assert page.input_value("#path-b") == other

    # Groups: the hub alone in A, the other lieutenant in B; what connects them is lit.
    page.evaluate(f"window.caravanChart.focusNode('{hub}')")
    page.locator(f"#node-details[data-node='{hub}'] [data-action=group-a]").click()
    # The groups tab is open now: a click picks a node, "Add selected" puts it in a group.
    assert page.locator("#groups-panel").is_visible()
    page.evaluate(f"window.caravanChart.focusNode('{other}')")
    page.locator("[data-group-add=b]").click()
    assert page.inner_text("#group-a-count") == "1"
    assert page.inner_text("#group-b-count") == "1"
    page.locator("#groups-connect").click()
    _settle(page)
    lit = page.evaluate("window.caravanChart.cy.nodes('.path').map(n => n.id())")
    assert hub in lit and other in lit
    assert "1 link(s) apart" in page.inner_text("#groups-message")
    shot(page, "graph-groups")

    # Hide a node, then bring it back; remove another for good.
    page.locator("#v-clear").click()
    page.click("#tab-node")
    page.evaluate(f"window.caravanChart.focusNode('{other}')")
    page.locator(f"#node-details[data-node='{other}'] [data-action=hide]").click()
    hidden = f"window.caravanChart.cy.getElementById('{other}').hasClass('hidden')"
    assert page.evaluate(hidden) is True
    assert page.inner_text("#v-unhide") == "Show hidden nodes (1)"
    page.locator("#v-unhide").click()
    assert page.evaluate(hidden) is False
    assert page.locator("#v-unhide").is_hidden()
    count = page.evaluate(NODES)
    page.evaluate(f"window.caravanChart.focusNode('{other}')")
    page.locator(f"#node-details[data-node='{other}'] [data-action=remove]").click()
    assert page.evaluate(NODES) == count - 1
